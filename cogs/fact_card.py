"""How a fact looks in Discord (the embed) and its "Another fact" button, shared by every cog that shows facts.

Not an extension: imported by the cogs that need it.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.trivia.display import FactCard, credit_text
from bot.trivia.errors import TriviaError, check_row_id
from bot.trivia.moderation import MAX_DETAILS
from cogs.kit import (
    DESCRIPTION_LIMIT,
    FOOTER_LIMIT,
    MODAL_TITLE_LIMIT,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    Interaction,
    ReportingItem,
    clip,
    safe,
)

EMBED_COLOUR = discord.Colour.from_rgb(201, 151, 0)
SPOILER_NOTE = "⚠️ **Spoiler** (click to reveal)\n"
REPORT_FORM_TITLE = "Report this fact"
SOURCE_SHOWN = 500  # a source is a link or a citation; more is noise under the fact


def fact_embed(card: FactCard, *, heading: str | None = None) -> discord.Embed:
    """Every part is clipped to its own limit, and the fact's text to what the 6,000-character total
    leaves after the rest: Discord rejects an embed over any of them, whole."""
    title = safe(card.film_label) if heading is None else f"{heading}: {safe(card.film_label)}"
    credit = credit_text(safe(card.credit) if card.credit else None, imported=card.imported)
    credit_line = f"\n\n— *{clip(credit, 300)}*" if credit else ""
    embed = discord.Embed(title=clip(title, TITLE_LIMIT), colour=EMBED_COLOUR)
    if card.source:
        embed.add_field(name="Source", value=clip(safe(card.source), SOURCE_SHOWN), inline=False)
    embed.set_footer(text=clip(f"{clip(card.section, 100)} · {card.counter}", FOOTER_LIMIT))
    room = min(DESCRIPTION_LIMIT, TOTAL_LIMIT - len(embed)) - len(credit_line)
    if card.spoiler:  # behind Discord's spoiler markup, with a note saying why it is covered
        room -= len(SPOILER_NOTE) + 4
        embed.description = f"{SPOILER_NOTE}||{clip(safe(card.text), room)}||{credit_line}"
    else:
        embed.description = clip(safe(card.text), room) + credit_line
    return embed


class AnotherFactButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"trivia:another:(?P<film_id>[0-9]{1,19})(?P<reply>:r)?",
):
    """The film id lives in the custom_id, so the button works after a restart with no stored view.

    On a /trivia card the next fact replaces the card (a double click cannot flood the channel); on a
    daily post (`:r`) it comes as a new message, so the fact of the day stays where it was posted.
    """

    def __init__(self, film_id: int, *, reply: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Another fact",
                emoji="🎬",
                style=discord.ButtonStyle.secondary,
                custom_id=self.custom_id_for(film_id, reply=reply),
            )
        )
        self.film_id = film_id
        self.reply = reply

    @staticmethod
    def custom_id_for(film_id: int, *, reply: bool = False) -> str:
        return f"trivia:another:{film_id}{':r' if reply else ''}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnotherFactButton:
        return cls(int(match["film_id"]), reply=bool(match["reply"]))

    async def run(self, interaction: Interaction) -> None:
        check_row_id(self.film_id, "film")
        interaction.client.lookup_limit.hit(interaction.user.id)
        shown = await interaction.client.trivia.card_for_film(
            self.film_id, guild_id=interaction.guild_id, channel_id=interaction.channel_id
        )
        answer = interaction.response.send_message if self.reply else interaction.response.edit_message
        await answer(embed=fact_embed(shown.card), view=card_view(shown.card))
        await shown.remember()  # after answering: the member never waits for the write


def card_view(card: FactCard, *, reply: bool = False) -> discord.ui.View:
    """A card's two buttons, Another fact and Report: what `static_view` of the two DynamicItems sends, made
    from the buttons' serialised form (`_CARD_BUTTONS`) with only the custom_ids filled in: building the
    DynamicItems and their Buttons for every card cost more than reading a film's facts (bench/)."""
    another, report = _CARD_BUTTONS
    return _SentComponents([{"type": 1, "components": [
        {**another, "custom_id": AnotherFactButton.custom_id_for(card.film_id, reply=reply)},
        {**report, "custom_id": ReportButton.custom_id_for(card.fact_id)},
    ]}])  # fmt: skip


class _SentComponents(discord.ui.View):
    """A view that is only sent: its components as Discord receives them. Presses are routed by
    custom_id to the DynamicItems (registered by the cogs), so no item objects are needed here, and
    it is stopped at once, so discord.py does not keep it (see `static_view`)."""

    def __init__(self, components: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._components = components
        self.stop()

    def to_components(self) -> list[dict[str, Any]]:
        return self._components


class ReportButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"trivia:report:(?P<fact_id>[0-9]{1,19})",
):
    """Opens the report form for the fact on the card; the fact id rides in the custom_id (and in the
    form's), so both work after a restart."""

    def __init__(self, fact_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report", emoji="🚩", style=discord.ButtonStyle.secondary, custom_id=self.custom_id_for(fact_id)
            )
        )
        self.fact_id = fact_id

    @staticmethod
    def custom_id_for(fact_id: int) -> str:
        return f"trivia:report:{fact_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReportButton:
        return cls(int(match["fact_id"]))

    async def run(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            raise TriviaError("Reports can only be sent from a server.")
        check_row_id(self.fact_id, "fact")
        fact = await interaction.client.moderation.reportable(interaction.guild_id, self.fact_id)
        await interaction.response.send_modal(report_form(self.fact_id, fact.film_label))


def report_form(fact_id: int, film_label: str) -> discord.ui.Modal:
    """Stopped before sending: its answer is routed by its custom_id (cogs/moderation.py)."""
    modal = discord.ui.Modal(
        title=clip(f"Report a fact: {film_label}", MODAL_TITLE_LIMIT), custom_id=f"report:{fact_id}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="What is wrong",
            custom_id="kind",
            default="wrong",
            required=False,
            max_length=20,
            placeholder="wrong, spoiler, offensive, duplicate or other",
        )
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Details (optional)",
            custom_id="details",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_DETAILS,
            placeholder="What should it say, or where is it wrong?",
        )
    )
    modal.stop()
    return modal


# What each card button looks like on the wire, from the DynamicItems themselves (one source for
# label, emoji and style); `card_view` copies these with the card's custom_ids.
_CARD_BUTTONS = (AnotherFactButton(0).to_component_dict(), ReportButton(0).to_component_dict())
