"""The few places where SQLite and PostgreSQL SQL differ, in one place.

Repositories write SQL once, in the SQLite spelling they have always used (`?` marks, `ifnull`, `IS NOT`
between values). On PostgreSQL each statement passes through `to_postgres` once (cached), which rewrites
only what PostgreSQL spells differently. Anything that cannot be rewritten mechanically is a named helper
here (`lock_key`), so a repository asks for it by name instead of testing the engine itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Tables whose rows have an `id` identity column: an INSERT into them returns the new id (SQLite's lastrowid).
_ID_TABLES = frozenset(
    {"films", "facts", "channel_shown", "daily_schedules", "daily_posts", "submissions", "submission_events",
     "outbox", "quiz_games", "quiz_rounds", "reports", "audit_log"}
)  # fmt: skip
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|\?|:[A-Za-z_][A-Za-z0-9_]*|--[^\n]*")
_IFNULL = re.compile(r"\bifnull\s*\(", re.IGNORECASE)
_IS_NOT_VALUE = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b)", re.IGNORECASE)
# SQLite's json_each over a JSON list of ids; PostgreSQL spells it json_array_elements_text.
_JSON_EACH = re.compile(r"SELECT value FROM json_each\((\$\d+)\)", re.IGNORECASE)
_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+REPLACE\s+)?INTO\s+([a-z_]+)", re.IGNORECASE)
# SQLite's REPLACE deletes the old row and inserts a new one, with a new id: "shown last" is ordered by it.
_REPLACE_SHOWN = (
    "INSERT INTO channel_shown (channel_id, film_id, fact_id, shown_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (channel_id, fact_id) DO UPDATE SET id = nextval(pg_get_serial_sequence('channel_shown', 'id')),"
    " film_id = excluded.film_id, shown_at = excluded.shown_at"
)


@dataclass(frozen=True, slots=True)
class Translated:
    sql: str
    names: tuple[str, ...] | None  # named parameters (`:guild`) in $n order; None for `?` marks
    returns_id: bool  # an INSERT given `RETURNING id` so the cursor can tell its lastrowid


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> Translated:
    """`?` → `$1, $2…` and `:name` → `$n` (outside string literals), `ifnull(` → `coalesce(`, `a IS NOT b`
    → `a IS DISTINCT FROM b`, json_each over a list → json_array_elements_text, and `RETURNING id` on
    inserts into tables with an id."""
    names: list[str] = []
    counter = 0

    def mark(match: re.Match[str]) -> str:
        nonlocal counter
        token = match.group(0)
        if token == "?":
            counter += 1
            return f"${counter}"
        if token.startswith(":") and token != "::":
            name = token[1:]
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"
        return token

    if sql.lstrip().upper().startswith("INSERT OR REPLACE INTO CHANNEL_SHOWN"):
        return Translated(_REPLACE_SHOWN, None, False)
    out = _TOKEN.sub(mark, sql)
    out = _IFNULL.sub("coalesce(", out)
    out = _IS_NOT_VALUE.sub("IS DISTINCT FROM ", out)
    out = _JSON_EACH.sub(r"SELECT value::bigint FROM json_array_elements_text(\1::json) AS value", out)
    insert = _INSERT.match(out)
    returns_id = bool(insert and insert.group(1).lower() in _ID_TABLES and " RETURNING " not in out.upper())
    if returns_id:
        out += " RETURNING id"
    return Translated(out, tuple(names) if names else None, returns_id)


def lock_key(*parts: object) -> int:
    """A stable signed 64-bit key for pg_advisory_xact_lock from a few values (a guild and a member)."""
    import hashlib

    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def shard_filter(
    column: str, shard_count: int | None, shard_ids: tuple[int, ...] | None
) -> tuple[str, tuple[int, ...]]:
    """SQL (same on both engines) keeping rows of guilds carried by this process's shards, and its parameters.
    Discord's rule: shard = (guild_id >> 22) % shard_count."""
    if shard_count is None or shard_ids is None or len(shard_ids) == shard_count:
        return "", ()
    marks = ", ".join("?" * len(shard_ids))
    return f" AND (({column} >> 22) % ?) IN ({marks})", (shard_count, *shard_ids)
