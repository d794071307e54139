"""The real bot while another process holds SQLite's write lock (a CLI import does): the daily loop goes
on and records its post once, and the bot starts (and serves) instead of crashing."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.db import store as store_module
from tests.e2e.conftest import BotFactory, schedule
from tests.support.fake_clock import FakeClock
from tests.support.standin import DiscordStandIn, Recorded


class OtherProcess:
    """A second connection to the file: SQLite's write lock is per connection, so to the bot it is
    exactly another process holding it."""

    def __init__(self, path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)

    def lock(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.release()
        self.db.close()


async def test_the_daily_loop_survives_a_write_lock_held_across_its_send_and_records_the_post_once_later(
    standin: DiscordStandIn, start_bot: BotFactory, tmp_path, monkeypatch: pytest.MonkeyPatch, caplog
):
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.5)
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    await schedule(bot, guild, channel, "08:30")
    other = OtherProcess(tmp_path / "trivia.db")

    def lock_on_send(request: Recorded) -> bool:
        # Runs as the message arrives at "Discord", after the claim committed and before the bot
        # records the send: the worst moment for another process to take the lock.
        if request.method == "POST" and request.path == f"/channels/{channel}/messages":
            other.lock()
            return True
        return False

    standin._waiters.append((lock_on_send, standin_future()))
    cog = bot.get_cog("Daily")
    clock.set(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    try:
        with caplog.at_level(logging.WARNING):
            assert await cog.tick() == 1  # sent, but recording it fails: the lock is held throughout
        assert other.db.in_transaction
        assert cog.poster.is_running()
        assert any("schedule" in r.getMessage() and channel in r.getMessage() for r in caplog.records)
        assert await cog.tick() == 0  # still locked: nothing recorded, nothing sent again
        other.release()

        await cog.tick()  # a later tick records it, without sending again
        await cog.tick()
    finally:
        other.close()
    assert len(standin.posted("POST", f"/channels/{channel}/messages")) == 1
    assert len(standin.created_messages[channel]) == 1
    with sqlite3.connect(tmp_path / "trivia.db") as db:
        rows = db.execute("SELECT status, message_id FROM daily_posts").fetchall()
    assert rows == [("sent", int(standin.created_messages[channel][0]["id"]))]
    assert cog.poster.is_running()


async def test_a_tick_that_raises_anything_does_not_stop_the_loop(
    standin: DiscordStandIn, start_bot: BotFactory, monkeypatch: pytest.MonkeyPatch
):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=0.01)
    await schedule(bot, guild, channel, "08:30")
    calls = 0
    ticked_again = asyncio.Event()

    async def broken(*args: object) -> None:
        nonlocal calls
        calls += 1
        if calls >= 3:
            ticked_again.set()
        raise ZeroDivisionError("a bug")

    # Everything a tick calls after its claim fails, including what reports the failure.
    monkeypatch.setattr(bot.daily, "card_for_post", broken)
    monkeypatch.setattr(bot.daily, "failed_for_now", broken)
    clock.set(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    await asyncio.wait_for(ticked_again.wait(), 10)  # the loop went on ticking
    assert bot.get_cog("Daily").poster.is_running()


async def test_the_bot_starts_while_another_process_holds_the_write_lock(
    standin: DiscordStandIn, start_bot: BotFactory, tmp_path, monkeypatch: pytest.MonkeyPatch, caplog
):
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.5)
    first = await start_bot(daily_tick_seconds=3600)  # a database with its schema, nothing imported
    await first.close()
    with sqlite3.connect(tmp_path / "trivia.db") as db:
        db.execute("DELETE FROM meta")
        db.execute("DELETE FROM facts")
        db.execute("DELETE FROM films")
    guild = standin.add_guild()
    other = OtherProcess(tmp_path / "trivia.db")
    other.lock()  # held for the whole start-up, longer than the store waits
    try:
        with caplog.at_level(logging.WARNING):
            bot = await start_bot(daily_tick_seconds=3600)
        assert any("bundled data" in r.getMessage() for r in caplog.records)
        other.release()
        reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
        assert reply.ephemeral  # an empty catalog says so; no apology, no crash
        assert "Sorry, something went wrong" not in reply.content
        await bot.close()
    finally:
        other.close()
    restarted = await start_bot(daily_tick_seconds=3600)  # the next start imports what was skipped
    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
    assert reply.embeds[0]["title"] == "Mask (1985)"
    await restarted.close()


def standin_future() -> asyncio.Future[Recorded]:
    return asyncio.get_running_loop().create_future()
