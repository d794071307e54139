"""The rows every layer shares, as dataclasses: the store returns them, services pass them on, cogs show them.

They live here, at the bottom layer (plain data, no I/O), so that nothing above the store ever sees a cursor
or a column name, and cogs can name a Submission or a Round without importing the store (bot/db).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from bot.trivia.quiz import FilmChoice
from bot.trivia.text import film_label

# Outbox kinds: side effects written with the change that causes them (bot/db/outbox.py).
REVIEW_POST = "review_post"  # the submission posted in the review channel, with its buttons
REVIEW_UPDATE = "review_update"  # that post shows the decision and loses its buttons
DECISION_DM = "decision_dm"  # the member hears the outcome
REPORT_POST = "report_post"  # a report of a fact posted in the review channel, with its buttons
REPORT_UPDATE = "report_update"  # that card shows the outcome (or a new reporter) and loses its buttons
REPORT_DM = "report_dm"  # one reporter hears the outcome (a dismissal and its reason)
REPORT_KINDS = (REPORT_POST, REPORT_UPDATE, REPORT_DM)


@dataclass(frozen=True, slots=True)
class Film:
    id: int
    title: str
    year: int | None
    genre: str
    cast: str

    @property
    def label(self) -> str:
        return film_label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class Fact:
    id: int
    film_id: int
    text: str
    section: str
    credit: str | None
    source: str | None
    origin: str
    guild_id: int | None
    spoiler: bool = False  # in the guild it was read for (its own flag, or that guild's mark)


FactRow = tuple[int, str, str, str | None, str | None, str, int | None, Any]
# id, text, section, credit, source, origin, guild_id, spoiler (as stored: 0/1, or a bool from PostgreSQL)


class FactRows(Sequence[Fact]):
    """A film's facts in id order (the order /trivia numbers them), kept as the rows the store read and
    made into a `Fact` only when one is shown. A film asked for the first time is read with all its
    facts but shows one: building the other nine cost a third of that answer (bench/), and rows of
    plain values are tuples the garbage collector stops tracking, where ten Fact objects a film held in
    the cache are walked by every full collection."""

    __slots__ = ("_rows", "film_id", "ids")

    def __init__(self, film_id: int, rows: Sequence[FactRow]) -> None:
        self.film_id = film_id
        self._rows = tuple(sorted(rows))  # by id, the first item
        self.ids = tuple(row[0] for row in self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Fact: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Fact]: ...
    def __getitem__(self, index: int | slice) -> Fact | Sequence[Fact]:
        if isinstance(index, slice):
            return [self._fact(row) for row in self._rows[index]]
        return self._fact(self._rows[index])

    def __iter__(self) -> Iterator[Fact]:
        return (self._fact(row) for row in self._rows)

    def by_id(self, fact_id: int) -> Fact | None:
        """That fact as this film's reading shows it (its spoiler flag in that server), if among them."""
        try:
            return self[self.ids.index(fact_id)]
        except ValueError:
            return None

    def _fact(self, row: FactRow) -> Fact:
        fact_id, text, section, credit, source, origin, guild_id, spoiler = row
        return Fact(fact_id, self.film_id, text, section, credit, source, origin, guild_id, bool(spoiler))


@dataclass(frozen=True, slots=True)
class FilmFacts:
    film: Film
    facts: FactRows
    seen: set[int]  # facts the channel was shown this cycle
    last_shown: int | None


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """`FilmFacts` without the film: for a film the title index has already named."""

    facts: FactRows
    seen: set[int]  # facts the channel was shown this cycle
    last_shown: int | None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    films_added: int = 0
    films_existing: int = 0
    facts_added: int = 0
    facts_skipped: int = 0
    facts_updated: int = 0  # already present: corrected by a new reading of their page, or a gap filled
    facts_removed: int = 0  # no longer on the page they were read from (or folded into a fact's paragraphs)

    def __add__(self, other: ImportSummary) -> ImportSummary:
        return ImportSummary(
            self.films_added + other.films_added,
            self.films_existing + other.films_existing,
            self.facts_added + other.facts_added,
            self.facts_skipped + other.facts_skipped,
            self.facts_updated + other.facts_updated,
            self.facts_removed + other.facts_removed,
        )

    def describe(self) -> str:
        text = (
            f"films: {self.films_added} added, {self.films_existing} already present; "
            f"facts: {self.facts_added} added, {self.facts_skipped} skipped (already present)"
        )
        if self.facts_updated or self.facts_removed:
            text += f"; {self.facts_updated} updated, {self.facts_removed} removed (no longer on their page)"
        return text


@dataclass(frozen=True, slots=True)
class CatalogStats:
    films: int
    facts: int
    global_facts: int
    guild_facts: int
    films_without_facts: int


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    local_time: str
    timezone: str
    film_id: int | None
    next_due_at: datetime
    last_posted_date: str | None
    paused_reason: str | None
    problem: str | None
    spoilers: bool = False  # spoiler facts may be picked for this channel


@dataclass(frozen=True, slots=True)
class ClaimedPost:
    id: int
    schedule_id: int
    guild_id: int
    channel_id: int
    fact_id: int
    local_date: str
    attempts: int
    claimed_at: datetime | None = None  # claimed, or last failed for certain: a re-send is safe shortly after


@dataclass(frozen=True, slots=True)
class Advance:
    """What a tick decided for one due schedule; applied atomically by `DailyRepository.advance`."""

    schedule: Schedule
    next_due_at: datetime
    post_on: str | None  # local date to post for, or None to skip this one
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str
    submission_id: int | None
    channel_id: int | None
    attempts: int
    report_id: int | None = None
    member_id: int | None = None


@dataclass(frozen=True, slots=True)
class Game:
    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    rounds: int
    seconds: int
    status: str
    started_at: datetime
    ended_by: int | None = None
    end_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    game_id: int
    guild_id: int
    channel_id: int
    number: int
    rounds: int  # of the game: "round 2 of 5"
    question: str
    fact_text: str
    answer_label: str
    credit: str | None
    choices: list[str]
    right_choice: int
    status: str
    closes_at: datetime
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Answer:
    round_id: int
    member_id: int
    choice: int
    correct: bool
    first: bool
    points: int


@dataclass(frozen=True, slots=True)
class NeedsRound:
    """A running game with no round under way: the next round is `number` (beyond `rounds`: it is over)."""

    game: Game
    number: int


@dataclass(frozen=True, slots=True)
class FactCandidate:
    fact_id: int
    film: FilmChoice
    text: str
    credit: str | None


@dataclass(frozen=True, slots=True)
class ScoreLine:
    member_id: int
    points: int
    right: int
    answers: int


@dataclass(frozen=True, slots=True)
class MemberTotals:
    games: int
    answers: int
    right: int
    points: int


@dataclass(frozen=True, slots=True)
class Submission:
    id: int
    guild_id: int
    member_id: int
    member_name: str
    film_id: int | None
    film_title: str | None
    film_year: int | None
    proposed_title: str | None
    proposed_year: int | None
    text: str
    source: str | None
    status: str
    reviewer_id: int | None
    reviewer_name: str | None
    reason: str | None
    fact_id: int | None
    created_at: datetime
    decided_at: datetime | None
    review_channel_id: int | None
    review_message_id: int | None

    @property
    def film_label(self) -> str:
        if self.film_title is not None:
            return film_label(self.film_title, self.film_year)
        return film_label(self.proposed_title or "", self.proposed_year)

    @property
    def proposes_film(self) -> bool:
        return self.film_id is None


@dataclass(frozen=True, slots=True)
class Draft:
    guild_id: int
    member_id: int
    member_name: str
    film_id: int | None
    proposed_title: str | None
    proposed_year: int | None
    text: str
    source: str | None
    spoiler: bool = False


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    review_channel_id: int | None = None
    reviewer_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    action: str
    actor_id: int
    actor_name: str
    detail: dict[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ModFact:
    """A fact as a server's moderators see it: whose it is, hidden here or not, a spoiler here or not."""

    id: int
    film_id: int
    film_title: str
    film_year: int | None
    text: str
    section: str
    credit: str | None
    origin: str
    guild_id: int | None
    hidden: bool
    spoiler: bool

    @property
    def film_label(self) -> str:
        return f"{self.film_title} ({self.film_year})" if self.film_year else self.film_title

    def owned_by(self, guild_id: int) -> bool:
        return self.guild_id == guild_id


@dataclass(frozen=True, slots=True)
class Reason:
    member_id: int
    member_name: str
    kind: str
    details: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    guild_id: int
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by_name: str | None
    reason: str | None
    review_channel_id: int | None
    review_message_id: int | None
    fact: ModFact
    reasons: list[Reason]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    guild_id: int | None
    actor_id: int
    actor_name: str
    action: str
    fact_id: int | None
    target_id: int | None
    before: Any
    after: Any
    at: datetime
