"""The outbox: a review-channel copy and a decision DM are recorded with the change that causes them
and delivered until done, across a kill -9 of the real bot process, once; failures are retried with
backoff on the injected clock; a closed DM is logged and done, not retried."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import TriviaBot
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.importing import import_files
from bot.services.submissions import Reviewer, SubmissionService
from bot.services.trivia import TriviaService
from tests.conftest import ROOT, SEED_PAGE
from tests.e2e.conftest import BotFactory
from tests.e2e.test_crash_e2e import KILLED, assert_whole, env
from tests.support.fake_clock import FakeClock
from tests.support.standin import MANAGE_MESSAGES, MEMBER_PERMISSIONS, DiscordStandIn, Guild

FACT = "The hospital scenes were filmed in a closed wing of a real hospital in Los Angeles."
MODERATOR = MEMBER_PERMISSIONS | MANAGE_MESSAGES
MEMBER_ID = "1200000000000000077"


async def prepare(database: Path, guild: Guild, review_channel: str) -> None:
    """The catalog and the server's review channel, before the bot first starts."""
    store = await Store.open(database)
    try:
        await import_files(CatalogRepository(store), [SEED_PAGE])
        await SubmissionService(store, TriviaService(store)).set_review_channel(int(guild.id), int(review_channel))
    finally:
        await store.close()


class BotProcess:
    """The real `python -m bot run`, against the stand-in, optionally set to kill itself at a failpoint."""

    def __init__(self, standin: DiscordStandIn, database: Path) -> None:
        self.standin = standin
        self.env = env(
            DISCORD_TOKEN="t", DATABASE_PATH=str(database), DISCORD_API_BASE=standin.api_base,
            DISCORD_GATEWAY_URL=standin.gateway_url,
        )  # fmt: skip
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, failpoint: str | None = None) -> asyncio.subprocess.Process:
        self.standin.identified.clear()
        extra = {"TRIVIA_FAILPOINT": failpoint} if failpoint else {}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env={**self.env, **extra}
        )
        await asyncio.wait(
            {asyncio.ensure_future(self.standin.identified.wait()), asyncio.ensure_future(self.process.wait())},
            timeout=60,
            return_when=asyncio.FIRST_COMPLETED,
        )
        assert self.process.returncode is None, "the bot exited before connecting"
        return self.process

    async def killed(self) -> None:
        assert self.process is not None
        assert await asyncio.wait_for(self.process.wait(), 60) == KILLED

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(self.process.wait(), 20) == 0


@pytest.fixture
async def bot_process(standin: DiscordStandIn, tmp_path: Path) -> AsyncIterator[BotProcess]:
    running = BotProcess(standin, tmp_path / "trivia.db")
    try:
        yield running
    finally:
        if running.process is not None and running.process.returncode is None:
            running.process.kill()
            await running.process.wait()


def outbox(database: Path) -> list[tuple[str, Any, Any]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT kind, outcome, done_at IS NOT NULL FROM outbox ORDER BY id").fetchall()


async def interaction_to_a_dying_bot(standin: DiscordStandIn, payload: dict[str, Any], bot: BotProcess) -> None:
    """Sends it and waits for the process to kill itself at its failpoint; any answer is beside the point."""
    asking = asyncio.ensure_future(standin.interact(payload, within=60))
    await bot.killed()
    asking.cancel()
    await asyncio.gather(asking, return_exceptions=True)


@pytest.mark.parametrize(
    ("submit_kill", "decide_kill"),
    [("submission.created", "submission.decided"), ("outbox.review_post.sent", "outbox.decision_dm.sent")],
    ids=["killed-after-commit", "killed-after-send"],
)
async def test_side_effects_pending_at_a_crash_are_delivered_once_after_the_restart(
    standin: DiscordStandIn, bot_process: BotProcess, tmp_path: Path, submit_kill: str, decide_kill: str
):
    """Three runs of the real bot on one database: killed just after a submission (its commit, or its
    review copy reaching Discord), restarted and killed just after a decision (likewise for the DM),
    restarted once more. Killed after the commit, nothing was sent yet; killed after the send, the bot
    never recorded it and sends again with the same nonce. Either way: one copy, one DM."""
    guild = standin.add_guild()
    review_channel = guild.add_text_channel("review")
    database = tmp_path / "trivia.db"
    await prepare(database, guild, review_channel)
    member = standin.member(name="Fan", user_id=MEMBER_ID)
    moderator = standin.member(permissions=MODERATOR, name="Mod")
    after_send = submit_kill.endswith(".sent")

    def tries(path: str) -> int:
        return len(standin.posted("POST", path))

    await bot_process.start(submit_kill)
    form = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    await interaction_to_a_dying_bot(
        standin, standin.modal_submit(guild, form, {"The fact": FACT}, member=member), bot_process
    )
    assert_whole(database)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1
    assert outbox(database) == [("review_post", None, 0)]  # committed with the submission, not yet done
    assert len(standin.created_messages.get(review_channel, [])) == (1 if after_send else 0)

    review_path = f"/channels/{review_channel}/messages"
    before = tries(review_path)
    await bot_process.start(decide_kill)  # delivers the copy, then dies after the decision
    await standin.wait_for_request(lambda r: r.path == review_path and tries(review_path) > before, within=60)
    press = standin.button(guild, "review:approve:1", member=moderator, message=standin.message(guild))
    await interaction_to_a_dying_bot(standin, press, bot_process)
    assert_whole(database)
    kinds = [(kind, done) for kind, _, done in outbox(database)]
    assert kinds[1:] == [("decision_dm", 0), ("review_update", 0)]  # the copy's record may or may not have landed
    assert len(standin.dms_to(MEMBER_ID)) == (1 if after_send else 0)

    await bot_process.start()
    await standin.wait_for_request(
        lambda r: r.method == "PATCH" and r.path.startswith(review_path + "/"), within=60
    )  # the update comes after the DM: both went out
    await bot_process.stop()  # SIGTERM: a delivery under way is recorded before the process exits

    (message,) = standin.created_messages[review_channel]  # exactly one copy in the channel
    assert message["embeds"][0]["title"] == "Submission #1"
    assert message["components"], "the copy was posted with its review buttons"
    (dm,) = standin.dms_to(MEMBER_ID)  # exactly one DM
    assert "was approved" in dm["content"]
    assert outbox(database) == [("review_post", "sent", 1), ("decision_dm", "sent", 1), ("review_update", "sent", 1)]
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT review_message_id FROM submissions").fetchone()[0] == int(message["id"])


async def test_a_closed_dm_is_logged_and_done_not_retried(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    member = standin.member(name="Private")
    standin.closed_dms.add(member["user"]["id"])
    await submit(standin, guild, member)
    moderator = standin.member(permissions=MODERATOR)
    await standin.interact(standin.button(guild, "review:approve:1", member=moderator, message=standin.message(guild)))
    await standin.wait_for_dm(member["user"]["id"])
    cog = delivery(bot)
    await cog.deliver_due()  # waits for the pass under way

    clock.advance(days=2)  # far past any backoff
    assert await cog.deliver_due() == 0
    dm_channel = standin.dm_channels[member["user"]["id"]]
    assert len(standin.posted("POST", f"/channels/{dm_channel}/messages")) == 1
    rows = await bot.store.fetchall("SELECT outcome, attempts FROM outbox WHERE kind = 'decision_dm'")
    assert [tuple(r) for r in rows] == [("not sent: DMs closed (403 50007)", 1)]


def delivery(bot: TriviaBot) -> Any:
    """The Submissions cog, whose deliver_due() runs one delivery pass (after the one under way)."""
    cog = bot.get_cog("Submissions")
    assert cog is not None
    return cog


async def submit(standin: DiscordStandIn, guild: Guild, member: dict[str, Any]) -> None:
    modal = await standin.interact(standin.slash(guild, "trivia-submit", {"film": "mask"}, member=member))
    receipt = await standin.interact(standin.modal_submit(guild, modal, {"The fact": FACT}, member=member))
    assert "Thanks!" in receipt.content


@pytest.mark.parametrize("status", [403, 200], ids=["forbidden", "garbage-answer"])
async def test_a_failed_review_copy_is_retried_with_backoff_and_posted_once(
    standin: DiscordStandIn, start_bot: BotFactory, status: int
):
    guild = standin.add_guild()
    review_channel = guild.add_text_channel("review")
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await bot.submissions.set_review_channel(int(guild.id), int(review_channel))
    standin.fail(
        "POST", f"/channels/{review_channel}/messages", status
    )  # once; 200 answers with a body that is no message
    await submit(standin, guild, standin.member(name="Fan"))
    await standin.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages")
    cog = delivery(bot)
    await cog.deliver_due()  # the failed attempt is recorded

    assert await cog.deliver_due() == 0  # not due again before its backoff
    clock.advance(seconds=29)
    assert await cog.deliver_due() == 0
    clock.advance(seconds=2)
    assert await cog.deliver_due() == 1
    (message,) = standin.created_messages[review_channel]
    assert (await bot.submissions.repo.get(1)).review_message_id == int(message["id"])  # type: ignore[union-attr]
    clock.advance(hours=2)
    assert await cog.deliver_due() == 0
    assert len(standin.posted("POST", f"/channels/{review_channel}/messages")) == 2


async def test_a_decision_before_its_copy_goes_out_posts_the_copy_decided(
    standin: DiscordStandIn, start_bot: BotFactory
):
    """The copy failed, the reviewer decided from /trivia-review meanwhile: the retry shows the decision."""
    guild = standin.add_guild()
    review_channel = guild.add_text_channel("review")
    clock = FakeClock()
    bot = await start_bot(clock=clock)
    await bot.submissions.set_review_channel(int(guild.id), int(review_channel))
    standin.fail("POST", f"/channels/{review_channel}/messages", 403)
    member = standin.member(name="Fan")
    await submit(standin, guild, member)
    await standin.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages")
    reviewer = Reviewer(1, "Mod", manage_messages=True, role_ids=frozenset())
    await bot.submissions.reject(1, int(guild.id), reviewer, "Needs a source.")
    await standin.wait_for_dm(member["user"]["id"])
    cog = delivery(bot)
    await cog.deliver_due()
    clock.advance(minutes=5)
    await cog.deliver_due()

    (message,) = standin.created_messages[review_channel]
    assert message["components"] == []
    assert any(f["name"] == "Decision" for f in message["embeds"][0]["fields"])
    rows = await bot.store.fetchall("SELECT kind, outcome FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("review_post", "sent"),
        ("decision_dm", "sent"),
        ("review_update", "no review copy to update"),
    ]


async def test_the_delivery_loop_survives_a_failing_pass(standin: DiscordStandIn, start_bot: BotFactory):
    """Any exception in a pass (here the store read failing once) is logged; the loop goes on."""
    guild = standin.add_guild()
    review_channel = guild.add_text_channel("review")
    bot = await start_bot()
    await bot.submissions.set_review_channel(int(guild.id), int(review_channel))
    failed = asyncio.Event()
    real_due = bot.submissions.due_deliveries

    async def failing_once() -> Any:
        if not failed.is_set():
            failed.set()
            raise sqlite3.OperationalError("database is locked")
        return await real_due()

    bot.submissions.due_deliveries = failing_once  # type: ignore[method-assign]
    bot.submissions.outbox_wakeup.set()
    await failed.wait()
    await submit(standin, guild, standin.member(name="Fan"))
    await standin.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{review_channel}/messages")
    assert len(standin.created_messages[review_channel]) == 1
