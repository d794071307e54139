"""PostgreSQL beside SQLite, in one run, on a throwaway PostgreSQL (the tests' server: local unix socket,
fsync off, so these are best cases for PostgreSQL's durability cost and worst-free for its network).

    .venv/bin/python -m bench.postgres [--films 10000 --facts 100000] [--samples 1000 --hot 200]
        [--import-facts 1000000] [--schedules 100000 --due 4000]

1. `/trivia`'s store work (resolve a title, read the film's facts with the channel's record, record the
   fact shown) per call, wall and CPU, on SQLite and PostgreSQL with the same catalog;
2. `/trivia` end to end through two real bot processes (`python -m bot run`, bench/botproc.py), one on
   each engine over that same catalog, each against its own loopback Discord stand-in, asked in turn
   (SQLite, then PostgreSQL, each `/trivia` then `/noop`) so both see the same machine: p50/p99 against
   the same bot's `/noop`, and the CPU per interaction of the bot process (and of the PostgreSQL server's
   processes), read from /proc around a block of `--samples` interactions of one kind. Films asked the
   first time (a new film every time), then `--hot` films asked again;
3. importing `--import-facts` facts into an empty PostgreSQL (the chunked import the CLI runs);
4. daily fan-out: `--due` posts due at once among `--schedules` schedules over 4 shards in 2 real
   processes (bench/fanout_worker.py: the bot's own daily tick with SHARD_COUNT=4, SHARD_IDS 0,1 and
   2,3; sends recorded, no Discord): per shard the posts and the time spent claiming them, per process
   the time to its last post, duplicates counted from daily_posts.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.botproc import ROOT, start_bot, tree_cpu_seconds
from bench.fanout_worker import monotonic
from bench.timing import percentile, table
from bot.clock import to_epoch
from bot.db.catalog import CatalogRepository
from bot.db.engines import AnyStore, open_store
from bot.db.pgstore import PostgresStore
from bot.services.daily import DUE_BATCH
from bot.services.trivia import TriviaService
from bot.trivia.records import FactRecord, FilmRecord
from bot.trivia.text import plural
from tests.pg_server import PgServer, fresh_schema_name, start_server
from tests.support.catalog import build

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def records(films: int, facts: int) -> list[FilmRecord]:
    return [
        FilmRecord(f["title"], f["year"], f["genre"], f["cast"],
                   facts=[FactRecord(x["text"], x["section"], x["credit"]) for x in f["facts"]])
        for f in build(films, facts)
    ]  # fmt: skip


def postmaster_pid(server: PgServer) -> int:
    """The server's first process; its backends and background workers are its children."""
    return int((server.root / "data" / "postmaster.pid").read_text().split()[0])


async def schema(server: PgServer, purpose: str) -> str:
    """A URL to a new, empty schema of its own in `server`."""
    name = f"bench_{purpose}_{fresh_schema_name()}"
    conn = await asyncpg.connect(server.url())
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    return server.url(search_path=name)


async def trivia_per_call(store: AnyStore, catalog: list[FilmRecord], calls: int) -> tuple[float, float]:
    service = TriviaService(store, rng=random.Random(3))
    await service.refresh_titles()
    titles = [f"{film.title} ({film.year})" for film in random.Random(4).sample(catalog, min(calls, len(catalog)))]
    wall, cpu = time.perf_counter(), time.process_time()
    for n, title in enumerate(titles):
        await service.show(title, guild_id=1, channel_id=100 + n % 50)
    # The channel records are written behind the answers, in batches: the last batch is part of the work
    # (and must be written before the store closes, or it fails against a closed store).
    await service.close()
    return (time.perf_counter() - wall) / len(titles) * 1000, (time.process_time() - cpu) / len(titles) * 1000


async def fan_out(
    url: str,
    server: PgServer,
    schedules: int,
    due: int,
    *,
    films: int = 1000,
    facts: int = 10_000,
    shard_count: int = 4,
    processes: tuple[tuple[int, ...], ...] = ((0, 1), (2, 3)),
) -> list[list[str]]:
    """`due` posts due at once among `schedules`, spread over the shards' servers; one OS process per
    entry of `processes` (bench/fanout_worker.py), all told to start at the same instant."""
    seed = await PostgresStore.open(url)
    await CatalogRepository(seed).import_films(records(films, facts))
    rng = random.Random(1)
    async with seed.transaction() as conn:
        await conn.executemany(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, next_due_at, created_by,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [((1_000 + i % 400) << 22 | 1, 10_000 + i, "09:00", "UTC",
              to_epoch(NOW) - 30 if i < due else to_epoch(NOW) + 60 + rng.randrange(86_000), 1, to_epoch(NOW))
             for i in range(schedules)],
        )  # fmt: skip
    await seed.write("ANALYZE")  # as autovacuum would have by the time 100,000 schedules exist
    await seed.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SHARD_"))}
    env.update(DATABASE_URL=url, SHARD_COUNT=str(shard_count), PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.fanout_worker", str(to_epoch(NOW)), cwd=ROOT,
            env={**env, "SHARD_IDS": ",".join(map(str, shard_ids))},
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for shard_ids in processes
    ]  # fmt: skip
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), 120)
            assert line.strip() == b"ready", line
        postmaster = postmaster_pid(server)
        server_cpu, started = tree_cpu_seconds(postmaster), monotonic()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(b"go\n")
            await worker.stdin.drain()
        outputs = await asyncio.gather(*(worker.communicate() for worker in workers))
        server_cpu = tree_cpu_seconds(postmaster) - server_cpu
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    assert all(worker.returncode == 0 for worker in workers), [w.returncode for w in workers]
    reports = [json.loads(out.splitlines()[-1]) for out, _ in outputs]

    store = await PostgresStore.open(url)
    try:
        duplicates, sent = await store.fetchone(
            "SELECT count(*) - count(DISTINCT (channel_id, local_date)), count(*) FILTER (WHERE status = 'sent')"
            " FROM daily_posts"
        )
    finally:
        await store.close()
    sends: Counter[str] = Counter()
    for report in reports:
        sends.update(report["sent"])
    assert sent == due == sum(sends.values()), (sent, due, sum(sends.values()))

    def ms_per(seconds: float, count: int) -> str:
        return f"{seconds / count * 1000:.2f}" if count else "—"

    rows = []
    for n, report in enumerate(reports):
        for shard in report["shards"]:
            claimed, seconds = report["claimed"][str(shard)], report["claim_seconds"][str(shard)]
            rows.append([f"shard {shard} (process {n}): its claims", f"{claimed:,}", f"{seconds:.2f}",
                         ms_per(seconds, claimed), "", ""])  # fmt: skip
    for n, report in enumerate(reports):
        shards = ",".join(map(str, report["shards"]))
        claimed = sum(report["claimed"].values())
        sending = report["sending_seconds"]
        to_last = report["last_post"] - started if report["last_post"] is not None else 0.0
        rows += [
            [f"process {n}: finding what is due ({report['finding_queries']} queries)", "",
             f"{report['finding_seconds']:.2f}", "", "", ""],
            [f"process {n}: claim_due in all (finding, deciding, claiming)", f"{claimed:,}",
             f"{report['claim_due_seconds']:.2f}", ms_per(report["claim_due_seconds"], claimed), "", ""],
            [f"process {n}: building the posts, recording them sent", f"{claimed:,}", f"{sending:.2f}",
             ms_per(sending, claimed), "", ""],
            [f"process {n} (shards {shards}), {plural(report['ticks'], 'tick')} back to back", f"{claimed:,}", "",
             "", f"{to_last:.2f}", f"{report['cpu_seconds']:.2f}"],
        ]  # fmt: skip
    last = max((r["last_post"] for r in reports if r["last_post"] is not None), default=started) - started
    rows.append(["all, to the last post", f"{sent:,}", "", "", f"{last:.2f}", ""])
    rows.append(["PostgreSQL server, all its processes, meanwhile", "", "", "", "", f"{server_cpu:.2f}"])
    rows.append(["duplicates (daily_posts, same channel and day)", str(duplicates), "", "", "", ""])
    rows.append(["channels sent to twice", str(sum(n - 1 for n in sends.values() if n > 1)), "", "", "", ""])
    return rows


def label(film: FilmRecord) -> str:
    return f"{film.title} ({film.year})"


async def end_to_end(sqlite_db: Path, pg_url: str, server: PgServer, catalog: list[FilmRecord], samples: int,
                     hot: int, settle: float = 1.0) -> tuple[list[list[str]], str]:  # fmt: skip
    """Two real bots, one per engine, over the same catalog; asked in turn so both meet the same machine."""
    engines = ("SQLite", "PostgreSQL")
    started = await asyncio.gather(start_bot(sqlite_db), start_bot(pg_url), return_exceptions=True)
    if failed := [bot for bot in started if isinstance(bot, BaseException)]:
        await asyncio.gather(*(bot.stop() for bot in started if not isinstance(bot, BaseException)))
        raise failed[0]
    bots = dict(zip(engines, started, strict=True))
    postmaster = postmaster_pid(server)
    rng = random.Random(3)
    order = rng.sample(catalog, len(catalog))
    hot_films, rest = (order[-hot:], order[:-hot]) if hot < len(order) else (order, order)
    films = itertools.cycle(rest)  # first asks: each film once (latency, then CPU), while the catalog lasts
    first = f"{samples:,} first asks" if 2 * samples <= len(rest) else f"{samples:,} asks of {len(rest):,} films"

    async def ask(engine: str, kind: str, film: FilmRecord | None = None) -> float:
        bot = bots[engine]
        payload = (bot.standin.slash(bot.guild, "trivia", {"film": label(film)}) if kind == "trivia"
                   else bot.standin.slash(bot.guild, "noop"))  # fmt: skip
        start = time.perf_counter()
        reply = await bot.standin.interact(payload, within=60)
        elapsed = (time.perf_counter() - start) * 1000
        assert reply.type == 4, (engine, kind, reply)
        assert not reply.ephemeral, (engine, kind, reply)
        assert kind == "noop" or reply.embeds, (engine, kind, reply)
        return elapsed

    def readings(engine: str) -> tuple[float, float, float]:
        return bots[engine].cpu_seconds(), tree_cpu_seconds(postmaster), time.perf_counter()

    idle: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": [], "server": []}

    async def cpu_block(engine: str, kind: str, asked: list[FilmRecord | None]) -> tuple[float, float]:
        """Bot and PostgreSQL-server CPU ms per interaction over one block, above what they use idle,
        measured over 2 x `settle` just before (bench.noop's loop-lag probe wakes the bot every 2 ms; the
        bot's own periodic loops tick too). `settle` after the block lets the channel records written
        behind the answers (at most FLUSH_DELAY, 0.5 s, later) land in it."""
        bot0, server0, wall0 = readings(engine)
        await asyncio.sleep(2 * settle)
        bot1, server1, wall1 = readings(engine)
        idle_bot, idle_server = (bot1 - bot0) / (wall1 - wall0), (server1 - server0) / (wall1 - wall0)
        idle[engine].append(idle_bot * 1000)
        if engine == "PostgreSQL":
            idle["server"].append(idle_server * 1000)
        for film in asked:
            await ask(engine, kind, film)
        await asyncio.sleep(settle)
        bot2, server2, wall2 = readings(engine)
        bot_ms = (bot2 - bot1 - idle_bot * (wall2 - wall1)) * 1000
        server_ms = (server2 - server1 - idle_server * (wall2 - wall1)) * 1000
        return bot_ms / len(asked), server_ms / len(asked)

    rows = []
    try:
        for workload in ("first", "hot"):
            if workload == "hot":
                for film in hot_films:  # each read from the store once; asked again from here on
                    for engine in engines:
                        await ask(engine, "trivia", film)
            pick = (lambda: next(films)) if workload == "first" else (lambda: rng.choice(hot_films))
            times = {(engine, kind): [] for engine in engines for kind in ("trivia", "noop")}
            for _ in range(samples):
                film = pick()
                for engine in engines:
                    times[engine, "trivia"].append(await ask(engine, "trivia", film))
                    times[engine, "noop"].append(await ask(engine, "noop"))
            block = [pick() for _ in range(samples)]
            for engine in engines:
                trivia_cpu, trivia_server = await cpu_block(engine, "trivia", block)
                noop_cpu, noop_server = await cpu_block(engine, "noop", [None] * samples)
                trivia, noop = times[engine, "trivia"], times[engine, "noop"]
                ratio = percentile(trivia, 50) / percentile(noop, 50)
                on_pg = engine == "PostgreSQL"
                rows.append([
                    engine,
                    first if workload == "first" else f"{len(hot_films):,} hot films",
                    f"{percentile(trivia, 50):.2f}", f"{percentile(trivia, 99):.2f}", f"{percentile(noop, 50):.2f}",
                    f"{ratio:.2f}x", f"{trivia_cpu:.2f}", f"{noop_cpu:.2f}",
                    f"{trivia_server:.2f}" if on_pg else "—", f"{noop_server:.2f}" if on_pg else "—",
                ])  # fmt: skip
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots.values()))

    def span(values: list[float]) -> str:
        return f"{min(values):.0f}–{max(values):.0f}" if values else "—"

    note = (f"CPU above idle (idle ms per second, measured before each block and subtracted: SQLite bot"
            f" {span(idle['SQLite'])}, PostgreSQL bot {span(idle['PostgreSQL'])}, PostgreSQL server"
            f" {span(idle['server'])}); ready in {bots['SQLite'].ready_seconds:.1f} s (SQLite),"
            f" {bots['PostgreSQL'].ready_seconds:.1f} s (PostgreSQL), both started at once")  # fmt: skip
    return rows, note


async def main(args: argparse.Namespace, server: PgServer | None = None) -> dict[str, list[list[str]]]:
    """Prints each table and returns their rows. `server`: a PostgreSQL already running (the tests'),
    used in fresh schemas and left running; by default one is started for the run and stopped after."""
    own_server = server is None
    server = server or start_server()
    tables: dict[str, list[list[str]]] = {}
    try:
        catalog = records(args.films, args.facts)
        rows = []
        locations: dict[str, Path | str] = {}
        with tempfile.TemporaryDirectory() as folder:
            for engine in ("sqlite", "postgres"):
                location = Path(folder) / "bench.db" if engine == "sqlite" else await schema(server, "store")
                locations[engine] = location
                store = await open_store(location)
                try:
                    started = time.perf_counter()
                    await CatalogRepository(store).import_films(catalog)
                    loaded = time.perf_counter() - started
                    wall, cpu = await trivia_per_call(store, catalog, args.calls)
                finally:
                    await store.close()
                rows.append([engine, f"{args.facts:,}", f"{loaded:.1f}", f"{wall:.2f}", f"{cpu:.2f}"])
            tables["store"] = rows
            print(table(["engine", "facts", "import s", "/trivia store ms/call", "CPU ms/call"], rows))

            if args.samples:
                rows, note = await end_to_end(Path(locations["sqlite"]), str(locations["postgres"]), server, catalog,
                                              args.samples, args.hot, args.settle)  # fmt: skip
                tables["end_to_end"] = rows
                print()
                print(table(["/trivia end to end", "films asked", "/trivia p50 ms", "p99 ms", "/noop p50 ms",
                             "ratio", "bot CPU ms per /trivia", "per /noop", "PG server CPU ms per /trivia",
                             "per /noop"], rows))  # fmt: skip
                print(note)

        big = records(max(1, args.import_facts // 10), args.import_facts)
        store = await PostgresStore.open(await schema(server, "import"))
        try:
            started = time.perf_counter()
            summary = await CatalogRepository(store).import_films(big)
            seconds = time.perf_counter() - started
        finally:
            await store.close()
        tables["import"] = [["chunked import", f"{summary.facts_added:,}", f"{seconds:.1f}",
                             f"{summary.facts_added / seconds:,.0f}"]]  # fmt: skip
        print()
        print(table(["PostgreSQL import", "facts added", "seconds", "facts/s"], tables["import"]))
        print()
        fan = await fan_out(await schema(server, "fanout"), server, args.schedules, args.due,
                            films=min(1000, args.films), facts=min(10_000, args.facts))  # fmt: skip
        tables["fan_out"] = fan
        print(table([f"daily fan-out, {args.due:,} due of {args.schedules:,}, 4 shards in 2 processes", "posts",
                     "seconds", "ms per post", "to the last post s", "CPU s"], fan))  # fmt: skip
        print(f"Ticks run back to back here; the bot starts one every DAILY_TICK_SECONDS (30 s by default) and"
              f" claims at most {DUE_BATCH:,} due schedules in a tick, so each further batch in a process waits"
              f" for its next tick.")  # fmt: skip
    finally:
        if own_server:
            server.stop()
    return tables


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1000, help="store-work calls per engine")
    parser.add_argument("--samples", type=int, default=1000, help="end-to-end asks per figure (0: skip them)")
    parser.add_argument("--hot", type=int, default=200, help="films in the hot-film end-to-end figure")
    parser.add_argument(
        "--settle",
        type=float,
        default=1.0,
        help="seconds after each CPU block (the idle rate is read over twice that before it)",
    )
    parser.add_argument("--import-facts", type=int, default=1_000_000)
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=4000)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
