"""The daily pick reads the facts it needs by index, whatever the catalog's size: every statement a claim
actually runs (caught with SQLite's trace callback, values filled in) is planned without a full scan."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.services.daily import DailyService
from bot.services.trivia import TriviaService
from bot.trivia.records import FactRecord, FilmRecord
from tests.support.fake_clock import FakeClock


@pytest.mark.sqlite_only  # SQLite query plans
@pytest.mark.parametrize("film", [None, "Film 3"], ids=["any-film", "one-film"])
async def test_every_statement_of_a_daily_claim_uses_an_index(store: Store, film: str | None):
    await CatalogRepository(store).import_films(
        [FilmRecord(f"Film {n}", 2000 + n, facts=[FactRecord(f"Fact {i} of film {n}, long enough.") for i in range(5)])
         for n in range(50)]
    )  # fmt: skip
    clock = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    daily = DailyService(store, TriviaService(store), clock=clock)
    await daily.set_schedule(guild_id=1, channel_id=2, time_text="09:00", timezone="UTC", film=film, admin_id=1)
    run: list[str] = []
    await store.conn.set_trace_callback(run.append)
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert len(await daily.claim_due()) == 1
    await store.conn.set_trace_callback(None)

    reads = [sql for sql in run if sql.lstrip().upper().startswith("SELECT") and "facts" in sql]
    assert reads, run
    for sql in reads:
        plan = [row[3] for row in await store.fetchall("EXPLAIN QUERY PLAN " + sql)]
        scans = [step for step in plan if step.startswith("SCAN") and step != "SCAN CONSTANT ROW"]
        assert scans == [], f"{sql}\n{plan}"
