"""Text clean-up shared by every import format and by title matching."""

from __future__ import annotations

import html
import re
import unicodedata
from html.entities import html5

_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# Zero-width and bidi control characters: invisible, so they only ever serve to make two texts look
# alike while comparing unequal, or to flip how a line reads.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00]")


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#"):
        return html.unescape(match.group(0))
    # Pages from the archive write entities in odd case (`&Quot;`); HTML names are case-sensitive,
    # so try the name as written first (`&Eacute;` differs from `&eacute;`), then lowercase.
    for candidate in (name, name.lower()):
        if f"{candidate};" in html5:
            return html5[f"{candidate};"]
    return match.group(0)


def unescape_entities(text: str) -> str:
    return _ENTITY.sub(_entity, text)


def tidy(text: str) -> str:
    """Text as given (JSON, CSV, members): invisible characters dropped, runs of white space folded.
    Entities are left alone: in those formats "&amp;" is what someone wrote."""
    if (not text.isascii() or "\x00" in text) and _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def film_label(title: str, year: int | None) -> str:
    """How a film is named everywhere (choices, cards, errors, logs): "Title (Year)", or the title alone."""
    return f"{title} ({year})" if year else title


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def tidy_paragraphs(text: str) -> str:
    """`tidy` for a fact's text, which may hold paragraphs: each paragraph tidied, a blank line between
    them kept as exactly "\\n\\n" (how the page reader writes them), so an export imports back unchanged."""
    if "\n" not in text:
        return tidy(text)
    paragraphs = (tidy(part) for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(part for part in paragraphs if part)


def clean_line(text: str) -> str:
    """A line of a "Making Of" page: entities decoded, then tidied."""
    return tidy(unescape_entities(text) if "&" in text else text)


_NON_WORD = re.compile(r"[\W_]+")
# Combining marks left by NFKD ("é" -> "e" + U+0301): every code point Unicode gives a combining class.
_COMBINING = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))) + "]"
)


def fold(text: str) -> str:
    """A comparison key: case, accents, punctuation and spacing do not make two texts different."""
    text = text.replace("&", " and ")
    if not text.isascii():  # most text is ASCII and needs no decomposition at all
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _NON_WORD.sub(" ", text.casefold()).strip()


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """ "1 film", "2 films": counts shown to people read as English."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"
