"""Reader for the archive's "Making Of" pages (ARCHITECTURE.md, "The seed format").

The pages come from a real site (The 80s Movies Rewind, `making_<film>.htm`) with two templates. On that
site **an attribution line comes before the fact it credits**: `Rewind Archive` (the site's own archive),
`Contributed by: NAME`, `Thanks to NAME` (newer template) or `Editor NAME` opens the fact on the lines that
follow it. A fact with no attribution line before it is uncredited.

One fact per line; a blank line inside a fact continues it as a new paragraph (kept as "\\n\\n"). Around the
facts sits page furniture that is never a fact: the site header, the title line, `Making <Title>`, the
picture line, a caption or tagline, `AKA:` (kept as the film's aliases), the intro, an extended-cast line
ending in `Update Cast`, the disclaimer, the first line of each section (site boilerplate) and a footer line
repeating the title. Anything that cannot be placed stops the import with the file and line, so a half-read
page never reaches the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.trivia.errors import ImportFormatError, MissingPageTitle
from bot.trivia.records import (
    ARCHIVE_CREDIT,
    DEFAULT_SECTION,
    MAX_FACT_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    FactRecord,
    FilmRecord,
)
from bot.trivia.text import clean_line, fold
from bot.trivia.titles import split_title_year

SECTIONS = (DEFAULT_SECTION, "Deleted Scenes", "Alternate Versions")
_SECTION_BY_KEY = {fold(s): s for s in SECTIONS}
_SITE_HEADER = re.compile(r"^making of\s*(\.{2,}|…)?$", re.IGNORECASE)
_TITLE = re.compile(r"^(?P<title>.+?)\s+(?P<movie>movie\s+)?behind the scenes$", re.IGNORECASE)
# Older template: "...learn what went on during the making of the 1985 Drama movie starring A, B et al."
# Newer template: "Go behind the scenes on the 1987 Horror / Occult movie starring A, B" (no "et al.").
_INTRO = re.compile(
    r"^go behind the scenes\b.*?\b(?P<form>of|on) the\s+(?P<year>\d{4})\s+(?P<genre>.*?)\s*\bmovie\b"
    r"(?:\s+starring\s+(?P<cast>.*?))?\s*\.?$",
    re.IGNORECASE,
)
_ET_AL = re.compile(r",?\s+et\.?\s+al\.?$", re.IGNORECASE)
_AKA = re.compile(r"^a\.?k\.?a\.?\s*:\s*(?P<names>.*)$", re.IGNORECASE)
_ALIAS_SPLIT = re.compile(r"\s*[;/|]\s*|,\s+(?!(?:the|a|an)\s*(?:$|[;/|]))", re.IGNORECASE)
_UPDATE_CAST = re.compile(r"\bupdate cast\s*$", re.IGNORECASE)
_DISCLAIMER = re.compile(r"^we believe the following info\b", re.IGNORECASE)
_MAKING = re.compile(r"^making\s+(?P<title>.+)$", re.IGNORECASE)
# Attribution lines. "Contributed by:" is unmistakable; "Thanks to" and "Editor" also begin ordinary
# sentences ("Thanks to the rain, ...", "Editor Tina Hirsch kept it."), so those count only by their shape:
# no sentence end (a name's initial, "L. V.", is not one), not too long, and a fact right below them.
_CONTRIBUTED = re.compile(r"^contributed by\s*:?\s*(?P<name>.*)$", re.IGNORECASE)
_NAMED = re.compile(r"^(?:thanks to|editor\s*:?)\s+(?P<name>.+)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<![\s.][A-Z])[.!?…]['\"”’)]*$")
MAX_NAME_LENGTH = 80
# The sentence each section opens with on the site: skipped as boilerplate. Any other first line is a fact.
_BOILERPLATE = (
    "when movies are made scenes are often left on the cutting room floor",
    "sometimes there will be several versions of a movie",
)
# Lines between the title and the intro that are neither picture nor AKA: a caption, a tagline.
MAX_HEADER_EXTRAS = 4
MAX_HEADER_LINE = 300
# Part of the bundled data's fingerprint: a new reading of the same page files re-imports them on upgrade.
READER_VERSION = 2
_FILM_LOOKAHEAD = 8  # a title line starts another film only when its intro follows within these lines


@dataclass(slots=True)
class _Line:
    number: int
    text: str  # "" for a blank line


@dataclass(slots=True)
class _OpenFact:
    """The fact being read: its paragraphs so far, and whether a blank line has just passed."""

    section: str
    credit: str | None
    first_line: int
    paragraphs: list[str] = field(default_factory=list)
    after_blank: bool = False


def parse_page(text: str, source: str, *, title: str | None = None) -> list[FilmRecord]:
    """Every film on the page with its facts in page order. `title` names the film of a page stored
    without its title line (such pages start at the caption); it reads the page as that one film."""
    lines = [_Line(number, clean_line(raw)) for number, raw in enumerate(text.splitlines(), start=1)]
    lines = [line for line in lines if not _SITE_HEADER.match(line.text)]
    while lines and not lines[-1].text:
        lines.pop()
    if not any(line.text for line in lines):
        raise ImportFormatError(source, None, "the page is empty (no '<Title> Behind The Scenes' line)")
    given = split_title_year(clean_line(title))[0] if title else None
    if title is not None and not given:
        raise ImportFormatError(source, None, "the title given for the page is empty")

    films: list[FilmRecord] = []
    attributions = _attributions(lines)
    index = _skip_blank(lines, 0)
    while index < len(lines):
        film, index = _parse_film(lines, index, source, given if not films else None, bool(given), attributions)
        films.append(film)
        index = _skip_blank(lines, index)
    return films


def _parse_film(
    lines: list[_Line], index: int, source: str, given: str | None, single: bool, attributions: dict[int, str]
) -> tuple[FilmRecord, int]:
    heading = lines[index]
    match = _TITLE.match(heading.text)
    intro_at = _find_intro(lines, index)
    if given is None and not match:
        if intro_at is not None:
            raise MissingPageTitle(source, heading.number)
        raise ImportFormatError(
            source, heading.number, f"expected a '<Title> Behind The Scenes' line, found {_quote(heading.text)}"
        )
    start = index + 1 if match else index
    if intro_at is None:
        raise ImportFormatError(
            source,
            _first_extra(lines, start, len(lines)) or heading.number,
            "expected the intro line 'Go behind the scenes ... of the <year> <genre> movie starring <cast>'"
            f" after the title {_quote(match['title'] if match else given or '')}",
        )
    intro = _INTRO.match(lines[intro_at].text)
    assert intro is not None
    header = [line for line in lines[start:intro_at] if line.text]
    title = given or _title_from(match, header, newer=intro["form"].lower() == "on")
    aliases: list[str] = []
    extras = 0
    for line in header:
        key = fold(line.text)
        if key in (fold(f"{title} Picture"), fold(f"Making {title}")) or _MAKING.match(line.text):
            continue
        if aka := _AKA.match(line.text):
            aliases += [
                name
                for name in _ALIAS_SPLIT.split(aka["names"])
                if fold(name) not in ("", "the", "a", "an", fold(title))
            ]
            continue
        extras += 1
        if extras > MAX_HEADER_EXTRAS or len(line.text) > MAX_HEADER_LINE:
            raise ImportFormatError(
                source,
                line.number,
                f"expected the intro line 'Go behind the scenes ...' after the title {_quote(title)},"
                f" found {_quote(line.text)}",
            )
    year = int(intro["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ImportFormatError(source, lines[intro_at].number, f"year {year} is not a film year")
    film = FilmRecord(
        title=title,
        year=year,
        genre=" ".join(intro["genre"].split()),
        cast=_ET_AL.sub("", (intro["cast"] or "").strip()).strip(" ,"),
        aliases=list(dict.fromkeys(aliases)),
        page=page_name(source),
    )
    index = _skip_furniture_after_intro(lines, intro_at + 1)
    return film, _parse_facts(lines, index, source, film, single, attributions)


def page_name(source: str) -> str:
    """A page's identity in the catalog: its file name, wherever the file was imported from."""
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def _find_intro(lines: list[_Line], index: int) -> int | None:
    """The intro belonging to the film that starts at `index`: the first one before another title line."""
    for at in range(index, len(lines)):
        if _INTRO.match(lines[at].text):
            return at
        if at > index and _TITLE.match(lines[at].text):
            return None
    return None


def _title_from(match: re.Match[str] | None, header: list[_Line], *, newer: bool) -> str:
    """ "X Movie Behind The Scenes" is the newer template's title line for X, but "Scary Movie Behind The
    Scenes" is the older one's for Scary Movie: the picture and "Making" lines settle it, else the intro's
    template does."""
    assert match is not None
    full = f"{match['title']} {match['movie'].strip()}" if match["movie"] else match["title"]
    candidates = [match["title"], full] if match["movie"] else [full]
    keys = {fold(line.text) for line in header}
    for candidate in candidates:
        if fold(f"{candidate} Picture") in keys or fold(f"Making {candidate}") in keys:
            return candidate.strip()
    return (match["title"] if newer else full).strip()


def _skip_furniture_after_intro(lines: list[_Line], index: int) -> int:
    """The newer template follows its intro with an extended-cast line and a disclaimer."""
    while index < len(lines):
        text = lines[index].text
        if text and not (_UPDATE_CAST.search(text) or _DISCLAIMER.match(text)):
            break
        index += 1
    return index


def _parse_facts(
    lines: list[_Line], index: int, source: str, film: FilmRecord, single: bool, attributions: dict[int, str]
) -> int:
    section = DEFAULT_SECTION
    fact: _OpenFact | None = None
    pending: tuple[str | None, int] | None = None  # an attribution waiting for its text: (credit, line)
    at_section_start = False

    def close() -> None:
        nonlocal fact
        if fact is not None and fact.paragraphs:
            text = "\n\n".join(fact.paragraphs)
            if len(text) > MAX_FACT_LENGTH:
                raise ImportFormatError(
                    source, fact.first_line, f"a fact is {len(text)} characters; the limit is {MAX_FACT_LENGTH}"
                )
            film.facts.append(FactRecord(text, fact.section, fact.credit))
        fact = None

    while index < len(lines):
        line = lines[index]
        if not line.text:
            if fact is not None:
                fact.after_blank = True
            index += 1
            continue
        key = fold(line.text)
        if key in _SECTION_BY_KEY:
            close()
            pending = None
            section = _SECTION_BY_KEY[key]
            at_section_start = True
            index += 1
            continue
        if not single and _TITLE.match(line.text) and _starts_film(lines, index):
            break
        if index == len(lines) - 1 and key in {fold(film.title), *map(fold, film.aliases)}:
            index += 1  # the page's footer repeats the title: never a fact, not even a paragraph of one
            break
        attribution = attributions.get(index)
        if attribution is not None:
            close()
            pending = (attribution, line.number)
            at_section_start = False
            index += 1
            continue
        if at_section_start:
            at_section_start = False
            if _is_boilerplate(key):  # the site's sentence that opens every section
                index += 1
                continue
        if pending is not None:
            close()
            fact = _OpenFact(section, pending[0] or None, line.number, [line.text])
            pending = None
        elif fact is not None and fact.after_blank:
            fact.paragraphs.append(line.text)
            fact.after_blank = False
        else:
            close()
            fact = _OpenFact(section, None, line.number, [line.text])
        index += 1
    close()
    return index


def _attributions(lines: list[_Line]) -> dict[int, str]:
    """The credit each attribution line gives, by line index ("" for a line with no name).

    "Thanks to"/"Editor" credit only a fact below them, so whether one is an attribution depends on
    whether the next line is one: worked out from the bottom of the page up, once."""
    found: dict[int, str] = {}
    following: int | None = None  # index of the next non-blank line below
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].text
        if not text:
            continue
        credit = _credit_of(text, lines[following].text if following is not None else None, following in found)
        if credit is not None:
            found[index] = credit
        following = index
    return found


def _credit_of(text: str, below: str | None, below_is_attribution: bool) -> str | None:
    if fold(text) == fold(ARCHIVE_CREDIT):
        return ARCHIVE_CREDIT
    if contributed := _CONTRIBUTED.match(text):
        return contributed["name"].strip()
    named = _NAMED.match(text)
    if named is None or len(named["name"]) > MAX_NAME_LENGTH or _SENTENCE_END.search(named["name"]):
        return None
    if below is None or below_is_attribution or fold(below) in _SECTION_BY_KEY:
        return None
    return named["name"].strip(" ,;:")


def _is_boilerplate(key: str) -> bool:
    return any(key.startswith(sentence) for sentence in _BOILERPLATE)


def _starts_film(lines: list[_Line], index: int) -> bool:
    """A second title line starts another film only when an intro follows, so a fact that happens
    to end in "behind the scenes" stays a fact."""
    following = lines[index + 1 : index + 1 + _FILM_LOOKAHEAD]
    return any(_INTRO.match(line.text) for line in following)


def _first_extra(lines: list[_Line], start: int, stop: int) -> int | None:
    """The first line after a title that is not picture, "Making" or AKA furniture: where an intro was due."""
    for line in lines[start:stop]:
        furniture = line.text.lower().endswith(" picture") or _MAKING.match(line.text) or _AKA.match(line.text)
        if line.text and not furniture:
            return line.number
    return None


def _skip_blank(lines: list[_Line], index: int) -> int:
    while index < len(lines) and not lines[index].text:
        index += 1
    return index


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
