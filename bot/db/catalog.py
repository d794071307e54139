"""Films and facts: the catalog every lookup reads and every import writes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any

import aiosqlite

from bot.db.store import Store
from bot.faults import failpoint
from bot.trivia.records import FactRecord, FilmRecord, fact_hash_for
from bot.trivia.rows import CatalogStats, ChannelFacts, Fact, FactRows, Film, FilmFacts, ImportSummary
from bot.trivia.text import fold
from bot.trivia.titles import normalise_title

IMPORT_CHUNK = 2000  # at most this many films per transaction...
IMPORT_CHUNK_FACTS = 5000  # ...and about this many facts (one film's facts are never split): ~0.2 s of lock
IMPORT_PAUSE_SECONDS = 0.01  # between chunks, so other processes' writes get the lock


def import_chunks(films: Sequence[FilmRecord]) -> list[list[FilmRecord]]:
    """Films in import order, cut into bounded chunks; records of the same film (title and year) go in
    the chunk of its first record, so a film never shows with part of an import's facts."""
    groups: dict[tuple[str, int], list[FilmRecord]] = {}
    for film in films:
        groups.setdefault((normalise_title(film.title), film.year or 0), []).append(film)
    chunks: list[list[FilmRecord]] = []
    current: list[FilmRecord] = []
    facts = 0
    for group in groups.values():
        size = sum(len(film.facts) for film in group)
        if current and (len(current) + len(group) > IMPORT_CHUNK or facts + size > IMPORT_CHUNK_FACTS):
            chunks.append(current)
            current, facts = [], 0
        current.extend(group)
        facts += size
    if current:
        chunks.append(current)
    return chunks


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


_ROWS_RUN = 4096


def _with_aliases(
    film_rows: list[aiosqlite.Row], alias_rows: Iterable[aiosqlite.Row]
) -> Iterator[tuple[int, str, int | None, Sequence[str]]]:
    """Shapes the rows as they are used, taking them from `film_rows` a run at a time, so the rows are
    freed a run at a time too: the list is also held by the database driver's thread until its next
    query, and 200,000 rows freed at once there hold the GIL for tens of milliseconds."""
    aliases: dict[int, list[str]] = {}
    for row in alias_rows:
        aliases.setdefault(row[0], []).append(row[1])
    film_rows.reverse()  # pointers only; now the first rows are at the end, where runs are cut
    while film_rows:
        run = film_rows[-_ROWS_RUN:]
        del film_rows[-_ROWS_RUN:]
        for row in reversed(run):
            yield row[0], row[1], row[2], aliases.get(row[0], ())


class CatalogRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def import_films(
        self,
        films: Sequence[FilmRecord],
        *,
        before_commit: Callable[[aiosqlite.Connection, ImportSummary], Awaitable[None]] | None = None,
    ) -> ImportSummary:
        """Commits in bounded chunks, each a whole number of films with all their facts (every record of
        one film identity lands in the same chunk), so readers see the catalog consistent at every
        commit and the write lock is never held for long: other processes (the bot answering members)
        write between chunks. A failure half-way keeps the chunks already committed, each film whole;
        running the same import again skips what is there (content hashes) and finishes it.

        With `before_commit` (a server's import from Discord, at most a few MiB, whose audit record must
        land with it) everything is one transaction instead, the audit record written in it.

        Titles are normalised and facts hashed before each transaction, and the statements are one per
        kind of row per chunk: a million facts cost a few hundred round trips, not a million."""
        summary = ImportSummary()
        first_new = await self.last_fact_id()
        chunks = import_chunks(films)
        if before_commit is not None:
            async with self.store.transaction() as conn:
                for chunk in chunks:
                    summary = summary + await self._import_chunk(conn, _prepared(chunk))
                summary = summary + await _reconcile_pages(conn, films, first_new)
                await before_commit(conn, summary)
                failpoint("import.before_commit")
            return summary
        for number, chunk in enumerate(chunks):
            async with self.store.transaction() as conn:
                summary = summary + await self._import_chunk(conn, _prepared(chunk))
                failpoint("import.before_commit")
            failpoint("import.chunk")
            if number + 1 < len(chunks):
                # SQLite has no queue for its write lock: leave a gap in which a waiting writer in
                # another process (polling every few ms) is sure to get a turn.
                await asyncio.sleep(IMPORT_PAUSE_SECONDS)
        if any(film.page is not None for film in films):
            # Pages read again: what they no longer say goes, once every chunk is in.
            async with self.store.transaction() as conn:
                summary = summary + await _reconcile_pages(conn, films, first_new)
        return summary

    async def last_fact_id(self) -> int:
        row = await self.store.fetchone("SELECT ifnull(max(id), 0) FROM facts")
        return int(row[0]) if row else 0

    async def _import_chunk(
        self, conn: aiosqlite.Connection, keyed: Sequence[tuple[str, FilmRecord, list[bytes]]]
    ) -> ImportSummary:
        before = conn.total_changes
        await conn.executemany(
            "INSERT INTO films (title, norm_title, year, genre, cast_summary) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(film.title, norm, film.year, film.genre, film.cast) for norm, film, _ in keyed],
        )
        films_added = conn.total_changes - before
        ids: dict[tuple[str, int], int] = {}
        norms = sorted({norm for norm, _, _ in keyed})
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
            [
                (film.genre, film.cast, ids[(norm, film.year or 0)])
                for norm, film, _ in keyed
                if film.genre or film.cast
            ],
        )
        await conn.executemany(
            "INSERT INTO film_aliases (film_id, alias, norm_alias) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [
                (ids[(norm, film.year or 0)], alias, normalise_title(alias))
                for norm, film, _ in keyed
                for alias in film.aliases
                if normalise_title(alias)
            ],
        )
        rows = [
            (ids[(norm, film.year or 0)], f.text, f.section, f.credit, f.source, digest, imported_from(film))
            for norm, film, hashes in keyed
            for f, digest in zip(film.facts, hashes, strict=True)
        ]
        before = conn.total_changes
        async with conn.execute("SELECT ifnull(max(id), 0) FROM facts") as cursor:
            (last_id,) = await cursor.fetchone()  # type: ignore[misc]
        await conn.executemany(_UPSERT_FACT, rows)
        changed = conn.total_changes - before
        async with conn.execute("SELECT count(*) FROM facts WHERE id > ?", (last_id,)) as cursor:
            (facts_added,) = await cursor.fetchone()  # type: ignore[misc]
        return ImportSummary(
            films_added=films_added,
            films_existing=len(keyed) - films_added,
            facts_added=facts_added,
            facts_skipped=len(rows) - changed,
            facts_updated=changed - facts_added,
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

    async def change_mark(self) -> tuple[int, int, int, int]:
        """Moves whenever films, facts or aliases are added, and (the last part) whenever a fact is
        edited, deleted, hidden or marked, which every such change records in the audit log in its own
        transaction: how caches tell a change to what /trivia shows from any other commit that moved
        `data_version`. Four index lookups."""
        row = await self.store.fetchone(
            "SELECT ifnull((SELECT max(id) FROM films), 0), ifnull((SELECT max(id) FROM facts), 0),"
            " (SELECT count(*) FROM film_aliases), ifnull((SELECT max(id) FROM audit_log), 0)"
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    async def visibility(self) -> tuple[dict[int, frozenset[int]], frozenset[tuple[int, int]]]:
        """Which films are not offered everywhere: those whose facts all belong to servers (offered only in
        those servers), and (server, film) pairs where that server hid every fact it could see. Read from
        the few server-owned facts and hidden rows, never the whole catalog."""
        owners: dict[int, set[int]] = {}
        for film_id, guild_id in await self.store.fetchall(
            "SELECT DISTINCT x.film_id, x.guild_id FROM facts x WHERE x.guild_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.film_id = x.film_id AND g.guild_id IS NULL)"
        ):
            owners.setdefault(film_id, set()).add(guild_id)
        hidden_all = await self.store.fetchall(
            "SELECT h.guild_id, x.film_id FROM hidden_facts h JOIN facts x ON x.id = h.fact_id"
            " GROUP BY h.guild_id, x.film_id HAVING count(*) = (SELECT count(*) FROM facts y"
            " WHERE y.film_id = x.film_id AND (y.guild_id IS NULL OR y.guild_id = h.guild_id))"
        )
        return {f: frozenset(g) for f, g in owners.items()}, frozenset((g, f) for g, f in hidden_all)

    async def film(self, film_id: int) -> Film | None:
        row = await self.store.fetchone(
            "SELECT id, title, year, genre, cast_summary FROM films WHERE id = ?", (film_id,)
        )
        return _film(row) if row else None

    async def film_facts(
        self, film_id: int, guild_id: int | None, *, channel_id: int | None = None, on_loop: bool = False
    ) -> FilmFacts | None:
        """A film, the facts visible in a guild (global ones and its own, less those it hid) and, given a
        channel, which of them it has been shown this cycle: everything /trivia reads, in one round trip
        (a point read, `on_loop`: every table is reached by index from the film's id; see
        TriviaService.card_for_film for when it is not)."""
        fetch = self.store.fetch_point if on_loop else self.store.fetchall
        # One statement (one snapshot), the film's row then its facts' rows: a join would repeat the
        # film's text columns on every fact's row, and making them into strings was a third of the read.
        # Columns line up by type for PostgreSQL's UNION; the first says which kind of row it is.
        rows = await fetch(_FILM_FACTS_SQL, (film_id, guild_id, channel_id, film_id, guild_id, guild_id))
        film_row = next((r for r in rows if r[0] == 0), None)
        if film_row is None:
            return None
        film = Film(film_row[1], film_row[2], film_row[7], film_row[3], film_row[4])
        read = _channel_facts(film.id, [r for r in rows if r[0] == 1], skip=1)
        return FilmFacts(film, read.facts, read.seen, read.last_shown)

    async def channel_facts(
        self, film_id: int, guild_id: int | None, *, channel_id: int | None, on_loop: bool = False
    ) -> ChannelFacts:
        """`film_facts` without the film's row, for a film the title index has already named (/trivia):
        one page fewer to bring in (the film's). A film gone since the index was built reads as no facts."""
        fetch = self.store.fetch_point if on_loop else self.store.fetchall
        rows = await fetch(_CHANNEL_FACTS_SQL, (guild_id, channel_id, film_id, guild_id, guild_id))
        return _channel_facts(film_id, rows)

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


def _prepared(films: Sequence[FilmRecord]) -> list[tuple[str, FilmRecord, list[bytes]]]:
    """Titles normalised and facts hashed outside the transaction: CPU work never holds the write lock."""
    return [
        (norm, film, [fact_hash_for(norm, film.year, f.text) for f in film.facts])
        for norm, film in ((normalise_title(film.title), film) for film in films)
    ]


def imported_from(film: FilmRecord) -> str:
    return f"page:{film.page}" if film.page else "file"


# A page import "owns" a fact it read before, or one of unknown origin (imported before 0.2, when an
# older reading may have got it wrong): it corrects those in place, keeping their ids (channel history and
# daily posts stay attached). Any other fact (JSON, CSV, another page) it only fills gaps in, like JSON does.
_OWNED = (
    "(excluded.imported_from LIKE 'page:%'"
    " AND (facts.imported_from IS NULL OR facts.imported_from = excluded.imported_from))"
)
# Built from the constants above only; every value is a ? mark.
_UPSERT_FACT = (
    "INSERT INTO facts (film_id, text, section, credit, source, origin, guild_id, content_hash, imported_from)"  # noqa: S608
    " VALUES (?, ?, ?, ?, ?, 'import', NULL, ?, ?)"
    " ON CONFLICT (content_hash, ifnull(guild_id, 0)) DO UPDATE SET"
    f" text = CASE WHEN {_OWNED} THEN excluded.text ELSE facts.text END,"
    f" section = CASE WHEN {_OWNED} THEN excluded.section ELSE facts.section END,"
    f" credit = CASE WHEN {_OWNED} THEN excluded.credit ELSE coalesce(facts.credit, excluded.credit) END,"
    " source = coalesce(facts.source, excluded.source),"
    f" imported_from = CASE WHEN {_OWNED} THEN excluded.imported_from"
    "  ELSE coalesce(facts.imported_from, excluded.imported_from) END"
    " WHERE facts.origin = 'import' AND ("
    f"  {_OWNED} AND (facts.text IS NOT excluded.text OR facts.section IS NOT excluded.section"
    "   OR facts.credit IS NOT excluded.credit OR facts.imported_from IS NOT excluded.imported_from)"
    f"  OR NOT {_OWNED} AND (facts.credit IS NULL AND excluded.credit IS NOT NULL"
    "   OR facts.source IS NULL AND excluded.source IS NOT NULL OR facts.imported_from IS NULL))"
)


async def _reconcile_pages(conn: aiosqlite.Connection, films: Sequence[FilmRecord], first_new: int) -> ImportSummary:
    """After pages are read again: what they no longer say goes. Returns what changed as a summary.

    - A fact recorded from one of these pages that the page no longer says is removed (on whatever film:
      a page whose title or year was corrected leaves no copy behind on the old film).
    - An earlier release read each paragraph of a fact as a fact of its own. Where every paragraph of a
      fact stands as such a piece, of this page or of unknown origin, with consecutive ids in paragraph
      order, they fold back into one: the first piece becomes the whole fact (keeping its id), the others
      go. Anything less certain is left alone: a fact from JSON, CSV or another page is never taken.
    `first_new` is the highest fact id before this import: facts above it were inserted by it."""
    pages: dict[str, list[tuple[int, FilmRecord]]] = {}
    for film in films:
        if film.page is not None:
            pages.setdefault(imported_from(film), []).append((await _film_id(conn, film), film))
    merged = removed = 0
    for name, page_films in pages.items():
        wanted: dict[bytes, tuple[int, FactRecord]] = {
            fact_hash_for(normalise_title(film.title), film.year, fact.text): (film_id, fact)
            for film_id, film in page_films
            for fact in film.facts
        }
        film_ids = sorted({film_id for film_id, _ in page_films})
        marks = ",".join("?" * len(film_ids))
        async with conn.execute(
            "SELECT id, text, content_hash, imported_from FROM facts"  # noqa: S608 - only ? marks
            " WHERE guild_id IS NULL AND origin = 'import' AND ("
            "  imported_from = ? AND imported_from LIKE 'page:%'"
            f"  OR imported_from IS NULL AND film_id IN ({marks})) ORDER BY id",
            (name, *film_ids),
        ) as cursor:
            stale = {row[0]: row for row in await cursor.fetchall() if bytes(row[2]) not in wanted}
        by_text: dict[str, list[int]] = {}
        for fact_id, row in stale.items():
            by_text.setdefault(fold(row[1]), []).append(fact_id)
        for content_hash, (_, fact) in wanted.items():
            pieces = _pieces(fact.text, by_text, stale)
            if pieces is None:
                continue
            async with conn.execute(
                "SELECT id FROM facts WHERE content_hash = ? AND guild_id IS NULL", (content_hash,)
            ) as cursor:
                (whole,) = await cursor.fetchone()  # type: ignore[misc]
            keep, *others = pieces
            if whole > first_new:  # inserted whole a moment ago: move it onto the first piece's id
                await conn.execute("DELETE FROM facts WHERE id = ?", (whole,))
                await conn.execute(
                    "UPDATE facts SET text = ?, section = ?, credit = ?, source = ?, content_hash = ?,"
                    " imported_from = ? WHERE id = ?",
                    (fact.text, fact.section, fact.credit, fact.source, content_hash, name, keep),
                )
                merged += 1
            else:
                others.append(keep)
            for fact_id in others:
                await conn.execute("DELETE FROM facts WHERE id = ?", (fact_id,))
                removed += 1
            for fact_id in pieces:
                del stale[fact_id]
        for fact_id, row in stale.items():
            if row[3] == name:
                await conn.execute("DELETE FROM facts WHERE id = ?", (fact_id,))
                removed += 1
    return ImportSummary(facts_added=-merged, facts_updated=merged, facts_removed=removed)


def _pieces(text: str, by_text: dict[str, list[int]], stale: dict[int, Any]) -> list[int] | None:
    """The ids of stale facts holding each paragraph of `text`, consecutive and in order, or None."""
    paragraphs = text.split("\n\n")
    if len(paragraphs) < 2:
        return None
    for first in by_text.get(fold(paragraphs[0]), []):
        ids = [first + offset for offset in range(len(paragraphs))]
        pairs = zip(ids, paragraphs, strict=True)
        if all(fact_id in stale and fold(stale[fact_id][1]) == fold(p) for fact_id, p in pairs):
            return ids
    return None


async def _film_id(conn: aiosqlite.Connection, film: FilmRecord) -> int:
    async with conn.execute(
        "SELECT id FROM films WHERE norm_title = ? AND ifnull(year, 0) = ?",
        (normalise_title(film.title), film.year or 0),
    ) as cursor:
        (film_id,) = await cursor.fetchone()  # type: ignore[misc]
    return int(film_id)


# A film's facts visible in a guild, each with its spoiler flag there and whether the channel was shown
# it this cycle (the channel's record id, in the order shown). Parameters: guild, channel, film, guild,
# guild. By position, not by name: a name lookup on a row costs as much as the rest of building it.
_CHANNEL_FACTS = (
    "x.id, x.text, x.section, x.credit, x.source, x.origin, x.guild_id,"
    " coalesce((SELECT m.spoiler FROM spoiler_marks m WHERE m.guild_id = ? AND m.fact_id = x.id), x.spoiler),"
    " c.id FROM facts x LEFT JOIN channel_shown c ON c.channel_id = ? AND c.fact_id = x.id"
    " WHERE x.film_id = ? AND (x.guild_id IS NULL OR x.guild_id = ?)"
    " AND NOT EXISTS (SELECT 1 FROM hidden_facts h WHERE h.guild_id = ? AND h.fact_id = x.id)"
)
_CHANNEL_FACTS_SQL = "SELECT " + _CHANNEL_FACTS
_FILM_FACTS_SQL = (
    "SELECT 0, f.id, f.title, f.genre, f.cast_summary, NULL, NULL, f.year, NULL, NULL FROM films f"  # noqa: S608
    " WHERE f.id = ? UNION ALL SELECT 1, " + _CHANNEL_FACTS
)


def _channel_facts(film_id: int, rows: Sequence[Sequence[Any]], *, skip: int = 0) -> ChannelFacts:
    """Rows of _CHANNEL_FACTS (after `skip` leading columns): the fact's eight columns, then the
    channel's record id. Each row is sliced once, into the fact's row."""
    shown = sorted((r[skip + 8], r[skip]) for r in rows if r[skip + 8] is not None)
    return ChannelFacts(
        FactRows(film_id, [r[skip : skip + 8] for r in rows]),  # type: ignore[misc]
        {fact_id for _, fact_id in shown},
        shown[-1][1] if shown else None,
    )
