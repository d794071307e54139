"""The quiz's pure rules: points, streaks, plausible wrong choices, game limits."""

from __future__ import annotations

import random

import pytest

from bot.trivia.quiz import FilmChoice, QuizError, Streaks, arrange, check_game_size, choose_decoys, points_for, streaks


def test_points_one_for_right_one_more_for_first():
    assert points_for(correct=True, first=True) == 2
    assert points_for(correct=True, first=False) == 1
    assert points_for(correct=False, first=False) == 0
    assert points_for(correct=False, first=True) == 0


def test_streaks_count_right_answers_in_a_row_and_a_wrong_one_resets():
    assert streaks([]) == Streaks(0, 0)
    assert streaks([True, True, False, True]) == Streaks(1, 2)
    assert streaks([False, True, True, True]) == Streaks(3, 3)
    assert streaks([True, False]) == Streaks(0, 1)


ANSWER = FilmChoice(1, "Mask", 1985, "Drama")
SAME_BOTH = [FilmChoice(i, f"Drama {i}", 1983, "Drama") for i in range(10, 13)]
SAME_DECADE = [FilmChoice(i, f"Eighties {i}", 1988, "Comedy") for i in range(20, 25)]
SAME_GENRE = [FilmChoice(i, f"Old drama {i}", 1950, "Horror / Drama") for i in range(30, 35)]
OTHERS = [FilmChoice(i, f"Other {i}", 2010, "Action") for i in range(40, 50)]


def test_decoys_prefer_same_decade_and_genre_then_either_then_anything():
    rng = random.Random(1)
    assert set(choose_decoys(ANSWER, OTHERS + SAME_DECADE + SAME_BOTH, rng)) == set(SAME_BOTH)
    two_levels = choose_decoys(ANSWER, OTHERS + SAME_GENRE[:1] + SAME_DECADE[:1] + SAME_BOTH[:1], rng)
    assert set(two_levels) == {SAME_BOTH[0], SAME_GENRE[0], SAME_DECADE[0]}
    assert len(choose_decoys(ANSWER, OTHERS, rng)) == 3


def test_decoys_never_repeat_the_answer_or_each_other():
    twin = FilmChoice(2, "Mask", 1985, "Drama")  # the same label as the answer: two identical buttons
    copies = [FilmChoice(3, "Same", 1985, "Drama"), FilmChoice(4, "same", 1985, "Drama")]
    chosen = choose_decoys(ANSWER, [ANSWER, twin, *copies, *OTHERS[:2]], random.Random(2))
    labels = [c.label.lower() for c in chosen]
    assert "mask (1985)" not in labels
    assert len(set(labels)) == 3


def test_fewer_candidates_give_fewer_decoys():
    assert len(choose_decoys(ANSWER, OTHERS[:2], random.Random(3))) == 2


def test_arrange_puts_the_answer_somewhere_and_says_where():
    seen = set()
    for seed in range(40):
        choices, right = arrange(ANSWER, OTHERS[:3], random.Random(seed))
        assert choices[right] == ANSWER
        assert sorted(c.film_id for c in choices) == [1, 40, 41, 42]
        seen.add(right)
    assert seen == {0, 1, 2, 3}


@pytest.mark.parametrize(("rounds", "seconds"), [(0, 30), (21, 30), (5, 9), (5, 121)])
def test_game_size_outside_the_limits_is_refused(rounds: int, seconds: int):
    with pytest.raises(QuizError):
        check_game_size(rounds, seconds)
    check_game_size(1, 10)
    check_game_size(20, 120)
