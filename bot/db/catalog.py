"""Films and facts: the catalog every lookup reads and every import writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import aiosqlite

from bot.db.models import CatalogStats, Fact, Film, FilmFacts, ImportSummary
from bot.db.store import Store
from bot.faults import failpoint
from bot.trivia.records import FactRecord, FilmRecord, fact_hash_for
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


def _with_aliases(
    film_rows: Iterable[aiosqlite.Row], alias_rows: Iterable[aiosqlite.Row]
) -> Iterator[tuple[int, str, int | None, Sequence[str]]]:
    aliases: dict[int, list[str]] = {}
    for row in alias_rows:
        aliases.setdefault(row[0], []).append(row[1])
    for row in film_rows:
        yield row[0], row[1], row[2], aliases.get(row[0], ())


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
            (ids[(norm, film.year or 0)], f.text, f.section, f.credit, f.source, fact_hash_for(norm, film.year, f.text))
            for norm, film in keyed
            for f in film.facts
        ]
        before = conn.total_changes
        await conn.executemany(
            "INSERT INTO facts (film_id, text, section, credit, source, origin, guild_id, content_hash)"
            " VALUES (?, ?, ?, ?, ?, 'import', NULL, ?) ON CONFLICT DO NOTHING",
            rows,
        )
        facts_added = conn.total_changes - before
        return ImportSummary(
            films_added=films_added,
            films_existing=len(films) - films_added,
            facts_added=facts_added,
            facts_skipped=len(rows) - facts_added,
        )

    async def title_rows(self) -> Iterator[tuple[int, str, int | None, Sequence[str]]]:
        """Everything the title index needs, in two scans rather than a query per film. The rows are
        shaped lazily, by whoever iterates them: the index is built in a worker thread, and shaping
        100,000 rows on the event loop would stall it."""
        alias_rows = await self.store.fetchall("SELECT film_id, alias FROM film_aliases")
        film_rows = await self.store.fetchall("SELECT id, title, year FROM films")
        return _with_aliases(film_rows, alias_rows)

    async def titles_named(self, norm_titles: Sequence[str]) -> list[tuple[int, str, int | None, Sequence[str]]]:
        """Films whose normalised title or alias is one of these, shaped like `title_rows`: a lookup
        asks this while the title index is being rebuilt, so a film just added is found by its name."""
        if not norm_titles:
            return []
        marks = ",".join("?" * len(norm_titles))
        film_rows = await self.store.fetchall(
            f"SELECT id, title, year FROM films WHERE norm_title IN ({marks})"  # noqa: S608 - only ? marks
            f" OR id IN (SELECT film_id FROM film_aliases WHERE norm_alias IN ({marks}))",
            (*norm_titles, *norm_titles),
        )
        if not film_rows:
            return []
        ids = [row[0] for row in film_rows]
        alias_rows = await self.store.fetchall(
            f"SELECT film_id, alias FROM film_aliases WHERE film_id IN ({','.join('?' * len(ids))})",  # noqa: S608
            ids,
        )
        return list(_with_aliases(film_rows, alias_rows))

    async def change_mark(self) -> tuple[int, int, int]:
        """Moves whenever films, facts or aliases are added (the catalog only grows): how caches tell a
        catalog change from any other commit that moved `data_version`. Three index lookups."""
        row = await self.store.fetchone(
            "SELECT ifnull((SELECT max(id) FROM films), 0), ifnull((SELECT max(id) FROM facts), 0),"
            " (SELECT count(*) FROM film_aliases)"
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

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
