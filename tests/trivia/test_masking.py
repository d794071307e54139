"""Masking a fact for the quiz: the title, its words, its AKA titles and its year never show."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.trivia.masking import MASK, TitleWords, askable, mask_fact, still_names


def test_a_one_word_title_in_every_case_and_as_a_possessive():
    text = "Rob Lowe nearly starred in Mask. MASK's makeup took hours; the mask's straps and mAsK itself were foam."
    assert mask_fact(text, "Mask", 1985) == (
        f"Rob Lowe nearly starred in {MASK}. {MASK}'s makeup took hours; the {MASK}'s straps and {MASK} itself were foam."
    )


def test_curly_possessives_and_plural_possessives():
    assert mask_fact("Jaws’ shark and the Jaws' score", "Jaws", 1975) == f"{MASK}’ shark and the {MASK}' score"
    assert mask_fact("Gremlins’s sequel", "Gremlins", 1984) == f"{MASK}’s sequel"


def test_a_title_of_several_words_is_one_mask_and_each_significant_word_alone_too():
    text = "Back to the Future was a hit; the future of the franchise was back in 1989 and Future's DeLorean too."
    masked = mask_fact(text, "Back to the Future", 1985)
    assert masked == (f"{MASK} was a hit; the {MASK} of the franchise was {MASK} in 1989 and {MASK}'s DeLorean too.")


def test_the_leading_article_is_masked_with_the_title_or_not_at_all():
    assert (
        mask_fact("The Goonies' ship; in Goonies the kids", "The Goonies", 1985) == f"{MASK}' ship; in {MASK} the kids"
    )
    assert mask_fact("The Mask made Jim Carrey", "Mask, The", 1994) == f"{MASK} made Jim Carrey"
    # "The" alone is not a title word: other sentences keep it.
    assert mask_fact("The Breakfast Club was shot in a gym. The gym was real.", "The Breakfast Club", 1985) == (
        f"{MASK} was shot in a gym. The gym was real."
    )


def test_aka_titles_are_masked_as_well():
    text = "The studio wanted to call it Spaceman From Pluto; Pluto was cut."
    masked = mask_fact(text, "Back to the Future", 1985, ["Spaceman from Pluto"])
    assert masked == f"The studio wanted to call it {MASK}; {MASK} was cut."


def test_the_year_is_masked_in_full_and_short():
    assert mask_fact("Shot in 1984 for a 1985 release ('85), not '86.", "Mask", 1985) == (
        f"Shot in 1984 for a {MASK} release ({MASK}), not '86."
    )


def test_hyphens_joins_and_dots():
    assert mask_fact("Spider-Man and Spiderman and spider man", "Spider-Man", 2002) == f"{MASK} and {MASK} and {MASK}"
    assert MASK in mask_fact("E.T. phoned home", "E.T. the Extra-Terrestrial", 1982, ["E.T."])
    assert "E.T" not in mask_fact("E.T. phoned home", "E.T. the Extra-Terrestrial", 1982, ["E.T."])


def test_a_title_of_small_words_only_is_masked_everywhere():
    assert (
        mask_fact("It was shot in Maine. It's the clown.", "It", 1990)
        == f"{MASK} was shot in Maine. {MASK}'s the clown."
    )


def test_adjacent_masks_read_as_one_so_the_word_count_does_not_show():
    assert mask_fact("Top Gun Top-Gun flew", "Top Gun", 1986) == f"{MASK} flew"


def test_words_that_only_contain_a_title_word_are_not_masked_but_the_fact_is_not_asked():
    words = TitleWords.of("Mask", 1985)
    masked = mask_fact("The Maskmaker built it.", "Mask", 1985)
    assert masked == "The Maskmaker built it."
    assert still_names(masked, words)
    assert askable("The Maskmaker built it.", "Mask", 1985) is None


def test_a_fact_that_never_names_the_film_is_asked_as_written():
    text = "Rob Lowe was nearly cast as Rocky Dennis."
    assert askable(text, "Mask", 1985) == text


def test_accents_are_matched_like_titles_are():
    assert mask_fact("Amelie's café was real; AMÉLIE too.", "Amélie", 2001) == f"{MASK}'s café was real; {MASK} too."


TITLES = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGH", min_size=3, max_size=9), min_size=1, max_size=4
).map(" ".join)
FILLER = st.lists(st.sampled_from(["the", "film", "was", "shot", "in", "a", "week", ",", ".", "'s", "and"]), max_size=8)


@given(title=TITLES, year=st.integers(1900, 2030), parts=st.lists(st.tuples(FILLER, st.booleans()), max_size=6))
def test_property_no_title_word_or_year_survives_masking(title: str, year: int, parts: list[tuple[list[str], bool]]):
    pieces = []
    for filler, with_title in parts:
        pieces.append(" ".join(filler))
        if with_title:
            pieces.append(title.upper() if len(pieces) % 2 else title)
            pieces.append(str(year))
    text = " ".join(pieces)
    masked = askable(text, title, year)
    if masked is None:
        return  # not asked: fine
    words = {w.lower() for w in title.split() if w.lower() not in {"the", "a", "an", "in", "and"}}
    found = {w.lower() for w in re.findall(r"[A-Za-z]+", masked)}
    assert not (words & found), (title, masked)
    assert str(year) not in masked


@pytest.mark.parametrize(
    ("title", "year", "aliases", "text"),
    [
        ("Ghostbusters", 1984, [], "Ghostbusters' cars; the ghostbusters logo; GHOSTBUSTERS"),
        ("Top Gun", 1986, [], "Top Gun's jets and top gun's pilots; Top-Gun"),
        ("Back to the Future", 1985, ["Spaceman from Pluto"], "Spaceman From Pluto's poster in 1985"),
        ("The Goonies", 1985, [], "THE GOONIES never say die; Goonies'"),
    ],
)
def test_nothing_of_the_film_is_left(title: str, year: int, aliases: list[str], text: str):
    masked = askable(text, title, year, aliases)
    assert masked is not None
    assert not still_names(masked, TitleWords.of(title, year, aliases))


def test_a_title_word_spread_over_two_words_is_not_a_mention():
    assert askable("He attacked at dawn.", "Heat", 1995) == "He attacked at dawn."
