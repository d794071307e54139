"""Submissions, their decisions and the guild settings around review. Each submission and each
decision is one transaction: a crash leaves either the old state or the new one, never a half."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.db.dialect import lock_key
from bot.db.moderation import audit
from bot.db.outbox import enqueue, review_post_waiting
from bot.db.store import Store
from bot.faults import failpoint
from bot.trivia.errors import NoSuchSubmission
from bot.trivia.records import fact_hash
from bot.trivia.rows import DECISION_DM, REVIEW_POST, REVIEW_UPDATE, Actor, Draft, Event, GuildSettings, Submission
from bot.trivia.submissions import AlreadyDecided, SubmitterState
from bot.trivia.titles import normalise_title

_SELECT = (
    "SELECT s.id, s.guild_id, s.member_id, s.member_name, s.film_id, f.title AS film_title, f.year AS film_year,"
    " s.proposed_title, s.proposed_year, s.text, s.source, s.status, s.reviewer_id, s.reviewer_name, s.reason,"
    " s.fact_id, s.created_at, s.decided_at, s.review_channel_id, s.review_message_id"
    " FROM submissions s LEFT JOIN films f ON f.id = s.film_id"
)


def _submission(row: aiosqlite.Row) -> Submission:
    return Submission(
        row["id"], row["guild_id"], row["member_id"], row["member_name"], row["film_id"], row["film_title"],
        row["film_year"], row["proposed_title"], row["proposed_year"], row["text"], row["source"], row["status"],
        row["reviewer_id"], row["reviewer_name"], row["reason"], row["fact_id"], from_epoch(row["created_at"]),
        from_epoch(row["decided_at"]) if row["decided_at"] is not None else None, row["review_channel_id"],
        row["review_message_id"],
    )  # fmt: skip


class SubmissionRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, submission_id: int) -> Submission | None:
        row = await self.store.fetchone(_SELECT + " WHERE s.id = ?", (submission_id,))
        return _submission(row) if row else None

    async def oldest_pending(self, guild_id: int) -> Submission | None:
        row = await self.store.fetchone(
            _SELECT + " WHERE s.guild_id = ? AND s.status = 'pending' ORDER BY s.id LIMIT 1", (guild_id,)
        )
        return _submission(row) if row else None

    async def pending_count(self, guild_id: int, *, before: int | None = None) -> int:
        row = await self.store.fetchone(
            "SELECT count(*) FROM submissions WHERE guild_id = ? AND status = 'pending' AND id < ?",
            (guild_id, before if before is not None else 2**63 - 1),
        )
        return row[0] if row else 0

    async def listing(self, *, status: str | None, guild_id: int | None, limit: int = 1000) -> list[Submission]:
        row_filter = " WHERE (? IS NULL OR s.status = ?) AND (? IS NULL OR s.guild_id = ?) ORDER BY s.id LIMIT ?"
        rows = await self.store.fetchall(_SELECT + row_filter, (status, status, guild_id, guild_id, limit))
        return [_submission(r) for r in rows]

    async def events(self, submission_id: int) -> list[Event]:
        rows = await self.store.fetchall(
            "SELECT action, actor_id, actor_name, detail, at FROM submission_events WHERE submission_id = ?"
            " ORDER BY id",
            (submission_id,),
        )
        return [Event(r[0], r[1], r[2], json.loads(r[3]), from_epoch(r[4])) for r in rows]

    async def create(self, draft: Draft, now: datetime, check: Callable[[SubmitterState], None]) -> Submission:
        """Reads what the rules need and inserts in the same transaction, so two quick submissions
        cannot both slip under the pending limit or the cooldown."""
        async with self.store.transaction() as conn:
            # PostgreSQL runs writers side by side: this member's submissions take turns (SQLite: a no-op).
            await self.store.lock(conn, lock_key("submitter", draft.guild_id, draft.member_id))
            state = await self._submitter_state(conn, draft, now)
            check(state)
            cursor = await conn.execute(
                "INSERT INTO submissions (guild_id, member_id, member_name, film_id, proposed_title, proposed_year,"
                " text, source, created_at, spoiler) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (draft.guild_id, draft.member_id, draft.member_name, draft.film_id, draft.proposed_title,
                 draft.proposed_year, draft.text, draft.source, to_epoch(now), int(draft.spoiler)),
            )  # fmt: skip
            submission_id = cursor.lastrowid
            await _event(conn, submission_id, draft.member_id, draft.member_name, "submitted", {}, now)
            review_channel = await conn.execute_fetchall(
                "SELECT review_channel_id FROM guild_settings WHERE guild_id = ? AND review_channel_id IS NOT NULL",
                (draft.guild_id,),
            )
            for (channel_id,) in review_channel:
                await enqueue(conn, REVIEW_POST, submission_id, now, channel_id=channel_id)
        failpoint("submission.created")  # committed; its review copy not yet sent
        created = await self.get(submission_id)
        assert created is not None
        return created

    async def member_state(self, guild_id: int, member_id: int, now: datetime) -> SubmitterState:
        """The member's standing (blocked, waiting, last submission) before they write anything; read on the
        reader, so it never waits behind a write or sees one not yet committed."""
        draft = Draft(guild_id, member_id, "", None, None, None, "", None)
        return await self._submitter_state(self.store.reader, draft, now, with_texts=False)

    async def _submitter_state(
        self, conn: aiosqlite.Connection, draft: Draft, now: datetime, *, with_texts: bool = True
    ) -> SubmitterState:
        async def scalar(sql: str, params: tuple[Any, ...]) -> Any:
            rows = await conn.execute_fetchall(sql, params)
            return next(iter(rows))[0] if rows else None

        blocked = await scalar(
            "SELECT 1 FROM blocked_submitters WHERE guild_id = ? AND member_id = ?", (draft.guild_id, draft.member_id)
        )
        pending = await scalar(
            "SELECT count(*) FROM submissions WHERE guild_id = ? AND member_id = ? AND status = 'pending'",
            (draft.guild_id, draft.member_id),
        )
        last = await scalar(
            "SELECT max(created_at) FROM submissions WHERE guild_id = ? AND member_id = ?",
            (draft.guild_id, draft.member_id),
        )
        if not with_texts:
            return SubmitterState(blocked is not None, pending or 0, _since(last, now), [])
        if draft.film_id is not None:
            sql = (
                "SELECT text FROM facts WHERE film_id = ? AND (guild_id IS NULL OR guild_id = ?)"
                " UNION ALL SELECT text FROM submissions WHERE film_id = ? AND guild_id = ? AND status = 'pending'"
            )
            params: tuple[Any, ...] = (draft.film_id, draft.guild_id, draft.film_id, draft.guild_id)
        else:
            sql = (
                "SELECT text FROM submissions WHERE guild_id = ? AND status = 'pending' AND film_id IS NULL"
                " AND lower(proposed_title) = lower(?) AND proposed_year = ?"
            )
            params = (draft.guild_id, draft.proposed_title, draft.proposed_year)
        async with conn.execute(sql, params) as cursor:
            texts = [r[0] for r in await cursor.fetchall()]
        return SubmitterState(blocked is not None, pending or 0, _since(last, now), texts)

    async def decide(
        self,
        *,
        submission_id: int,
        guild_id: int,
        approve: bool,
        reviewer_id: int,
        reviewer_name: str,
        now: datetime,
        reason: str | None = None,
        text: str | None = None,
        film_id: int | None = None,
    ) -> Submission:
        """Approves (the fact joins the guild's catalog; a proposed film is created) or rejects.
        Exactly one decision wins: the update only applies to a submission still pending."""
        async with self.store.transaction() as conn:
            async with conn.execute(_SELECT + " WHERE s.id = ? AND s.guild_id = ?", (submission_id, guild_id)) as c:
                row = await c.fetchone()
            if row is None:
                raise NoSuchSubmission(submission_id)
            current = _submission(row)
            if current.status != "pending":
                raise AlreadyDecided(submission_id, current.status, current.reviewer_name)
            detail: dict[str, Any] = {}
            fact_id = None
            final_film = current.film_id
            if approve:
                final_film = film_id or current.film_id or await _create_proposed_film(conn, current)
                final_text = text or current.text
                if final_text != current.text:
                    detail["text"] = {"before": current.text, "after": final_text}
                if final_film != current.film_id:
                    detail["film_id"] = {"before": current.film_id, "after": final_film}
                fact_id = await _insert_fact(conn, current, final_film, final_text)
                # The member's spoiler tick travels to the fact.
                await conn.execute(
                    "UPDATE facts SET spoiler = (SELECT spoiler FROM submissions WHERE id = ?) WHERE id = ?",
                    (submission_id, fact_id),
                )
            if reason:
                detail["reason"] = reason
            cursor = await conn.execute(
                "UPDATE submissions SET status = ?, reviewer_id = ?, reviewer_name = ?, reason = ?, decided_at = ?,"
                " fact_id = ?, film_id = ? WHERE id = ? AND status = 'pending'",
                ("approved" if approve else "rejected", reviewer_id, reviewer_name, reason, to_epoch(now), fact_id,
                 final_film, submission_id),
            )  # fmt: skip
            if cursor.rowcount != 1:  # pragma: no cover - the write lock makes this unreachable
                raise AlreadyDecided(submission_id, "decided", None)
            await _event(
                conn, submission_id, reviewer_id, reviewer_name, "approved" if approve else "rejected", detail, now
            )
            await audit(
                conn, guild_id=guild_id, actor=Actor(reviewer_id, reviewer_name), now=now, fact_id=fact_id,
                action="approve submission" if approve else "reject submission", target_id=submission_id,
                before={"status": "pending"}, after={"status": "approved" if approve else "rejected", **detail},
            )  # fmt: skip
            await enqueue(conn, DECISION_DM, submission_id, now)
            if current.review_message_id is not None or await review_post_waiting(conn, submission_id):
                await enqueue(conn, REVIEW_UPDATE, submission_id, now)
            failpoint("submission.before_decision_commit")
        failpoint("submission.decided")  # committed; the member's DM not yet sent
        decided = await self.get(submission_id)
        assert decided is not None
        return decided

    async def block(
        self, *, guild_id: int, member_id: int, blocked_by: int, now: datetime, blocked_by_name: str = ""
    ) -> None:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO blocked_submitters (guild_id, member_id, blocked_by, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, member_id, blocked_by, to_epoch(now)),
            )
            if cursor.rowcount == 1:
                await audit(
                    conn, guild_id=guild_id, actor=Actor(blocked_by, blocked_by_name or str(blocked_by)),
                    action="block", now=now, target_id=member_id, before={"blocked": False}, after={"blocked": True},
                )  # fmt: skip

    async def pending_of_member(self, guild_id: int, member_id: int) -> list[int]:
        rows = await self.store.fetchall(
            "SELECT id FROM submissions WHERE guild_id = ? AND member_id = ? AND status = 'pending' ORDER BY id",
            (guild_id, member_id),
        )
        return [r[0] for r in rows]

    async def settings(self, guild_id: int) -> GuildSettings:
        row = await self.store.fetchone(
            "SELECT guild_id, review_channel_id, reviewer_role_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return GuildSettings(row[0], row[1], row[2]) if row else GuildSettings(guild_id)

    async def save_settings(self, settings: GuildSettings, now: datetime) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, review_channel_id, reviewer_role_id, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
                " review_channel_id = excluded.review_channel_id, reviewer_role_id = excluded.reviewer_role_id,"
                " updated_at = excluded.updated_at",
                (settings.guild_id, settings.review_channel_id, settings.reviewer_role_id, to_epoch(now)),
            )


def _since(last: int | None, now: datetime) -> float | None:
    return None if last is None else to_epoch(now) - last


async def _event(
    conn: aiosqlite.Connection, submission_id: int, actor_id: int, actor_name: str, action: str,
    detail: dict[str, Any], now: datetime,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO submission_events (submission_id, actor_id, actor_name, action, detail, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (submission_id, actor_id, actor_name, action, json.dumps(detail, ensure_ascii=False), to_epoch(now)),
    )


async def _create_proposed_film(conn: aiosqlite.Connection, submission: Submission) -> int:
    assert submission.proposed_title is not None
    norm = normalise_title(submission.proposed_title)
    await conn.execute(
        "INSERT INTO films (title, norm_title, year) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (submission.proposed_title, norm, submission.proposed_year),
    )
    async with conn.execute(
        "SELECT id FROM films WHERE norm_title = ? AND ifnull(year, 0) = ?", (norm, submission.proposed_year or 0)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def _insert_fact(conn: aiosqlite.Connection, submission: Submission, film_id: int, text: str) -> int:
    async with conn.execute("SELECT title, year FROM films WHERE id = ?", (film_id,)) as cursor:
        film = await cursor.fetchone()
    assert film is not None
    digest = fact_hash(film[0], film[1], text)
    cursor = await conn.execute(
        "INSERT INTO facts (film_id, text, credit, credit_user_id, source, origin, guild_id, content_hash)"
        " VALUES (?, ?, ?, ?, ?, 'submission', ?, ?) ON CONFLICT DO NOTHING",
        (film_id, text, submission.member_name, submission.member_id, submission.source, submission.guild_id, digest),
    )
    if cursor.rowcount == 1 and cursor.lastrowid is not None:
        return cursor.lastrowid
    async with conn.execute(
        "SELECT id FROM facts WHERE content_hash = ? AND ifnull(guild_id, 0) = ?", (digest, submission.guild_id)
    ) as found:
        row = await found.fetchone()
    assert row is not None
    return row[0]
