"""A synthetic catalog with the shape of a real one, for benchmarks.

    .venv/bin/python -m tests.support.catalog --films 100000 --facts 1000000 --out var/bench

Titles share words, carry articles and accents, and some are remakes (same title, other year), so title
resolution meets what it meets in real catalogs. Writes `catalog.json` (the import format) and, with
`--pages N`, the first N films again as "Making Of" pages in `pages/`, for the page parser's throughput.
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

from bot.trivia.titles import normalise_title

WORDS = (  # noqa: SIM905 - a paragraph of words reads better than a list of strings
    "night day dark light love war city dragon river storm king queen ghost shadow road home star moon "
    "sun blood iron glass silver golden last first lost hidden secret broken wild silent black white red "
    "blue summer winter spring autumn heart mind soul dream house garden island mountain ocean desert "
    "forest train station hotel café señor amélie zoë niño façade déjà vu über crème brûlée naïve piñata "
    "mañana return rise fall escape revenge journey legend story man woman girl boy child family brothers "
    "sisters mask runner killer hunter thief spy doctor captain soldier stranger angel devil witch wolf "
    "tiger eagle fire ice rain wind thunder echo mirror door window bridge tower castle street alley "
    "harbor empire"
).split()
ARTICLES = ("The", "A", "An", "")
SUFFIXES = ("", "", "", "", " II", " 2", " Part III", ": Reloaded", ": The Beginning", " Returns")
GENRES = ("Drama", "Comedy", "Horror", "Science Fiction", "Action", "Romance", "Thriller", "Documentary")
SECTIONS = ("Behind The Scenes",) * 6 + ("Deleted Scenes", "Alternate Versions")
NAMES = ("Dominic", "Brian", "Michele L. V.", "politeintruder", 'Jeremy "Joker" Brent', "Ana", "Søren", "李雷")
VERBS = ("was filmed", "was rewritten", "was improvised", "nearly cut", "was shot at night", "took 40 takes")


def titles(rng: random.Random, count: int) -> Iterator[tuple[str, int]]:
    """Distinct by the catalog's own identity (normalised title and year), so every film is new."""
    seen: set[tuple[str, int]] = set()
    made: list[str] = []
    while len(seen) < count:
        if made and rng.random() < 0.08:  # a remake: an earlier title, another year
            title = rng.choice(made)
        else:
            words = " ".join(w.capitalize() for w in rng.sample(WORDS, rng.choice((1, 2, 2, 3, 3, 4))))
            article = rng.choice(ARTICLES)
            title = f"{article} {words}".strip() + rng.choice(SUFFIXES)
            made.append(title)
        year = rng.randint(1920, 2025)
        key = (normalise_title(title), year)
        if key not in seen:
            seen.add(key)
            yield title, year


def fact_text(rng: random.Random, title: str, number: int) -> str:
    a, b, c = rng.sample(WORDS, 3)
    return (
        f"The {a} scene in {title} {rng.choice(VERBS)} because the {b} crew wanted more {c}; "
        f"fact {number} was told by someone who was there in {rng.randint(1920, 2025)}."
    )


def build(films: int, facts: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    per_film = [facts // films] * films
    for extra in range(facts - sum(per_film)):
        per_film[extra % films] += 1
    catalog = []
    for (title, year), count in zip(titles(rng, films), per_film, strict=True):
        catalog.append(
            {
                "title": title,
                "year": year,
                "genre": rng.choice(GENRES),
                "cast": ", ".join(rng.sample(("Cher", "Eric Stoltz", "Sam Elliott", "Laura Dern", "Zoë Kravitz"), 2)),
                "facts": [
                    {
                        "text": fact_text(rng, title, n),
                        "section": rng.choice(SECTIONS),
                        "credit": rng.choice(NAMES) if rng.random() < 0.8 else None,
                    }
                    for n in range(count)
                ],
            }
        )
    return catalog


def to_page(film: dict) -> str:
    lines = ["Making Of...", "", f"{film['title']} Behind The Scenes", "", f"{film['title']} Picture"]
    lines.append(
        "Go behind the scenes and learn what went on during the making of the "
        f"{film['year']} {film['genre']} movie starring {film['cast']} et al."
    )
    section = "Behind The Scenes"
    for fact in sorted(film["facts"], key=lambda f: SECTIONS.index(f["section"])):
        if fact["section"] != section:
            section = fact["section"]
            lines += [section, "This line is the site's boilerplate for the section."]
        if fact["credit"]:  # as on the site: the attribution stands above the fact it credits
            lines.append(f"Contributed by: {fact['credit']}")
        lines.append(fact["text"].replace('"', "&quot;"))
    return "\n".join(lines) + "\n"


def write(out: Path, films: int, facts: int, pages: int = 0, seed: int = 1) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    catalog = build(films, facts, seed)
    path = out / "catalog.json"
    path.write_text(json.dumps({"format": "film-trivia", "version": 1, "films": catalog}, ensure_ascii=False))
    if pages:
        folder = out / "pages"
        folder.mkdir(exist_ok=True)
        for number, film in enumerate(catalog[:pages]):
            (folder / f"{number:06d}.txt").write_text(to_page(film), encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    print(write(args.out, args.films, args.facts, args.pages, args.seed))
