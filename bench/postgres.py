"""PostgreSQL beside SQLite, in one run, on a throwaway PostgreSQL (the tests' server: local unix socket,
fsync off, so these are best cases for PostgreSQL's durability cost and worst-free for its network).

    .venv/bin/python -m bench.postgres [--films 10000 --facts 100000] [--import-facts 1000000] [--due 4000]

1. `/trivia`'s store work (resolve a title, read the film's facts with the channel's record, record the
   fact shown) per call, wall and CPU, on SQLite and PostgreSQL with the same catalog;
2. importing `--import-facts` facts into an empty PostgreSQL (the chunked import the CLI runs);
3. daily fan-out: `--due` posts due at once among 100,000 schedules over 4 shards in 2 "processes"
   (two stores, shards 0,1 and 2,3), claimed side by side: time per process, duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench.timing import table
from bot.clock import to_epoch
from bot.db.catalog import CatalogRepository
from bot.db.engines import AnyStore, open_store
from bot.db.pgstore import PostgresStore
from bot.services.daily import DailyService
from bot.services.trivia import TriviaService
from bot.trivia.records import FactRecord, FilmRecord
from tests.pg_server import start_server
from tests.support.catalog import build

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def records(films: int, facts: int) -> list[FilmRecord]:
    return [
        FilmRecord(f["title"], f["year"], f["genre"], f["cast"],
                   facts=[FactRecord(x["text"], x["section"], x["credit"]) for x in f["facts"]])
        for f in build(films, facts)
    ]  # fmt: skip


async def schema(server_url: str, name: str, url_for: object) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    return url_for(search_path=name)  # type: ignore[operator]


async def trivia_per_call(store: AnyStore, catalog: list[FilmRecord], calls: int) -> tuple[float, float]:
    service = TriviaService(store, rng=random.Random(3))
    await service.refresh_titles()
    titles = [f"{film.title} ({film.year})" for film in random.Random(4).sample(catalog, min(calls, len(catalog)))]
    wall, cpu = time.perf_counter(), time.process_time()
    for n, title in enumerate(titles):
        await service.show(title, guild_id=1, channel_id=100 + n % 50)
    return (time.perf_counter() - wall) / len(titles) * 1000, (time.process_time() - cpu) / len(titles) * 1000


async def fan_out(url: str, schedules: int, due: int) -> list[list[str]]:
    seed = await PostgresStore.open(url)
    await CatalogRepository(seed).import_films(records(1000, 10_000))
    rng = random.Random(1)
    async with seed.transaction() as conn:
        await conn.executemany(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, next_due_at, created_by,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [((1_000 + i % 400) << 22 | 1, 10_000 + i, "09:00", "UTC",
              to_epoch(NOW) - 30 if i < due else to_epoch(NOW) + 60 + rng.randrange(86_000), 1, to_epoch(NOW))
             for i in range(schedules)],
        )  # fmt: skip
    await seed.close()
    stores = [await PostgresStore.open(url) for _ in range(2)]
    for store, shard_ids in zip(stores, ((0, 1), (2, 3)), strict=True):
        store.shards = (4, shard_ids)

    async def process(store: PostgresStore) -> tuple[int, float]:
        daily = DailyService(store, TriviaService(store), clock=lambda: NOW, rng=random.Random(2),
                             grace=timedelta(hours=6))  # fmt: skip
        started, claimed = time.perf_counter(), 0
        while posts := await daily.claim_due():
            for number, post in enumerate(posts):
                await daily.delivered(post, number)
            claimed += len(posts)
        return claimed, time.perf_counter() - started

    started = time.perf_counter()
    results = await asyncio.gather(*(process(store) for store in stores))
    total = time.perf_counter() - started
    row = await stores[0].fetchone("SELECT count(*) - count(DISTINCT channel_id) FROM daily_posts")
    for store in stores:
        await store.close()
    return [
        [f"process {n} (shards {','.join(map(str, s.shards[1] or ()))})", f"{claimed:,}", f"{seconds:.2f}"]
        for n, (s, (claimed, seconds)) in enumerate(zip(stores, results, strict=True))
    ] + [["both, to the last post", f"{sum(c for c, _ in results):,}", f"{total:.2f}"], ["duplicates", str(row[0]), ""]]


async def main(args: argparse.Namespace) -> None:
    server = start_server()
    try:
        catalog = records(args.films, args.facts)
        rows = []
        with tempfile.TemporaryDirectory() as folder:
            for engine in ("sqlite", "postgres"):
                location = (
                    Path(folder) / "bench.db" if engine == "sqlite" else await schema(server.url(), "t1", server.url)
                )
                store = await open_store(location)
                try:
                    started = time.perf_counter()
                    await CatalogRepository(store).import_films(catalog)
                    loaded = time.perf_counter() - started
                    wall, cpu = await trivia_per_call(store, catalog, args.calls)
                finally:
                    await store.close()
                rows.append([engine, f"{args.facts:,}", f"{loaded:.1f}", f"{wall:.2f}", f"{cpu:.2f}"])
        print(table(["engine", "facts", "import s", "/trivia store ms/call", "CPU ms/call"], rows))

        big = records(max(1, args.import_facts // 10), args.import_facts)
        store = await PostgresStore.open(await schema(server.url(), "t2", server.url))
        try:
            started = time.perf_counter()
            summary = await CatalogRepository(store).import_films(big)
            seconds = time.perf_counter() - started
        finally:
            await store.close()
        print()
        print(table(["PostgreSQL import", "facts added", "seconds", "facts/s"],
                    [["chunked import", f"{summary.facts_added:,}", f"{seconds:.1f}",
                      f"{summary.facts_added / seconds:,.0f}"]]))  # fmt: skip
        print()
        fan = await fan_out(await schema(server.url(), "t3", server.url), args.schedules, args.due)
        print(table([f"daily fan-out, {args.due:,} due of {args.schedules:,}", "posts", "seconds"], fan))
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--import-facts", type=int, default=1_000_000)
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=4000)
    asyncio.run(main(parser.parse_args()))
