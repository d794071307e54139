"""A do-nothing slash command: the baseline `/trivia` is compared with end to end, answered by the
same bot in the same run. Loaded only by the benchmark (EXTRA_EXTENSIONS=bench.noop)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands


class Noop(commands.Cog):
    @app_commands.command(name="noop", description="Benchmark baseline: answers at once")
    async def noop(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Noop())
