"""Closing the bot lets interactions already being answered finish before the database closes."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import BotFactory
from tests.e2e.standin import DiscordStandIn


async def test_an_interaction_in_flight_finishes_its_write_before_the_store_closes(
    standin: DiscordStandIn, start_bot: BotFactory
):
    standin.add_guild()
    bot = await start_bot()
    store = bot.store
    release = asyncio.Event()
    wrote: list[str] = []

    async def answering() -> None:  # stands for a command that answered and is about to record
        await release.wait()
        await store.write("INSERT INTO meta (key, value) VALUES ('in-flight', 'done')")
        wrote.append("done")

    task = asyncio.get_running_loop().create_task(answering(), name="CommandTree-invoker")
    closing = asyncio.create_task(bot.close())
    await asyncio.sleep(0)  # let close() reach the point where it waits for interactions
    assert not closing.done()
    release.set()
    await asyncio.wait_for(closing, 10)
    await task
    assert wrote == ["done"]
