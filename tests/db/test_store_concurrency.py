"""The store under concurrency: other connections (standing in for other processes: SQLite's locks are
per connection) hold the write lock, open the same new file at once, or write while we read."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.db import store as store_module
from bot.db.catalog import CatalogRepository
from bot.db.store import Store, available_migrations
from bot.services.importing import import_files
from bot.services.trivia import TriviaService
from tests.conftest import ROOT, SEED_PAGE


@contextmanager
def write_lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock, as a CLI import in another process does."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


async def test_several_connections_opening_a_new_database_at_once_each_apply_every_migration_once(tmp_path: Path):
    path = tmp_path / "new.db"
    opened = await asyncio.gather(*(Store.open(path) for _ in range(4)), return_exceptions=True)
    failures = [o for o in opened if isinstance(o, BaseException)]
    for store in opened:
        if isinstance(store, Store):
            await store.close()
    assert failures == []
    with sqlite3.connect(path) as db:
        versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in available_migrations()]
    assert sum(1 for s in opened if isinstance(s, Store) and s.created) == 1  # one of them made it


async def test_reads_never_see_a_write_that_is_not_committed(store: Store):
    started, release = asyncio.Event(), asyncio.Event()

    async def write_then_roll_back() -> None:
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('draft', 'uncommitted')")
            started.set()
            await release.wait()
            raise RuntimeError("rolled back")

    writer = asyncio.create_task(write_then_roll_back())
    await started.wait()
    seen_during = await store.fetchall("SELECT key FROM meta WHERE key = 'draft'")
    release.set()
    with pytest.raises(RuntimeError):
        await writer
    assert seen_during == []
    assert await store.fetchall("SELECT key FROM meta WHERE key = 'draft'") == []


@pytest.mark.sqlite_only  # SQLite's file write lock
async def test_a_read_does_not_wait_behind_a_write_waiting_for_another_process(store: Store):
    await store.write("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    with write_lock_held(store.path):
        waiting = asyncio.create_task(store.write("INSERT INTO meta (key, value) VALUES ('k2', 'v2')"))
        await asyncio.sleep(0.05)  # let the write reach the lock (not a clock the test waits on)
        assert not waiting.done()
        row = await asyncio.wait_for(store.fetchone("SELECT value FROM meta WHERE key = 'k'"), 1.0)
        assert row[0] == "v"
    await asyncio.wait_for(waiting, 10)  # and the write goes through once the lock is free
    assert (await store.fetchone("SELECT value FROM meta WHERE key = 'k2'"))[0] == "v2"


@pytest.mark.sqlite_only  # SQLite's file write lock
async def test_a_write_locked_out_for_longer_than_the_wait_fails_cleanly_and_the_store_still_works(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.3)
    with write_lock_held(store.path), pytest.raises(store_module.DatabaseBusy):
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('late', 'x')")
    async with store.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('late', 'y')")
    assert (await store.fetchone("SELECT value FROM meta WHERE key = 'late'"))[0] == "y"


async def test_a_store_opens_while_another_process_holds_the_write_lock(tmp_path: Path):
    path = tmp_path / "busy.db"
    first = await Store.open(path)  # created and migrated first
    await first.close()
    with write_lock_held(path):
        again = await asyncio.wait_for(Store.open(path), 5)  # nothing to migrate: no write lock needed
        assert not again.created
        await again.close()


@pytest.mark.sqlite_only  # SQLite's file write lock
async def test_a_shown_fact_whose_record_cannot_be_written_is_still_shown(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog
):
    """The member has the answer before the channel's record is written; a lock held too long by
    another process delays that record (kept in memory, logged once), never an error after the answer,
    and it is written once the lock is free."""
    await import_files(CatalogRepository(store), [SEED_PAGE])
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.2)
    trivia = TriviaService(store)
    shown = await trivia.card_for_title("mask", guild_id=1, channel_id=2)
    with write_lock_held(store.path):
        await shown.remember()
        assert not await trivia.recent.flush()
    assert "could not write 1 'recently shown' records yet" in caplog.text
    assert await store.fetchall("SELECT * FROM channel_shown") == []
    assert await trivia.recent.flush()
    assert [r[0] for r in await store.fetchall("SELECT fact_id FROM channel_shown")] == [shown.card.fact_id]


OPEN_AFTER_SIGNAL = """
import asyncio, pathlib, sys, time
from bot.db.store import Store
go = pathlib.Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
async def main():
    store = await Store.open(sys.argv[1])
    await store.close()
asyncio.run(main())
"""


def test_several_processes_opening_a_new_database_at_once_all_start(tmp_path: Path):
    """The same race through real processes, released together: before, some failed with 'table films
    already exists' (the applied versions were read before the write lock was taken)."""
    path, go = tmp_path / "new.db", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen([sys.executable, "-c", OPEN_AFTER_SIGNAL, str(path), str(go)], env=env, cwd=ROOT,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    time.sleep(0.5)  # let the interpreters start, so the opens really race (not a clock the test waits on)
    go.touch()
    errors = [p.communicate(timeout=60)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, errors
    with sqlite3.connect(path) as db:
        versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in available_migrations()]


@pytest.mark.sqlite_only  # SQLite's point reads on the event loop
async def test_a_point_read_answers_at_once_while_another_process_writes_and_sees_only_what_it_committed(
    seeded_store: Store,
):
    store = seeded_store
    film = (await store.fetchone("SELECT id FROM films"))[0]
    catalog = CatalogRepository(store)
    with write_lock_held(store.path) as other:  # a CLI import in the middle of a chunk
        other.execute(
            "INSERT INTO facts (film_id, text, content_hash, origin) VALUES (?, 'Not committed yet.', x'00', 'import')",
            (film,),
        )
        started = time.perf_counter()
        found = await catalog.film_facts(film, None)
        assert time.perf_counter() - started < 0.5  # no busy wait (a stalled loop would show here)
        assert [fact.text for fact in found.facts].count("Not committed yet.") == 0
        assert len(found.facts) == 6
        other.execute("COMMIT")
    found = await catalog.film_facts(film, None)
    assert "Not committed yet." in [fact.text for fact in found.facts]
    assert [fact.id for fact in found.facts] == sorted(fact.id for fact in found.facts)  # numbered by id
