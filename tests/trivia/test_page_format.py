"""The "Making Of" reader against pages shaped like the site's two templates (ARCHITECTURE.md, "The seed
format"). The pages below are invented text in the site's real structure: an attribution line before the
fact it credits, blank lines inside facts, furniture around them."""

from __future__ import annotations

import pytest

from bot.trivia.errors import ImportFormatError, MissingPageTitle
from bot.trivia.page_format import parse_page
from tests.conftest import SEED_PAGE
from tests.seed_expectations import SEED_FACTS

INTRO_OLD = (
    "Go behind the scenes and learn what went on during the making of the {year} {genre} movie starring {cast} et al."
)
INTRO_NEW = "Go behind the scenes on the {year} {genre} movie starring {cast}"


def facts(page: str, **kwargs: str) -> list[tuple[str, str, str | None]]:
    (film,) = parse_page(page, "page.txt", **kwargs)
    return [(f.section, f.text, f.credit) for f in film.facts]


def test_seed_page_credits_every_fact_to_the_attribution_above_it():
    (film,) = parse_page(SEED_PAGE.read_text(encoding="utf-8"), "seed")

    assert (film.title, film.year, film.genre) == ("Mask", 1985, "Drama")
    assert film.cast == "Cher, Eric Stoltz, Sam Elliott"
    assert film.aliases == []
    assert [
        (f.text[: len(prefix)], f.credit) for f, (prefix, _) in zip(film.facts, SEED_FACTS, strict=True)
    ] == SEED_FACTS
    assert all(f.section == "Behind The Scenes" for f in film.facts)
    texts = " ".join(f.text for f in film.facts)
    for chrome in ("Making Of", "Mask Picture", "Rewind Archive", "cutting room floor", "several versions"):
        assert chrome not in texts


OLDER_TEMPLATE = "\r\n".join(
    [
        "Making Of...",
        "Making Of...",
        "",
        "The Thing Behind The Scenes",
        "",
        "The Thing Picture",
        "...Man Is The Warmest Place To Hide",
        "AKA: John Carpenter's The Thing",
        INTRO_OLD.format(year=1982, genre="Science Fiction", cast="Kurt Russell, Wilford Brimley"),
        "Contributed by: Ann &QUOT;Dog&quot; Lee",
        "The dog was trained by Clint Rowe &amp; his team.",
        "Rewind Archive",
        "Rob Bottin worked 7 days a week for a year.",
        "Rewind Archive",
        "The blood test scene was shot in one take.",
        "Nobody knew the ending until the last week.",
        "Contributed by: &Eacute;mile",
        "The crew kept the sets at freezing point.",
        "",
        "Even the camera operators wore parkas indoors.",
        "Deleted Scenes",
        "When movies are made, scenes are often left on the cutting room floor.",
        "Contributed by: Sam",
        "A scene with a dog-thing in the snow was cut.",
        "Alternate Versions",
        "Sometimes, there will be several versions of a movie floating about on cable, tv or video etc.",
        "Rewind Archive",
        "The TV version added a narrator.",
        "The Thing",
        "",
    ]
)


def test_older_template_with_crlf_aka_caption_sections_paragraphs_and_footer():
    (film,) = parse_page(OLDER_TEMPLATE, "thing.txt")

    assert (film.title, film.year, film.genre) == ("The Thing", 1982, "Science Fiction")
    assert film.cast == "Kurt Russell, Wilford Brimley"
    assert film.aliases == ["John Carpenter's The Thing"]
    assert [(f.section, f.text, f.credit) for f in film.facts] == [
        ("Behind The Scenes", "The dog was trained by Clint Rowe & his team.", 'Ann "Dog" Lee'),
        ("Behind The Scenes", "Rob Bottin worked 7 days a week for a year.", "Rewind Archive"),
        ("Behind The Scenes", "The blood test scene was shot in one take.", "Rewind Archive"),
        ("Behind The Scenes", "Nobody knew the ending until the last week.", None),
        (
            "Behind The Scenes",
            "The crew kept the sets at freezing point.\n\nEven the camera operators wore parkas indoors.",
            "Émile",
        ),
        ("Deleted Scenes", "A scene with a dog-thing in the snow was cut.", "Sam"),
        ("Alternate Versions", "The TV version added a narrator.", "Rewind Archive"),
    ]


NEWER_TEMPLATE = "\n".join(
    [
        "Making Of...",
        "Prince Of Darkness Movie Behind The Scenes",
        "Making Prince Of Darkness",
        "Before Time Began, It Was Waiting...",
        "Prince Of Darkness Picture",
        "...the green liquid in the canister",
        INTRO_NEW.format(year=1987, genre="Horror / Occult", cast="Donald Pleasence, Jameson Parker"),
        "Donald Pleasence, Jameson Parker, Victor Wong, Lisa Blount, Dennis Dun Update Cast",
        "We believe the following info is all legit, but if you spot a mistake, let us know.",
        "Thanks to Marty &Amp; Co",
        "The director wrote the script under a pen name.",
        "Thanks to Kim",
        "The church was a real one in Los Angeles.",
        "",
        "Its basement was built on a sound stage.",
        "",
        "The liquid was lit from inside the canister.",
        "",
        "Nobody on set saw it lit until the premiere.",
        "Editor Joe Bloggs",
        "Alice Cooper appears as a street person.",
        "Thanks to the rain, the night shoots ran three weeks over schedule in the end.",
        "Deleted Scenes",
        "When movies are made, scenes are often left on the cutting room floor.",
        "Thanks to Lee",
        "A longer dream sequence was cut.",
    ]
)


def test_newer_template_with_thanks_to_editor_four_paragraphs_and_slashed_genre():
    (film,) = parse_page(NEWER_TEMPLATE, "prince.txt")

    assert (film.title, film.year, film.genre) == ("Prince Of Darkness", 1987, "Horror / Occult")
    assert film.cast == "Donald Pleasence, Jameson Parker"
    assert [(f.section, f.text, f.credit) for f in film.facts] == [
        ("Behind The Scenes", "The director wrote the script under a pen name.", "Marty & Co"),
        (
            "Behind The Scenes",
            "The church was a real one in Los Angeles.\n\nIts basement was built on a sound stage.\n\n"
            "The liquid was lit from inside the canister.\n\nNobody on set saw it lit until the premiere.",
            "Kim",
        ),
        ("Behind The Scenes", "Alice Cooper appears as a street person.", "Joe Bloggs"),
        # "Thanks to" followed by a sentence, not a name: a fact of its own, uncredited.
        ("Behind The Scenes", "Thanks to the rain, the night shoots ran three weeks over schedule in the end.", None),
        ("Deleted Scenes", "A longer dream sequence was cut.", "Lee"),
    ]


def test_a_credit_right_after_the_intro_credits_the_first_fact():
    page = (
        "Heat Behind The Scenes\n"
        + INTRO_OLD.format(year=1995, genre="Crime", cast="Al Pacino")
        + ("\nContributed by: Max\nThe diner scene was shot in one night.\nThe heist took six weeks to film.\n")
    )
    assert facts(page) == [
        ("Behind The Scenes", "The diner scene was shot in one night.", "Max"),
        ("Behind The Scenes", "The heist took six weeks to film.", None),
    ]


def test_a_page_with_no_credits_and_no_sections():
    page = (
        "Big Behind The Scenes\nBig Picture\n"
        + INTRO_OLD.format(year=1988, genre="Comedy", cast="Tom Hanks")
        + ("\nThe piano was specially built.\nThe loft was a set.\n")
    )
    assert facts(page) == [
        ("Behind The Scenes", "The piano was specially built.", None),
        ("Behind The Scenes", "The loft was a set.", None),
    ]


def test_titles_with_ampersand_entities_and_an_older_title_ending_in_movie():
    page = (
        "Bill &amp; Ted&#39;s Excellent Adventure Behind The Scenes\n"
        + INTRO_OLD.format(year=1989, genre="Comedy", cast="Keanu Reeves")
        + "\nRewind Archive\nThe phone booth was rebuilt twice.\n"
    )
    (film,) = parse_page(page, "bill.txt")
    assert film.title == "Bill & Ted's Excellent Adventure"
    # The older template's title line for a film whose title ends in "Movie" keeps the word.
    page = (
        "Dreamscape Movie Behind The Scenes\nDreamscape Movie Picture\n"
        + INTRO_OLD.format(year=1984, genre="Thriller", cast="Dennis Quaid")
        + "\nA fact.\n"
    )
    assert parse_page(page, "x.txt")[0].title == "Dreamscape Movie"


def test_two_films_on_one_page_are_told_apart():
    page = (
        "Alien Behind The Scenes\n"
        + INTRO_OLD.format(year=1979, genre="Horror", cast="Sigourney Weaver")
        + "\nThe egg was lit from below.\nAliens Behind The Scenes\nAliens Picture\n"
        + INTRO_OLD.format(year=1986, genre="Action", cast="Sigourney Weaver")
        + "\nThe power loader was moved by people behind the scenes\n"
    )
    first, second = parse_page(page, "two.txt")
    assert (first.title, first.year, [f.text for f in first.facts]) == ("Alien", 1979, ["The egg was lit from below."])
    assert (second.title, second.year) == ("Aliens", 1986)
    assert [f.text for f in second.facts] == ["The power loader was moved by people behind the scenes"]


CAPTION_FIRST = (
    "...and his mother Rusty\n"
    + INTRO_OLD.format(year=1985, genre="Drama", cast="Cher")
    + ("\nContributed by: Dominic\nRob Lowe was nearly cast as Rocky Dennis.\n")
)


def test_a_page_without_a_title_line_is_refused_unless_the_title_is_given():
    with pytest.raises(MissingPageTitle) as caught:
        parse_page(CAPTION_FIRST, "making_mask.htm.txt")
    assert str(caught.value).startswith("making_mask.htm.txt:1:")
    assert "--title" in str(caught.value)

    (film,) = parse_page(CAPTION_FIRST, "making_mask.htm.txt", title="Mask")
    assert (film.title, film.year) == ("Mask", 1985)
    assert [(f.text, f.credit) for f in film.facts] == [("Rob Lowe was nearly cast as Rocky Dennis.", "Dominic")]


def test_an_attribution_with_no_fact_after_it_credits_nothing():
    page = (
        "X Behind The Scenes\n"
        + INTRO_OLD.format(year=1999, genre="Drama", cast="A")
        + ("\nA fact.\nContributed by: Nobody\n")
    )
    assert facts(page) == [("Behind The Scenes", "A fact.", None)]


@pytest.mark.parametrize(
    ("page", "line", "problem"),
    [
        ("", None, "empty"),
        ("Hello there\nThis is a shopping list\n", 1, "Behind The Scenes"),
        ("Making Of...\n\nMask Behind The Scenes\nMask Picture\nSome other intro\n", 5, "intro line"),
        (
            "X Behind The Scenes\nGo behind the scenes and learn what went on during the making of the 1066 Drama "
            "movie.\n",
            2,
            "not a film year",
        ),
        ("X Behind The Scenes\n" + "a caption\n" * 5 + INTRO_OLD.format(year=1999, genre="D", cast="A"), 6, "intro"),
    ],
)
def test_pages_not_in_the_format_name_the_file_and_line(page: str, line: int | None, problem: str):
    with pytest.raises(ImportFormatError) as caught:
        parse_page(page, "bad.txt")
    assert caught.value.source == "bad.txt"
    assert caught.value.line == line
    assert problem in str(caught.value)
    assert str(caught.value).startswith("bad.txt")


def test_an_overlong_fact_is_refused_with_its_first_line():
    page = (
        "X Behind The Scenes\n"
        + INTRO_OLD.format(year=1999, genre="Drama", cast="A")
        + ("\nshort\n\n" + "y" * 4000 + "\n")
    )
    with pytest.raises(ImportFormatError, match="limit is 4000") as caught:
        parse_page(page, "long.txt")
    assert caught.value.line == 3


def test_thanks_to_and_editor_lines_are_credits_only_when_shaped_like_one():
    page = "\n".join(
        [
            "Gremlins Movie Behind The Scenes",
            "Making Gremlins",
            INTRO_NEW.format(year=1984, genre="Comedy / Horror", cast="Zach Galligan"),
            "Thanks to Billy",
            "Thanks to Spielberg, the budget doubled.",
            "Thanks to Kate",
            "Gizmo's puppets broke down constantly.",
            "Thanks to Stripe",
            "Editor Tina Hirsch kept it.",
            "Thanks to Ron Smith, Set Decorator on the film",
            "The museum scene used real exhibits.",
            "Thanks to Michele L. V.",
            "Rand Peltzer's inventions were real props.",
            "Gremlins",
        ]
    )
    assert facts(page) == [
        ("Behind The Scenes", "Thanks to Spielberg, the budget doubled.", "Billy"),
        ("Behind The Scenes", "Gizmo's puppets broke down constantly.", "Kate"),
        ("Behind The Scenes", "Editor Tina Hirsch kept it.", "Stripe"),
        ("Behind The Scenes", "The museum scene used real exhibits.", "Ron Smith, Set Decorator on the film"),
        ("Behind The Scenes", "Rand Peltzer's inventions were real props.", "Michele L. V."),
    ]


def test_a_section_without_its_boilerplate_keeps_its_first_fact():
    page = (
        "Heat Behind The Scenes\n"
        + INTRO_OLD.format(year=1995, genre="Crime", cast="Al Pacino")
        + (
            "\nContributed by: Gary\nThe diner was real.\nDeleted Scenes\nA dream sequence was cut.\n"
            "Editor: Wyatt\nThe bank scene had more takes.\n"
        )
    )
    assert facts(page) == [
        ("Behind The Scenes", "The diner was real.", "Gary"),
        ("Deleted Scenes", "A dream sequence was cut.", None),
        ("Deleted Scenes", "The bank scene had more takes.", "Wyatt"),
    ]


def test_aka_titles_written_article_last_stay_whole():
    page = (
        "The Fox &amp; The Hound Behind The Scenes\nAKA: Fox and the Hound, The; Cap et Rox\n"
        + INTRO_OLD.format(year=1981, genre="Animation", cast="Mickey Rooney")
        + "\nA fact.\n"
    )
    (film,) = parse_page(page, "fox.txt")
    assert film.aliases == ["Fox and the Hound, The", "Cap et Rox"]


def test_a_given_title_with_its_year_is_not_given_the_year_twice():
    (film,) = parse_page(CAPTION_FIRST, "m.txt", title="Mask (1985)")
    assert (film.title, film.year) == ("Mask", 1985)
