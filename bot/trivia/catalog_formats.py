"""The catalog's JSON and CSV formats: what `import` reads and `export` writes, so a catalog round-trips.

JSON (the documented interchange format, see README "Catalog formats"):

    {"format": "film-trivia", "version": 1,
     "films": [{"title": "Mask", "year": 1985, "genre": "Drama", "cast": "Cher, Eric Stoltz",
                "aliases": ["Mask (Director's Cut)"],
                "facts": [{"text": "...", "section": "Behind The Scenes", "credit": "Dominic",
                           "source": "https://..."}]}]}

CSV: one fact per row with the header `title,year,genre,cast,section,text,credit,source`; rows of the
same title and year form one film. A row with an empty `text` adds a film with no fact.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from bot.trivia.errors import ImportFormatError
from bot.trivia.records import (
    DEFAULT_SECTION,
    MAX_FACT_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    FactRecord,
    FilmRecord,
)
from bot.trivia.text import tidy, tidy_paragraphs

FORMAT_NAME = "film-trivia"
FORMAT_VERSION = 1
CSV_COLUMNS = ("title", "year", "genre", "cast", "section", "text", "credit", "source")


def parse_json(text: str, source: str) -> list[FilmRecord]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(source, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if isinstance(document, dict):
        if document.get("format", FORMAT_NAME) != FORMAT_NAME:
            raise ImportFormatError(source, None, f"'format' must be {FORMAT_NAME!r}")
        if document.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise ImportFormatError(source, None, f"unsupported version {document.get('version')!r}")
        films = document.get("films")
    else:
        films = document
    if not isinstance(films, list):
        raise ImportFormatError(source, None, "expected a list of films, or an object with a 'films' list")
    records = []
    for i, item in enumerate(films):
        records.append(_film_from_json(item, f"films[{i}]", source))
        films[i] = None  # the parsed JSON goes as its records arrive: a large import needs half the memory
    return records


def _film_from_json(item: Any, where: str, source: str) -> FilmRecord:
    if not isinstance(item, dict):
        raise ImportFormatError(source, None, f"{where}: each film must be an object")
    film = FilmRecord(
        title=_title(item.get("title"), where, source),
        year=_year(item.get("year"), where, source),
        genre=_optional_text(item.get("genre"), f"{where}.genre", source) or "",
        cast=_cast(item.get("cast"), f"{where}.cast", source),
        aliases=[
            _title(alias, f"{where}.aliases[{i}]", source)
            for i, alias in enumerate(_list(item.get("aliases"), f"{where}.aliases", source))
        ],
    )
    for i, fact in enumerate(_list(item.get("facts"), f"{where}.facts", source)):
        at = f"{where}.facts[{i}]"
        if not isinstance(fact, dict):
            raise ImportFormatError(source, None, f"{at}: each fact must be an object")
        film.facts.append(
            FactRecord(
                text=_fact_text(fact.get("text"), f"{at}.text", source),
                section=_optional_text(fact.get("section"), f"{at}.section", source) or DEFAULT_SECTION,
                credit=_optional_text(fact.get("credit"), f"{at}.credit", source),
                source=_optional_text(fact.get("source"), f"{at}.source", source),
            )
        )
    return film


def parse_csv(text: str, source: str) -> list[FilmRecord]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise ImportFormatError(source, 1, "the CSV file is empty (expected a header row)")
    header = [name.strip().lower() for name in reader.fieldnames]
    missing = [column for column in ("title", "text") if column not in header]
    if missing:
        raise ImportFormatError(source, 1, f"the header lacks the column(s) {', '.join(missing)}")
    reader.fieldnames = header
    films: dict[tuple[str, int | None], FilmRecord] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise ImportFormatError(source, line, "this row has more fields than the header")
            where = f"line {line}"
            title = _title(row.get("title"), where, source, line)
            year = _year(row.get("year") or None, where, source, line)
            film = films.get((title, year))
            if film is None:
                film = films[(title, year)] = FilmRecord(
                    title=title,
                    year=year,
                    genre=tidy(row.get("genre") or ""),
                    cast=tidy(row.get("cast") or ""),
                )
            if tidy(row.get("text") or ""):
                film.facts.append(
                    FactRecord(
                        text=_fact_text(row.get("text"), f"{where}: text", source, line),
                        section=tidy(row.get("section") or "") or DEFAULT_SECTION,
                        credit=tidy(row.get("credit") or "") or None,
                        source=tidy(row.get("source") or "") or None,
                    )
                )
    except csv.Error as exc:
        raise ImportFormatError(source, reader.line_num, f"malformed CSV: {exc}") from None
    return list(films.values())


def to_json(films: Iterable[FilmRecord]) -> str:
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "films": [
            {
                "title": film.title,
                "year": film.year,
                "genre": film.genre,
                "cast": film.cast,
                "aliases": list(film.aliases),
                "facts": [
                    {"text": f.text, "section": f.section, "credit": f.credit, "source": f.source} for f in film.facts
                ],
            }
            for film in films
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_csv(films: Iterable[FilmRecord]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for film in films:
        year = "" if film.year is None else str(film.year)
        if not film.facts:
            writer.writerow([film.title, year, film.genre, film.cast, "", "", "", ""])
        for fact in film.facts:
            writer.writerow(
                [film.title, year, film.genre, film.cast, fact.section, fact.text, fact.credit or "", fact.source or ""]
            )
    return out.getvalue()


def _fail(source: str, where: str, problem: str, line: int | None) -> ImportFormatError:
    return ImportFormatError(source, line, f"{where}: {problem}" if line is None else problem)


def _title(value: Any, where: str, source: str, line: int | None = None) -> str:
    title = tidy(value) if isinstance(value, str) else ""
    if not title:
        raise _fail(source, where, "a title must be a non-empty string", line)
    if len(title) > MAX_TITLE_LENGTH:
        raise _fail(source, where, f"the title is longer than {MAX_TITLE_LENGTH} characters", line)
    return title


def _year(value: Any, where: str, source: str, line: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise _fail(source, where, f"the year must be a whole number from {MIN_YEAR} to {MAX_YEAR}", line)
    return value


def _fact_text(value: Any, where: str, source: str, line: int | None = None) -> str:
    text = tidy_paragraphs(value) if isinstance(value, str) else ""
    if not text:
        raise _fail(source, where, "a fact's text must be a non-empty string", line)
    if len(text) > MAX_FACT_LENGTH:
        raise _fail(source, where, f"the fact is longer than {MAX_FACT_LENGTH} characters", line)
    return text


def _optional_text(value: Any, where: str, source: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportFormatError(source, None, f"{where}: must be a string")
    return tidy(value)[:MAX_FACT_LENGTH] or None


def _cast(value: Any, where: str, source: str) -> str:
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return ", ".join(tidy(name) for name in value if tidy(name))
    return _optional_text(value, where, source) or ""


def _list(value: Any, where: str, source: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFormatError(source, None, f"{where}: must be a list")
    return value
