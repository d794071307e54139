"""What an import produces, before it touches the store: films with their facts, in page order."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bot.trivia.text import film_label, fold
from bot.trivia.titles import normalise_title

DEFAULT_SECTION = "Behind The Scenes"
# The credit of facts from the site's own archive (its pages say `Rewind Archive` above them).
ARCHIVE_CREDIT = "Rewind Archive"
MAX_FACT_LENGTH = 4000
MAX_TITLE_LENGTH = 200
MIN_YEAR = 1870
MAX_YEAR = 2100


@dataclass(frozen=True, slots=True)
class FactRecord:
    text: str
    section: str = DEFAULT_SECTION
    credit: str | None = None
    source: str | None = None


@dataclass(slots=True)
class FilmRecord:
    title: str
    year: int | None
    genre: str = ""
    cast: str = ""
    aliases: list[str] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    # The "Making Of" page this film was read from (its file name): that page speaks for its facts, so a
    # new reading of it corrects them in place. None for JSON and CSV, which only ever add.
    page: str | None = None

    @property
    def label(self) -> str:
        return film_label(self.title, self.year)


def fact_hash(title: str, year: int | None, text: str) -> bytes:
    """Stable across re-imports and formats: credit, section and cosmetic differences do not count,
    so the same fact arriving again from a page, JSON or CSV is recognised and skipped."""
    return fact_hash_for(normalise_title(title), year, text)


def fact_hash_for(norm_title: str, year: int | None, text: str) -> bytes:
    """`fact_hash` with the film's normalised title already worked out (once per film, not per fact).
    128 bits of SHA-256: collisions stay out of reach, and the unique index stays half the size."""
    key = f"{norm_title}\x1f{year or 0}\x1f{fold(text)}"
    return hashlib.sha256(key.encode("utf-8")).digest()[:16]
