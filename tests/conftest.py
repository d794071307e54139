from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "data" / "000_519005fe08e5987b.txt"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "trivia.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def seeded_store(store: Store) -> Store:
    """A store holding the bundled seed page (Mask, 1985, six facts), as a first start leaves it."""
    from bot.db.catalog import CatalogRepository
    from bot.services.importing import import_files

    await import_files(CatalogRepository(store), [SEED_PAGE])
    return store
