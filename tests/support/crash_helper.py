"""Runs one store operation in its own process, so the crash tests can kill it at a failpoint.

python -m tests.support.crash_helper approve DATABASE SUBMISSION_ID
"""

from __future__ import annotations

import asyncio
import sys

from bot.db.store import Store
from bot.services.submissions import Reviewer, SubmissionService
from bot.services.trivia import TriviaService
from bot.trivia.errors import TriviaError

MODERATOR = Reviewer(900, "Crash Test Mod", manage_messages=True, role_ids=frozenset())


async def approve(database: str, submission_id: int) -> int:
    store = await Store.open(database)
    try:
        await SubmissionService(store, TriviaService(store)).approve(submission_id, 1, MODERATOR)
    except TriviaError as error:
        print(error)
        return 3
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    command, database, submission = sys.argv[1:4]
    assert command == "approve"
    sys.exit(asyncio.run(approve(database, int(submission))))
