"""Daily trivia through the real discord.py client: an admin sets it, the clock reaches it, one post."""

from __future__ import annotations

from datetime import UTC, datetime

from cogs.daily import Daily
from cogs.kit import cog_of
from tests.e2e.conftest import BotFactory, schedule
from tests.support.fake_clock import FakeClock
from tests.support.protocol import Reply
from tests.support.standin import MANAGE_GUILD, MEMBER_PERMISSIONS, SEND_MESSAGES, DiscordStandIn, Recorded

ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD


def channel_post(channel_id: str):
    def match(request: Recorded) -> bool:
        return request.method == "POST" and request.path == f"/channels/{channel_id}/messages"

    return match


async def test_admin_sets_a_schedule_and_exactly_one_fact_is_posted_even_across_a_restart(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=0.02)

    reply = await standin.interact(
        standin.slash(
            guild, "trivia-daily set", {"channel": ("channel", channel), "time": "9:30am", "timezone": "europe/london"},
            member=standin.member(permissions=ADMIN),
        )
    )  # fmt: skip
    assert reply.ephemeral
    due = int(datetime(2026, 6, 1, 8, 30, tzinfo=UTC).timestamp())
    assert f"<t:{due}:F>" in reply.content
    assert f"<t:{due}:R>" in reply.content
    assert "09:30 (Europe/London)" in reply.content

    listed = await standin.interact(standin.slash(guild, "trivia-daily list", member=standin.member(permissions=ADMIN)))
    assert f"<#{channel}>" in listed.embeds[0]["description"]
    assert f"<t:{due}:F>" in listed.embeds[0]["description"]

    clock.set(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    post = await standin.wait_for_request(channel_post(channel))  # the real loop, ticking
    embed = post.body["embeds"][0]
    assert embed["title"] == "Fact of the day: Mask (1985)"
    assert post.body["allowed_mentions"] == {"parse": []}
    assert post.body["components"][0]["components"][0]["custom_id"].endswith(":r")

    daily_cog = bot.get_cog("Daily")
    await daily_cog.tick()
    await daily_cog.tick()
    assert len(standin.posted("POST", f"/channels/{channel}/messages")) == 1

    await bot.close()
    restarted = await start_bot(clock=clock, daily_tick_seconds=3600)
    assert await restarted.get_cog("Daily").tick() == 0
    assert len(standin.posted("POST", f"/channels/{channel}/messages")) == 1


async def test_a_post_claimed_before_a_crash_is_resent_once_and_discord_keeps_one(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    await schedule(bot, guild, channel, "08:30")
    clock.set(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    cog = cog_of(bot, Daily)
    (post,) = await bot.daily.claim_due()
    await cog.send_post(post)  # sent, but the process "dies" before the confirmation is stored:
    await bot.store.conn.execute("UPDATE daily_posts SET status = 'claimed', message_id = NULL")

    await bot.close()
    restarted = await start_bot(clock=clock, daily_tick_seconds=3600)
    await restarted.get_cog("Daily").tick()  # (or the loop's first pass got there first: ticks take turns)
    assert len(standin.posted("POST", f"/channels/{channel}/messages")) == 2  # re-sent with the same nonce...
    assert len(standin.created_messages[channel]) == 1  # ...so the channel shows one message
    assert await restarted.get_cog("Daily").tick() == 0


async def test_a_member_without_manage_server_is_refused_and_nothing_is_stored(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    bot = await start_bot(daily_tick_seconds=3600)

    for command, options in [
        ("trivia-daily set", {"channel": ("channel", channel), "time": "09:00"}),
        ("trivia-daily stop", {"channel": ("channel", channel)}),
        ("trivia-daily list", {}),
    ]:
        reply = await standin.interact(standin.slash(guild, command, options))
        assert reply.ephemeral
        assert reply.content == "You need the **Manage Server** permission to do that."
    assert await bot.daily.schedules(int(guild.id)) == []


async def test_bad_input_and_unusable_channels_are_refused_with_reasons(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    closed = guild.add_text_channel("closed", deny_bot=SEND_MESSAGES, bot_id=standin.application_id)
    open_ = guild.channels[0]["id"]
    bot = await start_bot(daily_tick_seconds=3600)
    admin = standin.member(permissions=ADMIN)

    async def set_(options: dict) -> str:
        reply = await standin.interact(standin.slash(guild, "trivia-daily set", options, member=admin))
        assert reply.ephemeral
        return reply.content

    assert "missing **Send Messages**" in await set_({"channel": ("channel", closed), "time": "09:00"})
    assert "is not a time" in await set_({"channel": ("channel", open_), "time": "half past nine"})
    assert "not a time zone I know" in await set_({"channel": ("channel", open_), "time": "9", "timezone": "Mars/Base"})
    assert "No film called" in await set_({"channel": ("channel", open_), "time": "9", "film": "zzzz"})
    assert await bot.daily.schedules(int(guild.id)) == []

    stop = await standin.interact(
        standin.slash(guild, "trivia-daily stop", {"channel": ("channel", open_)}, member=admin)
    )
    assert "has no daily trivia" in stop.content

    zones = await standin.interact(standin.autocomplete(guild, "trivia-daily set", "timezone", "lond"))
    assert zones.data["choices"][0]["value"] == "Europe/London"


async def test_forbidden_and_deleted_channels_pause_while_others_still_get_their_post(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    good = guild.channels[0]["id"]
    forbidden = guild.add_text_channel("forbidden")
    gone = guild.add_text_channel("gone")
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    for channel in (forbidden, good, gone):
        await schedule(bot, guild, channel, "09:00")
    standin.fail("POST", f"/channels/{forbidden}/messages", 403, times=-1)
    standin.fail("POST", f"/channels/{gone}/messages", 404, times=-1)

    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await bot.get_cog("Daily").tick() == 3

    assert len(standin.created_messages.get(good, [])) == 1
    by_channel = {v.schedule.channel_id: v.schedule for v in await bot.daily.schedules(int(guild.id))}
    assert "lacks permission" in (by_channel[int(forbidden)].paused_reason or "")
    assert by_channel[int(gone)].paused_reason == "the channel no longer exists"
    assert by_channel[int(good)].paused_reason is None

    listed = await standin.interact(standin.slash(guild, "trivia-daily list", member=standin.member(permissions=ADMIN)))
    assert "⏸ paused: the channel no longer exists" in listed.embeds[0]["description"]


async def test_a_deleted_channel_pauses_and_leaving_the_server_forgets_its_schedules(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    kept = guild.channels[0]["id"]
    doomed = guild.add_text_channel("doomed")
    bot = await start_bot(daily_tick_seconds=3600)
    for channel in (kept, doomed):
        await schedule(bot, guild, channel, "09:00")

    await standin.dispatch("CHANNEL_DELETE", {**guild.channel(doomed), "guild_id": guild.id})
    await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))  # events are handled in order
    await drain_writes(bot)
    by_channel = {v.schedule.channel_id: v.schedule for v in await bot.daily.schedules(int(guild.id))}
    assert by_channel[int(doomed)].paused_reason == "the channel was deleted"
    assert by_channel[int(kept)].paused_reason is None

    # A deleted channel cannot be picked in /trivia-daily stop: the list offers to remove its schedule.
    admin = standin.member(permissions=ADMIN)
    listed = await standin.interact(standin.slash(guild, "trivia-daily list", member=admin))
    (button,) = [c for row in listed.data["components"] for c in row["components"]]
    assert button["label"] == "Remove 1 schedule of deleted channels"
    stranger = await standin.interact(
        standin.button(guild, button["custom_id"], member=standin.member(permissions=ADMIN), message=listed.message)
    )
    assert stranger.ephemeral
    assert "belong to whoever ran the command" in stranger.content
    removed = await standin.interact(standin.button(guild, button["custom_id"], member=admin, message=listed.message))
    assert removed.type == Reply.UPDATE_MESSAGE
    assert removed.content == "Removed 1 schedule of deleted channels."
    assert [v.schedule.channel_id for v in await bot.daily.schedules(int(guild.id))] == [int(kept)]

    other = standin.add_guild("Other")
    await standin.dispatch("GUILD_CREATE", other.payload(standin.bot_user))
    await standin.dispatch("GUILD_DELETE", {"id": guild.id, "unavailable": False})
    await standin.interact(standin.slash(other, "trivia", {"film": "mask"}))
    await drain_writes(bot)
    assert await bot.daily.schedules(int(guild.id)) == []


async def drain_writes(bot) -> None:
    """Waits for writes already under way: the store's write lock is taken in arrival order."""
    async with bot.store.transaction():
        pass
