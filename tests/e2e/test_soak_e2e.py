"""Concurrency soak: the real bot process serves /trivia, autocomplete and submissions while another
process (`python -m bot import`) imports 150,000 facts and daily posts fall due in the middle of it.

What a member would see is asserted: no apology, every answer within Discord's 3 s, every submission
receipt backed by a stored row; and every due post made exactly once. Bounded: the test ends when the
import has finished and every post is in, well under 40 s."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.db.catalog import CatalogRepository
from bot.db.daily import DailyRepository
from bot.db.store import Store
from bot.services.importing import import_files
from tests.conftest import ROOT, SEED_PAGE
from tests.support.catalog import write as write_catalog
from tests.support.process import read_until
from tests.support.standin import DiscordStandIn

FILMS, FACTS = 12_000, 150_000
CHANNELS = 6
DEADLINE = 3.0  # seconds: Discord's limit for the first answer to an interaction
APOLOGY = "Sorry, something went wrong"
T = TypeVar("T")


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "TRIVIA_"))}
    return {**base, "PYTHONPATH": str(ROOT), **extra}


def film_count(database: Path) -> int:
    with sqlite3.connect(database, timeout=10) as db:
        return db.execute("SELECT count(*) FROM films").fetchone()[0]


async def test_the_bot_keeps_its_promises_while_another_process_imports_and_posts_fall_due(
    standin: DiscordStandIn, tmp_path: Path
):
    catalog = write_catalog(tmp_path / "catalog", films=FILMS, facts=FACTS)
    guild = standin.add_guild()
    channels = [guild.add_text_channel(f"daily-{n}") for n in range(CHANNELS)]
    database = tmp_path / "soak.db"
    store = await Store.open(database)
    await import_files(CatalogRepository(store), [SEED_PAGE])
    later = datetime.now(UTC) + timedelta(days=1)
    for channel in channels:
        await DailyRepository(store).save(
            guild_id=int(guild.id), channel_id=int(channel), local_time="09:00", timezone="UTC", film_id=None,
            next_due_at=later, admin_id=1, now=datetime.now(UTC),
        )  # fmt: skip
    await store.close()
    seeded = film_count(database)

    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT,
        env=env(DISCORD_TOKEN="t", DATABASE_PATH=str(database), DISCORD_API_BASE=standin.api_base,
                DISCORD_GATEWAY_URL=standin.gateway_url, DAILY_TICK_SECONDS="0.5", LOG_LEVEL="INFO"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert bot.stdout is not None
    log: list[str] = []
    importer = None
    try:
        await asyncio.wait_for(read_until(bot.stdout, "logged in as", log), 30)
        draining = asyncio.create_task(drain(bot.stdout, log))
        importer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--database", str(database), "import", str(catalog), cwd=ROOT,
            env=env(LOG_LEVEL="WARNING"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        # The posts fall due one a second from now, while the importer parses and then writes: the bot
        # must claim, send and record each between the importer's chunks.
        await asyncio.to_thread(make_due, database, [int(c) for c in channels])

        durations: list[float] = []

        async def timed(interaction: Awaitable[T]) -> T:
            started = time.monotonic()
            try:
                return await interaction
            finally:
                durations.append(time.monotonic() - started)

        answers: list[str] = []
        receipts: list[int] = []
        rounds_mid_import = 0
        n = 0
        while importer.returncode is None:
            n += 1
            films = await asyncio.to_thread(film_count, database)
            mid_import = seeded < films < seeded + FILMS
            member = standin.member(name=f"Fan {n}")  # one member a round: no rate limit or cooldown
            trivia = await timed(
                standin.interact(standin.slash(guild, "trivia", {"film": "Mask (1985)"}, member=member))
            )
            choices = await timed(standin.interact(standin.autocomplete(guild, "trivia", "film", "Mask (1985")))
            modal = await timed(
                standin.interact(standin.slash(guild, "trivia-submit", {"film": "Mask (1985)"}, member=member))
            )
            values = {"The fact": distinct_fact(n), "Source (optional)": ""}
            receipt = await timed(standin.interact(standin.modal_submit(guild, modal, values, member=member)))
            answers += [trivia.content, receipt.content]
            assert trivia.embeds, trivia.content
            assert trivia.embeds[0]["title"] == "Mask (1985)"
            assert any(c["name"] == "Mask (1985)" for c in choices.data["choices"]), choices.data
            number = re.search(r"Submission \*\*#(\d+)\*\*", receipt.content)
            assert number, receipt.content
            receipts.append(int(number[1]))
            rounds_mid_import += mid_import
            await asyncio.sleep(0)
        output = (await importer.stdout.read()).decode(errors="replace")
        assert importer.returncode == 0, output
        assert f"films: {FILMS} added" in output

        await standin.wait_until(lambda: all(standin.created_messages.get(c) for c in channels), within=20)
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 15) == 0
        await draining
    finally:
        for process in (bot, importer):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()

    text = "".join(log)
    assert all(APOLOGY not in a for a in answers)
    sent_to_discord = [json.dumps(r.body) for r in standin.requests if isinstance(r.body, dict)]
    assert not any(APOLOGY in body for body in sent_to_discord)  # not even as a follow-up
    assert APOLOGY not in text, text
    assert "Traceback" not in text, text
    assert max(durations) < DEADLINE, f"slowest answer {max(durations):.2f} s of {len(durations)}"
    print(
        f"soak: {len(durations)} answers, {rounds_mid_import} rounds during the import's writes,"
        f" slowest {max(durations) * 1000:.0f} ms, median {sorted(durations)[len(durations) // 2] * 1000:.0f} ms"
    )
    with sqlite3.connect(database) as db:
        stored = {r[0] for r in db.execute("SELECT id FROM submissions")}
        posts = db.execute("SELECT channel_id, status FROM daily_posts ORDER BY channel_id").fetchall()
    assert set(receipts) <= stored
    assert len(receipts) == len(set(receipts))
    assert posts == [(int(c), "sent") for c in sorted(channels, key=int)]
    assert all(len(standin.created_messages[c]) == 1 for c in channels)
    assert all(len(standin.posted("POST", f"/channels/{c}/messages")) == 1 for c in channels)
    # Readers saw the catalog grow chunk by chunk (each film whole) while members were being answered.
    assert rounds_mid_import >= 2, f"only {rounds_mid_import} rounds saw the import half-way"


WORDS = [
    "lighthouse",
    "mirror",
    "carnival",
    "harbour",
    "violin",
    "lantern",
    "orchard",
    "bicycle",
    "compass",
    "meadow",
    "thunder",
    "velvet",
    "glacier",
    "pepper",
    "saddle",
    "quarry",
    "tunnel",
    "falcon",
    "ribbon",
    "anchor",
    "blanket",
    "cinder",
    "dagger",
    "ember",
    "fiddle",
    "goblet",
    "hammock",
    "iceberg",
    "jasmine",
    "kettle",
    "ladder",
    "marble",
    "nectar",
    "oyster",
    "parrot",
    "quilt",
    "raven",
    "saffron",
    "tulip",
    "umbrella",
    "walnut",
]


def distinct_fact(n: int) -> str:
    """Texts far apart from one another, so the near-duplicate check lets each one through."""
    rng = random.Random(n)
    return f"During the shoot the {' '.join(rng.sample(WORDS, 9))} scene needed {n} attempts."


def make_due(database: Path, channels: list[int]) -> None:
    now = int(time.time())
    with sqlite3.connect(database, timeout=10) as db:
        for offset, channel in enumerate(channels, start=1):
            db.execute("UPDATE daily_schedules SET next_due_at = ? WHERE channel_id = ?", (now + offset, channel))


async def drain(stream: asyncio.StreamReader, log: list[str]) -> None:
    while line := await stream.readline():
        log.append(line.decode(errors="replace"))
