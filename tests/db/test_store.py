from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiosqlite
import pytest

from bot.db.engines import open_store
from bot.db.store import Store, available_migrations


async def test_open_applies_migrations_once_with_wal_and_foreign_keys(tmp_path: Path):
    path = tmp_path / "sub" / "trivia.db"
    first = await Store.open(path)
    assert first.created
    assert (await first.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await first.fetchone("PRAGMA foreign_keys"))[0] == 1
    versions = [r[0] for r in await first.fetchall("SELECT version FROM schema_migrations")]
    assert versions == [v for v, _, _ in available_migrations()]
    await first.close()

    again = await Store.open(path)
    assert not again.created
    assert len(await again.fetchall("SELECT version FROM schema_migrations")) == len(versions)
    await again.close()


async def test_a_failed_transaction_leaves_nothing_behind(store: Store):
    async def write_then_fail() -> None:
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert await store.fetchall("SELECT * FROM meta") == []


async def test_foreign_keys_are_enforced(store: Store):
    with pytest.raises(aiosqlite.IntegrityError):
        async with store.transaction() as conn:
            await conn.execute(
                "INSERT INTO facts (film_id, text, origin, content_hash) VALUES (999, 't', 'import', 'h')"
            )


async def test_another_connection_changing_the_catalog_moves_data_version(store: Store):
    """SQLite: PRAGMA data_version; PostgreSQL: the catalog counter, announced by NOTIFY (so a moment later)."""
    before = await store.data_version()
    other = await open_store(store.location)
    async with other.transaction() as conn:
        await conn.execute("INSERT INTO films (title, norm_title) VALUES ('x', 'x')")
    await other.close()
    deadline = time.monotonic() + 1.0
    while await store.data_version() == before and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)  # the notification travels on its own connection
    assert await store.data_version() != before


async def test_the_sqlite_store_refuses_a_postgres_url_instead_of_making_a_file_of_it():
    with pytest.raises(ValueError, match=r"open it with bot\.db\.engines\.open_store"):
        await Store.open("postgresql://trivia@localhost/trivia")
