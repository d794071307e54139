"""/trivia: look a film up (autocompleted, typo-tolerant) and show one of its facts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.trivia.titles import MAX_QUERY_LENGTH
from cogs.fact_card import AnotherFactButton, ReportButton, card_view, fact_embed
from cogs.kit import film_choices

if TYPE_CHECKING:
    from bot.app import TriviaBot


class Lookup(commands.Cog):
    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnotherFactButton, ReportButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnotherFactButton, ReportButton)

    @app_commands.command(name="trivia", description="A behind-the-scenes fact about a film")
    @app_commands.describe(
        film="The film's title; typos and “Title (Year)” are fine",
        number="Show fact number n instead of a random one",
    )
    async def trivia(
        self,
        interaction: discord.Interaction,
        film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000] | None = None,
    ) -> None:
        assert interaction.channel_id is not None
        self.bot.lookup_limit.hit(interaction.user.id)
        shown = await self.bot.trivia.card_for_title(
            film, guild_id=interaction.guild_id, channel_id=interaction.channel_id, number=number
        )
        # Answer first, then note what the channel was shown: the member never waits for the write.
        await interaction.response.send_message(embed=fact_embed(shown.card), view=card_view(shown.card))
        await shown.remember()

    @trivia.autocomplete("film")
    async def film_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await film_choices(self.bot, current, interaction.guild_id, warm_channel=interaction.channel_id)


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Lookup(bot))
