"""Forms (modals) open across a restart: the member opened it before, sends it after; the bot still
takes it, because forms are routed by their custom_id, not by an object in the old process's memory."""

from __future__ import annotations

from tests.e2e.conftest import BotFactory, stop_bot
from tests.e2e.test_refusals_e2e import from_a_dm
from tests.support.protocol import Reply
from tests.support.standin import MANAGE_MESSAGES, MEMBER_PERMISSIONS, DiscordStandIn

FACT = "Eric Stoltz spent four hours in the makeup chair for every day of the shoot."
APOLOGY = "Sorry, something went wrong"


async def test_a_submission_form_sent_after_a_restart_is_stored_and_receipted(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member(name="Patient Fan")
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    assert form.type == Reply.MODAL
    await stop_bot(bot)

    restarted = await start_bot()
    receipt = await standin.interact(standin.modal_submit(guild, form, {"The fact": FACT}, member=member))
    assert receipt.ephemeral
    assert "Thanks! Submission **#1** about **Mask (1985)**" in receipt.content
    (stored,) = await restarted.submissions.repo.listing(status=None, guild_id=None)
    assert (stored.text, stored.member_id, stored.film_label) == (FACT, int(member["user"]["id"]), "Mask (1985)")


async def test_a_proposal_form_sent_after_a_restart_keeps_its_title_and_year(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member(name="Cinephile")
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "The Elephant Man"}, member=member))
    assert form.data["title"] == "Propose “The Elephant Man”"
    await stop_bot(bot)

    restarted = await start_bot()
    values = {"The fact": "John Hurt's makeup took seven hours to apply.", "Release year of the film": "1980"}
    receipt = await standin.interact(standin.modal_submit(guild, form, values, member=member))
    assert "about **The Elephant Man (1980)**" in receipt.content
    (stored,) = await restarted.submissions.repo.listing(status="pending", guild_id=int(guild.id))
    assert (stored.proposed_title, stored.proposed_year) == ("The Elephant Man", 1980)


async def test_a_reject_form_sent_after_a_restart_rejects_and_tells_the_member(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member(name="Hopeful")
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    await standin.interact(standin.modal_submit(guild, form, {"The fact": FACT}, member=member))
    moderator = standin.member(permissions=MEMBER_PERMISSIONS | MANAGE_MESSAGES, name="Mod")
    message = standin.message(guild)
    reject = await standin.interact(standin.button(guild, "review:reject:1", member=moderator, message=message))
    assert reject.type == Reply.MODAL
    await stop_bot(bot)

    await start_bot()
    values = {"Reason (sent to the member)": "Please add a source."}
    rejected = await standin.interact(standin.modal_submit(guild, reject, values, member=moderator, message=message))
    assert rejected.type == Reply.UPDATE_MESSAGE
    await standin.wait_for_dm(member["user"]["id"])
    (dm,) = standin.dms_to(member["user"]["id"])
    assert "Reason: Please add a source." in dm["content"]


async def test_a_form_for_a_film_that_does_not_exist_is_refused_and_stores_nothing(
    standin: DiscordStandIn, start_bot: BotFactory
):
    """A hand-made form submission naming a film id that is not in the catalog (or past 64 bits)."""
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member()
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    for film_id in ("999999", str(2**63)):
        forged = type(form)(form.type, {**form.data, "custom_id": f"submit:film:{film_id}"})
        reply = await standin.interact(standin.modal_submit(guild, forged, {"The fact": FACT}, member=member))
        assert reply.ephemeral
        assert APOLOGY not in reply.content
        assert "not in the catalog" in reply.content
    assert await bot.submissions.repo.listing(status=None, guild_id=None) == []


async def test_a_form_sent_from_a_dm_is_refused(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member()
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    payload = from_a_dm(standin.modal_submit(guild, form, {"The fact": FACT}, member=member), member)
    reply = await standin.interact(payload)
    assert reply.ephemeral
    assert "only works in a server" in reply.content
    assert await bot.submissions.repo.listing(status=None, guild_id=None) == []


async def test_a_form_from_before_forms_were_routed_hands_the_text_back(standin: DiscordStandIn, start_bot: BotFactory):
    """A form an older version opened (discord.py's random custom_id, kept only in that process)."""
    guild = standin.add_guild()
    bot = await start_bot()
    member = standin.member()
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    old = type(form)(form.type, {**form.data, "custom_id": "3f2a9c0e5b7d41e8a6c4f0b2d9e7a1c3"})
    reply = await standin.interact(standin.modal_submit(guild, old, {"The fact": FACT}, member=member))
    assert reply.ephemeral
    assert "opened before the bot restarted" in reply.content
    assert f"```\n{FACT}\n```" in reply.content
    assert await bot.submissions.repo.listing(status=None, guild_id=None) == []
