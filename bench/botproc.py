"""The real bot as a child process (`python -m bot run`) against the loopback Discord stand-in, for the
benchmarks that measure it end to end (bench/run.py on SQLite, bench/postgres.py on both engines), and
the CPU a process (or a process tree, such as a PostgreSQL server) has used, read from /proc."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.payloads import Guild
from tests.support.standin import DiscordStandIn

ROOT = Path(__file__).resolve().parent.parent
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class RunningBot:
    standin: DiscordStandIn
    guild: Guild
    process: asyncio.subprocess.Process
    env: dict[str, str]  # the bot's environment (a CLI started beside it reuses it)
    ready_seconds: float  # from starting the process to its first answer

    def cpu_seconds(self) -> float:
        """User + system CPU of the bot process so far (all its threads: aiosqlite's included)."""
        return cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 30)
        await self.standin.stop()


async def start_bot(database: Path | str, **extra_env: str) -> RunningBot:
    """A bot on `database` (a SQLite file, or a `postgresql://` URL: DATABASE_URL) with the benchmark's
    extension (`bench.noop`: /noop and /bench-lag), answering once it returns. Ready means it answered a
    /noop: the first interaction waits for the guild to be in its cache."""
    standin = DiscordStandIn()
    guild = standin.add_guild()
    await standin.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_URL", "SHARD_"))}
    env.update(DISCORD_TOKEN="bench", DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url,
               EXTRA_EXTENSIONS="bench.noop", LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))  # fmt: skip
    if str(database).startswith(("postgresql://", "postgres://")):
        env["DATABASE_URL"] = str(database)
    else:
        env["DATABASE_PATH"] = str(database)
    env.update(extra_env)
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env)
    try:
        await asyncio.wait_for(standin.identified.wait(), 120)
        await standin.interact(standin.slash(guild, "noop"), within=60)
    except BaseException:
        await RunningBot(standin, guild, process, env, 0.0).stop()
        raise
    return RunningBot(standin, guild, process, env, time.perf_counter() - started)


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields from the third (state) on: the name in parentheses may hold spaces."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a running process (every thread), in seconds (clock-tick resolution)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN: look for them
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if int(_stat(int(entry))[1]) == pid:
                        found.append(int(entry))
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
        return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and of all its children, the living and the ended (a PostgreSQL server: the
    postmaster, its backends and background workers). An ended child's time moves into its parent's
    cutime/cstime, so the sum goes on counting it after a connection closes."""
    fields = _stat(pid)
    total = sum(int(x) for x in fields[11:15]) / _TICK  # utime, stime, cutime, cstime
    for child in _children(pid):
        try:
            total += sum(int(x) for x in _stat(child)[11:15]) / _TICK
        except FileNotFoundError:  # it ended just now: counted in the parent's next reading
            continue
    return total
