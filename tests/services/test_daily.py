"""Daily scheduling on a real SQLite file, with a clock the test moves."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.daily import DailyService, NoSchedule
from bot.services.trivia import TriviaService
from bot.trivia.errors import FilmNotFound
from bot.trivia.records import FactRecord, FilmRecord
from bot.trivia.schedule import InvalidTime, UnknownTimezone
from tests.support.db import posts_for_channel
from tests.support.fake_clock import FakeClock

GUILD, CHANNEL, ADMIN = 100, 200, 300


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))


def make_service(store: Store, clock: FakeClock) -> DailyService:
    trivia = TriviaService(store, clock=clock)
    return DailyService(store, trivia, clock=clock, rng=random.Random(5), grace=timedelta(hours=6))


@pytest.fixture
async def daily(seeded_store: Store, clock: FakeClock) -> DailyService:
    store = seeded_store
    return make_service(store, clock)


async def set_daily(daily: DailyService, at: str = "10:00", tz: str | None = "Europe/London", **kw) -> None:
    await daily.set_schedule(
        guild_id=kw.get("guild", GUILD), channel_id=kw.get("channel", CHANNEL), time_text=at, timezone=tz,
        film=kw.get("film"), admin_id=ADMIN,
    )  # fmt: skip


async def test_a_schedule_posts_exactly_once_when_due(daily: DailyService, clock: FakeClock):
    await set_daily(daily)  # 10:00 London = 09:00 UTC
    (view,) = await daily.schedules(GUILD)
    assert view.schedule.next_due_at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

    assert await daily.claim_due() == []
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()
    await daily.delivered(post, message_id=1)
    assert post.local_date == "2026-06-01"
    assert await daily.claim_due() == []
    clock.advance(hours=3)
    assert await daily.claim_due() == []
    (view,) = await daily.schedules(GUILD)
    assert view.schedule.next_due_at == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


async def test_a_restart_never_claims_the_same_day_again(daily: DailyService, store: Store, clock: FakeClock):
    await set_daily(daily)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()
    await daily.delivered(post, 1)

    restarted = make_service(store, clock)
    assert await restarted.claim_due() == []


async def test_a_claim_not_confirmed_before_a_crash_is_offered_again_not_reclaimed(
    daily: DailyService, store: Store, clock: FakeClock
):
    await set_daily(daily)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()  # ... and the process dies before sending

    restarted = make_service(store, clock)
    (again,) = await restarted.claim_due()
    assert again.id == post.id  # the same post (same nonce), not a second one for the day
    await restarted.delivered(again, 1)
    assert await restarted.claim_due() == []


async def test_a_channel_sees_every_fact_before_a_repeat(daily: DailyService, store: Store, clock: FakeClock):
    await set_daily(daily, at="09:00", tz="UTC")
    facts = []
    for day in range(12):
        clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC) + timedelta(days=day))
        (post,) = await daily.claim_due()
        await daily.delivered(post, day)
        facts.append(post.fact_id)
    assert len(set(facts[:6])) == 6
    assert len(set(facts[6:])) == 6
    cycles = [c for _, _, _, c in await posts_for_channel(store, CHANNEL)]
    assert cycles == [1] * 6 + [2] * 6


async def test_a_film_schedule_picks_only_that_film(daily: DailyService, store: Store, clock: FakeClock):
    await CatalogRepository(store).import_films([FilmRecord("Heat", 1995, facts=[FactRecord("The diner scene.")])])
    daily.trivia.titles_changed()
    await set_daily(daily, at="09:00", tz="UTC", film="heat")
    for day in range(3):
        clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC) + timedelta(days=day))
        (post,) = await daily.claim_due()
        card = await daily.card_for_post(post)
        assert card.film_label == "Heat (1995)"
        await daily.delivered(post, day)


async def test_downtime_within_grace_catches_up_once_and_older_misses_are_skipped(
    daily: DailyService, clock: FakeClock
):
    await set_daily(daily, at="09:00", tz="UTC")
    clock.set(datetime(2026, 6, 1, 14, 0, tzinfo=UTC))  # 5 h late: within the 6 h grace
    (post,) = await daily.claim_due()
    assert post.local_date == "2026-06-01"
    await daily.delivered(post, 1)

    clock.set(datetime(2026, 6, 4, 20, 0, tzinfo=UTC))  # down for days
    assert await daily.claim_due() == []
    (view,) = await daily.schedules(GUILD)
    assert view.schedule.next_due_at == datetime(2026, 6, 5, 9, 0, tzinfo=UTC)
    assert "skipped 2026-06-02: missed by" in (view.schedule.problem or "")


async def test_changing_the_time_after_todays_post_does_not_post_twice_today(daily: DailyService, clock: FakeClock):
    await set_daily(daily, at="09:00", tz="UTC")
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()
    await daily.delivered(post, 1)
    await set_daily(daily, at="18:00", tz="UTC")
    (view,) = await daily.schedules(GUILD)
    assert view.schedule.next_due_at == datetime(2026, 6, 2, 18, 0, tzinfo=UTC)


async def test_an_undeliverable_post_pauses_the_schedule_until_set_again(daily: DailyService, clock: FakeClock):
    await set_daily(daily, at="09:00", tz="UTC")
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()
    await daily.undeliverable(post, "the channel no longer exists")
    (view,) = await daily.schedules(GUILD)
    assert view.schedule.paused_reason == "the channel no longer exists"
    clock.advance(days=1)
    assert await daily.claim_due() == []

    await set_daily(daily, at="09:30", tz="UTC")  # the admin fixed it: same day may still be posted
    clock.set(datetime(2026, 6, 2, 9, 30, tzinfo=UTC))
    (post,) = await daily.claim_due()
    assert post.local_date == "2026-06-02"


async def test_passing_failures_are_retried_then_given_up(daily: DailyService, store: Store, clock: FakeClock):
    await set_daily(daily, at="09:00", tz="UTC")
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()
    for _ in range(4):
        await daily.failed_for_now(post, "Discord answered 500")
        (post,) = await daily.claim_due()
    await daily.failed_for_now(post, "Discord answered 500")
    assert await daily.claim_due() == []
    assert (await posts_for_channel(store, CHANNEL))[0][2] == "failed"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"at": "25:00"}, InvalidTime),
        ({"tz": "Mars/Olympus"}, UnknownTimezone),
        ({"film": "zzzz"}, FilmNotFound),
    ],
)
async def test_bad_input_changes_nothing(daily: DailyService, kwargs: dict, error: type[Exception]):
    with pytest.raises(error):
        await set_daily(daily, **kwargs)
    assert await daily.schedules(GUILD) == []


async def test_schedules_are_scoped_to_their_guild(daily: DailyService):
    await set_daily(daily)
    with pytest.raises(NoSchedule):
        await daily.stop(guild_id=999, channel_id=CHANNEL)
    assert len(await daily.schedules(GUILD)) == 1
    await daily.stop(guild_id=GUILD, channel_id=CHANNEL)
    assert await daily.schedules(GUILD) == []


async def test_leaving_a_guild_forgets_its_schedules(daily: DailyService):
    await set_daily(daily, channel=1)
    await set_daily(daily, channel=2)
    await set_daily(daily, channel=3, guild=555)
    assert await daily.forget_guild(GUILD) == 2
    assert len(await daily.schedules(555)) == 1


@pytest.mark.sqlite_only  # SQLite's trace callback and query plan
async def test_the_due_query_uses_the_due_index(daily: DailyService, store: Store, clock: FakeClock):
    """Planned on the statement `due()` really runs (caught by SQLite's trace callback), not a copy of it."""
    await set_daily(daily, at="09:00", tz="UTC")
    run: list[str] = []
    await store.reader.set_trace_callback(run.append)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    due = await daily.repo.due(clock(), 10)
    await store.reader.set_trace_callback(None)
    assert len(due) == 1
    (sql,) = [s for s in run if "FROM daily_schedules" in s]
    plan = [row[3] for row in await store.fetchall("EXPLAIN QUERY PLAN " + sql)]
    assert any("daily_schedules_due" in step for step in plan), plan


async def test_no_facts_is_a_problem_not_a_crash(store: Store, clock: FakeClock):
    await CatalogRepository(store).import_films([FilmRecord("Heat", 1995)])
    daily = make_service(store, clock)
    await set_daily(daily, at="09:00", tz="UTC")
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert await daily.claim_due() == []
    (view,) = await daily.schedules(GUILD)
    assert "no facts to post yet" in (view.schedule.problem or "")


async def test_one_broken_schedule_does_not_stop_the_others(daily: DailyService, store: Store, clock: FakeClock):
    await set_daily(daily, at="09:00", tz="UTC", channel=1)
    async with store.transaction() as conn:  # a row no command could write: an unknown zone
        await conn.execute(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, next_due_at, created_by,"
            " updated_at) VALUES (?, 2, '09:00', 'Bad/Zone', 0, 1, 0)",
            (GUILD,),
        )
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    (post,) = await daily.claim_due()
    assert post.channel_id == 1
