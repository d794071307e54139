"""What the bundled Mask (1985) page must yield, written out by hand from the page (issue #2)."""

SEED_FACTS: list[tuple[str, str | None]] = [
    ("The completely convincing makeup for the real life character of Rocky Dennis", "Dominic"),
    ("Rob Lowe was nearly cast as Rocky Dennis.", 'Jeremy "Joker" Brent'),
    ("Rusty and I used to hang around together around '87", "Brian"),
    ("Sam Elliot, the tough chopper riding star of the movie", "politeintruder"),
    ("I heard from the casting agent of Mask", "Michele L. V."),
    ('The camp that Rocky went to to "get away from it all"', None),
]


def credit_for(text: str) -> str | None:
    for prefix, credit in SEED_FACTS:
        if text.startswith(prefix):
            return credit
    raise AssertionError(f"not a seed fact: {text[:80]!r}")
