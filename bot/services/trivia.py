"""The lookup use-case: query -> film -> fact card. Shared by the /trivia cog, its button and the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from bot.clock import Clock, iso, system_clock
from bot.db.catalog import CatalogRepository
from bot.db.shown import ShownRepository
from bot.db.store import Store
from bot.services.recently_shown import RecentlyShown
from bot.trivia.display import FactCard
from bot.trivia.errors import EmptyCatalog, FactNumberOutOfRange, FilmNotFound, NoFacts
from bot.trivia.picking import pick_unseen
from bot.trivia.rows import ChannelFacts, Fact, FactRows, FilmFacts
from bot.trivia.titles import TitleEntry, TitleIndex, reading_keys

FACTS_CACHED = 1024  # (film, server) entries; about 5 KB each at ten facts a film. More costs every full
# collection of the garbage collector (each cached fact is an object it walks), an event-loop stall.
WARMED = 64  # reads made ahead for /trivia's autocomplete, kept apart so guesses never push hot films out
WARMED_SECONDS = 60.0  # a read ahead is for the command the member is typing, not for later

log = logging.getLogger(__name__)


class TriviaService:
    def __init__(
        self,
        store: Store,
        *,
        rng: random.Random | None = None,
        clock: Clock = system_clock,
        titles_check_seconds: float = 1.0,
        titles_settle_seconds: float = 2.0,
        titles_max_stale_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.catalog = CatalogRepository(store)
        self.recent = RecentlyShown(ShownRepository(store))
        # Hot films' facts, per (film, server): a bounded LRU, dropped whole when the catalog changes
        # (this process's imports and approvals, another process's commits). `_facts_generation` keeps
        # a read that raced a change from caching what it read.
        self._facts: OrderedDict[tuple[int, int | None], _FactsEntry] = OrderedDict()
        self._facts_generation = 0
        # What /trivia's autocomplete guessed the member will ask for, read while they finish typing:
        # (film, server, channel) -> (the facts generation it was read at, when, the read).
        self._warmed: OrderedDict[tuple[int, int | None, int], tuple[int, float, FilmFacts]] = OrderedDict()
        self._warming: asyncio.Task[None] | None = None
        self.rng = rng or random.Random()
        self.clock = clock
        # The title index. Every change it must show bumps `_generation`; a rebuild notes the generation
        # it started from and swaps its index in as showing that one, then goes round again if the
        # generation moved meanwhile. So a change made while a rebuild is under way is never lost.
        self._index = TitleIndex()
        self._built = False
        self._generation = 0
        self._index_generation = -1
        self._rebuilding: asyncio.Task[None] | None = None
        self._data_version: int | None = None
        self._catalog_mark: tuple[int, int, int, int] | None = None
        self._titles_check_seconds = titles_check_seconds
        self._titles_checked_at = -float("inf")
        # Another process's changes are indexed once its catalog has been still for `settle` seconds
        # (or has been changing for `max_stale`): a big import commits hundreds of chunks, and a full
        # rebuild after each one would keep a core busy the whole import and stall the event loop.
        # Typed names are found meanwhile (see `resolve`); only autocomplete waits.
        self._settle_seconds = titles_settle_seconds
        self._max_stale_seconds = titles_max_stale_seconds
        self._monotonic = monotonic
        self._changed_at: float | None = None  # last change seen from elsewhere, not yet indexed
        self._stale_since: float | None = None  # first such change
        self._settling: asyncio.Task[None] | None = None
        self._notified = False  # a NOTIFY was handled since the last version check (see _check_catalog)
        self._closed = False
        self._only_in: dict[int, frozenset[int]] = {}  # film -> the servers it is offered in (no global facts)
        self._all_hidden: frozenset[tuple[int, int]] = frozenset()  # (server, film): every fact hidden there
        self._visibility_stale = True

    @property
    def titles(self) -> TitleIndex:
        """The index lookups use now (the last one built). Use it without an await in between: the
        index a rebuild replaces is emptied (`TitleIndex.release`) once the new one is in place."""
        return self._index

    @property
    def titles_current(self) -> bool:
        return self._index_generation == self._generation

    async def refresh_titles(self) -> None:
        """Checks the catalog now and waits until the index shows it: at start-up (nothing to answer
        from before that) and for tools. Lookups never call this; they never wait for a rebuild."""
        await self._check_catalog(force=True)
        await self.titles_settled()

    async def titles_settled(self) -> None:
        """Waits until the index shows every change already seen, at once (a change from elsewhere
        does not wait for the catalog to be still), without asking the store for more: for a caller
        that has just announced a change and must see it (tools, tests)."""
        while not self.titles_current and not self._closed:
            self._changed_at = self._stale_since = None
            await asyncio.shield(self._start_rebuild())

    async def reads_ahead_done(self) -> None:
        """Waits for the read ahead under way, if any (see `_warm`): for tools and tests."""
        if self._warming is not None:
            await asyncio.shield(self._warming)

    def titles_changed(self) -> None:
        """Our own writes do not move data_version; whoever adds films (or imports facts) through this
        process calls this. Cached facts are dropped; the rebuild starts at once, in the background
        (one change, from here: a moderator's approval shows in autocomplete about a second later)."""
        self.visibility_changed()
        self._generation += 1
        self._changed_at = self._stale_since = None
        self._start_rebuild()

    def catalog_changed_elsewhere(self) -> None:
        """Another process committed a catalog change (PostgreSQL's NOTIFY): cached facts are dropped at
        once; the index is rebuilt once that process's catalog is still (see `__init__`)."""
        if self._closed:
            return
        now = self._monotonic()
        self._notified = True
        self._changed_elsewhere(now)
        self._rebuild_when_settled(now)

    def _changed_elsewhere(self, now: float) -> None:
        self._generation += 1
        self.visibility_changed()
        self._changed_at = now
        if self._stale_since is None:
            self._stale_since = now

    def _settled(self, now: float) -> bool:
        """Whether the index may be rebuilt now: no change from elsewhere is waiting, or the catalog has
        been still for `settle` seconds, or the index has been behind it for `max_stale` seconds."""
        return (
            self._changed_at is None
            or now - self._changed_at >= self._settle_seconds
            or now - (self._stale_since or now) >= self._max_stale_seconds
        )

    def _rebuild_when_settled(self, now: float) -> None:
        if self._closed:
            return
        if self._settled(now):
            self._start_rebuild()  # also retries a rebuild that failed
        elif self._settling is None or self._settling.done():
            self._settling = asyncio.create_task(self._settle(), name="title-index-settle")
            self._settling.add_done_callback(_log_failure)

    async def _settle(self) -> None:
        """Looks again every `settle` seconds until the index has caught up, starting the rebuild once
        the catalog is still: the index follows an import soon after it ends, even if nobody asks."""
        while not self.titles_current and not self._closed:
            await asyncio.sleep(self._settle_seconds)
            if self._rebuilding is None or self._rebuilding.done():
                try:
                    await self._check_catalog(force=True)
                except Exception:  # a dropped connection, say: look again next time round
                    log.warning("checking the catalog for the title index failed; trying again", exc_info=True)

    async def _check_catalog(self, *, force: bool = False) -> None:
        """Notices changes made by other processes (a CLI import): asked at most once a
        `titles_check_seconds` (monotonic time), so a keystroke does not pay a round trip for it.
        data_version moves on any other connection's commit; the catalog's mark tells a catalog change
        from, say, a commit to channel records, so only the former costs a rebuild."""
        now = self._monotonic()
        if not force and now - self._titles_checked_at < self._titles_check_seconds:
            return
        self._titles_checked_at = now
        version = await self.store.data_version()
        if version != self._data_version:
            mark = await self.catalog.change_mark()
            self._data_version = version
            if mark != self._catalog_mark:
                titles_moved = self._catalog_mark is None or mark[:3] != self._catalog_mark[:3]
                self._catalog_mark = mark
                if not titles_moved:  # a fact edited, deleted, hidden or marked: the titles are the same
                    self.visibility_changed()
                elif not self._notified:  # else this is (also) the commit the NOTIFY told of, already counted
                    self._changed_elsewhere(now)
        self._notified = False
        if not self.titles_current:
            self._rebuild_when_settled(now)

    def _start_rebuild(self) -> asyncio.Task[None]:
        if self._closed:
            return asyncio.ensure_future(_nothing())
        if self._rebuilding is None or self._rebuilding.done():
            self._rebuilding = asyncio.create_task(self._rebuild(), name="title-index-rebuild")
            self._rebuilding.add_done_callback(_log_failure)
        return self._rebuilding

    async def _rebuild(self) -> None:
        """Reads the films, builds the new index in a worker thread and swaps it in; lookups go on
        answering from the old one meanwhile. About a second of CPU at 100,000 films, none of it on
        the event loop (see `_collector_paused` for the rest of what keeps the loop running)."""
        while not self.titles_current and not self._closed and self._settled(self._monotonic()):
            generation = self._generation
            self._changed_at = self._stale_since = None  # what changed so far is read now
            with _collector_paused():
                mark = await self.catalog.change_mark()
                rows = await self.catalog.title_rows()
                index = await asyncio.to_thread(TitleIndex, rows)
                replaced = self._index
                self._index = index
                self._index_generation = generation
                self._catalog_mark = mark  # read before the rows: if it is behind them, one rebuild too many
                self._built = True
                # The old index is freed in the thread too, in runs (TitleIndex.release): dropped
                # whole, its deallocation holds the GIL for tens of milliseconds at this size.
                await asyncio.to_thread(replaced.release)
                del replaced

    async def _current_titles(self) -> TitleIndex:
        if not self._built:
            await self.refresh_titles()  # the very first index: there is nothing to answer from yet
        else:
            await self._check_catalog()
        if self._visibility_stale:
            self._visibility_stale = False
            self._only_in, self._all_hidden = await self.catalog.visibility()
        return self._index

    def visibility_changed(self) -> None:
        """A fact was hidden, unhidden, deleted or added by this process: which films each server is
        offered is read again (cheap: only server-owned facts and hidden rows), the title index is kept;
        cached facts are dropped (a hidden fact must not be shown from memory)."""
        self._visibility_stale = True
        self.facts_changed()

    def _offered(self, guild_id: int | None, *, moderating: bool = False) -> Callable[[int], bool] | None:
        """Films of one server stay in that server: a film whose facts are all some servers' own is offered
        only there, and a server that hid every fact of a film is not offered it (its moderators still are,
        to unhide). None: no film is limited."""
        only_in, all_hidden = self._only_in, (frozenset() if moderating else self._all_hidden)
        if not only_in and not all_hidden:
            return None

        def visible(film_id: int) -> bool:
            allowed = only_in.get(film_id)
            if allowed is not None and guild_id not in allowed:
                return False
            return (guild_id, film_id) not in all_hidden if all_hidden else True

        return visible

    async def autocomplete(
        self, query: str, guild_id: int | None = None, *, warm_channel: int | None = None
    ) -> list[TitleEntry]:
        """From the current index, even while a newer one is built: a film just added shows up here
        once its rebuild is swapped in (about a second at 100,000 films). Only films with a fact
        visible in that server are offered. With `warm_channel` (/trivia's own autocomplete), the
        first suggestion's facts are read ahead for that channel: see `_warm`."""
        index = await self._current_titles()
        entries = index.suggest_visible(query, self._offered(guild_id))
        if entries and warm_channel is not None:
            self._warm(entries[0].film_id, guild_id, warm_channel)
        return entries

    async def resolve(self, query: str, guild_id: int | None = None, *, moderating: bool = False) -> TitleEntry:
        await self._current_titles()
        visible = self._offered(guild_id, moderating=moderating)
        if not self.titles_current:
            # A rebuild is under way: a film just added is not in the index yet, but its typed name
            # is one indexed query away, so "/trivia <new film>" works at once without waiting.
            named = await self.catalog.titles_named(reading_keys(query))
            if named:
                with contextlib.suppress(FilmNotFound):
                    return TitleIndex(named).resolve_visible(query, visible)
        index = self._index  # read after the last await: the one read before may be replaced and freed
        if len(index) == 0:
            raise EmptyCatalog()
        return index.resolve_visible(query, visible)

    async def show(self, query: str, *, guild_id: int | None, channel_id: int, number: int | None = None) -> FactCard:
        shown = await self.card_for_title(query, guild_id=guild_id, channel_id=channel_id, number=number)
        await shown.remember()
        return shown.card

    async def card_for_title(
        self, query: str, *, guild_id: int | None, channel_id: int, number: int | None = None
    ) -> Shown:
        entry = await self.resolve(query, guild_id)
        return await self.card_for_film(
            entry.film_id, guild_id=guild_id, channel_id=channel_id, number=number, named=entry
        )

    async def card_for_film(
        self,
        film_id: int,
        *,
        guild_id: int | None,
        channel_id: int,
        number: int | None = None,
        named: TitleEntry | None = None,
    ) -> Shown:
        """The card to show. A hot film costs no trip to the database thread: its facts and the
        channel's record are held in memory; otherwise one query reads both (without the film's row
        when the title index has `named` it). Recording what was shown is left to `Shown.remember`,
        so the caller answers the member first."""
        await self._check_catalog()  # another process's import drops cached facts (at most once a second)
        facts_entry = self._cached_facts(film_id, guild_id)
        record = self.recent.get(channel_id, film_id) if number is None else None
        if facts_entry is None or (record is None and number is None):
            generation = self._facts_generation
            on_loop = self._reads_on_loop
            warmed = self._take_warmed(film_id, guild_id, channel_id)
            if warmed is not None:
                film, read = warmed
            elif named is not None:
                film = named
                read = await self.catalog.channel_facts(film_id, guild_id, channel_id=channel_id, on_loop=on_loop)
            else:
                found = await self.catalog.film_facts(film_id, guild_id, channel_id=channel_id, on_loop=on_loop)
                if found is None:
                    raise FilmNotFound(f"#{film_id}", [])
                film, read = _split(found)
            facts_entry = self._cache_facts(film_id, guild_id, film, read.facts, generation)
            if number is None:
                record = self.recent.load(channel_id, film_id, read.seen, read.last_shown)
        film, facts = facts_entry
        fact_ids = facts.ids
        if not facts:
            raise NoFacts(film.label)
        if number is not None:
            if not 1 <= number <= len(facts):
                raise FactNumberOutOfRange(film.label, number, len(facts))
            return Shown(_card(film, facts[number - 1], fact_ids), _nothing)
        assert record is not None
        pick = pick_unseen(fact_ids, record.seen, record.last, self.rng)
        chosen = facts[fact_ids.index(pick.fact_id)]
        picked_from = record

        async def remember() -> None:
            self.recent.shown(channel_id, film_id, picked_from, chosen.id, iso(self.clock()), new_cycle=pick.new_cycle)
            self._warmed.pop((film_id, guild_id, channel_id), None)  # its `seen` is behind now

        return Shown(_card(film, chosen, fact_ids), remember)

    async def card_for_fact(self, fact: Fact, *, guild_id: int | None) -> FactCard:
        """A known fact (the daily pick) shown with its place among the film's facts in that server."""
        entry = self._cached_facts(fact.film_id, guild_id)
        if entry is None:
            generation = self._facts_generation
            found = await self.catalog.film_facts(fact.film_id, guild_id, on_loop=self._reads_on_loop)
            assert found is not None  # facts cascade with their film
            entry = self._cache_facts(fact.film_id, guild_id, _named(found), found.facts, generation)
        film, facts = entry
        fact = facts.by_id(fact.id) or fact  # its spoiler flag as that server sees it
        return _card(film, fact, facts.ids)

    @property
    def _reads_on_loop(self) -> bool:
        """A film's facts are read on the event loop (Store.fetch_point), except while a rebuild's worker
        thread is busy: sqlite3 lets go of the GIL around every row it steps to, and with a thread
        running Python flat out each row then waits for the GIL again, 5 ms or far more on a busy
        machine (stalls of 100-160 ms were measured). The hop to the reader's thread waits once."""
        return self._rebuilding is None or self._rebuilding.done()

    def facts_changed(self) -> None:
        """Facts were added by this process (an approval): cached facts are read again when next used."""
        self._facts.clear()
        self._warmed.clear()
        self._facts_generation += 1

    def _warm(self, film_id: int, guild_id: int | None, channel_id: int) -> None:
        """Discord's client sends autocomplete while the member types the film, then the command: the
        film they are typing is read now, in the gap before they send it, so a film not in memory is
        answered as fast as a hot one. At most one read ahead at a time (a fast typist's keystrokes
        are not a read each), none for a film already held; best effort, the command reads whatever
        it does not find here. Kept in a small slot of their own (WARMED): guesses never evict hot films."""
        key = (film_id, guild_id, channel_id)
        if self._closed or (self._warming is not None and not self._warming.done()):
            return
        if key in self._warmed and self._monotonic() - self._warmed[key][1] <= WARMED_SECONDS:
            return
        if (film_id, guild_id) in self._facts and self.recent.get(channel_id, film_id) is not None:
            return
        self._warming = asyncio.create_task(self._read_ahead(key), name="trivia-read-ahead")

    async def _read_ahead(self, key: tuple[int, int | None, int]) -> None:
        film_id, guild_id, channel_id = key
        generation = self._facts_generation
        try:
            found = await self.catalog.film_facts(film_id, guild_id, channel_id=channel_id, on_loop=self._reads_on_loop)
        except Exception:  # the command will read it itself, and report what is wrong then
            log.debug("reading film %s ahead failed", film_id, exc_info=True)
            return
        # Kept only if nothing it read has moved on since: the catalog (generation), and what the
        # channel was shown of the film. A record held in memory is newer than the read (the command
        # got there first, or the channel was shown the film meanwhile); kept anyway, its `seen`
        # would come back once that record was evicted, and the channel would see a fact twice.
        if found is not None and generation == self._facts_generation and self.recent.get(channel_id, film_id) is None:
            self._warmed[key] = (generation, self._monotonic(), found)
            while len(self._warmed) > WARMED:
                self._warmed.popitem(last=False)

    def _take_warmed(
        self, film_id: int, guild_id: int | None, channel_id: int
    ) -> tuple[TitleEntry, ChannelFacts] | None:
        """The read made ahead for this channel, if the catalog has not changed since and it is recent
        (WARMED_SECONDS: it was made for the command being typed). Taken once: the channel's record
        then lives in `recent`, the facts in the cache; showing the film in the channel drops it too."""
        warmed = self._warmed.pop((film_id, guild_id, channel_id), None)
        if warmed is None or warmed[0] != self._facts_generation:
            return None
        if self._monotonic() - warmed[1] > WARMED_SECONDS:
            return None
        return _split(warmed[2])

    def _cached_facts(self, film_id: int, guild_id: int | None) -> _FactsEntry | None:
        entry = self._facts.get((film_id, guild_id))
        if entry is not None:
            self._facts.move_to_end((film_id, guild_id))
        return entry

    def _cache_facts(
        self, film_id: int, guild_id: int | None, film: TitleEntry, facts: FactRows, generation: int
    ) -> _FactsEntry:
        """Kept only if the catalog did not change while they were read (else they may be stale)."""
        entry = (film, facts)
        if generation == self._facts_generation:
            self._facts[(film_id, guild_id)] = entry
            while len(self._facts) > FACTS_CACHED:
                self._facts.popitem(last=False)
        return entry

    async def close(self) -> None:
        """At shutdown, before the store closes: a rebuild under way is dropped and the channel records
        still waiting are written."""
        self._closed = True  # nothing new starts from here (a lookup or NOTIFY arriving late)
        while running := [
            t for t in (self._settling, self._rebuilding, self._warming) if t is not None and not t.done()
        ]:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        await self.recent.close()


_FactsEntry = tuple[TitleEntry, FactRows]  # the film as the title index names it


@dataclass(frozen=True, slots=True)
class Shown:
    card: FactCard
    remember: Callable[[], Awaitable[None]]


async def _nothing() -> None:
    """Fact n was asked for by number: nothing to add to the channel's record."""


def _named(found: FilmFacts) -> TitleEntry:
    return TitleEntry(found.film.id, found.film.title, found.film.year)


def _split(found: FilmFacts) -> tuple[TitleEntry, ChannelFacts]:
    """A whole read as a read by title holds it: the film as the index names it, then the rest."""
    return _named(found), ChannelFacts(found.facts, found.seen, found.last_shown)


def _card(film: TitleEntry, fact: Fact, fact_ids: Sequence[int]) -> FactCard:
    return FactCard(
        film_id=film.film_id,
        film_title=film.title,
        film_year=film.year,
        fact_id=fact.id,
        text=fact.text,
        section=fact.section,
        credit=fact.credit,
        source=fact.source,
        position=fact_ids.index(fact.id) + 1 if fact.id in fact_ids else 1,
        total=max(len(fact_ids), 1),
        imported=fact.origin == "import",
        spoiler=fact.spoiler,
    )


def _log_failure(task: asyncio.Task[None]) -> None:
    """A background rebuild that failed is logged (the next lookup's check starts another)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("rebuilding the title index failed", exc_info=task.exception())


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while an index is read and built. Both make a few hundred
    thousand short-lived rows and lists, which set off full collections: each holds the GIL for
    about 80 ms at 100,000 films, stalling the event loop from the worker thread. None of those
    objects forms a cycle, so reference counting frees them all anyway, a run at a time (`_drain`,
    `TitleIndex.release`, `_with_aliases`).

    Nothing is frozen on the way out (unlike start-up's objects, `freeze_startup_objects`): a freeze
    here would also keep, for good, any cyclic garbage made meanwhile. The next young collection walks
    what the new index made, which is little: its big parts are arrays, strings, dicts of ints and
    tuples the collector stops walking after one look."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
