"""The lookup use-case: query -> film -> fact card. Shared by the /trivia cog, its button and the CLI."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock, iso, system_clock
from bot.db.catalog import CatalogRepository
from bot.db.models import Fact, Film
from bot.db.shown import ShownRepository
from bot.db.store import Store
from bot.trivia.display import FactCard
from bot.trivia.errors import EmptyCatalog, FactNumberOutOfRange, FilmNotFound, NoFacts
from bot.trivia.picking import pick_unseen
from bot.trivia.titles import TitleEntry, TitleIndex


class TriviaService:
    def __init__(
        self,
        store: Store,
        *,
        rng: random.Random | None = None,
        clock: Clock = system_clock,
        titles_check_seconds: float = 1.0,
    ) -> None:
        self.store = store
        self.catalog = CatalogRepository(store)
        self.shown = ShownRepository(store)
        self.rng = rng or random.Random()
        self.clock = clock
        self._index = TitleIndex()
        self._index_version: int | None = None
        self._index_lock = asyncio.Lock()
        self._titles_check_seconds = titles_check_seconds
        self._titles_checked_at = -float("inf")

    async def refresh_titles(self) -> None:
        """Rebuilds the in-memory title index when the catalog changed, even from another process.
        Asked at most once a `titles_check_seconds` (monotonic time): an import from the CLI shows up
        within that, and a keystroke does not pay a round trip to the store for it."""
        now = time.monotonic()
        if self._index_version is not None and now - self._titles_checked_at < self._titles_check_seconds:
            return
        self._titles_checked_at = now
        version = await self.store.data_version()
        if version == self._index_version:
            return
        async with self._index_lock:
            if version == self._index_version:
                return
            self._index = TitleIndex(await self.catalog.title_rows())
            self._index_version = version

    def titles_changed(self) -> None:
        """Our own writes do not move data_version; whoever imports through this process calls this."""
        self._index_version = None

    async def autocomplete(self, query: str) -> list[TitleEntry]:
        await self.refresh_titles()
        return self._index.suggest(query)

    async def resolve(self, query: str) -> TitleEntry:
        await self.refresh_titles()
        if len(self._index) == 0:
            raise EmptyCatalog()
        return self._index.resolve(query)

    async def fact_card(
        self, query: str, *, guild_id: int | None, channel_id: int, number: int | None = None
    ) -> FactCard:
        shown = await self.pick_for_query(query, guild_id=guild_id, channel_id=channel_id, number=number)
        await shown.remember()
        return shown.card

    async def pick_for_query(
        self, query: str, *, guild_id: int | None, channel_id: int, number: int | None = None
    ) -> Shown:
        entry = await self.resolve(query)
        return await self.pick(entry.film_id, guild_id=guild_id, channel_id=channel_id, number=number)

    async def pick(self, film_id: int, *, guild_id: int | None, channel_id: int, number: int | None = None) -> Shown:
        """The card to show, read in one round trip. Recording it is left to `Shown.remember`, so the
        caller can answer the member first and write the record after."""
        found = await self.catalog.film_facts(film_id, guild_id, channel_id=channel_id)
        if found is None:
            raise FilmNotFound(f"#{film_id}", [])
        film, facts = found.film, found.facts
        if not facts:
            raise NoFacts(film.label)
        fact_ids = [fact.id for fact in facts]
        if number is not None:
            if not 1 <= number <= len(facts):
                raise FactNumberOutOfRange(film.label, number, len(facts))
            return Shown(_card(film, facts[number - 1], fact_ids), _nothing)
        pick = pick_unseen(fact_ids, found.seen, found.last_shown, self.rng)
        chosen = facts[fact_ids.index(pick.fact_id)]

        async def remember() -> None:
            await self.shown.record(channel_id, film_id, chosen.id, iso(self.clock()), new_cycle=pick.new_cycle)

        return Shown(_card(film, chosen, fact_ids), remember)

    async def card_for_fact(self, fact: Fact, *, guild_id: int | None) -> FactCard:
        """A known fact (the daily pick) shown with its place among the film's facts in that server."""
        found = await self.catalog.film_facts(fact.film_id, guild_id)
        assert found is not None  # facts cascade with their film
        fact = next((f for f in found.facts if f.id == fact.id), fact)  # its spoiler flag as that server sees it
        return _card(found.film, fact, [f.id for f in found.facts])


@dataclass(frozen=True, slots=True)
class Shown:
    card: FactCard
    remember: Callable[[], Awaitable[None]]


async def _nothing() -> None:
    """Fact n was asked for by number: nothing to add to the channel's record."""


def _card(film: Film, fact: Fact, fact_ids: list[int]) -> FactCard:
    return FactCard(
        film_id=film.id,
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
