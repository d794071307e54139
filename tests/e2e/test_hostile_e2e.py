"""The hostile corpus through the real client: every text a member can type, into every command that
takes text. Each answer is an ephemeral refusal or a safe display, never an apology for a crash, never
a ping, always inside Discord's limits; a refusal stores nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BotFactory
from tests.support.protocol import Reply
from tests.support.standin import MANAGE_GUILD, MANAGE_MESSAGES, MEMBER_PERMISSIONS, Callback, DiscordStandIn
from tests.test_hostile_input import CORPUS

APOLOGY = "Sorry, something went wrong"
ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD | MANAGE_MESSAGES


def assert_safe_reply(reply: Callback) -> None:
    assert APOLOGY not in reply.content
    assert len(reply.content) <= 2000
    assert "Traceback" not in reply.content
    if reply.type == Reply.MESSAGE and not reply.embeds:
        assert reply.ephemeral, reply.content[:200]
    assert reply.data.get("allowed_mentions", {"parse": []}) == {"parse": []}


@pytest.mark.parametrize("text", CORPUS, ids=[f"corpus{i}" for i in range(len(CORPUS))])
async def test_hostile_text_everywhere_a_member_can_type(standin: DiscordStandIn, start_bot: BotFactory, text: str):
    guild = standin.add_guild()
    bot = await start_bot()
    admin = standin.member(permissions=ADMIN, name="admin")

    assert_safe_reply(await standin.interact(standin.slash(guild, "trivia", {"film": text})))
    choices = await standin.interact(standin.autocomplete(guild, "trivia", "film", text))
    assert len(choices.data["choices"]) <= 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices.data["choices"])

    channel = ("channel", guild.channels[0]["id"])
    for options in ({"channel": channel, "time": text}, {"channel": channel, "time": "09:00", "timezone": text}):
        reply = await standin.interact(standin.slash(guild, "trivia-daily set", options, member=admin))
        assert_safe_reply(reply)
    assert await bot.daily.schedules(int(guild.id)) == []
    zones = await standin.interact(standin.autocomplete(guild, "trivia-daily set", "timezone", text))
    assert len(zones.data["choices"]) <= 25

    member = standin.member(name=text[:32] or "x")
    opened = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    assert opened.type == Reply.MODAL
    receipt = await standin.interact(
        standin.modal_submit(guild, opened, {"The fact": text, "Source (optional)": text}, member=member)
    )
    assert_safe_reply(receipt)
    stored = await bot.submissions.repo.listing(status=None, guild_id=None)
    assert len(stored) == (1 if "Thanks!" in receipt.content else 0)

    if stored:
        message = standin.message(guild)
        modal = await standin.interact(standin.button(guild, "review:reject:1", member=admin, message=message))
        rejected = await standin.interact(
            standin.modal_submit(guild, modal, {"Reason (sent to the member)": text}, member=admin, message=message)
        )
        assert_safe_reply(rejected)
        await standin.wait_for_dm(member["user"]["id"])
        (dm,) = standin.dms_to(member["user"]["id"])
        assert len(dm["content"]) <= 2000

    # A report: the kind and details as typed, then the card moderators see and a dismissal reason.
    reporter = standin.member(name=text[:32] or "x")
    form = await standin.interact(standin.button(guild, "trivia:report:1", member=reporter))
    assert form.type == 9
    reported = await standin.interact(
        standin.modal_submit(guild, form, {"What is wrong": text, "Details (optional)": text}, member=reporter)
    )
    assert_safe_reply(reported)
    if "Thanks!" not in reported.content:  # the kind was refused: nothing stored; send a valid kind
        assert await bot.moderation.repo.open_count(int(guild.id)) == 0
        reported = await standin.interact(
            standin.modal_submit(guild, form, {"What is wrong": "other", "Details (optional)": text}, member=reporter)
        )
        assert_safe_reply(reported)
    if "Thanks!" in reported.content:
        queue = await standin.interact(standin.slash(guild, "trivia-review", member=admin))
        assert_safe_reply(queue)
        assert sum(len(str(v)) for v in queue.embeds[0].values()) < 6000
        message = standin.message(guild, queue.data, ephemeral=True)
        dismiss = await standin.interact(standin.button(guild, queue.custom_ids[-1], member=admin, message=message))
        dismissed = await standin.interact(
            standin.modal_submit(
                guild, dismiss, {"Reason (optional, sent to the reporters)": text}, member=admin, message=message
            )
        )
        assert_safe_reply(dismissed)

    for request in standin.requests:
        if request.method in ("POST", "PATCH") and isinstance(request.body, dict):
            body = request.body.get("data") if request.path.endswith("/callback") else request.body
            if isinstance(body, dict) and ("content" in body or "embeds" in body):
                assert body.get("allowed_mentions") == {"parse": []}, request.path
