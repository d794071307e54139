"""The stores (SQLite, the embedded default; PostgreSQL for several processes): all SQL lives below this
package, always parameterised, written once for both engines (dialect.py holds the differences)."""

from bot.db.store import Store

__all__ = ["Store"]
