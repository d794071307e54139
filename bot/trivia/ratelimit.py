"""Per-member rate limits, so one member cannot flood a channel with trivia. Time comes from an
injected clock (seconds), like everything else that waits."""

from __future__ import annotations

import math
from collections import OrderedDict
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
    """At most `uses` within any `per` seconds for each key (a sliding window).

    O(1) per hit with bounded memory: keys are kept in order of their last counted use, so the ones
    whose last use left the window are all at the front and are dropped a few at a time as hits
    arrive; a key holds at most `uses` instants; and past `max_keys` (a burst of that many members in
    one window) the least recently counted key is forgotten, which can only ever let that member
    through early, never refuse anyone wrongly."""

    def __init__(self, uses: int, per: float, clock: Callable[[], float], *, max_keys: int = 20_000) -> None:
        self.uses = uses
        self.per = per
        self.clock = clock
        self.max_keys = max_keys
        # Each key's instants as a tuple, replaced on every hit: a tuple of floats is dropped from the
        # cyclic collector's sight after one look, where 20,000 lists would be walked by every full
        # collection (which stalls the event loop for as long as it takes).
        self._hits: OrderedDict[Hashable, tuple[float, ...]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._hits)

    def hit(self, key: Hashable) -> None:
        """Counts one use, or raises RateLimited (counting nothing) when the key is over its limit."""
        now = self.clock()
        window = self._hits.get(key, ())
        start = 0
        while start < len(window) and now - window[start] >= self.per:
            start += 1  # at most `uses` entries: constant
        window = window[start:]
        if len(window) >= self.uses:
            self._hits[key] = window
            raise RateLimited(self.per - (now - window[0]))
        self._hits[key] = (*window, now)
        self._hits.move_to_end(key)
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drops keys from the front while their last use is outside the window (each key is dropped
        once, so this is O(1) amortised), then any beyond `max_keys`."""
        hits = self._hits
        while hits:
            oldest = next(iter(hits.values()))
            if oldest and now - oldest[-1] < self.per:
                break
            hits.popitem(last=False)
        while len(hits) > self.max_keys:
            hits.popitem(last=False)
