"""Daily-loop tick cost: nothing due and 1,000 due, at 100 and 100,000 schedules.

    .venv/bin/python -m bench.daily [--repeat N]

A tick here is what the loop does minus the network: `DailyService.claim_due()` (find due schedules,
claim each post and advance its schedule in one transaction) and recording each post as sent. The
baseline, measured in the same run on the same connection, is one `SELECT 1` round trip through
aiosqlite: the floor under any tick.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.timing import LoopLag, measure, summary, table
from bot.clock import to_epoch
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.daily import DailyService
from bot.services.trivia import TriviaService
from bot.trivia.records import FactRecord, FilmRecord

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def fill(store: Store, schedules: int, *, films: bool = True) -> None:
    """Schedules spread over the next day (none due), 50 guilds, and (unless the catalog is there
    already) 10,000 facts to pick from."""
    if films:
        await CatalogRepository(store).import_films(
            [FilmRecord(f"Film {i}", 1950 + i % 70, facts=[FactRecord(f"Fact {i}.{j}") for j in range(10)])
             for i in range(1000)]
        )  # fmt: skip
    rng = random.Random(1)
    rows = [
        (1 + i % 50, 10_000 + i, "09:00", "UTC", to_epoch(NOW) + 60 + rng.randrange(86_000), 1, to_epoch(NOW))
        for i in range(schedules)
    ]
    async with store.transaction() as conn:
        await conn.executemany(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, next_due_at, created_by,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    await store.conn.execute("ANALYZE")


async def arm(store: Store, due: int) -> None:
    """Makes `due` schedules due now and forgets earlier posts (untimed)."""
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM daily_posts")
        await conn.execute(
            "UPDATE daily_schedules SET next_due_at = ?, last_posted_date = NULL WHERE id <= ?",
            (to_epoch(NOW) - 30, due),
        )


async def bench(schedules: int, repeat: int, catalog: Path | None = None, due: int = 1000) -> list[list[str]]:
    """Rows: schedules, tick, p50 ms, p99 ms, baseline, ratio, facts, per post ms, worst loop stall ms.
    `catalog`: start from a copy of this database (a big catalog) instead of 10,000 facts."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        if catalog is not None:
            shutil.copyfile(catalog, path)
        store = await Store.open(path)
        try:
            await fill(store, schedules, films=catalog is None)
            facts = (await CatalogRepository(store).stats()).facts
            daily = DailyService(
                store, TriviaService(store), clock=lambda: NOW, rng=random.Random(2), grace=timedelta(hours=6)
            )

            async def tick() -> int:
                posts = await daily.claim_due()
                for number, post in enumerate(posts):
                    await daily.card_for_post(post)  # what the loop shows: the fact and its place among the film's
                    await daily.delivered(post, number)
                return len(posts)

            baseline = await measure(lambda: store.fetchone("SELECT 1"), repeat * 10)
            idle = await measure(tick, repeat * 10)
            assert await tick() == 0
            due = min(due, schedules)
            async with LoopLag() as lag:
                busy = await measure(tick, max(3, repeat // 4), before=lambda: arm(store, due))
            await arm(store, due)
            assert await tick() == due, "every armed schedule must be posted"
        finally:
            await store.close()
    base_p50, _, _ = summary(baseline)
    rows = []
    for label, samples in (("0 due", idle), (f"{due:,} due", busy)):
        p50, p99, _ = summary(samples)
        per_post = f"{p50 / due:.3f}" if samples is busy else "—"
        stall = f"{lag.worst_ms:.1f}" if samples is busy else "—"
        rows.append([f"{schedules:,}", label, f"{p50:.2f}", f"{p99:.2f}", f"{base_p50:.3f}", f"{p50 / base_p50:.0f}x",
                     f"{facts:,}", per_post, stall])  # fmt: skip
    return rows


async def main(repeat: int) -> None:
    rows = []
    for schedules in (100, 100_000):
        rows.extend(await bench(schedules, repeat))
    headers = ["schedules", "tick", "p50 ms", "p99 ms", "baseline SELECT 1 p50 ms", "p50 / baseline", "facts",
               "per post ms", "worst loop stall ms"]  # fmt: skip
    print(table(headers, rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    asyncio.run(main(parser.parse_args().repeat))
