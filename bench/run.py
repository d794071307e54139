"""Every performance figure in one run, each beside the baseline it is compared with.

    .venv/bin/python -m bench.run [--films 100000] [--facts 1000000] [--out var/bench]

Builds the synthetic catalog (tests/support/catalog.py), imports it through the real import path, then
measures title resolution and the /trivia handler inside the bot, the real bot process over loopback
against the test stand-in (a do-nothing /noop answered by the same bot is the baseline), a burst of
1,000 /trivia, the daily tick at 100,000 schedules, start-up time and resident memory. Prints one
table and writes it as JSON (`results.json` in --out). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import daily as daily_bench
from bench.botproc import start_bot
from bench.timing import LoopLag, measure, percentile, table
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.importing import bundled_files, import_files
from bot.services.trivia import TriviaService
from tests.support.catalog import write as write_catalog
from tests.support.standin import DiscordStandIn

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    name: str
    p50: float | None
    p99: float | None
    unit: str
    baseline: str
    baseline_value: float | None
    target: str
    met: bool | None

    def row(self) -> list[str]:
        def fmt(value: float | None) -> str:
            return "—" if value is None else f"{value:,.2f}"

        verdict = {True: "yes", False: "NO", None: "—"}[self.met]
        return [self.name, fmt(self.p50), fmt(self.p99), self.unit, self.baseline, fmt(self.baseline_value),
                self.target, verdict]  # fmt: skip


def typo(rng: random.Random, title: str) -> str:
    i = rng.randrange(len(title))
    return title[:i] + title[i + 1 :]


async def imports(out: Path, catalog: Path, pages: list[Path], facts: int) -> tuple[list[Figure], Path]:
    database = out / "catalog.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    store = await Store.open(database)
    start = time.perf_counter()
    summary = await import_files(CatalogRepository(store), [catalog])
    json_seconds = time.perf_counter() - start
    await store.close()
    assert summary.facts_added == facts, summary

    # Baseline: the same number of rows into a bare table, no parsing, hashing or indexes.
    bare = out / "bare.db"
    bare.unlink(missing_ok=True)
    with sqlite3.connect(bare) as db:
        db.execute("CREATE TABLE facts (film_id INTEGER, text TEXT)")
        start = time.perf_counter()
        db.executemany("INSERT INTO facts VALUES (?, ?)", ((i // 10, f"fact {i}") for i in range(facts)))
        db.commit()
        bare_seconds = time.perf_counter() - start
    bare.unlink()

    page_db = out / "pages.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{page_db}{suffix}").unlink(missing_ok=True)
    store = await Store.open(page_db)
    start = time.perf_counter()
    page_summary = await import_files(CatalogRepository(store), pages)
    page_seconds = time.perf_counter() - start
    await store.close()
    page_db.unlink()

    return [
        Figure("import JSON (facts/s)", facts / json_seconds, None, "facts/s", "bare SQLite insert",
               facts / bare_seconds, f"{facts:,} in < 60 s ({json_seconds:.1f} s)", json_seconds < 60),
        Figure("import pages (facts/s)", page_summary.facts_added / page_seconds, None, "facts/s",
               "bare SQLite insert", facts / bare_seconds, "—", None),
    ], database  # fmt: skip


async def in_bot(database: Path, samples: int) -> list[Figure]:
    store = await Store.open(database)
    service = TriviaService(store, rng=random.Random(1))
    await service.refresh_titles()
    rows = list(await service.catalog.title_rows())
    rng = random.Random(2)
    picked = rng.sample(rows, samples)
    baseline = await measure(lambda: store.fetchone("SELECT 1"), samples)
    base = percentile(baseline, 50)
    figures = []
    queries = {
        "typed prefix": [r[1][: rng.randint(2, 8)] for r in picked],
        "typo": [typo(rng, r[1]) for r in picked],
        "Title (Year)": [f"{r[1]} ({r[2]})" for r in picked],
    }
    for kind, texts in queries.items():
        for name, call in (("autocomplete", service.autocomplete), ("resolve", service.resolve)):
            it = iter(texts)

            async def one(call=call, it=it) -> None:
                with contextlib.suppress(Exception):  # "did you mean" is an answer too
                    await call(next(it))

            times = await measure(one, len(texts))
            figures.append(Figure(f"{name}: {kind}", percentile(times, 50), percentile(times, 99), "ms",
                                  "SELECT 1 round trip", base, "p99 < 10 ms", percentile(times, 99) < 10))  # fmt: skip
    labels = iter(queries["Title (Year)"])
    channels = iter(range(10**6))
    times = await measure(lambda: service.show(next(labels), guild_id=1, channel_id=next(channels) % 50), samples)
    figures.append(Figure("/trivia handler", percentile(times, 50), percentile(times, 99), "ms",
                          "SELECT 1 round trip", base, "p99 < 10 ms", percentile(times, 99) < 10))  # fmt: skip

    # A rebuild of the title index (after an import or an approved film) while the loop serves.
    service.titles_changed()
    start = time.perf_counter()
    async with LoopLag() as lag:
        await service.refresh_titles()
    rebuild_ms = (time.perf_counter() - start) * 1000
    figures.append(Figure(f"worst loop stall: title-index rebuild, {len(service.titles):,} films", lag.worst_ms,
                          None, "ms", "the rebuild's duration", rebuild_ms, "< 50 ms", lag.worst_ms < 50))  # fmt: skip
    await service.close()
    await store.close()
    return figures


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def during_import(standin: DiscordStandIn, guild: object, env: dict[str, str], database: Path,
                        import_file: Path, facts: int, labels: list[str], rng: random.Random,
                        lag: Callable[[], Awaitable[float]], quiet_p50: float) -> list[Figure]:  # fmt: skip
    """The CLI imports a big file in another process while members use /trivia: the bot's worst
    event-loop stall and /trivia latency meanwhile, measured on until autocomplete offers the last
    film imported (the title index has caught up with the import), so the rebuild that follows the
    import is inside the window too."""
    await lag()
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", str(database), "import", str(import_file), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    importing = asyncio.create_task(cli.wait())
    times: list[float] = []
    failed = 0
    newest: str | None = None
    ended = caught_up = 0.0
    while caught_up == 0.0:
        start = time.perf_counter()
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": rng.choice(labels)}), within=60)
        times.append((time.perf_counter() - start) * 1000)
        failed += not (reply.type == 4 and reply.embeds and not reply.ephemeral)
        await asyncio.sleep(0.005)  # about a hundred members' lookups a second
        if importing.done() and newest is None:
            assert importing.result() == 0, "the CLI import failed"
            ended = time.perf_counter()
            with sqlite3.connect(database) as db:
                title, year = db.execute("SELECT title, year FROM films ORDER BY id DESC LIMIT 1").fetchone()
            newest = f"{title} ({year})"
        if newest is not None and len(times) % 20 == 0:
            offered = await standin.interact(standin.autocomplete(guild, "trivia", "film", newest), within=60)
            if any(choice["name"] == newest for choice in offered.data.get("choices", [])):
                caught_up = time.perf_counter()
            assert time.perf_counter() - ended < 120, "the title index never caught up with the import"
    stall = await lag()
    p99 = percentile(times, 99)
    return [
        Figure(f"worst loop stall: CLI import of {facts:,} facts meanwhile, until indexed", stall, None, "ms", "—",
               None, "< 50 ms", stall < 50),
        Figure(f"/trivia during that import ({len(times):,} asked, {failed} not answered)", percentile(times, 50),
               p99, "ms", "/trivia end to end, no import", quiet_p50, "p99 < 500 ms, all answered",
               p99 < 500 and failed == 0),
        Figure("autocomplete offers the import's films, after it ends", (caught_up - ended) * 1000, None, "ms",
               "—", None, "—", None),
    ]  # fmt: skip


async def end_to_end(database: Path, samples: int, burst: int, lookups: int, hot: int = 200,
                     import_file: Path | None = None, import_facts: int = 0) -> list[Figure]:  # fmt: skip
    bot = await start_bot(database)  # ready once it answers a /noop
    standin, guild, process, env = bot.standin, bot.guild, bot.process, bot.env
    figures: list[Figure] = []
    try:
        ready = bot.ready_seconds
        rss_start = rss_mb(process.pid)

        with sqlite3.connect(database) as db:
            every = [f"{t} ({y})" for t, y in db.execute("SELECT title, year FROM films ORDER BY random() LIMIT 4000")]
        labels, typed_labels = every[: len(every) // 2], every[len(every) // 2 :]  # the second half: only typed
        rng = random.Random(3)

        async def alternate(films: list[str], *, typed: bool = False) -> tuple[list[float], list[float]]:
            """`samples` pairs of a /trivia (a film drawn from `films`) and a /noop: milliseconds each.
            `typed`: before each /trivia, the autocomplete Discord's client sends as the member types
            the film (not timed: the member is still typing), as it does before every real /trivia."""
            trivia_times: list[float] = []
            noop_times: list[float] = []
            for i in range(samples):
                film = rng.choice(films)
                if typed:
                    offered = await standin.interact(standin.autocomplete(guild, "trivia", "film", film))
                    assert offered.data["choices"], (film, offered)
                for name, times in (("trivia", trivia_times), ("noop", noop_times)):
                    payload = (standin.slash(guild, "trivia", {"film": film}, channel_id=None)
                               if name == "trivia" else standin.slash(guild, "noop"))  # fmt: skip
                    start = time.perf_counter()
                    reply = await standin.interact(payload)
                    times.append((time.perf_counter() - start) * 1000)
                    assert reply.type == 4, (name, reply, i)
                    assert not reply.ephemeral, (name, reply, i)
            return trivia_times, noop_times

        # Films mostly asked for the first time (drawn from 2,000 of 100,000), as a member types them...
        typed_trivia, typed_noop = await alternate(typed_labels, typed=True)
        ratio = percentile(typed_trivia, 50) / percentile(typed_noop, 50)
        figures.append(Figure("/trivia end to end, first asks, typed", percentile(typed_trivia, 50),
                              percentile(typed_trivia, 99), "ms", "/noop end to end", percentile(typed_noop, 50),
                              f"<= 1.3x baseline ({ratio:.2f}x)", ratio <= 1.3))  # fmt: skip
        # ...and as a command arriving with no autocomplete before it (a client that sends it whole).
        trivia_times, noop_times = await alternate(labels)
        ratio = percentile(trivia_times, 50) / percentile(noop_times, 50)
        figures.append(Figure("/trivia end to end, first asks, no autocomplete", percentile(trivia_times, 50),
                              percentile(trivia_times, 99), "ms", "/noop end to end", percentile(noop_times, 50),
                              f"<= 1.3x baseline ({ratio:.2f}x)", ratio <= 1.3))  # fmt: skip

        async def lag() -> float:
            return float((await standin.interact(standin.slash(guild, "bench-lag"))).content)

        # Hot films: a few hundred films asked again and again, each read from the store once.
        hot_labels = labels[:hot]
        for label in hot_labels:
            await standin.interact(standin.slash(guild, "trivia", {"film": label}, channel_id=None))
        await lag()
        hot_trivia, hot_noop = await alternate(hot_labels)
        serving_stall = await lag()
        ratio = percentile(hot_trivia, 50) / percentile(hot_noop, 50)
        figures.append(Figure(f"/trivia end to end, {len(hot_labels)} hot films", percentile(hot_trivia, 50),
                              percentile(hot_trivia, 99), "ms", "/noop end to end, same bot, same run",
                              percentile(hot_noop, 50), f"<= 1.3x baseline ({ratio:.2f}x)", ratio <= 1.3))  # fmt: skip
        figures.append(Figure("worst loop stall: serving /trivia and /noop", serving_stall, None, "ms", "—", None,
                              "< 50 ms", serving_stall < 50))  # fmt: skip

        payloads = [standin.slash(guild, "trivia", {"film": rng.choice(labels)}) for _ in range(burst)]
        start = time.perf_counter()
        replies = await asyncio.gather(*(standin.interact(p, within=120) for p in payloads), return_exceptions=True)
        last = (time.perf_counter() - start) * 1000
        answered = sum(1 for r in replies if not isinstance(r, BaseException) and r.type == 4 and r.embeds)
        figures.append(Figure(f"burst of {burst:,} /trivia: last answer", last, None, "ms", "answered",
                              answered, f"all {burst:,} answered", answered == burst))  # fmt: skip

        done = 0
        while done < lookups:
            chunk = []
            for _ in range(min(50, lookups - done)):
                label = rng.choice(labels)
                chunk.append(standin.autocomplete(guild, "trivia", "film", label[: rng.randint(2, 10)])
                             if rng.random() < 0.5 else standin.slash(guild, "trivia", {"film": label}))  # fmt: skip
            await asyncio.gather(*(standin.interact(p, within=60) for p in chunk))
            done += len(chunk)
        rss_after = rss_mb(process.pid)
        figures.append(Figure("start-up to ready", ready * 1000, None, "ms", "—", None, "—", None))
        figures.append(Figure("RSS after start-up", rss_start, None, "MB", "—", None, "< 150 MB", rss_start < 150))
        figures.append(Figure(f"RSS after {lookups:,} lookups", rss_after, None, "MB", "RSS after start-up",
                              rss_start, "< 150 MB", rss_after < 150))  # fmt: skip
        if import_file is not None:  # last: the import grows the catalog the figures above were measured on
            figures += await during_import(standin, guild, env, database, import_file, import_facts, labels, rng,
                                           lag, percentile(trivia_times, 50))  # fmt: skip
    finally:
        await bot.stop()
    return figures


async def daily(schedules: int, repeat: int, big_catalog: Path, due: int, big_due: int) -> list[Figure]:
    """Ticks at 10,000 facts with `due` posts due, then at the bench catalog's size with `big_due`
    (per-post cost is what is compared). The harness's own objects (the stand-in's record of every
    request) are frozen first, so the stall probe sees the tick's collections, not the harness's."""
    gc.collect()
    gc.freeze()
    figures = []
    per_post: dict[str, float] = {}
    for catalog, posts in ((None, due), (big_catalog, big_due)):
        rows = await daily_bench.bench(schedules, repeat if catalog is None else max(1, repeat // 5), catalog, posts)
        for row in rows:
            p50, p99, base = float(row[2]), float(row[3]), float(row[4])
            facts = row[6]
            if row[1] == "0 due":
                figures.append(Figure(f"daily tick, {schedules:,} schedules, 0 due, {facts} facts", p50, p99, "ms",
                                      "SELECT 1 round trip", base, "< 5 ms", p99 < 5))  # fmt: skip
                continue
            per_post[facts] = float(row[7])
            stall = float(row[8])
            figures.append(Figure(f"daily tick, {schedules:,} schedules, {row[1]}, {facts} facts", p50, p99, "ms",
                                  "SELECT 1 round trip", base, "—", None))  # fmt: skip
            figures.append(Figure(f"worst loop stall: {row[1]} daily posts, {schedules:,} schedules, {facts} facts",
                                  stall, None, "ms", "—", None, "< 50 ms", stall < 50))  # fmt: skip
    gc.unfreeze()
    (small, small_cost), (big, big_cost) = per_post.items()
    figures.append(Figure(f"daily fan-out per post, {small} facts", small_cost, None, "ms", "—", None, "—", None))
    figures.append(Figure(f"daily fan-out per post, {big} facts", big_cost, None, "ms", f"per post, {small} facts",
                          small_cost, f"flat: <= 1.5x ({big_cost / small_cost:.1f}x)",
                          big_cost <= 1.5 * small_cost))  # fmt: skip
    return figures


async def main(args: argparse.Namespace) -> list[Figure]:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    catalog = out / "catalog.json"
    if not (args.reuse and catalog.exists()):
        shutil.rmtree(out / "pages", ignore_errors=True)
        write_catalog(out, args.films, args.facts, pages=args.pages)
    pages = sorted((out / "pages").glob("*.txt")) + bundled_files(ROOT / "data")
    figures, database = await imports(out, catalog, pages, args.facts)
    import_file = None
    if args.import_facts:
        import_file = out / "import" / "catalog.json"
        if not (args.reuse and import_file.exists()):
            write_catalog(import_file.parent, max(1, args.import_facts // 10), args.import_facts, seed=2)
    figures += await in_bot(database, args.samples)
    big_catalog = out / "daily-catalog.db"
    shutil.copyfile(database, big_catalog)  # before the import below adds to it
    figures += await end_to_end(database, args.samples, args.burst, args.lookups, args.hot, import_file,
                                args.import_facts)  # fmt: skip
    figures += await daily(args.schedules, args.repeat, big_catalog, args.due, args.big_due)
    big_catalog.unlink()

    headers = ["figure", "p50", "p99", "unit", "baseline", "baseline value", "target", "met"]
    print(f"films {args.films:,}, facts {args.facts:,}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip
    print(table(headers, [f.row() for f in figures]))
    (out / "results.json").write_text(json.dumps([asdict(f) for f in figures], indent=2))
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=5_000, help="films also written as Making Of pages")
    parser.add_argument("--samples", type=int, default=1_000, help="queries per in-bot and end-to-end figure")
    parser.add_argument("--burst", type=int, default=1_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--schedules", type=int, default=100_000, help="daily schedules for the tick figures")
    parser.add_argument("--repeat", type=int, default=20, help="daily-tick repetitions")
    parser.add_argument("--due", type=int, default=1_000, help="daily posts due at once in the busy tick")
    parser.add_argument(
        "--big-due",
        type=int,
        default=1_000,
        help="daily posts due at once on the bench catalog (the per-post fan-out figure)",
    )
    parser.add_argument("--hot", type=int, default=200, help="films in the hot-film /trivia figure")
    parser.add_argument(
        "--import-facts",
        type=int,
        default=1_000_000,
        help="facts the CLI imports while the bot serves /trivia (0: skip that figure)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--reuse", action="store_true", help="keep an existing catalog.json")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
