"""Hostile text pushed through every function that takes text, by hypothesis and by a fixed corpus.
Each must answer with a value or a domain error (which the bot shows as an ephemeral message), never
anything else; whatever is displayed stays inside Discord's limits and never looks like a mention."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.trivia.catalog_formats import parse_csv, parse_json
from bot.trivia.display import FactCard
from bot.trivia.errors import ImportFormatError, TriviaError
from bot.trivia.page_format import parse_page
from bot.trivia.records import MAX_FACT_LENGTH
from bot.trivia.rows import Submission
from bot.trivia.schedule import InvalidTime, UnknownTimezone, parse_time, parse_timezone, suggest_timezones
from bot.trivia.submissions import CleanSubmission, SubmissionRefused, clean_submission
from bot.trivia.titles import TitleIndex
from cogs.fact_card import fact_embed
from cogs.submissions import review_embed

CORPUS = [
    "@everyone",
    "@here please",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "```py\nprint('x')\n```",
    "**bold** __under__ ~~strike~~ ||spoiler|| > quote",
    "\u200b\u200b\u200b",
    "\u202eevil text",
    "x" * 10_000,
    "a\x00b",
    "'; DROP TABLE facts; --",
    "Robert'); DROP TABLE films;--",
    "<script>alert(1)</script>",
    "&amp; &Quot; &#0; &#xFFFFFF;",
    "%s %n {0} ${jndi:ldap://x}",
    "\\",
    "🎬" * 600,
    "\n\n\n",
    "Mask (1985)" * 50,
]
hostile = st.one_of(st.sampled_from(CORPUS), st.text(max_size=200), st.text(min_size=1000, max_size=5000))
MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>")
INDEX = TitleIndex([(1, "Mask", 1985, []), (2, "The Mask", 1994, []), (3, "Amélie", 2001, ["Le Fabuleux Destin"])])
FILM_IDS = {1, 2, 3}
fast = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_displayable(embed, *, own_mention: str = "") -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    assert len(embed.footer.text or "") <= 2048
    shown = " ".join([embed.title or "", embed.description or "", *(f.value for f in embed.fields)])
    if own_mention:  # the review card names its submitter; in an embed that never pings
        shown = shown.replace(own_mention, "", 1)
    assert not MENTION.search(shown), shown[:200]


@fast
@given(hostile)
def test_title_resolution_never_crashes_and_answers_a_real_film_or_a_sendable_refusal(text: str):
    try:
        found: object = INDEX.resolve(text)
    except TriviaError as error:
        found = error
    if isinstance(found, TriviaError):
        assert 0 < len(str(found)) <= 2000  # an ephemeral reply Discord accepts
    else:
        assert getattr(found, "film_id", None) in FILM_IDS  # a film of the catalog, never something made up
    suggestions = INDEX.suggest(text)
    assert len(suggestions) <= 25
    assert all(entry.film_id in FILM_IDS for entry in suggestions)


@fast
@given(hostile)
def test_times_and_zones_never_crash_and_answer_or_refuse(text: str):
    try:
        parsed: object = parse_time(text)
    except InvalidTime as error:
        parsed = error
    assert isinstance(parsed, time | InvalidTime)
    try:
        message = parse_timezone(text).key
    except UnknownTimezone as error:
        message = str(error)
    assert 0 < len(message) < 400
    assert len(suggest_timezones(text)) <= 25


@fast
@given(hostile, st.one_of(st.none(), hostile))
def test_submissions_never_crash_and_store_the_text_as_written_or_refuse(text: str, source: str | None):
    try:
        clean: object = clean_submission(text, source)
    except SubmissionRefused as refusal:
        clean = refusal
    if isinstance(clean, SubmissionRefused):
        assert 0 < len(str(clean)) <= 2000
        return
    assert isinstance(clean, CleanSubmission)
    assert 20 <= len(clean.text) <= 1000
    assert "\x00" not in clean.text
    # What is stored is what the member wrote: characters may only be dropped (invisible ones, outer
    # spaces), never added or rewritten, so the stored text is the typed text with some characters left out.
    typed = iter(text)
    assert all(char in typed for char in clean.text)
    assert clean.text == clean.text.strip()


@fast
@given(hostile)
def test_import_formats_never_crash_and_parse_storable_facts_or_name_the_problem(text: str):
    for parse in (parse_page, parse_json, parse_csv):
        try:
            films = parse(text, "hostile")
        except ImportFormatError as error:
            films = []
            problem = str(error)
        else:
            problem = "hostile: parsed"
        assert problem.startswith("hostile")
        for film in films:
            assert film.title.strip()
            for fact in film.facts:
                assert fact.text.strip()
                assert len(fact.text) <= MAX_FACT_LENGTH
                assert "\x00" not in fact.text


@fast
@given(hostile, hostile, st.one_of(st.none(), hostile), st.one_of(st.none(), hostile))
def test_a_fact_card_is_always_displayable(title: str, text: str, credit: str | None, source: str | None):
    card = FactCard(1, title or "x", 1999, 2, text or "x", "Deleted Scenes", credit, source, 1, 1)
    assert_displayable(fact_embed(card))
    assert_displayable(fact_embed(card, heading="Fact of the day"))


@fast
@given(hostile, hostile, st.one_of(st.none(), hostile), st.one_of(st.none(), hostile))
def test_a_review_card_is_always_displayable(name: str, text: str, source: str | None, reason: str | None):
    submission = Submission(
        7, 1, 2, name or "x", None, None, None, name or "x", 2000, text or "x", source, "rejected", 3,
        name or "x", reason, None, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), None, None,
    )  # fmt: skip
    assert_displayable(review_embed(submission), own_mention="<@2>")


@pytest.mark.parametrize("text", CORPUS)
def test_the_corpus_never_escapes_a_card(text: str):
    assert_displayable(fact_embed(FactCard(1, text, None, 1, text, text, text, text, 1, 1)))
