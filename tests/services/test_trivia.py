from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.engines import open_store
from bot.db.store import Store
from bot.services.importing import import_files
from bot.services.trivia import TriviaService
from bot.trivia.errors import EmptyCatalog, FactNumberOutOfRange, FilmNotFound, NoFacts
from bot.trivia.records import FactRecord, FilmRecord
from tests.conftest import SEED_PAGE
from tests.seed_expectations import credit_for


def fixed_clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def service(seeded_store: Store) -> TriviaService:
    store = seeded_store
    return TriviaService(store, rng=random.Random(1), clock=fixed_clock, titles_check_seconds=0)


async def test_random_facts_cycle_through_all_six_per_channel_before_repeating(service: TriviaService):
    shown = [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(12)]
    assert len(set(shown[:6])) == 6
    assert len(set(shown[6:])) == 6
    assert shown[6] != shown[5]
    # Another channel keeps its own record.
    other = [(await service.show("mask", guild_id=1, channel_id=11)).fact_id for _ in range(6)]
    assert len(set(other)) == 6


async def test_fact_number_gives_that_fact_with_its_credit(service: TriviaService):
    card = await service.show("Mask (1985)", guild_id=None, channel_id=1, number=2)
    assert (card.position, card.total) == (2, 6)
    assert card.credit == credit_for(card.text) == "Dominic"
    camp = await service.show("mask", guild_id=None, channel_id=1, number=6)
    assert camp.credit == "Michele L. V."
    archive = await service.show("mask", guild_id=None, channel_id=1, number=1)
    assert (archive.credit, archive.credit_line) == ("Rewind Archive", "From the Rewind Archive")


async def test_errors_users_can_act_on(service: TriviaService, store: Store):
    with pytest.raises(FactNumberOutOfRange, match="from 1 to 6"):
        await service.show("mask", guild_id=None, channel_id=1, number=7)
    with pytest.raises(FilmNotFound):
        await service.show("zzzz", guild_id=None, channel_id=1)
    await CatalogRepository(store).import_films([FilmRecord("Heat", 1995)])
    service.titles_changed()
    with pytest.raises(NoFacts, match=r"No facts yet for \*\*Heat \(1995\)\*\*.*/trivia-submit"):
        await service.show("heat", guild_id=None, channel_id=1)


async def test_an_empty_catalog_says_how_to_fill_it(store: Store):
    with pytest.raises(EmptyCatalog, match="import"):
        await TriviaService(store).show("mask", guild_id=None, channel_id=1)


async def test_films_imported_by_another_process_are_found_without_restart(service: TriviaService, store: Store):
    assert [e.label for e in await service.autocomplete("he")] == []
    other = await open_store(store.location)
    try:
        await CatalogRepository(other).import_films([FilmRecord("Heat", 1995)])
    finally:
        await other.close()
    # Typed in full it is found at once (the store is asked while the index is rebuilt)...
    assert (await service.resolve("heat")).label == "Heat (1995)"
    # ...and autocomplete offers it once the rebuild the change started is swapped in.
    await service.refresh_titles()
    assert [e.label for e in await service.autocomplete("he")] == ["Heat (1995)"]


async def test_only_an_imported_fact_is_shown_as_the_archive_s():
    from bot.trivia.display import FactCard

    member = FactCard(1, "Mask", 1985, 7, "A member's fact.", "Behind The Scenes", "Rewind Archive", None, 7, 7, False)
    assert member.credit_line == "Contributed by Rewind Archive"
    page = FactCard(1, "Mask", 1985, 1, "A fact.", "Behind The Scenes", "Rewind Archive", None, 1, 7)
    assert page.credit_line == "From the Rewind Archive"


@pytest.mark.sqlite_only  # another process on the same file; PostgreSQL's push is tested in tests/db
async def test_a_film_whose_facts_are_cached_shows_facts_another_process_imported(service: TriviaService, store: Store):
    assert (await service.show("mask", guild_id=None, channel_id=1)).total == 6  # cached now
    other = await Store.open(store.path)
    try:
        await CatalogRepository(other).import_films(
            [FilmRecord("Mask", 1985, facts=[FactRecord("Cher and Peter Bogdanovich clashed over the music.")])]
        )
    finally:
        await other.close()
    card = await service.show("mask", guild_id=None, channel_id=1, number=7)
    assert (card.text, card.total) == ("Cher and Peter Bogdanovich clashed over the music.", 7)


async def test_a_channel_still_sees_every_fact_before_a_repeat_across_a_restart(service: TriviaService, store: Store):
    first = [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)]
    await service.close()  # shutdown writes the channel records still waiting
    restarted = TriviaService(store, rng=random.Random(7), clock=fixed_clock, titles_check_seconds=0)
    rest = [(await restarted.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)]
    assert len(set(first + rest)) == 6
    await restarted.close()


async def test_a_hot_film_is_answered_without_a_trip_to_the_store(tmp_path: Path):
    store = await Store.open(tmp_path / "hot.db")
    await import_files(CatalogRepository(store), [SEED_PAGE])
    service = TriviaService(store, rng=random.Random(1), clock=fixed_clock, titles_check_seconds=3600)
    first = await service.show("mask", guild_id=1, channel_id=10)
    await store.close()  # any read or write from here on would fail
    rest = [await service.show("Mask (1985)", guild_id=1, channel_id=10) for _ in range(5)]
    assert len({first.fact_id} | {card.fact_id for card in rest}) == 6  # and still no repeat
    assert service.recent.waiting == 6  # shown, to be written with the next batch


@pytest.mark.sqlite_only  # SQLite's write lock
async def test_records_wait_in_memory_while_another_process_holds_the_write_lock(service: TriviaService, store: Store):
    await store.conn.execute("PRAGMA busy_timeout = 20")  # fail fast instead of after 5 s
    other = sqlite3.connect(store.path)
    other.execute("BEGIN IMMEDIATE")  # as a CLI import does, for as long as it runs
    try:
        first = [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)]
        assert not await service.recent.flush()  # refused: kept in memory, tried again later
        assert service.recent.waiting == 3
    finally:
        other.rollback()
        other.close()
    assert await service.recent.flush()
    restarted = TriviaService(store, rng=random.Random(7), clock=fixed_clock, titles_check_seconds=0)
    rest = [(await restarted.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)]
    assert len(set(first + rest)) == 6


async def test_a_fact_edited_by_another_process_is_not_shown_from_memory(service: TriviaService, store):
    """The CLI's `fact edit` (another process, another connection) while the bot
    holds the film's facts in memory: its next answer shows the change."""
    from bot.services.moderation import ModerationService
    from bot.services.submissions import SubmissionService
    from bot.trivia.rows import Actor

    first = await service.show("mask", guild_id=None, channel_id=1, number=1)  # cached now
    other = await open_store(store.location)
    try:
        cli_trivia = TriviaService(other, clock=fixed_clock)
        cli = ModerationService(other, cli_trivia, SubmissionService(other, cli_trivia, clock=fixed_clock),
                                clock=fixed_clock)  # fmt: skip
        await cli.global_edit(first.fact_id, Actor(1, "owner"), "Cher and the director clashed over the music.")
        await cli_trivia.close()
    finally:
        await other.close()
    card = await service.show("mask", guild_id=None, channel_id=1, number=1)
    assert card.text == "Cher and the director clashed over the music."


async def test_the_film_being_typed_is_answered_without_a_trip_to_the_store(tmp_path: Path):
    """/trivia's autocomplete reads its first suggestion ahead for that channel: the command that
    follows needs nothing from the store, and still shows no fact twice in the channel's cycle."""
    store = await Store.open(tmp_path / "typed.db")
    await import_files(CatalogRepository(store), [SEED_PAGE])
    before = TriviaService(store, rng=random.Random(1), clock=fixed_clock, titles_check_seconds=3600)
    earlier = {(await before.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)}
    await before.close()  # the channel's record is in the store now, not in this service's memory

    service = TriviaService(store, rng=random.Random(2), clock=fixed_clock, titles_check_seconds=3600)
    suggested = await service.autocomplete("mas", guild_id=1, warm_channel=10)
    assert [entry.label for entry in suggested] == ["Mask (1985)"]
    await service.reads_ahead_done()
    await store.close()  # any read or write from here on would fail
    rest = {(await service.show("Mask (1985)", guild_id=1, channel_id=10)).fact_id for _ in range(3)}
    assert len(earlier | rest) == 6  # the three the channel had not seen


async def test_a_film_read_ahead_is_read_again_once_the_catalog_changed(service: TriviaService, store):
    from bot.services.moderation import ModerationService
    from bot.services.submissions import SubmissionService
    from bot.trivia.rows import Actor

    await service.autocomplete("mask", guild_id=None, warm_channel=1)
    await service.reads_ahead_done()
    first_id = (await service.catalog.film_facts(1, None)).facts.ids[0]
    other = await open_store(store.location)
    try:
        cli_trivia = TriviaService(other, clock=fixed_clock)
        cli = ModerationService(other, cli_trivia, SubmissionService(other, cli_trivia, clock=fixed_clock),
                                clock=fixed_clock)  # fmt: skip
        await cli.global_edit(first_id, Actor(1, "owner"), "Cher and the director clashed over the music.")
        await cli_trivia.close()
    finally:
        await other.close()
    card = await service.show("mask", guild_id=None, channel_id=1, number=1)
    assert card.text == "Cher and the director clashed over the music."
    await service.autocomplete("mask", guild_id=None, warm_channel=2)
    await service.close()  # a read ahead still under way is let go


async def _push_out(service: TriviaService, monkeypatch) -> None:
    """Another film asked in another channel with room for one film's facts and one channel record: the
    cache and the records drop what they held (least recently used first), as on a busy bot."""
    import bot.services.trivia as trivia_module

    assert await service.recent.flush()  # a record with writes waiting is never dropped
    monkeypatch.setattr(trivia_module, "FACTS_CACHED", 1)
    service.recent.capacity = 1
    await service.show("heat", guild_id=1, channel_id=9000 + len(service.recent))  # a new record: the rest go
    service.recent.capacity = 20_000


@pytest.fixture
async def two_films(seeded_store: Store) -> TriviaService:
    await CatalogRepository(seeded_store).import_films(
        [FilmRecord("Heat", 1995, facts=[FactRecord("De Niro and Pacino share two scenes.")])]
    )
    service = TriviaService(seeded_store, rng=random.Random(3), clock=fixed_clock, titles_check_seconds=0)
    service.titles_changed()
    await service.titles_settled()
    return service


async def test_a_read_ahead_never_brings_back_what_a_channel_was_shown_before(two_films: TriviaService, monkeypatch):
    """Found in review: a read ahead left unused (the member asked something else) kept the channel's
    record as it was then, and came back once the film and that record had left memory."""
    import bot.services.trivia as trivia_module

    service = two_films
    monkeypatch.setattr(trivia_module, "FACTS_CACHED", 1)  # room for one film's facts: a busy bot
    shown = [(await service.show("mask", guild_id=1, channel_id=10)).fact_id]
    await service.show("heat", guild_id=1, channel_id=11)  # Mask's facts leave memory
    await service.autocomplete("mas", guild_id=1, warm_channel=10)  # typed in channel 10, then not sent
    await service.reads_ahead_done()
    await service.show("mask", guild_id=1, channel_id=12)  # Mask's facts are back in memory
    shown += [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(2)]
    await _push_out(service, monkeypatch)
    shown += [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)]
    await service.close()
    assert len(set(shown)) == 6, f"a fact repeated within the channel's cycle: {shown}"


async def test_a_read_ahead_that_answers_after_the_command_is_not_kept(two_films: TriviaService, monkeypatch):
    """Found in review: on PostgreSQL (a round trip) or during a rebuild (the reader's thread) the
    command can read and answer before the read ahead returns; what the read ahead saw is then older
    than the channel's record and must not be kept."""
    service = two_films
    original = service.catalog.film_facts
    gate = asyncio.Event()
    calls = 0

    async def read_ahead_answers_late(*args, **kwargs):
        nonlocal calls
        calls += 1
        found = await original(*args, **kwargs)
        if calls == 1:
            await gate.wait()
        return found

    service.catalog.film_facts = read_ahead_answers_late
    await service.autocomplete("mas", guild_id=1, warm_channel=10)
    await asyncio.sleep(0)
    shown = [(await service.show("Mask (1985)", guild_id=1, channel_id=10)).fact_id]
    gate.set()
    await service.reads_ahead_done()
    shown += [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(3)]
    await _push_out(service, monkeypatch)
    shown += [(await service.show("mask", guild_id=1, channel_id=10)).fact_id for _ in range(2)]
    await service.close()
    assert len(set(shown)) == 6, f"a fact repeated within the channel's cycle: {shown}"


async def test_a_read_ahead_is_for_the_command_being_typed_not_for_later(tmp_path: Path):
    store = await Store.open(tmp_path / "later.db")
    await import_files(CatalogRepository(store), [SEED_PAGE])
    now = [1000.0]
    service = TriviaService(store, clock=fixed_clock, titles_check_seconds=3600, monotonic=lambda: now[0])
    await service.refresh_titles()
    await service.autocomplete("mas", guild_id=1, warm_channel=10)
    await service.reads_ahead_done()
    now[0] += 61  # the member typed, then went away
    await store.close()
    with pytest.raises(ValueError, match="closed"):  # it goes to the store: the read ahead is not used
        await service.show("Mask (1985)", guild_id=1, channel_id=10)
