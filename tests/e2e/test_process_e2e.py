"""`python -m bot run` as an admin starts it: a real process, logging in to the stand-in, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.support.process import BotProcess, cli
from tests.support.standin import DiscordStandIn


async def test_the_bot_process_serves_trivia_and_shuts_down_cleanly_on_sigterm(standin: DiscordStandIn, tmp_path: Path):
    guild = standin.add_guild()
    bot = await BotProcess.start(
        tmp_path / "run.db", DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url
    )
    try:
        await bot.read_until("logged in as")
        assert "imported bundled data" in bot.text
        assert "synced 8 slash commands" in bot.text

        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "maks"}))
        assert reply.embeds[0]["title"] == "Mask (1985)"

        code = await bot.stop()
        assert code == 0, bot.text
        assert "received SIGTERM; shutting down" in bot.text
        assert "database closed" in bot.text
        assert "Traceback" not in bot.text
        assert "voice will NOT be supported" not in bot.text  # we use no voice: no warning about it
    finally:
        await bot.kill()


async def test_a_fact_edited_by_the_cli_while_the_bot_runs_is_shown_as_edited(standin: DiscordStandIn, tmp_path: Path):
    """The bot holds Mask's facts in memory after one /trivia; `python -m bot fact edit` (another
    process) changes fact 1; the next /trivia shows the new text, not the one in memory."""
    guild = standin.add_guild()
    database = tmp_path / "run.db"
    bot = await BotProcess.start(database, DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url)
    try:
        await bot.read_until("logged in as")

        async def fact_one() -> str:
            reply = await standin.interact(standin.slash(guild, "trivia", {"film": "Mask (1985)", "number": 1}))
            return reply.embeds[0]["description"]

        before = await fact_one()  # cached in the bot from here
        new = "Cher and the director clashed over the soundtrack."
        code, out, err = await cli("fact", "edit", "mask", "1", "--text", new, database=database)
        assert code == 0, out + err
        edited = time.monotonic()
        while not (shown := await fact_one()).startswith(new):
            assert shown == before
            assert time.monotonic() - edited < 3, "the bot still shows the text it held in memory"
            await asyncio.sleep(0.1)  # the bot looks for other processes' changes once a second
    finally:
        await bot.kill()
