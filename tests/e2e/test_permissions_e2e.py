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
ROLES = {"member": MEMBER_PERMISSIONS, "reviewer": MEMBER_PERMISSIONS | MANAGE_MESSAGES, "admin": EVERYTHING}
FACT = "The fairground scenes were shot over four nights in Azusa, California."


@dataclass
class World:
    standin: DiscordStandIn
    bot: TriviaBot
    home: Guild
    away: Guild
    submission_id: int
    schedule_channel: str


async def build(standin: DiscordStandIn, start_bot: BotFactory) -> World:
    home, away = standin.add_guild("Home"), standin.add_guild("Away")
    bot = await start_bot()
    target = await bot.submissions.target("mask")
    submission, _ = await bot.submissions.submit(
        guild_id=int(home.id), member_id=1, member_name="Someone", target=target, text=FACT, source=None
    )
    channel = home.channels[0]["id"]
    await bot.daily.set_schedule(guild_id=int(home.id), channel_id=int(channel), time_text="9am", timezone=None, film=None,
                        admin_id=1)  # fmt: skip
    return World(standin, bot, home, away, submission.id, channel)


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


ALLOWED, REFUSED = True, False
ONLY_STARTER = "Only the member who started this quiz or a reviewer"
OTHER_SERVER_QUIZ = "This button belongs to a quiz in another server."
MANAGE_SERVER = "You need the **Manage Server** permission to do that."
ONLY_REVIEWERS = "Only reviewers"
NOT_HERE = "There is no submission #1 in this server."

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
    guild = world.home if where == "home" else world.away
    reply = await action(world, guild, standin.member(permissions=ROLES[role], name=role))

    if allowed:
        await EFFECTS[name](world, guild, reply)
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


async def test_the_away_servers_list_never_shows_the_home_servers_schedules(
    standin: DiscordStandIn, start_bot: BotFactory
):
    world = await build(standin, start_bot)
    reply = await daily_list(world, world.away, standin.member(permissions=EVERYTHING))
    assert reply.content == "No daily trivia in this server yet. Start one with `/trivia-daily set`."
