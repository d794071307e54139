from __future__ import annotations

from bot.trivia.rows import Fact, FactRows


def test_fact_rows_number_facts_by_id_and_make_each_only_when_asked():
    rows = [
        (30, "Third.", "Trivia", None, None, "import", None, 0),
        (10, "First.", "Behind The Scenes", "Dominic", "https://example.org", "import", None, 1),
        (20, "Second.", "Cast", None, None, "submission", 99, True),
    ]
    facts = FactRows(7, rows)
    assert facts.ids == (10, 20, 30)  # /trivia's numbering: fact 1 is the oldest
    assert len(facts) == 3
    assert facts[0] == Fact(
        10, 7, "First.", "Behind The Scenes", "Dominic", "https://example.org", "import", None, True
    )
    assert facts[-1].text == "Third."
    assert [fact.spoiler for fact in facts] == [True, True, False]  # 0/1 from SQLite, bools from PostgreSQL
    assert [fact.id for fact in facts[1:]] == [20, 30]
    assert facts.by_id(20) == facts[1]
    assert facts.by_id(40) is None
    assert not FactRows(7, [])
