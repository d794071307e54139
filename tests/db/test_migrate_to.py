"""`python -m bot migrate-to URL`: a SQLite installation moves to PostgreSQL whole, ids and history included."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db.catalog import CatalogRepository
from bot.db.daily import Advance, DailyRepository
from bot.db.meta import MetaRepository
from bot.db.migrate_to import NOT_COPIED, TABLES
from bot.db.pgstore import PostgresStore
from bot.db.store import Store
from bot.db.submissions import Draft, GuildSettings, SubmissionRepository
from bot.services.importing import import_files
from bot.services.trivia import TriviaService
from tests.conftest import SEED_PAGE
from tests.support.db import posts_for_channel
from tests.support.process import cli

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
GUILD = 81_000_000_000_000_000  # a real-sized snowflake: past 32 bits


async def test_every_sqlite_table_is_copied(tmp_path: Path):
    store = await Store.open(tmp_path / "t.db")
    try:
        tables = await store.table_names()
    finally:
        await store.close()
    assert tables - set(NOT_COPIED) == set(TABLES)


async def test_migrate_to_copies_everything_and_postgres_carries_on_from_there(tmp_path: Path, pg_url: str):
    path = tmp_path / "trivia.db"
    source = await Store.open(path)
    try:
        await import_files(CatalogRepository(source), [SEED_PAGE])
        daily = DailyRepository(source)
        schedule = await daily.save(
            guild_id=GUILD, channel_id=GUILD + 1, local_time="09:00", timezone="UTC", film_id=None,
            next_due_at=NOW, admin_id=GUILD + 2, now=NOW,
        )  # fmt: skip
        post = await daily.advance(Advance(schedule, NOW + timedelta(days=1), "2026-06-01"), random.Random(1), NOW)
        assert post is not None
        await daily.mark_sent(post.id, GUILD + 3)
        subs = SubmissionRepository(source)
        await subs.save_settings(GuildSettings(GUILD, review_channel_id=GUILD + 4), NOW)
        draft = Draft(GUILD, GUILD + 5, "Member", None, "A New Film", 2001, "A fact long enough to be one.", None)
        await subs.create(draft, NOW, lambda state: None)
        shown = await TriviaService(source).card_for_title("mask", guild_id=GUILD, channel_id=GUILD + 1)
        await shown.remember()
        await MetaRepository(source).set("some-key", "some-value")
        before = {t: (await source.fetchone(f"SELECT count(*) FROM {t}"))[0] for t in TABLES}
        posts_before = await posts_for_channel(source, GUILD + 1)
    finally:
        await source.close()

    code, out, err = await cli("migrate-to", pg_url, database=path)
    assert code == 0, err
    assert "copied" in out
    assert "now set DATABASE_URL" in out

    target = await PostgresStore.open(pg_url)
    try:
        after = {t: (await target.fetchone(f"SELECT count(*) FROM {t}"))[0] for t in TABLES}
        assert after == before
        assert await posts_for_channel(target, GUILD + 1) == posts_before
        assert (await SubmissionRepository(target).oldest_pending(GUILD)).proposed_title == "A New Film"  # type: ignore[union-attr]
        assert await MetaRepository(target).get("some-key") == "some-value"
        # New rows continue after the copied ids.
        last = (await target.fetchone("SELECT max(id) FROM facts"))[0]
        async with target.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO facts (film_id, text, origin, content_hash) VALUES (1, 'new', 'import', ?)", (b"new",)
            )
        assert cursor.lastrowid == last + 1
        assert (await TriviaService(target).show("mask", guild_id=GUILD, channel_id=9)).film_title == "Mask"
    finally:
        await target.close()

    code, _, err = await cli("migrate-to", pg_url, database=path)
    assert code != 0
    assert "already has films or schedules: migrate-to copies into an empty database only" in err
