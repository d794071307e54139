import random

import pytest

from bot.trivia.picking import pick_unseen


def test_a_channel_sees_every_fact_before_any_repeats_and_never_the_same_twice_in_a_row():
    rng = random.Random(3)
    facts = [10, 11, 12, 13]
    seen: set[int] = set()
    last = None
    shown = []
    for _ in range(40):
        pick = pick_unseen(facts, seen, last, rng)
        if pick.new_cycle:
            assert seen == set(facts)
            seen = set()
        assert pick.fact_id != last
        seen.add(pick.fact_id)
        last = pick.fact_id
        shown.append(pick.fact_id)
    for start in range(0, 40, 4):
        assert sorted(shown[start : start + 4]) == facts


def test_one_fact_repeats_itself():
    assert pick_unseen([5], {5}, 5, random.Random()).fact_id == 5


def test_no_facts_is_a_programming_error():
    with pytest.raises(ValueError, match="no facts"):
        pick_unseen([], set(), None, random.Random())
