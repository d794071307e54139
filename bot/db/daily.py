"""Daily schedules and posts. Claiming a post and advancing its schedule happen in one transaction,
so a crash at any moment leaves either both or neither."""

from __future__ import annotations

import random
from datetime import datetime

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.db.store import Store
from bot.faults import failpoint
from bot.trivia.rows import Advance, ClaimedPost, Schedule

MAX_SEND_ATTEMPTS = 5


def _schedule(row: aiosqlite.Row) -> Schedule:
    return Schedule(
        row["id"], row["guild_id"], row["channel_id"], row["local_time"], row["timezone"], row["film_id"],
        from_epoch(row["next_due_at"]), row["last_posted_date"], row["paused_reason"], row["problem"],
        bool(row["spoilers"]),
    )  # fmt: skip


def _post(row: aiosqlite.Row) -> ClaimedPost:
    return ClaimedPost(
        row["id"], row["schedule_id"], row["guild_id"], row["channel_id"], row["fact_id"], row["local_date"],
        row["attempts"], from_epoch(row["claimed_at"]),
    )  # fmt: skip


# Not hidden in the schedule's server, and not a spoiler there unless the schedule allows spoilers.
_ELIGIBLE = (
    " AND NOT EXISTS (SELECT 1 FROM hidden_facts h WHERE h.guild_id = ? AND h.fact_id = facts.id)"
    " AND (? = 1 OR coalesce((SELECT m.spoiler FROM spoiler_marks m WHERE m.guild_id = ? AND m.fact_id = facts.id),"
    " facts.spoiler) = 0)"
)


def _eligible(schedule: Schedule) -> tuple[int, int, int]:
    return schedule.guild_id, int(schedule.spoilers), schedule.guild_id


class DailyRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_channel(self, channel_id: int) -> Schedule | None:
        row = await self.store.fetchone(
            "SELECT id, guild_id, channel_id, local_time, timezone, film_id, next_due_at, last_posted_date,"
            " paused_reason, problem, spoilers FROM daily_schedules WHERE channel_id = ?",
            (channel_id,),
        )
        return _schedule(row) if row else None

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        rows = await self.store.fetchall(
            "SELECT id, guild_id, channel_id, local_time, timezone, film_id, next_due_at, last_posted_date,"
            " paused_reason, problem, spoilers FROM daily_schedules WHERE guild_id = ? ORDER BY next_due_at",
            (guild_id,),
        )
        return [_schedule(r) for r in rows]

    async def save(
        self,
        *,
        guild_id: int,
        channel_id: int,
        local_time: str,
        timezone: str,
        film_id: int | None,
        next_due_at: datetime,
        admin_id: int,
        now: datetime,
        spoilers: bool = False,
    ) -> Schedule:
        """Creates or replaces the channel's schedule; setting it again also lifts a pause."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, film_id, next_due_at,"
                " created_by, updated_at, spoilers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id,"
                " local_time = excluded.local_time, timezone = excluded.timezone, film_id = excluded.film_id,"
                " next_due_at = excluded.next_due_at, paused_reason = NULL, problem = NULL,"
                " updated_at = excluded.updated_at, spoilers = excluded.spoilers",
                (
                    guild_id,
                    channel_id,
                    local_time,
                    timezone,
                    film_id,
                    to_epoch(next_due_at),
                    admin_id,
                    to_epoch(now),
                    int(spoilers),
                ),
            )
        saved = await self.by_channel(channel_id)
        assert saved is not None
        return saved

    async def delete(self, guild_id: int, channel_id: int) -> bool:
        """Scoped by guild: a command in one server can never touch another server's schedule."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM daily_schedules WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            )
            return cursor.rowcount > 0

    async def delete_guild(self, guild_id: int) -> int:
        async with self.store.transaction() as conn:
            cursor = await conn.execute("DELETE FROM daily_schedules WHERE guild_id = ?", (guild_id,))
            return cursor.rowcount

    async def delete_paused(self, guild_id: int, reason: str) -> int:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM daily_schedules WHERE guild_id = ? AND paused_reason = ?", (guild_id, reason)
            )
            return cursor.rowcount

    async def pause(self, channel_id: int, reason: str) -> bool:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE daily_schedules SET paused_reason = ?, problem = ? WHERE channel_id = ?",
                (reason, reason, channel_id),
            )
            return cursor.rowcount > 0

    async def due(self, now: datetime, limit: int) -> list[Schedule]:
        """Served by the partial index on next_due_at: the cost is the number due, not the number held."""
        shards, shard_params = self.store.shard_sql("guild_id")  # only this process's guilds
        rows = await self.store.fetchall(
            "SELECT id, guild_id, channel_id, local_time, timezone, film_id, next_due_at, last_posted_date,"  # noqa: S608
            " paused_reason, problem, spoilers FROM daily_schedules"
            f" WHERE paused_reason IS NULL AND next_due_at <= ?{shards} ORDER BY next_due_at LIMIT ?",
            (to_epoch(now), *shard_params, limit),
        )
        return [_schedule(r) for r in rows]

    async def advance(self, decision: Advance, rng: random.Random, now: datetime) -> ClaimedPost | None:
        """Claims the day's post (if any) and moves next-due on, together. Returns None when nothing
        is to be sent: skipped, no facts, or another tick got there first."""
        schedule = decision.schedule
        async with self.store.transaction() as conn:
            if not await self.store.claim(conn, "daily_schedules", schedule.id):
                return None  # another process is claiming it right now (PostgreSQL): its post, not ours
            # Only the tick that still sees the old next-due may advance it.
            cursor = await conn.execute(
                "UPDATE daily_schedules SET next_due_at = ?, problem = ?"
                " WHERE id = ? AND next_due_at = ? AND paused_reason IS NULL",
                (to_epoch(decision.next_due_at), decision.problem, schedule.id, to_epoch(schedule.next_due_at)),
            )
            if cursor.rowcount != 1 or decision.post_on is None:
                return None
            picked = await self._pick_fact(conn, schedule, rng)
            if picked is None:
                await conn.execute(
                    "UPDATE daily_schedules SET problem = ? WHERE id = ?",
                    ("no facts to post yet: import some, or approve submissions", schedule.id),
                )
                return None
            fact_id, cycle = picked
            cursor = await conn.execute(
                "INSERT INTO daily_posts (schedule_id, channel_id, guild_id, fact_id, local_date, cycle, due_at,"
                " claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, local_date) DO NOTHING",
                (schedule.id, schedule.channel_id, schedule.guild_id, fact_id, decision.post_on, cycle,
                 to_epoch(schedule.next_due_at), to_epoch(now)),
            )  # fmt: skip
            if cursor.rowcount != 1:
                return None  # this channel already has its post for that day
            post_id = cursor.lastrowid
            await conn.execute(
                "UPDATE daily_schedules SET last_posted_date = ? WHERE id = ?", (decision.post_on, schedule.id)
            )
            failpoint("daily.before_claim_commit")
        return ClaimedPost(
            post_id, schedule.id, schedule.guild_id, schedule.channel_id, fact_id, decision.post_on, 0, now
        )

    async def _pick_fact(
        self, conn: aiosqlite.Connection, schedule: Schedule, rng: random.Random
    ) -> tuple[int, int] | None:
        """A fact the channel has not had this cycle; when it has had them all, a new cycle begins."""
        async with conn.execute(
            "SELECT coalesce(max(cycle), 1) FROM daily_posts WHERE channel_id = ?", (schedule.channel_id,)
        ) as cursor:
            row = await cursor.fetchone()
        cycle = row[0] if row else 1
        for attempt_cycle in (cycle, cycle + 1):
            fact_id = await (
                self._pick_film_fact(conn, schedule, attempt_cycle, rng)
                if schedule.film_id is not None
                else self._pick_any_fact(conn, schedule, attempt_cycle, rng)
            )
            if fact_id is not None:
                return fact_id, attempt_cycle
        return None

    @staticmethod
    async def _pick_film_fact(
        conn: aiosqlite.Connection, schedule: Schedule, cycle: int, rng: random.Random
    ) -> int | None:
        async with conn.execute(
            "SELECT id FROM facts WHERE film_id = ? AND (guild_id IS NULL OR guild_id = ?)"  # noqa: S608 - ? marks only
            + _ELIGIBLE
            + " AND id NOT IN (SELECT fact_id FROM daily_posts WHERE channel_id = ? AND cycle = ?) ORDER BY id",
            (schedule.film_id, schedule.guild_id, *_eligible(schedule), schedule.channel_id, cycle),
        ) as cursor:
            ids = [r[0] for r in await cursor.fetchall()]
        return rng.choice(ids) if ids else None

    @staticmethod
    async def _pick_any_fact(
        conn: aiosqlite.Connection, schedule: Schedule, cycle: int, rng: random.Random
    ) -> int | None:
        """From the whole catalog without loading it: start at a random id and take the next eligible
        one, wrapping round. Far cheaper than ORDER BY random() over a million facts.

        The bounds are two subqueries on purpose: `SELECT min(id), max(id)` in one select is a full
        scan of facts, while each alone reads one end of the rowid b-tree."""
        async with conn.execute("SELECT (SELECT min(id) FROM facts), (SELECT max(id) FROM facts)") as cursor:
            bounds = await cursor.fetchone()
        if bounds is None or bounds[0] is None:
            return None
        start = rng.randint(bounds[0], bounds[1])
        for low, high in ((start, bounds[1]), (bounds[0], start - 1)):
            async with (
                conn.execute(
                    "SELECT id FROM facts WHERE id BETWEEN ? AND ? AND (guild_id IS NULL OR guild_id = ?)"  # noqa: S608
                    + _ELIGIBLE
                    + " AND id NOT IN (SELECT fact_id FROM daily_posts WHERE channel_id = ? AND cycle = ?)"
                    " ORDER BY id LIMIT 1",
                    (low, high, schedule.guild_id, *_eligible(schedule), schedule.channel_id, cycle),
                ) as cursor
            ):
                row = await cursor.fetchone()
            if row:
                return row[0]
        return None

    async def pending_posts(self, limit: int) -> list[ClaimedPost]:
        """Posts claimed but not confirmed sent (a crash, or a send whose outcome was not recorded)."""
        shards, shard_params = self.store.shard_sql("guild_id")
        rows = await self.store.fetchall(
            "SELECT id, schedule_id, guild_id, channel_id, fact_id, local_date, attempts,"  # noqa: S608
            " coalesce(claimed_at, due_at) AS claimed_at FROM daily_posts"
            f" WHERE status = 'claimed'{shards} ORDER BY id LIMIT ?",
            (*shard_params, limit),
        )
        return [_post(r) for r in rows]

    async def mark_sent(self, post_id: int, message_id: int) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET status = 'sent', message_id = ?, attempts = attempts + 1 WHERE id = ?",
                (message_id, post_id),
            )

    async def mark_retry(self, post: ClaimedPost, problem: str, now: datetime) -> bool:
        """A passing failure (Discord 5xx): try again next tick, up to MAX_SEND_ATTEMPTS. True if it will.
        Discord answered with an error, so nothing was posted: the re-send window starts again now."""
        retry = post.attempts + 1 < MAX_SEND_ATTEMPTS
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET attempts = attempts + 1, status = ?, claimed_at = ? WHERE id = ?",
                ("claimed" if retry else "failed", to_epoch(now), post.id),
            )
            await conn.execute("UPDATE daily_schedules SET problem = ? WHERE id = ?", (problem, post.schedule_id))
        return retry

    async def give_up(self, post: ClaimedPost, problem: str) -> None:
        """An unconfirmed claim too old to re-send safely: it may or may not be in the channel."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET status = 'failed' WHERE id = ? AND status = 'claimed'", (post.id,)
            )
            await conn.execute("UPDATE daily_schedules SET problem = ? WHERE id = ?", (problem, post.schedule_id))

    async def mark_undeliverable(self, post: ClaimedPost, reason: str) -> None:
        """The channel is gone or closed to us: pause the schedule and forget the claim, so the fact is
        not counted as seen and the day can still be posted once an admin fixes it."""
        async with self.store.transaction() as conn:
            await conn.execute("DELETE FROM daily_posts WHERE id = ?", (post.id,))
            await conn.execute(
                "UPDATE daily_schedules SET paused_reason = ?, problem = ?,"
                " last_posted_date = CASE WHEN last_posted_date = ? THEN NULL ELSE last_posted_date END"
                " WHERE id = ?",
                (reason, reason, post.local_date, post.schedule_id),
            )
