"""/trivia-quiz: the "Which film?" game. Discord glue only: QuizService holds the rules and the state.

A round is a channel message (not an interaction reply), so the bot can still edit it when the round
closes however long the game runs. Its answer buttons are DynamicItems whose custom_id names the round
and the button's place (`quiz:answer:<round>:<0-3>`), never which one is right: the store knows that.
A loop started in cog_load closes due rounds on the bot's injected clock, reveals them, posts the next
round and, at the end, the scoreboard.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.services.quiz import Member, Reveal, Scoreboard
from bot.trivia.display import credit_text
from bot.trivia.quiz import (
    DEFAULT_ROUNDS,
    DEFAULT_SECONDS,
    MAX_ROUNDS,
    MAX_SECONDS,
    MIN_ROUNDS,
    MIN_SECONDS,
    POINTS_FIRST,
    QuizError,
)
from bot.trivia.rows import Round
from cogs.fact_card import EMBED_COLOUR
from cogs.kit import Interaction, ReportingItem, clip, ensure_bot_can_post, safe, static_view
from cogs.paginator import send_pages

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
SEND_CONCURRENCY = 8  # discord.py's rate limiter paces requests; this bounds the tasks in flight
LABEL_LIMIT = 80  # Discord's limit on a button label
RIGHT_SHOWN = 30  # members listed by name under a revealed round; the rest are counted
T = TypeVar("T")


class AnswerButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:answer:(?P<round>[0-9]{1,19}):(?P<choice>[0-3])",
):
    """One of a round's four choices. Works after a restart: everything it needs is in its custom_id and
    the store."""

    def __init__(
        self, round_id: int, choice: int, label: str = "?", *, style: discord.ButtonStyle | None = None,
        disabled: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(
            discord.ui.Button(
                label=clip(label, LABEL_LIMIT),
                style=style or discord.ButtonStyle.primary,
                custom_id=f"quiz:answer:{round_id}:{choice}",
                disabled=disabled,
            )
        )
        self.round_id = round_id
        self.choice = choice
        self.label = label

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        label = getattr(item, "label", None) or "your choice"
        return cls(int(match["round"]), int(match["choice"]), label)

    async def run(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            raise QuizError("Quiz buttons only work in the server the quiz is played in.")
        await interaction.client.quiz.answer(
            self.round_id, guild_id=interaction.guild_id, member_id=interaction.user.id, choice=self.choice
        )
        await interaction.response.send_message(
            f"Locked in: **{safe(clip(self.label, 200))}**. The answer is revealed when the round closes.",
            ephemeral=True,
            allowed_mentions=NONE,
        )


def question_embed(round_: Round) -> discord.Embed:
    closes = discord.utils.format_dt(round_.closes_at, "R")
    embed = discord.Embed(title=f"Which film? · Round {round_.number} of {round_.rounds}", colour=EMBED_COLOUR)
    embed.description = clip(safe(round_.question), 3800) + f"\n\nThe round closes {closes}."
    embed.set_footer(text=f"One answer per member · a right answer scores 1, the first right one {1 + POINTS_FIRST}")
    return embed


def question_view(round_: Round) -> discord.ui.View:
    return static_view(*(AnswerButton(round_.id, i, label) for i, label in enumerate(round_.choices)))


def names(member_ids: Iterable[int]) -> str:
    ids = list(member_ids)
    shown = ", ".join(f"<@{m}>" for m in ids[:RIGHT_SHOWN])
    return shown + (f" and {len(ids) - RIGHT_SHOWN} more" if len(ids) > RIGHT_SHOWN else "")


def reveal_embed(reveal: Reveal) -> discord.Embed:
    round_ = reveal.round
    embed = discord.Embed(
        title=clip(f"Round {round_.number} of {round_.rounds}: it was {round_.answer_label}", 256),
        colour=discord.Colour.green(),
    )
    credit = credit_text(safe(round_.credit) if round_.credit else None)
    embed.description = clip(safe(round_.fact_text), 3500) + (f"\n\n— *{clip(credit, 300)}*" if credit else "")
    right = reveal.right
    first = [a for a in right if a.first]
    if right:
        lines = [f"🥇 first: <@{first[0].member_id}> (+{first[0].points})"] if first else []
        others = [a.member_id for a in right if not a.first]
        if others:
            lines.append(f"also right: {names(others)}")
        embed.add_field(name="Right answers", value=clip("\n".join(lines), 1024), inline=False)
    else:
        embed.add_field(name="Right answers", value="Nobody got this one.", inline=False)
    embed.set_footer(text=f"{len(reveal.answers)} answered · {len(right)} right")
    return embed


def reveal_view(round_: Round) -> discord.ui.View:
    return static_view(
        *(
            AnswerButton(
                round_.id, i, label, disabled=True,
                style=discord.ButtonStyle.success if i == round_.right_choice else discord.ButtonStyle.secondary,
            )
            for i, label in enumerate(round_.choices)
        )
    )  # fmt: skip


def scoreboard_embed(board: Scoreboard) -> discord.Embed:
    game = board.game
    heading = "Quiz stopped" if game.status == "stopped" else "Quiz over"
    embed = discord.Embed(title=f"{heading}: scoreboard", colour=EMBED_COLOUR)
    lines = [
        f"**{place}.** <@{line.member_id}> — {line.points} point{'s' if line.points != 1 else ''}"
        f" ({line.right} right of {line.answers})"
        for place, line in enumerate(board.lines[:25], start=1)
    ]
    if len(board.lines) > 25:
        lines.append(f"… and {len(board.lines) - 25} more players")
    notes = []
    if game.status == "stopped" and game.ended_by:
        notes.append(f"Stopped by <@{game.ended_by}>.")
    if game.end_reason:
        notes.append(f"Ended early: {game.end_reason}.")
    body = "\n".join(lines) if lines else "Nobody answered."
    embed.description = clip("\n".join([body, *(["", *notes] if notes else [])]), 4000)
    embed.set_footer(text=f"{board.rounds_played} round{'s' if board.rounds_played != 1 else ''} played")
    return embed


def member_of(interaction: discord.Interaction) -> Member:
    roles = frozenset(role.id for role in getattr(interaction.user, "roles", []))
    return Member(interaction.user.id, interaction.permissions.manage_messages, roles)


class Quiz(commands.Cog):
    quiz = app_commands.Group(name="trivia-quiz", description="“Which film?”: a quiz game in this channel",
                              guild_only=True)  # fmt: skip

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        self._tick_lock = asyncio.Lock()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton)
        self.rounds.change_interval(seconds=self.bot.settings.quiz_tick_seconds)
        self.rounds.start()

    async def cog_unload(self) -> None:
        """A tick under way finishes first (what it sent is also recorded), then the loop stops."""
        try:
            async with asyncio.timeout(5):
                await self._tick_lock.acquire()
        except TimeoutError:
            log.warning("a quiz tick was still running at shutdown; stopping it")
        else:
            self._tick_lock.release()
        self.rounds.cancel()
        self.bot.remove_dynamic_items(AnswerButton)

    # --- commands ---------------------------------------------------------------------------------------

    @quiz.command(name="start", description="Start a “Which film?” game in this channel")
    @app_commands.describe(rounds=f"How many rounds (default {DEFAULT_ROUNDS})",
                           seconds=f"Seconds to answer each round (default {DEFAULT_SECONDS})")  # fmt: skip
    async def start(
        self,
        interaction: discord.Interaction,
        rounds: app_commands.Range[int, MIN_ROUNDS, MAX_ROUNDS] = DEFAULT_ROUNDS,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] = DEFAULT_SECONDS,
    ) -> None:
        assert interaction.guild_id is not None
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise QuizError("A quiz is played in a text channel: start it in one.")
        ensure_bot_can_post(interaction, channel)
        await self.bot.quiz.start(
            guild_id=interaction.guild_id, channel_id=channel.id, starter_id=interaction.user.id,
            rounds=rounds, seconds=seconds,
        )  # fmt: skip
        await interaction.response.send_message(
            f"**Which film?** {interaction.user.mention} started a quiz: {rounds} round{'s' if rounds != 1 else ''}"
            f" of {seconds} s. Each round shows a fact with the film's title hidden: press the film it is about."
            f" One answer per round; 1 point for a right answer, {POINTS_FIRST} more for the first.",
            allowed_mentions=NONE,
        )
        await self.tick()  # the first round now, not at the next tick

    @quiz.command(name="stop", description="Stop this channel's quiz (its starter or a reviewer)")
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        await self.bot.quiz.stop(guild_id=interaction.guild_id, channel_id=interaction.channel_id,
                                 member=member_of(interaction))  # fmt: skip
        await interaction.response.send_message(
            f"{interaction.user.mention} stopped the quiz. The scoreboard follows.", allowed_mentions=NONE
        )
        await self.tick()

    @quiz.command(name="leaderboard", description="This server's quiz scores")
    @app_commands.describe(period="The last 7 days, or all time (default)")
    async def leaderboard(self, interaction: discord.Interaction, period: Literal["week", "all"] = "all") -> None:
        assert interaction.guild_id is not None
        lines = await self.bot.quiz.leaderboard(interaction.guild_id, period)
        when = "this week" if period == "week" else "of all time"
        if not lines:
            await interaction.response.send_message(
                f"No quiz scores {when} in this server yet. Start a game with `/trivia-quiz start`.", ephemeral=True
            )
            return
        rows = [
            f"**{place}.** <@{line.member_id}> — {line.points} point{'s' if line.points != 1 else ''}"
            f" ({line.right} right of {line.answers})"
            for place, line in enumerate(lines, start=1)
        ]
        await send_pages(interaction, f"Quiz leaderboard {when}", rows)

    @quiz.command(name="stats", description="One member's quiz games, points, accuracy and best streak")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        assert interaction.guild_id is not None
        who = member or interaction.user
        stats = await self.bot.quiz.stats(interaction.guild_id, who.id)
        embed = discord.Embed(title=clip(f"Quiz stats: {who.display_name}", 256), colour=EMBED_COLOUR)
        if not stats.totals.answers:
            embed.description = f"<@{who.id}> has not answered a quiz round in this server yet."
        else:
            t = stats.totals
            embed.add_field(name="Games", value=str(t.games))
            embed.add_field(name="Points", value=str(t.points))
            embed.add_field(name="Accuracy", value=f"{stats.accuracy:.0%} ({t.right} of {t.answers})")
            embed.add_field(name="Best streak", value=str(stats.best_streak))
            embed.add_field(name="Current streak", value=str(stats.current_streak))
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NONE)

    # --- the loop -----------------------------------------------------------------------------------------

    @tasks.loop(seconds=1)
    async def rounds(self) -> None:
        await self.tick()

    @rounds.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def tick(self) -> None:
        """Close what is due, reveal it, start the next rounds, post new cards and scoreboards. Each step
        reads the store afresh, so after a restart the first tick picks up wherever the game was. Never raises."""
        quiz = self.bot.quiz
        async with self._tick_lock:
            try:
                await quiz.close_due()
                await self._each(await quiz.to_reveal(), self._reveal)
                await quiz.advance()
                await self._each(await quiz.to_post(), self._post)
                await self._each(await quiz.scoreboards(), self._scoreboard)
            except Exception:
                log.exception("quiz tick failed; trying again next tick")

    async def _each(self, items: list[T], send: Callable[[T], Awaitable[None]]) -> None:
        limit = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(item: T) -> None:
            async with limit:
                await send(item)

        await asyncio.gather(*(one(item) for item in items))

    def _channel(self, channel_id: int, guild_id: int) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, guild_id=guild_id)

    async def _post(self, round_: Round) -> None:
        quiz = self.bot.quiz
        try:
            message = await self._channel(round_.channel_id, round_.guild_id).send(
                embed=question_embed(round_),
                view=question_view(round_),
                nonce=f"quiz-{round_.id}",  # a re-send after a crash returns the first message
                allowed_mentions=NONE,
            )
            await quiz.posted(round_.id, message.id)
        except (discord.Forbidden, discord.NotFound):
            await quiz.abandon(round_.game_id, "the bot can no longer post in that channel")
        except Exception:
            log.exception("could not post quiz round %s; trying again next tick", round_.id)

    async def _reveal(self, reveal: Reveal) -> None:
        round_ = reveal.round
        try:
            if round_.message_id is not None:
                message = self._channel(round_.channel_id, round_.guild_id).get_partial_message(round_.message_id)
                await message.edit(embed=reveal_embed(reveal), view=reveal_view(round_), allowed_mentions=NONE)
        except (discord.Forbidden, discord.NotFound):
            log.warning("quiz round %s could not be revealed: its message or channel is gone", round_.id)
        except Exception:
            log.exception("could not reveal quiz round %s; trying again next tick", round_.id)
            return
        await self.bot.quiz.revealed(round_.id)

    async def _scoreboard(self, board: Scoreboard) -> None:
        game = board.game
        try:
            message = await self._channel(game.channel_id, game.guild_id).send(
                embed=scoreboard_embed(board), nonce=f"quiz-end-{game.id}", allowed_mentions=NONE
            )
            await self.bot.quiz.scoreboard_posted(game.id, message.id)
        except (discord.Forbidden, discord.NotFound):
            await self.bot.quiz.scoreboard_posted(game.id, 0)  # nowhere to post it: do not try again
        except Exception:
            log.exception("could not post the scoreboard of quiz %s; trying again next tick", game.id)


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Quiz(bot))
