"""Daily schedules in the members' own time: parsing times and zones, and when the next post is due.

Next-due instants are computed from the local wall-clock time and the IANA zone, never by adding
24 hours, so a schedule keeps its local time across DST changes.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from rapidfuzz import fuzz, process

from bot.trivia.errors import TriviaError

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>[ap])?\.?\s*(?:m\.?)?$", re.IGNORECASE)


class InvalidTime(TriviaError):
    pass


class UnknownTimezone(TriviaError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        shown = name if len(name) <= 60 else name[:59] + "…"
        hint = f" Did you mean {', '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
        super().__init__(f"“{shown}” is not a time zone I know.{hint} Use an IANA name such as `Europe/London`.")


def parse_time(text: str) -> time:
    """24 h "HH:MM", or "9", "9:05", "9am", "9:05 pm": what admins actually type."""
    match = _TIME.match(text.strip())
    if not match:
        raise InvalidTime(f"“{text.strip()[:40]}” is not a time. Use 24-hour `HH:MM` (like `09:00`) or `9am`.")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = (match["half"] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise InvalidTime(f"{hour} is not an hour on a 12-hour clock; try `{hour}:{minute:02d}` instead.")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise InvalidTime(f"“{text.strip()}” is not a time of day: hours go 0–23 and minutes 0–59.")
    return time(hour, minute)


@cache
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC"}


def zone_names() -> list[str]:
    return sorted(_zone_names().values())


def parse_timezone(name: str | None) -> zoneinfo.ZoneInfo:
    text = (name or "UTC").strip()
    canonical = _zone_names().get(text.casefold().replace(" ", "_"))
    if canonical is None:
        raise UnknownTimezone(text, suggest_timezones(text, limit=3))
    return zoneinfo.ZoneInfo(canonical)


def suggest_timezones(typed: str, limit: int = 25) -> list[str]:
    """Prefix matches on the whole name or its city part first, then fuzzy ones."""
    names = zone_names()
    key = typed.strip().casefold().replace(" ", "_")
    if not key:
        return ["UTC", *[n for n in names if n != "UTC"]][:limit]
    prefix = [n for n in names if n.casefold().startswith(key) or n.casefold().split("/")[-1].startswith(key)]
    fuzzy = [m for m, _, _ in process.extract(key, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)]
    out: list[str] = []
    for candidate in prefix + fuzzy:
        if candidate not in out:
            out.append(candidate)
    return out[:limit]


def next_due(at: time, zone: zoneinfo.ZoneInfo, after: datetime, *, not_on: date | None = None) -> datetime:
    """The first instant strictly after `after` when the local clock in `zone` shows `at`, skipping
    the local date `not_on` (the day already posted, so changing the time never posts twice a day).

    A time that does not exist (02:30 on a spring-forward day) resolves, as Python's fold=0 does, to
    the instant one hour later on the wall clock; a time that happens twice (fall-back) is taken
    the first time. Either way that date gets exactly one instant.
    """
    local_day = after.astimezone(zone).date()
    for offset in range(-1, 4):
        day = local_day + timedelta(days=offset)
        if day == not_on:
            continue
        instant = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if instant > after:
            return instant
    raise AssertionError("unreachable: some day within four has the time")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class DueDecision:
    post: bool
    local_day: date
    reason: str = ""


def decide(due_at: datetime, now: datetime, grace: timedelta, zone: zoneinfo.ZoneInfo) -> DueDecision:
    """A post missed while the bot was down is made once if it is at most `grace` late; older
    misses are skipped so a long outage does not flood the channel on return."""
    day = due_at.astimezone(zone).date()
    late = now - due_at
    if late <= grace:
        return DueDecision(True, day)
    return DueDecision(False, day, f"missed by {_duration(late)} (more than the {_duration(grace)} grace window)")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
