"""`python -m bot run` as an admin starts it: a real process, logging in to the stand-in, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.standin import DiscordStandIn


async def read_until(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> None:
    while True:
        line = await stream.readline()
        if not line:
            raise AssertionError("the bot exited early:\n" + "".join(seen))
        seen.append(line.decode(errors="replace"))
        if needle in seen[-1]:
            return


async def test_the_bot_process_serves_trivia_and_shuts_down_cleanly_on_sigterm(standin: DiscordStandIn, tmp_path: Path):
    guild = standin.add_guild()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(
        DISCORD_TOKEN="test-token",
        DATABASE_PATH=str(tmp_path / "run.db"),
        DISCORD_API_BASE=standin.api_base,
        DISCORD_GATEWAY_URL=standin.gateway_url,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    log: list[str] = []
    try:
        await asyncio.wait_for(read_until(process.stdout, "logged in as", log), 30)
        assert any("imported bundled data" in line for line in log)
        assert any("synced 7 slash commands" in line for line in log)

        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "maks"}))
        assert reply.embeds[0]["title"] == "Mask (1985)"

        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 10)
        rest = (await process.stdout.read()).decode(errors="replace")
        assert code == 0, rest
        assert "received SIGTERM; shutting down" in rest
        assert "database closed" in rest
        assert "Traceback" not in "".join(log) + rest
        assert "voice will NOT be supported" not in "".join(log)  # we use no voice: no warning about it
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
