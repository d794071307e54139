"""Title resolution: how whatever a member types ("msk", "The Mask (1994)", "mask 1985") becomes one film.

Kept in memory and rebuilt from the store when films change, because autocomplete runs on every
keystroke and must answer in a few milliseconds.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.trivia.errors import AmbiguousFilm, FilmNotFound, InvalidQuery
from bot.trivia.text import clean_line, fold

MAX_QUERY_LENGTH = 200
AUTOCOMPLETE_LIMIT = 25
# A typo is accepted without asking when it is this close to one title (OSA counts a swapped pair of
# letters as one edit, so "maks" -> "mask" scores like "msk" -> "mask")...
ACCEPT_SCORE = 72.0
# ...and this much closer than the next different film, so "mash" never silently becomes "mask".
ACCEPT_MARGIN = 8.0
SUGGEST_SCORE = 60.0
YEAR_MISMATCH_PENALTY = 2 * ACCEPT_MARGIN
_ARTICLES = ("the", "a", "an")
_TRAILING_ARTICLE = re.compile(r"^(?P<title>.+),\s*(?P<article>the|a|an)$", re.IGNORECASE)
_PAREN_YEAR = re.compile(r"^(?P<title>.*?)\s*[\(\[]\s*(?P<year>\d{4})\s*[\)\]]$")
_BARE_YEAR = re.compile(r"^(?P<title>.*\S)\s+(?P<year>\d{4})$")


def _article_first(title: str) -> str:
    text = clean_line(title)
    moved = _TRAILING_ARTICLE.match(text)
    return f"{moved['article']} {moved['title']}" if moved else text


def _drop_article(key: str) -> str:
    words = key.split(" ")
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def normalise_title(title: str) -> str:
    """The identity of a title: "The Mask", "Mask, The" and "mask!" are the same film name."""
    return _drop_article(fold(_article_first(title)))


def literal_key(title: str) -> str:
    return fold(_article_first(title))


def title_keys(title: str) -> list[str]:
    """Every key a title is found by: punctuation read as a space ("spider man") and as nothing
    ("spiderman", "M*A*S*H" -> "mash"), since members type either."""
    spaced = normalise_title(title)
    joined = _drop_article(fold(re.sub(r"[^\w\s]+", "", _article_first(title))))
    return [spaced] if joined == spaced or not joined else [spaced, joined]


@dataclass(frozen=True, slots=True)
class TitleEntry:
    film_id: int
    title: str
    year: int | None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way to read a query: the whole text as a title, or a title followed by a year."""

    key: str
    year: int | None
    literal: str  # the title as typed, article kept: "the mask" is The Mask before it is Mask


def _readings(query: str) -> list[_Reading]:
    readings: list[_Reading] = []
    paren = _PAREN_YEAR.match(query)
    if paren and paren["title"]:
        literal = literal_key(paren["title"])
        readings.extend(_Reading(key, int(paren["year"]), literal) for key in title_keys(paren["title"]))
    readings.extend(_Reading(key, None, literal_key(query)) for key in title_keys(query))
    bare = _BARE_YEAR.match(query)
    if bare and not paren:
        # "blade runner 2049" is a title; "mask 1985" is a title and a year. Whole-title wins.
        literal = literal_key(bare["title"])
        readings.extend(_Reading(key, int(bare["year"]), literal) for key in title_keys(bare["title"]))
    return [r for r in readings if r.key]


def _typo_score(query: str, choice: str, **_: object) -> float:
    return max(fuzz.ratio(query, choice), OSA.normalized_similarity(query, choice) * 100.0)


class TitleIndex:
    """Every film name and alias, keyed by its normalised form."""

    def __init__(self, films: Iterable[tuple[int, str, int | None, Sequence[str]]] = ()) -> None:
        self._by_key: dict[str, list[TitleEntry]] = {}
        self._by_literal: dict[str, list[TitleEntry]] = {}
        for film_id, title, year, aliases in films:
            entry = TitleEntry(film_id, title, year)
            for name in (title, *aliases):
                self._by_literal.setdefault(literal_key(name), []).append(entry)
                for key in title_keys(name):
                    bucket = self._by_key.setdefault(key, [])
                    if entry not in bucket:
                        bucket.append(entry)
        for bucket in self._by_key.values():
            bucket.sort(key=lambda e: (e.year or 0, e.film_id))
        self._keys: list[str] = sorted(self._by_key)

    def __len__(self) -> int:
        return len({e.film_id for bucket in self._by_key.values() for e in bucket})

    def resolve(self, query: str) -> TitleEntry:
        """One film, or a domain error that says what was meant or what to type instead."""
        text = clean_line(query)
        if not text:
            raise InvalidQuery("Type a film title, for example `/trivia film:Mask`.")
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidQuery(f"That title is too long ({len(text)} characters); film titles are shorter.")
        readings = _readings(text)
        if not readings:
            raise FilmNotFound(text, [])

        for reading in readings:
            found = self._exact(reading, text)
            if found is not None:
                return found

        return self._fuzzy(readings, text)

    def _exact(self, reading: _Reading, query: str) -> TitleEntry | None:
        bucket = self._by_key.get(reading.key)
        if not bucket:
            return None
        literal = [e for e in self._by_literal.get(reading.literal, ()) if reading.year in (None, e.year)]
        if len(_distinct(literal)) == 1:
            return literal[0]
        if reading.year is not None:
            same_year = [e for e in bucket if e.year == reading.year]
            return same_year[0] if same_year else None
        films = _distinct(bucket)
        if len(films) == 1:
            return films[0]
        raise AmbiguousFilm(query, [e.label for e in films])

    def _fuzzy(self, readings: list[_Reading], query: str) -> TitleEntry:
        ranked: list[tuple[float, TitleEntry]] = []
        for reading in readings:
            for key, score, _ in process.extract(
                reading.key, self._keys, scorer=_typo_score, limit=8, score_cutoff=SUGGEST_SCORE
            ):
                for entry in self._by_key[key]:
                    # A year the member typed outweighs a letter or two of the title.
                    penalty = YEAR_MISMATCH_PENALTY if reading.year not in (None, entry.year) else 0.0
                    ranked.append((score - penalty, entry))
        ranked.sort(key=lambda pair: (-pair[0], pair[1].year or 0, pair[1].film_id))
        films: list[tuple[float, TitleEntry]] = []
        seen: set[int] = set()
        for score, entry in ranked:
            if entry.film_id not in seen:
                seen.add(entry.film_id)
                films.append((score, entry))
        if films and films[0][0] >= ACCEPT_SCORE:
            runner_up = films[1][0] if len(films) > 1 else 0.0
            if films[0][0] - runner_up >= ACCEPT_MARGIN:
                return films[0][1]
        suggestions = [entry.label for _, entry in films[:5]]
        if not suggestions:
            suggestions = [e.label for e in self.suggest(query, limit=3)]
        raise FilmNotFound(query, suggestions)

    def suggest(self, query: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[TitleEntry]:
        """Autocomplete: exact and prefix matches first (what the member is visibly typing), then fuzzy."""
        limit = max(0, min(limit, AUTOCOMPLETE_LIMIT))
        text = clean_line(query)[:MAX_QUERY_LENGTH]
        out: list[TitleEntry] = []
        seen: set[int] = set()

        def take(entries: Iterable[TitleEntry], year: int | None = None) -> None:
            for entry in entries:
                if len(out) >= limit:
                    return
                if entry.film_id in seen or (year is not None and entry.year != year):
                    continue
                seen.add(entry.film_id)
                out.append(entry)

        if not text:
            take(e for key in self._keys for e in self._by_key[key])
            return out

        readings = _readings(text)
        for reading in readings:
            take(self._by_key.get(reading.key, ()), reading.year)
        for reading in readings:
            take(self._prefixed(reading.key), reading.year)
        if len(out) < limit and readings:
            matches = process.extract(
                readings[0].key, self._keys, scorer=fuzz.WRatio, limit=limit, score_cutoff=SUGGEST_SCORE
            )
            take(e for key, _, _ in matches for e in self._by_key[key])
        return out

    def _prefixed(self, key: str, scan: int = 400) -> list[TitleEntry]:
        start = bisect.bisect_left(self._keys, key)
        keys: list[str] = []
        for candidate in self._keys[start : start + scan]:
            if not candidate.startswith(key):
                break
            keys.append(candidate)
        keys.sort(key=lambda k: (len(k), k))
        return [e for k in keys for e in self._by_key[k]]


def _distinct(entries: Iterable[TitleEntry]) -> list[TitleEntry]:
    seen: set[int] = set()
    out = []
    for entry in entries:
        if entry.film_id not in seen:
            seen.add(entry.film_id)
            out.append(entry)
    return out
