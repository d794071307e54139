"""PostgreSQL through asyncpg, with the interface the repositories already use on SQLite (`transaction()`,
`write()`, `fetchall()`, `fetchone()`, `conn`/`reader`, `data_version()`), so one set of repositories
serves both engines. SQL arrives in the SQLite spelling and is rewritten once per statement by
`bot.db.dialect.to_postgres`.

Differences that matter to callers:
- several processes share the database: transactions are READ COMMITTED and concurrent; the repositories'
  conditional updates (`WHERE next_due_at = ?`, `WHERE status = 'pending'`) and unique keys are what make
  a claim or a decision exclusive, and `lock(key)` takes a transaction-scoped advisory lock where a
  read-then-write must not interleave (a member's submissions);
- migrations (bot/db/migrations_pg, numbered like the SQLite ones) run under pg_advisory_lock, so processes
  starting at once on an empty database take turns;
- `data_version()` is a counter moved by triggers on films, aliases and facts (PostgreSQL has no PRAGMA
  data_version); the triggers also send NOTIFY catalog_changed, which `on_catalog_change` listens for."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.db.dialect import Translated, lock_key, shard_filter, to_postgres
from bot.db.store import _MIGRATION_NAME, SchemaTooNew

try:
    import asyncpg
except ImportError:  # pragma: no cover - the extra is not installed
    asyncpg = None

log = logging.getLogger(__name__)
_CLAIMABLE = frozenset({"daily_schedules", "daily_posts", "outbox", "quiz_rounds"})
_NOTIFY_CHANNEL = "catalog_changed"  # sent by the trigger of migrations_pg/0001_catalog.sql
MIGRATION_LOCK = 0x7472_6976_6961  # "trivia": the advisory lock key every process migrates under


class PostgresUnavailable(RuntimeError):
    """asyncpg is not installed or the server cannot be reached; the message says what to do."""


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _args(translated: Translated, params: Any) -> Sequence[Any]:
    if translated.names is not None:
        return [params[name] for name in translated.names]
    return tuple(params) if params is not None else ()


def _rowcount(status: str | None, rows: list[Any], translated: Translated) -> int:
    if translated.returns_id or status is None:
        return len(rows)
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgIntegrityError(sqlite3.IntegrityError):
    """A constraint said no (unique, foreign key, check): the same exception class callers catch on SQLite."""


class PgCursor:
    """What the repositories read from an aiosqlite cursor: rows, rowcount, lastrowid."""

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __aiter__(self) -> AsyncIterator[Any]:
        async def rows() -> AsyncIterator[Any]:
            for row in self._rows:
                yield row

        return rows()

    async def close(self) -> None:
        return None


class _Pending:
    """`await conn.execute(...)` and `async with conn.execute(...) as cursor`, as aiosqlite allows both."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._cursor: PgCursor | None = None

    def __await__(self) -> Any:
        return self._run().__await__()

    async def __aenter__(self) -> PgCursor:
        self._cursor = await self._run()
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        return None


class PgConnection:
    """One asyncpg connection (inside a transaction) or the pool (one statement at a time, autocommit),
    looking like the aiosqlite connection the repositories were written against."""

    def __init__(self, target: Any) -> None:
        self._target = target  # asyncpg.Connection or asyncpg.Pool
        self.total_changes = 0

    async def _run(self, sql: str, params: Any = ()) -> PgCursor:
        translated = to_postgres(sql)
        args = _args(translated, params)
        try:
            if isinstance(self._target, asyncpg.Pool):
                async with self._target.acquire() as conn:
                    rows, status, _ = await conn._execute(translated.sql, args, 0, None, return_status=True)
            else:
                rows, status, _ = await self._target._execute(translated.sql, args, 0, None, return_status=True)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise PgIntegrityError(str(error)) from error
        status = status.decode() if isinstance(status, bytes) else status
        count = _rowcount(status, rows, translated)
        if sql.lstrip()[:6].upper() != "SELECT":
            self.total_changes += max(count, 0)
        lastrowid = rows[0][0] if translated.returns_id and rows else None
        return PgCursor(rows, count, lastrowid)

    def execute(self, sql: str, params: Any = ()) -> _Pending:
        return _Pending(lambda: self._run(sql, params))

    async def execute_fetchall(self, sql: str, params: Any = ()) -> list[Any]:
        return (await self._run(sql, params))._rows

    async def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        """Many rows in one round trip. An `INSERT … VALUES (…)` becomes one `INSERT … SELECT … FROM
        unnest(…)` over arrays, so the change count stays exact (the import reports it); a batch that
        upserts one key twice (which PostgreSQL refuses in one statement) goes row by row instead, as
        SQLite would. Anything else uses asyncpg's pipelined executemany."""
        batch = [tuple(params) for params in rows]
        if not batch:
            return
        if isinstance(self._target, asyncpg.Pool):
            async with self._target.acquire() as conn:
                await PgConnection(conn).executemany(sql, batch)
            return
        bulk = await self._bulk_insert(sql)
        if bulk is None:
            await self._target.executemany(to_postgres(sql).sql, batch)
            return
        columns = list(zip(*batch, strict=True))
        try:
            async with self._target.transaction():  # a savepoint: the fallback starts from before the batch
                status = await self._target.execute(bulk, *columns)
        except asyncpg.CardinalityViolationError:
            for params in batch:
                await self._run(sql, params)
            return
        except asyncpg.IntegrityConstraintViolationError as error:
            raise PgIntegrityError(str(error)) from error
        self.total_changes += int(status.rsplit(" ", 1)[-1])

    async def _bulk_insert(self, sql: str) -> str | None:
        """`INSERT INTO t (cols) VALUES (<exprs over $n>) rest` → `INSERT INTO t (cols) SELECT <exprs over
        u.cn> FROM unnest($1::type[], …) AS u(c1, …) rest`, with the parameter types PostgreSQL inferred."""
        translated = to_postgres(sql)
        text = translated.sql.removesuffix(" RETURNING id") if translated.returns_id else translated.sql
        head, sep, tail = text.partition(" VALUES (")
        if not sep or not head.lstrip().upper().startswith("INSERT"):
            return None
        depth, end = 1, -1
        for index, char in enumerate(tail):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                end = index
                break
        if end < 0:
            return None
        values, rest = tail[:end], tail[end + 1 :]
        types = [t.name for t in (await self._target.prepare(text)).get_parameters()]
        arrays = ", ".join(f"${n}::{name}[]" for n, name in enumerate(types, 1))
        names = ", ".join(f"c{n}" for n in range(1, len(types) + 1))
        selected = re.sub(r"\$(\d+)", r"u.c\1", values)
        return f"{head} SELECT {selected} FROM unnest({arrays}) AS u({names}){rest}"  # noqa: S608 - our own SQL

    async def copy_records(self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> None:
        """COPY: the bulk path for rows that need no conflict handling (migrate-to)."""
        await self._target.copy_records_to_table(table, records=list(records), columns=list(columns))


class PostgresStore:
    """The shared store for several processes. Same interface as `bot.db.store.Store`."""

    engine = "postgres"

    def __init__(self, pool: Any, url: str) -> None:
        self.pool = pool
        self.url = url
        self.location = url
        self.path = redact(url)  # what messages show where SQLite shows the file
        self.conn = PgConnection(pool)
        self.reader = self.conn
        self.created = False
        self._listener: Any = None  # a connection of its own, LISTENing for catalog_changed
        self._catalog_callbacks: list[Callable[[], None]] = []
        # (shard_count, shard_ids) of this process, set by the bot: loops that post (daily, quiz, outbox)
        # take only rows of guilds on its own shards. (None, None): every guild, as unsharded.
        self.shards: tuple[int | None, tuple[int, ...] | None] = (None, None)

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PostgresStore:
        if asyncpg is None:
            raise PostgresUnavailable(
                "DATABASE_URL is a PostgreSQL URL but asyncpg is not installed: pip install '.[postgres]'"
            )
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError) as error:
            raise PostgresUnavailable(f"cannot connect to PostgreSQL at {redact(url)}: {error}") from error
        store = cls(pool, url)
        try:
            store.created = await store._migrate()
        except BaseException:
            await store.close()
            raise
        return store

    def shard_sql(self, guild_column: str) -> tuple[str, tuple[int, ...]]:
        """` AND <this process's shards>` for a query over `guild_column`, and its parameters."""
        return shard_filter(guild_column, *self.shards)

    async def close(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
        await self.pool.close()

    async def on_catalog_change(self, callback: Callable[[], None]) -> bool:
        """Calls `callback` whenever any process commits a change to films or aliases (NOTIFY), so caches
        drop at once instead of at their next version check. True when listening; False (the version
        check alone then) when the listening connection cannot be made. A lost listener is not revived:
        the version check, asked at least once a second, still catches every change."""
        self._catalog_callbacks.append(callback)
        if self._listener is None:
            try:
                self._listener = await asyncpg.connect(self.url)
                await self._listener.add_listener(_NOTIFY_CHANNEL, self._notified)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("cannot LISTEN for catalog changes (%s); checking the version each second", error)
                self._listener = None
                return False
        return True

    def _notified(self, *_: object) -> None:
        for callback in self._catalog_callbacks:
            callback()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgConnection(conn)

    async def write(self, sql: str, params: Iterable[Any] = ()) -> None:
        await self.conn.execute(sql, tuple(params))

    async def write_returning(
        self, sql: str, params: Iterable[Any] = (), *, lock: tuple[object, ...] = ()
    ) -> list[Any]:
        """One statement with RETURNING; with `lock`, inside a transaction holding that key's advisory
        lock, so statements that read what the other just wrote (the first right answer) take turns."""
        values = tuple(params)
        if not lock:
            return await self.conn.execute_fetchall(sql, values)
        async with self.transaction() as conn:
            await self.lock(conn, lock_key(*lock))
            return await conn.execute_fetchall(sql, values)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return await self.conn.execute_fetchall(sql, tuple(params))

    async def fetch_point(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """SQLite answers these on the event loop; here every read is a round trip to the server anyway."""
        return await self.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @staticmethod
    async def lock(conn: PgConnection, key: int) -> None:
        """Held until the transaction ends: read-then-write on the same key never interleaves."""
        await conn.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    @staticmethod
    async def claim(conn: PgConnection, table: str, row_id: int) -> bool:
        """Locks the row for this transaction, or returns False at once when another process holds it
        (FOR UPDATE SKIP LOCKED): a claim never queues behind another process's claim of the same row."""
        if table not in _CLAIMABLE:
            raise ValueError(f"not a claimable table: {table}")
        rows = await conn.execute_fetchall(f"SELECT id FROM {table} WHERE id = ? FOR UPDATE SKIP LOCKED", (row_id,))  # noqa: S608
        return bool(rows)

    async def table_columns(self, table: str) -> set[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
        return {row[0] for row in rows}

    async def table_names(self) -> set[str]:
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in rows}

    async def data_version(self) -> int:
        """Moves when films, aliases, facts, hidden facts or spoiler marks change, by any process
        (triggers bump the counter: migrations 0001 and 0010). One indexed
        read; the title index asks at most once a second, so an import shows up everywhere within that.
        (The trigger also NOTIFYs catalog_changed for anything that wants a push instead.)"""
        row = await self.fetchone("SELECT version FROM catalog_version WHERE id = 1")
        return int(row[0])

    async def _migrate(self) -> bool:
        """Each numbered migration in its own transaction, all under one advisory lock: processes starting
        at once on an empty database take turns, and the later ones find the work done."""
        migrations = available_pg_migrations()
        newest = max((version for version, _, _ in migrations), default=0)
        fresh = False
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at TEXT NOT NULL"
                    " DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"
                )
                applied = {row[0] for row in await conn.fetch("SELECT version FROM schema_migrations")}
                if applied and max(applied) > newest:
                    raise SchemaTooNew(
                        f"{self.path} has schema version {max(applied)} but this release knows only up to {newest}:"
                        " a newer release of Film Trivia Bot wrote it; install that release (git pull)"
                    )
                for version, name, sql in migrations:
                    if version in applied:
                        continue
                    fresh = fresh or version == migrations[0][0]
                    log.info("applying PostgreSQL migration %04d_%s", version, name)
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        return fresh


def available_pg_migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot.db").joinpath("migrations_pg").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match["version"]), match["name"], entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and re.match(r"^postgres(ql)?://", location) is not None
