"""Moderation through the real discord.py client: a member reports a fact from its card, the report reaches
the review channel and /trivia-review, a moderator hides it, the server never shows it again (the other
server still does), and unhiding brings it back. Spoilers are shown behind spoiler markup."""

from __future__ import annotations

import json
from typing import Any

from bot.services.submissions import Reviewer
from tests.e2e.conftest import BotFactory
from tests.support.standin import MANAGE_GUILD, MANAGE_MESSAGES, MEMBER_PERMISSIONS, DiscordStandIn, Guild

ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD
MODERATOR = MEMBER_PERMISSIONS | MANAGE_MESSAGES
HIDDEN_TEXT = "Rob Lowe was nearly cast as Rocky Dennis."


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in message["components"] for c in row["components"]}


async def report(standin: DiscordStandIn, guild: Guild, card: Any, member: dict[str, Any], values: dict[str, str]):
    press = standin.button(guild, buttons(card.message)["Report"], member=member, message=card.message)
    form = await standin.interact(press)
    assert form.type == 9, form
    return await standin.interact(standin.modal_submit(guild, form, values, member=member))


async def test_report_hide_in_one_server_only_then_unhide(standin: DiscordStandIn, start_bot: BotFactory):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    review_channel = home.add_text_channel("review")
    bot = await start_bot()
    admin = standin.member(permissions=ADMIN, name="Admin")
    moderator = standin.member(permissions=MODERATOR, name="Mod Mia")
    fan, other_fan = standin.member(name="Fan"), standin.member(name="Other Fan")
    await standin.interact(
        standin.slash(home, "trivia-config review-channel", {"channel": ("channel", review_channel)}, member=admin)
    )

    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 2}, member=fan))
    assert card.embeds[0]["description"].startswith(HIDDEN_TEXT)
    assert set(buttons(card.message)) == {"Another fact", "Report"}

    receipt = await report(standin, home, card, fan, {"What is wrong": "Wrong", "Details (optional)": "It was Stoltz"})
    assert receipt.ephemeral
    assert "Your report (#1) reached this server's moderators" in receipt.content
    again = await report(standin, home, card, fan, {"What is wrong": "other"})
    assert again.ephemeral
    assert "already reported this fact (report #1)" in again.content
    bad = await report(standin, home, card, other_fan, {"What is wrong": "boring"})
    assert bad.ephemeral
    assert "not a kind of problem" in bad.content
    joined = await report(standin, home, card, other_fan, {"What is wrong": "duplicate"})
    assert "report (#1)" in joined.content

    await standin.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages")
    (review_card,) = standin.created_messages[review_channel]
    assert review_card["embeds"][0]["title"] == "Report #1"
    assert set(buttons(review_card)) == {"Hide here", "Edit", "Spoiler", "Dismiss"}
    assert review_card["embeds"][0]["description"] == HIDDEN_TEXT

    queue = await standin.interact(standin.slash(home, "trivia-review", member=moderator))
    assert queue.ephemeral
    assert queue.embeds[0]["title"] == "Report #1"
    assert queue.embeds[0]["footer"]["text"] == "0 submissions and 1 report waiting"
    reporters = {f["name"]: f["value"] for f in queue.embeds[0]["fields"]}["2 reporters"]
    assert "**wrong** — It was Stoltz" in reporters
    assert "**duplicate**" in reporters
    assert (await standin.interact(standin.slash(away, "trivia-review", member=moderator))).content.startswith(
        "Nothing is waiting"
    )

    hidden = await standin.interact(
        standin.button(home, buttons(review_card)["Hide here"], member=moderator, message=review_card)
    )
    assert hidden.type == 7
    assert hidden.data["components"] == []
    decision = {f["name"]: f["value"] for f in hidden.embeds[0]["fields"]}["Decision"]
    assert decision.startswith("Hidden by Mod Mia")
    twice = await standin.interact(
        standin.button(home, buttons(review_card)["Hide here"], member=moderator, message=review_card)
    )
    assert twice.ephemeral
    assert "already hidden by Mod Mia" in twice.content

    # Home: the hidden fact is gone from picks and numbering; Away: untouched.
    seen = []
    for _ in range(7):
        shown = await standin.interact(standin.slash(home, "trivia", {"film": "mask"}))  # a new member each time
        assert shown.embeds, shown
        seen.append(shown.embeds[0]["description"])
        assert shown.embeds[0]["footer"]["text"].endswith("of 5")
    assert not any(text.startswith(HIDDEN_TEXT) for text in seen)
    out_of_range = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 6}))
    assert out_of_range.ephemeral
    assert "has 5 facts" in out_of_range.content
    elsewhere = await standin.interact(standin.slash(away, "trivia", {"film": "mask", "number": 2}))
    assert elsewhere.embeds[0]["description"].startswith(HIDDEN_TEXT)
    assert elsewhere.embeds[0]["footer"]["text"].endswith("fact 2 of 6")

    listed = await standin.interact(standin.slash(home, "trivia-fact list", {"film": "mask"}, member=moderator))
    assert "**2.** [hidden] Rob Lowe" in listed.embeds[0]["description"]
    assert (
        "[hidden]"
        not in (
            await standin.interact(standin.slash(away, "trivia-fact list", {"film": "mask"}, member=moderator))
        ).embeds[0]["description"]
    )

    unhidden = await standin.interact(
        standin.slash(home, "trivia-fact unhide", {"film": "mask", "number": 2}, member=moderator)
    )
    assert unhidden.ephemeral
    assert "shown in this server again" in unhidden.content
    back = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 2}))
    assert back.embeds[0]["description"].startswith(HIDDEN_TEXT)

    log = await standin.interact(standin.slash(home, "trivia-config log", member=admin))
    text = log.embeds[0]["description"]
    assert "Mod Mia: unhide fact" in text
    assert "Mod Mia: hide fact" in text
    away_log = await standin.interact(standin.slash(away, "trivia-config log", member=admin))
    assert away_log.content == "Nothing in this server's moderation log yet."
    # The review-channel card was updated by the outbox to show the decision, without buttons.
    await standin.wait_for_request(
        lambda r: r.method == "PATCH" and r.path.startswith(f"/channels/{review_channel}/messages/")
        and r.body.get("components") == []
    )  # fmt: skip
    assert bot.moderation is not None


async def test_dismiss_tells_every_reporter_by_dm(standin: DiscordStandIn, start_bot: BotFactory):
    home = standin.add_guild("Home")
    await start_bot()
    moderator = standin.member(permissions=MODERATOR, name="Mod")
    fan = standin.member(name="Fan")
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 1}, member=fan))
    await report(standin, home, card, fan, {"What is wrong": "spoiler"})

    queue = await standin.interact(standin.slash(home, "trivia-review", member=moderator))
    message = standin.message(home, queue.data, ephemeral=True)
    form = await standin.interact(
        standin.button(home, buttons(queue.data)["Dismiss"], member=moderator, message=message)
    )
    assert form.type == 9
    dismissed = await standin.interact(
        standin.modal_submit(
            home, form, {"Reason (optional, sent to the reporters)": "It is in the trailer."}, member=moderator,
            message=message,
        )
    )  # fmt: skip
    assert dismissed.type == 7
    await standin.wait_for_dm(fan["user"]["id"])
    (dm,) = standin.dms_to(fan["user"]["id"])
    assert "left the fact as it is" in dm["content"]
    assert "Reason: It is in the trailer." in dm["content"]
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 1}))
    assert "||" not in card.embeds[0]["description"]


async def test_spoiler_mark_shows_the_fact_behind_spoiler_markup_here_only(
    standin: DiscordStandIn, start_bot: BotFactory
):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    await start_bot()
    moderator = standin.member(permissions=MODERATOR, name="Mod")
    marked = await standin.interact(
        standin.slash(home, "trivia-fact spoiler", {"film": "mask", "number": 3}, member=moderator)
    )
    assert marked.ephemeral
    assert "marked as a spoiler in this server" in marked.content

    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 3}))
    description = card.embeds[0]["description"]
    assert description.startswith("⚠️ **Spoiler** (click to reveal)\n||")
    assert description.split("||")[1]  # the text is there, covered
    plain = await standin.interact(standin.slash(away, "trivia", {"film": "mask", "number": 3}))
    assert "||" not in plain.embeds[0]["description"]

    unmarked = await standin.interact(
        standin.slash(home, "trivia-fact spoiler", {"film": "mask", "number": 3}, member=moderator)
    )
    assert "no longer marked as a spoiler" in unmarked.content


async def test_crafted_and_foreign_ids_are_refused_and_change_nothing(standin: DiscordStandIn, start_bot: BotFactory):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    bot = await start_bot()
    moderator = standin.member(permissions=MODERATOR, name="Mod")
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 1}))
    await report(standin, home, card, standin.member(name="Fan"), {"What is wrong": "wrong"})

    too_big = await standin.interact(standin.button(home, "rep:hide:9999999999999999999", member=moderator))
    assert too_big.ephemeral
    assert "refers to no report" in too_big.content
    foreign = await standin.interact(standin.button(away, "rep:hide:1", member=moderator))
    assert foreign.ephemeral
    assert "no report #1 in this server" in foreign.content
    no_fact = await standin.interact(standin.button(home, "trivia:report:424242", member=moderator))
    assert no_fact.ephemeral
    assert "not in this server's catalog" in no_fact.content
    huge = "x" * 5000
    form = await standin.interact(standin.button(home, "trivia:report:1", member=moderator))
    refused = await standin.interact(
        standin.modal_submit(home, form, {"Details (optional)": huge}, member=standin.member(name="Spammer"))
    )
    assert refused.ephemeral
    assert "keep it under 500" in refused.content
    assert (await bot.moderation.get_report(1, int(home.id))).status == "open"
    assert len((await bot.moderation.get_report(1, int(home.id))).reasons) == 1


OWN = "The fairground was built in Azusa and taken down again after four nights of shooting."


async def test_own_fact_edit_revert_and_delete_with_confirmation(standin: DiscordStandIn, start_bot: BotFactory):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    bot = await start_bot()
    moderator = standin.member(permissions=MODERATOR, name="Mod")
    target = await bot.submissions.target("mask")
    submission, _ = await bot.submissions.submit(
        guild_id=int(home.id), member_id=1, member_name="Fan", target=target, text=OWN, source=None
    )
    reviewer = Reviewer(9, "Mod", manage_messages=True, role_ids=frozenset())
    approved = await bot.submissions.approve(submission.id, int(home.id), reviewer)

    form = await standin.interact(
        standin.slash(home, "trivia-fact edit", {"film": "mask", "number": 7}, member=moderator)
    )
    assert form.type == 9
    assert form.data["components"][0]["components"][0]["value"] == OWN
    edited = await standin.interact(standin.modal_submit(home, form, {"The fact": OWN + " Really."}, member=moderator))
    assert "edited (log entry #" in edited.content
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 7}))
    assert card.embeds[0]["description"].startswith(OWN + " Really.")

    revert_id = edited.custom_ids[0]
    foreign = await standin.interact(standin.button(away, revert_id, member=moderator))
    assert foreign.ephemeral
    assert "not an edit" in foreign.content
    reverted = await standin.interact(standin.button(home, revert_id, member=moderator))
    assert reverted.content.startswith("Reverted")
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 7}))
    assert card.embeds[0]["description"].startswith(OWN + "\n\n")

    ask = await standin.interact(
        standin.slash(home, "trivia-fact delete", {"film": "mask", "number": 7}, member=moderator)
    )
    assert ask.ephemeral
    assert ask.custom_ids == [f"fact:delete:{approved.fact_id}"]
    still = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 7}))
    assert still.embeds  # nothing is deleted before the confirmation
    message = standin.message(home, ask.data, ephemeral=True)
    gone = await standin.interact(standin.button(home, ask.custom_ids[0], member=moderator, message=message))
    assert gone.type == 7
    assert "Deleted the fact" in gone.content
    again = await standin.interact(standin.button(home, ask.custom_ids[0], member=moderator, message=message))
    assert again.ephemeral
    assert "not in this server's catalog" in again.content
    after = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 7}))
    assert "from 1 to 6" in after.content
    log = await standin.interact(standin.slash(home, "trivia-config log", member=standin.member(permissions=ADMIN)))
    text = log.embeds[0]["description"]
    for action in ("delete fact", "edit fact", "approve submission"):
        assert action in text


CSV = (
    "title,year,text,section,credit,source\n"
    "Zardoz,1974,Sean Connery wore the red loincloth for most of the shoot in Ireland.,Behind The Scenes,Fan,\n"
    "Mask,1985,Rob Lowe was nearly cast as Rocky Dennis.,Behind The Scenes,,\n"
)


async def test_server_import_from_an_attachment_then_export(standin: DiscordStandIn, start_bot: BotFactory):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    await start_bot()
    admin = standin.member(permissions=ADMIN, name="Admin")

    broken = standin.attach("broken.csv", b"title,year,text\nZardoz,nineteen,Something happened on set that day.\n")
    refused = await standin.interact(
        standin.slash(home, "trivia-config import", {"file": ("attachment", broken)}, member=admin)
    )
    if refused.type == 5:  # deferred while downloading: the refusal comes as a follow-up
        request = await standin.wait_for_request(lambda r: r.method == "POST" and r.path.startswith("/webhooks/"))
        text = request.body["content"]
    else:
        text = refused.content
    assert "broken.csv:2" in text

    good = standin.attach("mine.csv", CSV.encode())
    earlier = list(standin.posted("POST", r"/webhooks/.*"))
    deferred = await standin.interact(
        standin.slash(home, "trivia-config import", {"file": ("attachment", good)}, member=admin)
    )
    assert deferred.type == 5
    assert deferred.ephemeral
    followup = await standin.wait_for_request(
        lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and all(r is not e for e in earlier)
    )
    summary = followup.body["content"]
    assert "Imported **mine.csv** as this server's facts" in summary
    assert "facts: 1 added, 1 skipped" in summary
    assert standin.attachment_downloads == 2

    card = await standin.interact(standin.slash(home, "trivia", {"film": "zardoz"}))
    assert card.embeds[0]["description"].startswith("Sean Connery wore the red loincloth")
    elsewhere = await standin.interact(standin.slash(away, "trivia", {"film": "zardoz"}))
    assert elsewhere.ephemeral  # the other server sees none of this server's facts

    too_big = standin.attach("huge.json", b" " * (2 * 1024 * 1024 + 1))
    big = await standin.interact(
        standin.slash(home, "trivia-config import", {"file": ("attachment", too_big)}, member=admin)
    )
    assert big.ephemeral
    assert "the limit here is 2 MiB" in big.content
    assert standin.attachment_downloads == 2  # refused before downloading

    exported = await standin.interact(standin.slash(home, "trivia-config export", member=admin))
    assert exported.ephemeral
    callback = standin.posted("POST", r"/interactions/.*/callback")[-1].body
    (content,) = callback["files"].values()
    films = json.loads(content)["films"]
    assert [f["title"] for f in films] == ["Zardoz"]
    assert films[0]["facts"][0]["text"].startswith("Sean Connery")
    nothing = await standin.interact(standin.slash(away, "trivia-config export", member=admin))
    assert "no facts of its own" in nothing.content
    # The export round-trips: importing it again adds nothing.
    again = standin.attach("trivia-facts.json", content)
    earlier = list(standin.posted("POST", r"/webhooks/.*"))
    await standin.interact(standin.slash(home, "trivia-config import", {"file": ("attachment", again)}, member=admin))
    followup = await standin.wait_for_request(
        lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and all(r is not e for e in earlier)
    )
    assert "facts: 0 added, 1 skipped" in followup.body["content"]
    log = await standin.interact(standin.slash(home, "trivia-config log", member=admin))
    assert "Admin: import" in log.embeds[0]["description"]


async def test_owners_look_after_the_global_catalog(standin: DiscordStandIn, start_bot: BotFactory):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    await start_bot(owner_ids=frozenset({777}))
    owner = standin.member(user_id="777", name="Owner")
    app_owner = standin.member(user_id=standin.application_id, name="App owner")  # the application's owner
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 1}))
    await report(standin, home, card, standin.member(name="Fan"), {"What is wrong": "wrong", "Details (optional)": "x"})

    listed = await standin.interact(standin.slash(away, "trivia-admin reports", member=app_owner))
    assert f"server {home.id}" in listed.embeds[0]["description"]

    await standin.interact(standin.slash(away, "trivia-admin spoiler", {"film": "mask", "number": 1}, member=owner))
    for guild in (home, away):
        shown = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 1}))
        assert "||" in shown.embeds[0]["description"]

    form = await standin.interact(standin.slash(home, "trivia-admin edit", {"film": "mask", "number": 1}, member=owner))
    old = form.data["components"][0]["components"][0]["value"]
    done = await standin.interact(
        standin.modal_submit(home, form, {"The fact": "A corrected global fact about Mask."}, member=owner)
    )
    assert "old text is log entry #" in done.content
    shown = await standin.interact(standin.slash(away, "trivia", {"film": "mask", "number": 1}))
    assert "A corrected global fact about Mask." in shown.embeds[0]["description"]
    assert old not in shown.embeds[0]["description"]

    ask = await standin.interact(
        standin.slash(home, "trivia-admin delete", {"film": "mask", "number": 1}, member=owner)
    )
    message = standin.message(home, ask.data, ephemeral=True)
    gone = await standin.interact(standin.button(home, ask.custom_ids[0], member=owner, message=message))
    assert "Deleted the global fact" in gone.content
    for guild in (home, away):
        shown = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 6}))
        assert "from 1 to 5" in shown.content
    # The server's log holds its own decisions only; the owners' are global (`python -m bot audit`).
    log = await standin.interact(standin.slash(home, "trivia-config log", member=standin.member(permissions=ADMIN)))
    assert log.content == "Nothing in this server's moderation log yet."


async def test_films_of_one_server_stay_in_that_server(standin: DiscordStandIn, start_bot: BotFactory):
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    bot = await start_bot()
    target = await bot.submissions.target("Zardoz (1974)", int(home.id))
    assert target.proposed
    submission, _ = await bot.submissions.submit(
        guild_id=int(home.id), member_id=1, member_name="Fan", target=target, year="1974",
        text="Sean Connery wore the red loincloth for most of the shoot in Ireland.", source=None,
    )  # fmt: skip
    await bot.submissions.approve(submission.id, int(home.id), Reviewer(9, "Mod", True, frozenset()))
    await bot.trivia.titles_settled()  # autocomplete answers from the index being rebuilt until it lands

    def offered(callback: Any) -> list[str]:
        return [choice["name"] for choice in callback.data["choices"]]

    assert offered(await standin.interact(standin.autocomplete(home, "trivia", "film", "zard"))) == ["Zardoz (1974)"]
    assert offered(await standin.interact(standin.autocomplete(away, "trivia", "film", "zard"))) == []
    refused = await standin.interact(standin.slash(away, "trivia", {"film": "Zardoz (1974)"}))
    assert refused.ephemeral
    assert "No film called" in refused.content
    # A server that hid every fact of a film is not offered it; its moderators still find it to unhide.
    moderator = standin.member(permissions=MODERATOR)
    for number in range(1, 7):
        await standin.interact(
            standin.slash(away, "trivia-fact hide", {"film": "mask", "number": number}, member=moderator)
        )
    assert offered(await standin.interact(standin.autocomplete(away, "trivia", "film", "mask"))) == []
    assert "Mask (1985)" in offered(await standin.interact(standin.autocomplete(home, "trivia", "film", "mask")))
    unhide = await standin.interact(
        standin.slash(away, "trivia-fact unhide", {"film": "mask", "number": 4}, member=moderator)
    )
    assert "shown in this server again" in unhide.content
    assert "Mask (1985)" in offered(await standin.interact(standin.autocomplete(away, "trivia", "film", "mask")))


async def test_a_report_card_refused_once_is_retried_and_posted_once_and_a_closed_dm_is_not_retried(
    standin: DiscordStandIn, start_bot: BotFactory
):
    from tests.support.fake_clock import FakeClock

    home = standin.add_guild("Home")
    review_channel = home.add_text_channel("review")
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await bot.submissions.set_review_channel(int(home.id), int(review_channel))
    standin.fail("POST", f"/channels/{review_channel}/messages", 403)  # once
    fan = standin.member(name="Private")
    standin.closed_dms.add(fan["user"]["id"])
    card = await standin.interact(standin.slash(home, "trivia", {"film": "mask", "number": 1}))
    await report(standin, home, card, fan, {"What is wrong": "wrong"})
    await standin.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages")
    cog: Any = bot.get_cog("Submissions")
    await cog.deliver_due()  # the failed attempt is recorded
    assert await cog.deliver_due() == 0  # not due before its backoff
    clock.advance(seconds=31)
    assert await cog.deliver_due() == 1
    (posted,) = standin.created_messages[review_channel]
    assert (await bot.moderation.get_report(1, int(home.id))).review_message_id == int(posted["id"])

    moderator = standin.member(permissions=MODERATOR)
    form = await standin.interact(standin.button(home, "rep:dismiss:1", member=moderator, message=posted))
    await standin.interact(standin.modal_submit(home, form, {}, member=moderator, message=posted))
    await standin.wait_for_dm(fan["user"]["id"])
    await cog.deliver_due()
    clock.advance(days=2)
    assert await cog.deliver_due() == 0
    rows = await bot.store.fetchall("SELECT kind, outcome, attempts FROM outbox WHERE report_id = 1 ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("report_post", "sent", 2),
        ("report_update", "sent", 1),
        ("report_dm", "not sent: DMs closed (403 50007)", 1),
    ]
