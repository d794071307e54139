from __future__ import annotations

import pytest

from bot.trivia.catalog_formats import parse_csv, parse_json, to_csv, to_json
from bot.trivia.errors import ImportFormatError
from bot.trivia.records import FactRecord, FilmRecord

FILMS = [
    FilmRecord(
        "Mask",
        1985,
        "Drama",
        "Cher, Eric Stoltz",
        ["Mask (Director's Cut)"],
        [
            FactRecord("Rob Lowe was nearly cast.", credit='Jeremy "Joker" Brent'),
            FactRecord("A cut diner scene, with a comma.", "Deleted Scenes", None, "https://example.org/x"),
        ],
    ),
    FilmRecord("Nameless", None, "", "", [], []),
]


def test_json_round_trips():
    assert parse_json(to_json(FILMS), "x.json") == FILMS


def test_csv_round_trips_but_for_aliases():
    parsed = parse_csv(to_csv(FILMS), "x.csv")
    assert [(f.title, f.year, f.genre, f.cast, f.facts) for f in parsed] == [
        (f.title, f.year, f.genre, f.cast, f.facts) for f in FILMS
    ]


def test_json_accepts_a_bare_list_and_a_cast_list():
    (film,) = parse_json('[{"title": "Heat", "year": "1995", "cast": ["Al Pacino", "Robert De Niro"]}]', "h.json")
    assert (film.title, film.year, film.cast, film.facts) == ("Heat", 1995, "Al Pacino, Robert De Niro", [])


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('{"films": [', 1, "not valid JSON"),
        ('{\n"films": 3}', None, "list of films"),
        ('{"films": [{"year": 1999}]}', None, "films[0]: a title must be a non-empty string"),
        ('{"films": [{"title": "X", "year": 1200}]}', None, "films[0]: the year must be"),
        ('{"films": [{"title": "X", "facts": [{"text": "  "}]}]}', None, "films[0].facts[0].text"),
        ('{"films": [{"title": "X", "facts": ["just text"]}]}', None, "each fact must be an object"),
        ('{"format": "other", "films": []}', None, "'format' must be"),
    ],
)
def test_bad_json_names_what_is_wrong(text: str, line: int | None, problem: str):
    with pytest.raises(ImportFormatError) as caught:
        parse_json(text, "bad.json")
    assert caught.value.line == line
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", 1, "empty"),
        ("name,year\nX,1999\n", 1, "title, text"),
        ("title,year,text\nX,1999,fine\n,2000,no title\n", 3, "title must be"),
        ("title,year,text\nX,19x9,fact\n", 2, "year must be"),
        ("title,text\nX,a,b\n", 2, "more fields"),
    ],
)
def test_bad_csv_names_the_line(text: str, line: int, problem: str):
    with pytest.raises(ImportFormatError) as caught:
        parse_csv(text, "bad.csv")
    assert caught.value.line == line
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"bad.csv:{line}: ")


def test_paragraphs_of_a_fact_survive_json_and_csv_round_trips():
    text = "The church was a real one.\n\nIts basement was a set.\n\nNobody saw it lit."
    film = FilmRecord("Prince Of Darkness", 1987, facts=[FactRecord(text, credit="Kim")])
    assert '"The church was a real one.\\n\\nIts basement' in to_json([film])
    assert parse_json(to_json([film]), "x.json")[0].facts == film.facts
    assert parse_csv(to_csv([film]), "x.csv")[0].facts == film.facts
    # Stray spacing inside a paragraph and extra blank lines are tidied; the breaks themselves stay.
    messy = '[{"title": "X", "facts": [{"text": "One  two.\\n \\n\\n  Three\\nfour."}]}]'
    assert parse_json(messy, "m.json")[0].facts[0].text == "One two.\n\nThree four."
