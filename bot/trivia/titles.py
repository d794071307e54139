"""Title resolution: how whatever a member types ("msk", "The Mask (1994)", "mask 1985") becomes one film.

Kept in memory and rebuilt from the store when films change, because autocomplete runs on every
keystroke and must answer in a few milliseconds.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rapidfuzz import fuzz, process

from bot.trivia.errors import AmbiguousFilm, FilmNotFound, InvalidQuery
from bot.trivia.text import clean_line, film_label, fold
from bot.trivia.typos import is_typo_of

MAX_QUERY_LENGTH = 200
AUTOCOMPLETE_LIMIT = 25
AUTOCOMPLETE_FUZZY_BELOW = 5  # close spellings are offered only while what was typed matches little
# A typo is accepted without asking when it is this close to one title (a swapped pair of letters,
# "maks" -> "mask", is scored as one edit)...
ACCEPT_SCORE = 72.0
# ...and this much closer than the next different film, so "mash" never silently becomes "mask".
ACCEPT_MARGIN = 8.0
SUGGEST_SCORE = 60.0
YEAR_MISMATCH_PENALTY = 2 * ACCEPT_MARGIN
_ARTICLES = ("the", "a", "an")
_TRAILING_ARTICLE = re.compile(r"^(?P<title>.+),\s*(?P<article>the|a|an)$", re.IGNORECASE)
_PAREN_YEAR = re.compile(r"^(?P<title>.*?)\s*[\(\[]\s*(?P<year>\d{4})\s*[\)\]]$")
_WORD_START = re.compile(r"\b\w")
_BARE_YEAR = re.compile(r"^(?P<title>.*\S)\s+(?P<year>\d{4})$")
_PUNCTUATION = re.compile(r"[^\w\s]+")
T = TypeVar("T")
SORT_RUN = 4096  # items sorted by one C call while an index is built; see _sorted_in_runs


def split_title_year(text: str) -> tuple[str, int | None]:
    """ "Zardoz (1974)" is the title Zardoz and the year 1974: what people type and paste, split so the year
    never becomes part of a title ("Zardoz (1974) (1974)"). Whether the year is a film year is the caller's
    check (a proposal's form validates it)."""
    match = _PAREN_YEAR.match(text.strip())
    if match and match["title"].strip():
        return match["title"].strip(), int(match["year"])
    return text, None


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
    return _keys_and_literal(title)[0]


def _keys_and_literal(title: str) -> tuple[list[str], str]:
    """title_keys and literal_key together, sharing the clean-up and folding they both need."""
    first = _article_first(title)
    literal = fold(first)
    spaced = _drop_article(literal)
    if not _PUNCTUATION.search(first):
        return [spaced], literal
    joined = _drop_article(fold(_PUNCTUATION.sub("", first)))
    return ([spaced] if joined == spaced or not joined else [spaced, joined]), literal


@dataclass(frozen=True, slots=True)
class TitleEntry:
    film_id: int
    title: str
    year: int | None

    @property
    def label(self) -> str:
        return film_label(self.title, self.year)


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way to read a query: the whole text as a title, or a title followed by a year."""

    key: str
    year: int | None
    literal: str  # the title as typed, article kept: "the mask" is The Mask before it is Mask


def _iter_readings(query: str) -> Iterator[_Reading]:
    """Most likely reading first, worked out only when asked for: "Title (Year)", what autocomplete
    sends, is settled by the first one."""
    paren = _PAREN_YEAR.match(query)
    if paren and paren["title"]:
        keys, literal = _keys_and_literal(paren["title"])
        yield from (_Reading(key, int(paren["year"]), literal) for key in keys if key)
    keys, literal = _keys_and_literal(query)
    yield from (_Reading(key, None, literal) for key in keys if key)
    bare = _BARE_YEAR.match(query)
    if bare and not paren:
        # "blade runner 2049" is a title; "mask 1985" is a title and a year. Whole-title wins.
        keys, literal = _keys_and_literal(bare["title"])
        yield from (_Reading(key, int(bare["year"]), literal) for key in keys if key)


def _readings(query: str) -> list[_Reading]:
    return list(_iter_readings(query))


def reading_keys(query: str) -> list[str]:
    """The normalised titles a query can mean, as the store keeps them (films.norm_title): what a
    lookup asks the store directly while the index is being rebuilt."""
    return list(dict.fromkeys(reading.key for reading in _iter_readings(clean_line(query)[:MAX_QUERY_LENGTH])))


def _sorted_in_runs(items: list[T], key: Callable[[T], str] | None = None) -> list[T]:
    """sorted(), in short runs merged in Python. The index is built in a worker thread while the
    event loop serves; one sort of 200,000 strings is a single C call that holds the GIL for about
    100 ms, a stall for every coroutine. Runs of a few thousand keep each hold around a millisecond."""
    runs = [sorted(items[i : i + SORT_RUN], key=key) for i in range(0, len(items), SORT_RUN)]  # type: ignore[arg-type]
    return runs[0] if len(runs) == 1 else list(heapq.merge(*runs, key=key))


def _drain(container: list[Any] | dict[Any, Any]) -> None:
    """Empties a big list or dict a few thousand items at a time. Freeing 200,000 objects in one go
    (what dropping the last reference does) is a single C call that holds the GIL for 20-50 ms,
    stalling the event loop from whichever thread drops it; in runs, each hold is well under one."""
    if isinstance(container, list):
        while container:
            del container[-SORT_RUN:]
        return
    while container:
        for _ in range(min(SORT_RUN, len(container))):
            container.popitem()


def _running_totals(lengths: Iterable[int]) -> array[int]:
    """Where each title ends in the joined text, built a run at a time: one C call over 200,000
    items would hold the GIL for its whole length."""
    out: array[int] = array("Q")
    items = list(lengths)
    total = 0
    for i in range(0, len(items), SORT_RUN):
        run = list(itertools.accumulate(items[i : i + SORT_RUN], initial=total))
        out.extend(run[1:])
        total = run[-1]
    return out


def _lengths(typed: int, cutoff: float) -> tuple[int, int]:
    """The key lengths that can score `cutoff` against a key of `typed` characters with fuzz.ratio, a
    character or so wider each way (a margin for rounding). The ratio is 100 * (1 - d / (a + b)) for
    Indel distance d, which is at least the difference in length |a - b|; so a key of length n scores
    at most 200 * min(typed, n) / (typed + n)."""
    shortest = int(typed * cutoff / (200 - cutoff))
    longest = -int(-typed * (200 - cutoff) // cutoff) + 1
    return max(shortest - 1, 0), longest


def _typo_variants(key: str) -> list[str]:
    """Every adjacent swap ("maks" -> "mask"): the commonest typo, which plain edit ratios score as two
    edits. Looked up exactly, so catching them costs a few dictionary probes, not a scan."""
    if len(key) > 24:
        return []
    return [key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1) if key[i] != key[i + 1]]


class TitleIndex:
    """Every film name and alias, keyed by its normalised form, built for a keystroke-speed answer
    at 100,000 films: exact and prefix lookups by bisection, swaps by dictionary probes, and one
    native rapidfuzz pass only when those find nothing. Films are kept in parallel arrays rather
    than one object each, to keep the index small."""

    def __init__(self, films: Iterable[tuple[int, str, int | None, Sequence[str]]] = ()) -> None:
        self._visible: Callable[[int], bool] | None = None  # set only for the length of one *_visible call
        self._ids: array[int] = array("q")
        self._years: array[int] = array("H")  # 0: unknown
        titles: list[str] = []
        buckets: dict[str, list[int]] = {}
        for film_id, title, year, aliases in films:
            index = len(titles)
            self._ids.append(film_id)
            self._years.append(year or 0)
            titles.append(title)
            for name in (title, *aliases):
                for key in title_keys(name):
                    bucket = buckets.setdefault(key, [])
                    if not bucket or bucket[-1] != index:
                        bucket.append(index)
        # A list, not a tuple, so `release` can free it in runs (it is frozen from the collector's
        # sight once built: see TriviaService._collector_paused).
        self._keys: list[str] = _sorted_in_runs(list(buckets))
        # key -> one film index, or ~n for the n-th of `_shared`, films sharing the key ordered by year:
        # most keys name a single film. Ints only, so the garbage collector never walks this dict.
        self._by_key: dict[str, int] = {}
        self._shared: list[tuple[int, ...]] = []
        for key, bucket in buckets.items():
            if len(bucket) == 1:
                self._by_key[key] = bucket[0]
            else:
                bucket.sort(key=lambda i: (self._years[i], self._ids[i]))
                self._by_key[key] = ~len(self._shared)
                self._shared.append(tuple(bucket))
        _drain(buckets)
        # Word starts after the first ("runner" in "blade runner"), as key index << 8 | offset,
        # sorted by the text from there on, so a typed later word is found by bisection too.
        starts = array("Q")
        for number, key in enumerate(self._keys):
            for match in _WORD_START.finditer(key):
                if 0 < match.start() < 256:
                    starts.append(number << 8 | match.start())
        by_suffix = _sorted_in_runs(starts.tolist(), key=self._suffix)
        self._word_starts = array("Q")
        for i in range(0, len(by_suffix), SORT_RUN):
            self._word_starts.extend(by_suffix[i : i + SORT_RUN])
        _drain(by_suffix)
        # Keys by their first and by their second character. Nearly every typo keeps one of a title's
        # first two letters in place, so fuzzy matching scans a few of these small runs, not all keys.
        # Each run is ordered by length (alphabetically within a length): a close spelling cannot be
        # much shorter or longer than what was typed, so only a slice of each run is scanned (see
        # `_lengths`). Five typed letters are compared with keys of 1 to 13 letters, not all of them.
        # Tuples, so a scan's keys are one slice (a gather by position costs more than scoring them).
        # The collector's first look at a tuple visits every key in it with the GIL held, ~5 ms per
        # 100,000 at the collection after a rebuild; each big tuple is looked at as soon as it is made,
        # here in the worker thread, so that cost comes in pieces of a few ms, not in one stall.
        by_first: dict[str, dict[int, list[str]]] = {}
        by_second: dict[str, dict[int, list[str]]] = {}
        for key in self._keys:
            by_first.setdefault(key[0], {}).setdefault(len(key), []).append(key)
            if len(key) > 1:
                by_second.setdefault(key[1], {}).setdefault(len(key), []).append(key)
        self._by_first: dict[str, tuple[str, ...]] = {}
        self._by_second: dict[str, tuple[str, ...]] = {}
        for runs, groups in ((self._by_first, by_first), (self._by_second, by_second)):
            for char, by_length in groups.items():
                # In key order within a length: alphabetical.
                run = runs[char] = tuple(itertools.chain.from_iterable(by_length[n] for n in sorted(by_length)))
                if len(run) > SORT_RUN:
                    gc.collect(0)  # untracks the tuple: a tuple of strings is never walked again
        _drain(by_first)
        _drain(by_second)
        # Titles as one string and where each ends: nothing for the collector to walk at all.
        self._title_text = "".join("".join(titles[i : i + SORT_RUN]) for i in range(0, len(titles), SORT_RUN))
        self._title_ends = _running_totals(map(len, titles))
        self._count = len(titles)
        _drain(titles)

    def release(self) -> None:
        """Frees this index in runs (see `_drain`), for the one a rebuild replaces: dropped whole, its
        200,000 keys would be freed in one C call holding the GIL for tens of milliseconds."""
        _drain(self._keys)
        _drain(self._by_key)
        _drain(self._shared)
        for runs in (self._by_first, self._by_second):
            for char in list(runs):
                runs.pop(char)  # each a tuple of one letter's keys: tens of thousands at most
        self._word_starts = array("Q")
        self._title_text = ""
        self._title_ends = array("Q")
        self._count = 0

    def _title(self, index: int) -> str:
        return self._title_text[self._title_ends[index - 1] if index else 0 : self._title_ends[index]]

    def _candidates(self, key: str, cutoff: float, *, wide: bool) -> list[str]:
        """Keys a typo of `key` can plausibly be: same first letter; same second letter (first one
        wrong); and, when `wide`, a letter dropped or added at the very start. Of those, only the
        lengths that can score `cutoff` against it."""
        sources = [("first", key[0])]
        if len(key) > 1:
            sources.append(("second", key[1]))
            if wide:
                sources += [("second", key[0]), ("first", key[1])]
        shortest, longest = _lengths(len(key), cutoff)
        out: list[str] = []
        for kind, char in dict.fromkeys(sources):
            run = (self._by_first if kind == "first" else self._by_second).get(char, ())
            start = bisect.bisect_left(run, shortest, key=len)
            out.extend(run[start : bisect.bisect_right(run, longest, lo=start, key=len)])
        return out

    def _close(self, key: str, limit: int, cutoff: float, *, wide: bool) -> list[tuple[str, float]]:
        """The `limit` keys closest to `key` that score at least `cutoff`, best first; among equal
        scores, the order of `_candidates` (shorter keys first)."""
        best: dict[str, float] = {}
        for found, score, _ in process.extract(
            key, self._candidates(key, cutoff, wide=wide), scorer=fuzz.ratio, limit=limit * 2, score_cutoff=cutoff
        ):
            best[found] = max(score, best.get(found, 0.0))
        return sorted(best.items(), key=lambda pair: -pair[1])[:limit]

    def _suffix(self, packed: int) -> str:
        return self._keys[packed >> 8][packed & 0xFF :]

    def __len__(self) -> int:
        return self._count

    def _entry(self, index: int) -> TitleEntry:
        return TitleEntry(self._ids[index], self._title(index), self._years[index] or None)

    def _bucket(self, key: str, year: int | None = None) -> list[TitleEntry]:
        """The films a key names; given a `year`, only those of that year (picked by index before any
        entry is made: a title shared by many films, a remake's, is resolved from "Title (Year)")."""
        found = self._by_key.get(key)
        if found is None:
            return []
        if found >= 0:
            indexes: tuple[int, ...] = (found,)
        else:
            indexes = self._shared[~found]
        if year is not None:  # 0 stands for an unknown year in `_years`: a typed "0000" matches none
            years = self._years
            indexes = tuple(i for i in indexes if years[i] == year) if year else ()
        entries = [self._entry(i) for i in indexes]
        if self._visible is not None:
            entries = [e for e in entries if self._visible(e.film_id)]
        return entries

    def resolve_visible(self, query: str, visible: Callable[[int], bool] | None) -> TitleEntry:
        """`resolve`, seeing only the films `visible` accepts (those with a fact visible in one server)."""
        self._visible = visible  # read by _bucket; these methods never await, so nothing interleaves
        try:
            return self.resolve(query)
        finally:
            self._visible = None

    def suggest_visible(
        self, query: str, visible: Callable[[int], bool] | None, limit: int = AUTOCOMPLETE_LIMIT
    ) -> list[TitleEntry]:
        self._visible = visible
        try:
            return self.suggest(query, limit)
        finally:
            self._visible = None

    def resolve(self, query: str) -> TitleEntry:
        """One film, or a domain error that says what was meant or what to type instead."""
        text = clean_line(query)
        if not text:
            raise InvalidQuery("Type a film title, for example `/trivia film:Mask`.")
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidQuery(f"That title is too long ({len(text)} characters); film titles are shorter.")
        readings: list[_Reading] = []
        for reading in _iter_readings(text):
            found = self._exact(reading, text)
            if found is not None:
                return found
            readings.append(reading)
        if not readings:
            raise FilmNotFound(text, [])
        return self._fuzzy(readings, text)

    def _exact(self, reading: _Reading, query: str) -> TitleEntry | None:
        bucket = self._bucket(reading.key, reading.year)  # every rule below keeps only that year's films
        if len(bucket) < 2:  # none, or the one film every rule below would return (the usual case)
            return bucket[0] if bucket else None
        literal = [e for e in bucket if reading.year in (None, e.year) and literal_key(e.title) == reading.literal]
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
        slips: list[tuple[_Reading, str]] = []  # (reading, a title or alias key it is a slip of)
        for reading in readings:
            scored: dict[str, float] = {}
            for variant in _typo_variants(reading.key):
                if variant in self._by_key:
                    scored[variant] = 100.0 * (1 - 1 / max(len(variant), 2))  # one edit's worth of score
            for key, score in self._close(reading.key, 8, SUGGEST_SCORE, wide=True):
                scored[key] = max(score, scored.get(key, 0.0))
            slips += [(reading, key) for key in scored if is_typo_of(reading.key, key)]
            for key, score in scored.items():
                for entry in self._bucket(key):
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
        accepted = self._typo_of_one_film(slips)
        if accepted is not None:
            return accepted
        suggestions = [entry.label for _, entry in films[:5]]
        if not suggestions:
            suggestions = [e.label for e in self.suggest(query, limit=3)]
        raise FilmNotFound(query, suggestions)

    def _typo_of_one_film(self, slips: list[tuple[_Reading, str]]) -> TitleEntry | None:
        """The one film the query is a slip of (bot/trivia/typos.py), by its title or an alias, or None: a
        different word, or slips of several films, are offered as "did you mean" instead. As with exact
        matches, the title as typed (article kept) settles a tie between "Mask" and "The Mask"."""
        readings = list(dict.fromkeys(reading for reading, _ in slips))
        for reading in readings:
            fits = _distinct(
                entry
                for slip_reading, key in slips
                if slip_reading == reading
                for entry in self._bucket(key)
                if reading.year in (None, entry.year)
            )
            if len(fits) == 1:
                return fits[0]
            literal = [entry for entry in fits if is_typo_of(reading.literal, literal_key(entry.title))]
            if len(literal) == 1:
                return literal[0]
        return None

    def suggest(self, query: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[TitleEntry]:
        """Autocomplete: exact and prefix matches first (what the member is visibly typing), then titles
        with a later word starting so, then close spellings."""
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
            take(e for key in self._keys[: limit * 2] for e in self._bucket(key))
            return out

        readings = _readings(text)
        for reading in readings:
            take(self._bucket(reading.key), reading.year)
        exact = bool(out)
        for reading in readings:
            take(self._prefixed(reading.key), reading.year)
        for reading in readings:
            take(self._word_prefixed(reading.key), reading.year)
        if not exact and len(out) < AUTOCOMPLETE_FUZZY_BELOW and readings:
            key = readings[0].key
            for variant in _typo_variants(key):
                take(self._bucket(variant))
            take(e for found, _ in self._close(key, limit, SUGGEST_SCORE, wide=False) for e in self._bucket(found))
        return out

    def _prefixed(self, key: str, scan: int = 400) -> list[TitleEntry]:
        start = bisect.bisect_left(self._keys, key)
        keys: list[str] = []
        for candidate in self._keys[start : start + scan]:
            if not candidate.startswith(key):
                break
            keys.append(candidate)
        keys.sort(key=lambda k: (len(k), k))
        return [e for k in keys[:AUTOCOMPLETE_LIMIT] for e in self._bucket(k)]

    def _word_prefixed(self, key: str, scan: int = 200) -> list[TitleEntry]:
        start = bisect.bisect_left(self._word_starts, key, key=self._suffix)
        keys: list[str] = []
        for packed in self._word_starts[start : start + scan]:
            if not self._suffix(packed).startswith(key):
                break
            keys.append(self._keys[packed >> 8])
        keys.sort(key=lambda k: (len(k), k))
        return [e for k in keys[:AUTOCOMPLETE_LIMIT] for e in self._bucket(k)]


def _distinct(entries: Iterable[TitleEntry]) -> list[TitleEntry]:
    seen: set[int] = set()
    out = []
    for entry in entries:
        if entry.film_id not in seen:
            seen.add(entry.film_id)
            out.append(entry)
    return out
