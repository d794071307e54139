"""`python -m bot run` as an admin starts it: a real process, logging in to the stand-in, stopped by SIGTERM."""

from __future__ import annotations

from pathlib import Path

from tests.support.process import BotProcess
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
