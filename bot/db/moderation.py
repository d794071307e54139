"""Reports, hidden facts, spoiler marks and the audit log: every moderation change is one transaction
that also writes its audit record and its outbox rows (review-channel card, reporters' DMs).

Every query names the guild it acts for: a server can only read or change its own reports, hidden list,
marks and log, and only its own facts (or global ones, for hiding and marking)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.db.outbox import enqueue_report
from bot.db.store import Store
from bot.trivia.errors import ModerationRefused
from bot.trivia.records import FactRecord, FilmRecord, fact_hash_for
from bot.trivia.rows import (
    REPORT_DM,
    REPORT_POST,
    REPORT_UPDATE,
    Actor,
    AuditEntry,
    ImportSummary,
    ModFact,
    Reason,
    Report,
)
from bot.trivia.titles import normalise_title

REPORT_KINDS = ("wrong", "spoiler", "offensive", "duplicate", "other")


_FACT_SELECT = (
    "SELECT x.id, x.film_id, f.title, f.year, x.text, x.section, x.credit, x.origin, x.guild_id,"
    " EXISTS (SELECT 1 FROM hidden_facts h WHERE h.guild_id = ? AND h.fact_id = x.id) AS hidden,"
    " coalesce((SELECT m.spoiler FROM spoiler_marks m WHERE m.guild_id = ? AND m.fact_id = x.id), x.spoiler)"
    " AS spoiler FROM facts x JOIN films f ON f.id = x.film_id"
)


def _mod_fact(row: Any) -> ModFact:
    return ModFact(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], bool(row[9]), bool(row[10]))


async def _rows(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    return list(await conn.execute_fetchall(sql, params))


async def audit(
    conn: aiosqlite.Connection,
    *,
    guild_id: int | None,
    actor: Actor,
    action: str,
    now: datetime,
    fact_id: int | None = None,
    target_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> int:
    """Called inside the transaction of the change it records: the record exists exactly when the change does.
    Returns the entry's id."""
    cursor = await conn.execute(
        "INSERT INTO audit_log (guild_id, actor_id, actor_name, action, fact_id, target_id, before, after, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            actor.id,
            actor.name,
            action,
            fact_id,
            target_id,
            None if before is None else json.dumps(before),
            None if after is None else json.dumps(after),
            to_epoch(now),
        ),
    )
    return int(cursor.lastrowid or 0)


class ModerationRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- facts as a server sees them -------------------------------------------------------------------

    async def fact(self, fact_id: int, guild_id: int, conn: aiosqlite.Connection | None = None) -> ModFact | None:
        """The fact if it is visible in that server at all (global, or the server's own), else None."""
        rows = await _rows(
            conn or self.store.conn,
            _FACT_SELECT + " WHERE x.id = ? AND (x.guild_id IS NULL OR x.guild_id = ?)",
            (guild_id, guild_id, fact_id, guild_id),
        )
        return _mod_fact(rows[0]) if rows else None

    async def film_facts(self, film_id: int, guild_id: int) -> list[ModFact]:
        """Every fact of the film visible in that server, hidden ones included, in the order /trivia numbers."""
        rows = await self.store.fetchall(
            _FACT_SELECT + " WHERE x.film_id = ? AND (x.guild_id IS NULL OR x.guild_id = ?) ORDER BY x.id",
            (guild_id, guild_id, film_id, guild_id),
        )
        return [_mod_fact(r) for r in rows]

    # --- reports -----------------------------------------------------------------------------------------

    async def report(
        self,
        *,
        guild_id: int,
        fact_id: int,
        member_id: int,
        member_name: str,
        kind: str,
        details: str,
        now: datetime,
        limit: int,
        window_seconds: int,
    ) -> tuple[int, str]:
        """Adds the member's report to the open item for that fact in that server (creating it). Returns the
        report id and what happened: 'new', 'joined', or 'already' (this member had reported it: nothing
        changes). The rate limit is read in the same transaction, so quick repeats cannot slip past it."""
        async with self.store.transaction() as conn:
            if await self.fact(fact_id, guild_id, conn) is None:
                raise ModerationRefused("That fact is not in this server's catalog any more.")
            open_rows = await _rows(
                conn,
                "SELECT id FROM reports WHERE guild_id = ? AND fact_id = ? AND status = 'open'",
                (guild_id, fact_id),
            )
            if open_rows:
                report_id = open_rows[0][0]
                mine = await _rows(
                    conn, "SELECT 1 FROM report_reasons WHERE report_id = ? AND member_id = ?", (report_id, member_id)
                )
                if mine:
                    return report_id, "already"
            recent = await _rows(
                conn,
                "SELECT count(*) FROM report_reasons WHERE guild_id = ? AND member_id = ? AND at > ?",
                (guild_id, member_id, to_epoch(now) - window_seconds),
            )
            if recent[0][0] >= limit:
                raise ModerationRefused(
                    f"You have sent {limit} reports recently; the moderators will get to them. Try again later."
                )
            if open_rows:
                outcome = "joined"
                await enqueue_report(conn, REPORT_UPDATE, report_id, now)
            else:
                outcome = "new"
                cursor = await conn.execute(
                    "INSERT INTO reports (guild_id, fact_id, created_at) VALUES (?, ?, ?)",
                    (guild_id, fact_id, to_epoch(now)),
                )
                report_id = int(cursor.lastrowid or 0)
                for (channel_id,) in await _rows(
                    conn,
                    "SELECT review_channel_id FROM guild_settings WHERE guild_id = ? AND review_channel_id IS NOT NULL",
                    (guild_id,),
                ):
                    await enqueue_report(conn, REPORT_POST, report_id, now, channel_id=channel_id)
            await conn.execute(
                "INSERT INTO report_reasons (report_id, member_id, member_name, kind, details, guild_id, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (report_id, member_id, member_name, kind, details, guild_id, to_epoch(now)),
            )
        return report_id, outcome

    async def get_report(self, report_id: int) -> Report | None:
        rows = await self.store.fetchall(
            "SELECT id, guild_id, fact_id, status, created_at, decided_at, decided_by_name, reason,"
            " review_channel_id, review_message_id FROM reports WHERE id = ?",
            (report_id,),
        )
        if not rows:
            return None
        r = rows[0]
        fact = await self.fact(r[2], r[1])
        if fact is None:  # pragma: no cover - reports cascade with their fact
            return None
        reasons = [
            Reason(x[0], x[1], x[2], x[3], from_epoch(x[4]))
            for x in await self.store.fetchall(
                "SELECT member_id, member_name, kind, details, at FROM report_reasons WHERE report_id = ? ORDER BY at",
                (report_id,),
            )
        ]
        return Report(
            r[0], r[1], r[3], from_epoch(r[4]), from_epoch(r[5]) if r[5] is not None else None, r[6], r[7], r[8],
            r[9], fact, reasons,
        )  # fmt: skip

    async def oldest_open(self, guild_id: int) -> tuple[int, datetime] | None:
        row = await self.store.fetchone(
            "SELECT id, created_at FROM reports WHERE guild_id = ? AND status = 'open' ORDER BY id LIMIT 1", (guild_id,)
        )
        return (row[0], from_epoch(row[1])) if row else None

    async def open_count(self, guild_id: int) -> int:
        row = await self.store.fetchone(
            "SELECT count(*) FROM reports WHERE guild_id = ? AND status = 'open'", (guild_id,)
        )
        return row[0] if row else 0

    async def dismiss(self, report_id: int, guild_id: int, actor: Actor, reason: str | None, now: datetime) -> None:
        """Closes the report; each reporter is told by DM (through the outbox), with the reason if given."""
        async with self.store.transaction() as conn:
            await self._close(conn, report_id, guild_id, "dismissed", actor, reason, now)
            for (member_id,) in await _rows(
                conn, "SELECT member_id FROM report_reasons WHERE report_id = ?", (report_id,)
            ):
                await enqueue_report(conn, REPORT_DM, report_id, now, member_id=member_id)
            await audit(conn, guild_id=guild_id, actor=actor, action="dismiss report", now=now, target_id=report_id,
                        after={"reason": reason})  # fmt: skip

    async def _close(
        self,
        conn: aiosqlite.Connection,
        report_id: int,
        guild_id: int,
        status: str,
        actor: Actor,
        reason: str | None,
        now: datetime,
    ) -> None:
        """Exactly one decision per report: the UPDATE only takes an open one, so of two moderators
        pressing at once, the second is told who was first and changes nothing."""
        cursor = await conn.execute(
            "UPDATE reports SET status = ?, decided_at = ?, decided_by = ?, decided_by_name = ?, reason = ?"
            " WHERE id = ? AND guild_id = ? AND status = 'open'",
            (status, to_epoch(now), actor.id, actor.name, reason, report_id, guild_id),
        )
        if cursor.rowcount != 1:
            rows = await _rows(
                conn, "SELECT status, decided_by_name FROM reports WHERE id = ? AND guild_id = ?", (report_id, guild_id)
            )
            if not rows:
                raise ModerationRefused(f"There is no report #{report_id} in this server.")
            raise ModerationRefused(f"Report #{report_id} was already {rows[0][0]} by {rows[0][1]}.")
        await enqueue_report(conn, REPORT_UPDATE, report_id, now)

    async def _close_open_reports(
        self, conn: aiosqlite.Connection, guild_id: int, fact_id: int, status: str, actor: Actor, now: datetime
    ) -> None:
        for (report_id,) in await _rows(
            conn, "SELECT id FROM reports WHERE guild_id = ? AND fact_id = ? AND status = 'open'", (guild_id, fact_id)
        ):
            await self._close(conn, report_id, guild_id, status, actor, None, now)

    # --- acting on a fact ----------------------------------------------------------------------------------

    async def _require(self, conn: aiosqlite.Connection, fact_id: int, guild_id: int) -> ModFact:
        fact = await self.fact(fact_id, guild_id, conn)
        if fact is None:
            raise ModerationRefused("That fact is not in this server's catalog.")
        return fact

    async def hide(
        self, fact_id: int, guild_id: int, actor: Actor, now: datetime, *, report_id: int | None = None
    ) -> ModFact:
        async with self.store.transaction() as conn:
            fact = await self._require(conn, fact_id, guild_id)
            if report_id is not None:
                await self._close(conn, report_id, guild_id, "hidden", actor, None, now)
            elif fact.hidden:
                raise ModerationRefused("That fact is already hidden in this server.")
            await conn.execute(
                "INSERT INTO hidden_facts (guild_id, fact_id, hidden_by, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, fact_id, actor.id, to_epoch(now)),
            )
            await self._close_open_reports(conn, guild_id, fact_id, "hidden", actor, now)
            await audit(conn, guild_id=guild_id, actor=actor, action="hide", now=now, fact_id=fact_id,
                        target_id=report_id, before={"hidden": fact.hidden}, after={"hidden": True})  # fmt: skip
        return fact

    async def unhide(self, fact_id: int, guild_id: int, actor: Actor, now: datetime) -> ModFact:
        async with self.store.transaction() as conn:
            fact = await self._require(conn, fact_id, guild_id)
            cursor = await conn.execute(
                "DELETE FROM hidden_facts WHERE guild_id = ? AND fact_id = ?", (guild_id, fact_id)
            )
            if cursor.rowcount != 1:
                raise ModerationRefused("That fact is not hidden in this server.")
            await audit(conn, guild_id=guild_id, actor=actor, action="unhide", now=now, fact_id=fact_id,
                        before={"hidden": True}, after={"hidden": False})  # fmt: skip
        return fact

    async def set_spoiler(
        self, fact_id: int, guild_id: int, spoiler: bool, actor: Actor, now: datetime, *, report_id: int | None = None
    ) -> ModFact:
        """A server's own fact carries the flag itself; a global one gets this server's mark."""
        async with self.store.transaction() as conn:
            fact = await self._require(conn, fact_id, guild_id)
            if report_id is not None:
                await self._close(conn, report_id, guild_id, "resolved", actor, None, now)
            if fact.owned_by(guild_id):
                await conn.execute("UPDATE facts SET spoiler = ? WHERE id = ?", (int(spoiler), fact_id))
            else:
                await conn.execute(
                    "INSERT INTO spoiler_marks (guild_id, fact_id, spoiler) VALUES (?, ?, ?)"
                    " ON CONFLICT (guild_id, fact_id) DO UPDATE SET spoiler = excluded.spoiler",
                    (guild_id, fact_id, int(spoiler)),
                )
            await audit(conn, guild_id=guild_id, actor=actor, action="spoiler", now=now, fact_id=fact_id,
                        target_id=report_id, before={"spoiler": fact.spoiler}, after={"spoiler": spoiler})  # fmt: skip
        return fact

    async def edit(
        self, fact_id: int, guild_id: int, text: str, actor: Actor, now: datetime, *, report_id: int | None = None
    ) -> tuple[ModFact, int]:
        """Only a server's own facts change in place; the old text goes to the log (the entry id is returned),
        so it can be reverted."""
        async with self.store.transaction() as conn:
            fact = await self._require(conn, fact_id, guild_id)
            if not fact.owned_by(guild_id):
                raise ModerationRefused(
                    "That fact is from the global catalog: a server can hide it here or report it, not edit it."
                )
            if report_id is not None:
                await self._close(conn, report_id, guild_id, "resolved", actor, None, now)
            if text == fact.text:
                raise ModerationRefused("The text is unchanged.")
            content_hash = fact_hash_for(normalise_title(fact.film_title), fact.film_year, text)
            clash = await _rows(
                conn,
                "SELECT id FROM facts WHERE content_hash = ? AND ifnull(guild_id, 0) = ? AND id <> ?",
                (content_hash, guild_id, fact_id),
            )
            if clash:
                raise ModerationRefused("This server already has a fact with that text for the film.")
            await conn.execute(
                "UPDATE facts SET text = ?, content_hash = ? WHERE id = ?", (text, content_hash, fact_id)
            )
            entry = await audit(conn, guild_id=guild_id, actor=actor, action="edit", now=now, fact_id=fact_id,
                                target_id=report_id, before={"text": fact.text}, after={"text": text})  # fmt: skip
        return fact, entry

    async def delete(self, fact_id: int, guild_id: int, actor: Actor, now: datetime) -> ModFact:
        async with self.store.transaction() as conn:
            fact = await self._require(conn, fact_id, guild_id)
            if not fact.owned_by(guild_id):
                raise ModerationRefused(
                    "That fact is from the global catalog: a server can hide it here, not delete it."
                )
            await audit(conn, guild_id=guild_id, actor=actor, action="delete", now=now, fact_id=fact_id,
                        before={"film": fact.film_label, "text": fact.text, "section": fact.section,
                                "credit": fact.credit})  # fmt: skip
            await conn.execute("DELETE FROM facts WHERE id = ?", (fact_id,))
        return fact

    async def unblock(self, guild_id: int, member_id: int, actor: Actor, now: datetime) -> None:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM blocked_submitters WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
            if cursor.rowcount != 1:
                raise ModerationRefused("That member is not blocked from submitting here.")
            await audit(conn, guild_id=guild_id, actor=actor, action="unblock", now=now, target_id=member_id,
                        before={"blocked": True}, after={"blocked": False})  # fmt: skip

    # --- the global catalog (the bot's owners) ------------------------------------------------------------
    # Guild id 0 names no server: a fact read "for guild 0" is hidden nowhere and carries its own spoiler flag.

    async def global_facts(self, film_id: int) -> list[ModFact]:
        rows = await self.store.fetchall(
            _FACT_SELECT + " WHERE x.film_id = ? AND x.guild_id IS NULL ORDER BY x.id", (0, 0, film_id)
        )
        return [_mod_fact(r) for r in rows]

    async def _global(self, conn: aiosqlite.Connection, fact_id: int) -> ModFact:
        rows = await _rows(conn, _FACT_SELECT + " WHERE x.id = ? AND x.guild_id IS NULL", (0, 0, fact_id))
        if not rows:
            raise ModerationRefused("That fact is not in the global catalog.")
        return _mod_fact(rows[0])

    async def global_edit(self, fact_id: int, text: str, actor: Actor, now: datetime) -> tuple[ModFact, int]:
        """In place, for every server; the old text stays in the log (guild NULL), so it can be put back."""
        async with self.store.transaction() as conn:
            fact = await self._global(conn, fact_id)
            if text == fact.text:
                raise ModerationRefused("The text is unchanged.")
            content_hash = fact_hash_for(normalise_title(fact.film_title), fact.film_year, text)
            if await _rows(
                conn,
                "SELECT 1 FROM facts WHERE content_hash = ? AND guild_id IS NULL AND id <> ?",
                (content_hash, fact_id),
            ):
                raise ModerationRefused("The global catalog already has a fact with that text for the film.")
            await conn.execute(
                "UPDATE facts SET text = ?, content_hash = ? WHERE id = ?", (text, content_hash, fact_id)
            )
            entry = await audit(conn, guild_id=None, actor=actor, action="edit", now=now, fact_id=fact_id,
                                before={"text": fact.text}, after={"text": text})  # fmt: skip
        return fact, entry

    async def global_delete(self, fact_id: int, actor: Actor, now: datetime) -> ModFact:
        async with self.store.transaction() as conn:
            fact = await self._global(conn, fact_id)
            await audit(conn, guild_id=None, actor=actor, action="delete", now=now, fact_id=fact_id,
                        before={"film": fact.film_label, "text": fact.text, "section": fact.section,
                                "credit": fact.credit})  # fmt: skip
            await conn.execute("DELETE FROM facts WHERE id = ?", (fact_id,))
        return fact

    async def global_spoiler(self, fact_id: int, spoiler: bool, actor: Actor, now: datetime) -> ModFact:
        async with self.store.transaction() as conn:
            fact = await self._global(conn, fact_id)
            await conn.execute("UPDATE facts SET spoiler = ? WHERE id = ?", (int(spoiler), fact_id))
            await audit(conn, guild_id=None, actor=actor, action="spoiler", now=now, fact_id=fact_id,
                        before={"spoiler": fact.spoiler}, after={"spoiler": spoiler})  # fmt: skip
        return fact

    async def global_reports(self, limit: int = 500) -> list[Report]:
        """Open reports, in any server, of facts in the global catalog: what the owners look after."""
        rows = await self.store.fetchall(
            "SELECT r.id FROM reports r JOIN facts x ON x.id = r.fact_id"
            " WHERE r.status = 'open' AND x.guild_id IS NULL ORDER BY r.id LIMIT ?",
            (limit,),
        )
        reports = [await self.get_report(r[0]) for r in rows]
        return [r for r in reports if r is not None]

    # --- a server's own facts in and out ----------------------------------------------------------------------

    async def import_guild(
        self, guild_id: int, films: list[FilmRecord], actor: Actor, source: str, now: datetime
    ) -> ImportSummary:
        """Facts of this server only, in one transaction (nothing half-imported). A fact the server can
        already see (its own, or a global one) is skipped, so a re-import never duplicates."""
        films_added = films_existing = added = skipped = 0
        async with self.store.transaction() as conn:
            for film in films:
                norm = normalise_title(film.title)
                cursor = await conn.execute(
                    "INSERT INTO films (title, norm_title, year, genre, cast_summary) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (film.title, norm, film.year, film.genre, film.cast),
                )
                if cursor.rowcount == 1:
                    films_added += 1
                else:
                    films_existing += 1
                (film_id,) = (
                    await _rows(
                        conn,
                        "SELECT id FROM films WHERE norm_title = ? AND ifnull(year, 0) = ?",
                        (norm, film.year or 0),
                    )
                )[0]
                for alias in film.aliases:
                    if normalise_title(alias):
                        await conn.execute(
                            "INSERT INTO film_aliases (film_id, alias, norm_alias) VALUES (?, ?, ?)"
                            " ON CONFLICT DO NOTHING",
                            (film_id, alias, normalise_title(alias)),
                        )
                for fact in film.facts:
                    content_hash = fact_hash_for(norm, film.year, fact.text)
                    seen = await _rows(
                        conn,
                        "SELECT 1 FROM facts WHERE content_hash = ? AND (guild_id IS NULL OR guild_id = ?) LIMIT 1",
                        (content_hash, guild_id),
                    )
                    if seen:
                        skipped += 1
                        continue
                    await conn.execute(
                        "INSERT INTO facts (film_id, text, section, credit, source, origin, guild_id, content_hash,"
                        " imported_from) VALUES (?, ?, ?, ?, ?, 'import', ?, ?, 'file')",
                        (film_id, fact.text, fact.section, fact.credit, fact.source, guild_id, content_hash),
                    )
                    added += 1
            summary = ImportSummary(films_added, films_existing, added, skipped)
            await audit(conn, guild_id=guild_id, actor=actor, action="import", now=now,
                        after={"file": source, "facts added": added, "facts skipped": skipped})  # fmt: skip
        return summary

    async def export_guild(self, guild_id: int) -> list[FilmRecord]:
        """This server's own facts (approved submissions and its imports), in the JSON `import` reads back."""
        films: dict[int, FilmRecord] = {}
        for row in await self.store.fetchall(
            "SELECT f.id, f.title, f.year, f.genre, f.cast_summary, x.text, x.section, x.credit, x.source"
            " FROM facts x JOIN films f ON f.id = x.film_id WHERE x.guild_id = ? ORDER BY f.norm_title, f.year, x.id",
            (guild_id,),
        ):
            record = films.setdefault(row[0], FilmRecord(row[1], row[2], row[3], row[4]))
            record.facts.append(FactRecord(row[5], row[6], row[7], row[8]))
        return list(films.values())

    # --- the log -------------------------------------------------------------------------------------------

    async def audit_entries(
        self, guild_id: int | None, *, all_guilds: bool = False, limit: int = 500
    ) -> list[AuditEntry]:
        """Newest first. One server's entries only, unless `all_guilds` (the operator's CLI)."""
        rows = await self.store.fetchall(
            "SELECT id, guild_id, actor_id, actor_name, action, fact_id, target_id, before, after, at FROM audit_log"
            " WHERE ? = 1 OR coalesce(guild_id, 0) = ? ORDER BY id DESC LIMIT ?",  # guild 0: the global catalog
            (int(all_guilds), guild_id or 0, limit),
        )
        return [_entry(r) for r in rows]

    async def audit_entry(self, entry_id: int, guild_id: int | None) -> AuditEntry | None:
        """One entry of that server's log (None: of the global catalog's)."""
        rows = await self.store.fetchall(
            "SELECT id, guild_id, actor_id, actor_name, action, fact_id, target_id, before, after, at FROM audit_log"
            " WHERE id = ? AND coalesce(guild_id, 0) = ?",  # guild 0: the global catalog
            (entry_id, guild_id or 0),
        )
        return _entry(rows[0]) if rows else None


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else None,
        json.loads(r[8]) if r[8] else None, from_epoch(r[9]),
    )  # fmt: skip
