"""Which fact to show next: random, but a channel sees every fact of a film before any repeats."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pick:
    fact_id: int
    new_cycle: bool  # every fact had been seen: the channel's record for these facts starts over


def pick_unseen(fact_ids: Sequence[int], seen: Collection[int], last: int | None, rng: random.Random) -> Pick:
    """A fresh cycle never starts with the fact just shown, so "another fact" always changes."""
    if not fact_ids:
        raise ValueError("no facts to pick from")
    unseen = [f for f in fact_ids if f not in seen]
    if unseen:
        return Pick(rng.choice(unseen), new_cycle=False)
    candidates = [f for f in fact_ids if f != last] or list(fact_ids)
    return Pick(rng.choice(candidates), new_cycle=True)
