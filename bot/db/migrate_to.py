"""`python -m bot migrate-to URL`: everything in a SQLite database copied into an empty PostgreSQL one.

Export/import would keep the facts only; this keeps every row with its id (so daily history, channel
records, submissions and their events, the outbox, quiz games and scores stay attached), by COPY, table
by table in foreign-key order, in one transaction: a failure leaves the PostgreSQL database empty."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.db.pgstore import PgConnection, PostgresStore
from bot.db.store import Store

# Parents before children. A table a newer SQLite migration adds must be added here (a test checks).
TABLES = (
    "films", "film_aliases", "facts", "channel_shown", "meta",
    "daily_schedules", "daily_posts",
    "guild_settings", "submissions", "submission_events", "blocked_submitters",
    "reports", "report_reasons", "hidden_facts", "spoiler_marks", "audit_log", "outbox",
    "quiz_games", "quiz_rounds", "quiz_answers",
)  # fmt: skip
NOT_COPIED = ("schema_migrations",)  # each engine keeps its own record of migrations
CHUNK = 20_000


class TargetNotEmpty(Exception):
    """The PostgreSQL database already holds a catalog; copying into it would mix two installations."""


@dataclass
class Copied:
    rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return ", ".join(f"{table} {count}" for table, count in self.rows.items() if count) or "nothing (empty)"


async def migrate(source: Store, target: PostgresStore) -> Copied:
    existing = await target.fetchone("SELECT (SELECT count(*) FROM films) + (SELECT count(*) FROM daily_schedules)")
    if existing and existing[0]:
        raise TargetNotEmpty(
            f"{target.path} already has films or schedules: migrate-to copies into an empty database only"
        )
    copied = Copied()
    async with target.transaction() as conn:
        await conn.execute("DELETE FROM meta")  # a fresh PostgreSQL start may have stored its own keys
        for table in TABLES:
            copied.rows[table] = await _copy_table(source, conn, table)
        for table in TABLES:
            if "id" in await target.table_columns(table):
                # Identity columns continue after the copied ids.
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608 - names from TABLES
                    f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        await conn.execute("UPDATE catalog_version SET version = version + 1 WHERE id = 1")
    return copied


async def _copy_table(source: Store, conn: PgConnection, table: str) -> int:
    columns = [row[1] for row in await source.fetchall("SELECT * FROM pragma_table_info(?)", (table,))]
    if not columns:
        return 0
    keyed = "id" in columns
    total, last = 0, None
    while True:
        # Pages (keyset on id where there is one): a million facts never sit in memory at once.
        if keyed:
            where = "" if last is None else " WHERE id > ?"
            sql = f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY id LIMIT {CHUNK}"  # noqa: S608
            params: tuple[object, ...] = () if last is None else (last,)
        else:  # WITHOUT ROWID tables: ordered by their primary key
            sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2 LIMIT {CHUNK} OFFSET ?"  # noqa: S608
            params = (total,)
        rows = await source.fetchall(sql, params)
        if not rows:
            return total
        await conn.copy_records(table, columns, [tuple(row) for row in rows])
        total += len(rows)
        if keyed:
            last = rows[-1][columns.index("id")]
