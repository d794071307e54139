"""Masking a fact for the "Which film?" quiz: the film's title, its AKA titles and its year are hidden.

Pure text work (no discord, no I/O). The rules, chosen so the question never gives the answer away:

- A whole title (or alias) written in the text, in any case, with or without its leading article
  ("The Mask", "mask"), spelt with spaces or joined ("Spider-Man", "Spiderman"), becomes one mask, so the
  number of its words is not shown either. A possessive keeps its ending: "Mask's" -> "▒▒▒'s".
- Every significant word of a title is masked wherever it stands alone ("Rocky" in "Rocky Dennis" for a
  film called "Rocky"), with a plural or possessive ending. Small words ("the", "of", "it") are masked only
  inside a whole title, unless the title has no other words ("It", "Us"): then they are masked everywhere.
- The year is masked as "1985" and as "'85".
- `still_names` is a stricter second look: a fact whose masked text still carries a title word inside
  another word ("Maskmaker") or the joined title is never asked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.trivia.text import fold

MASK = "▒▒▒"
# Words too common to mask on their own; inside a whole title they are masked with it.
_SMALL = "a an the of and or to in on at for with from by is it its be as up out no not my your his her we us our me i"
SMALL_WORDS = frozenset(_SMALL.split(" "))
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$", re.IGNORECASE)
_GAP = re.compile(r"^[\s\-–—:,.&+*/]*$")  # what may stand between two words of one written title
_JOIN = re.compile(r"^[\s\-–—]*$")  # two masks this close read as one
_ARTICLES = ("the", "a", "an")
_SUBSTRING_MIN = 4  # a title word this long is not allowed even inside another word


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    key: str  # folded, possessive ending removed
    suffix: str  # the possessive ending as written ("'s", "’s", "'") or ""


def _tokens(text: str) -> list[_Token]:
    found = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        possessive = _POSSESSIVE.search(word) if len(word) > 2 else None
        suffix = possessive.group(0) if possessive else ""
        core = word[: len(word) - len(suffix)]
        found.append(_Token(match.start(), match.end(), fold(core), suffix))
    return found


def _words(title: str) -> list[str]:
    """A title's words, read exactly as the fact's words are ("Bueller's" -> "bueller")."""
    return [t.key for t in _tokens(title) if t.key]


@dataclass(frozen=True, slots=True)
class TitleWords:
    """What of one film must not show: its titles as word sequences, their words, and its year."""

    phrases: tuple[tuple[str, ...], ...]
    significant: frozenset[str]
    everywhere_small: frozenset[str]
    joined: frozenset[str]
    year: int | None

    @classmethod
    def of(cls, title: str, year: int | None, aliases: Iterable[str] = ()) -> TitleWords:
        phrases: set[tuple[str, ...]] = set()
        significant: set[str] = set()
        small_titles: set[str] = set()
        joined: set[str] = set()
        for name in (title, *aliases):
            moved = re.match(r"^(?P<title>.+),\s*(?P<article>the|a|an)$", name.strip(), re.IGNORECASE)
            if moved:
                name = f"{moved['article']} {moved['title']}"
            words = _words(name)
            if not words:
                continue
            phrases.add(tuple(words))
            if len(words) > 1 and words[0] in _ARTICLES:
                phrases.add(tuple(words[1:]))
            big = [w for w in words if w not in SMALL_WORDS and not (len(w) == 1 and w.isalpha())]
            if big:
                significant.update(big)
            else:
                small_titles.update(words)
            if len(words) > 1:
                joined.add("".join(words))
                if words[0] in _ARTICLES:
                    joined.add("".join(words[1:]))
        return cls(
            tuple(sorted(phrases, key=len, reverse=True)),
            frozenset(significant),
            frozenset(small_titles),
            frozenset(j for j in joined if len(j) > 2),
            year,
        )

    def word_matches(self, key: str) -> bool:
        """A lone word that gives the film away: a title word, its plural, or the joined title."""
        for candidate in (key, key[:-1] if key.endswith("s") else None, key[:-2] if key.endswith("es") else None):
            if candidate and (candidate in self.significant or candidate in self.joined):
                return True
        return key in self.everywhere_small or (self.year is not None and key == str(self.year))


def mask_fact(text: str, title: str, year: int | None, aliases: Iterable[str] = ()) -> str:
    """The fact with the film's titles, their words and its year masked (see the module's rules)."""
    return mask_with(text, TitleWords.of(title, year, aliases))


def mask_with(text: str, words: TitleWords) -> str:
    tokens = _tokens(text)
    spans: list[tuple[int, int, str]] = []  # (start, end, suffix kept after the mask)
    i = 0
    while i < len(tokens):
        matched = _phrase_at(text, tokens, i, words.phrases)
        if matched:
            last = tokens[i + matched - 1]
            spans.append((tokens[i].start, last.end, last.suffix))
            i += matched
            continue
        token = tokens[i]
        if words.word_matches(token.key):
            spans.append((token.start, token.end, token.suffix))
        i += 1
    if words.year is not None:
        short = f"{words.year % 100:02d}"
        for match in re.finditer(rf"['’]{short}\b", text):
            spans.append((match.start(), match.end(), ""))
    return _apply(text, spans)


def _phrase_at(text: str, tokens: Sequence[_Token], i: int, phrases: Sequence[tuple[str, ...]]) -> int:
    """How many tokens from i spell a whole title (longest first), written with only spaces or
    punctuation between its words; 0 if none."""
    for phrase in phrases:
        n = len(phrase)
        if n < 2 or i + n > len(tokens):
            continue
        window = tokens[i : i + n]
        if tuple(t.key for t in window) != phrase:
            continue
        if all(_GAP.match(text[a.end : b.start]) for a, b in itertools.pairwise(window)):
            return n
    return 0


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    position = 0
    for start, end, suffix in spans:
        if start < position:
            continue  # overlaps a span already masked
        between = text[position:start]
        if out and out[-1].startswith(MASK) and not out[-1].endswith(("'s", "’s", "'", "’")) and _JOIN.match(between):
            # Two masks side by side read as one: the number of hidden words is not shown.
            position = end
            out[-1] = MASK + suffix
            continue
        out.append(between)
        out.append(MASK + suffix)
        position = end
    out.append(text[position:])
    return "".join(out)


def still_names(masked: str, words: TitleWords) -> bool:
    """True when the masked text still gives the film away: a title word, its joined form or the year
    left whole, or a long title word inside another word ("Maskmaker"). Such facts are never asked."""
    plain = masked.replace(MASK, " ")
    long_words = [w for w in (*words.significant, *words.joined) if len(w) >= _SUBSTRING_MIN]
    for token in _tokens(plain):
        if words.word_matches(token.key):
            return True
        glued = token.key.replace(" ", "")
        if any(word in glued for word in long_words):
            return True
    folded = fold(plain)
    if words.year is not None and str(words.year) in folded:
        return True
    return any(len(p) > 1 and f" {' '.join(p)} " in f" {folded} " for p in words.phrases)


def askable(text: str, title: str, year: int | None, aliases: Iterable[str] = ()) -> str | None:
    """The masked question, or None when masking cannot hide the film (such a fact is skipped)."""
    words = TitleWords.of(title, year, aliases)
    masked = mask_with(text, words)
    if not masked.strip():
        return None
    return None if still_names(masked, words) else masked
