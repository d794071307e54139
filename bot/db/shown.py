"""The per-channel record of facts /trivia has shown, so random picks cycle through a film's facts."""

from __future__ import annotations

from bot.db.store import Store


class ShownRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def seen(self, channel_id: int, film_id: int) -> tuple[set[int], int | None]:
        """The facts of this film the channel has seen this cycle, and the one shown last."""
        rows = await self.store.fetchall(
            "SELECT fact_id FROM channel_shown WHERE channel_id = ? AND film_id = ? ORDER BY id",
            (channel_id, film_id),
        )
        ids = [r[0] for r in rows]
        return set(ids), (ids[-1] if ids else None)

    async def record(self, channel_id: int, film_id: int, fact_id: int, shown_at: str, *, new_cycle: bool) -> None:
        async with self.store.transaction() as conn:
            if new_cycle:
                await conn.execute(
                    "DELETE FROM channel_shown WHERE channel_id = ? AND film_id = ?", (channel_id, film_id)
                )
            await conn.execute(
                # REPLACE gives the row a new id, which is what orders "shown last".
                "INSERT OR REPLACE INTO channel_shown (channel_id, film_id, fact_id, shown_at) VALUES (?, ?, ?, ?)",
                (channel_id, film_id, fact_id, shown_at),
            )
