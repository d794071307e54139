from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.trivia.schedule import (
    InvalidTime,
    UnknownTimezone,
    decide,
    next_due,
    parse_time,
    parse_timezone,
    suggest_timezones,
)

NY = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC_ZONE = zoneinfo.ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:05", time(9, 5)),
        ("9am", time(9, 0)),
        ("9 AM", time(9, 0)),
        ("9:05 pm", time(21, 5)),
        ("9:05 p.m.", time(21, 5)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("21", time(21, 0)),
    ],
)
def test_times_admins_type(text: str, expected: time):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "25:00", "12:60", "13pm", "0am", "noon", "9:5", "9:00:00", "-1:00", "1" * 50])
def test_bad_times_are_refused_with_a_hint(text: str):
    with pytest.raises(InvalidTime, match=r"HH:MM|hour|time of day"):
        parse_time(text)


def test_timezones_by_name_in_any_case_and_suggestions_for_typos():
    assert parse_timezone(None).key == "UTC"
    assert parse_timezone("europe/london").key == "Europe/London"
    assert parse_timezone("America/New York").key == "America/New_York"
    with pytest.raises(UnknownTimezone) as caught:
        parse_timezone("Europe/Londn")
    assert "Europe/London" in caught.value.suggestions
    assert "`Europe/London`" in str(caught.value)
    with pytest.raises(UnknownTimezone):
        parse_timezone("../../etc/passwd")
    assert suggest_timezones("london")[0] == "Europe/London"
    assert suggest_timezones("")[0] == "UTC"
    assert len(suggest_timezones("a")) == 25


def chain(at: time, zone: zoneinfo.ZoneInfo, start: datetime, days: int) -> list[datetime]:
    out = [next_due(at, zone, start)]
    for _ in range(days - 1):
        out.append(next_due(at, zone, out[-1], not_on=out[-1].astimezone(zone).date()))
    return out


def test_next_due_is_today_if_still_ahead_else_tomorrow():
    after = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 in London (BST)
    assert next_due(time(9, 30), LONDON, after) == datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    assert next_due(time(9, 0), LONDON, after) == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert next_due(time(9, 30), LONDON, after, not_on=date(2026, 6, 1)) == datetime(2026, 6, 2, 8, 30, tzinfo=UTC)


def test_spring_forward_gap_time_posts_once_that_day():
    # 2026-03-08: New York clocks jump from 02:00 to 03:00; 02:30 does not exist.
    dues = chain(time(2, 30), NY, datetime(2026, 3, 7, 12, tzinfo=UTC), 3)
    assert [d.astimezone(NY).date() for d in dues] == [date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)]
    assert dues[0] == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT, just after the gap
    assert dues[1].astimezone(NY).time() == time(2, 30)


def test_fall_back_repeated_time_posts_once_that_day():
    # 2026-11-01: New York clocks go from 02:00 back to 01:00; 01:30 happens twice.
    dues = chain(time(1, 30), NY, datetime(2026, 10, 31, 12, tzinfo=UTC), 3)
    assert [d.astimezone(NY).date() for d in dues] == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert dues[0] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)
    assert dues[1] - dues[0] == timedelta(hours=25)


def test_local_time_holds_across_dst_in_london():
    dues = chain(time(9, 0), LONDON, datetime(2026, 3, 27, tzinfo=UTC), 4)
    assert [d.hour for d in dues] == [9, 9, 8, 8]  # UTC hour moves as BST starts on 29 March
    assert all(d.astimezone(LONDON).time() == time(9, 0) for d in dues)


def test_midnight_month_end_and_leap_day():
    dues = chain(time(0, 0), UTC_ZONE, datetime(2028, 2, 27, 23, 59, tzinfo=UTC), 4)
    assert [d.date() for d in dues] == [date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1), date(2028, 3, 2)]
    dues = chain(time(23, 59), UTC_ZONE, datetime(2026, 1, 31, 12, tzinfo=UTC), 2)
    assert [d.date() for d in dues] == [date(2026, 1, 31), date(2026, 2, 1)]


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("at", [time(0, 0), time(1, 30), time(2, 30), time(23, 59)])
def test_two_years_of_dues_give_exactly_one_post_per_local_day(zone: str, at: time):
    tz = zoneinfo.ZoneInfo(zone)
    dues = chain(at, tz, datetime(2026, 1, 1, tzinfo=UTC), 730)
    days = [d.astimezone(tz).date() for d in dues]
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))
    assert all(b > a for a, b in itertools.pairwise(dues))


def test_grace_window_decides_catch_up_or_skip():
    due = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    grace = timedelta(hours=6)
    assert decide(due, due, grace, LONDON).post
    assert decide(due, due + timedelta(hours=6), grace, LONDON).post
    late = decide(due, due + timedelta(hours=6, minutes=1), grace, LONDON)
    assert not late.post
    assert late.local_day == date(2026, 6, 1)
    assert "missed by 6 h 01 min" in late.reason
