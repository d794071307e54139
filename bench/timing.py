"""Small helpers shared by the benchmark scripts: percentiles and a plain-text table."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def measure(
    run: Callable[[], Awaitable[object]], repeat: int, before: Callable[[], Awaitable[object]] | None = None
) -> list[float]:
    """Milliseconds per call; `before` (untimed) resets state between calls."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            await before()
        start = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float, float]:
    return percentile(samples, 50), percentile(samples, 99), statistics.fmean(samples)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = lambda cells: "| " + " | ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


class LoopLag:
    """The event loop's worst stall while the block runs: a timer task asks to wake every `interval`
    and notes how late it woke. A late wake-up is time every coroutine (heartbeats, interactions)
    waited too.

        async with LoopLag() as lag:
            await work()
        lag.worst_ms
    """

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.worst_ms = 0.0
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    async def _probe(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = (time.perf_counter() - start - self.interval) * 1000
            self.worst_ms = max(self.worst_ms, late)
            self.samples += 1

    def start(self) -> None:
        self._task = asyncio.create_task(self._probe(), name="loop-lag-probe")

    def reset(self) -> float:
        """The worst stall so far, and start over."""
        worst, self.worst_ms, self.samples = self.worst_ms, 0.0, 0
        return worst

    async def __aenter__(self) -> LoopLag:
        self.start()
        await asyncio.sleep(0)  # the probe is running before the work starts
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        await asyncio.sleep(self.interval * 2)  # a stall at the very end is noticed too
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
