"""Copies of the database that are safe while the bot runs, checks on a copy, and swapping one in.

Synchronous sqlite3 on purpose: these run from the CLI, alone, and SQLite's online backup API copies a
consistent snapshot even while the bot writes (in WAL mode a reader never blocks the writer). A plain
`cp` of the file misses whatever still sits in `-wal`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.db.store import SQLITE_HEADER, available_migrations

# What a backup reports, in the order an admin thinks of them.
COUNTED_TABLES = (
    ("films", "films"),
    ("facts", "facts"),
    ("submissions", "submissions"),
    ("schedules", "daily_schedules"),
)


class BackupError(Exception):
    """A copy, check or restore that cannot go ahead; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Contents:
    counts: dict[str, int]
    schema_version: int

    def describe(self) -> str:
        return ", ".join(f"{n} {name if n != 1 else name[:-1]}" for name, n in self.counts.items())


def newest_schema_version() -> int:
    return max(version for version, _, _ in available_migrations())


def contents(path: Path) -> Contents:
    """Counts rows in a closed copy (not the live file) so the numbers describe exactly what was saved."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        counts = {}
        for label, table in COUNTED_TABLES:
            try:
                counts[label] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            except sqlite3.OperationalError:
                counts[label] = 0  # an older schema without that table
        return Contents(counts, _schema_version(db))


def _schema_version(db: sqlite3.Connection) -> int:
    try:
        row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    except sqlite3.DatabaseError:
        return 0
    return int(row[0] or 0)


def backup(source: Path, target: Path) -> Contents:
    """Writes next to `target` and renames over it, so a failed or interrupted backup never leaves a
    half-written file under the name an admin will later restore from."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src,
            contextlib.closing(sqlite3.connect(tmp)) as dst,
        ):
            src.backup(dst)  # one step: a consistent snapshot, however busy the bot is
            dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return contents(target)


def check(path: Path) -> Contents:
    """Refuses a file that is not a sound database of ours, or one a newer release wrote."""
    if not looks_like_sqlite(path):
        raise BackupError(f"{path} is not a SQLite database")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check(5)")]
            has_schema = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged: {error}") from None
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged (SQLite integrity check: {'; '.join(problems)})")
    if not has_schema:
        raise BackupError(f"{path} is a SQLite file but not a Film Trivia Bot database (no schema_migrations)")
    found = contents(path)
    if found.schema_version > newest_schema_version():
        raise BackupError(
            f"{path} has schema version {found.schema_version}, newer than this release knows "
            f"({newest_schema_version()}): upgrade the bot before restoring it"
        )
    return found


def restore(source: Path, target: Path) -> None:
    """The copy is made beside the target and renamed over it: at every instant the database path holds
    either the old database or the whole new one. The old one's -wal/-shm belong to the old file and
    would be replayed onto the new one, so they go first (the caller holds the run lock: no bot is
    using them). The old database stays beside it as `<name>.before-restore`."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".restore", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            contextlib.closing(sqlite3.connect(tmp)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        _fsync(tmp)
        if target.exists():
            _checkpoint(target)
            kept = target.with_name(target.name + ".before-restore")
            kept.unlink(missing_ok=True)
            os.link(target, kept)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _checkpoint(path: Path) -> None:
    """Folds the old database's WAL into its file first, so the copy kept as .before-restore is whole."""
    with contextlib.suppress(sqlite3.DatabaseError), contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def looks_like_sqlite(path: Path) -> bool:
    """An empty file is a valid (new) database to SQLite; anything else must start with its header."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_HEADER))
    return head in (b"", SQLITE_HEADER)


def _fsync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
