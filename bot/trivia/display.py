"""What a fact looks like to a member: the same card for the Discord embed and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from bot.trivia.records import ARCHIVE_CREDIT
from bot.trivia.text import film_label


def credit_text(credit: str | None, *, imported: bool = True) -> str | None:
    """How a credit reads under a fact: a member's or a page's contributor, the site's archive, or
    nothing at all for an uncredited fact (no "unknown" noise under it). Only an imported fact can be the
    archive's: a member who calls themselves "Rewind Archive" is still a member."""
    if not credit:
        return None
    if credit == ARCHIVE_CREDIT and imported:
        return "From the Rewind Archive"
    return f"Contributed by {credit}"


@dataclass(frozen=True, slots=True)
class FactCard:
    film_id: int
    film_title: str
    film_year: int | None
    fact_id: int
    text: str
    section: str
    credit: str | None
    source: str | None
    position: int  # 1-based among the facts visible where it is shown
    total: int
    imported: bool = True  # from a page or file; False: a member's approved submission
    spoiler: bool = False  # shown behind spoiler markup, with a note saying so

    @property
    def film_label(self) -> str:
        return film_label(self.film_title, self.film_year)

    @property
    def credit_line(self) -> str | None:
        return credit_text(self.credit, imported=self.imported)

    @property
    def counter(self) -> str:
        return f"fact {self.position} of {self.total}"


def render_text(card: FactCard) -> str:
    text = f"[Spoiler] {card.text}" if card.spoiler else card.text
    lines = [card.film_label, f"[{card.section}] {text}"]
    if card.credit_line:
        lines.append(card.credit_line)
    if card.source:
        lines.append(f"Source: {card.source}")
    lines.append(card.counter)
    return "\n".join(lines)
