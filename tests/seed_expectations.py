"""What the bundled Mask (1985) page must yield, written out by hand from the page (issue #9): on the site an
attribution line comes before the fact it credits, and `Rewind Archive` credits the site's own archive."""

SEED_FACTS: list[tuple[str, str | None]] = [
    ("The completely convincing makeup for the real life character of Rocky Dennis", "Rewind Archive"),
    ("Rob Lowe was nearly cast as Rocky Dennis.", "Dominic"),
    ("Rusty and I used to hang around together around '87", 'Jeremy "Joker" Brent'),
    ("Sam Elliot, the tough chopper riding star of the movie", "Brian"),
    ("I heard from the casting agent of Mask", "politeintruder"),
    ('The camp that Rocky went to to "get away from it all"', "Michele L. V."),
]

# How the release before issue #9 read the same page: every credit one fact too early.
OLD_READING: list[tuple[str, str | None]] = [
    (prefix, SEED_FACTS[i + 1][1] if i + 1 < len(SEED_FACTS) else None) for i, (prefix, _) in enumerate(SEED_FACTS)
]


def credit_for(text: str) -> str | None:
    for prefix, credit in SEED_FACTS:
        if text.startswith(prefix):
            return credit
    raise AssertionError(f"not a seed fact: {text[:80]!r}")
