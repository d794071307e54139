"""The lookup use-case: query -> film -> fact card. Shared by the /trivia cog, its button and the CLI."""

from __future__ import annotations

import asyncio
import random

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
    def __init__(self, store: Store, *, rng: random.Random | None = None, clock: Clock = system_clock) -> None:
        self.store = store
        self.catalog = CatalogRepository(store)
        self.shown = ShownRepository(store)
        self.rng = rng or random.Random()
        self.clock = clock
        self._index = TitleIndex()
        self._index_version: int | None = None
        self._index_lock = asyncio.Lock()

    async def refresh_titles(self) -> None:
        """Rebuilds the in-memory title index when the catalog changed, even from another process."""
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
        entry = await self.resolve(query)
        return await self.card_for_film(entry.film_id, guild_id=guild_id, channel_id=channel_id, number=number)

    async def card_for_film(
        self, film_id: int, *, guild_id: int | None, channel_id: int, number: int | None = None
    ) -> FactCard:
        """Three round trips to the store: the film with its facts, the channel's record, the new record."""
        found = await self.catalog.film_facts(film_id, guild_id)
        if found is None:
            raise FilmNotFound(f"#{film_id}", [])
        film, facts = found
        if not facts:
            raise NoFacts(film.label)
        fact_ids = [fact.id for fact in facts]
        if number is not None:
            if not 1 <= number <= len(facts):
                raise FactNumberOutOfRange(film.label, number, len(facts))
            chosen = facts[number - 1]
        else:
            seen, last = await self.shown.seen(channel_id, film_id)
            pick = pick_unseen(fact_ids, seen, last, self.rng)
            chosen = facts[fact_ids.index(pick.fact_id)]
            await self.shown.record(channel_id, film_id, chosen.id, iso(self.clock()), new_cycle=pick.new_cycle)
        return _card(film, chosen, fact_ids)

    async def card_for_fact(self, fact: Fact, *, guild_id: int | None) -> FactCard:
        """A known fact (the daily pick) shown with its place among the film's facts in that server."""
        found = await self.catalog.film_facts(fact.film_id, guild_id)
        assert found is not None  # facts cascade with their film
        film, facts = found
        return _card(film, fact, [f.id for f in facts])


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
    )
