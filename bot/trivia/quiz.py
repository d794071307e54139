"""The rules of the "Which film?" quiz: game limits, points, streaks and plausible wrong choices.

Pure: no discord, no I/O. The store and the service apply these; tests read them directly.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.trivia.errors import TriviaError
from bot.trivia.text import film_label, fold

MIN_ROUNDS, MAX_ROUNDS, DEFAULT_ROUNDS = 1, 20, 5
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 10, 120, 30
CHOICES = 4
POINTS_RIGHT = 1  # a right answer
POINTS_FIRST = 1  # the bonus for the first right answer of a round
QUESTION_ATTEMPTS = 40  # facts tried for one round before the game gives up for want of questions
WEEK_SECONDS = 7 * 24 * 3600


class QuizError(TriviaError):
    """A quiz request refused with a reason the member can act on; nothing was changed."""


class NotEnoughFilms(QuizError):
    def __init__(self, found: int) -> None:
        super().__init__(
            f"A quiz needs at least {CHOICES} films with facts in this server; there {'is' if found == 1 else 'are'}"
            f" {found}. Add films: an admin can import pages, JSON or CSV with `python -m bot import FILE`, or"
            " members can submit facts with /trivia-submit (a new film is proposed with its year)."
        )


def points_for(correct: bool, first: bool) -> int:
    return (POINTS_RIGHT if correct else 0) + (POINTS_FIRST if correct and first else 0)


def check_game_size(rounds: int, seconds: int) -> None:
    """Discord enforces the option ranges; this guards every other caller (the CLI, tests, a bad client)."""
    if not MIN_ROUNDS <= rounds <= MAX_ROUNDS:
        raise QuizError(f"A game has {MIN_ROUNDS} to {MAX_ROUNDS} rounds (you asked for {rounds}).")
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise QuizError(f"A round lasts {MIN_SECONDS} to {MAX_SECONDS} seconds (you asked for {seconds}).")


@dataclass(frozen=True, slots=True)
class Streaks:
    current: int
    best: int


def streaks(outcomes: Iterable[bool]) -> Streaks:
    """Right answers in a row, in the order given (a member's answers in one server, oldest first): a
    wrong answer resets the run; a round not answered does not break it."""
    current = best = 0
    for right in outcomes:
        current = current + 1 if right else 0
        best = max(best, current)
    return Streaks(current, best)


@dataclass(frozen=True, slots=True)
class FilmChoice:
    film_id: int
    title: str
    year: int | None
    genre: str

    @property
    def label(self) -> str:
        return film_label(self.title, self.year)

    @property
    def decade(self) -> int | None:
        return self.year // 10 if self.year else None


def _genres(genre: str) -> set[str]:
    return {fold(part) for part in genre.replace(",", "/").split("/") if fold(part)}


def plausibility(answer: FilmChoice, other: FilmChoice) -> int:
    """2: same decade and a shared genre; 1: one of the two; 0: neither."""
    same_decade = answer.decade is not None and answer.decade == other.decade
    same_genre = bool(_genres(answer.genre) & _genres(other.genre))
    return int(same_decade) + int(same_genre)


def choose_decoys(
    answer: FilmChoice, candidates: Sequence[FilmChoice], rng: random.Random, count: int = CHOICES - 1
) -> list[FilmChoice]:
    """Wrong choices that could be right: the most plausible first (same decade and genre, then either),
    at random within a level. Never the film itself, nor two buttons that read the same."""
    seen = {fold(answer.label)}
    pool: dict[int, FilmChoice] = {}
    for film in candidates:
        if film.film_id != answer.film_id and fold(film.label) not in seen:
            pool.setdefault(film.film_id, film)
    ranked = sorted(pool.values(), key=lambda f: (-plausibility(answer, f), rng.random()))
    chosen: list[FilmChoice] = []
    for film in ranked:
        key = fold(film.label)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(film)
        if len(chosen) == count:
            break
    return chosen


def arrange(answer: FilmChoice, decoys: Sequence[FilmChoice], rng: random.Random) -> tuple[list[FilmChoice], int]:
    """The four buttons in a random order, and where the right one landed (kept in the store only)."""
    choices = [answer, *decoys]
    rng.shuffle(choices)
    return choices, choices.index(answer)
