"""Fixtures that run the real bot against the loopback stand-in."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import TriviaBot
from bot.clock import Clock, system_clock
from bot.config import Settings
from tests.support.standin import DiscordStandIn, Guild

BotFactory = Callable[..., Awaitable[TriviaBot]]


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    server = DiscordStandIn()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def start_bot(standin: DiscordStandIn, tmp_path: Path) -> AsyncIterator[BotFactory]:
    """Starts a bot on one database file; calling it again after `stop_bot` is a restart."""
    running: list[tuple[TriviaBot, asyncio.Task[None]]] = []

    async def start(clock: Clock = system_clock, **overrides: Any) -> TriviaBot:
        settings = Settings(
            **{
                "discord_token": "test-token",
                "database_path": tmp_path / "trivia.db",
                "discord_api_base": standin.api_base,
                "discord_gateway_url": standin.gateway_url,
                **overrides,
            }
        )
        bot = TriviaBot(settings, clock=clock, rng=random.Random(7), guild_ready_timeout=0.05)
        standin.identified.clear()
        task = asyncio.create_task(bot.start("test-token"))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what stopped the bot
        assert ready in done, "the bot did not become ready"
        running.append((bot, task))
        return bot

    yield start
    for bot, task in running:
        await stop_bot(bot, task)


async def stop_bot(bot: TriviaBot, task: asyncio.Task[None] | None = None) -> None:
    await bot.close()
    if task is not None:
        await asyncio.wait_for(task, 10)


async def schedule(bot: TriviaBot, guild: Guild, channel: str, at: str = "08:30") -> None:
    """A daily post in `channel` at `at` UTC, set as an admin would (the set-up most daily tests share)."""
    await bot.daily.set_schedule(
        guild_id=int(guild.id), channel_id=int(channel), time_text=at, timezone="UTC", film=None, admin_id=1
    )
