"""Text clean-up shared by every import format and by title matching."""

from __future__ import annotations

import html
import re
import unicodedata
from html.entities import html5

_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SPACE = re.compile(r"\s+")
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


def clean_line(text: str) -> str:
    """One display line: entities decoded, invisible characters dropped, runs of white space folded."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", unescape_entities(text))).strip()


def fold(text: str) -> str:
    """A comparison key: case, accents, punctuation and spacing do not make two texts different."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[\W_]+", " ", stripped.casefold())
    return _SPACE.sub(" ", words).strip()
