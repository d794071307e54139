"""Shutdown in order: new interactions are refused ("restarting"), those under way answer and write,
then HTTP and the store close. Through the real client: the answer must reach the stand-in."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from cogs.kit import RESTARTING
from tests.e2e.conftest import BotFactory
from tests.support.standin import DiscordStandIn

GATED = ("tests.support.gated_cog",)


def gate(bot: Any) -> Any:
    cog = bot.get_cog("Gated")
    assert cog is not None
    return cog


async def test_an_interaction_under_way_at_shutdown_answers_before_http_and_the_store_close(
    standin: DiscordStandIn, start_bot: BotFactory, tmp_path: Path
):
    guild = standin.add_guild()
    bot = await start_bot(extra_extensions=GATED)
    gated = gate(bot)
    http_closing = asyncio.Event()
    close_http = bot.http.close

    async def noting_close() -> None:  # a spy on the real close, to see the order
        gated.events.append("http closed")
        http_closing.set()
        await close_http()

    bot.http.close = noting_close  # type: ignore[method-assign]
    asking = asyncio.create_task(standin.interact(standin.slash(guild, "gated")))
    await gated.started.wait()

    closing = asyncio.create_task(bot.close())  # what SIGTERM does
    await asyncio.sleep(0)  # let close() begin: from here on nothing new is taken
    refusing = asyncio.create_task(standin.interact(standin.slash(guild, "trivia", {"film": "mask"})))
    # The gated command answers once the new interaction was refused, or once HTTP is closing (which
    # must not happen first: the command would have nothing left to answer with).
    await asyncio.wait({refusing, asyncio.ensure_future(http_closing.wait())}, return_when=asyncio.FIRST_COMPLETED)
    gated.release.set()
    answer = await asyncio.wait_for(asking, 10)
    assert answer.content == "answered"
    refused = await refusing
    assert refused.ephemeral
    assert refused.content == RESTARTING
    await asyncio.wait_for(closing, 10)
    assert gated.events == ["answered", "http closed"]
    with sqlite3.connect(tmp_path / "trivia.db") as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'gated'").fetchone() == ("written after answering",)


async def test_an_interaction_that_never_finishes_holds_shutdown_only_for_the_grace(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot(extra_extensions=GATED)
    bot.shutdown_grace = 0.05
    asking = asyncio.create_task(standin.interact(standin.slash(guild, "gated")))
    await gate(bot).started.wait()
    await asyncio.wait_for(bot.close(), 10)
    asking.cancel()
    await asyncio.gather(asking, return_exceptions=True)
