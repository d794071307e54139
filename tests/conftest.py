from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.engines import AnyStore, open_store
from tests.pg_server import INSTALL_HINT, PgServer, find_bin_dir, fresh_schema_name, start_server

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "data" / "000_519005fe08e5987b.txt"
ENGINES = ["sqlite", "postgres"]


_NOT_RUN: list[str] = []


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    on_pg = callspec is not None and callspec.params.get("store") == "postgres"
    return on_pg or bool({"pg_server", "pg_url"} & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked sqlite_only keep only their SQLite run of the `store` fixture. Without PostgreSQL
    binaries (and without TRIVIA_REQUIRE_POSTGRES=1) the PostgreSQL runs are left out, said in one line."""
    missing = find_bin_dir() is None and os.environ.get("TRIVIA_REQUIRE_POSTGRES") != "1"
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("store") == "postgres"
        if on_pg and item.get_closest_marker("sqlite_only"):
            drop.append(item)
        elif missing and _needs_postgres(item):
            drop.append(item)
            _NOT_RUN.append(item.nodeid)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _NOT_RUN:
        terminalreporter.write_line(f"SKIPPED {len(_NOT_RUN)} PostgreSQL tests: {INSTALL_HINT}", yellow=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL for the whole run (about a second to start). Without binaries the tests that
    need it skip with one line, unless TRIVIA_REQUIRE_POSTGRES=1 (CI) makes that a failure."""
    try:
        server = start_server()
    except FileNotFoundError:
        if os.environ.get("TRIVIA_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"TRIVIA_REQUIRE_POSTGRES=1 but {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    try:
        yield server
    finally:
        server.stop()


async def fresh_pg_url(pg_server: PgServer) -> str:
    """A fresh, empty schema in the session's server: each test starts from nothing."""
    import asyncpg

    schema = fresh_schema_name()
    conn = await asyncpg.connect(pg_server.url())
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return pg_server.url(search_path=schema)


@pytest.fixture
async def pg_url(pg_server: PgServer) -> str:
    return await fresh_pg_url(pg_server)


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AnyStore]:
    """Every store test runs on both engines: the SQLite file as shipped, and PostgreSQL."""
    location: str | Path = tmp_path / "trivia.db"
    if request.param == "postgres":
        location = await fresh_pg_url(request.getfixturevalue("pg_server"))
    opened = await open_store(location)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def seeded_store(store: AnyStore) -> AnyStore:
    """A store holding the bundled seed page (Mask, 1985, six facts), as a first start leaves it."""
    from bot.db.catalog import CatalogRepository
    from bot.services.importing import import_files

    await import_files(CatalogRepository(store), [SEED_PAGE])
    return store
