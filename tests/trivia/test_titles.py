from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.trivia.errors import AmbiguousFilm, FilmNotFound, InvalidQuery
from bot.trivia.titles import SUGGEST_SCORE, TitleIndex, _lengths, normalise_title

FILMS = [
    (1, "Mask", 1985, []),
    (2, "The Mask", 1994, []),
    (3, "Psycho", 1960, []),
    (4, "Psycho", 1998, []),
    (5, "Amélie", 2001, ["Le Fabuleux Destin d'Amélie Poulain"]),
    (6, "Blade Runner", 1982, []),
    (7, "Blade Runner 2049", 2017, []),
    (8, "M*A*S*H", 1970, []),
    (9, "Star Wars", 1977, []),
    (10, "Mash Potato Blues", 2003, []),
]


@pytest.fixture
def index() -> TitleIndex:
    return TitleIndex(FILMS)


def test_normalisation_ignores_articles_case_punctuation_and_accents():
    assert normalise_title("The Mask") == normalise_title("mask") == normalise_title("Mask, The")
    assert normalise_title("AMÉLIE!") == "amelie"
    assert normalise_title("A") == "a"  # a lone article is the title


@pytest.mark.parametrize(
    ("query", "film_id"),
    [
        ("Psycho (1998)", 4),
        ("psycho 1960", 3),
        ("  amelie  ", 5),
        ("le fabuleux destin d amelie poulain", 5),
        ("Blade Runner 2049", 7),
        ("blade runner (1982)", 6),
        ("BLADE RUNNER!", 6),
        ("mash", 8),
        ("star wars", 9),
        ("The Mask (1994)", 2),
        ("Mask (1985)", 1),
    ],
)
def test_exact_readings(index: TitleIndex, query: str, film_id: int):
    assert index.resolve(query).film_id == film_id


@pytest.mark.parametrize(("query", "film_id"), [("psyco (1960)", 3), ("blade runer 1982", 6), ("star warz", 9)])
def test_typos_resolve_when_one_film_is_clearly_meant(index: TitleIndex, query: str, film_id: int):
    assert index.resolve(query).film_id == film_id


def test_typos_of_a_single_film():
    only = TitleIndex([(1, "Mask", 1985, [])])
    assert only.resolve("maks").film_id == 1
    for other_word in ("mash", "task", "musk", "mark", "msk"):
        with pytest.raises(FilmNotFound) as offered:
            only.resolve(other_word)
        assert offered.value.suggestions == ["Mask (1985)"]  # offered as "did you mean", never assumed
    with pytest.raises(FilmNotFound) as caught:
        only.resolve("zzzz")
    assert caught.value.suggestions == []


def test_remakes_with_the_same_title_ask_for_the_year(index: TitleIndex):
    with pytest.raises(AmbiguousFilm) as caught:
        index.resolve("psycho")
    assert caught.value.choices == ["Psycho (1960)", "Psycho (1998)"]
    assert "Psycho (1960)" in str(caught.value)


def test_the_title_as_typed_wins_over_its_article_free_form(index: TitleIndex):
    # "The Mask" and "Mask" share the article-free key; what the member typed decides.
    assert index.resolve("mask").film_id == 1
    assert index.resolve("The Mask").film_id == 2
    assert index.resolve("mask, the").film_id == 2
    assert index.resolve("mask 1994").film_id == 2


def test_a_wrong_year_suggests_the_right_ones(index: TitleIndex):
    with pytest.raises(FilmNotFound) as caught:
        index.resolve("Psycho (1975)")
    assert set(caught.value.suggestions[:2]) == {"Psycho (1960)", "Psycho (1998)"}


def test_a_typo_close_to_two_films_gets_did_you_mean(index: TitleIndex):
    assert index.resolve("blade runnr").film_id == 6  # clearly closer to one of the two
    with pytest.raises(FilmNotFound) as caught:
        index.resolve("psyhco")  # a slip of both Psycho (1960) and Psycho (1998)
    assert {"Psycho (1960)", "Psycho (1998)"} == set(caught.value.suggestions[:2])
    assert "Did you mean" in str(caught.value)
    # As with exact titles, the title as typed settles Mask against The Mask.
    assert index.resolve("maks").film_id == 1
    assert index.resolve("the maks").film_id == 2


@pytest.mark.parametrize("query", ["", "   ", "\u200b", "x" * 201])
def test_empty_or_huge_queries_are_refused(index: TitleIndex, query: str):
    with pytest.raises(InvalidQuery):
        index.resolve(query)


def test_autocomplete_puts_what_is_typed_first_and_labels_with_years(index: TitleIndex):
    labels = [e.label for e in index.suggest("ma")]
    # Short titles that start with what was typed come first; longer ones after.
    assert set(labels[:3]) == {"Mask (1985)", "The Mask (1994)", "M*A*S*H (1970)"}
    assert labels[3] == "Mash Potato Blues (2003)"


def test_autocomplete_typos_and_years(index: TitleIndex):
    assert index.suggest("blade runr")[0].title.startswith("Blade Runner")
    assert next(e.label for e in index.suggest("psycho (1998)")) == "Psycho (1998)"


def test_autocomplete_returns_at_most_25():
    many = TitleIndex([(i, f"Film {i}", 2000, []) for i in range(1, 200)])
    assert len(many.suggest("film")) == 25
    assert len(many.suggest("")) == 25


@settings(max_examples=3000, deadline=None)
@given(typed=st.text("abc de", min_size=1, max_size=30), cut=st.integers(0, 30), extra=st.text("abc de", max_size=60))
def test_no_close_spelling_is_left_out_by_its_length(typed: str, cut: int, extra: str):
    """Fuzzy matching scans only the key lengths that can reach the cutoff (`_lengths`): every key that
    does reach it must be within them, or a typo would stop finding its film. Keys are made from what
    was typed (cut short, then added to), so many of them do reach it."""
    key = typed[:cut] + extra
    for cutoff in (SUGGEST_SCORE, 75.0, 90.0):
        if fuzz.ratio(typed, key) >= cutoff:
            shortest, longest = _lengths(len(typed), cutoff)
            assert shortest <= len(key) <= longest


def test_an_index_leaves_no_big_run_of_keys_for_the_collector_to_walk():
    """After a rebuild the collector's first look at a tuple walks every key in it with the GIL held
    (a stall at 100,000 films): the index shows its big runs to the collector as it makes them, so
    none is still tracked once it is built."""
    import gc

    films = [(n, f"Storm {n} Night", 1950 + n % 70, ()) for n in range(12_000)]
    gc.disable()
    try:
        index = TitleIndex(films)
        big = [run for runs in (index._by_first, index._by_second) for run in runs.values() if len(run) > 4096]
        assert big, "the catalog is big enough for runs over 4,096 keys"
        assert not any(gc.is_tracked(run) for run in big)
    finally:
        gc.enable()


def test_a_typed_year_picks_among_films_sharing_a_title_and_0000_is_no_year():
    remakes = TitleIndex([(1, "Hamlet", 1948, []), (2, "Hamlet", 1990, []), (3, "Hamlet", 1996, []),
                          (4, "Hamlet", None, [])])  # fmt: skip
    assert remakes.resolve("Hamlet (1990)").film_id == 2
    assert remakes.resolve("hamlet 1996").film_id == 3
    # The index keeps an unknown year as 0; a typed 0000 is not a film's year and never matches one.
    with pytest.raises(FilmNotFound):
        remakes.resolve("Hamlet (0000)")
    unknown = TitleIndex([(1, "Mask", None, [])])
    with pytest.raises(FilmNotFound):
        unknown.resolve("Mask (0000)")
