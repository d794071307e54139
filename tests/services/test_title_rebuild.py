"""The title index is rebuilt while the bot serves: a change during a rebuild is never lost, lookups
never wait for a rebuild, and the event loop keeps running while one is built (issue 10, item 5)."""

from __future__ import annotations

import asyncio
import gc
import random
from pathlib import Path

import pytest

from bench.timing import LoopLag
from bot.db.catalog import CatalogRepository
from bot.db.engines import open_store
from bot.db.store import Store
from bot.services.trivia import TriviaService
from bot.trivia.records import FactRecord, FilmRecord


class Gate:
    """Holds a rebuild after it has read the films, so a test can change the catalog right then."""

    def __init__(self, service: TriviaService) -> None:
        self.reading = asyncio.Event()
        self.release = asyncio.Event()
        real = service.catalog.title_rows

        async def gated_title_rows():  # the real query, then a pause
            rows = await real()
            self.reading.set()
            await self.release.wait()
            return rows

        service.catalog.title_rows = gated_title_rows  # type: ignore[method-assign]


@pytest.fixture
async def service(seeded_store: Store) -> TriviaService:
    store = seeded_store
    trivia = TriviaService(store, rng=random.Random(1), titles_check_seconds=0)
    await trivia.refresh_titles()
    return trivia


async def labels(service: TriviaService, typed: str) -> list[str]:
    return [entry.label for entry in await service.autocomplete(typed)]


async def test_a_film_added_while_a_rebuild_is_in_flight_is_not_lost(service: TriviaService, store: Store):
    gate = Gate(service)
    service.titles_changed()  # something changed: a rebuild starts and reads the films...
    rebuilding = asyncio.create_task(service.refresh_titles())
    await gate.reading.wait()
    # ...and this process adds a film before that rebuild is swapped in.
    await CatalogRepository(store).import_films([FilmRecord("Heat", 1995, facts=[FactRecord("The diner scene.")])])
    service.titles_changed()
    gate.release.set()
    await rebuilding
    await service.refresh_titles()
    assert await labels(service, "hea") == ["Heat (1995)"]


async def test_lookups_answer_from_the_current_index_while_a_rebuild_is_under_way(service: TriviaService, store: Store):
    gate = Gate(service)
    await CatalogRepository(store).import_films([FilmRecord("Heat", 1995, facts=[FactRecord("The diner scene.")])])
    service.titles_changed()
    # The lookup notices the change and answers from the current index; the rebuild it starts is held
    # at the gate. (The bounds only make a regression fail instead of hang: nothing waits for them.)
    assert await asyncio.wait_for(labels(service, "ma"), 5) == ["Mask (1985)"]
    await gate.reading.wait()
    card = await asyncio.wait_for(service.show("heat", guild_id=None, channel_id=1), 5)
    assert card.film_label == "Heat (1995)"  # a typed title of the new film is found in the store meanwhile
    assert await asyncio.wait_for(labels(service, "hea"), 5) == []  # autocomplete catches up after the rebuild
    gate.release.set()
    await service.refresh_titles()
    assert await labels(service, "hea") == ["Heat (1995)"]


async def test_the_event_loop_keeps_running_while_100000_titles_are_indexed(tmp_path: Path):
    store = await Store.open(tmp_path / "big.db")
    try:
        rng = random.Random(5)
        words = [
            "night",
            "day",
            "dark",
            "light",
            "love",
            "war",
            "city",
            "dragon",
            "river",
            "storm",
            "king",
            "queen",
            "ghost",
            "shadow",
            "road",
            "home",
        ]
        films = [FilmRecord(f"{' '.join(rng.sample(words, 3)).title()} {n}", 1900 + n % 120) for n in range(100_000)]
        await CatalogRepository(store).import_films(films)
        service = TriviaService(store, titles_check_seconds=0)
        # What earlier tests left in this process is not this rebuild's to collect: a full collection
        # over the test runner's heap would be measured otherwise. (The bot's own heap is small.)
        gc.collect()
        gc.freeze()
        try:
            async with LoopLag() as lag:
                await service.refresh_titles()
        finally:
            gc.unfreeze()
        assert len(service.titles) == 100_000
        assert lag.samples > 10  # the probe ran all along
        assert lag.worst_ms < 50, f"the event loop stalled for {lag.worst_ms:.0f} ms during a rebuild"
    finally:
        await store.close()


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def rebuilt(service: TriviaService) -> None:
    """Until a rebuild already started has been swapped in (bounded so a regression fails, not hangs)."""
    for _ in range(500):
        if service.titles_current:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no rebuild was swapped in")


async def commit_elsewhere(store, title: str, year: int) -> None:
    """Another process's commit (a CLI import chunk): a second connection to the same database."""
    other = await open_store(store.location)
    try:
        await CatalogRepository(other).import_films(
            [FilmRecord(title, year, facts=[FactRecord(f"A fact of {title}.")])]
        )
    finally:
        await other.close()


async def test_an_import_by_another_process_is_indexed_once_when_it_is_still_not_after_every_chunk(
    seeded_store: Store,
):
    clock = Ticking()
    service = TriviaService(seeded_store, titles_check_seconds=0, titles_settle_seconds=2, monotonic=clock)
    await service.refresh_titles()
    reads = 0
    real = service.catalog.title_rows

    async def counted():
        nonlocal reads
        reads += 1
        return await real()

    service.catalog.title_rows = counted  # type: ignore[method-assign]
    # Ten chunks committed half a second apart, members typing all along.
    for n in range(10):
        await commit_elsewhere(seeded_store, f"Heat {n + 2}", 1995)
        clock.now += 0.5
        assert await labels(service, "ma") == ["Mask (1985)"]
        # Typed in full, a film of the import is found at once; cached facts were dropped.
        assert (await service.resolve(f"heat {n + 2}")).label == f"Heat {n + 2} (1995)"
    assert reads == 0  # no rebuild while the import goes on
    assert not service.titles_current
    clock.now += 2  # the catalog has been still for two seconds
    await labels(service, "hea")
    await rebuilt(service)
    assert reads == 1
    assert len(await labels(service, "heat")) == 10
    await service.close()


async def test_a_catalog_that_never_stops_changing_is_still_indexed_every_max_stale_seconds(seeded_store: Store):
    clock = Ticking()
    service = TriviaService(
        seeded_store, titles_check_seconds=0, titles_settle_seconds=2, titles_max_stale_seconds=30, monotonic=clock
    )
    await service.refresh_titles()
    for n in range(31):  # a change every second, never two seconds still
        await commit_elsewhere(seeded_store, f"Heat {n + 2}", 1995)
        clock.now += 1
        await labels(service, "hea")
        if n < 29:
            assert not service.titles_current, n
    await rebuilt(service)
    assert "Heat 2 (1995)" in await labels(service, "heat 2")  # indexed after 30 s of non-stop change
    await service.close()


async def test_a_lookup_that_waited_on_the_store_during_a_swap_never_reads_the_freed_index(seeded_store: Store):
    clock = Ticking()
    service = TriviaService(seeded_store, titles_check_seconds=0, titles_settle_seconds=2, monotonic=clock)
    await service.refresh_titles()
    await commit_elsewhere(seeded_store, "Heat", 1995)
    asking, answer = asyncio.Event(), asyncio.Event()
    real = service.catalog.titles_named

    async def slow_named(keys):
        found = await real(keys)
        asking.set()
        await answer.wait()
        return found

    service.catalog.titles_named = slow_named  # type: ignore[method-assign]
    # "maks" is a typo: the store's exact-name lookup finds nothing and the index must answer.
    lookup = asyncio.create_task(service.resolve("maks"))
    await asyncio.wait_for(asking.wait(), 5)
    await service.titles_settled()  # meanwhile the rebuild swaps a new index in and frees the old one
    answer.set()
    assert (await asyncio.wait_for(lookup, 5)).label == "Mask (1985)"
    await service.close()


async def test_a_commit_told_by_notify_and_seen_again_by_the_version_check_waits_only_one_settle(
    seeded_store: Store,
):
    clock = Ticking()
    service = TriviaService(seeded_store, titles_check_seconds=0, titles_settle_seconds=2, monotonic=clock)
    await service.refresh_titles()
    await commit_elsewhere(seeded_store, "Heat", 1995)
    service.catalog_changed_elsewhere()  # PostgreSQL's NOTIFY of that commit
    clock.now += 1.5
    await labels(service, "hea")  # the version check sees the same commit: not a newer change
    clock.now += 0.6  # two seconds after the commit, nothing newer
    await labels(service, "hea")
    await rebuilt(service)
    assert await labels(service, "hea") == ["Heat (1995)"]
    await service.close()


async def test_nothing_keeps_running_after_close_even_if_a_change_is_announced_late(seeded_store: Store):
    service = TriviaService(seeded_store, titles_check_seconds=0, titles_settle_seconds=0.01)
    await service.refresh_titles()
    await commit_elsewhere(seeded_store, "Heat", 1995)
    service.catalog_changed_elsewhere()  # a settle task is waiting
    service.titles_changed()  # and a rebuild runs
    await service.close()
    service.catalog_changed_elsewhere()  # a NOTIFY arriving after close
    service.titles_changed()
    await service.titles_settled()  # returns: nothing to wait for once closed
    names = {task.get_name() for task in asyncio.all_tasks()}
    assert not names & {"title-index-rebuild", "title-index-settle"}


async def test_rebuilds_keep_nothing_from_the_garbage_collector(service: TriviaService):
    """Garbage cycles made while an index is built are collected afterwards: nothing is frozen."""
    frozen = gc.get_freeze_count()

    class Cycle:
        pass

    for _ in range(3):
        service.titles_changed()
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a  # a cycle, dropped while the collector is paused
        del a, b
        await service.titles_settled()
    assert gc.get_freeze_count() == frozen
    assert gc.collect() >= 6  # the three cycles (and their dicts) are found
