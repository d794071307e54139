"""A process running some shards posts only for its own guilds ((guild_id >> 22) % shard_count), on both engines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.db.catalog import CatalogRepository
from bot.db.daily import Advance, DailyRepository
from bot.db.engines import AnyStore
from bot.trivia.records import FactRecord, FilmRecord

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def guild_on(shard: int, count: int = 2, n: int = 1) -> int:
    """A snowflake-sized guild id carried by `shard`."""
    return ((1_000_000 + n) * count + shard) << 22 | 7


async def test_due_schedules_and_unsent_claims_are_only_those_of_this_process_shards(store: AnyStore):
    await CatalogRepository(store).import_films(
        [FilmRecord("Heat", 1995, facts=[FactRecord("A fact about the film Heat, long enough.")])]
    )
    repo = DailyRepository(store)
    for n, shard in enumerate([0, 1, 0, 1, 1]):
        await repo.save(
            guild_id=guild_on(shard, n=n), channel_id=500 + n, local_time="09:00", timezone="UTC", film_id=None,
            next_due_at=NOW, admin_id=1, now=NOW,
        )  # fmt: skip
    assert len(await repo.due(NOW, 100)) == 5  # unsharded: every guild
    store.shards = (2, (1,))
    mine = await repo.due(NOW, 100)
    assert sorted(s.channel_id for s in mine) == [501, 503, 504]
    assert all((s.guild_id >> 22) % 2 == 1 for s in mine)
    for schedule in await repo.due(NOW, 100):
        await repo.advance(Advance(schedule, NOW + timedelta(days=1), "2026-06-01"), random.Random(), NOW)
    store.shards = (2, (0,))
    assert sorted(s.channel_id for s in await repo.due(NOW, 100)) == [500, 502]
    assert await repo.pending_posts(100) == []  # shard 1's unsent claims are not shard 0's to re-send
    store.shards = (2, (1,))
    assert sorted(p.channel_id for p in await repo.pending_posts(100)) == [501, 503, 504]
