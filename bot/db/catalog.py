"""Films and facts: the catalog every lookup reads and every import writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aiosqlite

from bot.db.models import CatalogStats, Fact, Film, ImportSummary
from bot.db.store import Store
from bot.trivia.records import FactRecord, FilmRecord, fact_hash
from bot.trivia.titles import normalise_title


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
        """All films of one import in one transaction: a failure leaves the catalog as it was."""
        summary = ImportSummary()
        async with self.store.transaction() as conn:
            for film in films:
                summary = summary + await self._import_film(conn, film)
        return summary

    async def _import_film(self, conn: aiosqlite.Connection, film: FilmRecord) -> ImportSummary:
        norm = normalise_title(film.title)
        cursor = await conn.execute(
            "INSERT INTO films (title, norm_title, year, genre, cast_summary) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (film.title, norm, film.year, film.genre, film.cast),
        )
        added = cursor.rowcount == 1
        if added:
            film_id = cursor.lastrowid
        else:
            async with conn.execute(
                "SELECT id FROM films WHERE norm_title = ? AND ifnull(year, 0) = ?", (norm, film.year or 0)
            ) as found:
                row = await found.fetchone()
            assert row is not None
            film_id = row[0]
            # Fill in details an earlier, sparser import (a CSV without cast, say) left empty.
            await conn.execute(
                "UPDATE films SET genre = CASE WHEN genre = '' THEN ? ELSE genre END,"
                " cast_summary = CASE WHEN cast_summary = '' THEN ? ELSE cast_summary END WHERE id = ?",
                (film.genre, film.cast, film_id),
            )
        if film.aliases:
            await conn.executemany(
                "INSERT INTO film_aliases (film_id, alias, norm_alias) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(film_id, alias, normalise_title(alias)) for alias in film.aliases if normalise_title(alias)],
            )
        facts_added = await self._insert_facts(conn, film_id, film, film.facts)
        return ImportSummary(
            films_added=int(added),
            films_existing=int(not added),
            facts_added=facts_added,
            facts_skipped=len(film.facts) - facts_added,
        )

    @staticmethod
    async def _insert_facts(
        conn: aiosqlite.Connection, film_id: int, film: FilmRecord, facts: Iterable[FactRecord]
    ) -> int:
        rows = [
            (film_id, f.text, f.section, f.credit, f.source, fact_hash(film.title, film.year, f.text)) for f in facts
        ]
        if not rows:
            return 0
        before = conn.total_changes
        await conn.executemany(
            "INSERT INTO facts (film_id, text, section, credit, source, origin, guild_id, content_hash)"
            " VALUES (?, ?, ?, ?, ?, 'import', NULL, ?) ON CONFLICT DO NOTHING",
            rows,
        )
        return conn.total_changes - before

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

    async def visible_fact_ids(self, film_id: int, guild_id: int | None) -> list[int]:
        """Global facts plus those approved in this guild, in a stable order so "fact 3" stays fact 3."""
        rows = await self.store.fetchall(
            "SELECT id FROM facts WHERE film_id = ? AND (guild_id IS NULL OR guild_id = ?) ORDER BY id",
            (film_id, guild_id),
        )
        return [r[0] for r in rows]

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
