"""The submission use-case: members propose facts, reviewers decide. No Discord here: the cog shows
what this returns; permissions arrive as plain facts (has Manage Messages, which roles)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from bot.clock import Clock, system_clock
from bot.db.outbox import OutboxRepository
from bot.db.store import Store
from bot.db.submissions import SubmissionRepository
from bot.services.trivia import TriviaService
from bot.trivia.errors import MAX_ROW_ID, EmptyCatalog, FilmNotFound, NoSuchSubmission, TriviaError
from bot.trivia.rows import Draft, GuildSettings, OutboxItem, Submission
from bot.trivia.submissions import (
    NotAReviewer,
    check_member_limits,
    check_submission,
    clean_proposed_title,
    clean_reason,
    clean_submission,
    is_reviewer,
    parse_proposed_year,
    split_proposed_title,
)
from bot.trivia.text import film_label

log = logging.getLogger(__name__)
RETRY_FIRST_SECONDS = 30  # a failed delivery waits this, doubling each time...
RETRY_MAX_SECONDS = 3600  # ...up to an hour...
MAX_ATTEMPTS = 12  # ...and is given up (and logged) after this many tries, about seven hours


@dataclass(frozen=True, slots=True)
class Target:
    """The film a submission is about: one in the catalog, or a title to propose."""

    film_id: int | None
    title: str
    year: int | None = None  # for a proposal: the year the member typed in "Title (Year)", if any

    @property
    def proposed(self) -> bool:
        return self.film_id is None

    @property
    def label(self) -> str:
        return film_label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class Reviewer:
    id: int
    name: str
    manage_messages: bool
    role_ids: frozenset[int]


class SubmissionService:
    def __init__(
        self,
        store: Store,
        trivia: TriviaService,
        *,
        clock: Clock = system_clock,
        max_pending: int = 5,
        cooldown_seconds: float = 60.0,
    ) -> None:
        self.repo = SubmissionRepository(store)
        self.outbox = OutboxRepository(store)
        # Set whenever a change records a side effect, so the delivery loop sends it at once.
        self.outbox_wakeup = asyncio.Event()
        self.trivia = trivia
        self.clock = clock
        self.max_pending = max_pending
        self.cooldown_seconds = cooldown_seconds

    async def target(self, film_query: str, guild_id: int | None = None) -> Target:
        """A title that names no film (in that server) becomes a proposal; one that names several must be
        narrowed."""
        try:
            entry = await self.trivia.resolve(film_query, guild_id)
        except (FilmNotFound, EmptyCatalog):
            title, year = split_proposed_title(film_query)
            return Target(None, clean_proposed_title(title), year)
        return Target(entry.film_id, entry.title, entry.year)

    async def film_target(self, film_id: int) -> Target:
        """The film a submission form was opened for (its id came back in the form's custom_id)."""
        film = await self.trivia.catalog.film(film_id) if 0 < film_id <= MAX_ROW_ID else None
        if film is None:
            raise TriviaError("That film is not in the catalog any more. Open the form again with /trivia-submit.")
        return Target(film.id, film.title, film.year)

    async def precheck(self, guild_id: int, member_id: int) -> None:
        """Refuses before the form opens, so a member never writes a fact that could not be taken.
        `submit` checks again, inside its transaction: this is a courtesy, not the rule."""
        state = await self.repo.member_state(guild_id, member_id, self.clock())
        check_member_limits(state, max_pending=self.max_pending, cooldown_seconds=self.cooldown_seconds)

    async def submit(
        self,
        *,
        guild_id: int,
        member_id: int,
        member_name: str,
        target: Target,
        text: str,
        source: str | None,
        year: str | None = None,
        spoiler: bool = False,
    ) -> tuple[Submission, int]:
        """Stores the submission, or refuses it storing nothing. Returns it and how many wait before it."""
        clean = clean_submission(text, source)
        proposed_year = parse_proposed_year(year, target.title) if target.proposed else None
        draft = Draft(
            guild_id=guild_id,
            member_id=member_id,
            member_name=member_name[:100],
            film_id=target.film_id,
            proposed_title=target.title if target.proposed else None,
            proposed_year=proposed_year,
            text=clean.text,
            source=clean.source,
            spoiler=spoiler,
        )
        rules = partial(
            check_submission, text=clean.text, max_pending=self.max_pending, cooldown_seconds=self.cooldown_seconds
        )
        submission = await self.repo.create(draft, self.clock(), rules)
        self.outbox_wakeup.set()
        ahead = await self.repo.pending_count(guild_id, before=submission.id)
        log.info(
            "guild %s: submission #%s from member %s about %s",
            guild_id,
            submission.id,
            member_id,
            submission.film_label,
        )
        return submission, ahead

    async def waiting(self, submission_id: int, guild_id: int) -> Submission:
        """A submission of this server still waiting for a decision (to edit or reject), or a refusal
        that says why not: another server's, or already decided and by whom."""
        submission = await self.repo.get(submission_id)
        if submission is None or submission.guild_id != guild_id:
            raise NoSuchSubmission(submission_id)
        if submission.status != "pending":
            raise TriviaError(
                f"Submission #{submission.id} was already {submission.status} by {submission.reviewer_name}."
            )
        return submission

    async def get(self, submission_id: int) -> Submission | None:
        return await self.repo.get(submission_id)

    async def require_reviewer(self, guild_id: int, reviewer: Reviewer) -> None:
        """Checked on every command and every button press: roles change, messages stay."""
        settings = await self.repo.settings(guild_id)
        if not is_reviewer(
            manage_messages=reviewer.manage_messages,
            role_ids=reviewer.role_ids,
            reviewer_role_id=settings.reviewer_role_id,
        ):
            raise NotAReviewer()

    async def next_pending(self, guild_id: int) -> tuple[Submission | None, int]:
        return await self.repo.oldest_pending(guild_id), await self.repo.pending_count(guild_id)

    async def approve(
        self,
        submission_id: int,
        guild_id: int,
        reviewer: Reviewer,
        *,
        text: str | None = None,
        film_query: str | None = None,
    ) -> Submission:
        await self.require_reviewer(guild_id, reviewer)
        edited_text = clean_submission(text, None).text if text is not None else None
        film_id = None
        if film_query is not None:
            target = await self.target(film_query, guild_id)
            if target.proposed:
                raise FilmNotFound(film_query, [])
            film_id = target.film_id
        decided = await self._decide(submission_id, guild_id, reviewer, approve=True, text=edited_text, film_id=film_id)
        if decided.proposed_title is not None or film_id is not None:
            self.trivia.titles_changed()
        self.trivia.visibility_changed()  # its films offered here, cached facts dropped
        log.info("guild %s: submission #%s approved by %s", guild_id, submission_id, reviewer.id)
        return decided

    async def reject(self, submission_id: int, guild_id: int, reviewer: Reviewer, reason: str) -> Submission:
        await self.require_reviewer(guild_id, reviewer)
        decided = await self._decide(submission_id, guild_id, reviewer, approve=False, reason=clean_reason(reason))
        log.info("guild %s: submission #%s rejected by %s", guild_id, submission_id, reviewer.id)
        return decided

    async def block_submitter(self, submission_id: int, guild_id: int, reviewer: Reviewer) -> list[Submission]:
        """Blocks the member from submitting here and rejects everything they still have waiting."""
        await self.require_reviewer(guild_id, reviewer)
        submission = await self.repo.get(submission_id)
        if submission is None or submission.guild_id != guild_id:
            raise NoSuchSubmission(submission_id)
        await self.repo.block(
            guild_id=guild_id,
            member_id=submission.member_id,
            blocked_by=reviewer.id,
            now=self.clock(),
            blocked_by_name=reviewer.name,
        )
        rejected = []
        for pending_id in await self.repo.pending_of_member(guild_id, submission.member_id):
            rejected.append(
                await self._decide(pending_id, guild_id, reviewer, approve=False, reason="the submitter was blocked")
            )
        log.info("guild %s: member %s blocked from submitting by %s", guild_id, submission.member_id, reviewer.id)
        return rejected

    async def _decide(
        self, submission_id: int, guild_id: int, reviewer: Reviewer, *, approve: bool, **changes: Any
    ) -> Submission:
        decided = await self.repo.decide(
            submission_id=submission_id,
            guild_id=guild_id,
            approve=approve,
            reviewer_id=reviewer.id,
            reviewer_name=reviewer.name,
            now=self.clock(),
            **changes,
        )
        self.outbox_wakeup.set()
        return decided

    # --- the outbox: what the delivery loop asks ------------------------------------------------------

    async def due_deliveries(self) -> list[OutboxItem]:
        return await self.outbox.due(self.clock())

    async def delivered(self, item: OutboxItem, outcome: str = "sent") -> None:
        await self.outbox.done(item, self.clock(), outcome)

    async def review_copy_posted(self, item: OutboxItem, channel_id: int, message_id: int) -> None:
        await self.outbox.review_posted(item, channel_id, message_id, self.clock())

    async def delivery_failed(self, item: OutboxItem, error: str, *, permanent: bool = False) -> None:
        """Retried with exponential backoff; given up (and logged) when it cannot succeed or has
        failed MAX_ATTEMPTS times, so one broken channel never keeps the loop busy forever."""
        attempt = item.attempts + 1
        if permanent or attempt >= MAX_ATTEMPTS:
            log.warning(
                "giving up %s of submission #%s after %d attempt(s): %s", item.kind, item.submission_id, attempt, error
            )
            await self.outbox.give_up(item, error, self.clock())
            return
        delay = min(RETRY_FIRST_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS)
        log.info(
            "%s of submission #%s failed (attempt %d), retrying in %d s: %s",
            item.kind, item.submission_id, attempt, delay, error,
        )  # fmt: skip
        await self.outbox.retry(item, error, self.clock() + timedelta(seconds=delay))

    async def settings(self, guild_id: int) -> GuildSettings:
        return await self.repo.settings(guild_id)

    async def set_review_channel(self, guild_id: int, channel_id: int | None) -> GuildSettings:
        current = await self.repo.settings(guild_id)
        updated = GuildSettings(guild_id, channel_id, current.reviewer_role_id)
        await self.repo.save_settings(updated, self.clock())
        return updated

    async def set_reviewer_role(self, guild_id: int, role_id: int | None) -> GuildSettings:
        current = await self.repo.settings(guild_id)
        updated = GuildSettings(guild_id, current.review_channel_id, role_id)
        await self.repo.save_settings(updated, self.clock())
        return updated
