"""The SQLite store: all SQL lives below this package, always parameterised."""

from bot.db.store import Store

__all__ = ["Store"]
