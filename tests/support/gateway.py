"""The stand-in's gateway: one websocket per shard (IDENTIFY's `shard`), READY and GUILD_CREATE for that shard's
servers, events and interactions routed to the socket of their server's shard, and the faults a test injects
(a dropped connection, INVALID_SESSION)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.payloads import Guild, snowflake
from tests.support.protocol import Op


class Gateway:
    """Mixed into DiscordStandIn."""

    # Set by DiscordStandIn.
    guilds: list[Guild]
    shard_count: int
    shard_sockets: dict[int, web.WebSocketResponse]
    _socket: web.WebSocketResponse | None
    _state_changed: asyncio.Event

    # --- gateway -------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"op": Op.HELLO, "d": {"heartbeat_interval": 45_000}, "s": None, "t": None}))
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            op = payload.get("op")
            if op == Op.HEARTBEAT:
                await socket.send_str(json.dumps({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
            elif op == Op.IDENTIFY and self.refuse_identify is not None:
                await socket.close(code=self.refuse_identify, message=b"refused by the stand-in")
            elif op == Op.IDENTIFY:
                shard = (payload.get("d") or {}).get("shard") or [0, 1]
                await self._identify(socket, int(shard[0]))
            elif op == Op.RESUME:  # the session goes on where it stopped
                self.resumes += 1
                session = (payload.get("d") or {}).get("session_id")
                if session in self._sessions:
                    self.shard_sockets[self._sessions[session]] = socket
                await self._send(socket, "RESUMED", {})
                self._changed()
        return socket

    # --- gateway faults ------------------------------------------------------------------------------

    async def drop_gateway(self, code: int = 4000) -> None:
        """Closes the bot's gateway connection as Discord does on a hiccup; it should resume."""
        assert self._socket is not None
        await self._socket.close(code=code, message=b"dropped by the stand-in")

    async def invalidate_session(self) -> None:
        """OP 9 with d=false: the session is gone; the bot must identify again."""
        assert self._socket is not None
        await self._socket.send_str(json.dumps({"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None}))

    def _changed(self) -> None:
        self._state_changed.set()
        self._state_changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 15.0) -> None:
        """Waits for the stand-in's state (gateway sessions, messages the bot made) to satisfy `predicate`,
        woken by each change (no polling)."""

        async def wait() -> None:
            while not predicate():
                await self._state_changed.wait()

        await asyncio.wait_for(wait(), within)

    async def _identify(self, socket: web.WebSocketResponse, shard: int = 0) -> None:
        self._sequences[id(socket)] = 0
        session = snowflake()
        self._sessions[session] = shard
        self.shard_sockets[shard] = socket
        guilds = [g for g in self.guilds if self.shard_of(g.id) == shard]  # only this shard's servers
        await self._send(
            socket,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "session_id": session,
                "resume_gateway_url": self.gateway_url,
                "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
                "private_channels": [],
                "relationships": [],
                "application": {"id": self.application_id, "flags": 0},
                "shard": [shard, self.shard_count],
            },
        )
        for guild in guilds:
            await self._send(socket, "GUILD_CREATE", guild.payload(self.bot_user))
        self.identified_shards.append(shard)
        self.identifies += 1
        self.identified.set()
        self._changed()

    async def _send(self, socket: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        sequence = self._sequences[id(socket)] = self._sequences.get(id(socket), 0) + 1
        self._sequence = sequence
        await socket.send_str(json.dumps({"op": Op.DISPATCH, "t": event, "s": sequence, "d": data}))

    def _socket_for(self, data: dict[str, Any]) -> web.WebSocketResponse | None:
        """The connection of the shard carrying the event's guild (unsharded: the one connection)."""
        guild_id = data.get("guild_id")
        if guild_id is not None and self.shard_count > 1:
            return self.shard_sockets.get(self.shard_of(guild_id))
        return self._socket

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Sends any gateway event (CHANNEL_DELETE, GUILD_DELETE, ...) to the connected bot."""
        socket = self._socket_for(data)
        assert socket is not None, "the bot has not connected to the gateway"
        await self._send(socket, event, data)
