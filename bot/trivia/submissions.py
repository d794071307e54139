"""The rules for members' submissions: what text is acceptable, what counts as a duplicate, who reviews."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.trivia.errors import TriviaError
from bot.trivia.records import MAX_TITLE_LENGTH, MAX_YEAR, MIN_YEAR
from bot.trivia.text import fold
from bot.trivia.titles import split_title_year

MIN_FACT = 20
MAX_FACT = 1000
MAX_SOURCE = 300
MAX_REASON = 500
NEAR_DUPLICATE = 90.0  # rapidfuzz ratio on folded text: reworded punctuation or case is still the same fact
# What a message can hold that is not words: mentions, custom emoji, links, then markdown punctuation.
_MARKUP = re.compile(
    r"<(?:@[!&]?|#|/[\w -]+:)\d+>|<a?:\w+:\d+>|@(?:everyone|here)\b|https?://\S+|[*_~`|>#\[\]()<@&!:\-=\\/]+"
)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00]")


class SubmissionRefused(TriviaError):
    """A submission that is stored nowhere; the message tells the member why."""


class AlreadyDecided(TriviaError):
    def __init__(self, submission_id: int, status: str, reviewer: str | None) -> None:
        self.status = status
        self.reviewer = reviewer
        who = f" by {reviewer}" if reviewer else ""
        super().__init__(f"Submission #{submission_id} was already {status}{who}.")


class NotAReviewer(TriviaError):
    def __init__(self) -> None:
        super().__init__("Only reviewers can do that: members with **Manage Messages** or the reviewer role.")


@dataclass(frozen=True, slots=True)
class CleanSubmission:
    text: str
    source: str | None


def clean_submission(text: str, source: str | None) -> CleanSubmission:
    """Keeps the member's text as written (only trimmed and stripped of invisible characters), and
    refuses what could never be a fact: too short or long, or nothing but markup and links."""
    body = _INVISIBLE.sub("", text or "").strip()
    if not body:
        raise SubmissionRefused("The fact is empty. Write a sentence or two about the film.")
    if len(body) > MAX_FACT:
        raise SubmissionRefused(f"The fact is {len(body)} characters; please keep it under {MAX_FACT}.")
    if len(body) < MIN_FACT:
        raise SubmissionRefused(f"The fact is {len(body)} characters; it needs at least {MIN_FACT}.")
    substance = _MARKUP.sub(" ", body)
    if len(re.findall(r"\w", substance)) < MIN_FACT // 2:
        raise SubmissionRefused("That is only formatting, links or mentions. Write the fact itself in words.")
    cleaned_source = _INVISIBLE.sub("", source or "").strip() or None
    if cleaned_source is not None and len(cleaned_source) > MAX_SOURCE:
        raise SubmissionRefused(f"The source is {len(cleaned_source)} characters; the limit is {MAX_SOURCE}.")
    return CleanSubmission(body, cleaned_source)


def parse_proposed_year(text: str | None, title: str) -> int:
    value = (text or "").strip()
    if not value:
        raise SubmissionRefused(
            f"“{title[:60]}” is not in the catalog yet. Add its release year to propose it as a new film."
        )
    if not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
        raise SubmissionRefused(f"“{value[:10]}” is not a release year (a number from {MIN_YEAR} to {MAX_YEAR}).")
    return int(value)


def split_proposed_title(text: str) -> tuple[str, int | None]:
    """ "Zardoz (1974)" proposes Zardoz, released 1974: the year is the film's, not part of its title (else
    the film would be labelled "Zardoz (1974) (1974)")."""
    return split_title_year(text)


def clean_proposed_title(title: str) -> str:
    cleaned = re.sub(r"\s+", " ", _INVISIBLE.sub("", title)).strip()
    if not cleaned or len(cleaned) > MAX_TITLE_LENGTH:
        raise SubmissionRefused(f"A film title must be 1 to {MAX_TITLE_LENGTH} characters.")
    return cleaned


def clean_reason(reason: str) -> str:
    cleaned = _INVISIBLE.sub("", reason or "").strip()
    if not cleaned:
        raise SubmissionRefused("Give the member a reason, so they know what to change.")
    return cleaned[:MAX_REASON]


def near_duplicate(text: str, existing: Iterable[str]) -> str | None:
    """The first existing text that says the same thing, or None."""
    key = fold(text)
    for other in existing:
        if fuzz.ratio(key, fold(other)) >= NEAR_DUPLICATE:
            return other
    return None


def is_reviewer(*, manage_messages: bool, role_ids: Iterable[int], reviewer_role_id: int | None) -> bool:
    return manage_messages or (reviewer_role_id is not None and reviewer_role_id in set(role_ids))


@dataclass(frozen=True, slots=True)
class SubmitterState:
    """What the store knows when a member submits, read inside the submitting transaction."""

    blocked: bool
    pending: int
    seconds_since_last: float | None
    existing_texts: list[str]


def check_submission(state: SubmitterState, *, text: str, max_pending: int, cooldown_seconds: float) -> None:
    check_member_limits(state, max_pending=max_pending, cooldown_seconds=cooldown_seconds)
    duplicate = near_duplicate(text, state.existing_texts)
    if duplicate is not None:
        shown = duplicate if len(duplicate) <= 120 else duplicate[:119] + "…"
        raise SubmissionRefused(f"That fact is already known or waiting for review: “{shown}”")


def check_member_limits(state: SubmitterState, *, max_pending: int, cooldown_seconds: float) -> None:
    """What stops a member before they write anything: blocked, too many waiting, too soon."""
    if state.blocked:
        raise SubmissionRefused("The moderators of this server have paused your submissions.")
    if state.pending >= max_pending:
        raise SubmissionRefused(
            f"You already have {state.pending} submissions waiting for review (the limit is {max_pending}). "
            "Please wait until the moderators have looked at them."
        )
    if state.seconds_since_last is not None and state.seconds_since_last < cooldown_seconds:
        wait = max(1, math.ceil(cooldown_seconds - state.seconds_since_last))
        raise SubmissionRefused(f"You submitted a moment ago; you can submit again in {wait} s.")
