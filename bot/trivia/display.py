"""What a fact looks like to a member: the same card for the Discord embed and the CLI."""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def film_label(self) -> str:
        return f"{self.film_title} ({self.film_year})" if self.film_year else self.film_title

    @property
    def credit_line(self) -> str:
        return f"Contributed by {self.credit}" if self.credit else "Contributor unknown"

    @property
    def counter(self) -> str:
        return f"fact {self.position} of {self.total}"


def render_text(card: FactCard) -> str:
    lines = [card.film_label, f"[{card.section}] {card.text}", card.credit_line]
    if card.source:
        lines.append(f"Source: {card.source}")
    lines.append(card.counter)
    return "\n".join(lines)
