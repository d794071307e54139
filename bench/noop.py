"""Benchmark helpers inside the real bot, loaded only by the benchmark (EXTRA_EXTENSIONS=bench.noop):
a do-nothing slash command, the baseline `/trivia` is compared with end to end (same bot, same run),
and `/bench-lag`, which answers with the event loop's worst stall (ms) since it was last asked."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bench.timing import LoopLag


class Noop(commands.Cog):
    def __init__(self) -> None:
        self.lag = LoopLag()

    async def cog_load(self) -> None:
        self.lag.start()

    @app_commands.command(name="noop", description="Benchmark baseline: answers at once")
    async def noop(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    @app_commands.command(name="bench-lag", description="Benchmark: the worst event-loop stall since last asked")
    async def bench_lag(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"{self.lag.reset():.3f}")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Noop())
