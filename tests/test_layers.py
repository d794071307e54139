"""The layering is kept by CI, not by hope: each package may import only what its layer allows.

- bot/trivia (domain): pure; no discord, no database, no I/O, nothing above it.
- bot/db (the store): all SQL; knows no Discord, no use-case and no cog.
- bot/services (use-cases): no Discord and no cog, so the CLI and the cogs share them.
- cogs (Discord glue): never the store directly; services and domain only (bot.app for types only).
Imports under `if TYPE_CHECKING:` are for type hints and are not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

IO = ("discord", "aiosqlite", "asyncpg", "sqlite3", "aiohttp", "socket", "subprocess", "asyncio", "os", "shutil")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot/trivia": (*IO, "pathlib", "bot.db", "bot.services", "bot.app", "bot.config", "bot.__main__", "cogs"),
    "bot/db": ("discord", "bot.services", "bot.app", "bot.__main__", "cogs"),
    "bot/services": ("discord", "bot.app", "bot.__main__", "cogs"),
    "cogs": ("bot.db", "bot.app", "bot.__main__", "aiosqlite", "asyncpg", "sqlite3"),
}


def runtime_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import executed when the module loads (TYPE_CHECKING blocks skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in runtime_imports(path):
            for banned in FORBIDDEN[package]:
                if module == banned or module.startswith(banned + "."):
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(package: str):
    assert violations(package) == []


def test_the_rule_catches_a_layer_reaching_where_it_must_not(tmp_path: Path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from typing import TYPE_CHECKING\nimport discord\nif TYPE_CHECKING:\n    from bot.db.store import Store\n"
        "def f():\n    from bot.db.catalog import CatalogRepository\n",
        encoding="utf-8",
    )
    assert list(runtime_imports(sneaky)) == [(1, "typing"), (2, "discord"), (6, "bot.db.catalog")]
