"""Failpoints for the crash tests: with TRIVIA_FAILPOINT=name (or name:n) set, the process kills
itself with SIGKILL the n-th time it reaches `failpoint(name)`, exactly as a power cut would, so the
tests can prove that a restart finds the database whole at that moment. Unset, as everywhere but in
those tests, a failpoint is one comparison."""

from __future__ import annotations

import os
import signal

_name, _, _count = (os.environ.get("TRIVIA_FAILPOINT") or "").partition(":")
_remaining = int(_count or 1)


def failpoint(name: str) -> None:
    global _remaining
    if name != _name:
        return
    _remaining -= 1
    if _remaining <= 0:
        os.kill(os.getpid(), signal.SIGKILL)
