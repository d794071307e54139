"""A slash command that waits for the test to let it answer: an interaction under way, on demand.
Loaded only by the shutdown tests (EXTRA_EXTENSIONS=tests.support.gated_cog)."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import TriviaBot


class Gated(commands.Cog):
    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.events: list[str] = []

    @app_commands.command(name="gated", description="Test only: answers when the test says so")
    async def gated(self, interaction: discord.Interaction) -> None:
        self.started.set()
        await self.release.wait()
        await interaction.response.send_message("answered", ephemeral=True)
        self.events.append("answered")
        # after answering, as /trivia records what it showed: the store must still be open
        await self.bot.store.write("INSERT INTO meta (key, value) VALUES ('gated', 'written after answering')")


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Gated(bot))
