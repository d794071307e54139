"""Discord misbehaving: dropped gateways, invalid sessions, 429s and 5xx, proven against the real client."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import TriviaBot
from tests.e2e.conftest import BotFactory
from tests.support.fake_clock import FakeClock
from tests.support.standin import DiscordStandIn, Guild

DUE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def trivia_answers(standin: DiscordStandIn, guild: Guild) -> None:
    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask"}))
    assert reply.embeds[0]["title"] == "Mask (1985)"


async def test_a_dropped_gateway_is_resumed_and_the_next_trivia_answered(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    await start_bot()
    await standin.drop_gateway(code=4000)
    await standin.wait_until(lambda: standin.resumes == 1)
    assert standin.identifies == 1  # resumed, not a new session
    await trivia_answers(standin, guild)


async def test_an_invalid_session_makes_the_bot_identify_again(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    bot = await start_bot()

    async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s of wall clock before identifying again; the test has no use for it."""

    bot.before_identify_hook = identify_now  # type: ignore[method-assign]
    await standin.invalidate_session()
    await standin.wait_until(lambda: standin.identifies == 2)
    await trivia_answers(standin, guild)


async def schedule_everywhere(bot: TriviaBot, guild: Guild, channels: list[str]) -> None:
    for channel in channels:
        await bot.daily.set_schedule(
            guild_id=int(guild.id), channel_id=int(channel), time_text="09:00", timezone="UTC", film=None, admin_id=1
        )


async def test_429s_on_many_due_posts_delay_them_and_lose_none(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    channels = [guild.add_text_channel(f"c{i}") for i in range(20)]
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    await schedule_everywhere(bot, guild, channels)
    faults = [standin.fail("POST", f"/channels/{c}/messages", 429, times=1, retry_after=0.01) for c in channels]

    clock.set(DUE)
    assert await bot.get_cog("Daily").tick() == 20
    assert all(f.hits == 1 for f in faults)  # every channel was rate limited once...
    assert all(len(standin.created_messages[c]) == 1 for c in channels)  # ...and still got exactly one post
    assert all(v.schedule.problem is None for v in await bot.daily.schedules(int(guild.id)))


async def test_a_500_is_retried_by_discord_py_and_the_post_is_made_once(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    channel = guild.channels[0]["id"]
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    await schedule_everywhere(bot, guild, [channel])
    fault = standin.fail("POST", f"/channels/{channel}/messages", 500, times=1)

    clock.set(DUE)
    await bot.get_cog("Daily").tick()  # discord.py waits a second and tries again
    assert fault.hits == 1
    assert len(standin.created_messages[channel]) == 1


async def test_a_503_is_recorded_retried_next_tick_and_other_channels_still_post(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    failing, fine = guild.channels[0]["id"], guild.add_text_channel("fine")
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    bot = await start_bot(clock=clock, daily_tick_seconds=3600)
    await schedule_everywhere(bot, guild, [failing, fine])
    standin.fail("POST", f"/channels/{failing}/messages", 503, times=1)

    clock.set(DUE)
    cog = bot.get_cog("Daily")
    await cog.tick()
    assert len(standin.created_messages[fine]) == 1
    assert failing not in standin.created_messages
    problems = {v.schedule.channel_id: v.schedule.problem for v in await bot.daily.schedules(int(guild.id))}
    assert problems[int(failing)] == "Discord answered 503 on the last try"

    clock.advance(seconds=30)
    assert await cog.tick() == 1  # the claimed post is sent again, not claimed anew
    assert len(standin.created_messages[failing]) == 1
    assert len(standin.created_messages[fine]) == 1
