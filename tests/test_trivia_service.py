from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.engines import open_store
from bot.db.store import Store
from bot.importing import import_files
from bot.trivia.errors import EmptyCatalog, FactNumberOutOfRange, FilmNotFound, NoFacts
from bot.trivia.records import FilmRecord
from bot.trivia_service import TriviaService
from tests.conftest import SEED_PAGE
from tests.seed_expectations import credit_for


def fixed_clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def service(store: Store) -> TriviaService:
    await import_files(CatalogRepository(store), [SEED_PAGE])
    return TriviaService(store, rng=random.Random(1), clock=fixed_clock, titles_check_seconds=0)


async def test_random_facts_cycle_through_all_six_per_channel_before_repeating(service: TriviaService):
    shown = [(await service.fact_card("mask", guild_id=1, channel_id=10)).fact_id for _ in range(12)]
    assert len(set(shown[:6])) == 6
    assert len(set(shown[6:])) == 6
    assert shown[6] != shown[5]
    # Another channel keeps its own record.
    other = [(await service.fact_card("mask", guild_id=1, channel_id=11)).fact_id for _ in range(6)]
    assert len(set(other)) == 6


async def test_fact_number_gives_that_fact_with_its_credit(service: TriviaService):
    card = await service.fact_card("Mask (1985)", guild_id=None, channel_id=1, number=2)
    assert (card.position, card.total) == (2, 6)
    assert card.credit == credit_for(card.text) == "Dominic"
    camp = await service.fact_card("mask", guild_id=None, channel_id=1, number=6)
    assert camp.credit == "Michele L. V."
    archive = await service.fact_card("mask", guild_id=None, channel_id=1, number=1)
    assert (archive.credit, archive.credit_line) == ("Rewind Archive", "From the Rewind Archive")


async def test_errors_users_can_act_on(service: TriviaService, store: Store):
    with pytest.raises(FactNumberOutOfRange, match="from 1 to 6"):
        await service.fact_card("mask", guild_id=None, channel_id=1, number=7)
    with pytest.raises(FilmNotFound):
        await service.fact_card("zzzz", guild_id=None, channel_id=1)
    await CatalogRepository(store).import_films([FilmRecord("Heat", 1995)])
    service.titles_changed()
    with pytest.raises(NoFacts, match=r"No facts yet for \*\*Heat \(1995\)\*\*.*/trivia-submit"):
        await service.fact_card("heat", guild_id=None, channel_id=1)


async def test_an_empty_catalog_says_how_to_fill_it(store: Store):
    with pytest.raises(EmptyCatalog, match="import"):
        await TriviaService(store).fact_card("mask", guild_id=None, channel_id=1)


async def test_films_imported_by_another_process_are_found_without_restart(service: TriviaService, store: Store):
    assert [e.label for e in await service.autocomplete("he")] == []
    other = await open_store(store.location)
    try:
        await CatalogRepository(other).import_films([FilmRecord("Heat", 1995)])
    finally:
        await other.close()
    assert [e.label for e in await service.autocomplete("he")] == ["Heat (1995)"]


async def test_only_an_imported_fact_is_shown_as_the_archive_s():
    from bot.trivia.display import FactCard

    member = FactCard(1, "Mask", 1985, 7, "A member's fact.", "Behind The Scenes", "Rewind Archive", None, 7, 7, False)
    assert member.credit_line == "Contributed by Rewind Archive"
    page = FactCard(1, "Mask", 1985, 1, "A fact.", "Behind The Scenes", "Rewind Archive", None, 1, 7)
    assert page.credit_line == "From the Rewind Archive"
