"""Opening the store an admin configured: SQLite (a file path, the embedded default) or PostgreSQL (a URL)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.db.pgstore import PostgresStore, is_postgres_url
from bot.db.store import Store

if TYPE_CHECKING:
    from bot.config import Settings

AnyStore = Store | PostgresStore


async def open_store(location: str | Path) -> AnyStore:
    """`postgresql://…` opens the shared PostgreSQL store; anything else is a SQLite file."""
    if is_postgres_url(location):
        return await PostgresStore.open(str(location))
    return await Store.open(location)


def configured_location(settings: Settings) -> str | Path:
    return settings.database_url or settings.database_path
