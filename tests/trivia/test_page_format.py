from __future__ import annotations

import pytest

from bot.trivia.errors import ImportFormatError
from bot.trivia.page_format import parse_page
from tests.conftest import SEED_PAGE
from tests.seed_expectations import SEED_FACTS


def test_seed_page_yields_mask_1985_with_its_six_facts_and_credits():
    (film,) = parse_page(SEED_PAGE.read_text(encoding="utf-8"), "seed")

    assert (film.title, film.year, film.genre) == ("Mask", 1985, "Drama")
    assert film.cast == "Cher, Eric Stoltz, Sam Elliott"
    assert len(film.facts) == 6
    for fact, (prefix, credit) in zip(film.facts, SEED_FACTS, strict=True):
        assert fact.text.startswith(prefix)
        assert fact.credit == credit
        assert fact.section == "Behind The Scenes"
    texts = " ".join(f.text for f in film.facts)
    for chrome in ("Making Of", "Mask Picture", "Rewind Archive", "cutting room floor", "several versions"):
        assert chrome not in texts


OTHER_PAGE = """Making Of...\r
\r
The Thing Behind The Scenes\r
The Thing Picture\r
Go behind the scenes and learn what went on during the making of the 1982 Science Fiction movie starring Kurt Russell, Wilford Brimley et al.\r
Rewind Archive\r
\r
The dog was trained by Clint Rowe &amp; his team.\r
Contributed by: Ann &QUOT;Dog&quot; Lee\r
Nobody knew the ending until the last week.\r
Making Of...\r
Rob Bottin worked 7 days a week for a year.\r
Contributed by: &Eacute;mile\r
Deleted Scenes\r
When movies are made, scenes are often left on the cutting room floor.\r
A scene with a dog-thing in the snow was cut.\r
Contributed by: Sam\r
An uncredited cut scene.\r
Alternate Versions\r
Sometimes, there will be several versions of a movie floating about on cable, tv or video etc.\r
The TV version added a narrator.\r
"""


def test_other_page_with_sections_crlf_entities_and_uncredited_facts():
    (film,) = parse_page(OTHER_PAGE, "thing.txt")

    assert (film.title, film.year, film.genre) == ("The Thing", 1982, "Science Fiction")
    assert film.cast == "Kurt Russell, Wilford Brimley"
    assert [(f.section, f.text, f.credit) for f in film.facts] == [
        ("Behind The Scenes", "The dog was trained by Clint Rowe & his team.", 'Ann "Dog" Lee'),
        ("Behind The Scenes", "Nobody knew the ending until the last week.", None),
        ("Behind The Scenes", "Rob Bottin worked 7 days a week for a year.", "Émile"),
        ("Deleted Scenes", "A scene with a dog-thing in the snow was cut.", "Sam"),
        ("Deleted Scenes", "An uncredited cut scene.", None),
        ("Alternate Versions", "The TV version added a narrator.", None),
    ]


def test_a_credited_first_line_of_a_section_is_a_fact_not_boilerplate():
    page = (
        "Heat Behind The Scenes\n"
        "Go behind the scenes and learn what went on during the making of the 1995 Crime movie starring Al Pacino.\n"
        "Deleted Scenes\n"
        "A diner scene ran ten minutes longer.\n"
        "Contributed by: Max\n"
    )
    (film,) = parse_page(page, "heat.txt")
    assert film.cast == "Al Pacino"
    assert [(f.section, f.text, f.credit) for f in film.facts] == [
        ("Deleted Scenes", "A diner scene ran ten minutes longer.", "Max")
    ]


def test_two_films_on_one_page_are_told_apart():
    page = (
        "Alien Behind The Scenes\n"
        "Go behind the scenes and learn what went on during the making of the 1979 Horror movie starring "
        "Sigourney Weaver.\n"
        "The egg was lit from below.\n"
        "Aliens Behind The Scenes\n"
        "Aliens Picture\n"
        "Go behind the scenes and learn what went on during the making of the 1986 Action movie starring "
        "Sigourney Weaver.\n"
        "The power loader was moved by people behind the scenes\n"
    )
    first, second = parse_page(page, "two.txt")
    assert (first.title, first.year, [f.text for f in first.facts]) == ("Alien", 1979, ["The egg was lit from below."])
    assert (second.title, second.year) == ("Aliens", 1986)
    assert [f.text for f in second.facts] == ["The power loader was moved by people behind the scenes"]


@pytest.mark.parametrize(
    ("page", "line", "problem"),
    [
        ("", None, "empty"),
        ("Hello there\nThis is a shopping list\n", 1, "Behind The Scenes"),
        ("Making Of...\n\nMask Behind The Scenes\nMask Picture\nSome other intro\n", 5, "intro line"),
        (
            "X Behind The Scenes\nGo behind the scenes and learn what went on during the making of the 1999 Drama "
            "movie.\nContributed by: Nobody\n",
            3,
            "must follow the fact",
        ),
        (
            "X Behind The Scenes\nGo behind the scenes and learn what went on during the making of the 1999 Drama "
            "movie.\nA fact.\nContributed by: A\nContributed by: B\n",
            5,
            "must follow the fact",
        ),
        (
            "X Behind The Scenes\nGo behind the scenes and learn what went on during the making of the 1066 Drama "
            "movie.\n",
            2,
            "not a film year",
        ),
    ],
)
def test_pages_not_in_the_format_name_the_file_and_line(page: str, line: int | None, problem: str):
    with pytest.raises(ImportFormatError) as caught:
        parse_page(page, "bad.txt")
    assert caught.value.source == "bad.txt"
    assert caught.value.line == line
    assert problem in str(caught.value)
    assert str(caught.value).startswith("bad.txt")


def test_an_overlong_fact_is_refused():
    page = (
        "X Behind The Scenes\nGo behind the scenes and learn what went on during the making of the 1999 Drama movie.\n"
        + "y" * 5000
        + "\n"
    )
    with pytest.raises(ImportFormatError, match="limit is 4000"):
        parse_page(page, "long.txt")
