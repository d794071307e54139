"""The per-channel record of facts /trivia has shown, so random picks cycle through a film's facts.

Read together with the film's facts (CatalogRepository.film_facts); written here."""

from __future__ import annotations

from bot.db.store import Store


class ShownRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, channel_id: int, film_id: int, fact_id: int, shown_at: str, *, new_cycle: bool) -> None:
        # REPLACE gives the row a new id, which is what orders "shown last".
        insert = "INSERT OR REPLACE INTO channel_shown (channel_id, film_id, fact_id, shown_at) VALUES (?, ?, ?, ?)"
        params = (channel_id, film_id, fact_id, shown_at)
        if not new_cycle:
            await self.store.write(insert, params)  # the common case: one statement, one round trip
            return
        async with self.store.transaction() as conn:
            await conn.execute("DELETE FROM channel_shown WHERE channel_id = ? AND film_id = ?", (channel_id, film_id))
            await conn.execute(insert, params)
