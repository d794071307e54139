"""Rules for reports and moderators' edits: what a report may say. Pure: no Discord, no I/O."""

from __future__ import annotations

from bot.trivia.errors import TriviaError
from bot.trivia.submissions import _INVISIBLE

REPORT_KINDS = ("wrong", "spoiler", "offensive", "duplicate", "other")
MAX_DETAILS = 500
MAX_DISMISS_REASON = 500


class ReportRefused(TriviaError):
    """A report that is stored nowhere; the message tells the member why."""


def parse_report_kind(text: str | None) -> str:
    """What is wrong, as typed in the form: one of REPORT_KINDS (case and spaces do not matter); empty
    means "wrong", the usual case."""
    kind = _INVISIBLE.sub("", text or "").strip().lower() or "wrong"
    if kind not in REPORT_KINDS:
        raise ReportRefused(f"“{kind[:40]}” is not a kind of problem I know: write one of {', '.join(REPORT_KINDS)}.")
    return kind


def clean_details(text: str | None, *, limit: int = MAX_DETAILS) -> str:
    body = _INVISIBLE.sub("", text or "").strip()
    if len(body) > limit:
        raise ReportRefused(f"That text is {len(body)} characters; please keep it under {limit}.")
    return body


def parse_yes_no(text: str | None, what: str) -> bool:
    """A form's yes/no field (Discord forms have no tick box): empty is no."""
    answer = _INVISIBLE.sub("", text or "").strip().lower()
    if answer in ("", "no", "n", "false"):
        return False
    if answer in ("yes", "y", "true"):
        return True
    raise ReportRefused(f"{what}: please answer yes or no, not “{answer[:20]}”.")
