from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.importing import import_files, read_catalog_file
from bot.trivia.catalog_formats import to_json
from bot.trivia.errors import ImportFormatError
from bot.trivia.records import FactRecord, FilmRecord
from tests.conftest import SEED_PAGE


async def test_importing_the_seed_page_twice_changes_nothing_the_second_time(store: Store):
    catalog = CatalogRepository(store)
    first = await import_files(catalog, [SEED_PAGE])
    assert (first.films_added, first.facts_added, first.facts_skipped) == (1, 6, 0)

    second = await import_files(catalog, [SEED_PAGE])
    assert (second.films_added, second.films_existing, second.facts_added, second.facts_skipped) == (0, 1, 0, 6)
    stats = await catalog.stats()
    assert (stats.films, stats.facts) == (1, 6)


async def test_the_same_fact_from_json_with_other_spacing_and_case_is_not_duplicated(store: Store, tmp_path: Path):
    catalog = CatalogRepository(store)
    await import_files(catalog, [SEED_PAGE])
    again = tmp_path / "again.json"
    again.write_text(
        to_json([FilmRecord("MASK", 1985, facts=[FactRecord("rob lowe was  NEARLY cast as Rocky Dennis")])])
    )

    summary = await import_files(catalog, [again])
    assert (summary.films_added, summary.facts_added, summary.facts_skipped) == (0, 0, 1)


async def test_one_bad_file_imports_nothing_at_all(store: Store, tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Not a page at all\n")
    with pytest.raises(ImportFormatError, match=r"bad.txt:1: expected a '<Title> Behind The Scenes' line"):
        await import_files(CatalogRepository(store), [SEED_PAGE, bad])
    assert (await CatalogRepository(store).stats()).films == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"Mask Behind The Scenes\n\xff\xfe broken", "bad.txt:2: not valid UTF-8"), (b"a\x00b", "NUL byte")],
)
def test_files_that_are_not_text_are_refused(tmp_path: Path, content: bytes, problem: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=problem):
        read_catalog_file(path)


async def test_guild_facts_are_visible_only_in_their_guild(store: Store):
    catalog = CatalogRepository(store)
    await import_files(catalog, [SEED_PAGE])
    (film_id,) = [r[0] for r in await store.fetchall("SELECT id FROM films")]
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO facts (film_id, text, origin, guild_id, content_hash, credit)"
            " VALUES (?, 'A member fact.', 'submission', 42, 'h42', 'member')",
            (film_id,),
        )
    assert len((await catalog.film_facts(film_id, 42)).facts) == 7
    assert len((await catalog.film_facts(film_id, 43)).facts) == 6
    assert len((await catalog.film_facts(film_id, None)).facts) == 6
    assert await catalog.film_facts(film_id + 1, None) is None
    assert sum(len(f.facts) for f in await catalog.export()) == 6
    assert sum(len(f.facts) for f in await catalog.export(guild_id=42)) == 7


async def test_export_then_import_into_a_new_database_round_trips(store: Store, tmp_path: Path):
    catalog = CatalogRepository(store)
    await import_files(catalog, [SEED_PAGE])
    exported = tmp_path / "catalog.json"
    exported.write_text(to_json(await catalog.export()))

    fresh = await Store.open(tmp_path / "fresh.db")
    try:
        summary = await import_files(CatalogRepository(fresh), [exported])
        assert (summary.films_added, summary.facts_added) == (1, 6)
        assert await CatalogRepository(fresh).export() == await catalog.export()
    finally:
        await fresh.close()


async def test_films_with_counts(store: Store):
    catalog = CatalogRepository(store)
    await catalog.import_films([FilmRecord("Heat", 1995), *read_catalog_file(SEED_PAGE)])
    assert [(f.label, n) for f, n in await catalog.films_with_counts()] == [("Heat (1995)", 0), ("Mask (1985)", 6)]
