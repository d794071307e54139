"""When a title that matches no film exactly may be taken as a typo of one, without asking.

People mistype in a few ways, and studies of real misspellings agree on which: most hold one slip per word,
and the slips are two neighbouring letters swapped, a letter dropped, a letter struck twice, or a key next to
the intended one. A different word is not a typo: "Mash" is not "Mask" (and M*A*S*H is a film), "Task",
"Musk" and "Mark" are words of their own. Short words leave no room to tell a slip from another word, so:

- a word's first letter is never wrong: people rarely miss it, and changing it makes most other words
  ("Fargo"/"Cargo", "Brave"/"Grave", "Ghost"/"Host");
- two neighbouring letters swapped: in words of 4 or more letters ("maks" -> "mask");
- a letter dropped or doubled: in words of 6 or more letters, the first two letters kept ("psyco",
  "runer", "gremllins"), since in shorter words it mostly makes another word ("Speed"/"Seed",
  "Glory"/"Gory", "Splash"/"Slash"); a word's last letter only inside a title of several words ("Back to
  the Futur"), since alone it is another word ("Scrooged"/"Scrooge", "Hustler"/"Hustle", "Aliens"/"Alien");
- a letter replaced by a key next to it on a QWERTY keyboard: in words of 6 or more letters, or of 4 or 5
  in a title of 8 or more letters, where the rest of the title carries it ("star warz");
- at most one slip per word; words of 3 letters or fewer, digits and the number of words must match exactly
  (a changed digit is another film: "Rocky 3", "1941").

Anything else may still be offered as "did you mean", but is never answered as if it were that film.
"""

from __future__ import annotations

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
MIN_SWAP = 4
MIN_DROP = 6
MIN_SUBSTITUTE = 6
MIN_SHORT_SUBSTITUTE = 4  # ... in a long title
MIN_TITLE_FOR_SHORT_SUBSTITUTE = 8


def _neighbours() -> dict[str, frozenset[str]]:
    """Keys touching each letter key: same row left and right, and the rows above and below, which are
    staggered by about half a key."""
    where = {key: (row, col) for row, keys in enumerate(_ROWS) for col, key in enumerate(keys)}
    near: dict[str, set[str]] = {key: set() for key in where}
    for key, (row, col) in where.items():
        for other, (row2, col2) in where.items():
            if other != key and (
                (row2 == row and abs(col2 - col) == 1)
                or (row2 == row - 1 and col2 in (col, col + 1))
                or (row2 == row + 1 and col2 in (col - 1, col))
            ):
                near[key].add(other)
    return {key: frozenset(keys) for key, keys in near.items()}


NEIGHBOURS = _neighbours()


def is_typo_of(typed: str, title: str) -> bool:
    """Whether `typed` (a folded title key, as the title index keeps them) is `title` with slips only of
    the kinds above. An exact match is not a typo (the index answers those before asking)."""
    typed_words, title_words = typed.split(" "), title.split(" ")
    if typed == title or len(typed_words) != len(title_words):
        return False
    letters = sum(len(word) for word in title_words)
    several = len(title_words) > 1
    return all(
        a == b or _one_slip(a, b, long_title=letters >= MIN_TITLE_FOR_SHORT_SUBSTITUTE, several_words=several)
        for a, b in zip(typed_words, title_words, strict=True)
    )


def _one_slip(typed: str, word: str, *, long_title: bool, several_words: bool) -> bool:
    if not typed or typed[0] != word[0]:
        return False
    if len(typed) == len(word):
        diff = [i for i in range(len(word)) if typed[i] != word[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and len(word) >= MIN_SWAP:
            i = diff[0]
            return typed[i] == word[i + 1] and typed[i + 1] == word[i] and word[i : i + 2].isalpha()
        substitutable = len(word) >= MIN_SUBSTITUTE or (len(word) >= MIN_SHORT_SUBSTITUTE and long_title)
        if len(diff) == 1 and substitutable:
            return typed[diff[0]] in NEIGHBOURS.get(word[diff[0]], ())
        return False
    if len(word) < MIN_DROP:
        return False
    last_ok = several_words  # a word's last letter alone makes another word: "Scrooge", "Hustle"
    if len(typed) == len(word) - 1:
        return any(
            word[:i] + word[i + 1 :] == typed
            and word[i].isalpha()
            and (i < len(word) - 1 or last_ok)
            and not (i == len(word) - 1 and word[i] == "s")  # a plural's "s": "Aliens" is not "Alien"
            for i in range(2, len(word))
        )
    if len(typed) == len(word) + 1:
        # A letter struck twice: dropping one of a repeated pair gives the word back.
        return any(
            typed[:i] + typed[i + 1 :] == word and typed[i].isalpha() and typed[i] == typed[i - 1]
            for i in range(2, len(typed))
        )
    return False
