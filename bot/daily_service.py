"""The daily-trivia use-case: admins' schedules, and each tick's due posts. No Discord here: the cog
sends what this returns and reports back how it went."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock, system_clock
from bot.db.catalog import CatalogRepository
from bot.db.daily import Advance, ClaimedPost, DailyRepository, Schedule
from bot.db.store import Store
from bot.trivia.display import FactCard
from bot.trivia.errors import TriviaError
from bot.trivia.schedule import decide, next_due, parse_time, parse_timezone
from bot.trivia_service import TriviaService

log = logging.getLogger(__name__)
DUE_BATCH = 1000
CHANNEL_DELETED = "the channel was deleted"


class NoSchedule(TriviaError):
    pass


@dataclass(frozen=True, slots=True)
class ScheduleView:
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

    async def set(
        self,
        *,
        guild_id: int,
        channel_id: int,
        time_text: str,
        timezone: str | None,
        film: str | None,
        admin_id: int,
        spoilers: bool = False,
    ) -> ScheduleView:
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
        return ScheduleView(saved, entry.label if entry else None)

    async def stop(self, *, guild_id: int, channel_id: int) -> None:
        if not await self.repo.delete(guild_id, channel_id):
            raise NoSchedule("That channel has no daily trivia. `/trivia-daily list` shows the ones that do.")
        log.info("guild %s: daily trivia stopped in channel %s", guild_id, channel_id)

    async def list(self, guild_id: int) -> list[ScheduleView]:
        views = []
        for schedule in await self.repo.for_guild(guild_id):
            film = await self.catalog.film(schedule.film_id) if schedule.film_id else None
            views.append(ScheduleView(schedule, film.label if film else None))
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
        pending = await self.repo.pending_posts(DUE_BATCH)
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
        )

    async def card(self, post: ClaimedPost) -> FactCard:
        fact = await self.catalog.fact(post.fact_id)
        if fact is None:
            raise NoSchedule("that fact no longer exists")
        return await self.trivia.card_for_fact(fact, guild_id=post.guild_id)

    async def delivered(self, post: ClaimedPost, message_id: int) -> None:
        await self.repo.mark_sent(post.id, message_id)
        log.info("daily trivia posted in channel %s for %s", post.channel_id, post.local_date)

    async def failed_for_now(self, post: ClaimedPost, problem: str) -> None:
        if await self.repo.mark_retry(post, problem):
            log.warning("daily post in channel %s failed (%s); retrying next tick", post.channel_id, problem)
        else:
            log.error("daily post in channel %s failed (%s); giving up for %s", post.channel_id, problem,
                      post.local_date)  # fmt: skip

    async def undeliverable(self, post: ClaimedPost, reason: str) -> None:
        await self.repo.mark_undeliverable(post, reason)
        log.warning("daily trivia in channel %s paused: %s", post.channel_id, reason)
