"""What bench/quiz.py needs inside the bot process, loaded only by it (EXTRA_EXTENSIONS=bench.quiz_probe):
the quiz's clock made movable, the answer button's handler timed, and `/quiz-bench` to drive both.

`/quiz-bench action:tick seconds:N` moves the quiz's clock N seconds and runs one loop tick (the loop
itself is slowed to QUIZ_TICK_SECONDS=3600 by the benchmark); `action:timings` answers with the handler
times recorded since the last call, as JSON: per press, the whole callback and the part of it spent
waiting for the reply's HTTP round trip (to the stand-in, which shares the machine), in ms.
"""

from __future__ import annotations

import contextvars
import json
import sys
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from tests.support.fake_clock import FakeClock

_network: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("network", default=None)


class QuizProbe(commands.Cog):
    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.clock = FakeClock(bot.clock())
        bot.quiz.clock = self.clock
        self.samples: list[tuple[float, float]] = []
        samples = self.samples
        button = sys.modules["cogs.quiz"].AnswerButton  # as load_extension executed it
        original = button.callback

        async def timed(item: Any, interaction: discord.Interaction) -> None:
            network = [0.0]
            _network.set(network)
            start = time.perf_counter()
            await original(item, interaction)
            samples.append(((time.perf_counter() - start) * 1000, network[0]))

        button.callback = timed
        send = discord.InteractionResponse.send_message

        async def send_message(response: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await send(response, *args, **kwargs)
            finally:
                spent = _network.get()
                if spent is not None:
                    spent[0] += (time.perf_counter() - start) * 1000

        discord.InteractionResponse.send_message = send_message  # type: ignore[method-assign]

    @app_commands.command(name="quiz-bench", description="Benchmark only: move the quiz clock and tick, or timings")
    async def quiz_bench(self, interaction: discord.Interaction, action: str, seconds: int = 0) -> None:
        if action == "tick":
            self.clock.advance(seconds=seconds)
            start = time.perf_counter()
            await self.bot.get_cog("Quiz").tick()
            await interaction.response.send_message(json.dumps({"tick_ms": (time.perf_counter() - start) * 1000}))
        else:
            taken = list(self.samples)
            self.samples.clear()
            await interaction.response.send_message(json.dumps(taken))


async def setup(bot: Any) -> None:
    await bot.add_cog(QuizProbe(bot))
