"""How a fact looks in Discord (the embed) and its "Another fact" button, shared by every cog that shows facts.

Not an extension: imported by the cogs that need it.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.trivia.display import FactCard, credit_text
from bot.trivia.errors import check_row_id
from cogs.kit import (
    DESCRIPTION_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    Interaction,
    ReportingItem,
    clip,
    safe,
    static_view,
)

EMBED_COLOUR = discord.Colour.from_rgb(201, 151, 0)
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
                custom_id=f"trivia:another:{film_id}{':r' if reply else ''}",
            )
        )
        self.film_id = film_id
        self.reply = reply

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnotherFactButton:
        return cls(int(match["film_id"]), reply=bool(match["reply"]))

    async def run(self, interaction: Interaction) -> None:
        check_row_id(self.film_id, "film")
        interaction.client.lookup_limit.hit(interaction.user.id)
        shown = await interaction.client.trivia.pick(
            self.film_id, guild_id=interaction.guild_id, channel_id=interaction.channel_id
        )
        answer = interaction.response.send_message if self.reply else interaction.response.edit_message
        await answer(embed=fact_embed(shown.card), view=fact_view(shown.card.film_id))
        await shown.remember()  # after answering: the member never waits for the write


def fact_view(film_id: int, *, reply: bool = False) -> discord.ui.View:
    return static_view(AnotherFactButton(film_id, reply=reply))
