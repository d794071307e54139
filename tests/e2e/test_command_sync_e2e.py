"""Commands listed once: a cleared or changed DEV_GUILD_ID removes the old server's copies, and
`python -m bot sync` forces or clears a sync over HTTP alone (no gateway session)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SEED_PAGE
from tests.e2e.conftest import BotFactory
from tests.support.process import cli
from tests.support.standin import DiscordStandIn

COMMANDS = {
    "trivia", "trivia-daily", "trivia-submit", "trivia-review", "trivia-config", "trivia-quiz", "trivia-fact",
    "trivia-admin",
}  # fmt: skip


def names(standin: DiscordStandIn, scope: str) -> set[str]:
    return {c["name"] for c in standin.commands.get(scope, [])}


async def test_clearing_or_changing_dev_guild_removes_the_old_copies(standin: DiscordStandIn, start_bot: BotFactory):
    first, second = standin.add_guild("Dev"), standin.add_guild("Other dev")
    bot = await start_bot(dev_guild_id=int(first.id))
    assert names(standin, first.id) == COMMANDS
    await bot.close()

    bot = await start_bot(dev_guild_id=int(second.id))  # changed: the first server's copies go
    assert names(standin, first.id) == set()
    assert names(standin, second.id) == COMMANDS
    await bot.close()

    await start_bot()  # cleared for production: global only, no server keeps a second copy
    assert names(standin, second.id) == set()
    assert names(standin, "global") == COMMANDS
    puts = standin.posted("PUT", rf"/applications/\d+/guilds/{first.id}/commands")
    assert len(puts) == 2  # the first server was emptied once, not again on every start


async def test_sync_command_forces_and_clears_over_http_only(standin: DiscordStandIn, tmp_path: Path):
    guild = standin.add_guild()
    database = tmp_path / "trivia.db"
    env = {
        "DISCORD_TOKEN": "test-token",
        "DISCORD_API_BASE": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
    }
    assert (await cli("import", str(SEED_PAGE), database=database))[0] == 0

    code, out, err = await cli("sync", "--guild", guild.id, database=database, **env)
    assert (code, out) == (0, f"synced {len(COMMANDS)} commands to server {guild.id}\n"), err
    assert names(standin, guild.id) == COMMANDS

    code, out, err = await cli("sync", "--guild", guild.id, "--clear", database=database, **env)
    assert (code, out) == (0, f"removed the commands from server {guild.id}\n"), err
    assert names(standin, guild.id) == set()

    code, out, _ = await cli("sync", database=database, **env)
    assert out == f"synced {len(COMMANDS)} commands to every server (global; can take a while to appear)\n"
    assert names(standin, "global") == COMMANDS
    code, out, _ = await cli("sync", "--global", "--clear", database=database, **env)
    assert names(standin, "global") == set()

    assert standin.identifies == 0  # never opened a gateway session: it cannot disturb a running bot

    standin.fail("GET", "/users/@me", 401, times=-1)
    code, _, err = await cli("sync", database=database, **env)
    assert code == 78
    assert err.startswith("error: Discord rejected DISCORD_TOKEN (401 Unauthorized): in the developer portal")
    assert "Traceback" not in err


async def test_sync_with_discord_unreachable_says_so_in_one_line(tmp_path: Path):
    from tests.e2e.test_operator_errors_e2e import closed_port

    database = tmp_path / "trivia.db"
    assert (await cli("import", str(SEED_PAGE), database=database))[0] == 0
    port = closed_port()
    code, _, err = await cli(
        "sync", database=database, DISCORD_TOKEN="t", DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10"
    )
    assert code == 69  # EX_UNAVAILABLE
    assert (
        err
        == f"error: cannot reach Discord at http://127.0.0.1:{port}/api/v10/gateway: connection refused; try again later\n"
    )
