"""Backup while a real bot process writes, and restore refused until it stops: what an admin runs."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from tests.support.process import BotProcess, cli
from tests.support.standin import DiscordStandIn


async def test_backup_of_a_running_bot_is_complete_and_restore_waits_for_it_to_stop(
    standin: DiscordStandIn, tmp_path: Path
):
    guild = standin.add_guild()
    database = tmp_path / "live.db"
    bot = await BotProcess.start(database, DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url)
    try:
        await bot.read_until("logged in as")
        # The bundled import sits in the WAL while the bot runs: a plain copy of live.db would miss it.
        answered = 0
        busy = asyncio.Event()

        async def members_asking() -> None:
            nonlocal answered
            while True:
                reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
                assert reply.embeds, reply.content
                answered += 1  # each fact shown is recorded: the bot writes
                if answered >= 3:
                    busy.set()

        writer = asyncio.create_task(members_asking())
        try:
            await asyncio.wait_for(busy.wait(), 20)
            before = answered
            code, out, err = await cli("backup", str(tmp_path / "copy.db"), database=database)
            during = answered - before
        finally:
            writer.cancel()
        assert code == 0, err
        assert (
            out.strip()
            == f"backed up {database} to {tmp_path / 'copy.db'}: 1 film, 6 facts, 0 submissions, 0 schedules"
        )
        assert during > 0, "the bot kept answering (and writing) while the backup ran"
        with sqlite3.connect(tmp_path / "copy.db") as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT count(*) FROM facts").fetchone()[0] == 6

        code, _, err = await cli("backup", str(tmp_path / "copy.db"), database=database)
        assert (code, err.strip()) == (1, f"error: {tmp_path / 'copy.db'} already exists; add --force to overwrite it")
        code, out, err = await cli("backup", "--force", str(tmp_path / "copy.db"), database=database)
        assert code == 0, err

        code, _, err = await cli("restore", str(tmp_path / "copy.db"), database=database)
        assert code == 1
        assert err.startswith(f"error: a bot is running on {database} (pid {bot.process.pid}): stop it first")
        assert len(err.strip().splitlines()) == 1

        assert await bot.stop() == 0
        code, out, err = await cli("restore", str(tmp_path / "copy.db"), database=database)
        assert code == 0, err
        assert out.startswith(f"restored {database} from {tmp_path / 'copy.db'}: 1 film, 6 facts")
        code, out, _ = await cli("films", database=database)
        assert out.splitlines() == ["     6  Mask (1985)", "1 film"]
        assert "Traceback" not in bot.text
    finally:
        await bot.kill()
