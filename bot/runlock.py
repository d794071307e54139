"""`run` holds an flock on `<database>.lock` for as long as the process lives, so `restore` (and a second
`run`) can tell that a bot is using the database. The kernel drops the lock when the process dies, even
by SIGKILL, so a crash never leaves a stale lock behind; the file itself may stay, harmlessly."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class RunLock:
    def __init__(self, database: Path) -> None:
        self.path = Path(f"{database}.lock")
        self.holder: str | None = None  # the pid written by whoever holds it, when we could not take it
        self._fd: int | None = None

    def acquire(self) -> bool:
        """False (and `holder` set) when another process holds it; creates the database's folder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
