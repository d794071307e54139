"""Per-member rate limits, so one member cannot flood a channel with trivia. Time comes from an
injected clock (seconds), like everything else that waits."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable

from bot.trivia.errors import TriviaError


class RateLimited(TriviaError):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"Slow down a little: you can ask again in {max(1, math.ceil(retry_after))} s.")


def parse_rate(text: str) -> tuple[int, float]:
    """ "5/30" -> 5 uses per 30 seconds."""
    uses, _, per = text.partition("/")
    try:
        count, seconds = int(uses), float(per)
    except ValueError:
        raise ValueError(f"a rate is written USES/SECONDS, like 5/30, not {text!r}") from None
    if count < 1 or seconds <= 0:
        raise ValueError(f"a rate needs at least 1 use over more than 0 seconds, not {text!r}")
    return count, seconds


class RateLimit:
    """At most `uses` within any `per` seconds for each key (a sliding window)."""

    def __init__(self, uses: int, per: float, clock: Callable[[], float]) -> None:
        self.uses = uses
        self.per = per
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}

    def hit(self, key: Hashable) -> None:
        """Counts one use, or raises RateLimited (counting nothing) when the key is over its limit."""
        now = self.clock()
        window = self._hits.setdefault(key, deque())
        while window and now - window[0] >= self.per:
            window.popleft()
        if len(window) >= self.uses:
            raise RateLimited(self.per - (now - window[0]))
        window.append(now)
        if len(self._hits) > 10_000:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Keys whose last use is outside the window hold nothing worth keeping."""
        for key in [k for k, w in self._hits.items() if not w or now - w[-1] >= self.per]:
            del self._hits[key]
