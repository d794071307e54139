"""Discord lets a bot IDENTIFY once per 5 seconds per bucket (`shard_id % max_concurrency`), over all its
processes. With several processes on one PostgreSQL database the turns are kept there: a transaction-scoped
advisory lock per bucket, and the last identify's instant in `meta`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.db.dialect import lock_key
from bot.db.engines import AnyStore

IDENTIFY_SPACING_SECONDS = 5.0


class IdentifyGate:
    def __init__(
        self,
        store: AnyStore,
        *,
        spacing: float = IDENTIFY_SPACING_SECONDS,
        clock: Callable[[], float] = time.time,  # wall clock: shared by processes on different machines
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.spacing = spacing
        self.clock = clock
        self.sleep = sleep

    async def wait_turn(self, bucket: int) -> float:
        """Returns once this process may identify in `bucket`, having waited as long as needed since the
        last identify in it by any process; the seconds waited. Turns are taken one at a time (the lock)."""
        key = f"identify:{bucket}"
        async with self.store.transaction() as conn:
            await self.store.lock(conn, lock_key("identify", bucket))
            rows = await conn.execute_fetchall("SELECT value FROM meta WHERE key = ?", (key,))
            last = float(next(iter(rows))[0]) if rows else 0.0
            wait = max(0.0, last + self.spacing - self.clock())
            if wait:
                await self.sleep(wait)
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, repr(self.clock())),
            )
        return wait
