"""Exactly once, as far as it can honestly go: a daily post claimed before a "crash" is re-sent (with its
nonce, so Discord keeps one message) only while Discord's nonce check still covers it; an older claim is
given up and logged, never sent a second time. On the injected clock."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.daily import RESEND_WINDOW
from cogs.daily import Daily
from cogs.kit import cog_of
from tests.e2e.conftest import BotFactory, schedule
from tests.support.fake_clock import FakeClock
from tests.support.standin import DiscordStandIn

DUE = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)


async def claim_then_crash(standin: DiscordStandIn, start_bot: BotFactory, clock: FakeClock, *, sent: bool):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    await schedule(bot, guild, channel, "08:30")
    clock.set(DUE)
    (post,) = await bot.daily.claim_due()
    if sent:  # Discord has the message, but the process "dies" before recording it
        await cog_of(bot, Daily).send_post(post)
        await bot.store.write("UPDATE daily_posts SET status = 'claimed', message_id = NULL")
    await bot.close()
    return guild, channel


def statuses(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "trivia.db") as db:
        return [r[0] for r in db.execute("SELECT status FROM daily_posts ORDER BY id")]


async def test_a_claim_inside_the_nonce_window_is_resent_and_discord_keeps_one_message(
    standin: DiscordStandIn, start_bot: BotFactory, tmp_path
):
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    _, channel = await claim_then_crash(standin, start_bot, clock, sent=True)
    clock.set(DUE + RESEND_WINDOW - timedelta(seconds=1))
    restarted = await start_bot(clock=clock, daily_tick_seconds=3600)
    await restarted.get_cog("Daily").tick()
    posts = standin.posted("POST", f"/channels/{channel}/messages")
    assert len(posts) == 2
    assert posts[0].body["nonce"] == posts[1].body["nonce"]
    assert len(standin.created_messages[channel]) == 1
    assert statuses(tmp_path) == ["sent"]


@pytest.mark.parametrize("sent", [True, False], ids=["sent-before-crash", "not-sent-before-crash"])
async def test_a_claim_older_than_the_nonce_window_is_given_up_logged_and_shown_never_sent_twice(
    standin: DiscordStandIn, start_bot: BotFactory, tmp_path, caplog, sent: bool
):
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    guild, channel = await claim_then_crash(standin, start_bot, clock, sent=sent)
    clock.set(DUE + RESEND_WINDOW + timedelta(seconds=1))
    with caplog.at_level(logging.WARNING):
        restarted = await start_bot(clock=clock, daily_tick_seconds=3600)
        cog = restarted.get_cog("Daily")
        assert await cog.tick() == 0
        assert await cog.tick() == 0
    assert len(standin.posted("POST", f"/channels/{channel}/messages")) == (1 if sent else 0)
    assert statuses(tmp_path) == ["failed"]
    assert any("given up, not re-sent" in r.getMessage() for r in caplog.records)
    (view,) = await restarted.daily.schedules(int(guild.id))
    assert "not confirmed before the bot stopped" in (view.schedule.problem or "")

    clock.set(DUE + timedelta(days=1))  # the next day posts as usual
    assert await cog.tick() == 1
    assert len(standin.created_messages[channel]) == (2 if sent else 1)
