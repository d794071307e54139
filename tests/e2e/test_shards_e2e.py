"""Two real bot processes, one shard each, over one PostgreSQL and the sharded stand-in: what an admin who
outgrew one process runs (README, "PostgreSQL and shards")."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.daily import DailyRepository
from bot.db.pgstore import PostgresStore
from tests.support.process import BotProcess, cli
from tests.support.standin import DiscordStandIn

pytestmark = pytest.mark.postgres
CHANNELS_PER_GUILD = 25  # x 4 guilds: 100 daily posts due at the same moment, 50 per shard


async def start_shard(shard: int, pg_url: str, standin: DiscordStandIn, cwd: Path, **env: str) -> BotProcess:
    return await BotProcess.start(
        None,
        cwd=cwd,
        DATABASE_URL=pg_url,
        SHARD_COUNT="2",
        SHARD_IDS=str(shard),
        DISCORD_API_BASE=standin.api_base,
        DISCORD_GATEWAY_URL=standin.gateway_url,
        DAILY_TICK_SECONDS="0.2",
        LOOKUP_RATE_LIMIT="1000/1",
        **env,
    )


async def trivia(standin: DiscordStandIn, guild, film: str) -> str:  # type: ignore[no-untyped-def]
    reply = await standin.interact(standin.slash(guild, "trivia", {"film": film}))
    return reply.embeds[0]["title"] if reply.embeds else reply.content


async def test_two_processes_share_the_work_of_two_shards(standin: DiscordStandIn, pg_url: str, tmp_path: Path):
    standin.shard_count = 2
    guilds = [standin.add_guild(f"Shard {n % 2} server", shard=n % 2) for n in range(4)]
    for guild in guilds:
        for n in range(CHANNELS_PER_GUILD - 1):
            guild.add_text_channel(f"daily-{n}")
    # Both start at once on an empty database: the migrations race, and the advisory lock decides.
    # Shard 1's process will die (SIGKILL, as a power cut) right after its 10th daily post is sent and
    # before that is recorded.
    crash = {1: {"TRIVIA_FAILPOINT": "daily.sent:10"}}
    bots = await asyncio.gather(*(start_shard(s, pg_url, standin, tmp_path, **crash.get(s, {})) for s in (0, 1)))
    try:
        await asyncio.gather(*(bot.read_until("logged in as", within=60) for bot in bots))
        assert sorted(standin.identified_shards) == [0, 1]
        # One identify per 5 s (max_concurrency 1) over both processes: the second one waited its turn.
        assert sum("for its turn to identify" in bot.text for bot in bots) == 1
        assert "in 2 servers" in bots[0].lines[-1]
        assert "in 2 servers" in bots[1].lines[-1]  # each process holds only its own shard's servers
        # Exactly one command sync, by the process holding shard 0.
        assert len(standin.posted("PUT", r"/applications/\d+/commands")) == 1
        assert "synced 8 slash commands" in bots[0].text
        assert "synced by the process running shard 0" in bots[1].text

        # Each process answers in its own servers (the stand-in routes to the socket of the guild's shard).
        assert [await trivia(standin, guild, "maks") for guild in guilds] == ["Mask (1985)"] * 4

        # A CLI import is seen by both processes within a second.
        page = tmp_path / "heat.json"
        page.write_text(
            '[{"title": "Heat", "year": 1995, "facts": [{"text": "Real bank robbers advised the cast of Heat."}]}]'
        )
        code, out, err = await cli("import", str(page), database=tmp_path / "unused.db", DATABASE_URL=pg_url)
        assert code == 0, err
        assert "1 fact added" in out or "facts added" in out or "added" in out, out
        imported = time.monotonic()
        for guild in guilds[:2]:  # one on each shard
            while (answer := await trivia(standin, guild, "heat")) != "Heat (1995)":
                assert time.monotonic() - imported < 1.5, answer
                await asyncio.sleep(0.05)  # the title index checks the catalog version once a second

        # 100 daily posts due at the same moment across both shards: each arrives exactly once.
        store = await PostgresStore.open(pg_url)
        try:
            due = datetime.now(UTC) - timedelta(minutes=1)
            channels = [c["id"] for guild in guilds for c in guild.channels]
            for guild in guilds:
                for channel in guild.channels:
                    await DailyRepository(store).save(
                        guild_id=int(guild.id), channel_id=int(channel["id"]), local_time="09:00", timezone="UTC",
                        film_id=None, next_due_at=due, admin_id=1, now=due,
                    )  # fmt: skip

            def posts() -> Counter[str]:
                """Messages really created per channel (a re-send with the same nonce creates none)."""
                return Counter({channel: len(made) for channel, made in standin.created_messages.items() if made})

            async def all_posted() -> None:
                while set(posts()) < set(channels):  # noqa: ASYNC110 - the REST log has no event to await
                    await asyncio.sleep(0.05)

            assert await bots[1].wait(within=30) != 0  # killed at the failpoint
            assert await trivia(standin, guilds[0], "maks") == "Mask (1985)"  # shard 0 goes on meanwhile
            bots[1] = await start_shard(1, pg_url, standin, tmp_path)  # restarted: it finishes its shard's posts
            await asyncio.wait_for(all_posted(), 60)
            assert set(posts()) == set(channels)
            assert max(posts().values()) == 1
            rows = await store.fetchall("SELECT count(*), count(DISTINCT channel_id) FROM daily_posts")
            assert tuple(rows[0]) == (len(channels), len(channels))
        finally:
            await store.close()

        # A process that dies leaves the other serving its own servers; restarted, it takes its shard back.
        await bots[1].kill()
        assert await trivia(standin, guilds[0], "heat") == "Heat (1995)"
        assert await trivia(standin, guilds[2], "maks") == "Mask (1985)"
        bots[1] = await start_shard(1, pg_url, standin, tmp_path)
        await bots[1].read_until("logged in as", within=60)
        assert await trivia(standin, guilds[1], "heat") == "Heat (1995)"
        assert await trivia(standin, guilds[3], "maks") == "Mask (1985)"
        assert len(standin.posted("PUT", r"/applications/\d+/commands")) == 1  # still the one sync
        assert max(posts().values()) == 1  # and no daily post made twice by the restart
    finally:
        for bot in bots:
            await bot.kill()
