"""Who may do what, run as a table: every command and button, as a member, a reviewer and an admin, in
the server it belongs to and in another one. The bot checks on every use; Discord's settings only hide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import TriviaBot
from tests.e2e.conftest import BotFactory
from tests.support.protocol import Reply
from tests.support.quiz_catalog import add_quiz_films
from tests.support.standin import MANAGE_MESSAGES, MEMBER_PERMISSIONS, Callback, DiscordStandIn, Guild

EVERYTHING = (1 << 41) - 1  # an admin: Discord sends every permission bit for them
ROLES = {
    "member": MEMBER_PERMISSIONS,
    "reviewer": MEMBER_PERMISSIONS | MANAGE_MESSAGES,
    "admin": EVERYTHING,
    "owner": MEMBER_PERMISSIONS,  # one of the bot's owners (OWNER_IDS), with no server permission at all
}
OWNER_ID = 4242
FACT = "The fairground scenes were shot over four nights in Azusa, California."


@dataclass
class World:
    standin: DiscordStandIn
    bot: TriviaBot
    home: Guild
    away: Guild
    submission_id: int
    schedule_channel: str
    report_id: int
    fact_id: int


async def build(standin: DiscordStandIn, start_bot: BotFactory) -> World:
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    bot = await start_bot(owner_ids=frozenset({OWNER_ID}))
    target = await bot.submissions.target("mask")
    submission, _ = await bot.submissions.submit(
        guild_id=int(home.id), member_id=1, member_name="Someone", target=target, text=FACT, source=None
    )
    channel = home.channels[0]["id"]
    await bot.daily.set_schedule(guild_id=int(home.id), channel_id=int(channel), time_text="9am", timezone=None, film=None,
                        admin_id=1)  # fmt: skip
    fact_id = (await bot.trivia.card_for_title("mask", guild_id=int(home.id), channel_id=1, number=1)).card.fact_id
    report_id, _ = await bot.moderation.report(
        guild_id=int(home.id), fact_id=fact_id, member_id=2, member_name="Reporter", kind="wrong", details=""
    )
    await bot.submissions.repo.block(guild_id=int(home.id), member_id=3, blocked_by=1, now=bot.clock())
    return World(standin, bot, home, away, submission.id, channel, report_id, fact_id)


Action = Callable[[World, Guild, dict[str, Any]], Awaitable[Callback]]


async def trivia(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia", {"film": "mask"}, member=member))


async def another_fact(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    film = (await w.bot.trivia.resolve("mask")).film_id
    return await w.standin.interact(w.standin.button(where, f"trivia:another:{film}", member=member))


async def submit(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia-submit", {"film": "mask"}, member=member))


async def review(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia-review", member=member))


def review_button(action: str) -> Action:
    async def press(w: World, where: Guild, member: dict[str, Any]) -> Callback:
        custom_id = f"review:{action}:{w.submission_id}"
        return await w.standin.interact(w.standin.button(where, custom_id, member=member))

    return press


async def daily_list(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia-daily list", member=member))


async def daily_set(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    options = {"channel": ("channel", where.channels[0]["id"]), "time": "10:00"}
    return await w.standin.interact(w.standin.slash(where, "trivia-daily set", options, member=member))


async def config_role(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    role = where.roles[0]["id"] if where.roles else where.add_role("Reviewers")
    await w.standin.dispatch("GUILD_ROLE_CREATE", {"guild_id": where.id, "role": where.roles[-1]})
    options = {"role": ("role", role)}
    return await w.standin.interact(w.standin.slash(where, "trivia-config reviewer-role", options, member=member))


async def quiz_game(w: World, starter_id: int) -> int:
    """A quiz running in the home server's first channel, started by `starter_id`; its first round's id."""
    await add_quiz_films(w.bot)
    channel = int(w.home.channels[0]["id"])
    await w.bot.quiz.start(guild_id=int(w.home.id), channel_id=channel, starter_id=starter_id, rounds=2, seconds=30)
    await w.bot.quiz.advance()
    (round_,) = await w.bot.quiz.to_post()
    return round_.id


async def quiz_start(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    await add_quiz_films(w.bot)
    return await w.standin.interact(w.standin.slash(where, "trivia-quiz start", {"rounds": 1}, member=member))


async def quiz_stop_own(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    await quiz_game(w, int(member["user"]["id"]))
    return await w.standin.interact(w.standin.slash(where, "trivia-quiz stop", member=member))


async def quiz_stop_other(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    await quiz_game(w, starter_id=1)
    return await w.standin.interact(w.standin.slash(where, "trivia-quiz stop", member=member))


async def quiz_answer(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    round_id = await quiz_game(w, starter_id=1)
    return await w.standin.interact(w.standin.button(where, f"quiz:answer:{round_id}:0", member=member))


async def quiz_leaderboard(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia-quiz leaderboard", member=member))


async def report_button(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.button(where, f"trivia:report:{w.fact_id}", member=member))


def report_action(action: str) -> Action:
    async def press(w: World, where: Guild, member: dict[str, Any]) -> Callback:
        return await w.standin.interact(w.standin.button(where, f"rep:{action}:{w.report_id}", member=member))

    return press


def fact_command(sub: str) -> Action:
    async def run(w: World, where: Guild, member: dict[str, Any]) -> Callback:
        options: dict[str, Any] = {"film": "mask"} if sub == "list" else {"film": "mask", "number": 1}
        return await w.standin.interact(w.standin.slash(where, f"trivia-fact {sub}", options, member=member))

    return run


async def config_log(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia-config log", member=member))


async def config_unblock(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    options = {"member": ("user", "3")}
    return await w.standin.interact(w.standin.slash(where, "trivia-config unblock", options, member=member))


async def config_export(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.slash(where, "trivia-config export", member=member))


async def config_import(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    attached = w.standin.attach("facts.csv", f"title,year,text\nMask,1985,{FACT} Twice.\n".encode())
    options = {"file": ("attachment", attached)}
    return await w.standin.interact(w.standin.slash(where, "trivia-config import", options, member=member))


def admin_command(sub: str) -> Action:
    async def run(w: World, where: Guild, member: dict[str, Any]) -> Callback:
        options: dict[str, Any] = {} if sub == "reports" else {"film": "mask", "number": 1}
        return await w.standin.interact(w.standin.slash(where, f"trivia-admin {sub}", options, member=member))

    return run


async def admin_delete_button(w: World, where: Guild, member: dict[str, Any]) -> Callback:
    return await w.standin.interact(w.standin.button(where, f"admin:delete:{w.fact_id}", member=member))


ALLOWED, REFUSED = True, False
ONLY_STARTER = "Only the member who started this quiz or a reviewer"
OTHER_SERVER_QUIZ = "This button belongs to a quiz in another server."
MANAGE_SERVER = "You need the **Manage Server** permission to do that."
ONLY_REVIEWERS = "Only reviewers"
NOT_HERE = "There is no submission #1 in this server."
NO_REPORT_HERE = "There is no report #1 in this server."
GLOBAL_FACT = "from the global catalog"
NOT_BLOCKED = "not blocked from submitting here"
OWNERS_ONLY = "Only the bot's owners"

Effect = Callable[[World, Guild, Callback], Awaitable[None]]


async def shows_mask(w: World, where: Guild, reply: Callback) -> None:
    assert not reply.ephemeral
    assert reply.embeds[0]["title"] == "Mask (1985)"


async def opens_a_form(w: World, where: Guild, reply: Callback) -> None:
    assert reply.type == Reply.MODAL, reply  # the modal opened


async def shows_the_queue(w: World, where: Guild, reply: Callback) -> None:
    assert reply.ephemeral
    assert reply.embeds[0]["title"] == f"Submission #{w.submission_id}"


def decided(status: str) -> Effect:
    async def check(w: World, where: Guild, reply: Callback) -> None:
        submission = await w.bot.submissions.get(w.submission_id)
        assert submission is not None
        assert submission.status == status

    return check


async def lists_schedules(w: World, where: Guild, reply: Callback) -> None:
    assert reply.ephemeral
    shown = reply.content + "".join(e.get("description", "") for e in reply.embeds)
    assert (f"<#{w.schedule_channel}>" in shown) == (where is w.home)  # each server lists only its own


async def schedule_saved(w: World, where: Guild, reply: Callback) -> None:
    (listing,) = await w.bot.daily.schedules(int(where.id))
    assert listing.schedule.local_time == "10:00"


async def role_saved(w: World, where: Guild, reply: Callback) -> None:
    settings = await w.bot.submissions.settings(int(where.id))
    assert settings.reviewer_role_id == int(where.roles[-1]["id"])


async def game_running(w: World, where: Guild, reply: Callback) -> None:
    assert await w.bot.quiz.repo.running_in(int(where.channels[0]["id"])) is not None


async def game_stopped(w: World, where: Guild, reply: Callback) -> None:
    assert await w.bot.quiz.repo.running_in(int(where.channels[0]["id"])) is None


async def answer_locked_in(w: World, where: Guild, reply: Callback) -> None:
    assert reply.ephemeral
    assert reply.content.startswith("Locked in:")


async def shows_a_board(w: World, where: Guild, reply: Callback) -> None:
    assert reply.content or reply.embeds


async def fact_hidden(w: World, where: Guild, reply: Callback) -> None:
    hidden = await w.bot.store.fetchall("SELECT fact_id FROM hidden_facts WHERE guild_id = ?", (int(where.id),))
    assert len(hidden) == 1


# What an allowed action visibly did: not only "no refusal", but its effect.
EFFECTS: dict[str, Effect] = {
    "/trivia": shows_mask,
    "another fact": shows_mask,
    "/trivia-submit": opens_a_form,
    "/trivia-review": shows_the_queue,
    "approve": decided("approved"),
    "reject": opens_a_form,
    "edit": opens_a_form,
    "block": decided("rejected"),
    "/trivia-daily list": lists_schedules,
    "/trivia-daily set": schedule_saved,
    "/trivia-config reviewer-role": role_saved,
    "/trivia-quiz start": game_running,
    "/trivia-quiz stop": game_stopped,
    "quiz answer": answer_locked_in,
    "/trivia-quiz leaderboard": shows_a_board,
    "report": opens_a_form,
    "report hide": fact_hidden,
    "/trivia-fact hide": fact_hidden,
}

# (action, where, role, allowed, what a refusal says)
TABLE: list[tuple[str, Action, str, str, bool, str]] = [
    ("/trivia", trivia, "home", "member", ALLOWED, ""),
    ("/trivia", trivia, "away", "member", ALLOWED, ""),
    ("another fact", another_fact, "home", "member", ALLOWED, ""),
    ("another fact", another_fact, "away", "member", ALLOWED, ""),
    ("/trivia-submit", submit, "home", "member", ALLOWED, ""),
    ("/trivia-review", review, "home", "member", REFUSED, ONLY_REVIEWERS),
    ("/trivia-review", review, "home", "reviewer", ALLOWED, ""),
    ("/trivia-review", review, "home", "admin", ALLOWED, ""),
    ("approve", review_button("approve"), "home", "member", REFUSED, ONLY_REVIEWERS),
    ("approve", review_button("approve"), "home", "reviewer", ALLOWED, ""),
    ("approve", review_button("approve"), "home", "admin", ALLOWED, ""),
    ("approve", review_button("approve"), "away", "reviewer", REFUSED, NOT_HERE),
    ("approve", review_button("approve"), "away", "admin", REFUSED, NOT_HERE),
    ("reject", review_button("reject"), "home", "member", REFUSED, ONLY_REVIEWERS),
    ("reject", review_button("reject"), "home", "reviewer", ALLOWED, ""),
    ("reject", review_button("reject"), "away", "admin", REFUSED, "There is no submission #1 in this server."),
    ("edit", review_button("edit"), "home", "member", REFUSED, ONLY_REVIEWERS),
    ("edit", review_button("edit"), "home", "reviewer", ALLOWED, ""),
    ("edit", review_button("edit"), "away", "admin", REFUSED, "There is no submission #1 in this server."),
    ("block", review_button("block"), "home", "member", REFUSED, ONLY_REVIEWERS),
    ("block", review_button("block"), "home", "admin", ALLOWED, ""),
    ("block", review_button("block"), "away", "admin", REFUSED, NOT_HERE),
    ("/trivia-daily list", daily_list, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-daily list", daily_list, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-daily list", daily_list, "home", "admin", ALLOWED, ""),
    ("/trivia-daily list", daily_list, "away", "admin", ALLOWED, ""),
    ("/trivia-daily set", daily_set, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-daily set", daily_set, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-daily set", daily_set, "home", "admin", ALLOWED, ""),
    ("/trivia-config reviewer-role", config_role, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-config reviewer-role", config_role, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-config reviewer-role", config_role, "home", "admin", ALLOWED, ""),
    ("/trivia-quiz start", quiz_start, "home", "member", ALLOWED, ""),
    ("/trivia-quiz start", quiz_start, "away", "member", ALLOWED, ""),
    ("/trivia-quiz stop", quiz_stop_own, "home", "member", ALLOWED, ""),
    ("/trivia-quiz stop", quiz_stop_other, "home", "member", REFUSED, ONLY_STARTER),
    ("/trivia-quiz stop", quiz_stop_other, "home", "reviewer", ALLOWED, ""),
    ("/trivia-quiz stop", quiz_stop_other, "home", "admin", ALLOWED, ""),
    ("/trivia-quiz stop", quiz_stop_other, "away", "admin", REFUSED, "No quiz is running in this channel."),
    ("quiz answer", quiz_answer, "home", "member", ALLOWED, ""),
    ("quiz answer", quiz_answer, "away", "member", REFUSED, OTHER_SERVER_QUIZ),
    ("quiz answer", quiz_answer, "away", "admin", REFUSED, OTHER_SERVER_QUIZ),
    ("/trivia-quiz leaderboard", quiz_leaderboard, "home", "member", ALLOWED, ""),
    ("report", report_button, "home", "member", ALLOWED, ""),
    ("report", report_button, "away", "member", ALLOWED, ""),
    *[
        row
        for action in ("hide", "edit", "spoiler", "dismiss")
        for row in (
            (f"report {action}", report_action(action), "home", "member", REFUSED, ONLY_REVIEWERS),
            (f"report {action}", report_action(action), "away", "reviewer", REFUSED, NO_REPORT_HERE),
            (f"report {action}", report_action(action), "away", "admin", REFUSED, NO_REPORT_HERE),
        )
    ],
    ("report hide", report_action("hide"), "home", "reviewer", ALLOWED, ""),
    ("report spoiler", report_action("spoiler"), "home", "admin", ALLOWED, ""),
    ("report dismiss", report_action("dismiss"), "home", "reviewer", ALLOWED, ""),
    ("report edit", report_action("edit"), "home", "admin", REFUSED, GLOBAL_FACT),
    *[
        row
        for sub in ("list", "hide", "unhide", "edit", "delete", "spoiler")
        for row in (
            (f"/trivia-fact {sub}", fact_command(sub), "home", "member", REFUSED, ONLY_REVIEWERS),
            (f"/trivia-fact {sub}", fact_command(sub), "away", "member", REFUSED, ONLY_REVIEWERS),
        )
    ],
    ("/trivia-fact list", fact_command("list"), "home", "reviewer", ALLOWED, ""),
    ("/trivia-fact list", fact_command("list"), "away", "reviewer", ALLOWED, ""),
    ("/trivia-fact hide", fact_command("hide"), "home", "reviewer", ALLOWED, ""),
    ("/trivia-fact hide", fact_command("hide"), "away", "admin", ALLOWED, ""),
    ("/trivia-fact spoiler", fact_command("spoiler"), "home", "reviewer", ALLOWED, ""),
    ("/trivia-fact unhide", fact_command("unhide"), "home", "reviewer", REFUSED, "not hidden in this server"),
    ("/trivia-fact edit", fact_command("edit"), "home", "admin", REFUSED, GLOBAL_FACT),
    ("/trivia-fact delete", fact_command("delete"), "home", "admin", REFUSED, GLOBAL_FACT),
    ("/trivia-config log", config_log, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-config log", config_log, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-config log", config_log, "home", "admin", ALLOWED, ""),
    ("/trivia-config log", config_log, "away", "admin", ALLOWED, ""),
    ("/trivia-config unblock", config_unblock, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-config unblock", config_unblock, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-config unblock", config_unblock, "home", "admin", ALLOWED, ""),
    ("/trivia-config unblock", config_unblock, "away", "admin", REFUSED, NOT_BLOCKED),
    ("/trivia-config export", config_export, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-config export", config_export, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-config export", config_export, "home", "admin", ALLOWED, ""),
    ("/trivia-config import", config_import, "home", "member", REFUSED, MANAGE_SERVER),
    ("/trivia-config import", config_import, "home", "reviewer", REFUSED, MANAGE_SERVER),
    ("/trivia-config import", config_import, "away", "admin", ALLOWED, ""),
    ("/trivia-config log", config_log, "home", "owner", REFUSED, MANAGE_SERVER),
    ("/trivia-fact hide", fact_command("hide"), "home", "owner", REFUSED, ONLY_REVIEWERS),
    ("report hide", report_action("hide"), "home", "owner", REFUSED, ONLY_REVIEWERS),
    *[
        row
        for sub in ("reports", "edit", "delete", "spoiler")
        for row in (
            (f"/trivia-admin {sub}", admin_command(sub), "home", "member", REFUSED, OWNERS_ONLY),
            (f"/trivia-admin {sub}", admin_command(sub), "home", "reviewer", REFUSED, OWNERS_ONLY),
            (f"/trivia-admin {sub}", admin_command(sub), "away", "admin", REFUSED, OWNERS_ONLY),
            (f"/trivia-admin {sub}", admin_command(sub), "home", "owner", ALLOWED, ""),
            (f"/trivia-admin {sub}", admin_command(sub), "away", "owner", ALLOWED, ""),
        )
    ],
    ("/trivia-admin delete confirm", admin_delete_button, "home", "admin", REFUSED, OWNERS_ONLY),
    ("/trivia-admin delete confirm", admin_delete_button, "away", "reviewer", REFUSED, OWNERS_ONLY),
    ("/trivia-admin delete confirm", admin_delete_button, "away", "owner", ALLOWED, ""),
]


@pytest.mark.parametrize(
    ("name", "action", "where", "role", "allowed", "refusal"),
    TABLE,
    ids=[f"{name}-{where}-{role}" for name, _, where, role, _, _ in TABLE],
)
async def test_permission_table(
    standin: DiscordStandIn, start_bot: BotFactory, name: str, action: Action, where: str, role: str,
    allowed: bool, refusal: str,
):  # fmt: skip
    world = await build(standin, start_bot)
    before = await world.bot.submissions.get(world.submission_id)
    schedules_before = await world.bot.daily.schedules(int(world.home.id))
    moderation_before = await moderation_state(world)
    guild = world.home if where == "home" else world.away
    user_id = str(OWNER_ID) if role == "owner" else None
    reply = await action(world, guild, standin.member(permissions=ROLES[role], name=role, user_id=user_id))

    if allowed:
        effect = EFFECTS.get(name)
        if effect is not None:
            await effect(world, guild, reply)
        assert not (reply.ephemeral and (ONLY_REVIEWERS in reply.content or "permission" in reply.content)), reply
        assert "went wrong" not in reply.content
        assert ONLY_STARTER not in reply.content
        assert OTHER_SERVER_QUIZ not in reply.content
        assert "films with facts" not in reply.content
    else:
        assert reply.ephemeral, reply
        assert refusal in reply.content
        # A refusal changes nothing: the submission and the home server's schedules are as they were.
        assert await world.bot.submissions.get(world.submission_id) == before
        assert await world.bot.daily.schedules(int(world.home.id)) == schedules_before
        # ...and a quiz refused a stop or an answer still runs, with no answer recorded.
        game = await world.bot.quiz.repo.running_in(int(world.home.channels[0]["id"]))
        if name.startswith(("/trivia-quiz", "quiz")):
            assert game is not None
            assert await world.bot.quiz.repo.leaderboard(int(world.home.id), since=None, limit=10) == []
        # ...nor any report, hidden fact, spoiler mark, block or log entry, in either server (a quiz row
        # adds its own films to play with before it acts, so it is checked by its game instead).
        if not name.startswith(("/trivia-quiz", "quiz")):
            assert await moderation_state(world) == moderation_before


async def moderation_state(world: World) -> list[Any]:
    store = world.bot.store
    return [
        [tuple(r) for r in await store.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in ("reports", "report_reasons", "hidden_facts", "spoiler_marks", "audit_log", "blocked_submitters")
    ] + [[tuple(r) for r in await store.fetchall("SELECT id, text, spoiler FROM facts ORDER BY id")]]


async def test_the_away_servers_list_never_shows_the_home_servers_schedules(
    standin: DiscordStandIn, start_bot: BotFactory
):
    world = await build(standin, start_bot)
    reply = await daily_list(world, world.away, standin.member(permissions=EVERYTHING))
    assert reply.content == "No daily trivia in this server yet. Start one with `/trivia-daily set`."
