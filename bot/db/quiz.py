"""The quiz's games, rounds, answers and scores: every SQL statement of the quiz, parameterised.

Instants are stored as UTC milliseconds. Rules (points, streaks, decoys) live in bot/trivia/quiz.py;
this module only stores and finds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import aiosqlite

from bot.db.store import Store
from bot.trivia.quiz import FilmChoice
from bot.trivia.rows import Answer, FactCandidate, Game, MemberTotals, NeedsRound, Round, ScoreLine

ACTIVE = ("open", "closed")


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


_GAME = "id, guild_id, channel_id, starter_id, rounds, seconds, status, started_at, ended_by, end_reason"
_ROUND = (
    "r.id, r.game_id, r.guild_id, g.channel_id, r.number, g.rounds, r.question, r.fact_text, r.answer_label,"
    " r.credit, r.choices, r.right_choice, r.status, r.closes_at, r.message_id"
)


def _game(row: aiosqlite.Row) -> Game:
    return Game(row[0], row[1], row[2], row[3], row[4], row[5], row[6], from_ms(row[7]), row[8], row[9])


def _round(row: aiosqlite.Row) -> Round:
    return Round(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                 json.loads(row[10]), row[11], row[12], from_ms(row[13]), row[14])  # fmt: skip


def _film(row: Sequence[object]) -> FilmChoice:
    return FilmChoice(int(row[0]), str(row[1]), row[2], str(row[3] or ""))  # type: ignore[arg-type, call-overload]


_VISIBLE = (
    "(x.guild_id IS NULL OR x.guild_id = :guild)"
    " AND NOT EXISTS (SELECT 1 FROM hidden_facts h WHERE h.fact_id = x.id AND h.guild_id = :guild)"
    " AND coalesce((SELECT m.spoiler FROM spoiler_marks m WHERE m.guild_id = :guild AND m.fact_id = x.id),"
    " x.spoiler) = 0"
)


class QuizRepository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._visible: str | None = None

    # --- games ----------------------------------------------------------------------------------------

    async def running_in(self, channel_id: int) -> Game | None:
        row = await self.store.fetchone(
            f"SELECT {_GAME} FROM quiz_games WHERE channel_id = ? AND status = 'running'",  # noqa: S608 - constant
            (channel_id,),
        )
        return _game(row) if row else None

    async def game(self, game_id: int) -> Game | None:
        row = await self.store.fetchone(f"SELECT {_GAME} FROM quiz_games WHERE id = ?", (game_id,))  # noqa: S608
        return _game(row) if row else None

    async def last_start(self, guild_id: int, member_id: int) -> datetime | None:
        row = await self.store.fetchone(
            "SELECT max(started_at) FROM quiz_games WHERE guild_id = ? AND starter_id = ?", (guild_id, member_id)
        )
        return from_ms(row[0]) if row and row[0] is not None else None

    async def create_game(
        self, *, guild_id: int, channel_id: int, starter_id: int, rounds: int, seconds: int, now: datetime
    ) -> Game | None:
        """The new game, or None when the channel already has one running (the unique index decides)."""
        async with (
            self.store.transaction() as conn,
            conn.execute(
                "INSERT INTO quiz_games (guild_id, channel_id, starter_id, rounds, seconds, started_at)"  # noqa: S608
                f" VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING {_GAME}",
                (guild_id, channel_id, starter_id, rounds, seconds, to_ms(now)),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return _game(row) if row else None

    async def stop_game(self, game_id: int, *, by: int, now: datetime) -> bool:
        """Ends a running game and closes its open round, in one transaction: answers given so far count,
        none after. False if it had already ended."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE quiz_games SET status = 'stopped', ended_at = ?, ended_by = ?"
                " WHERE id = ? AND status = 'running'",
                (to_ms(now), by, game_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE quiz_rounds SET status = 'closed', closed_at = ? WHERE game_id = ? AND status = 'open'",
                (to_ms(now), game_id),
            )
        return True

    async def end_game(self, game_id: int, *, status: str, reason: str | None, now: datetime) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE quiz_games SET status = ?, end_reason = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                (status, reason, to_ms(now), game_id),
            )
            await conn.execute(
                "UPDATE quiz_rounds SET status = 'revealed', closed_at = ? WHERE game_id = ? AND status != 'revealed'"
                " AND message_id IS NULL",
                (to_ms(now), game_id),
            )

    async def needing_round(self, limit: int) -> list[NeedsRound]:
        shards, shard_params = self.store.shard_sql("g.guild_id")  # only this process's guilds
        rows = await self.store.fetchall(
            f"SELECT {', '.join('g.' + c.strip() for c in _GAME.split(','))},"  # noqa: S608 - constant
            " (SELECT ifnull(max(number), 0) FROM quiz_rounds WHERE game_id = g.id)"
            f" FROM quiz_games g WHERE g.status = 'running'{shards}"
            " AND NOT EXISTS (SELECT 1 FROM quiz_rounds r WHERE r.game_id = g.id AND r.status IN ('open', 'closed'))"
            " LIMIT ?",
            (*shard_params, limit),
        )
        return [NeedsRound(_game(row), row[10] + 1) for row in rows]

    async def used(self, game_id: int) -> tuple[set[int], set[int]]:
        """Facts and films this game already asked about, so a game does not repeat itself."""
        rows = await self.store.fetchall("SELECT fact_id, film_id FROM quiz_rounds WHERE game_id = ?", (game_id,))
        return {r[0] for r in rows if r[0] is not None}, {r[1] for r in rows if r[1] is not None}

    # --- rounds ---------------------------------------------------------------------------------------

    async def add_round(
        self,
        game: Game,
        number: int,
        *,
        fact: FactCandidate,
        question: str,
        choices: Sequence[str],
        right_choice: int,
        now: datetime,
    ) -> int | None:
        """Inserts round `number` if the game still runs and has no round under way; its id, or None."""
        opened = to_ms(now)
        async with (
            self.store.transaction() as conn,
            conn.execute(
                "INSERT INTO quiz_rounds (game_id, guild_id, number, fact_id, film_id, question, fact_text,"
                " answer_label, credit, choices, right_choice, opened_at, closes_at)"
                " SELECT g.id, g.guild_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? + g.seconds * 1000 FROM quiz_games g"
                " WHERE g.id = ? AND g.status = 'running' AND NOT EXISTS"
                "  (SELECT 1 FROM quiz_rounds r WHERE r.game_id = g.id AND r.status IN ('open', 'closed'))"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    number,
                    fact.fact_id,
                    fact.film.film_id,
                    question,
                    fact.text,
                    fact.film.label,
                    fact.credit,
                    json.dumps(list(choices)),
                    right_choice,
                    opened,
                    opened,
                    game.id,
                ),
            ) as cursor,
        ):
            row = await cursor.fetchone()  # fmt: skip
        return row[0] if row else None

    async def round(self, round_id: int) -> Round | None:
        row = await self.store.fetchone(
            f"SELECT {_ROUND} FROM quiz_rounds r JOIN quiz_games g ON g.id = r.game_id WHERE r.id = ?",  # noqa: S608
            (round_id,),
        )
        return _round(row) if row else None

    async def close_due(self, now: datetime) -> list[int]:
        """Closes every open round whose time is up, in one statement: from here on answers are refused."""
        async with (
            self.store.transaction() as conn,
            conn.execute(
                "UPDATE quiz_rounds SET status = 'closed', closed_at = ? WHERE status = 'open' AND closes_at <= ?"  # noqa: S608
                + self.store.shard_sql("guild_id")[0]
                + " RETURNING id",
                (to_ms(now), to_ms(now), *self.store.shard_sql("guild_id")[1]),
            ) as cursor,
        ):
            return [row[0] for row in await cursor.fetchall()]

    async def to_reveal(self, limit: int) -> list[Round]:
        rows = await self.store.fetchall(
            f"SELECT {_ROUND} FROM quiz_rounds r JOIN quiz_games g ON g.id = r.game_id"  # noqa: S608 - constant
            " WHERE r.status = 'closed'" + self.store.shard_sql("r.guild_id")[0] + " ORDER BY r.id LIMIT ?",
            (*self.store.shard_sql("r.guild_id")[1], limit),
        )
        return [_round(row) for row in rows]

    async def to_post(self, limit: int) -> list[Round]:
        rows = await self.store.fetchall(
            f"SELECT {_ROUND} FROM quiz_rounds r JOIN quiz_games g ON g.id = r.game_id"  # noqa: S608 - constant
            " WHERE r.status = 'open' AND r.message_id IS NULL"
            + self.store.shard_sql("r.guild_id")[0]
            + " ORDER BY r.id LIMIT ?",
            (*self.store.shard_sql("r.guild_id")[1], limit),
        )
        return [_round(row) for row in rows]

    async def mark_posted(self, round_id: int, message_id: int) -> None:
        await self.store.write("UPDATE quiz_rounds SET message_id = ? WHERE id = ?", (message_id, round_id))

    async def mark_revealed(self, round_id: int) -> None:
        await self.store.write(
            "UPDATE quiz_rounds SET status = 'revealed' WHERE id = ? AND status = 'closed'", (round_id,)
        )

    # --- answers --------------------------------------------------------------------------------------

    async def answer(
        self,
        round_id: int,
        *,
        guild_id: int,
        member_id: int,
        choice: int,
        now: datetime,
        points_right: int,
        points_first: int,
    ) -> Answer | None:
        """Records an answer in one statement (one transaction): only into an open round of this guild whose
        time is not up, only once per member (the primary key), and `first` only for the round's first right
        answer (writes are serialised, so exactly one). None when nothing was recorded; `refusal` says why."""
        sql = (
            "INSERT INTO quiz_answers (round_id, member_id, game_id, guild_id, choice, correct, first, points,"
            " answered_at)"
            " SELECT r.id, ?, r.game_id, r.guild_id, ?, c.correct, c.first,"
            "  c.correct * ? + c.first * ?, ?"
            " FROM quiz_rounds r,"
            "  (SELECT CAST(right_choice = ? AS INTEGER) AS correct, CAST((right_choice = ?) AND NOT EXISTS"
            "    (SELECT 1 FROM quiz_answers a WHERE a.round_id = ? AND a.correct = 1) AS INTEGER) AS first"
            "   FROM quiz_rounds WHERE id = ?) c"
            " WHERE r.id = ? AND r.guild_id = ? AND r.status = 'open' AND r.closes_at > ?"
            " ON CONFLICT DO NOTHING RETURNING correct, first, points"
        )
        params = (member_id, choice, points_right, points_first, to_ms(now), choice, choice, round_id, round_id,
                  round_id, guild_id, to_ms(now))  # fmt: skip
        rows = await self._write_returning(sql, params, lock=("quiz_round", round_id))
        if not rows:
            return None
        row = rows[0]
        return Answer(round_id, member_id, choice, bool(row[0]), bool(row[1]), row[2])

    async def _write_returning(
        self, sql: str, params: Sequence[object], *, lock: tuple[object, ...]
    ) -> list[aiosqlite.Row]:
        """One statement, atomic on its own, returning rows, in one trip to the database thread: under the
        store's write lock like `Store.write` (so it never lands inside another coroutine's transaction),
        without BEGIN/COMMIT round trips. The answer path is the one hot write; five trips cost it 5x.
        (On PostgreSQL: a transaction holding a lock on `lock`, so two answers to one round take turns.)"""
        return list(await self.store.write_returning(sql, tuple(params), lock=lock))

    async def member_answer(self, round_id: int, member_id: int) -> Answer | None:
        row = await self.store.fetchone(
            "SELECT choice, correct, first, points FROM quiz_answers WHERE round_id = ? AND member_id = ?",
            (round_id, member_id),
        )
        return Answer(round_id, member_id, row[0], bool(row[1]), bool(row[2]), row[3]) if row else None

    async def answers(self, round_id: int) -> list[Answer]:
        rows = await self.store.fetchall(
            "SELECT member_id, choice, correct, first, points FROM quiz_answers WHERE round_id = ?"
            " ORDER BY answered_at, member_id",
            (round_id,),
        )
        return [Answer(round_id, r[0], r[1], bool(r[2]), bool(r[3]), r[4]) for r in rows]

    # --- scores ---------------------------------------------------------------------------------------

    async def scoreboards_due(self, limit: int) -> list[Game]:
        rows = await self.store.fetchall(
            f"SELECT {_GAME} FROM quiz_games WHERE status IN ('finished', 'stopped')"  # noqa: S608 - constant
            " AND scoreboard_message_id IS NULL" + self.store.shard_sql("guild_id")[0] + " ORDER BY id LIMIT ?",
            (*self.store.shard_sql("guild_id")[1], limit),
        )
        return [_game(row) for row in rows]

    async def rounds_played(self, game_id: int) -> int:
        row = await self.store.fetchone(
            "SELECT count(*) FROM quiz_rounds WHERE game_id = ? AND message_id IS NOT NULL", (game_id,)
        )
        return int(row[0]) if row else 0

    async def game_scores(self, game_id: int) -> list[ScoreLine]:
        rows = await self.store.fetchall(
            "SELECT member_id, sum(points), sum(correct), count(*) FROM quiz_answers WHERE game_id = ?"
            " GROUP BY member_id ORDER BY sum(points) DESC, sum(correct) DESC, min(answered_at)",
            (game_id,),
        )
        return [ScoreLine(*row) for row in rows]

    async def mark_scoreboard(self, game_id: int, message_id: int) -> None:
        await self.store.write("UPDATE quiz_games SET scoreboard_message_id = ? WHERE id = ?", (message_id, game_id))

    async def leaderboard(self, guild_id: int, *, since: datetime | None, limit: int) -> list[ScoreLine]:
        rows = await self.store.fetchall(
            "SELECT member_id, sum(points), sum(correct), count(*) FROM quiz_answers"
            " WHERE guild_id = ? AND answered_at >= ? GROUP BY member_id"
            " ORDER BY sum(points) DESC, sum(correct) DESC, member_id LIMIT ?",
            (guild_id, to_ms(since) if since else 0, limit),
        )
        return [ScoreLine(*row) for row in rows]

    async def member_totals(self, guild_id: int, member_id: int) -> MemberTotals:
        row = await self.store.fetchone(
            "SELECT count(DISTINCT game_id), count(*), ifnull(sum(correct), 0), ifnull(sum(points), 0)"
            " FROM quiz_answers WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id),
        )
        assert row is not None
        return MemberTotals(*row)

    async def member_outcomes(self, guild_id: int, member_id: int) -> list[bool]:
        """Right or wrong, oldest first: what streaks are counted from."""
        rows = await self.store.fetchall(
            "SELECT correct FROM quiz_answers WHERE guild_id = ? AND member_id = ? ORDER BY answered_at, round_id",
            (guild_id, member_id),
        )
        return [bool(r[0]) for r in rows]

    # --- the catalog, as the quiz reads it -----------------------------------------------------------

    async def _visible_filter(self) -> str:
        """Facts a server can see (global ones and its own), less those it hid and those that are spoilers
        there (the fact's own flag, or the server's mark overriding it): never asked in a quiz."""
        return _VISIBLE

    async def films_with_facts(self, guild_id: int, *, at_least: int) -> int:
        """How many films have facts visible in the guild, counting no further than `at_least`."""
        visible = await self._visible_filter()
        rows = await self._fetch(
            f"SELECT count(*) FROM (SELECT DISTINCT x.film_id FROM facts x WHERE {visible} LIMIT :n) AS d",  # noqa: S608
            {"guild": guild_id, "n": at_least},
        )
        return int(rows[0][0])

    async def max_ids(self) -> tuple[int, int]:
        """The highest fact and film ids: random places in the catalog are picked below them."""
        row = await self.store.fetchone(
            "SELECT (SELECT ifnull(max(id), 0) FROM facts), (SELECT ifnull(max(id), 0) FROM films)"
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def facts_from(
        self, guild_id: int, start_id: int, *, skip_films: Sequence[int], limit: int
    ) -> list[FactCandidate]:
        """Visible facts from `start_id` on (a random place in the catalog), of films not asked yet."""
        visible = await self._visible_filter()
        skip = json.dumps(list(skip_films))
        rows = await self._fetch(
            "SELECT x.id, f.id, f.title, f.year, f.genre, x.text, x.credit FROM facts x"  # noqa: S608 - constant
            f" JOIN films f ON f.id = x.film_id WHERE x.id >= :start AND {visible}"
            " AND x.film_id NOT IN (SELECT value FROM json_each(:skip)) ORDER BY x.id LIMIT :n",
            {"guild": guild_id, "start": start_id, "skip": skip, "n": limit},
        )
        return [FactCandidate(r[0], _film(r[1:5]), r[5], r[6]) for r in rows]

    async def aliases(self, film_id: int) -> list[str]:
        rows = await self.store.fetchall("SELECT alias FROM film_aliases WHERE film_id = ?", (film_id,))
        return [r[0] for r in rows]

    async def decoy_candidates(
        self, guild_id: int, answer: FilmChoice, *, start_id: int, year: int | None, per_kind: int
    ) -> list[FilmChoice]:
        """Films that could be confused with `answer`: up to `per_kind` from its decade (from `year` in it, when
        it has films), of its genre, and from anywhere, each with facts visible in the guild. Every query seeks
        an index (films' year or genre, then id) from the random id `start_id` on, so it is cheap at any size."""
        visible = await self._visible_filter()
        has_facts = f"EXISTS (SELECT 1 FROM facts x WHERE x.film_id = c.id AND {visible})"  # noqa: S608
        kinds: list[list[str]] = []
        if answer.year:
            kinds.append(["year = :year AND id >= :start", "year BETWEEN :lo AND :hi AND id >= :start",
                          "year BETWEEN :lo AND :hi"])  # fmt: skip
        if answer.genre:
            kinds.append(["genre = :genre AND id >= :start", "genre = :genre"])
        kinds.append(["id >= :start", "id >= 0"])
        decade = (answer.year or 0) // 10 * 10
        params = {"guild": guild_id, "id": answer.film_id, "n": per_kind * 4, "k": per_kind, "start": start_id,
                  "year": year or answer.year, "lo": decade, "hi": decade + 9, "genre": answer.genre}  # fmt: skip
        found: dict[int, FilmChoice] = {}
        for variants in kinds:
            for where in variants:
                rows = await self._fetch(
                    "SELECT c.id, c.title, c.year, c.genre FROM (SELECT id, title, year, genre FROM films"  # noqa: S608
                    f" WHERE id != :id AND {where} LIMIT :n) c WHERE {has_facts} LIMIT :k",
                    params,
                )
                for row in rows:
                    found.setdefault(row[0], _film(row))
                if len(rows) >= per_kind:
                    break
        return list(found.values())

    async def _fetch(self, sql: str, params: dict[str, object]) -> list[aiosqlite.Row]:
        """Named parameters (the visibility filter uses :guild more than once)."""
        return list(await self.store.conn.execute_fetchall(sql, params))
