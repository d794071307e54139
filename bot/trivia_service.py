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
        self._only_in: dict[int, frozenset[int]] = {}  # film -> the servers it is offered in (no global facts)
        self._all_hidden: frozenset[tuple[int, int]] = frozenset()  # (server, film): every fact hidden there
        self._visibility_stale = True

    async def refresh_titles(self) -> None:
        """Rebuilds the in-memory title index when the catalog changed, even from another process.
        Asked at most once a `titles_check_seconds` (monotonic time): an import from the CLI shows up
        within that, and a keystroke does not pay a round trip to the store for it."""
        await self._refresh_visibility()
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
            self._visibility_stale = True
            await self._refresh_visibility()
            self._index_version = version

    def titles_changed(self) -> None:
        """Our own writes do not move data_version; whoever imports through this process calls this."""
        self._index_version = None

    def visibility_changed(self) -> None:
        """A fact was hidden, unhidden, deleted or added by this process: which films each server is
        offered is read again (cheap: only server-owned facts and hidden rows), the title index is kept."""
        self._visibility_stale = True

    async def _refresh_visibility(self) -> None:
        if self._visibility_stale:
            self._visibility_stale = False
            self._only_in, self._all_hidden = await self.catalog.visibility()

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

    async def autocomplete(self, query: str, guild_id: int | None = None) -> list[TitleEntry]:
        await self.refresh_titles()
        return self._index.suggest_visible(query, self._offered(guild_id))

    async def resolve(self, query: str, guild_id: int | None = None, *, moderating: bool = False) -> TitleEntry:
        await self.refresh_titles()
        if len(self._index) == 0:
            raise EmptyCatalog()
        return self._index.resolve_visible(query, self._offered(guild_id, moderating=moderating))

    async def fact_card(
        self, query: str, *, guild_id: int | None, channel_id: int, number: int | None = None
    ) -> FactCard:
        shown = await self.pick_for_query(query, guild_id=guild_id, channel_id=channel_id, number=number)
        await shown.remember()
        return shown.card

    async def pick_for_query(
        self, query: str, *, guild_id: int | None, channel_id: int, number: int | None = None
    ) -> Shown:
        entry = await self.resolve(query, guild_id)
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
