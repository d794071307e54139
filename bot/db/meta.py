"""Small key/value facts about this installation (command-sync hash, bundled-data fingerprint)."""

from __future__ import annotations

from bot.db.store import Store


class MetaRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, key: str) -> str | None:
        row = await self.store.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    async def set(self, key: str, value: str) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def delete(self, key: str) -> None:
        await self.store.write("DELETE FROM meta WHERE key = ?", (key,))

    async def keys_with_prefix(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self.store.fetchall("SELECT key FROM meta WHERE key LIKE ? ESCAPE '\\'", (escaped + "%",))
        return [row[0] for row in rows]
