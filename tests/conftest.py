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
