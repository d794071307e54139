"""Kill -9 at the worst moments, restart, and look at the database: whole, nothing half-made, nothing
lost, nothing done twice. The moments are failpoints (bot/faults.py): the process kills itself there,
so every run stops at exactly the place the test names."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.daily import DailyRepository
from bot.db.store import Store
from bot.services.importing import import_files
from bot.services.submissions import SubmissionService
from bot.services.trivia import TriviaService
from tests.conftest import ROOT, SEED_PAGE
from tests.support.catalog import write as write_catalog
from tests.support.standin import DiscordStandIn

KILLED = -signal.SIGKILL


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "TRIVIA_"))}
    return {**base, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **extra}


def cli(database: Path, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = {"TRIVIA_FAILPOINT": failpoint} if failpoint else {}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--database", str(database), *args],
        cwd=ROOT, env=env(**extra), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def assert_whole(database: Path) -> None:
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT (SELECT count(*) FROM films), (SELECT count(*) FROM facts)").fetchone()


def films_are_whole(database: Path, catalog: Path) -> None:
    """Every film the database holds has every fact the file gives it: a chunk commits films whole."""
    expected = {(f["title"], f["year"]): len(f["facts"]) for f in json.loads(catalog.read_text())["films"]}
    with sqlite3.connect(database) as db:
        held = db.execute(
            "SELECT f.title, f.year, count(x.id) FROM films f LEFT JOIN facts x ON x.film_id = f.id GROUP BY f.id"
        ).fetchall()
    assert [row for row in held if expected[(row[0], row[1])] != row[2]] == []


def test_an_import_killed_anywhere_keeps_every_committed_film_whole_and_a_rerun_finishes_it(tmp_path: Path):
    # 4,500 films of 2 facts: chunks of 2,000 films (4,000 facts), so three commits: 2,000, 2,000, 500.
    catalog = write_catalog(tmp_path / "catalog", films=4_500, facts=9_000)
    database = tmp_path / "crash.db"
    for point, committed in (
        ("import.before_commit:1", 0),  # killed inside the first chunk: nothing
        ("import.chunk:1", 2_000),  # killed just after the first commit: its films, whole
        ("import.before_commit:3", 4_000),  # a rerun, killed inside its third chunk: the first two
    ):
        result = cli(database, "import", str(catalog), failpoint=point)
        assert result.returncode == KILLED, result.stderr
        assert_whole(database)
        assert counts(database) == (committed, committed * 2), point
        films_are_whole(database, catalog)

    finished = cli(database, "import", str(catalog))
    assert finished.returncode == 0, finished.stderr
    assert "films: 500 added, 4000 already present" in finished.stdout
    assert counts(database) == (4_500, 9_000)
    films_are_whole(database, catalog)
    assert cli(database, "import", str(catalog), failpoint="import.before_commit").returncode == KILLED
    assert_whole(database)
    assert counts(database) == (4_500, 9_000)


async def test_a_decision_killed_before_commit_is_not_half_made_and_can_be_made_once(tmp_path: Path):
    database = tmp_path / "crash.db"
    store = await Store.open(database)
    await import_files(CatalogRepository(store), [SEED_PAGE])
    subs = SubmissionService(store, TriviaService(store))
    submission, _ = await subs.submit(
        guild_id=1, member_id=5, member_name="Fan", target=await subs.target("mask"),
        text="The hospital scenes were filmed in a closed wing of a real hospital.", source=None,
    )  # fmt: skip
    await store.close()

    def approve(failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
        extra = {"TRIVIA_FAILPOINT": failpoint} if failpoint else {}
        return subprocess.run(
            [sys.executable, "-m", "tests.support.crash_helper", "approve", str(database), str(submission.id)],
            cwd=ROOT, env=env(**extra), capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    assert approve("submission.before_decision_commit").returncode == KILLED
    assert_whole(database)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT status FROM submissions").fetchone()[0] == "pending"
        assert db.execute("SELECT count(*) FROM facts WHERE guild_id IS NOT NULL").fetchone()[0] == 0
        assert [r[0] for r in db.execute("SELECT action FROM submission_events")] == ["submitted"]

    assert approve().returncode == 0
    again = approve()
    assert again.returncode == 3
    assert "already approved by Crash Test Mod" in again.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM facts WHERE guild_id = 1").fetchone()[0] == 1
        assert [r[0] for r in db.execute("SELECT action FROM submission_events")] == ["submitted", "approved"]


@pytest.mark.parametrize(
    ("failpoint", "posts_before_kill"),
    [("daily.before_claim_commit", 0), ("daily.claimed", 0), ("daily.sent", 1)],
)
async def test_a_bot_killed_while_posting_posts_exactly_once_after_a_restart(
    standin: DiscordStandIn, tmp_path: Path, failpoint: str, posts_before_kill: int
):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    database = tmp_path / "crash.db"
    store = await Store.open(database)
    await import_files(CatalogRepository(store), [SEED_PAGE])
    now = datetime.now(UTC)
    await DailyRepository(store).save(
        guild_id=int(guild.id), channel_id=int(channel), local_time="09:00", timezone="UTC", film_id=None,
        next_due_at=now - timedelta(minutes=1), admin_id=1, now=now,
    )  # fmt: skip
    await store.close()
    bot_env = env(
        DISCORD_TOKEN="t", DATABASE_PATH=str(database), DISCORD_API_BASE=standin.api_base,
        DISCORD_GATEWAY_URL=standin.gateway_url,
    )  # fmt: skip

    def posts() -> int:
        return len(standin.posted("POST", f"/channels/{channel}/messages"))

    crashing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env={**bot_env, "TRIVIA_FAILPOINT": failpoint}
    )
    assert await asyncio.wait_for(crashing.wait(), 60) == KILLED
    assert posts() == posts_before_kill
    assert_whole(database)

    restarted = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=bot_env)
    try:
        await standin.wait_for_request(
            lambda r: r.method == "POST" and r.path == f"/channels/{channel}/messages" and posts() > posts_before_kill,
            within=60,
        )
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(restarted.wait(), 15) == 0

    assert posts() == posts_before_kill + 1  # a re-send carries the claim's nonce...
    assert len(standin.created_messages[channel]) == 1  # ...so the channel shows one post, whatever happened
    assert_whole(database)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT status FROM daily_posts").fetchall() == [("sent",)]
