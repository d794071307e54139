"""Admins are invited to drop files in data/: one bad file must not keep the bot from starting."""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
from pathlib import Path

import pytest

from bot.app import TriviaBot
from bot.config import Settings
from tests.conftest import SEED_PAGE
from tests.e2e.conftest import stop_bot
from tests.support.standin import DiscordStandIn


async def test_a_bad_bundled_file_is_logged_and_skipped(
    standin: DiscordStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    guild = standin.add_guild()
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SEED_PAGE, data / SEED_PAGE.name)
    (data / "broken.json").write_text('{"films": [{"title": ""}]}')
    settings = Settings(
        discord_token="test-token",
        database_path=tmp_path / "trivia.db",
        discord_api_base=standin.api_base,
        discord_gateway_url=standin.gateway_url,
    )
    bot = TriviaBot(settings, rng=random.Random(1), data_dir=data, guild_ready_timeout=0.05)
    caplog.set_level(logging.INFO, logger="bot")
    task = asyncio.create_task(bot.start("test-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
        assert reply.embeds[0]["title"] == "Mask (1985)"
    finally:
        await stop_bot(bot, task)

    skipped = [r for r in caplog.records if "skipped bundled file" in r.getMessage()]
    assert [r.getMessage() for r in skipped] == [
        f"skipped bundled file {data / 'broken.json'}: films[0]: a title must be a non-empty string "
        "(fix it and restart to import it)"
    ]
    assert skipped[0].levelno == logging.WARNING
    assert skipped[0].exc_info is None  # one line, no traceback
