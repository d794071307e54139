"""The per-channel record of facts /trivia has shown, so random picks cycle through a film's facts.

Read together with the film's facts (CatalogRepository.film_facts); written here, in batches, behind
the answers (bot/services/recently_shown.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.store import Store

_INSERT = "INSERT OR REPLACE INTO channel_shown (channel_id, film_id, fact_id, shown_at) VALUES (?, ?, ?, ?)"


@dataclass(frozen=True, slots=True)
class ShownRow:
    channel_id: int
    film_id: int
    fact_id: int
    shown_at: str
    new_cycle: bool  # the channel had seen every fact: its record for the film starts over with this one

    @property
    def params(self) -> tuple[int, int, int, str]:
        return self.channel_id, self.film_id, self.fact_id, self.shown_at


class ShownRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, channel_id: int, film_id: int, fact_id: int, shown_at: str, *, new_cycle: bool) -> None:
        await self.record_batch([ShownRow(channel_id, film_id, fact_id, shown_at, new_cycle)])

    async def record_batch(self, rows: Sequence[ShownRow]) -> None:
        """In order, in one transaction; consecutive plain records go in one statement. REPLACE gives
        a row a new id, which is what orders "shown last"."""
        async with self.store.transaction() as conn:
            plain: list[tuple[int, int, int, str]] = []
            for row in rows:
                if not row.new_cycle:
                    plain.append(row.params)
                    continue
                if plain:
                    await conn.executemany(_INSERT, plain)
                    plain = []
                await conn.execute(
                    "DELETE FROM channel_shown WHERE channel_id = ? AND film_id = ?", (row.channel_id, row.film_id)
                )
                await conn.execute(_INSERT, row.params)
            if plain:
                await conn.executemany(_INSERT, plain)
