"""The daily-trivia use-case: admins' schedules, and each tick's due posts. No Discord here: the cog
sends what this returns and reports back how it went."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock, system_clock
from bot.db.catalog import CatalogRepository
from bot.db.daily import DailyRepository
from bot.db.store import Store
from bot.services.trivia import TriviaService
from bot.trivia.display import FactCard
from bot.trivia.errors import TriviaError
from bot.trivia.rows import Advance, ClaimedPost, Schedule
from bot.trivia.schedule import decide, next_due, parse_time, parse_timezone

log = logging.getLogger(__name__)
DUE_BATCH = 1000
# Discord checks a message nonce for uniqueness only "within the past few minutes" (discord.py's
# `enforce_nonce`); an unconfirmed claim is re-sent with its nonce only inside this, kept well short of it.
RESEND_WINDOW = timedelta(minutes=2)
CHANNEL_DELETED = "the channel was deleted"


class NoSchedule(TriviaError):
    pass


@dataclass(frozen=True, slots=True)
class ScheduleListing:
    schedule: Schedule
    film_label: str | None


class DailyService:
    def __init__(
        self,
        store: Store,
        trivia: TriviaService,
        *,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        grace: timedelta = timedelta(hours=6),
    ) -> None:
        self.repo = DailyRepository(store)
        self.catalog = CatalogRepository(store)
        self.trivia = trivia
        self.clock = clock
        self.rng = rng or random.Random()
        self.grace = grace
        # Posts Discord accepted whose recording failed (another process held the write lock): kept
        # here and recorded on a later tick, never sent again.
        self._unrecorded: dict[int, tuple[ClaimedPost, int]] = {}

    async def set_schedule(
        self,
        *,
        guild_id: int,
        channel_id: int,
        time_text: str,
        timezone: str | None,
        film: str | None,
        admin_id: int,
        spoilers: bool = False,
    ) -> ScheduleListing:
        """Everything is validated before anything is stored: a bad time, zone or film changes nothing."""
        at = parse_time(time_text)
        zone = parse_timezone(timezone)
        entry = await self.trivia.resolve(film, guild_id) if film else None
        existing = await self.repo.by_channel(channel_id)
        last = existing.last_posted_date if existing else None
        now = self.clock()
        due = next_due(at, zone, now, not_on=date.fromisoformat(last) if last else None)
        saved = await self.repo.save(
            guild_id=guild_id,
            channel_id=channel_id,
            local_time=at.strftime("%H:%M"),
            timezone=zone.key,
            film_id=entry.film_id if entry else None,
            next_due_at=due,
            admin_id=admin_id,
            now=now,
            spoilers=spoilers,
        )
        log.info("guild %s: daily trivia in channel %s at %s %s", guild_id, channel_id, saved.local_time, zone.key)
        return ScheduleListing(saved, entry.label if entry else None)

    async def stop(self, *, guild_id: int, channel_id: int) -> None:
        if not await self.repo.delete(guild_id, channel_id):
            raise NoSchedule("That channel has no daily trivia. `/trivia-daily list` shows the ones that do.")
        log.info("guild %s: daily trivia stopped in channel %s", guild_id, channel_id)

    async def schedules(self, guild_id: int) -> list[ScheduleListing]:
        views = []
        for schedule in await self.repo.for_guild(guild_id):
            film = await self.catalog.film(schedule.film_id) if schedule.film_id else None
            views.append(ScheduleListing(schedule, film.label if film else None))
        return views

    async def forget_guild(self, guild_id: int) -> int:
        removed = await self.repo.delete_guild(guild_id)
        if removed:
            log.info("left guild %s: removed its %d daily schedule(s)", guild_id, removed)
        return removed

    async def forget_deleted_channels(self, guild_id: int) -> int:
        """Schedules paused because their channel was deleted can no longer be picked in `stop`."""
        removed = await self.repo.delete_paused(guild_id, CHANNEL_DELETED)
        if removed:
            log.info("guild %s: removed %d schedule(s) of deleted channels", guild_id, removed)
        return removed

    async def pause(self, channel_id: int, reason: str) -> None:
        if await self.repo.pause(channel_id, reason):
            log.warning("daily trivia in channel %s paused: %s", channel_id, reason)

    async def claim_due(self) -> list[ClaimedPost]:
        """Advances every due schedule and returns the posts to send now, including any claimed before
        a crash and never confirmed (they are re-sent with the same nonce, so Discord keeps one)."""
        now = self.clock()
        await self._record_unrecorded()
        pending = []
        for post in await self.repo.pending_posts(DUE_BATCH):
            if post.id in self._unrecorded:
                continue
            if post.claimed_at is not None and now - post.claimed_at > RESEND_WINDOW:
                await self._give_up(post, now)
            else:
                pending.append(post)
        claimed: list[ClaimedPost] = []
        for schedule in await self.repo.due(now, DUE_BATCH):
            try:
                post = await self._advance(schedule, now)
            except Exception:  # one broken schedule must not stop the others
                log.exception("could not advance daily schedule %s (channel %s)", schedule.id, schedule.channel_id)
                continue
            if post is not None:
                claimed.append(post)
        return pending + claimed

    async def _advance(self, schedule: Schedule, now: datetime) -> ClaimedPost | None:
        at = parse_time(schedule.local_time)
        zone = parse_timezone(schedule.timezone)
        decision = decide(schedule.next_due_at, now, self.grace, zone)
        day = decision.local_day.isoformat()
        already = schedule.last_posted_date == day
        after = max(now, schedule.next_due_at)
        following = next_due(at, zone, after, not_on=decision.local_day)
        if not decision.post:
            log.warning("daily trivia in channel %s skipped for %s: %s", schedule.channel_id, day, decision.reason)
        return await self.repo.advance(
            Advance(
                schedule=schedule,
                next_due_at=following,
                post_on=day if decision.post and not already else None,
                problem=f"skipped {day}: {decision.reason}" if not decision.post else None,
            ),
            self.rng,
            now,
        )

    async def card_for_post(self, post: ClaimedPost) -> FactCard:
        fact = await self.catalog.fact(post.fact_id)
        if fact is None:
            raise NoSchedule("that fact no longer exists")
        return await self.trivia.card_for_fact(fact, guild_id=post.guild_id)

    async def delivered(self, post: ClaimedPost, message_id: int) -> None:
        """Records a post Discord accepted. If the store cannot take it now, the message id is kept in
        memory and recorded on a later tick: the post is never sent again for it."""
        try:
            await self.repo.mark_sent(post.id, message_id)
        except Exception:
            self._unrecorded[post.id] = (post, message_id)
            log.warning(
                "daily post %s (schedule %s, channel %s) was sent as message %s but could not be recorded;"
                " recording it on a later tick", post.id, post.schedule_id, post.channel_id, message_id,
                exc_info=True,
            )  # fmt: skip
            return
        log.info("daily trivia posted in channel %s for %s", post.channel_id, post.local_date)

    async def _give_up(self, post: ClaimedPost, now: datetime) -> None:
        """Claimed but never confirmed, longer ago than Discord's nonce check reaches: a re-send could
        be a second message, and we cannot tell whether the first one exists. A missed day is the
        lesser harm, so it is given up, logged and shown in `list`."""
        problem = (
            f"the post for {post.local_date} was not confirmed before the bot stopped and is not re-sent"
            " (it may be in the channel; sending again could post it twice)"
        )
        await self.repo.give_up(post, problem)
        log.warning(
            "daily post %s (schedule %s, channel %s) for %s was claimed at %s and never confirmed; it is %s old,"
            " past the %s in which Discord's nonce would dedupe a re-send: given up, not re-sent",
            post.id, post.schedule_id, post.channel_id, post.local_date, post.claimed_at, now - post.claimed_at,
            RESEND_WINDOW,
        )  # fmt: skip

    async def _record_unrecorded(self) -> None:
        for post_id, (post, message_id) in list(self._unrecorded.items()):
            try:
                await self.repo.mark_sent(post_id, message_id)
            except Exception:  # still locked: keep them all for the next tick, and go on with this one
                log.warning("daily post %s (schedule %s, channel %s): still not recorded; trying next tick",
                            post_id, post.schedule_id, post.channel_id, exc_info=True)  # fmt: skip
                return
            del self._unrecorded[post_id]
            log.info("daily post %s in channel %s recorded as sent (message %s)", post_id, post.channel_id,
                     message_id)  # fmt: skip

    async def failed_for_now(self, post: ClaimedPost, problem: str) -> None:
        if await self.repo.mark_retry(post, problem, self.clock()):
            log.warning("daily post in channel %s failed (%s); retrying next tick", post.channel_id, problem)
        else:
            log.error("daily post in channel %s failed (%s); giving up for %s", post.channel_id, problem,
                      post.local_date)  # fmt: skip

    async def undeliverable(self, post: ClaimedPost, reason: str) -> None:
        await self.repo.mark_undeliverable(post, reason)
        log.warning("daily trivia in channel %s paused: %s", post.channel_id, reason)
