"""Reading the database straight, for what tests check and no production code needs."""

from __future__ import annotations

from typing import Any


async def posts_for_channel(store: Any, channel_id: int) -> list[tuple[int, str, str, int]]:
    """(fact id, local date, status, cycle) in posting order: what a channel has been sent, read straight
    from the database (no production code needs it)."""
    rows = await store.fetchall(
        "SELECT fact_id, local_date, status, cycle FROM daily_posts WHERE channel_id = ? ORDER BY id", (channel_id,)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]
