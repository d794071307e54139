"""The picture in the README is the card the bot sends: docs/fact-card.json (from which the PNG was drawn)
must equal the embed and button the code builds today."""

from __future__ import annotations

import importlib.util
import json
import re

from bot.config import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def load_renderer():
    spec = importlib.util.spec_from_file_location("render_card", DOCS / "render_card.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_fact_card_picture_matches_the_embed_the_bot_builds():
    built = await load_renderer().example()
    committed = json.loads((DOCS / "fact-card.json").read_text(encoding="utf-8"))
    assert built == committed, "the embed changed: run `.venv/bin/python docs/render_card.py` and commit the PNG"
    assert (DOCS / "fact-card.png").read_bytes().startswith(b"\x89PNG")


def test_readme_links_resolve():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?!https?:|#)[^)]+)\)", readme):
        assert (PROJECT_ROOT / target.split("#")[0]).exists(), target
