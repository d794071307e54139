"""PostgreSQL-only promises: processes racing to migrate an empty database, claims exclusive at the database,
and the dialect rewriting SQLite spellings (the rest of the store tests run on both engines)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.daily import Advance, DailyRepository
from bot.db.dialect import shard_filter, to_postgres
from bot.db.pgstore import PostgresStore, available_pg_migrations
from bot.db.store import available_migrations
from bot.trivia.records import FactRecord, FilmRecord


def test_every_sqlite_migration_has_its_postgres_twin():
    assert [v for v, _, _ in available_pg_migrations()] == [v for v, _, _ in available_migrations()]


def test_the_dialect_rewrites_only_what_postgres_spells_differently():
    out = to_postgres("SELECT ifnull(a, 0) FROM t WHERE a IS NOT b AND c IS NOT NULL AND d = '?' AND e = ?")
    assert out.sql == "SELECT coalesce(a, 0) FROM t WHERE a IS DISTINCT FROM b AND c IS NOT NULL AND d = '?' AND e = $1"
    named = to_postgres("SELECT 1 FROM t WHERE g = :guild OR h = :guild AND x::text = :n")
    assert named.sql == "SELECT 1 FROM t WHERE g = $1 OR h = $1 AND x::text = $2"
    assert named.names == ("guild", "n")
    insert = to_postgres("INSERT INTO facts (film_id) VALUES (?)")
    assert insert.returns_id
    assert insert.sql.endswith("RETURNING id")
    assert not to_postgres("INSERT INTO meta (key, value) VALUES (?, ?)").returns_id


def test_the_shard_filter_is_discords_rule():
    assert shard_filter("guild_id", None, None) == ("", ())
    assert shard_filter("guild_id", 2, (0, 1)) == ("", ())  # every shard here: no filter at all
    assert shard_filter("guild_id", 4, (1, 3)) == (" AND ((guild_id >> 22) % ?) IN (?, ?)", (4, 1, 3))


async def test_processes_opening_an_empty_database_at_once_apply_each_migration_once(pg_url: str):
    opened = await asyncio.gather(*(PostgresStore.open(pg_url) for _ in range(4)))
    try:
        assert sum(store.created for store in opened) == 1
        rows = await opened[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r[0] for r in rows] == [v for v, _, _ in available_pg_migrations()]
    finally:
        await asyncio.gather(*(store.close() for store in opened))


async def test_two_processes_advancing_the_same_due_schedule_post_it_once(pg_url: str):
    stores = [await PostgresStore.open(pg_url) for _ in range(2)]
    try:
        await CatalogRepository(stores[0]).import_films(
            [FilmRecord("Heat", 1995, facts=[FactRecord(f"Fact {n} about the film Heat.") for n in range(3)])]
        )
        now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
        for channel in range(50):
            await DailyRepository(stores[0]).save(
                guild_id=1, channel_id=100 + channel, local_time="09:00", timezone="UTC", film_id=None,
                next_due_at=now, admin_id=1, now=now,
            )  # fmt: skip

        async def tick(store: PostgresStore) -> int:
            repo = DailyRepository(store)
            claimed = 0
            for schedule in await repo.due(now, 100):
                decision = Advance(schedule, now + timedelta(days=1), "2026-06-01")
                claimed += await repo.advance(decision, random.Random(), now) is not None
            return claimed

        counts = await asyncio.gather(tick(stores[0]), tick(stores[1]))
        assert sum(counts) == 50
        rows = await stores[0].fetchall("SELECT channel_id, count(*) FROM daily_posts GROUP BY channel_id")
        assert len(rows) == 50
        assert {r[1] for r in rows} == {1}
    finally:
        for store in stores:
            await store.close()


@pytest.mark.parametrize("bad", ["postgresql://nobody@127.0.0.1:1/none"])
async def test_an_unreachable_server_is_a_clear_error(bad: str):
    from bot.db.pgstore import PostgresUnavailable

    with pytest.raises(
        PostgresUnavailable, match=r"cannot connect to PostgreSQL at postgresql://nobody@127\.0\.0\.1:1"
    ):
        await PostgresStore.open(bad)


async def test_identifies_of_one_bucket_are_spaced_over_processes_and_other_buckets_do_not_wait(pg_url: str):
    from bot.db.identify import IdentifyGate

    now = [1000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds  # the injected clock moves by what was waited

    stores = [await PostgresStore.open(pg_url) for _ in range(2)]
    try:
        gates = [IdentifyGate(store, clock=lambda: now[0], sleep=sleep) for store in stores]
        waits = await asyncio.gather(gates[0].wait_turn(0), gates[1].wait_turn(0))
        assert sorted(waits) == [0.0, 5.0]  # the second process waited for the first's turn
        assert await gates[0].wait_turn(1) == 0.0  # another bucket: at once
        now[0] += 2.0
        assert await gates[1].wait_turn(0) == 3.0  # 5 s after the last identify in bucket 0
    finally:
        for store in stores:
            await store.close()


async def test_a_catalog_change_by_another_process_is_pushed_at_once(pg_url: str):
    from bot.services.trivia import TriviaService

    stores = [await PostgresStore.open(pg_url) for _ in range(2)]
    try:
        trivia = TriviaService(stores[0], titles_check_seconds=3600)  # only the push can tell it in time
        changed = asyncio.Event()

        def titles_changed() -> None:
            trivia.titles_changed()
            changed.set()

        assert await stores[0].on_catalog_change(titles_changed)
        assert await trivia.autocomplete("hea") == []
        await CatalogRepository(stores[1]).import_films([FilmRecord("Heat", 1995)])
        await asyncio.wait_for(changed.wait(), 1.0)
        await trivia.titles_settled()  # lookups never wait for a rebuild; this test does
        assert [e.label for e in await trivia.autocomplete("hea")] == ["Heat (1995)"]
    finally:
        for store in stores:
            await store.close()
