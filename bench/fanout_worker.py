"""One bot process's share of a daily fan-out, for bench/postgres.py: a real OS process configured as the
bot is (DATABASE_URL, SHARD_COUNT, SHARD_IDS), running the bot's own daily tick (`cogs.daily.Daily.tick`:
DailyService.claim_due over this process's shards, then the sends, 8 at a time) back to back until
nothing is due. Only Discord is left out: a send builds the message's payload as discord.py would and
is recorded as delivered with a made-up message id.

    DATABASE_URL=… SHARD_COUNT=4 SHARD_IDS=0,1 python -m bench.fanout_worker NOW_EPOCH

Prints `ready` once connected, waits for a line on stdin (the parent starts every process at once), then
prints one JSON line: per shard the posts claimed and the wall time of their claims (each claim is one
transaction for one schedule, `DailyRepository.advance`); the process's queries for what is due (one per
tick for all its shards); its ticks' `claim_due` time and the rest of those ticks (building the posts,
recording them sent); and the CLOCK_MONOTONIC instant of its last post recorded as sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from bot.clock import from_epoch
from bot.config import load_settings
from bot.db.engines import configured_location, open_store
from bot.services.daily import DailyService
from bot.services.trivia import TriviaService
from cogs.daily import Daily


def monotonic() -> float:
    """Comparable between processes on one machine (the parent's start instant and each child's last post)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


class RecordingChannel:
    def __init__(self, bot: RecordingBot, channel_id: int) -> None:
        self.bot = bot
        self.channel_id = channel_id

    async def send(self, *, embed: Any, view: Any, **_: Any) -> SimpleNamespace:
        embed.to_dict()  # the payload discord.py builds before its HTTP request
        view.to_components()
        self.bot.sent[self.channel_id] += 1
        return SimpleNamespace(id=next(self.bot.message_ids))


class RecordingBot:
    """What `Daily` uses of the bot: its daily service and a channel to send to."""

    def __init__(self, daily: DailyService) -> None:
        self.daily = daily
        self.sent: Counter[int] = Counter()
        self.message_ids = itertools.count(1)

    def get_partial_messageable(self, channel_id: int, *, guild_id: int | None = None) -> RecordingChannel:
        return RecordingChannel(self, channel_id)


@dataclass
class Timings:
    claimed: Counter[int] = field(default_factory=Counter)  # shard -> posts claimed
    claim_seconds: Counter[int] = field(default_factory=Counter)  # shard -> wall time of its claims
    finding_seconds: float = 0.0  # the queries for what is due (pending posts, due schedules)
    finding_queries: int = 0
    claim_due_seconds: float = 0.0


def timed(call: Callable[..., Awaitable[Any]], done: Callable[[tuple[Any, ...], Any, float], None]) -> Any:
    async def wrapper(*args: Any) -> Any:
        start = time.perf_counter()
        result = await call(*args)
        done(args, result, time.perf_counter() - start)
        return result

    return wrapper


async def main(now_epoch: int) -> None:
    settings = load_settings(dotenv_path=None)
    if not (settings.database_url and settings.shard_count and settings.shard_ids):
        raise SystemExit("set DATABASE_URL, SHARD_COUNT and SHARD_IDS")
    store = await open_store(configured_location(settings))
    store.shards = (settings.shard_count, settings.shard_ids)  # as bot/app.py sets it
    now = from_epoch(now_epoch)
    trivia = TriviaService(store)
    daily = DailyService(store, trivia, clock=lambda: now, rng=random.Random(settings.shard_ids[0]),
                         grace=timedelta(hours=settings.daily_grace_hours))  # fmt: skip
    count = settings.shard_count
    timings = Timings()

    def advanced(args: tuple[Any, ...], post: Any, seconds: float) -> None:
        shard = (args[0].schedule.guild_id >> 22) % count
        timings.claim_seconds[shard] += seconds
        timings.claimed[shard] += post is not None

    def found(args: tuple[Any, ...], rows: Any, seconds: float) -> None:
        timings.finding_seconds += seconds
        timings.finding_queries += 1

    def claimed_due(args: tuple[Any, ...], posts: Any, seconds: float) -> None:
        timings.claim_due_seconds += seconds

    daily.claim_due = timed(daily.claim_due, claimed_due)  # type: ignore[method-assign]
    daily.repo.advance = timed(daily.repo.advance, advanced)  # type: ignore[method-assign]
    daily.repo.due = timed(daily.repo.due, found)  # type: ignore[method-assign]
    daily.repo.pending_posts = timed(daily.repo.pending_posts, found)  # type: ignore[method-assign]
    bot = RecordingBot(daily)
    cog = Daily(bot)  # type: ignore[arg-type]

    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    cpu = time.process_time()
    ticks, last_post, claiming, sending = 0, None, 0.0, 0.0
    while True:  # the last tick finds nothing due: it is not counted (its queries are, in `finding`)
        claimed_before, start = timings.claim_due_seconds, monotonic()
        if not await cog.tick():
            break
        ticks, last_post = ticks + 1, monotonic()
        claiming += timings.claim_due_seconds - claimed_before
        sending += last_post - start - (timings.claim_due_seconds - claimed_before)
    cpu = time.process_time() - cpu
    await store.close()
    print(json.dumps({
        "shards": list(settings.shard_ids), "last_post": last_post, "ticks": ticks,
        "cpu_seconds": cpu, "claimed": {str(s): timings.claimed[s] for s in settings.shard_ids},
        "claim_seconds": {str(s): timings.claim_seconds[s] for s in settings.shard_ids},
        "finding_seconds": timings.finding_seconds, "finding_queries": timings.finding_queries,
        "claim_due_seconds": claiming, "sending_seconds": sending,
        "sent": {str(channel): n for channel, n in bot.sent.items()},
    }), flush=True)  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
