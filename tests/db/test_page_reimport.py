"""A page imported again after its reading changed corrects its facts in place (issue #9)."""

from __future__ import annotations

from pathlib import Path

from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.importing import import_files
from bot.trivia.records import FactRecord, FilmRecord

INTRO = "Go behind the scenes on the 1987 Horror movie starring Donald Pleasence"
PAGE = "\n".join(
    [
        "Prince Of Darkness Movie Behind The Scenes",
        INTRO,
        "Thanks to Kim",
        "The church was a real one.",
        "",
        "Its basement was a set.",
        "Thanks to Lee",
        "The liquid was lit from inside.",
        "",
    ]
)


async def facts(store: Store) -> list[tuple[int, str, str | None]]:
    return [(r[0], r[1], r[2]) for r in await store.fetchall("SELECT id, text, credit FROM facts ORDER BY id")]


async def test_paragraphs_an_older_reading_stored_as_facts_are_merged_keeping_the_first_id(
    store: Store, tmp_path: Path
):
    catalog = CatalogRepository(store)
    # What an earlier release stored: each paragraph a fact, each credit one fact early, no page recorded.
    old = FilmRecord(
        "Prince Of Darkness",
        1987,
        "Horror",
        facts=[
            FactRecord("The church was a real one."),
            FactRecord("Its basement was a set.", credit="Kim"),
            FactRecord("The liquid was lit from inside.", credit="Lee"),
        ],
    )
    await catalog.import_films([old])
    await store.write("UPDATE facts SET imported_from = NULL")  # as release 0.1.0 left them: origin unknown
    ids = [row[0] for row in await facts(store)]
    await store.write(
        "INSERT INTO channel_shown (channel_id, film_id, fact_id, shown_at) SELECT 5, film_id, id, 'x' FROM facts"
    )

    page = tmp_path / "making_prince.txt"
    page.write_text(PAGE, encoding="utf-8")
    summary = await import_files(catalog, [page])

    assert await facts(store) == [
        (ids[0], "The church was a real one.\n\nIts basement was a set.", "Kim"),
        (ids[2], "The liquid was lit from inside.", "Lee"),
    ]
    assert (summary.facts_added, summary.facts_updated, summary.facts_removed) == (0, 2, 1)
    shown = await store.fetchall("SELECT fact_id FROM channel_shown ORDER BY fact_id")
    assert [r[0] for r in shown] == [ids[0], ids[2]]

    again = await import_files(catalog, [page])
    assert (again.facts_added, again.facts_updated, again.facts_skipped, again.facts_removed) == (0, 0, 2, 0)


async def test_a_fact_its_own_page_no_longer_says_goes_but_other_sources_stay(store: Store, tmp_path: Path):
    catalog = CatalogRepository(store)
    await catalog.import_films([FilmRecord("Prince Of Darkness", 1987, facts=[FactRecord("From a JSON file.")])])
    page = tmp_path / "making_prince.txt"
    page.write_text(PAGE + "Thanks to Ann\nA fact that will be taken off the page.\n", encoding="utf-8")
    await import_files(catalog, [page])
    assert len(await facts(store)) == 4

    page.write_text(PAGE, encoding="utf-8")
    summary = await import_files(catalog, [page])

    texts = [text for _, text, _ in await facts(store)]
    assert "A fact that will be taken off the page." not in texts
    assert "From a JSON file." in texts
    assert summary.facts_removed == 1


async def test_json_fills_a_missing_credit_but_never_erases_one(store: Store):
    catalog = CatalogRepository(store)
    await catalog.import_films([FilmRecord("X", 2000, facts=[FactRecord("A fact.", credit="Ann")])])
    await catalog.import_films([FilmRecord("X", 2000, facts=[FactRecord("A fact.")])])
    assert [c for _, _, c in await facts(store)] == ["Ann"]
    await catalog.import_films([FilmRecord("Y", 2000, facts=[FactRecord("B fact.")])])
    summary = await catalog.import_films([FilmRecord("Y", 2000, facts=[FactRecord("B fact.", credit="Bo")])])
    assert [c for _, _, c in await facts(store)] == ["Ann", "Bo"]
    assert summary.facts_updated == 1


async def test_a_page_never_takes_a_json_fact_as_a_paragraph_nor_erases_its_credit(store: Store, tmp_path: Path):
    """Found by review: a JSON fact equal to a paragraph was swallowed, and an uncredited page line wiped
    a JSON credit, then the fact was deleted when the page changed."""
    catalog = CatalogRepository(store)
    await catalog.import_films(
        [
            FilmRecord(
                "Prince Of Darkness",
                1987,
                facts=[
                    FactRecord("Its basement was a set.", credit="Alice", source="Fangoria #41"),
                    FactRecord("The liquid was lit from inside.", credit="Bob"),
                ],
            )
        ]
    )
    page = tmp_path / "making_prince.txt"
    page.write_text(PAGE.replace("Thanks to Lee\n", ""), encoding="utf-8")
    await import_files(catalog, [page])
    rows = {text: (credit, fid) for fid, text, credit in await facts(store)}
    assert rows["Its basement was a set."][0] == "Alice"
    assert rows["The liquid was lit from inside."][0] == "Bob"  # the page says it uncredited: a gap, not a fact
    assert "The church was a real one.\n\nIts basement was a set." in rows

    page.write_text(PAGE.replace("Thanks to Lee\nThe liquid was lit from inside.\n", ""), encoding="utf-8")
    await import_files(catalog, [page])
    texts = [text for _, text, _ in await facts(store)]
    assert "The liquid was lit from inside." in texts  # JSON's own fact: not the page's to remove
    source = await store.fetchone("SELECT source FROM facts WHERE text = ?", ("Its basement was a set.",))
    assert source is not None
    assert source[0] == "Fangoria #41"


async def test_another_page_with_the_same_fact_does_not_take_it(store: Store, tmp_path: Path):
    catalog = CatalogRepository(store)
    seed = tmp_path / "seed.txt"
    seed.write_text(PAGE, encoding="utf-8")
    await import_files(catalog, [seed])
    other = tmp_path / "other.txt"
    other.write_text(PAGE, encoding="utf-8")
    await import_files(catalog, [other])
    other.write_text(PAGE.replace("Thanks to Lee\nThe liquid was lit from inside.\n", ""), encoding="utf-8")
    summary = await import_files(catalog, [other])
    assert summary.facts_removed == 0
    assert len(await facts(store)) == 2


async def test_a_page_whose_title_was_corrected_leaves_no_copy_on_the_old_film(store: Store, tmp_path: Path):
    catalog = CatalogRepository(store)
    page = tmp_path / "making_prince.txt"
    page.write_text(PAGE.replace("Prince Of Darkness Movie", "Prince Of Darknes Movie"), encoding="utf-8")
    await import_files(catalog, [page])
    page.write_text(PAGE, encoding="utf-8")
    summary = await import_files(catalog, [page])
    rows = await store.fetchall(
        "SELECT f.title, count(x.id) FROM films f LEFT JOIN facts x ON x.film_id = f.id GROUP BY f.id"
    )
    assert sorted((r[0], r[1]) for r in rows) == [("Prince Of Darknes", 0), ("Prince Of Darkness", 2)]
    assert summary.facts_removed == 2
