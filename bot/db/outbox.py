"""The outbox: Discord side effects of submissions and decisions, recorded in the transaction that
causes them (`enqueue`, called with that transaction's connection) and worked off by the bot's
delivery loop, so a crash between a commit and its message loses nothing and sends nothing twice."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_epoch
from bot.db.store import Store
from bot.trivia.rows import REVIEW_POST, OutboxItem


async def enqueue(
    conn: aiosqlite.Connection, kind: str, submission_id: int, now: datetime, *, channel_id: int | None = None
) -> None:
    """Called inside the caller's transaction: the side effect exists exactly when the change does."""
    await conn.execute(
        "INSERT INTO outbox (kind, submission_id, channel_id, created_at, due_at) VALUES (?, ?, ?, ?, ?)",
        (kind, submission_id, channel_id, to_epoch(now), to_epoch(now)),
    )


async def enqueue_report(
    conn: aiosqlite.Connection,
    kind: str,
    report_id: int,
    now: datetime,
    *,
    channel_id: int | None = None,
    member_id: int | None = None,
) -> None:
    """A report's side effect, recorded like a submission's: inside the transaction of its change."""
    await conn.execute(
        "INSERT INTO outbox (kind, report_id, member_id, channel_id, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?)",
        (kind, report_id, member_id, channel_id, to_epoch(now), to_epoch(now)),
    )


async def review_post_waiting(conn: aiosqlite.Connection, submission_id: int) -> bool:
    rows = await conn.execute_fetchall(
        "SELECT 1 FROM outbox WHERE submission_id = ? AND kind = ? AND done_at IS NULL LIMIT 1",
        (submission_id, REVIEW_POST),
    )
    return bool(list(rows))


class OutboxRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Oldest first, so a submission's copy is posted before its decision updates it."""
        shards, shard_params = self.store.shard_sql("coalesce(s.guild_id, r.guild_id)")  # this process's guilds
        rows = await self.store.fetchall(
            "SELECT o.id, o.kind, o.submission_id, o.channel_id, o.attempts, o.report_id, o.member_id"  # noqa: S608
            " FROM outbox o LEFT JOIN submissions s ON s.id = o.submission_id LEFT JOIN reports r ON r.id = o.report_id"
            f" WHERE o.done_at IS NULL AND o.due_at <= ?{shards} ORDER BY o.id LIMIT ?",
            (to_epoch(now), *shard_params, limit),
        )
        return [OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    async def done(self, item: OutboxItem, now: datetime, outcome: str) -> None:
        await self.store.write(
            "UPDATE outbox SET done_at = ?, outcome = ?, attempts = attempts + 1 WHERE id = ? AND done_at IS NULL",
            (to_epoch(now), outcome, item.id),
        )

    async def review_posted(self, item: OutboxItem, channel_id: int, message_id: int, now: datetime) -> None:
        """The message id and the row's completion land together: a crash leaves both or neither."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE submissions SET review_channel_id = ?, review_message_id = ? WHERE id = ?",
                (channel_id, message_id, item.submission_id),
            )
            await conn.execute(
                "UPDATE outbox SET done_at = ?, outcome = 'sent', attempts = attempts + 1"
                " WHERE id = ? AND done_at IS NULL",
                (to_epoch(now), item.id),
            )

    async def report_posted(self, item: OutboxItem, channel_id: int, message_id: int, now: datetime) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE reports SET review_channel_id = ?, review_message_id = ? WHERE id = ?",
                (channel_id, message_id, item.report_id),
            )
            await conn.execute(
                "UPDATE outbox SET done_at = ?, outcome = 'sent', attempts = attempts + 1"
                " WHERE id = ? AND done_at IS NULL",
                (to_epoch(now), item.id),
            )

    async def retry(self, item: OutboxItem, error: str, due_at: datetime) -> None:
        await self.store.write(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ? AND done_at IS NULL",
            (error[:500], to_epoch(due_at), item.id),
        )

    async def give_up(self, item: OutboxItem, error: str, now: datetime) -> None:
        await self.store.write(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, done_at = ?, outcome = 'gave up'"
            " WHERE id = ? AND done_at IS NULL",
            (error[:500], to_epoch(now), item.id),
        )
