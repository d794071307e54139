"""Channel records written behind the answers: in batches while answers keep coming, never a commit
per answer or two (each commit also empties SQLite's page cache for every other connection)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence

from bot.db.shown import ShownRepository, ShownRow
from bot.db.store import Store
from bot.services.recently_shown import ChannelRecord, RecentlyShown
from bot.services.trivia import TriviaService


class GatedShown(ShownRepository):
    """The real repository, noting the size of each transaction it writes. While `gate` is clear a
    write waits before it starts, so a test can answer members while a batch is being written."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.batches: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.during_write: Callable[[], object] | None = None  # called once, as the next write begins

    async def record_batch(self, rows: Sequence[ShownRow]) -> None:
        await self.gate.wait()
        if self.during_write is not None:
            self.during_write, call = None, self.during_write
            call()
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


async def test_records_whose_wait_ran_out_during_a_write_go_as_soon_as_it_ends(seeded_store: Store):
    repo = GatedShown(seeded_store)
    service = service_with(seeded_store, repo, delay=3600)
    repo.gate.clear()
    await answer(service, range(1, 6))  # a full batch; its write waits at the gate
    await asyncio.sleep(0)
    service.recent.delay = 0
    await answer(service, range(6, 8))  # their wait starts now, during the write, and is up at once
    for _ in range(2):
        await asyncio.sleep(0)  # the timer goes off while the write still waits
    service.recent.delay = 3600  # a new timer now would keep them waiting for an hour
    repo.gate.set()
    await service.recent.settled()  # the first write, then (already started) the second
    await service.recent.settled()
    assert repo.batches == [5, 2]
    assert service.recent.waiting == 0
    await service.close()


async def test_shutdown_writes_records_that_come_in_while_it_writes(seeded_store: Store):
    repo = GatedShown(seeded_store)
    service = service_with(seeded_store, repo, delay=3600)
    await answer(service, range(1, 4))
    fact_id, film_id = (await seeded_store.fetchall("SELECT id, film_id FROM facts ORDER BY id LIMIT 1"))[0]

    def an_answer_finishing_during_the_last_write() -> None:  # as Shown.remember records it
        service.recent.shown(99, film_id, ChannelRecord(set(), None), fact_id, "2026-01-01T00:00:00Z", new_cycle=False)

    repo.during_write = an_answer_finishing_during_the_last_write
    await service.close()
    assert repo.batches == [3, 1]
    rows = await seeded_store.fetchall("SELECT count(*) FROM channel_shown")
    assert rows[0][0] == 4
