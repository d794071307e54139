"""The quiz under load: many games at once, every member answering every round.

    .venv/bin/python -m bench.quiz [--games 50] [--members 20] [--rounds 3] [--spread 5]
                                   [--films 100000] [--facts 1000000] [--out var/bench]

The real bot (TriviaBot, all cogs) and the loopback stand-in run in this process; the catalog is the
synthetic one (bench/catalog.py) imported through the real import path (kept in --out and reused).
--games games start in as many channels; each round, --members members per channel press a button,
their presses spread at random over --spread seconds of wall time (then once more all at once, as a
burst). The bot's clock is a FakeClock: the benchmark moves it to the rounds' closing instant and runs
one loop tick. Checked and measured:

- every answer counted (one row per member per round, and every press answered "Locked in");
- every round closed, revealed and followed by the next card (or the scoreboard) in that one tick;
- the button handler's time inside the bot (from the callback's start to its reply sent), p50/p99;
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

from bench.catalog import build
from bench.timing import percentile, table
from bot.app import TriviaBot
from bot.config import Settings
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.trivia.records import FactRecord, FilmRecord
from tests.e2e.standin import DiscordStandIn, Guild
from tests.fake_clock import FakeClock

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


def timed_callbacks() -> list[float]:
    """Wraps the answer button's callback to time it inside the bot (ms): from its start to its reply.
    Called once the bot is ready: load_extension executes cogs/quiz.py afresh, as sys.modules["cogs.quiz"]."""
    samples: list[float] = []
    button = sys.modules["cogs.quiz"].AnswerButton
    original = button.callback

    async def callback(self: Any, interaction: Any) -> None:
        start = time.perf_counter()
        await original(self, interaction)
        samples.append((time.perf_counter() - start) * 1000)

    button.callback = callback
    return samples


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
    clock = FakeClock()
    settings = Settings(discord_token="bench", database_path=work / "trivia.db", discord_api_base=standin.api_base,
                        discord_gateway_url=standin.gateway_url, quiz_tick_seconds=3600)  # fmt: skip
    bot = TriviaBot(settings, clock=clock, rng=random.Random(5), data_dir=work / "no-data", guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("bench"))
    rng = random.Random(9)
    rows: list[Row] = []
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        handler_ms = timed_callbacks()
        cog = bot.get_cog("Quiz")
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

        spread_ends: list[float] = []
        burst_handler: list[float] = []
        burst_ends: list[float] = []
        tick_ms: list[float] = []
        answers = late = 0
        db = sqlite3.connect(work / "trivia.db")
        for number in range(1, args.rounds + 1):
            cards = {ch: posts(ch)[-1] for ch in channels}
            burst = number == args.rounds and args.rounds > 1  # the last round: everyone at once
            before = len(handler_ms)
            contents = await press_all(standin, guild, cards, args.members, 0 if burst else args.spread, rng,
                                       burst_ends if burst else spread_ends)  # fmt: skip
            if burst:
                burst_handler.extend(handler_ms[before:])
                del handler_ms[before:]
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

            clock.advance(seconds=SECONDS)
            start = time.perf_counter()
            await cog.tick()
            tick_ms.append((time.perf_counter() - start) * 1000)
            states = db.execute(
                "SELECT status, closed_at - closes_at FROM quiz_rounds WHERE id IN (SELECT value FROM json_each(?))",
                ids,
            ).fetchall()
            assert all(s == "revealed" for s, _ in states), states
            late = max(late, max(d for _, d in states))
            # The next card (or, after the last round, the scoreboard) was posted in that same tick.
            assert all(len(posts(ch)) == number + 1 for ch in channels), "next card or scoreboard in the same tick"
        db.close()

        total = len(channels) * args.members * args.rounds
        rows.append(Row(f"answers counted ({args.games} games x {args.members} members x {args.rounds} rounds)",
                        answers, None, "answers", f"all {total:,}", answers == total))  # fmt: skip
        rows.append(Row("rounds closed after their instant (fake clock)", late, None, "ms late",
                        "within one tick", late <= settings.quiz_tick_seconds * 1000))  # fmt: skip
        rows.append(Row(f"tick closing {args.games} rounds: reveal + next card", percentile(tick_ms, 50),
                        percentile(tick_ms, 99), "ms", "—", None))  # fmt: skip
        rate = args.games * args.members / args.spread if args.spread else float("inf")
        if handler_ms:
            p99 = percentile(handler_ms, 99)
            rows.append(Row(f"answer button in the bot ({rate:,.0f} presses/s)", percentile(handler_ms, 50), p99,
                            "ms", "p99 < 50 ms", p99 < 50))  # fmt: skip
            rows.append(Row(f"answer button end to end ({rate:,.0f} presses/s)", percentile(spread_ends, 50),
                            percentile(spread_ends, 99), "ms", "—", None))  # fmt: skip
        if burst_handler:
            rows.append(Row(f"answer button in the bot, burst of {len(burst_handler):,} at once",
                            percentile(burst_handler, 50), percentile(burst_handler, 99), "ms", "—", None))  # fmt: skip
            rows.append(Row(f"burst of {len(burst_ends):,}: end to end", percentile(burst_ends, 50),
                            percentile(burst_ends, 99), "ms", "—", None))  # fmt: skip
    finally:
        await bot.close()
        await asyncio.wait_for(task, 30)
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
    parser.add_argument("--spread", type=float, default=5.0, help="wall seconds the presses of a round spread over")
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
