"""Renders the fact card members see to docs/fact-card.png, from the embed the bot really builds.

    .venv/bin/pip install -e '.[docs]'      # Pillow, only for this script
    .venv/bin/python docs/render_card.py

The card comes from the real code path: the bundled Mask page is imported into an in-memory database,
TriviaService picks fact 2, cogs.fact_card builds the embed and its button. The embed and button are also
written to docs/fact-card.json; tests/test_docs.py rebuilds them and fails when the code has drifted from
the picture, so the README never shows a card the bot no longer sends. The drawing imitates Discord's
dark theme (colours, spacing); fonts are DejaVu where installed, else Pillow's own.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PNG = ROOT / "docs" / "fact-card.png"
JSON = ROOT / "docs" / "fact-card.json"
SEED = ROOT / "data" / "000_519005fe08e5987b.txt"
FACT_NUMBER = 2
SCALE = 2  # drawn at twice the size, as on a high-density screen

# Discord's dark theme.
BACKGROUND = (49, 51, 56)
EMBED_BACKGROUND = (43, 45, 49)
TEXT = (219, 222, 225)
HEADING = (242, 243, 245)
MUTED = (148, 155, 164)
BUTTON = (78, 80, 88)
BLURPLE = (88, 101, 242)


async def example() -> dict[str, Any]:
    """The embed and components of a /trivia answer, as discord.py sends them to Discord."""
    from bot.db.catalog import CatalogRepository
    from bot.db.store import Store
    from bot.services.importing import import_files
    from bot.services.trivia import TriviaService
    from cogs.fact_card import card_view, fact_embed

    store = await Store.open(":memory:")
    try:
        await import_files(CatalogRepository(store), [SEED])
        card = await TriviaService(store).show("mask", guild_id=None, channel_id=1, number=FACT_NUMBER)
    finally:
        await store.close()
    return {"embed": fact_embed(card).to_dict(), "components": card_view(card).to_components()}


def _font(style: str, size: int) -> Any:
    from PIL import ImageFont

    files = {
        "regular": "DejaVuSans.ttf",
        "bold": "DejaVuSans-Bold.ttf",
        "italic": "DejaVuSans-Oblique.ttf",
    }
    for folder in (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")):
        if (folder / files[style]).is_file():
            return ImageFont.truetype(str(folder / files[style]), size * SCALE)
    return ImageFont.load_default(size * SCALE)


def _unescape(text: str) -> str:
    """Discord shows escaped markdown (`\\*`) as the plain character."""
    return re.sub(r"\\(.)", r"\1", text)


def _wrap(draw: Any, text: str, font: Any, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if line and draw.textlength(candidate, font=font) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def render(example: dict[str, Any], path: Path) -> None:
    from PIL import Image, ImageDraw

    embed = example["embed"]
    button = example["components"][0]["components"][0]
    s = SCALE
    embed_x, embed_width = 72 * s, 520 * s
    inner_x, inner_width = embed_x + 16 * s, embed_width - 32 * s
    title_font, text_font, italic_font = _font("bold", 16), _font("regular", 14), _font("italic", 14)
    small_font, name_font, tag_font = _font("regular", 12), _font("bold", 15), _font("bold", 9)

    # Lay the embed out first to know the picture's height.
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    blocks: list[tuple[str, Any, tuple[int, int, int], int]] = []  # text, font, colour, gap before
    for line in _wrap(scratch, _unescape(embed["title"]), title_font, inner_width):
        blocks.append((line, title_font, HEADING, 0))
    first = True
    for paragraph in _unescape(embed["description"]).split("\n"):
        italic = paragraph.startswith("— *") and paragraph.endswith("*")
        font = italic_font if italic else text_font
        shown = paragraph[3:-1] if italic else paragraph
        shown = f"— {shown}" if italic else shown
        for line in _wrap(scratch, shown, font, inner_width) if shown else [""]:
            blocks.append((line, font, TEXT, 8 * s if first else 0))
            first = False
    for field in embed.get("fields", []):
        blocks.append((field["name"], _font("bold", 14), HEADING, 8 * s))
        for line in _wrap(scratch, _unescape(field["value"]), text_font, inner_width):
            blocks.append((line, text_font, TEXT, 0))
    footer = _unescape(embed["footer"]["text"])
    # Discord sizes an embed to its content, up to 520 px.
    widest = max(scratch.textlength(text, font=font) for text, font, _, _ in [*blocks, (footer, small_font, MUTED, 0)])
    embed_width = min(embed_width, int(widest) + 40 * s)
    width = embed_x + embed_width + 24 * s
    line_height = {id(title_font): 22 * s, id(text_font): 20 * s, id(italic_font): 20 * s}
    embed_height = 12 * s + sum(line_height.get(id(f), 20 * s) + gap for _, f, _, gap in blocks) + 34 * s
    embed_y = 40 * s
    height = embed_y + embed_height + 8 * s + 32 * s + 16 * s

    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    colour = embed["color"]
    accent = ((colour >> 16) & 255, (colour >> 8) & 255, colour & 255)

    # The bot's avatar, name, APP tag and time, as Discord shows them above a message.
    draw.ellipse((16 * s, 12 * s, 56 * s, 52 * s), fill=accent)
    draw.text((36 * s, 32 * s), "FT", font=_font("bold", 15), fill=BACKGROUND, anchor="mm")
    draw.text((embed_x, 12 * s), "Film Trivia", font=name_font, fill=HEADING)
    tag_x = embed_x + draw.textlength("Film Trivia", font=name_font) + 6 * s
    draw.rounded_rectangle((tag_x, 14 * s, tag_x + 28 * s, 28 * s), radius=3 * s, fill=BLURPLE)
    draw.text((tag_x + 14 * s, 21 * s), "APP", font=tag_font, fill=(255, 255, 255), anchor="mm")
    draw.text((tag_x + 36 * s, 15 * s), "Today at 21:04", font=small_font, fill=MUTED)

    # The embed: a rounded panel with the colour bar on its left.
    draw.rounded_rectangle(
        (embed_x, embed_y, embed_x + embed_width, embed_y + embed_height), radius=4 * s, fill=EMBED_BACKGROUND
    )
    draw.rounded_rectangle((embed_x, embed_y, embed_x + 4 * s, embed_y + embed_height), radius=2 * s, fill=accent)
    y = embed_y + 12 * s
    for text, font, fill, gap in blocks:
        y += gap
        draw.text((inner_x, y), text, font=font, fill=fill)
        y += line_height.get(id(font), 20 * s)
    draw.text((inner_x, y + 8 * s), footer, font=small_font, fill=MUTED)

    # The "Another fact" button first, with a small clapperboard for its emoji.
    label = button["label"]
    button_y = embed_y + embed_height + 8 * s
    label_width = draw.textlength(label, font=text_font)
    button_width = label_width + 52 * s
    draw.rounded_rectangle((embed_x, button_y, embed_x + button_width, button_y + 32 * s), radius=4 * s, fill=BUTTON)
    icon_x, icon_y = embed_x + 14 * s, button_y + 9 * s
    draw.rectangle((icon_x, icon_y + 5 * s, icon_x + 16 * s, icon_y + 15 * s), fill=(220, 220, 220))
    draw.polygon(
        [
            (icon_x, icon_y + 4 * s),
            (icon_x + 15 * s, icon_y),
            (icon_x + 16 * s, icon_y + 3 * s),
            (icon_x + 1 * s, icon_y + 7 * s),
        ],
        fill=(40, 40, 40),
    )
    draw.text((icon_x + 24 * s, button_y + 16 * s), label, font=text_font, fill=HEADING, anchor="lm")

    # The buttons after it (Report), each with a small flag for its emoji.
    x = embed_x + button_width + 8 * s
    for other in example["components"][0]["components"][1:]:
        width = draw.textlength(other["label"], font=text_font) + 52 * s
        draw.rounded_rectangle((x, button_y, x + width, button_y + 32 * s), radius=4 * s, fill=BUTTON)
        flag_x, flag_y = x + 14 * s, button_y + 8 * s
        draw.line((flag_x, flag_y, flag_x, flag_y + 16 * s), fill=(220, 220, 220), width=2 * s)
        flag = [(flag_x, flag_y), (flag_x + 12 * s, flag_y + 4 * s), (flag_x, flag_y + 8 * s)]
        draw.polygon(flag, fill=(221, 46, 68))
        draw.text((flag_x + 24 * s, button_y + 16 * s), other["label"], font=text_font, fill=HEADING, anchor="lm")
        x += width + 8 * s
    image.save(path, optimize=True)


def main() -> None:
    shown = asyncio.run(example())
    JSON.write_text(json.dumps(shown, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    render(shown, PNG)
    print(f"wrote {PNG.relative_to(ROOT)} and {JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
