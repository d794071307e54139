"""Films and facts: the catalog every lookup reads and every import writes."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.db.models import CatalogStats, Fact, Film, FilmFacts, ImportSummary
from bot.db.store import Store
from bot.faults import failpoint
from bot.trivia.records import FactRecord, FilmRecord, fact_hash_for
from bot.trivia.text import fold
from bot.trivia.titles import normalise_title

IMPORT_CHUNK = 2000  # films per round of statements: large enough to amortise, small enough to stay lean


def _film(row: aiosqlite.Row) -> Film:
    return Film(row["id"], row["title"], row["year"], row["genre"], row["cast_summary"])


def _fact(row: aiosqlite.Row) -> Fact:
    return Fact(
        row["id"],
        row["film_id"],
        row["text"],
        row["section"],
        row["credit"],
        row["source"],
        row["origin"],
        row["guild_id"],
    )


class CatalogRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def import_films(self, films: Sequence[FilmRecord]) -> ImportSummary:
        """All films of one import in one transaction: a failure leaves the catalog as it was.

        Works in chunks of films with one statement per kind of row per chunk, so a million facts
        cost a few hundred round trips to the database thread rather than hundreds of thousands."""
        summary = ImportSummary()
        async with self.store.transaction() as conn:
            for start in range(0, len(films), IMPORT_CHUNK):
                summary = summary + await self._import_chunk(conn, films[start : start + IMPORT_CHUNK])
                failpoint("import.chunk")
            failpoint("import.before_commit")
        return summary

    async def _import_chunk(self, conn: aiosqlite.Connection, films: Sequence[FilmRecord]) -> ImportSummary:
        keyed = [(normalise_title(film.title), film) for film in films]
        before = conn.total_changes
        await conn.executemany(
            "INSERT INTO films (title, norm_title, year, genre, cast_summary) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(film.title, norm, film.year, film.genre, film.cast) for norm, film in keyed],
        )
        films_added = conn.total_changes - before
        ids: dict[tuple[str, int], int] = {}
        norms = sorted({norm for norm, _ in keyed})
        for start in range(0, len(norms), 500):
            batch = norms[start : start + 500]
            marks = ",".join("?" * len(batch))
            async with conn.execute(
                f"SELECT id, norm_title, ifnull(year, 0) FROM films WHERE norm_title IN ({marks})",  # noqa: S608 - only ? marks
                batch,
            ) as cursor:
                ids.update({(row[1], row[2]): row[0] for row in await cursor.fetchall()})
        # Details an earlier, sparser import (a CSV without cast, say) left empty are filled in.
        await conn.executemany(
            "UPDATE films SET genre = CASE WHEN genre = '' THEN ? ELSE genre END,"
            " cast_summary = CASE WHEN cast_summary = '' THEN ? ELSE cast_summary END"
            " WHERE id = ? AND (genre = '' OR cast_summary = '')",
            [(film.genre, film.cast, ids[(norm, film.year or 0)]) for norm, film in keyed if film.genre or film.cast],
        )
        await conn.executemany(
            "INSERT INTO film_aliases (film_id, alias, norm_alias) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [
                (ids[(norm, film.year or 0)], alias, normalise_title(alias))
                for norm, film in keyed
                for alias in film.aliases
                if normalise_title(alias)
            ],
        )
        rows = [
            (
                ids[(norm, film.year or 0)],
                f.text,
                f.section,
                f.credit,
                f.source,
                fact_hash_for(norm, film.year, f.text),
                film.page,
            )
            for norm, film in keyed
            for f in film.facts
        ]
        before = conn.total_changes
        async with conn.execute("SELECT ifnull(max(id), 0) FROM facts") as cursor:
            (last_id,) = await cursor.fetchone()  # type: ignore[misc]
        # A fact already in the catalog is skipped, unless its page was read again and now says something
        # else of it (a credit, a section, its paragraphs): then the page's word corrects it in place, keeping
        # its id, so what channels were shown and daily history stay attached. JSON and CSV only fill gaps.
        await conn.executemany(
            "INSERT INTO facts (film_id, text, section, credit, source, origin, guild_id, content_hash, page)"
            " VALUES (?, ?, ?, ?, ?, 'import', NULL, ?, ?)"
            " ON CONFLICT (content_hash, ifnull(guild_id, 0)) DO UPDATE SET"
            "  text = CASE WHEN excluded.page IS NULL THEN facts.text ELSE excluded.text END,"
            "  section = CASE WHEN excluded.page IS NULL THEN facts.section ELSE excluded.section END,"
            "  credit = CASE WHEN excluded.page IS NULL THEN coalesce(facts.credit, excluded.credit)"
            "   ELSE excluded.credit END,"
            "  source = coalesce(excluded.source, facts.source),"
            "  page = coalesce(excluded.page, facts.page)"
            " WHERE facts.origin = 'import' AND (facts.text IS NOT excluded.text AND excluded.page IS NOT NULL"
            "  OR facts.section IS NOT excluded.section AND excluded.page IS NOT NULL"
            "  OR facts.credit IS NOT excluded.credit AND (excluded.page IS NOT NULL OR facts.credit IS NULL)"
            "  OR facts.source IS NOT excluded.source AND excluded.source IS NOT NULL"
            "  OR facts.page IS NOT excluded.page AND excluded.page IS NOT NULL)",
            rows,
        )
        changed = conn.total_changes - before
        async with conn.execute("SELECT count(*) FROM facts WHERE id > ?", (last_id,)) as cursor:
            (facts_added,) = await cursor.fetchone()  # type: ignore[misc]
        facts_updated = changed - facts_added
        facts_removed = 0
        for norm, film in keyed:
            if film.page is not None:
                merged, removed = await _reconcile_page(conn, ids[(norm, film.year or 0)], norm, film, last_id)
                facts_added -= merged  # inserted whole a moment ago, then moved onto an existing id
                facts_updated += merged
                facts_removed += removed
        return ImportSummary(
            films_added=films_added,
            films_existing=len(films) - films_added,
            facts_added=facts_added,
            facts_skipped=len(rows) - facts_added - facts_updated,
            facts_updated=facts_updated,
            facts_removed=facts_removed,
        )

    async def title_rows(self) -> list[tuple[int, str, int | None, list[str]]]:
        """Everything the title index needs, in two scans rather than a query per film."""
        aliases: dict[int, list[str]] = {}
        for row in await self.store.fetchall("SELECT film_id, alias FROM film_aliases"):
            aliases.setdefault(row[0], []).append(row[1])
        rows = await self.store.fetchall("SELECT id, title, year FROM films")
        return [(r[0], r[1], r[2], aliases.get(r[0], [])) for r in rows]

    async def film(self, film_id: int) -> Film | None:
        row = await self.store.fetchone(
            "SELECT id, title, year, genre, cast_summary FROM films WHERE id = ?", (film_id,)
        )
        return _film(row) if row else None

    async def film_facts(
        self, film_id: int, guild_id: int | None, *, channel_id: int | None = None
    ) -> FilmFacts | None:
        """A film, the facts visible in a guild (global ones and its own) and, given a channel, which of
        them it has been shown this cycle: everything /trivia reads, in one round trip."""
        rows = await self.store.fetchall(
            "SELECT f.id, f.title, f.year, f.genre, f.cast_summary, x.id AS fact_id, x.text, x.section, x.credit,"
            " x.source, x.origin, x.guild_id, c.id AS shown FROM films f"
            " LEFT JOIN facts x ON x.film_id = f.id AND (x.guild_id IS NULL OR x.guild_id = ?)"
            " LEFT JOIN channel_shown c ON c.channel_id = ? AND c.fact_id = x.id"
            " WHERE f.id = ? ORDER BY x.id",
            (guild_id, channel_id, film_id),
        )
        if not rows:
            return None
        film = _film(rows[0])
        facts = [
            Fact(r["fact_id"], film.id, r["text"], r["section"], r["credit"], r["source"], r["origin"], r["guild_id"])
            for r in rows
            if r["fact_id"] is not None
        ]
        shown = sorted((r["shown"], r["fact_id"]) for r in rows if r["shown"] is not None)
        return FilmFacts(film, facts, {fact_id for _, fact_id in shown}, shown[-1][1] if shown else None)

    async def fact(self, fact_id: int) -> Fact | None:
        row = await self.store.fetchone(
            "SELECT id, film_id, text, section, credit, source, origin, guild_id FROM facts WHERE id = ?", (fact_id,)
        )
        return _fact(row) if row else None

    async def films_with_counts(self, guild_id: int | None = None) -> list[tuple[Film, int]]:
        rows = await self.store.fetchall(
            "SELECT f.id, f.title, f.year, f.genre, f.cast_summary, count(x.id) AS facts"
            " FROM films f LEFT JOIN facts x ON x.film_id = f.id AND (x.guild_id IS NULL OR x.guild_id = ?)"
            " GROUP BY f.id ORDER BY f.norm_title, f.year",
            (guild_id,),
        )
        return [(_film(r), r["facts"]) for r in rows]

    async def export(self, guild_id: int | None = None) -> list[FilmRecord]:
        """Global facts, plus one guild's approved facts when asked: the JSON `import` reads back."""
        films: dict[int, FilmRecord] = {}
        for row in await self.store.fetchall(
            "SELECT id, title, year, genre, cast_summary FROM films ORDER BY norm_title, year"
        ):
            films[row["id"]] = FilmRecord(row["title"], row["year"], row["genre"], row["cast_summary"])
        for row in await self.store.fetchall("SELECT film_id, alias FROM film_aliases ORDER BY alias"):
            films[row[0]].aliases.append(row[1])
        for row in await self.store.fetchall(
            "SELECT film_id, text, section, credit, source FROM facts"
            " WHERE guild_id IS NULL OR guild_id = ? ORDER BY id",
            (guild_id,),
        ):
            films[row[0]].facts.append(FactRecord(row[1], row[2], row[3], row[4]))
        return list(films.values())

    async def stats(self) -> CatalogStats:
        row = await self.store.fetchone(
            "SELECT (SELECT count(*) FROM films),"
            " (SELECT count(*) FROM facts),"
            " (SELECT count(*) FROM facts WHERE guild_id IS NULL),"
            " (SELECT count(*) FROM facts WHERE guild_id IS NOT NULL),"
            " (SELECT count(*) FROM films f WHERE NOT EXISTS (SELECT 1 FROM facts x WHERE x.film_id = f.id))"
        )
        assert row is not None
        return CatalogStats(*row)


async def _reconcile_page(
    conn: aiosqlite.Connection, film_id: int, norm: str, film: FilmRecord, last_id: int
) -> tuple[int, int]:
    """After a page is read again: facts an earlier reading kept of it that the page no longer says.

    An earlier release read each paragraph of a fact as a fact of its own. Such pieces are folded back
    into the fact they belong to: the first piece becomes the whole fact (keeping its id, so channel
    history and daily posts stay attached), the other pieces go. Facts recorded from this very page that
    it no longer says go too. Facts of unknown origin (imported before pages were recorded, possibly from
    JSON) are left alone unless they are such a piece. `last_id` is the highest fact id before this import.
    Returns (facts inserted by this import and moved onto a piece's id, facts removed)."""
    wanted = {fact_hash_for(norm, film.year, f.text): f for f in film.facts}
    async with conn.execute(
        "SELECT id, text, content_hash, page FROM facts"
        " WHERE film_id = ? AND guild_id IS NULL AND origin = 'import' AND (page IS NULL OR page = ?) ORDER BY id",
        (film_id, film.page),
    ) as cursor:
        stale = [row for row in await cursor.fetchall() if bytes(row[2]) not in wanted]
    if not stale:
        return 0, 0
    by_text = {fold(row[1]): row for row in stale}
    merged = removed = 0
    gone: set[int] = set()
    for content_hash, fact in wanted.items():
        if "\n\n" not in fact.text:
            continue
        pieces = [by_text[key] for key in map(fold, fact.text.split("\n\n")) if key in by_text]
        pieces = [row for row in pieces if row[0] not in gone]
        if not pieces:
            continue
        async with conn.execute(
            "SELECT id FROM facts WHERE content_hash = ? AND guild_id IS NULL", (content_hash,)
        ) as cursor:
            (whole,) = await cursor.fetchone()  # type: ignore[misc]
        others = sorted(pieces, key=lambda row: row[0])
        if whole > last_id:
            # The whole fact was just inserted under a new id: move it onto the first piece's id instead.
            keep, *others = others
            await conn.execute("DELETE FROM facts WHERE id = ?", (whole,))
            await conn.execute(
                "UPDATE facts SET text = ?, section = ?, credit = ?, source = coalesce(?, source),"
                " content_hash = ?, page = ? WHERE id = ?",
                (fact.text, fact.section, fact.credit, fact.source, content_hash, film.page, keep[0]),
            )
            merged += 1
            gone.add(keep[0])
        for row in others:
            await conn.execute("DELETE FROM facts WHERE id = ?", (row[0],))
            gone.add(row[0])
            removed += 1
    for row in stale:
        if row[0] not in gone and row[3] == film.page:
            await conn.execute("DELETE FROM facts WHERE id = ?", (row[0],))
            removed += 1
    return merged, removed
