"""Rows as dataclasses, so nothing above the store ever sees a cursor or a column name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Film:
    id: int
    title: str
    year: int | None
    genre: str
    cast: str

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True, slots=True)
class Fact:
    id: int
    film_id: int
    text: str
    section: str
    credit: str | None
    source: str | None
    origin: str
    guild_id: int | None
    spoiler: bool = False  # in the guild it was read for (its own flag, or that guild's mark)


@dataclass(frozen=True, slots=True)
class FilmFacts:
    film: Film
    facts: list[Fact]
    seen: set[int]  # facts the channel was shown this cycle
    last_shown: int | None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    films_added: int = 0
    films_existing: int = 0
    facts_added: int = 0
    facts_skipped: int = 0
    facts_updated: int = 0  # already present: corrected by a new reading of their page, or a gap filled
    facts_removed: int = 0  # no longer on the page they were read from (or folded into a fact's paragraphs)

    def __add__(self, other: ImportSummary) -> ImportSummary:
        return ImportSummary(
            self.films_added + other.films_added,
            self.films_existing + other.films_existing,
            self.facts_added + other.facts_added,
            self.facts_skipped + other.facts_skipped,
            self.facts_updated + other.facts_updated,
            self.facts_removed + other.facts_removed,
        )

    def describe(self) -> str:
        text = (
            f"films: {self.films_added} added, {self.films_existing} already present; "
            f"facts: {self.facts_added} added, {self.facts_skipped} skipped (already present)"
        )
        if self.facts_updated or self.facts_removed:
            text += f"; {self.facts_updated} updated, {self.facts_removed} removed (no longer on their page)"
        return text


@dataclass(frozen=True, slots=True)
class CatalogStats:
    films: int
    facts: int
    global_facts: int
    guild_facts: int
    films_without_facts: int
