"""Parser for the archive's "Making Of" pages (see ARCHITECTURE.md, "The seed format").

The page is line-oriented: a title line, an intro sentence carrying year, genre and cast, then one fact
per line, each optionally followed by its "Contributed by:" line. Site chrome can appear anywhere and
is skipped. Anything else that does not fit stops the import with the file and line, so a half-read
page never reaches the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.trivia.errors import ImportFormatError
from bot.trivia.records import DEFAULT_SECTION, MAX_FACT_LENGTH, MAX_YEAR, MIN_YEAR, FactRecord, FilmRecord
from bot.trivia.text import clean_line, fold

SECTIONS = (DEFAULT_SECTION, "Deleted Scenes", "Alternate Versions")
_SECTION_BY_KEY = {fold(s): s for s in SECTIONS}
_SITE_HEADER = re.compile(r"^making of\s*(\.{2,}|…)?$", re.IGNORECASE)
_NAVIGATION = {"rewind archive"}
_TITLE = re.compile(r"^(?P<title>.+?)\s+behind the scenes$", re.IGNORECASE)
_INTRO = re.compile(
    r"^go behind the scenes and learn what went on during the making of the\s+"
    r"(?P<year>\d{4})\s+(?P<genre>.*?)\s*movie(?:\s+starring\s+(?P<cast>.*?))?\s*\.?$",
    re.IGNORECASE,
)
_CREDIT = re.compile(r"^contributed by\s*:\s*(?P<name>.*)$", re.IGNORECASE)
_ET_AL = re.compile(r",?\s+et\.?\s+al\.?$", re.IGNORECASE)
# The sentence a section opens with on the site. Recognised anywhere it appears first in a section;
# other first lines are treated as boilerplate only when nothing marks them as a fact (a credit).
_BOILERPLATE = (
    "when movies are made scenes are often left on the cutting room floor",
    "sometimes there will be several versions of a movie floating about",
)


@dataclass(slots=True)
class _Line:
    number: int
    text: str


def parse_page(text: str, source: str) -> list[FilmRecord]:
    lines = [
        _Line(number, cleaned) for number, raw in enumerate(text.splitlines(), start=1) if (cleaned := clean_line(raw))
    ]
    lines = [line for line in lines if not _SITE_HEADER.match(line.text)]
    if not lines:
        raise ImportFormatError(source, None, "the page is empty (no '<Title> Behind The Scenes' line)")

    films: list[FilmRecord] = []
    index = 0
    while index < len(lines):
        index = _parse_film(lines, index, source, films)
    return films


def _parse_film(lines: list[_Line], index: int, source: str, films: list[FilmRecord]) -> int:
    heading = lines[index]
    match = _TITLE.match(heading.text)
    if not match:
        raise ImportFormatError(
            source, heading.number, f"expected a '<Title> Behind The Scenes' line, found {_quote(heading.text)}"
        )
    title = match["title"].strip()
    index += 1

    if index < len(lines) and fold(lines[index].text) == fold(f"{title} Picture"):
        index += 1
    if index >= len(lines) or not (intro := _INTRO.match(lines[index].text)):
        number = lines[index].number if index < len(lines) else heading.number
        raise ImportFormatError(
            source,
            number,
            "expected the intro line 'Go behind the scenes ... of the <year> <genre> movie starring <cast>'"
            f" after the title {_quote(title)}",
        )
    year = int(intro["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ImportFormatError(source, lines[index].number, f"year {year} is not a film year")
    film = FilmRecord(
        title=title,
        year=year,
        genre=intro["genre"].strip(),
        cast=_ET_AL.sub("", (intro["cast"] or "").strip()).strip(" ,"),
    )
    films.append(film)
    index += 1
    return _parse_facts(lines, index, source, film)


def _parse_facts(lines: list[_Line], index: int, source: str, film: FilmRecord) -> int:
    section = DEFAULT_SECTION
    at_section_start = False
    credited = True  # whether the latest fact already has its credit line (nothing to credit yet)
    while index < len(lines):
        line = lines[index]
        key = fold(line.text)
        if key in _NAVIGATION:
            index += 1
            continue
        if key in _SECTION_BY_KEY:
            section = _SECTION_BY_KEY[key]
            at_section_start = True
            credited = True
            index += 1
            continue
        if _TITLE.match(line.text) and _starts_film(lines, index):
            return index
        credit = _CREDIT.match(line.text)
        if credit:
            name = credit["name"].strip()
            if credited:
                raise ImportFormatError(source, line.number, "a 'Contributed by:' line must follow the fact it credits")
            if name:
                last = film.facts[-1]
                film.facts[-1] = FactRecord(last.text, last.section, name, last.source)
            credited = True
            index += 1
            continue
        if at_section_start:
            at_section_start = False
            if _is_boilerplate(key) or not _next_is_credit(lines, index):
                index += 1
                continue
        if len(line.text) > MAX_FACT_LENGTH:
            raise ImportFormatError(
                source, line.number, f"a fact is {len(line.text)} characters; the limit is {MAX_FACT_LENGTH}"
            )
        film.facts.append(FactRecord(line.text, section))
        credited = False
        index += 1
    return index


def _starts_film(lines: list[_Line], index: int) -> bool:
    """A second title line starts another film only when an intro follows, so a fact that happens
    to end in "behind the scenes" stays a fact."""
    following = lines[index + 1 : index + 3]
    return any(_INTRO.match(line.text) for line in following)


def _next_is_credit(lines: list[_Line], index: int) -> bool:
    return index + 1 < len(lines) and bool(_CREDIT.match(lines[index + 1].text))


def _is_boilerplate(key: str) -> bool:
    return any(key.startswith(sentence) for sentence in _BOILERPLATE)


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
