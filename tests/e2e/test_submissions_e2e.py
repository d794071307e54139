"""Submissions through the real discord.py client: a member submits, a reviewer decides, members see it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.e2e.conftest import BotFactory
from tests.support.fake_clock import FakeClock
from tests.support.protocol import Reply
from tests.support.standin import (
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMISSIONS,
    DiscordStandIn,
    Guild,
    Recorded,
)

ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD
MODERATOR = MEMBER_PERMISSIONS | MANAGE_MESSAGES
FACT = "Cher and Eric Stoltz rehearsed the fairground scene for two weeks before it was shot."


async def submit(standin: DiscordStandIn, guild: Guild, member: dict[str, Any], film: str, values: dict[str, str]):
    modal = await standin.interact(standin.slash(guild, "trivia-submit", {"film": film}, member=member))
    assert modal.type == Reply.MODAL, modal
    return modal, await standin.interact(standin.modal_submit(guild, modal, values, member=member))


def review_buttons(message: dict[str, Any]) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in message["components"] for c in row["components"]}


def press(standin: DiscordStandIn, guild: Guild, custom_id: str, message: dict[str, Any], member: dict[str, Any]):
    return standin.button(guild, custom_id, member=member, message=message)


async def test_member_submits_reviewer_approves_and_only_that_server_sees_the_credited_fact(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    other = standin.add_guild("Other server")
    review_channel = guild.add_text_channel("review")
    await start_bot()
    admin = standin.member(permissions=ADMIN, name="admin")
    member = standin.member(name="Rocky Fan")
    moderator = standin.member(permissions=MODERATOR, name="Mod Mia")

    configured = await standin.interact(
        standin.slash(guild, "trivia-config review-channel", {"channel": ("channel", review_channel)}, member=admin)
    )
    assert configured.ephemeral
    modal, receipt = await submit(standin, guild, member, "Mask (1985)", {"The fact": FACT, "Source (optional)": ""})
    assert modal.data["title"] == "A fact about Mask (1985)"
    assert receipt.ephemeral
    assert "Submission **#1** about **Mask (1985)**" in receipt.content

    posted = await standin.wait_for_request(
        lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages"
    )
    review_message = standin.created_messages[review_channel][0]
    assert posted.body["embeds"][0]["description"] == FACT
    buttons = review_buttons(review_message)
    assert set(buttons) == {"Approve", "Edit", "Reject", "Block submitter"}

    decision = await standin.interact(press(standin, guild, buttons["Approve"], review_message, moderator))
    assert decision.type == Reply.UPDATE_MESSAGE
    assert decision.data["components"] == []
    decided = {f["name"]: f["value"] for f in decision.embeds[0]["fields"]}["Decision"]
    assert decided.startswith("Approved by Mod Mia")

    await standin.wait_for_dm(member["user"]["id"])
    (dm,) = standin.dms_to(member["user"]["id"])
    assert "was approved" in dm["content"]

    card = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 7}))
    assert card.embeds[0]["description"].startswith(FACT)
    assert card.embeds[0]["description"].endswith("— *Contributed by Rocky Fan*")
    elsewhere = await standin.interact(standin.slash(other, "trivia", {"film": "mask", "number": 7}))
    assert elsewhere.ephemeral
    assert "from 1 to 6" in elsewhere.content


async def test_reject_with_a_reason_sends_the_reason_by_dm(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()
    member = standin.member(name="Hopeful")
    moderator = standin.member(permissions=MODERATOR, name="Mod")
    await submit(standin, guild, member, "mask", {"The fact": FACT})

    review = await standin.interact(standin.slash(guild, "trivia-review", member=moderator))
    assert review.ephemeral
    assert review.embeds[0]["footer"]["text"] == "1 waiting for review"
    message = standin.message(guild, review.data, ephemeral=True)
    modal = await standin.interact(press(standin, guild, review_buttons(review.data)["Reject"], message, moderator))
    assert modal.type == Reply.MODAL
    rejected = await standin.interact(
        standin.modal_submit(
            guild, modal, {"Reason (sent to the member)": "Please add a source."}, member=moderator, message=message
        )
    )
    assert rejected.type == Reply.UPDATE_MESSAGE
    await standin.wait_for_dm(member["user"]["id"])
    (dm,) = standin.dms_to(member["user"]["id"])
    assert "was not accepted" in dm["content"]
    assert "Reason: Please add a source." in dm["content"]

    empty = await standin.interact(standin.slash(guild, "trivia-review", member=moderator))
    assert empty.content == "Nothing is waiting for review. 🎉"


async def test_a_member_without_reviewer_permission_is_refused_and_nothing_changes(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member(name="Sneaky")
    await submit(standin, guild, member, "mask", {"The fact": FACT})

    review = await standin.interact(standin.slash(guild, "trivia-review", member=member))
    assert review.ephemeral
    assert "Only reviewers" in review.content

    message = standin.message(guild)
    for action in ("approve", "reject", "edit", "block"):
        refused = await standin.interact(press(standin, guild, f"review:{action}:1", message, member))
        assert refused.ephemeral
        assert "Only reviewers" in refused.content
    assert (await bot.submissions.repo.get(1)).status == "pending"

    other = standin.add_guild("Other")
    await standin.dispatch("GUILD_CREATE", other.payload(standin.bot_user))
    cross = await standin.interact(
        press(standin, other, "review:approve:1", standin.message(other), standin.member(permissions=MODERATOR))
    )
    assert "no submission #1 in this server" in cross.content
    assert (await bot.submissions.repo.get(1)).status == "pending"


async def test_the_reviewer_role_may_review_and_two_reviewers_at_once_get_one_decision(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    role = guild.add_role("Trivia reviewers")
    await start_bot()
    admin = standin.member(permissions=ADMIN)
    await standin.interact(standin.slash(guild, "trivia-config reviewer-role", {"role": ("role", role)}, member=admin))
    member = standin.member(name="Submitter")
    await submit(standin, guild, member, "mask", {"The fact": FACT})

    first = standin.member(name="Role Reviewer", roles=(role,))
    second = standin.member(permissions=MODERATOR, name="Mod Max")
    message = standin.message(guild)
    results = await asyncio.gather(
        standin.interact(press(standin, guild, "review:approve:1", message, first)),
        standin.interact(press(standin, guild, "review:approve:1", message, second)),
    )
    winners = [r for r in results if r.type == Reply.UPDATE_MESSAGE]
    losers = [r for r in results if r.ephemeral]
    assert len(winners) == 1
    assert len(losers) == 1
    assert "was already approved by" in losers[0].content
    await standin.wait_for_dm(member["user"]["id"])
    assert len(standin.dms_to(member["user"]["id"])) == 1


async def test_a_film_not_in_the_catalog_is_proposed_with_its_year(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()
    member = standin.member(name="Cinephile")
    standin.closed_dms.add(member["user"]["id"])  # a closed DM is not an error
    modal, receipt = await submit(
        standin, guild, member, "The Elephant Man", {"The fact": "John Hurt's makeup took seven hours to apply.",
                                                      "Release year of the film": "1980"}
    )  # fmt: skip
    assert modal.data["title"] == "Propose “The Elephant Man”"
    assert "about **The Elephant Man (1980)**" in receipt.content

    moderator = standin.member(permissions=MODERATOR)
    approved = await standin.interact(press(standin, guild, "review:approve:1", standin.message(guild), moderator))
    assert approved.type == Reply.UPDATE_MESSAGE
    card = await standin.interact(standin.slash(guild, "trivia", {"film": "elephant man"}))
    assert card.embeds[0]["title"] == "The Elephant Man (1980)"


async def test_mentions_in_a_submission_never_ping_anyone(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    role = guild.add_role("Everyone-ish")
    review_channel = guild.add_text_channel("review")
    await start_bot()
    admin = standin.member(permissions=ADMIN)
    await standin.interact(
        standin.slash(guild, "trivia-config review-channel", {"channel": ("channel", review_channel)}, member=admin)
    )
    hostile = f"@everyone @here <@&{role}> <@{admin['user']['id']}> Cher wore a wig in every single scene."
    member = standin.member(name="@everyone")
    await submit(standin, guild, member, "mask", {"The fact": hostile, "Source (optional)": "@here"})
    moderator = standin.member(permissions=MODERATOR)
    await standin.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages")
    review_message = standin.created_messages[review_channel][0]
    await standin.interact(press(standin, guild, review_buttons(review_message)["Approve"], review_message, moderator))
    await standin.wait_for_dm(member["user"]["id"])
    await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 7}))

    sent = [r for r in standin.requests if _carries_a_message(r)]
    assert len(sent) >= 5
    for request in sent:
        body = request.body.get("data", request.body) if request.path.endswith("/callback") else request.body
        assert body.get("allowed_mentions") == {"parse": []}, (request.path, body)


def _carries_a_message(request: Recorded) -> bool:
    if request.method not in ("POST", "PATCH") or not isinstance(request.body, dict):
        return False
    if request.path.endswith("/callback"):
        return request.body.get("type") in (4, 7)
    return "/messages" in request.path or request.path.startswith("/webhooks/")


async def test_refusals_store_nothing(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member(name="Brief")
    _, short = await submit(standin, guild, member, "mask", {"The fact": "Too short, sorry."})
    assert short.ephemeral
    assert "needs at least 20" in short.content
    _, dup = await submit(standin, guild, member, "mask", {"The fact": "Rob Lowe was nearly cast as Rocky Dennis"})
    assert "already known" in dup.content
    assert await bot.submissions.repo.listing(status=None, guild_id=None) == []


async def test_a_member_over_a_limit_is_told_before_the_form_opens(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))  # the wait is counted on the injected clock
    bot = await start_bot(clock=clock)
    member = standin.member(name="Quick")
    await submit(standin, guild, member, "mask", {"The fact": FACT})

    again = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    assert again.type == Reply.MESSAGE  # a message, not a form
    assert again.ephemeral
    assert "you can submit again in 60 s" in again.content
    assert len(await bot.submissions.repo.listing(status=None, guild_id=None)) == 1
    clock.advance(seconds=60)
    reopened = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    assert reopened.type == Reply.MODAL
