"""The moderation use-case: members report facts; a server's reviewers hide, unhide, edit, delete and mark
facts as spoilers, dismiss reports, and undo. No Discord here: permissions arrive as plain facts (Reviewer),
and every change is one transaction with its audit record and outbox rows (bot/db/moderation.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from bot.clock import Clock, system_clock
from bot.db.catalog import CatalogRepository
from bot.db.moderation import ModerationRepository, audit
from bot.db.store import Store
from bot.db.submissions import Submission
from bot.services.importing import parse_catalog_bytes
from bot.services.submissions import Reviewer, SubmissionService
from bot.services.trivia import TriviaService
from bot.trivia.catalog_formats import to_json
from bot.trivia.errors import FactNumberOutOfRange, ModerationRefused, check_row_id
from bot.trivia.moderation import MAX_DISMISS_REASON, clean_details, parse_report_kind
from bot.trivia.rows import Actor, AuditEntry, ImportSummary, ModFact, Report
from bot.trivia.submissions import clean_submission

log = logging.getLogger(__name__)
DISCORD_IMPORT_BYTES = 2 * 1024 * 1024  # an attachment to /trivia-config import; bigger catalogs use the CLI
REPORT_LIMIT = 5  # reports per member and server...
REPORT_WINDOW_SECONDS = 600  # ...in this many seconds


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """The oldest thing waiting in a server's queue, and how many of each kind wait."""

    submission: Submission | None
    report: Report | None
    submissions_waiting: int
    reports_waiting: int

    @property
    def waiting_text(self) -> str:
        def count(n: int, noun: str) -> str:
            return f"{n} {noun}{'' if n == 1 else 's'}"

        return f"{count(self.submissions_waiting, 'submission')} and {count(self.reports_waiting, 'report')} waiting"


@dataclass(frozen=True, slots=True)
class Numbered:
    """A film's facts as moderators number them in a server: hidden ones included (and marked)."""

    film_label: str
    facts: list[ModFact]

    def at(self, number: int) -> ModFact:
        if not 1 <= number <= len(self.facts):
            raise FactNumberOutOfRange(self.film_label, number, len(self.facts))
        return self.facts[number - 1]


def actor_of(reviewer: Reviewer) -> Actor:
    return Actor(reviewer.id, reviewer.name)


class ModerationService:
    def __init__(
        self,
        store: Store,
        trivia: TriviaService,
        submissions: SubmissionService,
        *,
        clock: Clock = system_clock,
        report_limit: int = REPORT_LIMIT,
        report_window_seconds: int = REPORT_WINDOW_SECONDS,
    ) -> None:
        self.repo = ModerationRepository(store)
        self.trivia = trivia
        self.submissions = submissions
        self.clock = clock
        self.report_limit = report_limit
        self.report_window_seconds = report_window_seconds

    def _changed(self) -> None:
        """Outbox rows were written: the delivery loop sends them now. Titles may have lost or gained facts."""
        self.submissions.outbox_wakeup.set()
        self.trivia.visibility_changed()

    # --- members ---------------------------------------------------------------------------------------

    async def reportable(self, guild_id: int, fact_id: int) -> ModFact:
        """Checked before the form opens (a courtesy; `report` checks again in its transaction)."""
        check_row_id(fact_id, "fact")
        fact = await self.repo.fact(fact_id, guild_id)
        if fact is None or fact.hidden:
            raise ModerationRefused("That fact is not in this server's catalog any more.")
        return fact

    async def report(
        self, *, guild_id: int, fact_id: int, member_id: int, member_name: str, kind: str | None, details: str | None
    ) -> tuple[int, str]:
        check_row_id(fact_id, "fact")
        report_id, outcome = await self.repo.report(
            guild_id=guild_id,
            fact_id=fact_id,
            member_id=member_id,
            member_name=member_name[:100],
            kind=parse_report_kind(kind),
            details=clean_details(details),
            now=self.clock(),
            limit=self.report_limit,
            window_seconds=self.report_window_seconds,
        )
        if outcome != "already":
            self._changed()
            log.info("guild %s: fact %s reported by member %s (report #%s, %s)", guild_id, fact_id, member_id,
                     report_id, outcome)  # fmt: skip
        return report_id, outcome

    # --- the review queue --------------------------------------------------------------------------------

    async def require_reviewer(self, guild_id: int, reviewer: Reviewer) -> None:
        await self.submissions.require_reviewer(guild_id, reviewer)

    async def next_item(self, guild_id: int, reviewer: Reviewer) -> ReviewItem:
        """Oldest first across submissions and reports."""
        await self.require_reviewer(guild_id, reviewer)
        submission, submissions_waiting = await self.submissions.next_pending(guild_id)
        oldest = await self.repo.oldest_open(guild_id)
        reports_waiting = await self.repo.open_count(guild_id)
        report = None
        if oldest is not None and (submission is None or oldest[1] < submission.created_at):
            report = await self.repo.get_report(oldest[0])
            submission = None
        return ReviewItem(submission, report, submissions_waiting, reports_waiting)

    async def report_for_delivery(self, report_id: int) -> Report | None:
        """A report whose side effect (card, DM) the delivery loop is sending, wherever it is from."""
        return await self.repo.get_report(report_id)

    async def get_report(self, report_id: int, guild_id: int) -> Report:
        check_row_id(report_id, "report")
        report = await self.repo.get_report(report_id)
        if report is None or report.guild_id != guild_id:
            raise ModerationRefused(f"There is no report #{report_id} in this server.")
        return report

    async def open_report(self, report_id: int, guild_id: int, reviewer: Reviewer) -> Report:
        await self.require_reviewer(guild_id, reviewer)
        report = await self.get_report(report_id, guild_id)
        if report.status != "open":
            raise ModerationRefused(f"Report #{report.id} was already {report.status} by {report.decided_by_name}.")
        return report

    async def hide_reported(self, report_id: int, guild_id: int, reviewer: Reviewer) -> Report:
        report = await self.open_report(report_id, guild_id, reviewer)
        await self.repo.hide(report.fact.id, guild_id, actor_of(reviewer), self.clock(), report_id=report_id)
        self._changed()
        return await self.get_report(report_id, guild_id)

    async def spoiler_reported(self, report_id: int, guild_id: int, reviewer: Reviewer) -> Report:
        report = await self.open_report(report_id, guild_id, reviewer)
        await self.repo.set_spoiler(
            report.fact.id, guild_id, True, actor_of(reviewer), self.clock(), report_id=report_id
        )
        self._changed()
        return await self.get_report(report_id, guild_id)

    async def edit_reported(self, report_id: int, guild_id: int, reviewer: Reviewer, text: str) -> Report:
        report = await self.open_report(report_id, guild_id, reviewer)
        clean = clean_submission(text, None).text
        await self.repo.edit(report.fact.id, guild_id, clean, actor_of(reviewer), self.clock(), report_id=report_id)
        self._changed()
        return await self.get_report(report_id, guild_id)

    async def dismiss(self, report_id: int, guild_id: int, reviewer: Reviewer, reason: str | None) -> Report:
        await self.open_report(report_id, guild_id, reviewer)
        why = clean_details(reason, limit=MAX_DISMISS_REASON) or None
        await self.repo.dismiss(report_id, guild_id, actor_of(reviewer), why, self.clock())
        self._changed()
        return await self.get_report(report_id, guild_id)

    # --- by film and number (/trivia-fact) -------------------------------------------------------------

    async def numbered(self, guild_id: int, film_query: str, reviewer: Reviewer) -> Numbered:
        await self.require_reviewer(guild_id, reviewer)
        entry = await self.trivia.resolve(film_query, guild_id, moderating=True)
        return Numbered(entry.label, await self.repo.film_facts(entry.film_id, guild_id))

    async def fact_for(self, guild_id: int, fact_id: int, reviewer: Reviewer) -> ModFact:
        await self.require_reviewer(guild_id, reviewer)
        check_row_id(fact_id, "fact")
        fact = await self.repo.fact(fact_id, guild_id)
        if fact is None:
            raise ModerationRefused("That fact is not in this server's catalog.")
        return fact

    async def hide(self, guild_id: int, fact_id: int, reviewer: Reviewer) -> ModFact:
        await self.fact_for(guild_id, fact_id, reviewer)
        fact = await self.repo.hide(fact_id, guild_id, actor_of(reviewer), self.clock())
        self._changed()
        return fact

    async def unhide(self, guild_id: int, fact_id: int, reviewer: Reviewer) -> ModFact:
        await self.fact_for(guild_id, fact_id, reviewer)
        fact = await self.repo.unhide(fact_id, guild_id, actor_of(reviewer), self.clock())
        self.trivia.visibility_changed()
        return fact

    async def set_spoiler(self, guild_id: int, fact_id: int, reviewer: Reviewer, spoiler: bool) -> ModFact:
        await self.fact_for(guild_id, fact_id, reviewer)
        fact = await self.repo.set_spoiler(fact_id, guild_id, spoiler, actor_of(reviewer), self.clock())
        self.trivia.facts_changed()  # a card cached in memory must show the new mark
        return fact

    async def editable(self, guild_id: int, fact_id: int, reviewer: Reviewer) -> ModFact:
        """Refuses before the form opens when the fact is not this server's own."""
        fact = await self.fact_for(guild_id, fact_id, reviewer)
        if not fact.owned_by(guild_id):
            raise ModerationRefused(
                "That fact is from the global catalog: a server can hide it here or report it, not edit or delete it."
            )
        return fact

    async def edit(self, guild_id: int, fact_id: int, reviewer: Reviewer, text: str) -> tuple[ModFact, int]:
        """Returns the fact as it was and the log entry of the edit (for its Revert button)."""
        await self.editable(guild_id, fact_id, reviewer)
        clean = clean_submission(text, None).text
        edited = await self.repo.edit(fact_id, guild_id, clean, actor_of(reviewer), self.clock())
        self.trivia.facts_changed()  # a card cached in memory must show the new text
        return edited

    async def delete(self, guild_id: int, fact_id: int, reviewer: Reviewer) -> ModFact:
        await self.editable(guild_id, fact_id, reviewer)
        fact = await self.repo.delete(fact_id, guild_id, actor_of(reviewer), self.clock())
        self.trivia.visibility_changed()  # the film stays in the index; whether a server is offered it may change
        return fact

    # --- a server's own facts in and out ------------------------------------------------------------------

    async def import_file(self, guild_id: int, admin: Actor, name: str, raw: bytes) -> ImportSummary:
        """An attached page, JSON or CSV, checked as the CLI checks a file, imported as this server's facts."""
        suffix = PurePosixPath(name).suffix
        films = parse_catalog_bytes(raw, name, suffix, limit=DISCORD_IMPORT_BYTES)
        summary = await self.repo.import_guild(guild_id, films, admin, name, self.clock())
        self.trivia.titles_changed()
        log.info("guild %s: imported %s: %s", guild_id, name, summary.describe())
        return summary

    async def export_json(self, guild_id: int) -> tuple[str, int]:
        """The server's own facts as JSON, and how many."""
        films = await self.repo.export_guild(guild_id)
        return to_json(films), sum(len(f.facts) for f in films)

    # --- the global catalog: the bot's owners only (checked by the caller: cog or CLI) ---------------------

    async def global_numbered(self, film_query: str) -> Numbered:
        entry = await self.trivia.resolve(film_query)
        return Numbered(entry.label, await self.repo.global_facts(entry.film_id))

    async def global_edit(self, fact_id: int, owner: Actor, text: str) -> tuple[ModFact, int]:
        clean = clean_submission(text, None).text
        edited = await self.repo.global_edit(fact_id, clean, owner, self.clock())
        self.trivia.facts_changed()
        return edited

    async def global_delete(self, fact_id: int, owner: Actor) -> ModFact:
        fact = await self.repo.global_delete(fact_id, owner, self.clock())
        self.trivia.visibility_changed()
        return fact

    async def global_spoiler(self, fact_id: int, owner: Actor, spoiler: bool) -> ModFact:
        fact = await self.repo.global_spoiler(fact_id, spoiler, owner, self.clock())
        self.trivia.facts_changed()
        return fact

    async def global_revert(self, entry_id: int, owner: Actor) -> ModFact:
        """Puts back the text a global edit replaced (itself a logged edit)."""
        entry = await self.repo.audit_entry(entry_id, None)
        if entry is None or entry.action != "edit" or entry.fact_id is None or not entry.before:
            raise ModerationRefused(f"Entry #{entry_id} of the global log is not an edit.")
        fact, _ = await self.repo.global_edit(entry.fact_id, entry.before["text"], owner, self.clock())
        self.trivia.facts_changed()
        return fact

    async def global_reports(self) -> list[Report]:
        return await self.repo.global_reports()

    async def global_import(self, owner: Actor, name: str, raw: bytes) -> ImportSummary:
        """An attached file into the global catalog, with the CLI's checks; its audit record is written in
        the import's transaction."""
        films = parse_catalog_bytes(raw, name, PurePosixPath(name).suffix, limit=DISCORD_IMPORT_BYTES)
        now = self.clock()

        async def record(conn: Any, summary: ImportSummary) -> None:
            await audit(conn, guild_id=None, actor=owner, action="import", now=now,
                        after={"file": name, "facts added": summary.facts_added,
                               "facts skipped": summary.facts_skipped})  # fmt: skip

        summary = await CatalogRepository(self.repo.store).import_films(films, before_commit=record)
        self.trivia.titles_changed()
        return summary

    # --- undo and the log ----------------------------------------------------------------------------------

    async def unblock(self, guild_id: int, member_id: int, admin: Actor) -> None:
        await self.repo.unblock(guild_id, member_id, admin, self.clock())

    async def log(self, guild_id: int) -> list[AuditEntry]:
        return await self.repo.audit_entries(guild_id)

    async def revert_edit(self, guild_id: int, entry_id: int, reviewer: Reviewer) -> ModFact:
        """An edit is undone by editing back to the text it replaced (itself a logged edit)."""
        await self.require_reviewer(guild_id, reviewer)
        entry = await self.repo.audit_entry(entry_id, guild_id)
        if entry is None or entry.action != "edit" or entry.fact_id is None or not entry.before:
            raise ModerationRefused(f"Entry #{entry_id} of this server's log is not an edit.")
        fact, _ = await self.repo.edit(entry.fact_id, guild_id, entry.before["text"], actor_of(reviewer), self.clock())
        self.trivia.facts_changed()
        return fact


def describe_entry(entry: AuditEntry) -> str:
    """One line of the log, for Discord and the CLI."""
    at = entry.at.strftime("%Y-%m-%d %H:%M UTC")
    what = entry.action
    if entry.fact_id is not None:
        what += f" fact {entry.fact_id}"
    if entry.target_id is not None:
        what += f" ({'member' if entry.action in ('block', 'unblock') else 'report'} {entry.target_id})"
    change = ""
    if entry.before is not None or entry.after is not None:
        change = f": {_short(entry.before)} → {_short(entry.after)}"
    return f"#{entry.id} {at} {entry.actor_name}: {what}{change}"


def _short(value: object) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 120 else text[:119] + "…"
