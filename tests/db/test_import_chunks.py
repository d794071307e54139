"""A big import commits in chunks of whole films: readers see a consistent catalog at every commit, and
another connection's writes get the lock between chunks instead of waiting for the whole import."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.db import catalog as catalog_module
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.trivia.records import FactRecord, FilmRecord


def films(count: int, facts: int = 2) -> list[FilmRecord]:
    return [
        FilmRecord(
            f"Film {n}", 1950 + n % 60, facts=[FactRecord(f"Fact {i} of film {n}, long enough.") for i in range(facts)]
        )
        for n in range(count)
    ]


def test_chunks_are_bounded_and_never_split_a_film(monkeypatch):
    monkeypatch.setattr(catalog_module, "IMPORT_CHUNK", 3)
    monkeypatch.setattr(catalog_module, "IMPORT_CHUNK_FACTS", 5)
    records = films(7)
    again = FilmRecord("film 0", records[0].year, facts=[FactRecord("One more fact about film zero, later on.")])
    big = FilmRecord("Epic", 2000, facts=[FactRecord(f"Epic fact number {i}, long enough.") for i in range(9)])
    chunks = catalog_module.import_chunks([*records, again, big])
    assert [len(c) for c in chunks] == [3, 2, 2, 1, 1]  # film 0's two records together: 2 + 1 + 2 facts
    assert chunks[0][:2] == [records[0], again]
    assert chunks[-1] == [big]  # one film larger than a chunk is one chunk of its own, whole
    assert sum(len(c) for c in chunks) == 9


async def test_readers_see_whole_films_at_every_commit_and_other_writers_get_in_during_an_import(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(catalog_module, "IMPORT_CHUNK", 200)
    path = tmp_path / "trivia.db"
    importer, bot = await Store.open(path), await Store.open(path)
    try:
        importing = asyncio.create_task(CatalogRepository(importer).import_films(films(3_000)))
        half_films: list[int] = []
        wrote_during_import = False
        while not importing.done():
            row = await bot.fetchone(
                "SELECT count(*), (SELECT count(*) FROM films f"
                " WHERE (SELECT count(*) FROM facts x WHERE x.film_id = f.id) != 2) FROM films"
            )
            half_films.append(row[1])
            if not wrote_during_import and 0 < row[0] < 3_000:
                await bot.write("INSERT INTO meta (key, value) VALUES ('during', 'import')")
                wrote_during_import = not importing.done()
            await asyncio.sleep(0)
        summary = await importing
    finally:
        await importer.close()
        await bot.close()
    assert summary.films_added == 3_000
    assert set(half_films) == {0}
    assert wrote_during_import  # the bot's write went in between two chunks, not after the import
