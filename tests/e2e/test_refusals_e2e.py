"""Hand-made interaction payloads (anyone can send them with their own client) get a clear ephemeral
refusal through the real client, never the apology for a crash, and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import BotFactory
from tests.support.protocol import Reply
from tests.support.standin import MANAGE_GUILD, MANAGE_MESSAGES, MEMBER_PERMISSIONS, Callback, DiscordStandIn, Guild

APOLOGY = "Sorry, something went wrong"
ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD | MANAGE_MESSAGES
TOO_BIG = str(2**63)  # one past SQLite's largest integer; 19 digits, like a real snowflake
BIGGEST = "9" * 19


def assert_refused(reply: Callback, *words: str) -> None:
    assert reply.type == Reply.MESSAGE, reply
    assert reply.ephemeral
    assert APOLOGY not in reply.content
    for word in words:
        assert word in reply.content, reply.content


@pytest.mark.parametrize(
    ("custom_id", "words"),
    [
        (f"review:approve:{TOO_BIG}", ("no submission",)),
        (f"review:edit:{BIGGEST}", ("no submission",)),
        (f"review:block:{TOO_BIG}", ("no submission",)),
        (f"trivia:another:{TOO_BIG}", ("no film",)),
        (f"trivia:another:{BIGGEST}:r", ("no film",)),
    ],
)
async def test_a_button_with_an_id_past_64_bits_is_refused(
    standin: DiscordStandIn, start_bot: BotFactory, custom_id: str, words: tuple[str, ...]
):
    guild = standin.add_guild()
    await start_bot()
    moderator = standin.member(permissions=ADMIN)
    reply = await standin.interact(standin.button(guild, custom_id, member=moderator, message=standin.message(guild)))
    assert_refused(reply, *words)


def foreign_channel_option(payload: dict[str, Any], foreign: Guild) -> dict[str, Any]:
    """Points the command's channel option at a channel of `foreign`, as a hand-made payload can."""
    channel_id = foreign.channels[0]["id"]
    options = payload["data"]["options"][0]["options"]
    for option in options:
        if option["name"] == "channel":
            option["value"] = channel_id
    payload["data"]["resolved"]["channels"] = {channel_id: {**foreign.channels[0], "permissions": str(ADMIN)}}
    return payload


@pytest.mark.parametrize("bot_is_there", [False, True], ids=["server-without-the-bot", "another-server-of-the-bot"])
@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("trivia-daily set", {"time": "09:00"}),
        ("trivia-daily stop", {}),
        ("trivia-config review-channel", {}),
    ],
)
async def test_a_channel_of_another_server_is_refused(
    standin: DiscordStandIn, start_bot: BotFactory, command: str, options: dict[str, Any], bot_is_there: bool
):
    guild = standin.add_guild()
    foreign = standin.add_guild("Elsewhere") if bot_is_there else Guild(name="Elsewhere")
    if not bot_is_there:
        foreign.add_text_channel()
    bot = await start_bot()
    admin = standin.member(permissions=ADMIN)
    own = ("channel", guild.channels[0]["id"])
    payload = foreign_channel_option(standin.slash(guild, command, {"channel": own, **options}, member=admin), foreign)
    reply = await standin.interact(payload)
    assert_refused(reply, "this server")
    assert await bot.daily.schedules(int(guild.id)) == []
    assert (await bot.submissions.settings(int(guild.id))).review_channel_id is None


def from_a_dm(payload: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
    """The same interaction as if sent from the member's DM with the bot: no guild, no member."""
    for key in ("guild_id", "guild", "member"):
        payload.pop(key, None)
    payload["data"].pop("guild_id", None)
    payload["user"] = member["user"]
    payload["channel_id"] = "1250000000000000001"
    payload["channel"] = {"id": payload["channel_id"], "type": 1, "recipients": [member["user"]]}
    payload["context"] = 1
    payload["authorizing_integration_owners"] = {"1": member["user"]["id"]}
    return payload


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("trivia-submit", {"film": "mask"}),
        ("trivia-review", {}),
        ("trivia-daily list", {}),
        ("trivia-daily set", {"channel": "own", "time": "09:00"}),
        ("trivia-config reviewer-role", {}),
    ],
)
async def test_server_only_commands_from_a_dm_are_refused(
    standin: DiscordStandIn, start_bot: BotFactory, command: str, options: dict[str, Any]
):
    guild = standin.add_guild()
    role = guild.add_role("Reviewers")
    await start_bot()
    member = standin.member(permissions=ADMIN)
    options = {k: ("channel", guild.channels[0]["id"]) if v == "own" else v for k, v in options.items()}
    if command == "trivia-config reviewer-role":
        options = {"role": ("role", role)}
    reply = await standin.interact(from_a_dm(standin.slash(guild, command, options, member=member), member))
    assert_refused(reply, "only works in a server")


async def test_trivia_still_works_from_a_dm(standin: DiscordStandIn, start_bot: BotFactory):
    """/trivia is not server-only: the refusal is for server-only commands alone."""
    guild = standin.add_guild()
    await start_bot()
    member = standin.member()
    reply = await standin.interact(from_a_dm(standin.slash(guild, "trivia", {"film": "mask"}, member=member), member))
    assert reply.embeds, reply
