"""SQLite through aiosqlite: a write connection and a read connection per process, WAL mode, foreign keys
on, migrations applied (and serialised between processes) at open."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.db.dialect import shard_filter
from bot.trivia.errors import StoreBusy

log = logging.getLogger(__name__)
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
SQLITE_HEADER = b"SQLite format 3\x00"


class SchemaTooNew(Exception):
    """The database was migrated by a newer release; using it with older code could corrupt it."""


LOCK_WAIT_SECONDS = 15.0  # how long a write waits for another process's write lock before giving up
_LOCK_POLL_SECONDS = 0.004  # between tries: shorter than the pause an import leaves between its chunks
_WRITER_BUSY_MS = 20  # SQLite's own wait inside one try; keeps the writer's thread free for the next trip
_READER_BUSY_MS = 5000  # readers only wait in WAL's rare cases (recovery after a crash)


class DatabaseBusy(sqlite3.OperationalError, StoreBusy):
    """Another process held SQLite's write lock for longer than LOCK_WAIT_SECONDS."""


def _point_reader(path: Path) -> sqlite3.Connection:
    """The connection `Store.fetch_point` uses on the event loop's thread: read-only, never waiting."""
    point = sqlite3.connect(path, isolation_level=None)  # rows as plain tuples: read by position
    point.execute("PRAGMA busy_timeout = 0")
    point.execute("PRAGMA query_only = ON")
    return point


def _is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY and its extended codes: another connection holds the lock; nothing was done."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    return (code & 0xFF) == sqlite3.SQLITE_BUSY if code is not None else "database is locked" in str(error)


class Store:
    """Two connections: `conn` writes (and reads inside a write transaction), `reader` answers every
    other read. Under WAL a read is a snapshot of what was committed, so readers never see another
    coroutine's open transaction, and they never queue behind a write that waits for the lock (each
    aiosqlite connection has its own thread).

    Writes go through `transaction()` / `write()`, which serialise them in this process and wait for
    another process's write lock in short tries on the event loop (not in SQLite's busy handler), so the
    writer's thread is never parked for seconds."""

    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path, reader: aiosqlite.Connection | None = None) -> None:
        self.conn = conn
        self.reader = reader or conn
        self._point: sqlite3.Connection | None = None  # see fetch_point
        self.path = path
        self._write_lock = asyncio.Lock()
        self.created = False  # the database file was new at open: first start
        # (shard_count, shard_ids) of this process, set by the bot: loops that post (daily, quiz, outbox)
        # take only rows of guilds on its own shards. (None, None): every guild, as unsharded.
        self.shards: tuple[int | None, tuple[int, ...] | None] = (None, None)

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        if str(path).startswith(("postgresql:", "postgres:")):
            # Not a file name: a SQLite file named after the URL would be created. open_store picks the engine.
            raise ValueError("a PostgreSQL URL: open it with bot.db.engines.open_store, not the SQLite Store")
        path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        store = cls(conn, path)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {_WRITER_BUSY_MS:d}")
            # Turning WAL on for a new file takes a lock another opener may hold for a moment.
            await store._retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            store.created = await store._migrate()
            if not memory:
                reader = await aiosqlite.connect(path, isolation_level=None)
                reader.row_factory = aiosqlite.Row
                store.reader = reader
                await reader.execute(f"PRAGMA busy_timeout = {_READER_BUSY_MS:d}")
                await reader.execute("PRAGMA query_only = ON")
                await reader.execute("PRAGMA foreign_keys = ON")
                store._point = _point_reader(path)
        except BaseException:
            await store.close()
            raise
        return store

    def shard_sql(self, guild_column: str) -> tuple[str, tuple[int, ...]]:
        """` AND <this process's shards>` for a query over `guild_column`, and its parameters."""
        return shard_filter(guild_column, *self.shards)

    async def close(self) -> None:
        if self._point is not None:
            self._point.close()
            self._point = None
        if self.reader is not self.conn:
            await self.reader.close()
        await self.conn.close()

    async def _retry_busy(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Tries `attempt` until another process's write lock lets it through, for LOCK_WAIT_SECONDS.
        Waiting happens here on the event loop, so the writer's thread stays free between tries."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                return await attempt()
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        f"database is locked: another process held the write lock for over {LOCK_WAIT_SECONDS:g} s"
                    ) from error
            await asyncio.sleep(_LOCK_POLL_SECONDS)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half-way
        because another process (the CLI importing) wrote first. Raises DatabaseBusy, having
        changed nothing, when the lock stays taken for LOCK_WAIT_SECONDS."""
        async with self._write_lock:
            await self._retry_busy(lambda: self.conn.execute("BEGIN IMMEDIATE"))
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
        values = tuple(params)  # once: a generator would be empty on the second try
        async with self._write_lock:
            await self._retry_busy(lambda: self.conn.execute(sql, values))

    async def write_returning(
        self, sql: str, params: Iterable[Any] = (), *, lock: tuple[object, ...] = ()
    ) -> list[aiosqlite.Row]:
        """One statement with RETURNING, in one trip: under the write lock (which already serialises every
        writer here, so `lock`, PostgreSQL's per-key lock, is not needed)."""
        values = tuple(params)
        async with self._write_lock:
            return list(await self._retry_busy(lambda: self.conn.execute_fetchall(sql, values)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """One trip to the reader's thread (execute, fetch and close together), not three. The list the
        driver made is returned as it is, not copied: its thread holds it until its next query, and a
        caller that empties it (`_with_aliases`) then frees the rows in runs rather than all at once."""
        rows = await self.reader.execute_fetchall(sql, tuple(params))
        return rows if isinstance(rows, list) else list(rows)

    async def fetch_point(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """A read of a few rows by index (one film's facts), answered on the event loop itself: such a
        read takes tens of microseconds, where the hop to the reader's thread and back costs several
        times that (bench/: it was most of what /trivia on a film not in memory cost over a do-nothing
        reply). Only for reads that touch a handful of index pages; anything that scans goes through
        `fetchall`. It never waits: SQLite's busy wait is off for it, and in WAL's rare busy cases
        (another process recovering the log) the read goes to the reader's thread instead."""
        values = tuple(params)
        if self._point is not None:
            try:
                return self._point.execute(sql, values).fetchall()
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
        return await self.fetchall(sql, values)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @property
    def location(self) -> Path:
        """What `bot.db.engines.open_store` takes to open this database again (another connection)."""
        return self.path

    @staticmethod
    async def lock(conn: aiosqlite.Connection, key: int) -> None:
        """No-op: a SQLite write transaction already holds the one write lock (PostgreSQL takes a key lock)."""

    @staticmethod
    async def claim(conn: aiosqlite.Connection, table: str, row_id: int) -> bool:
        """True: this transaction may go on with the row. On SQLite it always may: the write lock it holds
        already keeps every other writer out (PostgreSQL skips a row another process is claiming)."""
        return True

    async def table_columns(self, table: str) -> set[str]:
        return {row[1] for row in await self.fetchall("SELECT * FROM pragma_table_info(?)", (table,))}

    async def table_names(self) -> set[str]:
        return {row[0] for row in await self.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}

    async def data_version(self) -> int:
        """Changes whenever another process (a CLI import) commits, so caches know to reload. Asked of
        the writer, whose own commits do not move it: /trivia's channel records must not count."""
        rows = list(await self.conn.execute_fetchall("PRAGMA data_version"))
        return int(rows[0][0])

    async def _migrate(self) -> bool:
        """Each migration runs in its own BEGIN IMMEDIATE, and the applied versions are read again
        inside it: two processes opening a new file at once take turns, and the second finds the
        first one's work done instead of creating the tables again."""
        await self._retry_busy(
            lambda: self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
            )
        )
        fresh = False
        migrations = available_migrations()
        newest = max((version for version, _, _ in migrations), default=0)
        known = await self.conn.execute_fetchall("SELECT max(version) FROM schema_migrations")
        highest = next(iter(known))[0]
        if highest is not None and highest > newest:
            raise SchemaTooNew(
                f"{self.path} has schema version {highest} but this release knows only up to {newest}: "
                "a newer release of Film Trivia Bot wrote it; install that release (git pull) or restore a backup"
            )
        for version, name, sql in migrations:
            if await self._applied(version):
                continue  # the common case at every start: no write lock taken at all
            async with self.transaction() as conn:
                if await self._applied(version):
                    continue  # another process applied it while we waited for the lock
                fresh = fresh or version == migrations[0][0]  # this process created the schema
                log.info("applying migration %04d_%s", version, name)
                # Statement by statement inside our transaction: executescript would COMMIT first.
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
        return fresh

    async def _applied(self, version: int) -> bool:
        rows = await self.conn.execute_fetchall("SELECT 1 FROM schema_migrations WHERE version = ?", (version,))
        return bool(list(rows))


def _statements(script: str) -> list[str]:
    """Splits a migration into complete statements (sqlite3.complete_statement knows about strings,
    comments and trigger bodies)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        raise RuntimeError(f"a migration ends with an incomplete statement: {current.strip()[:80]!r}")
    return statements


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
