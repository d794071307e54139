"""Moderation on a real SQLite file: the daily pick rule for hidden and spoiler facts, two moderators at
once, report limits, a server's own facts (edit, revert, delete) and what another server can never touch."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.daily import DailyService
from bot.services.importing import import_files
from bot.services.moderation import ModerationService
from bot.services.submissions import Reviewer, SubmissionService
from bot.services.trivia import TriviaService
from bot.trivia.errors import ModerationRefused
from bot.trivia.moderation import ReportRefused
from tests.conftest import SEED_PAGE
from tests.support.fake_clock import FakeClock

HOME, AWAY, CHANNEL = 10, 20, 300
MOD = Reviewer(2000, "Mod", manage_messages=True, role_ids=frozenset())
OTHER_MOD = Reviewer(2001, "Other Mod", manage_messages=True, role_ids=frozenset())
MEMBER = Reviewer(3000, "Member", manage_messages=False, role_ids=frozenset())
OWN_FACT = "The carnival scenes were shot in Azusa over four long nights in the spring."


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC))


@pytest.fixture
async def world(store: Store, clock: FakeClock) -> tuple[ModerationService, DailyService]:
    await import_files(CatalogRepository(store), [SEED_PAGE])
    trivia = TriviaService(store, rng=random.Random(3), clock=clock)
    subs = SubmissionService(store, trivia, clock=clock, cooldown_seconds=0)
    daily = DailyService(store, trivia, clock=clock, rng=random.Random(5), grace=timedelta(hours=6))
    return ModerationService(store, trivia, subs, clock=clock, report_limit=3, report_window_seconds=600), daily


async def facts_of(mod: ModerationService, guild: int = HOME) -> list[int]:
    return [f.id for f in (await mod.numbered(guild, "mask", MOD)).facts]


async def daily_picks(daily: DailyService, clock: FakeClock, days: int, channel: int = CHANNEL) -> list[int]:
    picks = []
    for _ in range(days):
        clock.advance(days=1)  # 09:00 UTC the next day: every schedule here is due
        posts = await daily.claim_due()
        for post in posts:
            await daily.delivered(post, 1)
            if post.channel_id == channel:
                picks.append(post.fact_id)
    return picks


async def test_daily_never_picks_hidden_or_spoiler_facts_unless_the_schedule_allows_spoilers(world, clock: FakeClock):
    mod, daily = world
    ids = await facts_of(mod)
    for fact_id in ids[:4]:
        await mod.set_spoiler(HOME, fact_id, MOD, True)
    await mod.hide(HOME, ids[4], MOD)
    await daily.set_schedule(
        guild_id=HOME, channel_id=CHANNEL, time_text="09:00", timezone="UTC", film="mask", admin_id=1
    )
    assert set(await daily_picks(daily, clock, 4)) == {ids[5]}

    # The other server's schedule is untouched by this server's marks.
    await daily.set_schedule(
        guild_id=AWAY, channel_id=CHANNEL + 1, time_text="09:00", timezone="UTC", film="mask", admin_id=1
    )
    away = await daily_picks(daily, clock, 6, CHANNEL + 1)
    assert len(set(away) - {ids[5]}) >= 4

    await daily.set_schedule(
        guild_id=HOME, channel_id=CHANNEL, time_text="09:00", timezone="UTC", film="mask", admin_id=1, spoilers=True
    )
    home_picks = await daily_picks(daily, clock, 10)
    assert set(home_picks) >= set(ids[:4])
    assert ids[4] not in home_picks


async def test_two_moderators_hiding_at_once_make_one_decision(world):
    mod, _ = world
    fact_id = (await facts_of(mod))[0]
    report_id, outcome = await mod.report(
        guild_id=HOME, fact_id=fact_id, member_id=1, member_name="Fan", kind="wrong", details="no"
    )
    assert outcome == "new"
    results = await asyncio.gather(
        mod.hide_reported(report_id, HOME, MOD), mod.dismiss(report_id, HOME, OTHER_MOD, "fine"),
        return_exceptions=True,
    )  # fmt: skip
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1
    assert isinstance(failures[0], ModerationRefused)
    assert "was already" in str(failures[0])
    entries = await mod.log(HOME)
    assert len(entries) == 1


async def test_reports_join_one_item_repeat_changes_nothing_and_are_rate_limited(world, clock: FakeClock):
    mod, _ = world
    ids = await facts_of(mod)
    first, _ = await mod.report(guild_id=HOME, fact_id=ids[0], member_id=1, member_name="A", kind="", details="")
    assert await mod.report(guild_id=HOME, fact_id=ids[0], member_id=1, member_name="A", kind="other",
                            details="") == (first, "already")  # fmt: skip
    assert (await mod.report(guild_id=HOME, fact_id=ids[0], member_id=2, member_name="B", kind="spoiler",
                             details=""))[1] == "joined"  # fmt: skip
    away, outcome = await mod.report(guild_id=AWAY, fact_id=ids[0], member_id=1, member_name="A", kind="wrong",
                                     details="")  # fmt: skip
    assert outcome == "new"
    assert away != first
    await mod.report(guild_id=HOME, fact_id=ids[1], member_id=1, member_name="A", kind="wrong", details="")
    await mod.report(guild_id=HOME, fact_id=ids[2], member_id=1, member_name="A", kind="wrong", details="")
    with pytest.raises(ModerationRefused, match="3 reports recently"):
        await mod.report(guild_id=HOME, fact_id=ids[3], member_id=1, member_name="A", kind="wrong", details="")
    with pytest.raises(ReportRefused):
        await mod.report(guild_id=HOME, fact_id=ids[3], member_id=5, member_name="C", kind="x", details="")
    clock.advance(seconds=601)
    assert (await mod.report(guild_id=HOME, fact_id=ids[3], member_id=1, member_name="A", kind="wrong",
                             details=""))[1] == "new"  # fmt: skip
    assert (await mod.get_report(first, HOME)).reasons[1].kind == "spoiler"
    with pytest.raises(ModerationRefused, match="no report"):
        await mod.get_report(first, AWAY)


async def test_own_fact_edit_revert_delete_and_the_other_server_cannot_touch_it(world, store: Store):
    mod, _ = world
    subs = mod.submissions
    submission, _ = await subs.submit(
        guild_id=HOME, member_id=1, member_name="Fan", target=await subs.target("mask"), text=OWN_FACT,
        source=None, spoiler=True,
    )  # fmt: skip
    approved = await subs.approve(submission.id, HOME, MOD)
    fact_id = approved.fact_id
    assert fact_id is not None
    own = await mod.fact_for(HOME, fact_id, MOD)
    assert own.spoiler  # the member's spoiler tick travelled to the fact

    for action in (
        mod.hide(AWAY, fact_id, MOD), mod.edit(AWAY, fact_id, MOD, OWN_FACT + " Really."),
        mod.delete(AWAY, fact_id, MOD), mod.set_spoiler(AWAY, fact_id, MOD, False),
    ):  # fmt: skip
        with pytest.raises(ModerationRefused, match="not in this server's catalog"):
            await action
    with pytest.raises(ModerationRefused, match="global catalog"):
        await mod.edit(HOME, (await facts_of(mod))[0], MOD, OWN_FACT)
    with pytest.raises(Exception, match="Only reviewers"):
        await mod.edit(HOME, fact_id, MEMBER, OWN_FACT + " Really.")

    await mod.edit(HOME, fact_id, MOD, OWN_FACT + " Really.")
    (edit_entry,) = [e for e in await mod.log(HOME) if e.action == "edit"]
    assert edit_entry.before == {"text": OWN_FACT}
    await mod.revert_edit(HOME, edit_entry.id, MOD)
    assert (await mod.fact_for(HOME, fact_id, MOD)).text == OWN_FACT
    with pytest.raises(ModerationRefused, match="not an edit"):
        await mod.revert_edit(AWAY, edit_entry.id, MOD)

    await mod.delete(HOME, fact_id, MOD)
    assert fact_id not in await facts_of(mod)
    actions = [e.action for e in await mod.log(HOME)]
    assert actions[:3] == ["delete", "edit", "edit"]
    assert "approve submission" in actions
    assert await mod.log(AWAY) == []


@pytest.mark.sqlite_only  # the CLI is pointed at the store's file
async def test_cli_audit_shows_every_server_or_one(world, store: Store, tmp_path):
    from tests.test_cli import cli

    mod, _ = world
    ids = await facts_of(mod)
    await mod.hide(HOME, ids[0], MOD)
    await mod.set_spoiler(AWAY, ids[1], OTHER_MOD, True)
    everything = cli(tmp_path, "audit", env={"DATABASE_PATH": str(store.path)})
    assert everything.returncode == 0, everything.stderr
    lines = everything.stdout.splitlines()
    assert lines[0].startswith(f"guild {AWAY}  #2 ")
    assert "Other Mod: spoiler fact 2: {'spoiler': False} → {'spoiler': True}" in lines[0]
    assert lines[1].startswith(f"guild {HOME}  #1 ")
    assert lines[-1] == "2 entries"
    one = cli(tmp_path, "audit", "--guild", str(HOME), env={"DATABASE_PATH": str(store.path)})
    assert one.stdout.splitlines()[-1] == "1 entry"
    assert "Mod: hide fact 1" in one.stdout


@pytest.mark.sqlite_only  # the CLI is pointed at the store's file
async def test_cli_reports_and_global_fact_changes(world, store: Store, tmp_path):
    from tests.test_cli import cli

    mod, _ = world
    ids = await facts_of(mod)
    await mod.report(guild_id=HOME, fact_id=ids[0], member_id=1, member_name="Fan", kind="wrong", details="nope")
    env = {"DATABASE_PATH": str(store.path)}
    listed = cli(tmp_path, "reports", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"#1  guild {HOME}  Mask (1985)  fact {ids[0]}  wrong by Fan: nope" in listed.stdout
    assert listed.stdout.splitlines()[-1] == "1 open report"

    edited = cli(tmp_path, "fact", "edit", "mask", "2", "--text", "A corrected fact about the film Mask.", env=env)
    assert edited.returncode == 0, edited.stderr
    assert "edited global fact 2 of Mask (1985)" in edited.stdout
    assert (await mod.repo.fact(ids[1], AWAY)).text == "A corrected fact about the film Mask."
    spoiled = cli(tmp_path, "fact", "spoiler", "mask", "3", env=env)
    assert "is marked as a spoiler" in spoiled.stdout
    assert (await mod.repo.fact(ids[2], HOME)).spoiler
    deleted = cli(tmp_path, "fact", "delete", "mask", "4", env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert await mod.repo.fact(ids[3], HOME) is None
    bad = cli(tmp_path, "fact", "delete", "mask", "40", env=env)
    assert bad.returncode != 0
    assert "pick a number from 1 to 5" in bad.stderr
    audit = cli(tmp_path, "audit", env=env)
    assert audit.stdout.count("global  #") == 3
    entry = next(line for line in audit.stdout.splitlines() if ": edit fact" in line).split("#")[1].split()[0]
    reverted = cli(tmp_path, "fact", "revert", entry, env=env)
    assert reverted.returncode == 0, reverted.stderr
    assert (await mod.repo.fact(ids[1], AWAY)).text != "A corrected fact about the film Mask."
    again = cli(tmp_path, "fact", "revert", entry, env=env)
    assert "The text is unchanged." in again.stderr
    spoiler_entry = (
        next(line for line in audit.stdout.splitlines() if ": spoiler fact" in line).split("#")[1].split()[0]
    )
    not_an_edit = cli(tmp_path, "fact", "revert", spoiler_entry, env=env)
    assert "is not an edit" in not_an_edit.stderr
    assert "cli (" in audit.stdout


async def test_a_report_is_closed_by_editing_or_marking_its_fact(world):
    mod, _ = world
    subs = mod.submissions
    submission, _ = await subs.submit(
        guild_id=HOME, member_id=1, member_name="Fan", target=await subs.target("mask"), text=OWN_FACT, source=None
    )
    fact_id = (await subs.approve(submission.id, HOME, MOD)).fact_id
    assert fact_id is not None
    report_id, _ = await mod.report(
        guild_id=HOME, fact_id=fact_id, member_id=2, member_name="B", kind="wrong", details=""
    )
    edited = await mod.edit_reported(report_id, HOME, MOD, OWN_FACT.replace("four", "five"))
    assert edited.status == "resolved"
    assert edited.fact.text == OWN_FACT.replace("four", "five")
    with pytest.raises(ModerationRefused, match="already resolved by Mod"):
        await mod.spoiler_reported(report_id, HOME, OTHER_MOD)

    global_id = (await facts_of(mod))[0]
    second, _ = await mod.report(
        guild_id=HOME, fact_id=global_id, member_id=2, member_name="B", kind="spoiler", details=""
    )
    with pytest.raises(ModerationRefused, match="global catalog"):
        await mod.edit_reported(second, HOME, MOD, OWN_FACT)
    assert (await mod.get_report(second, HOME)).status == "open"  # a refused edit changed nothing
    marked = await mod.spoiler_reported(second, HOME, MOD)
    assert marked.fact.spoiler
    assert not (await mod.repo.fact(global_id, AWAY)).spoiler
