"""The "Which film?" quiz use-cases: start, answer, close and reveal rounds, stop, leaderboard and stats.

No Discord here: the cog turns interactions into these calls and what they return into messages. All
state lives in the store (bot/db/quiz.py), so a game survives a restart; the rules live in
bot/trivia/quiz.py and bot/trivia/masking.py.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, system_clock
from bot.db.quiz import QuizRepository
from bot.db.store import Store
from bot.db.submissions import SubmissionRepository
from bot.trivia.masking import askable
from bot.trivia.quiz import (
    CHOICES,
    POINTS_FIRST,
    POINTS_RIGHT,
    QUESTION_ATTEMPTS,
    WEEK_SECONDS,
    NotEnoughFilms,
    QuizError,
    arrange,
    check_game_size,
    choose_decoys,
    streaks,
)
from bot.trivia.rows import Answer, FactCandidate, Game, MemberTotals, Round, ScoreLine
from bot.trivia.submissions import is_reviewer

log = logging.getLogger(__name__)
BATCH = 500  # rounds or games handled per tick step; the rest follow on the next tick
FACTS_PER_PROBE = 12
DECOYS_PER_KIND = 6
LEADERBOARD_SIZE = 200
OUT_OF_QUESTIONS = "ran out of questions this server has not seen in this game"


class AlreadyAnswered(QuizError):
    def __init__(self) -> None:
        super().__init__("You already answered this round: one answer per member. Your first answer stands.")


class RoundOver(QuizError):
    def __init__(self) -> None:
        super().__init__("This round is over; answers are no longer taken, so yours was not counted.")


@dataclass(frozen=True, slots=True)
class Member:
    """Who pressed or typed, as plain facts read fresh from the interaction."""

    id: int
    manage_messages: bool = False
    role_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Reveal:
    round: Round
    answers: list[Answer]

    @property
    def right(self) -> list[Answer]:
        return [a for a in self.answers if a.correct]


@dataclass(frozen=True, slots=True)
class Scoreboard:
    game: Game
    lines: list[ScoreLine]
    rounds_played: int


@dataclass(frozen=True, slots=True)
class MemberStats:
    member_id: int
    totals: MemberTotals
    current_streak: int
    best_streak: int

    @property
    def accuracy(self) -> float | None:
        return self.totals.right / self.totals.answers if self.totals.answers else None


class QuizService:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        cooldown_seconds: float = 60.0,
    ) -> None:
        self.repo = QuizRepository(store)
        self.settings = SubmissionRepository(store)  # the reviewer role lives with the guild's settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.cooldown = timedelta(seconds=cooldown_seconds)

    # --- commands ---------------------------------------------------------------------------------------

    async def start(self, *, guild_id: int, channel_id: int, starter_id: int, rounds: int, seconds: int) -> Game:
        """A new game in the channel; its first round is built by the next `advance` (the cog calls it at once).
        Refused, changing nothing: a game already running there, the member's cooldown, too few films."""
        check_game_size(rounds, seconds)
        if await self.repo.running_in(channel_id) is not None:
            raise QuizError("A quiz is already running in this channel. Join in, or start one in another channel.")
        now = self.clock()
        last = await self.repo.last_start(guild_id, starter_id)
        if last is not None and now - last < self.cooldown:
            wait = (self.cooldown - (now - last)).total_seconds()
            raise QuizError(f"You started a quiz a moment ago; you can start another in {wait:.0f} s.")
        found = await self.repo.films_with_facts(guild_id, at_least=CHOICES)
        if found < CHOICES:
            raise NotEnoughFilms(found)
        game = await self.repo.create_game(
            guild_id=guild_id, channel_id=channel_id, starter_id=starter_id, rounds=rounds, seconds=seconds, now=now
        )
        if game is None:  # another start won the race for this channel
            raise QuizError("A quiz is already running in this channel. Join in, or start one in another channel.")
        log.info("guild %s: quiz %s started in channel %s by %s (%d x %d s)", guild_id, game.id, channel_id,
                 starter_id, rounds, seconds)  # fmt: skip
        return game

    async def stop(self, *, guild_id: int, channel_id: int, member: Member) -> Game:
        """Ends the channel's game: only its starter or a reviewer may. The open round closes with the
        answers already given, and the scoreboard follows."""
        game = await self.repo.running_in(channel_id)
        if game is None or game.guild_id != guild_id:
            raise QuizError("No quiz is running in this channel.")
        if member.id != game.starter_id and not await self._is_reviewer(guild_id, member):
            raise QuizError(
                "Only the member who started this quiz or a reviewer (Manage Messages or the reviewer role)"
                " can stop it."
            )
        await self.repo.stop_game(game.id, by=member.id, now=self.clock())
        log.info("guild %s: quiz %s stopped by %s", guild_id, game.id, member.id)
        return game

    async def _is_reviewer(self, guild_id: int, member: Member) -> bool:
        settings = await self.settings.settings(guild_id)
        return is_reviewer(
            manage_messages=member.manage_messages, role_ids=member.role_ids, reviewer_role_id=settings.reviewer_role_id
        )

    async def answer(self, round_id: int, *, guild_id: int, member_id: int, choice: int) -> Answer:
        """One answer per member per round, only while the round is open by the clock. The fast path is one
        statement; a refusal is explained by a second look that changes nothing."""
        if not 0 <= choice < CHOICES:
            raise QuizError("That is not one of this round's choices.")
        now = self.clock()
        recorded = await self.repo.answer(
            round_id, guild_id=guild_id, member_id=member_id, choice=choice, now=now,
            points_right=POINTS_RIGHT, points_first=POINTS_FIRST,
        )  # fmt: skip
        if recorded is not None:
            return recorded
        found = await self.repo.round(round_id)
        if found is None:
            raise QuizError("This quiz round no longer exists.")
        if found.guild_id != guild_id:
            raise QuizError("This button belongs to a quiz in another server.")
        if await self.repo.member_answer(round_id, member_id) is not None:
            raise AlreadyAnswered()
        raise RoundOver()

    async def leaderboard(self, guild_id: int, period: str) -> list[ScoreLine]:
        """`week`: the last seven days (rolling); `all`: everything earned in this server."""
        since = self.clock() - timedelta(seconds=WEEK_SECONDS) if period == "week" else None
        return await self.repo.leaderboard(guild_id, since=since, limit=LEADERBOARD_SIZE)

    async def stats(self, guild_id: int, member_id: int) -> MemberStats:
        totals = await self.repo.member_totals(guild_id, member_id)
        runs = streaks(await self.repo.member_outcomes(guild_id, member_id))
        return MemberStats(member_id, totals, runs.current, runs.best)

    # --- the loop's steps (each safe to repeat: a crash between two of them loses nothing) ---------------

    async def close_due(self) -> list[int]:
        return await self.repo.close_due(self.clock())

    async def to_reveal(self) -> list[Reveal]:
        return [Reveal(r, await self.repo.answers(r.id)) for r in await self.repo.to_reveal(BATCH)]

    async def revealed(self, round_id: int) -> None:
        await self.repo.mark_revealed(round_id)

    async def advance(self) -> int:
        """Every running game with no round under way gets its next round, or ends after its last one.
        Returns how many rounds were created."""
        created = 0
        for due in await self.repo.needing_round(BATCH):
            game = due.game
            try:
                if due.number > game.rounds:
                    await self.repo.end_game(game.id, status="finished", reason=None, now=self.clock())
                    log.info("guild %s: quiz %s finished", game.guild_id, game.id)
                    continue
                if await self._add_round(game, due.number):
                    created += 1
                else:
                    await self.repo.end_game(game.id, status="finished", reason=OUT_OF_QUESTIONS, now=self.clock())
                    log.warning("guild %s: quiz %s ended early: %s", game.guild_id, game.id, OUT_OF_QUESTIONS)
            except Exception:  # one broken game must not stop the others
                log.exception("could not advance quiz %s", game.id)
        return created

    async def _add_round(self, game: Game, number: int) -> bool:
        used_facts, used_films = await self.repo.used(game.id)
        picked = await self._question(game.guild_id, used_facts, used_films)
        if picked is None and used_films:  # a small catalog: films may come back, facts never do
            picked = await self._question(game.guild_id, used_facts, set())
        if picked is None:
            return False
        fact, question, labels, right = picked
        round_id = await self.repo.add_round(
            game, number, fact=fact, question=question, choices=labels, right_choice=right, now=self.clock()
        )
        return round_id is not None

    async def _question(
        self, guild_id: int, used_facts: set[int], used_films: set[int]
    ) -> tuple[FactCandidate, str, list[str], int] | None:
        """A fact from a random place in the catalog that masking can hide its film in, with three
        plausible wrong films; None after QUESTION_ATTEMPTS facts without one."""
        top_fact, top_film = await self.repo.max_ids()
        tried = 0
        wrapped = False
        while tried < QUESTION_ATTEMPTS:
            start = 0 if wrapped else self.rng.randint(0, top_fact)
            batch = await self.repo.facts_from(guild_id, start, skip_films=sorted(used_films), limit=FACTS_PER_PROBE)
            if not batch:
                if wrapped:
                    return None
                wrapped = True
                continue
            self.rng.shuffle(batch)
            for fact in batch:
                tried += 1
                if fact.fact_id in used_facts:
                    continue
                question = askable(
                    fact.text, fact.film.title, fact.film.year, await self.repo.aliases(fact.film.film_id)
                )
                if question is None:
                    continue
                candidates = await self.repo.decoy_candidates(
                    guild_id,
                    fact.film,
                    start_id=self.rng.randint(0, top_film),
                    year=fact.film.year // 10 * 10 + self.rng.randrange(10) if fact.film.year else None,
                    per_kind=DECOYS_PER_KIND,
                )
                decoys = choose_decoys(fact.film, candidates, self.rng)
                if len(decoys) < CHOICES - 1:
                    continue
                choices, right = arrange(fact.film, decoys, self.rng)
                return fact, question, [c.label for c in choices], right
            wrapped = wrapped or len(batch) < FACTS_PER_PROBE
        return None

    async def to_post(self) -> list[Round]:
        return await self.repo.to_post(BATCH)

    async def posted(self, round_id: int, message_id: int) -> None:
        await self.repo.mark_posted(round_id, message_id)

    async def abandon(self, game_id: int, reason: str) -> None:
        """The channel refuses the bot (deleted, permission lost): the game ends without a scoreboard."""
        await self.repo.end_game(game_id, status="abandoned", reason=reason, now=self.clock())
        log.warning("quiz %s abandoned: %s", game_id, reason)

    async def scoreboards(self) -> list[Scoreboard]:
        return [
            Scoreboard(game, await self.repo.game_scores(game.id), await self.repo.rounds_played(game.id))
            for game in await self.repo.scoreboards_due(BATCH)
        ]

    async def scoreboard_posted(self, game_id: int, message_id: int) -> None:
        await self.repo.mark_scoreboard(game_id, message_id)

    def now(self) -> datetime:
        return self.clock()
