"""Issue #9: a database made by release 0.1.0 read the seed with every credit one fact early. Started by this
release, the bot corrects the bundled facts in place: right credits, nothing duplicated or orphaned, members'
facts untouched, channel and daily history still attached to the same facts.

`tests/fixtures/legacy_0_1_0.db` was made by `tests/fixtures/make_legacy_db.py` running release 0.1.0's code."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.conftest import BotFactory
from tests.seed_expectations import OLD_READING, SEED_FACTS
from tests.support.standin import DiscordStandIn, Guild

LEGACY = ROOT / "tests" / "fixtures" / "legacy_0_1_0.db"
CARD = re.compile(r"^(?P<text>.*)\n\n— \*(?P<credit>.*)\*$", re.DOTALL)


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_an_upgraded_database_shows_the_corrected_credits_with_nothing_duplicated(
    standin: DiscordStandIn, start_bot: BotFactory, tmp_path: Path
):
    database = tmp_path / "trivia.db"
    shutil.copy(LEGACY, database)
    before = rows(database, "SELECT id, text, credit, origin, guild_id FROM facts ORDER BY id")
    assert [
        (text[: len(p)], credit) for (_, text, credit, *_), (p, _) in zip(before[:6], OLD_READING, strict=True)
    ] == OLD_READING
    shown_before = rows(database, "SELECT channel_id, fact_id FROM channel_shown ORDER BY id")
    posts_before = rows(database, "SELECT channel_id, fact_id, local_date, status FROM daily_posts")

    guild = Guild(id="111")
    guild.add_text_channel()
    standin.guilds.append(guild)
    await start_bot()

    after = rows(database, "SELECT id, text, credit, origin, guild_id FROM facts ORDER BY id")
    assert len(after) == len(before) == 7
    assert [(r[0], r[1]) for r in after] == [(r[0], r[1]) for r in before]  # same ids, same texts
    assert [(r[1][: len(p)], r[2]) for r, (p, _) in zip(after[:6], SEED_FACTS, strict=True)] == SEED_FACTS
    assert after[6] == before[6]  # the member's approved fact, untouched
    assert rows(database, "SELECT channel_id, fact_id FROM channel_shown ORDER BY id") == shown_before
    assert rows(database, "SELECT channel_id, fact_id, local_date, status FROM daily_posts") == posts_before
    assert rows(database, "PRAGMA foreign_key_check") == []

    reply = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 2}))
    card = CARD.match(reply.embeds[0]["description"])
    assert card is not None
    assert card["text"].startswith("Rob Lowe was nearly cast")
    assert card["credit"] == "Contributed by Dominic"
    assert reply.embeds[0]["footer"]["text"].endswith("fact 2 of 7")  # six seed facts and the member's
    member = await standin.interact(standin.slash(guild, "trivia", {"film": "mask", "number": 7}))
    assert CARD.match(member.embeds[0]["description"])["credit"] == "Contributed by Rocky Fan"  # type: ignore[index]
