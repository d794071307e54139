"""The quiz's store on real SQLite files: answers counted once even from two processes, rounds closed by
the clock, one game per channel, facts hidden by masking never asked."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.db.submissions import SubmissionRepository
from bot.services.quiz import Member, QuizService
from bot.trivia.quiz import NotEnoughFilms, QuizError
from bot.trivia.records import FactRecord, FilmRecord
from bot.trivia.rows import GuildSettings
from tests.support.fake_clock import FakeClock

FILMS = [
    FilmRecord(f"Film {name}", 1980 + i, "Drama", facts=[FactRecord(f"A fact about a shoot that took {i + 2} weeks.")])
    for i, name in enumerate(["Alpha", "Bravo", "Charlie", "Delta", "Echo"])
]


async def started(store: Store, clock: FakeClock, channel: int = 10) -> tuple[QuizService, int]:
    await CatalogRepository(store).import_films(FILMS)
    quiz = QuizService(store, clock=clock, rng=random.Random(1))
    await quiz.start(guild_id=1, channel_id=channel, starter_id=7, rounds=3, seconds=30)
    await quiz.advance()
    (round_,) = await quiz.to_post()
    return quiz, round_.id


async def test_answers_from_two_connections_at_once_count_once_with_one_first(tmp_path: Path):
    clock = FakeClock()
    one = await Store.open(tmp_path / "quiz.db")
    two = await Store.open(tmp_path / "quiz.db")
    try:
        quiz_one, round_id = await started(one, clock)
        quiz_two = QuizService(two, clock=clock)
        right = (await quiz_one.repo.round(round_id)).right_choice  # type: ignore[union-attr]

        async def press(quiz: QuizService, member: int) -> bool:
            try:
                await quiz.answer(round_id, guild_id=1, member_id=member, choice=right)
            except Exception:
                return False
            return True

        results = await asyncio.gather(*(press(q, m) for m in range(100, 120) for q in (quiz_one, quiz_two)))
        assert sum(results) == 20
        answers = await quiz_one.repo.answers(round_id)
        assert len(answers) == 20
        assert sum(a.first for a in answers) == 1
        assert sum(a.points for a in answers) == 21
    finally:
        await one.close()
        await two.close()


async def test_a_round_takes_answers_until_its_closing_instant_then_closes_once(store: Store):
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    quiz, round_id = await started(store, clock)
    clock.advance(seconds=29.999)
    await quiz.answer(round_id, guild_id=1, member_id=5, choice=0)
    assert await quiz.close_due() == []
    clock.advance(seconds=0.001)
    assert await quiz.close_due() == [round_id]
    assert await quiz.close_due() == []
    (reveal,) = await quiz.to_reveal()
    assert [a.member_id for a in reveal.answers] == [5]


async def test_one_game_per_channel_and_the_next_round_never_repeats_a_fact(store: Store):
    clock = FakeClock()
    quiz, first = await started(store, clock)
    await quiz.start(guild_id=1, channel_id=11, starter_id=8, rounds=1, seconds=30)  # another channel is fine
    asked = {(await quiz.repo.round(first)).fact_text}  # type: ignore[union-attr]
    for _ in range(2):
        clock.advance(seconds=30)
        await quiz.close_due()
        for reveal in await quiz.to_reveal():
            await quiz.revealed(reveal.round.id)
        await quiz.advance()
        game = await quiz.repo.running_in(10)
        assert game is not None
        rounds = [r for r in await quiz.to_post() if r.game_id == game.id]
        for r in rounds:
            await quiz.posted(r.id, r.id)
        (round_,) = rounds
        assert round_.fact_text not in asked
        asked.add(round_.fact_text)


async def test_facts_that_still_name_the_film_are_never_asked(store: Store):
    clock = FakeClock()
    films = [
        FilmRecord("Mask", 1985, "Drama", facts=[FactRecord("The Maskmaker's workshop built every prosthetic.")]),
        *[
            FilmRecord(f"Film {i}", 1985, "Drama", facts=[FactRecord(f"Fact number {i} about lenses.")])
            for i in range(4)
        ],
    ]
    await CatalogRepository(store).import_films(films)
    quiz = QuizService(store, clock=clock, rng=random.Random(3))
    for channel in range(20):
        await quiz.start(guild_id=1, channel_id=channel, starter_id=channel, rounds=1, seconds=30)
    await quiz.advance()
    questions = [r.question for r in await quiz.to_post()]
    assert len(questions) == 20
    assert not any("Maskmaker" in q for q in questions)


async def test_week_leaderboard_counts_only_the_last_seven_days(store: Store):
    clock = FakeClock()
    quiz, round_id = await started(store, clock)
    right = (await quiz.repo.round(round_id)).right_choice  # type: ignore[union-attr]
    await quiz.answer(round_id, guild_id=1, member_id=5, choice=right)
    clock.advance(days=7, seconds=1)
    assert await quiz.leaderboard(1, "week") == []
    assert [line.points for line in await quiz.leaderboard(1, "all")] == [2]
    assert clock.now - timedelta(days=7) > datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


async def test_a_guilds_own_facts_count_only_there_and_too_few_films_changes_nothing(store: Store):
    catalog = CatalogRepository(store)
    await catalog.import_films(FILMS[:3])
    own = await catalog.import_films([FilmRecord("Local Film", 1999, "Drama")])
    assert own.films_added == 1
    film_id = (await store.fetchone("SELECT id FROM films WHERE title = 'Local Film'"))[0]  # type: ignore[index]
    await store.write(
        "INSERT INTO facts (film_id, text, origin, guild_id, content_hash) VALUES (?, ?, 'submission', 1, ?)",
        (film_id, "A fact only this server approved, about its lenses.", b"\x01"),
    )
    quiz = QuizService(store, clock=FakeClock())
    with pytest.raises(NotEnoughFilms, match="there are 3"):
        await quiz.start(guild_id=2, channel_id=20, starter_id=5, rounds=1, seconds=30)
    assert await quiz.repo.running_in(20) is None
    game = await quiz.start(guild_id=1, channel_id=10, starter_id=5, rounds=1, seconds=30)
    assert game.guild_id == 1


async def test_the_reviewer_role_may_stop_anyones_game(store: Store):
    clock = FakeClock()
    quiz, _ = await started(store, clock)
    await SubmissionRepository(store).save_settings(GuildSettings(1, reviewer_role_id=77), clock())
    with pytest.raises(QuizError, match="Only the member who started"):
        await quiz.stop(guild_id=1, channel_id=10, member=Member(8, role_ids=frozenset({76})))
    stopped = await quiz.stop(guild_id=1, channel_id=10, member=Member(8, role_ids=frozenset({77})))
    assert stopped.starter_id == 7
    assert await quiz.repo.running_in(10) is None


async def test_facts_marked_as_spoilers_or_hidden_in_the_server_are_never_asked(store: Store):
    """A fact that is a spoiler (its own flag) or hidden in the server (moderation) is never a question."""
    extra = FilmRecord("Film Foxtrot", 1990, "Drama", facts=[FactRecord("A fact about a night shoot in the rain.")])
    await CatalogRepository(store).import_films([*FILMS, extra])
    ids = [row[0] for row in await store.fetchall("SELECT id FROM facts ORDER BY id")]
    await store.write("UPDATE facts SET spoiler = 1 WHERE id = ?", (ids[0],))
    await store.write("INSERT INTO hidden_facts (guild_id, fact_id, hidden_by, at) VALUES (1, ?, 9, 0)", (ids[1],))
    quiz = QuizService(store, clock=FakeClock(), rng=random.Random(4))
    for channel in range(12):
        await quiz.start(guild_id=1, channel_id=channel, starter_id=channel, rounds=1, seconds=30)
    await quiz.advance()
    asked = {r.fact_text for r in await quiz.to_post()}
    assert asked
    assert asked <= {FILMS[i].facts[0].text for i in (2, 3, 4)} | {extra.facts[0].text}
