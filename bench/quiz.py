"""The quiz under load: many games at once, every member answering every round.

    .venv/bin/python -m bench.quiz [--games 50] [--members 20] [--rounds 3] [--spread 5]
                                   [--films 100000] [--facts 1000000] [--out var/bench]

The real bot process (`python -m bot run`, every cog) runs against the loopback stand-in in this process;
the catalog is the synthetic one (tests/support/catalog.py) imported through the real import path (kept in --out).
--games games start in as many channels; each round, --members members per channel press a button,
their presses spread at random over --spread seconds of wall time (then once more all at once, as a
burst). The quiz's clock in the bot is a FakeClock (bench/quiz_probe.py): the benchmark moves it to the
rounds' closing instant and runs one loop tick. Checked and measured:

- every answer counted (one row per member per round, and every press answered "Locked in");
- every round closed, revealed and followed by the next card (or the scoreboard) in that one tick;
- the answer button's handler inside the bot process: from the callback's start to its reply, less the
  reply's HTTP round trip (the stand-in answering it shares this machine; shown beside it), p50/p99;
- the same press end to end (stand-in sends the event -> receives the reply), and the tick's duration.

Prints a table; not part of `make test` (a tiny run of it is, with no timing asserted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.timing import percentile, table
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.trivia.records import FactRecord, FilmRecord
from tests.support.catalog import build
from tests.support.standin import DiscordStandIn, Guild

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 30


@dataclass
class Row:
    name: str
    p50: float | None
    p99: float | None
    unit: str
    target: str
    met: bool | None

    def cells(self) -> list[str]:
        fmt = lambda v: "—" if v is None else f"{v:,.2f}"  # noqa: E731
        return [self.name, fmt(self.p50), fmt(self.p99), self.unit, self.target,
                {True: "yes", False: "NO", None: "—"}[self.met]]  # fmt: skip


async def catalog(out: Path, films: int, facts: int) -> Path:
    """The synthetic catalog, imported once and kept for later runs (delete the file to rebuild)."""
    database = out / f"quiz-catalog-{films}-{facts}.db"
    if database.exists():
        return database
    out.mkdir(parents=True, exist_ok=True)
    records = [
        FilmRecord(f["title"], f["year"], f["genre"], f["cast"],
                   facts=[FactRecord(x["text"], x["section"], x["credit"]) for x in f["facts"]])
        for f in build(films, facts)
    ]  # fmt: skip
    partial = database.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    store = await Store.open(partial)
    await CatalogRepository(store).import_films(records)
    await store.conn.execute("ANALYZE")
    await store.close()
    partial.rename(database)
    return database


async def press_all(
    standin: DiscordStandIn, guild: Guild, cards: dict[str, dict[str, Any]], members: int, spread: float,
    rng: random.Random, ends: list[float],
) -> list[str]:  # fmt: skip
    """Every member of every channel presses one button, at a random moment within `spread` seconds."""

    async def one(channel: str, card: dict[str, Any], member: int, delay: float) -> str:
        await asyncio.sleep(delay)
        custom_id = card["components"][0]["components"][rng.randrange(4)]["custom_id"]
        who = standin.member(user_id=str(10_000 + member), name=f"m{member}")
        payload = standin.button(guild, custom_id, member=who, message=card, channel_id=channel)
        start = time.perf_counter()
        reply = await standin.interact(payload, within=120)
        ends.append((time.perf_counter() - start) * 1000)
        return reply.content

    tasks = [one(ch, card, m, rng.uniform(0, spread)) for ch, card in cards.items() for m in range(members)]
    return await asyncio.gather(*tasks)


async def wait_for_posts(standin: DiscordStandIn, total: int) -> None:
    def enough(_: object) -> bool:  # requests are recorded before they are answered
        return len(standin.posted("POST", r"/channels/\d+/messages")) >= total

    if not enough(None):
        await standin.wait_for_request(enough, within=120)


async def run(args: argparse.Namespace) -> list[Row]:
    source = await catalog(args.out, args.films, args.facts)
    work = Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    shutil.copy(source, work / "trivia.db")
    standin = DiscordStandIn()
    guild = standin.add_guild()
    channels = [guild.channels[0]["id"]] + [guild.add_text_channel(f"quiz-{i}") for i in range(1, args.games)]
    await standin.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZ_"))}
    env.update(DISCORD_TOKEN="bench", DATABASE_PATH=str(work / "trivia.db"), DISCORD_API_BASE=standin.api_base,
               DISCORD_GATEWAY_URL=standin.gateway_url, EXTRA_EXTENSIONS="bench.quiz_probe", LOG_LEVEL="WARNING",
               QUIZ_TICK_SECONDS="3600", PYTHONPATH=str(ROOT))  # fmt: skip
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env)
    rng = random.Random(9)
    rows: list[Row] = []

    async def probe(action: str, seconds: int = 0) -> Any:
        reply = await standin.interact(
            standin.slash(guild, "quiz-bench", {"action": action, "seconds": seconds}), within=120
        )
        return json.loads(reply.content)

    try:
        await asyncio.wait_for(standin.identified.wait(), 120)
        await asyncio.wait_for(probe("timings"), 60)  # answered: the bot is ready
        posts = lambda ch: standin.created_messages.get(ch, [])  # noqa: E731
        options = {"rounds": args.rounds, "seconds": SECONDS}
        starters = [standin.member(user_id=str(500 + i)) for i in range(len(channels))]
        starts = [
            standin.slash(guild, "trivia-quiz start", options, channel_id=ch, member=who)
            for ch, who in zip(channels, starters, strict=True)
        ]
        replies = await asyncio.gather(*(standin.interact(p, within=120) for p in starts))
        assert all(not r.ephemeral for r in replies), [r.content for r in replies if r.ephemeral][:3]
        await wait_for_posts(standin, len(channels))
        assert all(len(posts(ch)) == 1 for ch in channels), "every game's first card is posted"

        spread_handler: list[float] = []
        spread_ends: list[float] = []
        burst_handler: list[float] = []
        burst_ends: list[float] = []
        tick_ms: list[float] = []
        answers = late = 0
        db = sqlite3.connect(work / "trivia.db")
        for number in range(1, args.rounds + 1):
            cards = {ch: posts(ch)[-1] for ch in channels}
            burst = number == args.rounds and args.rounds > 1  # the last round: everyone at once
            contents = await press_all(standin, guild, cards, args.members, 0 if burst else args.spread, rng,
                                       burst_ends if burst else spread_ends)  # fmt: skip
            (burst_handler if burst else spread_handler).extend(await probe("timings"))
            assert all(c.startswith("Locked in") for c in contents), [c for c in contents if not c.startswith("Lock")]
            # custom_id quiz:answer:<round>:<choice>
            round_ids = [
                int(card["components"][0]["components"][0]["custom_id"].split(":")[2]) for card in cards.values()
            ]
            ids = (json.dumps(round_ids),)
            counted = db.execute(
                "SELECT count(*) FROM quiz_answers WHERE round_id IN (SELECT value FROM json_each(?))", ids
            ).fetchone()
            assert counted[0] == len(channels) * args.members, (counted, len(channels) * args.members)
            answers += counted[0]

            posted_before = len(standin.posted("POST", r"/channels/\d+/messages"))
            tick_ms.append((await probe("tick", SECONDS))["tick_ms"])
            states = db.execute(
                "SELECT status, closed_at - closes_at FROM quiz_rounds WHERE id IN (SELECT value FROM json_each(?))",
                ids,
            ).fetchall()
            assert all(s == "revealed" for s, _ in states), states
            late = max(late, max(d for _, d in states))
            # The next card (or, after the last round, the scoreboard) was posted in that same tick.
            assert len(standin.posted("POST", r"/channels/\d+/messages")) == posted_before + len(channels)
            assert all(len(posts(ch)) == number + 1 for ch in channels), "next card or scoreboard in the same tick"
        db.close()

        total = len(channels) * args.members * args.rounds
        rows.append(Row(f"answers counted ({args.games} games x {args.members} members x {args.rounds} rounds)",
                        answers, None, "answers", f"all {total:,}", answers == total))  # fmt: skip
        rows.append(Row("rounds closed after their instant (bot's clock)", late, None, "ms late",
                        "within one tick", late <= 1000))  # fmt: skip
        rows.append(Row(f"tick closing {args.games} rounds: reveal + next card", percentile(tick_ms, 50),
                        percentile(tick_ms, 99), "ms", "—", None))  # fmt: skip
        rate = args.games * args.members / args.spread if args.spread else float("inf")
        for label, samples, ends in ((f"{rate:,.0f} presses/s", spread_handler, spread_ends),
                                     (f"burst of {len(burst_ends):,} at once", burst_handler, burst_ends)):  # fmt: skip
            if not samples:
                continue
            inside = [whole - network for whole, network in samples]
            p99 = percentile(inside, 99)
            target, met = ("p99 < 50 ms", p99 < 50) if samples is spread_handler else ("—", None)
            rows.append(Row(f"answer button in the bot, {label}", percentile(inside, 50), p99, "ms", target, met))
            whole = [w for w, _ in samples]
            rows.append(Row("  the same with the reply's HTTP round trip", percentile(whole, 50),
                            percentile(whole, 99), "ms", "—", None))  # fmt: skip
            rows.append(Row(f"  end to end (stand-in sends -> gets the reply), {label}", percentile(ends, 50),
                            percentile(ends, 99), "ms", "—", None))  # fmt: skip
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
        await standin.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


async def main(args: argparse.Namespace) -> list[Row]:
    rows = await run(args)
    print(f"catalog {args.films:,} films, {args.facts:,} facts; {args.games} games x {args.members} members x"
          f" {args.rounds} rounds; {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
          f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip
    print(table(["figure", "p50", "p99", "unit", "target", "met"], [r.cells() for r in rows]))
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=50)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="the last one is answered as a burst")
    parser.add_argument("--spread", type=float, default=10.0,
                        help="wall seconds a round's presses spread over (default: the shortest round)")  # fmt: skip
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
