"""/trivia through the real discord.py client, over loopback, from login to the message the member sees."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.e2e.conftest import BotFactory, stop_bot
from tests.seed_expectations import credit_for
from tests.support.fake_clock import FakeClock
from tests.support.protocol import Reply
from tests.support.standin import DiscordStandIn

CARD = re.compile(r"^(?P<text>.*)\n\n— \*(?P<credit>.*)\*$", re.DOTALL)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


async def test_bot_logs_in_and_syncs_trivia_with_autocomplete(standin: DiscordStandIn, start_bot: BotFactory):
    standin.add_guild()
    await start_bot()

    trivia = next(c for c in standin.commands["global"] if c["name"] == "trivia")
    film = next(o for o in trivia["options"] if o["name"] == "film")
    assert film["autocomplete"] is True
    assert film["required"] is True
    assert any(o["name"] == "number" and not o.get("required") for o in trivia["options"])


async def test_trivia_mask_answers_with_a_seed_fact_and_credit(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()

    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))

    assert reply.type == Reply.MESSAGE
    assert not reply.ephemeral
    (embed,) = reply.embeds
    assert embed["title"] == "Mask (1985)"
    card = CARD.match(embed["description"])
    assert card, embed["description"]
    credit = credit_for(unescape(card["text"]))
    assert card["credit"] == ("From the Rewind Archive" if credit == "Rewind Archive" else f"Contributed by {credit}")
    assert embed["footer"]["text"].endswith(" of 6")
    assert reply.custom_ids
    assert reply.custom_ids[0].startswith("trivia:another:")
    assert reply.data["allowed_mentions"] == {"parse": []}


async def test_each_seed_fact_carries_the_credit_written_above_it_on_the_page(
    standin: DiscordStandIn, start_bot: BotFactory
):
    """Issue #9: on the site an attribution line comes before the fact it credits."""
    guild = standin.add_guild()
    await start_bot()

    shown = []
    for number in range(1, 7):
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": number}))
        (embed,) = reply.embeds
        card = CARD.match(embed["description"])
        assert card, embed["description"]
        shown.append((unescape(card["text"])[:40], card["credit"]))
        assert embed["footer"]["text"] == f"Behind The Scenes · fact {number} of 6"

    assert shown == [
        ("The completely convincing makeup for the", "From the Rewind Archive"),
        ("Rob Lowe was nearly cast as Rocky Dennis", "Contributed by Dominic"),
        ("Rusty and I used to hang around together", 'Contributed by Jeremy "Joker" Brent'),
        ("Sam Elliot, the tough chopper riding sta", "Contributed by Brian"),
        ("I heard from the casting agent of Mask t", "Contributed by politeintruder"),
        ('The camp that Rocky went to to "get away', "Contributed by Michele L. V."),
    ]


async def test_autocomplete_for_ma_offers_mask_1985(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()

    reply = await standin.interact(standin.autocomplete(guild, "trivia", "film", "ma"))

    assert reply.type == Reply.AUTOCOMPLETE_RESULT
    assert reply.data["choices"][0] == {"name": "Mask (1985)", "value": "Mask (1985)"}


async def test_unknown_film_is_answered_ephemerally(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()

    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "zzzz"}))

    assert reply.type == Reply.MESSAGE
    assert reply.ephemeral
    assert "No film called “zzzz”" in reply.content
    assert not reply.embeds


async def test_another_fact_button_shows_a_different_fact_even_after_a_restart(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    bot = await start_bot()
    first = await standin.interact(standin.slash(guild, "trivia", {"film": "Mask (1985)"}))
    button = first.custom_ids[0]

    second = await standin.interact(standin.button(guild, button))
    assert second.type == Reply.UPDATE_MESSAGE  # the card is edited in place
    assert second.embeds[0]["description"] != first.embeds[0]["description"]

    await bot.close()
    await start_bot()
    syncs = [r for r in standin.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(syncs) == 1  # definitions unchanged: the restart did not sync again

    third = await standin.interact(standin.button(guild, button))
    assert third.type == Reply.UPDATE_MESSAGE
    assert third.embeds[0]["title"] == "Mask (1985)"
    seen = {first.embeds[0]["description"], second.embeds[0]["description"], third.embeds[0]["description"]}
    assert len(seen) == 3  # the channel's record survives the restart too


async def test_fact_number_out_of_range_is_ephemeral_and_helpful(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot()

    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 7}))

    assert reply.ephemeral
    assert "from 1 to 6" in reply.content


async def test_dev_guild_gets_the_commands_directly(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    await start_bot(dev_guild_id=int(guild.id))

    syncs = [r for r in standin.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert [r.path.split("/guilds/")[-1] for r in syncs] == [f"{guild.id}/commands"]
    assert "global" not in standin.commands
    assert {c["name"] for c in standin.commands[guild.id]} == {
        "trivia",
        "trivia-daily",
        "trivia-submit",
        "trivia-review",
        "trivia-config",
        "trivia-quiz",
        "trivia-fact",
        "trivia-admin",
    }
    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "maks"}))
    assert reply.embeds[0]["title"] == "Mask (1985)"


async def test_one_member_cannot_flood_a_channel_with_trivia(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    await start_bot(clock=clock, lookup_rate=(2, 60.0))
    eager = standin.member(name="Eager")

    first = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}, member=eager))
    await standin.interact(standin.button(guild, first.custom_ids[0], member=eager))
    refused = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}, member=eager))
    assert refused.ephemeral
    assert refused.content == "Slow down a little: you can ask again in 60 s."
    pressed = await standin.interact(standin.button(guild, first.custom_ids[0], member=eager))
    assert pressed.ephemeral

    other = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
    assert not other.ephemeral
    clock.advance(seconds=60)
    again = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}, member=eager))
    assert not again.ephemeral


async def test_what_a_channel_was_shown_survives_a_restart(standin: DiscordStandIn, start_bot: BotFactory):
    """The channel records are written behind the answers; shutting down writes the ones waiting,
    so after a restart the channel still sees every fact before a repeat. After the restart the member
    types the film as Discord's client sends it (autocomplete as they type, then the command), so the
    film is read ahead with the channel's record from the store."""
    guild = standin.add_guild()
    bot = await start_bot()
    texts = []
    for _ in range(3):
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
        texts.append(reply.embeds[0]["description"])
    await stop_bot(bot)
    await start_bot()
    for _ in range(3):
        for typed in ("ma", "mas", "mask"):
            offered = await standin.interact(standin.autocomplete(guild, "trivia", "film", typed))
            assert offered.data["choices"][0]["value"] == "Mask (1985)"
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "Mask (1985)"}))
        texts.append(reply.embeds[0]["description"])
    assert len(set(texts)) == 6
