"""The "Which film?" quiz through the real discord.py client against the loopback stand-in: games played
end to end on the injected clock, answers counted once, restarts, scores across games."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.app import TriviaBot
from bot.trivia.masking import MASK
from tests.e2e.conftest import BotFactory
from tests.support.fake_clock import FakeClock
from tests.support.quiz_catalog import QUIZ_FILMS, add_quiz_films
from tests.support.standin import MANAGE_MESSAGES, MEMBER_PERMISSIONS, Callback, DiscordStandIn, Guild, Recorded

CUSTOM_ID = re.compile(r"^quiz:answer:(?P<round>\d+):(?P<choice>[0-3])$")
NO_PINGS = {"parse": []}


class Table:
    """One channel's game as the members see it: the cards posted, edited, and the presses on them."""

    def __init__(self, standin: DiscordStandIn, bot: TriviaBot, guild: Guild, channel: str | None = None) -> None:
        self.standin, self.bot, self.guild = standin, bot, guild
        self.channel = channel or guild.channels[0]["id"]

    def posts(self) -> list[dict[str, Any]]:
        return self.standin.created_messages.get(self.channel, [])

    async def next_post(self, count: int) -> dict[str, Any]:
        """Waits (on the bot's requests, not a clock) until the channel has `count` messages."""
        path = f"/channels/{self.channel}/messages"
        while len(self.posts()) < count:  # each pass waits for one more POST there (a refused one too)
            await self.standin.wait_for_next_request(lambda r: r.method == "POST" and r.path == path)
        return self.posts()[count - 1]  # the stand-in records the message before this coroutine resumes

    async def start(self, member: dict[str, Any], **options: int) -> Callback:
        return await self.standin.interact(
            self.standin.slash(self.guild, "trivia-quiz start", options, channel_id=self.channel, member=member)
        )

    async def press(self, card: dict[str, Any], choice: int, member: dict[str, Any]) -> Callback:
        custom_id = card["components"][0]["components"][choice]["custom_id"]
        payload = self.standin.button(self.guild, custom_id, member=member, message=card, channel_id=self.channel)
        return await self.standin.interact(payload)

    async def right_choice(self, card: dict[str, Any]) -> int:
        round_ = await self.bot.quiz.repo.round(round_id(card))
        assert round_ is not None
        return round_.right_choice

    async def tick(self) -> None:
        await self.bot.get_cog("Quiz").tick()

    def edits_of(self, card: dict[str, Any]) -> list[Recorded]:
        return self.standin.posted("PATCH", f"/channels/{self.channel}/messages/{card['id']}")


def round_id(card: dict[str, Any]) -> int:
    ids = [c["custom_id"] for c in card["components"][0]["components"]]
    matches = [CUSTOM_ID.match(i) for i in ids]
    assert all(matches), ids
    return int(matches[0]["round"])  # type: ignore[index]


def labels(card: dict[str, Any]) -> list[str]:
    return [c["label"] for c in card["components"][0]["components"]]


def member(standin: DiscordStandIn, user_id: str, name: str, permissions: int = MEMBER_PERMISSIONS) -> dict[str, Any]:
    return standin.member(user_id=user_id, name=name, permissions=permissions)


async def quiz_bot(standin: DiscordStandIn, start_bot: BotFactory, clock: FakeClock, **overrides: Any) -> TriviaBot:
    bot = await start_bot(clock=clock, quiz_tick_seconds=3600, **overrides)  # the test ticks by hand
    await add_quiz_films(bot)
    return bot


async def test_a_two_round_game_with_right_wrong_late_and_double_presses(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    clock = FakeClock()
    bot = await quiz_bot(standin, start_bot, clock)
    table = Table(standin, bot, guild)
    alice, bob, carol = member(standin, "101", "alice"), member(standin, "102", "bob"), member(standin, "103", "carol")

    started = await table.start(alice, rounds=2, seconds=30)
    assert not started.ephemeral
    assert "started a quiz: 2 rounds of 30 s" in started.content
    assert started.data["allowed_mentions"] == NO_PINGS

    card = await table.next_post(1)
    (embed,) = card["embeds"]
    assert embed["title"] == "Which film? · Round 1 of 2"
    assert MASK in embed["description"]
    assert len(set(labels(card))) == 4
    # The custom_ids name the round and the button's place, nothing about which one is right.
    places = {CUSTOM_ID.match(c["custom_id"])["choice"] for c in card["components"][0]["components"]}  # type: ignore[index]
    assert places == {"0", "1", "2", "3"}
    right = await table.right_choice(card)
    answer = labels(card)[right]
    for word in re.findall(r"\w+", answer.rsplit(" (", 1)[0]):
        if word.lower() not in {"the", "to"}:
            assert word.lower() not in embed["description"].lower(), (word, embed["description"])
    wrong = (right + 1) % 4

    reply = await table.press(card, right, alice)
    assert reply.ephemeral
    assert reply.content == f"Locked in: **{answer}**. The answer is revealed when the round closes."
    assert (await table.press(card, wrong, bob)).content.startswith("Locked in")
    again = await table.press(card, wrong, alice)
    assert again.ephemeral
    assert "already answered" in again.content
    clock.advance(seconds=30)  # time is up; the loop has not ticked yet
    late = await table.press(card, right, carol)
    assert late.ephemeral
    assert "round is over" in late.content

    await table.tick()
    (edit,) = table.edits_of(card)
    revealed = edit.body["embeds"][0]
    assert revealed["title"] == f"Round 1 of 2: it was {answer}"
    right_field = revealed["fields"][0]["value"]
    assert "first: <@101> (+2)" in right_field
    assert "<@102>" not in right_field
    assert "<@103>" not in right_field
    assert revealed["footer"]["text"] == "2 answered · 1 right"
    assert edit.body["allowed_mentions"] == NO_PINGS
    styles = [c["style"] for c in edit.body["components"][0]["components"]]
    assert styles[right] == 3  # the right film, green
    assert all(c.get("disabled") for c in edit.body["components"][0]["components"])

    second = await table.next_post(2)
    assert second["embeds"][0]["title"] == "Which film? · Round 2 of 2"
    right2 = await table.right_choice(second)
    for who in (bob, alice):  # bob first, then alice: both right
        assert (await table.press(second, right2, who)).content.startswith("Locked in")
    assert (await table.press(second, (right2 + 1) % 4, carol)).content.startswith("Locked in")
    assert "already answered" in (await table.press(second, right2, carol)).content
    clock.advance(seconds=30)
    await table.tick()

    (edit2,) = table.edits_of(second)
    field = edit2.body["embeds"][0]["fields"][0]["value"]
    assert "first: <@102> (+2)" in field
    assert "also right: <@101>" in field
    board = (await table.next_post(3))["embeds"][0]
    assert board["title"] == "Quiz over: scoreboard"
    assert board["description"].splitlines() == [
        "**1.** <@101> — 3 points (2 right of 2)",
        "**2.** <@102> — 2 points (1 right of 2)",
        "**3.** <@103> — 0 points (0 right of 1)",
    ]
    assert board["footer"]["text"] == "2 rounds played"
    for request in standin.posted("POST", f"/channels/{table.channel}/messages"):
        assert request.body["allowed_mentions"] == NO_PINGS
    await table.tick()
    assert len(table.posts()) == 3  # nothing more: the game is over
    assert await bot.quiz.repo.running_in(int(table.channel)) is None


async def test_many_members_pressing_at_once_are_each_counted_once(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    clock = FakeClock()
    bot = await quiz_bot(standin, start_bot, clock)
    table = Table(standin, bot, guild)
    await table.start(member(standin, "100", "host"), rounds=1, seconds=60)
    card = await table.next_post(1)
    right = await table.right_choice(card)
    players = [member(standin, str(200 + i), f"p{i}") for i in range(15)]
    presses = [table.press(card, (right + i) % 4, p) for i, p in enumerate(players) for _ in range(2)]
    replies = await asyncio.gather(*presses)

    assert sum(r.content.startswith("Locked in") for r in replies) == 15
    assert sum("already answered" in r.content for r in replies) == 15
    answers = await bot.quiz.repo.answers(round_id(card))
    assert sorted(a.member_id for a in answers) == [200 + i for i in range(15)]
    assert sum(a.first for a in answers) == 1
    assert sum(a.correct for a in answers) == 4  # players 0, 4, 8, 12 pressed the right one

    clock.advance(seconds=60)
    await table.tick()
    board = await standin.interact(standin.slash(guild, "trivia-quiz leaderboard", member=players[0]))
    assert board.embeds[0]["footer"]["text"] == "page 1 of 2"  # 15 players, 10 a page
    assert [c["label"] for c in board.data["components"][0]["components"]] == ["Previous", "Next"]
    assert board.embeds[0]["description"].count("<@") == 10


async def test_a_game_survives_a_restart_in_the_middle_of_a_round(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    clock = FakeClock()
    bot = await quiz_bot(standin, start_bot, clock)
    table = Table(standin, bot, guild)
    alice, bob = member(standin, "101", "alice"), member(standin, "102", "bob")
    await table.start(alice, rounds=2, seconds=30)
    card = await table.next_post(1)
    right = await table.right_choice(card)
    assert (await table.press(card, right, alice)).content.startswith("Locked in")

    await bot.close()
    clock.advance(seconds=10)
    bot = await start_bot(clock=clock, quiz_tick_seconds=3600)  # same database, a new process's worth of state
    table.bot = bot
    assert (await table.press(card, right, bob)).content.startswith("Locked in")  # the button still works
    assert "already answered" in (await table.press(card, right, alice)).content  # the answer before counts

    await bot.close()
    clock.advance(seconds=60)  # the round's time runs out while the bot is down
    bot = await start_bot(clock=clock, quiz_tick_seconds=3600)
    table.bot = bot
    # Right after it returns, the loop's first pass closes the overdue round and reveals it: no test tick.
    edit = await standin.wait_for_request(lambda r: r.method == "PATCH" and r.path.endswith(f"/messages/{card['id']}"))
    field = edit.body["embeds"][0]["fields"][0]["value"]
    assert "first: <@101> (+2)" in field
    assert "also right: <@102>" in field
    second = await table.next_post(2)
    assert second["embeds"][0]["title"] == "Which film? · Round 2 of 2"
    assert len(table.edits_of(card)) == 1
    clock.advance(seconds=30)
    await table.tick()
    board = (await table.next_post(3))["embeds"][0]
    assert board["description"].splitlines()[:2] == [
        "**1.** <@101> — 2 points (1 right of 1)",
        "**2.** <@102> — 1 point (1 right of 1)",
    ]


async def test_two_channels_play_independently_and_one_game_per_channel(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    other_channel = guild.add_text_channel("quiz-2")
    clock = FakeClock()
    bot = await quiz_bot(standin, start_bot, clock)
    one, two = Table(standin, bot, guild), Table(standin, bot, guild, other_channel)
    alice, bob = member(standin, "101", "alice"), member(standin, "102", "bob")
    await one.start(alice, rounds=1, seconds=30)
    card_one = await one.next_post(1)
    refused = await one.start(bob, rounds=1, seconds=30)
    assert refused.ephemeral
    assert "already running in this channel" in refused.content
    clock.advance(seconds=20)
    await two.start(bob, rounds=1, seconds=30)
    card_two = await two.next_post(1)

    clock.advance(seconds=10)  # the first channel's round is due, the second's is not
    await one.tick()
    assert len(one.edits_of(card_one)) == 1
    assert one.edits_of(card_two) == []
    assert two.edits_of(card_two) == []
    assert (await two.press(card_two, 0, alice)).content.startswith("Locked in")
    clock.advance(seconds=20)
    await one.tick()
    assert len(two.edits_of(card_two)) == 1
    assert one.posts()[-1]["embeds"][0]["title"] == "Quiz over: scoreboard"
    assert two.posts()[-1]["embeds"][0]["title"] == "Quiz over: scoreboard"


async def test_too_few_films_gets_a_clear_reply_and_cooldown_and_stop_rules(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    clock = FakeClock()
    bot = await start_bot(clock=clock, quiz_tick_seconds=3600)  # the seed only: one film
    table = Table(standin, bot, guild)
    alice, bob = member(standin, "101", "alice"), member(standin, "102", "bob")

    refused = await table.start(alice)
    assert refused.ephemeral
    assert "at least 4 films with facts in this server; there is 1" in refused.content
    assert "python -m bot import FILE" in refused.content
    assert "/trivia-submit" in refused.content
    assert await bot.quiz.repo.running_in(int(table.channel)) is None

    await add_quiz_films(bot)
    assert not (await table.start(alice, rounds=3, seconds=30)).ephemeral
    await table.next_post(1)
    stop = await standin.interact(standin.slash(guild, "trivia-quiz stop", member=bob))
    assert stop.ephemeral
    assert "Only the member who started this quiz or a reviewer" in stop.content
    assert await bot.quiz.repo.running_in(int(table.channel)) is not None  # the refusal changed nothing
    stopped = await standin.interact(standin.slash(guild, "trivia-quiz stop", member=alice))
    assert not stopped.ephemeral
    assert "stopped the quiz" in stopped.content
    board = (await table.next_post(2))["embeds"][0]
    assert board["title"] == "Quiz stopped: scoreboard"
    assert "Stopped by <@101>." in board["description"]
    assert board["footer"]["text"] == "1 round played"

    cooldown = await table.start(alice)
    assert cooldown.ephemeral
    assert "you can start another in" in cooldown.content
    clock.advance(seconds=61)
    assert not (await table.start(alice, rounds=1)).ephemeral
    nothing = await standin.interact(standin.slash(guild, "trivia-quiz stop", member=bob, channel_id=None))
    assert "Only the member who started" in nothing.content
    reviewer = member(standin, "103", "mod", MEMBER_PERMISSIONS | MANAGE_MESSAGES)
    assert not (await standin.interact(standin.slash(guild, "trivia-quiz stop", member=reviewer))).ephemeral


async def test_leaderboard_and_stats_add_up_across_two_games(standin: DiscordStandIn, start_bot: BotFactory):
    guild = standin.add_guild()
    other = standin.add_guild("Elsewhere")
    clock = FakeClock()
    bot = await quiz_bot(standin, start_bot, clock)
    table = Table(standin, bot, guild)
    alice, bob = member(standin, "101", "alice"), member(standin, "102", "bob")

    # Game 1 (alice starts): round 1 alice right first, bob wrong; round 2 bob right first, alice right.
    await table.start(alice, rounds=2, seconds=30)
    card = await table.next_post(1)
    right = await table.right_choice(card)
    await table.press(card, right, alice)
    await table.press(card, (right + 1) % 4, bob)
    clock.advance(seconds=30)
    await table.tick()
    card = await table.next_post(2)
    right = await table.right_choice(card)
    await table.press(card, right, bob)
    await table.press(card, right, alice)
    clock.advance(seconds=30)
    await table.tick()
    await table.next_post(3)  # scoreboard

    # Game 2, eight days later (bob starts): alice wrong (her streak of 2 ends), bob right first.
    clock.advance(days=8)
    await table.start(bob, rounds=1, seconds=30)
    card = await table.next_post(4)
    right = await table.right_choice(card)
    await table.press(card, (right + 1) % 4, alice)
    await table.press(card, right, bob)
    clock.advance(seconds=30)
    await table.tick()
    await table.next_post(5)

    board = await standin.interact(standin.slash(guild, "trivia-quiz leaderboard", {"period": "all"}, member=alice))
    assert board.ephemeral
    assert board.embeds[0]["title"] == "Quiz leaderboard of all time"
    assert board.embeds[0]["description"].split("\n\n") == [
        "**1.** <@102> — 4 points (2 right of 3)",
        "**2.** <@101> — 3 points (2 right of 3)",
    ]
    week = await standin.interact(standin.slash(guild, "trivia-quiz leaderboard", {"period": "week"}, member=alice))
    assert week.embeds[0]["description"].split("\n\n") == [
        "**1.** <@102> — 2 points (1 right of 1)",
        "**2.** <@101> — 0 points (0 right of 1)",
    ]

    stats = await standin.interact(standin.slash(guild, "trivia-quiz stats", member=alice))
    fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
    assert fields == {"Games": "2", "Points": "3", "Accuracy": "67% (2 of 3)", "Best streak": "2",
                      "Current streak": "0"}  # fmt: skip
    bob_stats = await bot.quiz.stats(int(guild.id), 102)
    assert (bob_stats.totals.games, bob_stats.totals.points, bob_stats.best_streak, bob_stats.current_streak) == (
        2, 4, 2, 2,
    )  # fmt: skip

    # Scores belong to the server they were earned in.
    elsewhere = await standin.interact(standin.slash(other, "trivia-quiz leaderboard", member=alice))
    assert elsewhere.ephemeral
    assert "No quiz scores of all time in this server yet" in elsewhere.content


def test_every_fact_of_the_test_catalog_is_masked_or_skipped():
    """Masking never gives the answer away on the test catalog: each fact is either asked with no word of
    its film's titles or year left, or not asked at all."""
    from bot.trivia.masking import TitleWords, askable, still_names

    for film in QUIZ_FILMS:
        for fact in film.facts:
            asked = askable(fact.text, film.title, film.year, film.aliases)
            assert asked is not None, fact.text
            assert not still_names(asked, TitleWords.of(film.title, film.year, film.aliases))
            assert str(film.year) not in asked


async def test_a_channel_that_refuses_the_card_ends_the_game_and_frees_the_channel(
    standin: DiscordStandIn, start_bot: BotFactory
):
    guild = standin.add_guild()
    clock = FakeClock()
    bot = await quiz_bot(standin, start_bot, clock)
    table = Table(standin, bot, guild)
    standin.fail("POST", f"/channels/{table.channel}/messages", 403, times=1)
    assert not (await table.start(member(standin, "101", "alice"), rounds=2)).ephemeral
    await standin.wait_for_request(lambda r: r.method == "POST" and r.path.endswith(f"{table.channel}/messages"))
    await table.tick()  # (the start's own pass got the 403; this one finds nothing left to do)
    assert await bot.quiz.repo.running_in(int(table.channel)) is None
    assert table.posts() == []  # no scoreboard for a game nobody could see
    clock.advance(seconds=61)
    assert not (await table.start(member(standin, "101", "alice"), rounds=1)).ephemeral  # the channel is free again
    assert (await table.next_post(1))["embeds"][0]["title"] == "Which film? · Round 1 of 1"
