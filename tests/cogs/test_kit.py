"""`safe` skips discord.py's escaping regexes for text they would not change: checked against them."""

import random

import discord

from cogs.kit import safe


def reference(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def test_safe_escapes_exactly_what_discord_py_escapes():
    rng = random.Random(11)
    alphabet = "ab Z9.,'\"()!?\n\t-#>*_~|`\\[]@<:/" + "é—"
    texts = [
        "Cher and Peter Bogdanovich clashed over the music.",
        "- a list mark",
        "  - an indented one",
        "# a heading",
        "> a quote",
        "behind-the-scenes (1985) — no markup at all",
        "@everyone look",
        "<@123456789012345678> was here",
        "[a link](https://example.com)",
        "snake_case and *stars*",
        "line one\n- line two",
        "back\\slash",
    ]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20_000)]
    for text in texts:
        assert safe(text) == reference(text), text


def test_text_with_nothing_to_escape_comes_back_as_it_is():
    text = "Rob Lowe's audition (1984) was the first; the studio wasn't sure."
    assert safe(text) is text
