"""The /trivia cog with discord objects mocked; the store and service underneath are real."""

from __future__ import annotations

import random
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.app import TriviaBot
from bot.db.store import Store
from bot.services.trivia import TriviaService
from bot.trivia.display import FactCard
from bot.trivia.errors import FilmNotFound, TriviaError
from bot.trivia.ratelimit import RateLimit
from cogs.fact_card import AnotherFactButton, ReportButton, card_view, fact_embed
from cogs.kit import APOLOGY, describe_error, report_interaction_error, static_view
from cogs.lookup import Lookup


def interaction(guild_id: int | None = 1, channel_id: int = 2) -> MagicMock:
    mock = MagicMock(spec=discord.Interaction)
    mock.guild_id = guild_id
    mock.channel_id = channel_id
    mock.user = MagicMock(spec=discord.Member)
    mock.user.id = 42
    mock.response = MagicMock()
    mock.response.send_message = AsyncMock()
    mock.response.edit_message = AsyncMock()
    mock.response.is_done = MagicMock(return_value=False)
    mock.followup = MagicMock()
    mock.followup.send = AsyncMock()
    return mock


@pytest.fixture
async def cog(seeded_store: Store) -> Lookup:
    store = seeded_store
    bot = MagicMock(spec=TriviaBot)  # spec'd: a misspelt attribute fails instead of silently "working"
    bot.trivia = TriviaService(store, rng=random.Random(2))
    bot.lookup_limit = RateLimit(2, 30.0, lambda: 0.0)  # the real limiter, on a clock that stands still
    return Lookup(bot)


async def test_trivia_posts_a_public_card_with_an_another_fact_button(cog: Lookup):
    inter = interaction()
    await cog.trivia.callback(cog, inter, "mask", 2)

    kwargs = inter.response.send_message.call_args.kwargs
    assert "ephemeral" not in kwargs
    embed: discord.Embed = kwargs["embed"]
    assert embed.title == "Mask (1985)"
    assert embed.description is not None
    assert embed.description == "Rob Lowe was nearly cast as Rocky Dennis.\n\n— *Contributed by Dominic*"
    assert embed.footer.text == "Behind The Scenes · fact 2 of 6"
    # The buttons as Discord receives them: one row, Another fact then Report.
    [row] = kwargs["view"].to_components()
    button, report = row["components"]
    film_id = (await cog.bot.trivia.resolve("mask")).film_id
    assert (button["label"], button["custom_id"]) == ("Another fact", f"trivia:another:{film_id}")
    assert report["label"] == "Report"
    assert report["custom_id"].startswith("trivia:report:")
    assert kwargs["view"].is_finished()  # sent and forgotten: discord.py keeps no view per card


@pytest.mark.parametrize("reply", [False, True])
async def test_a_cards_buttons_are_what_its_dynamic_items_send_and_route(reply: bool):
    """card_view writes the buttons' wire form itself; it must match the DynamicItems' own, and each
    custom_id must come back to the DynamicItem that handles the press (after a restart too)."""
    card = FactCard(film_id=2**63 - 1, film_title="Mask", film_year=1985, fact_id=77, text="t", section="s",
                    credit=None, source=None, position=1, total=1)  # fmt: skip
    sent = card_view(card, reply=reply).to_components()
    items = static_view(AnotherFactButton(card.film_id, reply=reply), ReportButton(card.fact_id))
    assert sent == items.to_components()
    another, report = sent[0]["components"]
    assert AnotherFactButton(1).template.fullmatch(another["custom_id"])
    assert ReportButton(1).template.fullmatch(report["custom_id"])


async def test_unknown_film_propagates_a_domain_error_for_the_handler(cog: Lookup):
    with pytest.raises(FilmNotFound):
        await cog.trivia.callback(cog, interaction(), "zzzz", None)


async def test_autocomplete_offers_labels_as_choices(cog: Lookup):
    choices = await cog.film_autocomplete(interaction(), "ma")
    assert [(c.name, c.value) for c in choices] == [("Mask (1985)", "Mask (1985)")]


async def test_the_button_edits_the_card_in_place(cog: Lookup):
    inter = interaction()
    inter.client = cog.bot
    film_id = (await cog.bot.trivia.resolve("mask")).film_id
    await AnotherFactButton(film_id).callback(inter)
    kwargs = inter.response.edit_message.call_args.kwargs
    assert kwargs["embed"].title == "Mask (1985)"


async def test_errors_become_ephemeral_replies_and_bugs_an_apology(caplog: pytest.LogCaptureFixture):
    inter = interaction()
    await report_interaction_error(inter, FilmNotFound("zzzz", []))
    args, kwargs = inter.response.send_message.call_args
    assert kwargs["ephemeral"] is True
    assert args[0].startswith("No film called “zzzz”")

    inter = interaction()
    inter.command = None
    await report_interaction_error(inter, KeyError("bug"))
    assert inter.response.send_message.call_args.args[0] == APOLOGY
    assert "unhandled error" in caplog.text

    done = interaction()
    done.response.is_done.return_value = True
    await report_interaction_error(done, FilmNotFound("x", []))
    assert done.followup.send.call_args.kwargs["ephemeral"] is True


def test_permission_errors_name_the_permission():
    error = discord.app_commands.MissingPermissions(["manage_guild"])
    assert describe_error(error) == "You need the **Manage Server** permission to do that."


def test_hostile_text_never_breaks_the_embed_or_looks_like_a_mention():
    hostile = "@everyone <@&123> **bold** `code` ||spoiler|| " + "x" * 10_000
    card = FactCard(1, "T" * 300, 1999, 1, hostile, "Deleted Scenes", "@here " + "n" * 500, "s" * 2000, 1, 1)
    embed = fact_embed(card)
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert len(embed) <= 6000
    assert "@everyone" not in (embed.description or "")
    assert "@here" not in (embed.description or "")
    assert "\\*\\*bold\\*\\*" in (embed.description or "")


async def test_the_cog_applies_the_members_rate_limit(cog: Lookup):
    for _ in range(2):
        await cog.trivia.callback(cog, interaction(), "mask", None)
    with pytest.raises(TriviaError, match="Slow down"):
        await cog.trivia.callback(cog, interaction(), "mask", None)
