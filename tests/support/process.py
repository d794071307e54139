"""`python -m bot run` as a real child process, for tests of what an admin sees in the log and the exit code."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT


async def read_until(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> None:
    """Reads a child's output into `seen` until a line contains `needle` (waits on the pipe, not a clock)."""
    while True:
        line = await stream.readline()
        if not line:
            raise AssertionError("the process exited early:\n" + "".join(seen))
        seen.append(line.decode(errors="replace"))
        if needle in seen[-1]:
            return


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    @classmethod
    async def start(cls, database: Path | None, *, cwd: Path | None = None, **env: str) -> BotProcess:
        """`database` None: DATABASE_PATH is left to the .env in `cwd`, as on an admin's machine. The
        working directory defaults to the database's folder, so a developer's own .env is never read."""
        assert database is not None or cwd is not None
        cwd = cwd or database.parent  # type: ignore[union-attr]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "DEV_GUILD"))}
        base.update(DISCORD_TOKEN="test-token", PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
        if database is not None:
            base["DATABASE_PATH"] = str(database)
        base.update(env)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=cwd,
            env=base,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    async def read_until(self, needle: str, within: float = 30.0) -> str:
        """The first log line containing `needle` (waits on the pipe, not on a clock)."""

        async def read() -> str:
            assert self.process.stdout is not None
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    raise AssertionError(f"the bot exited before logging {needle!r}:\n{self.text}")
                self.lines.append(line.decode(errors="replace"))
                if needle in self.lines[-1]:
                    return self.lines[-1]

        return await asyncio.wait_for(read(), within)

    async def wait(self, within: float = 20.0) -> int:
        """Exit code, with the rest of the output read into `lines`."""
        assert self.process.stdout is not None
        rest = await asyncio.wait_for(self.process.stdout.read(), within)
        self.lines.extend(rest.decode(errors="replace").splitlines(keepends=True))
        return await asyncio.wait_for(self.process.wait(), within)

    async def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def cli(*args: str, database: Path, cwd: Path | None = None, **env: str) -> tuple[int, str, str]:
    """The CLI as a child process that does not block the event loop (the bot under test shares it)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    base.update(DATABASE_PATH=str(database), PYTHONPATH=str(ROOT), **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd or database.parent,
        env=base,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
