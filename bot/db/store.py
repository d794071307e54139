"""One aiosqlite connection per process, WAL mode, foreign keys on, migrations applied at open."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)
_MIGRATION_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
SQLITE_HEADER = b"SQLite format 3\x00"


class SchemaTooNew(Exception):
    """The database was migrated by a newer release; using it with older code could corrupt it."""


class Store:
    """Writes go through `transaction()`, which serialises them: the connection is shared by every
    coroutine, and SQLite transactions on one connection must not interleave."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self.created = False  # the database file was new at open: first start

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        store = cls(conn, path)
        try:
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            store.created = await store._migrate()
        except BaseException:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half-way
        because another process (the CLI importing) wrote first."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def write(self, sql: str, params: Iterable[Any] = ()) -> None:
        """One statement, atomic on its own: no BEGIN/COMMIT round trips, but the same write lock,
        so it never lands inside another coroutine's open transaction."""
        async with self._write_lock:
            await self.conn.execute(sql, tuple(params))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """One trip to the database thread (execute, fetch and close together), not three."""
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def data_version(self) -> int:
        """Changes whenever another connection (a CLI import) commits, so caches know to reload."""
        row = await self.fetchone("PRAGMA data_version")
        assert row is not None
        return int(row[0])

    async def _migrate(self) -> bool:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
        )
        applied = {row[0] for row in await self.fetchall("SELECT version FROM schema_migrations")}
        fresh = not applied
        migrations = available_migrations()
        newest = max((version for version, _, _ in migrations), default=0)
        if applied and max(applied) > newest:
            raise SchemaTooNew(
                f"{self.path} has schema version {max(applied)} but this release knows only up to {newest}: "
                "a newer release of Film Trivia Bot wrote it; install that release (git pull) or restore a backup"
            )
        for version, name, sql in migrations:
            if version in applied:
                continue
            log.info("applying migration %04d_%s", version, name)
            # The script carries its own BEGIN/COMMIT: executescript would otherwise commit
            # statement by statement, and a failed migration must leave nothing behind.
            script = (
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO schema_migrations (version, name) VALUES ({version:d}, '{name}');\nCOMMIT;"
            )
            try:
                await self.conn.executescript(script)
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise
        return fresh


def available_migrations() -> list[tuple[int, str, str]]:
    """Numbered .sql files shipped in the package; the name pattern keeps the INSERT above safe."""
    found = []
    for entry in resources.files("bot.db").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match["version"]), match["name"], entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found
