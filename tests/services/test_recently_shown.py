"""Channel records written behind the answers: in batches while answers keep coming, never a commit
per answer or two (each commit also empties SQLite's page cache for every other connection)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from bot.db.shown import ShownRepository, ShownRow
from bot.db.store import Store
from bot.services.recently_shown import RecentlyShown
from bot.services.trivia import TriviaService


class GatedShown(ShownRepository):
    """The real repository, noting the size of each transaction it writes. While `gate` is clear a
    write waits before it starts, so a test can answer members while a batch is being written."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.batches: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def record_batch(self, rows: Sequence[ShownRow]) -> None:
        await self.gate.wait()
        await super().record_batch(rows)
        self.batches.append(len(rows))


def service_with(store: Store, repo: GatedShown, *, delay: float) -> TriviaService:
    service = TriviaService(store, rng=random.Random(1), titles_check_seconds=3600)
    service.recent = RecentlyShown(repo, batch=5, delay=delay)
    return service


async def answer(service: TriviaService, channels: range) -> None:
    for channel in channels:
        await service.show("mask", guild_id=1, channel_id=channel)


async def test_answers_that_arrive_while_a_batch_is_written_wait_for_the_next_batch(seeded_store: Store):
    repo = GatedShown(seeded_store)
    service = service_with(seeded_store, repo, delay=3600)  # the timer never fires here
    repo.gate.clear()
    await answer(service, range(1, 6))  # a full batch: its write starts, and waits at the gate
    await asyncio.sleep(0)
    await answer(service, range(6, 8))  # members keep asking meanwhile
    repo.gate.set()
    await service.recent.settled()
    assert repo.batches == [5]  # not [5, 2]: a commit for the two that came in during the write
    assert service.recent.waiting == 2
    await answer(service, range(8, 11))
    await service.recent.settled()
    assert repo.batches == [5, 5]
    await service.close()  # nothing left: every answer's record is in the store
    assert repo.batches == [5, 5]
    assert service.recent.waiting == 0
    rows = await seeded_store.fetchall("SELECT count(*) FROM channel_shown")
    assert rows[0][0] == 10


async def test_records_left_after_a_batch_are_written_when_their_wait_is_up(seeded_store: Store):
    repo = GatedShown(seeded_store)
    service = service_with(seeded_store, repo, delay=3600)
    repo.gate.clear()
    await answer(service, range(1, 6))
    await asyncio.sleep(0)
    service.recent.delay = 0  # the two answers below are due at the loop's next turn
    await answer(service, range(6, 8))
    repo.gate.set()
    await service.recent.settled()
    for _ in range(3):  # the timer's turn, then its write
        await asyncio.sleep(0)
    await service.recent.settled()
    assert repo.batches == [5, 2]
    assert service.recent.waiting == 0
    await service.close()
