"""What an admin sees when Discord is away or refuses the bot: one line each, and an exit code systemd
acts on (78 = fix the configuration, do not restart; a passing outage is retried, not fatal)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.process import BotProcess
from tests.support.standin import DiscordStandIn

EX_CONFIG = 78


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_discord_unreachable_is_retried_one_line_per_attempt_until_stopped(tmp_path: Path):
    port = closed_port()
    (tmp_path / ".env").write_text("DATABASE_PATH=state/trivia.db\n")
    bot = await BotProcess.start(
        None,
        cwd=tmp_path,
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
    )
    try:
        assert "Film Trivia Bot 0.1.0 starting" in await bot.read_until("starting")
        where = await bot.read_until("settings from")
        assert where.endswith(
            f"settings from the environment and {tmp_path / '.env'}; database {tmp_path / 'state' / 'trivia.db'}\n"
        )
        first = await bot.read_until("(attempt 1)")
        second = await bot.read_until("(attempt 2)")
        assert f"cannot reach Discord at http://127.0.0.1:{port}/api/v10/gateway (attempt 1)" in first
        assert first.endswith("(attempt 1): connection refused; retrying in 1 s\n")
        assert "retrying in 2 s" in second  # backing off

        assert await bot.stop() == 0
        assert "received SIGTERM; shutting down" in bot.text
        assert "Traceback" not in bot.text
    finally:
        await bot.kill()


async def test_a_rejected_token_exits_with_what_to_change_in_the_portal(standin: DiscordStandIn, tmp_path: Path):
    standin.fail("GET", "/users/@me", 401, times=-1)
    bot = await BotProcess.start(
        tmp_path / "trivia.db", DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url
    )
    try:
        assert await bot.wait() == EX_CONFIG
        assert bot.lines[-1] == (
            "error: Discord rejected DISCORD_TOKEN (401 Unauthorized): in the developer portal "
            "(https://discord.com/developers/applications) open your application → Bot → Reset Token, "
            "and put the new token in DISCORD_TOKEN.\n"
        )
        assert "Traceback" not in bot.text
    finally:
        await bot.kill()


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (4004, "authentication failed: the token is wrong or was reset; in the developer portal"),
        (4013, "invalid intents"),
        (4014, "Bot → Privileged Gateway Intents"),
    ],
)
async def test_gateway_refusals_exit_with_a_config_error(
    standin: DiscordStandIn, tmp_path: Path, code: int, advice: str
):
    standin.refuse_identify = code
    bot = await BotProcess.start(
        tmp_path / "trivia.db", DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url
    )
    try:
        assert await bot.wait() == EX_CONFIG
        assert bot.lines[-1].startswith(f"error: Discord closed the connection with {code}, ")
        assert advice in bot.lines[-1]
        assert "Traceback" not in bot.text
        assert "database closed" in bot.text  # shut down cleanly all the same
    finally:
        await bot.kill()


async def test_a_host_that_never_answers_is_an_attempt_that_times_out(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """A server that accepts the connection and then says nothing must not hang the start silently."""
    import asyncio
    import logging

    import discord

    from bot import __main__ as cli_main

    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # kept open, never answered

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(cli_main, "PROBE_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    caplog.set_level(logging.WARNING, logger="bot")
    try:
        with pytest.raises(cli_main.CliError, match=r"no answer within 0\.2 s; try again later"):
            await cli_main.wait_for_discord(attempts=2)
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot reach Discord at http://127.0.0.1:{port}/api/v10/gateway (attempt 1): no answer within 0.2 s; "
        "retrying in 1 s"
    ]
