"""Issue #9, titles read right through the real client: a slip is forgiven, a different word is not, a proposed
"Title (Year)" is not doubled, and editing with a long film title never moves a fact to another film."""

from __future__ import annotations

from bot.db.catalog import CatalogRepository
from bot.trivia.records import FactRecord, FilmRecord
from tests.e2e.conftest import BotFactory
from tests.e2e.test_submissions_e2e import FACT, review_buttons, submit
from tests.support.standin import MANAGE_MESSAGES, MEMBER_PERMISSIONS, DiscordStandIn


async def test_other_words_get_no_film_called_and_a_slip_finds_mask(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()

    for word in ("Mash", "Task", "Musk", "Mark"):
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": word}))
        assert reply.ephemeral, word
        assert not reply.embeds
        assert reply.content.startswith(f"No film called “{word}” in the catalog. Did you mean **Mask (1985)**")
    slip = await standin.interact(standin.slash(guild, "trivia", {"film": "Maks"}))
    assert slip.embeds[0]["title"] == "Mask (1985)"


async def test_submitting_for_a_different_word_proposes_that_film(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()
    member = standin.member(name="Hawkeye Fan")

    modal, receipt = await submit(
        standin, guild, member, "Mash", {"The fact": FACT, "Release year of the film": "1970"}
    )
    assert modal.data["title"] == "Propose “Mash”"
    assert "about **Mash (1970)**" in receipt.content


async def test_a_proposed_title_with_its_year_is_not_given_the_year_twice(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    await start_bot()
    member = standin.member(name="Zed")

    modal, receipt = await submit(standin, guild, member, "Zardoz (1974)", {"The fact": FACT})
    assert modal.data["title"] == "Propose “Zardoz”"
    year = next(
        c for row in modal.data["components"] for c in row["components"] if c["label"] == "Release year of the film"
    )
    assert year["value"] == "1974"  # read from the title, prefilled
    assert "about **Zardoz (1974)**" in receipt.content
    assert "(1974) (1974)" not in receipt.content


async def test_edit_and_approve_with_a_long_film_title_keeps_the_fact_on_its_film(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot()
    long_title = "The Extraordinarily Long Adventures of " + "Somebody Somewhere " * 4 + "and Friends Forever"
    assert len(long_title) > 100
    shorter = long_title[:99]  # what the edit form's film field shows, less its "…"
    await CatalogRepository(bot.store).import_films(
        [
            FilmRecord(long_title, 2000, facts=[FactRecord("The long one.")]),
            FilmRecord(shorter, 2001, facts=[FactRecord("The other one.")]),
        ]
    )
    bot.trivia.titles_changed()
    member = standin.member(name="Longfellow")
    moderator = standin.member(permissions=MEMBER_PERMISSIONS | MANAGE_MESSAGES, name="Mod")
    _, receipt = await submit(standin, guild, member, f"{long_title} (2000)", {"The fact": FACT})
    assert "#1" in receipt.content

    queue = await standin.interact(standin.slash(guild, "trivia-review", member=moderator))
    edit = await standin.interact(
        standin.button(guild, review_buttons(queue.message)["Edit"], member=moderator, message=queue.message)
    )
    await standin.interact(standin.modal_submit(guild, edit, {}, member=moderator, message=queue.message))

    film_id = (await bot.trivia.resolve(f"{long_title} (2000)")).film_id
    rows = await bot.store.fetchall("SELECT film_id FROM facts WHERE text = ?", (FACT,))
    assert [r[0] for r in rows] == [film_id]
