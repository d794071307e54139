"""What each channel was shown lately, kept in memory and written to the store behind the answers.

/trivia is a read, an answer and a write. Kept here, the channel's record costs no trip to the
database thread while a member waits, and the writes go out in small batches (one transaction per
batch) a moment later, instead of one statement after every answer delaying the next interaction.

Held in memory, this process's records are the truth: nothing else writes channel records (the CLI
only imports). A record is loaded from the store the first time a (channel, film) is used, then kept
(least recently used first out, never one with writes still waiting). What a crash can lose: the
records not yet written, at most one batch (BATCH) or the last FLUSH_DELAY seconds of them. They only
steer repeat-avoidance, so the cost is a fact that may be shown again before its cycle is done.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.db.shown import ShownRepository, ShownRow

log = logging.getLogger(__name__)

CAPACITY = 20_000  # (channel, film) records kept; about 1 KB each
BATCH = 50  # records per write; a full batch is written at once
FLUSH_DELAY = 0.5  # seconds a record may wait for its batch to fill
MAX_RETRY_DELAY = 30.0  # seconds between tries while the store refuses writes
BACKLOG = 10_000  # records waiting while the store refuses writes (a long CLI import); oldest dropped beyond


@dataclass(slots=True)
class ChannelRecord:
    seen: set[int]  # facts of the film shown in this cycle
    last: int | None  # the fact shown last
    unflushed: int = field(default=0)  # its writes still waiting: never evicted while above 0


class RecentlyShown:
    def __init__(
        self,
        repo: ShownRepository,
        *,
        capacity: int = CAPACITY,
        batch: int = BATCH,
        delay: float = FLUSH_DELAY,
        backlog: int = BACKLOG,
    ) -> None:
        self.repo = repo
        self.capacity = capacity
        self.batch = batch
        self.delay = delay
        self.backlog = backlog
        self._records: OrderedDict[tuple[int, int], ChannelRecord] = OrderedDict()
        self._pending: list[tuple[ShownRow, ChannelRecord]] = []
        self._in_flight = 0  # the first rows of _pending are being written
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[bool] | None = None
        self._due = False  # the timer went off while a write was under way
        self._lock = asyncio.Lock()
        self._closed = False
        self.dropped = 0
        self._failures = 0  # failed writes in a row

    def __len__(self) -> int:
        return len(self._records)

    @property
    def waiting(self) -> int:
        """Records shown but not yet written."""
        return len(self._pending)

    def get(self, channel_id: int, film_id: int) -> ChannelRecord | None:
        record = self._records.get((channel_id, film_id))
        if record is not None:
            self._records.move_to_end((channel_id, film_id))
        return record

    def load(self, channel_id: int, film_id: int, seen: set[int], last: int | None) -> ChannelRecord:
        """The record as read from the store, unless one is already held (held ones are newer)."""
        key = (channel_id, film_id)
        record = self._records.get(key)
        if record is None:
            record = self._records[key] = ChannelRecord(set(seen), last)
            self._evict()
        return record

    def shown(self, channel_id: int, film_id: int, record: ChannelRecord, fact_id: int, shown_at: str,
              *, new_cycle: bool) -> None:  # fmt: skip
        """Notes a fact as shown: in memory at once, in the store with the next batch."""
        key = (channel_id, film_id)
        held = self._records.get(key)
        if held is None:
            # Evicted since it was read: it had nothing waiting then, so it still matches the store.
            held = self._records[key] = record
            self._evict()
        if new_cycle:
            held.seen = {fact_id}
        else:
            held.seen.add(fact_id)
        held.last = fact_id
        held.unflushed += 1
        self._pending.append((ShownRow(channel_id, film_id, fact_id, shown_at, new_cycle), held))
        if len(self._pending) > self.backlog:
            _, oldest = self._pending.pop(self._in_flight)
            oldest.unflushed -= 1
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("the store refuses writes: %d 'recently shown' records dropped so far", self.dropped)
        self._schedule()

    def _evict(self) -> None:
        excess = len(self._records) - self.capacity
        if excess <= 0:
            return
        idle = []
        for key, record in self._records.items():  # least recently used first
            if record.unflushed == 0:
                idle.append(key)
                if len(idle) == excess:
                    break
        for key in idle:
            del self._records[key]

    def _schedule(self) -> None:
        if self._closed:
            return
        writing = self._flushing is not None and not self._flushing.done()
        if not writing and len(self._pending) >= self.batch:
            self._start_flush()
        elif self._timer is None:  # during a write too: what came in then waits no longer than `delay`
            self._timer = asyncio.get_running_loop().call_later(self.delay, self._time_is_up)

    def _time_is_up(self) -> None:
        self._timer = None
        self._due = True  # if a write is under way, these go as soon as it ends
        self._start_flush()

    def _start_flush(self) -> None:
        if self._flushing is not None and not self._flushing.done():
            return  # the write under way looks again at what waits when it ends (_flushed)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due = False
        self._flushing = asyncio.create_task(self.flush(), name="recently-shown-write-behind")
        self._flushing.add_done_callback(self._flushed)

    def _flushed(self, task: asyncio.Task[bool]) -> None:
        """Records that came in during a write get their own batch, or their timer. Not after a
        refusal: `flush` has set the retry's back-off timer then."""
        if task.cancelled() or task.exception() is not None or not task.result() or not self._pending:
            return
        if self._due and not self._closed:
            self._start_flush()
        else:
            self._schedule()

    async def flush(self) -> bool:
        """Writes what waited when it was called, a batch per transaction. Records that come in
        meanwhile wait for a batch of their own (or for FLUSH_DELAY): written as they came, a
        steady stream of answers made a transaction of every one or two, and every commit also
        empties SQLite's page cache for the bot's other connections (the next reads of films
        came from the operating system again). False if the store refused (it is retried after
        FLUSH_DELAY; the records stay in memory meanwhile, so picks are unaffected)."""
        async with self._lock:
            left = len(self._pending)
            while left > 0 and self._pending:
                batch = self._pending[: min(self.batch, left)]
                self._in_flight = len(batch)
                try:
                    await self.repo.record_batch([row for row, _ in batch])
                except Exception as error:
                    # Commonly another process holding the write lock (a long CLI import): said once
                    # per spell, not every half second.
                    self._failures += 1
                    if self._failures == 1:
                        expected = isinstance(error, sqlite3.OperationalError)
                        log.warning("could not write %d 'recently shown' records yet (%s); retrying",
                                    len(self._pending), error, exc_info=not expected)  # fmt: skip
                    if not self._closed and self._timer is None:
                        # Backing off: each try may wait out SQLite's busy timeout on the connection.
                        retry = min(self.delay * 2**self._failures, MAX_RETRY_DELAY)
                        self._timer = asyncio.get_running_loop().call_later(retry, self._time_is_up)
                    return False
                finally:
                    self._in_flight = 0
                if self._failures:
                    log.info("'recently shown' records written again after %d failed tries", self._failures)
                    self._failures = 0
                del self._pending[: len(batch)]
                left -= len(batch)
                for _, record in batch:
                    record.unflushed -= 1
        return True

    async def settled(self) -> None:
        """Waits for the write under way, if any: for tools and tests."""
        if self._flushing is not None:
            await asyncio.shield(self._flushing)

    async def close(self) -> None:
        """At shutdown, before the store closes: everything waiting is written."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending:  # answers still finishing may add records while the last ones are written
            if not await self.flush():
                log.error("shutting down with %d 'recently shown' records unwritten", len(self._pending))
                break
