"""A Discord stand-in on 127.0.0.1: enough of the REST API and gateway for the real discord.py client.

The bot under test logs in, connects, syncs its commands and answers the interactions a test sends
over the gateway; the test reads what the bot sent back. Nothing here talks to the internet.

This module is the server (its REST routes, what it records, the faults it injects); the gateway lives in
gateway.py and the payloads a test sends in payloads.py. Their names are re-exported here.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.gateway import Gateway
from tests.support.payloads import (  # noqa: F401 - re-exported for the tests
    ADMINISTRATOR,
    API_PREFIX,
    BOT_PERMISSIONS,
    EMBED_LINKS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMISSIONS,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Guild,
    PayloadBuilder,
    now_iso,
    snowflake,
)
from tests.support.protocol import EPHEMERAL, ChannelType, InteractionType, Reply


def json_response(data: Any, status: int = 200) -> web.Response:
    """discord.py parses a body as JSON only when Content-Type is exactly application/json (no charset)."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Callback:
    """What the bot answered to one interaction: its callback type and data (message, choices, ...)."""

    type: int
    data: dict[str, Any]
    message: dict[str, Any] | None = None  # the message a type 4/7 answer created, for pressing its buttons

    @property
    def ephemeral(self) -> bool:
        return bool(self.data.get("flags", 0) & EPHEMERAL)

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds") or []

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for row in self.data.get("components") or [] for c in row.get("components", [])]


@dataclass
class Fault:
    """Answer `method path` (a regex on the path after /api/v10) with `status`, `times` times (-1: always)."""

    method: str
    path: str
    status: int
    times: int = 1
    retry_after: float = 0.01
    hits: int = 0
    code: int | None = None  # Discord's JSON error code; by default the usual one for the status

    def response(self) -> web.Response:
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": False}
            response = json_response(body, status=429)
            response.headers["Retry-After"] = str(self.retry_after)
            response.headers["X-RateLimit-Scope"] = "user"
            response.headers["Via"] = "1.1 google"  # discord.py reads a 429 without it as a Cloudflare ban
            return response
        codes = {401: (0, "401: Unauthorized"), 403: (50013, "Missing Permissions"), 404: (10003, "Unknown Channel")}
        code, message = codes.get(self.status, (0, "Server error"))
        if self.code is not None:
            code, message = self.code, {50007: "Cannot send messages to this user"}.get(self.code, message)
        return json_response({"message": message, "code": code}, status=self.status)


class DiscordStandIn(Gateway, PayloadBuilder):
    def __init__(self) -> None:
        self.application_id = snowflake()
        self.bot_user = {
            "id": self.application_id,
            "username": "FilmTrivia",
            "discriminator": "0",
            "global_name": "Film Trivia",
            "avatar": None,
            "bot": True,
            "flags": 0,
        }
        self.guilds: list[Guild] = []
        self.requests: list[Recorded] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope ("global" or guild id) -> commands
        self.created_messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> messages really created
        self.identified = asyncio.Event()
        self.refuse_identify: int | None = None  # a close code (4004, 4013, 4014) to answer IDENTIFY with
        self.identifies = 0
        self.resumes = 0
        self._state_changed = asyncio.Event()
        self.rules: list[Fault] = []  # REST faults, first match wins
        self._callbacks: dict[str, asyncio.Future[Callback]] = {}
        self._interaction_channels: dict[str, str] = {}  # interaction id -> the channel it came from
        self._waiters: list[tuple[Callable[[Recorded], bool], asyncio.Future[Recorded]]] = []
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, nonce) -> message
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.closed_dms: set[str] = set()
        self.attachments: dict[str, bytes] = {}  # attachment id -> content, served by _attachment
        self.attachment_downloads = 0
        self._socket: web.WebSocketResponse | None = None  # the latest connection (unsharded: the only one)
        self._sequence = 0
        # Sharding: SHARD_COUNT in GET /gateway/bot; one socket per shard, from IDENTIFY's shard [id, count].
        self.shard_count = 1
        self.max_concurrency = 1  # identifies per 5 s (GET /gateway/bot's session_start_limit)
        self.shard_sockets: dict[int, web.WebSocketResponse] = {}
        self.identified_shards: list[int] = []  # every IDENTIFY's shard id, in order
        self._sessions: dict[str, int] = {}  # session id -> shard, so a RESUME finds its shard again
        self._sequences: dict[int, int] = {}  # per socket (id()): each gateway connection counts its own
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Any]]]] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._application),
            ("GET", re.compile(r"/gateway(/bot)?"), self._gateway_info),
            ("PUT", re.compile(r"/applications/(?P<app>\d+)/commands"), self._put_commands),
            ("PUT", re.compile(r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands"), self._put_commands),
            ("POST", re.compile(r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"), self._followup),
            ("PATCH", re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<msg>[^/]+)"), self._followup),
            ("POST", re.compile(r"/channels/(?P<channel>\d+)/messages"), self._channel_message),
            ("PATCH", re.compile(r"/channels/(?P<channel>\d+)/messages/(?P<msg>\d+)"), self._edit_message),
            ("POST", re.compile(r"/users/@me/channels"), self._open_dm),
        ]

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for socket in {id(s): s for s in [*self.shard_sockets.values(), self._socket] if s is not None}.values():
            if not socket.closed:
                await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def shard_of(self, guild_id: str | int) -> int:
        """Discord's rule: which shard carries a guild."""
        return (int(guild_id) >> 22) % self.shard_count

    def add_guild(self, name: str = "Test Server", *, shard: int | None = None) -> Guild:
        guild = Guild(name=name)
        while shard is not None and self.shard_of(guild.id) != shard:
            guild.id = str(int(guild.id) + (1 << 22))  # the shard is in the bits above 22: step past them
        guild.add_text_channel()
        self.guilds.append(guild)
        return guild

    def attach(self, name: str, content: bytes) -> dict[str, Any]:
        """A file a member attached: served over 127.0.0.1 as Discord's CDN would serve it."""
        attachment_id = snowflake()
        self.attachments[attachment_id] = content
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{name}"
        return {"id": attachment_id, "filename": name, "size": len(content), "url": url, "proxy_url": url}

    async def _attachment(self, request: web.Request) -> web.Response:
        self.attachment_downloads += 1
        content = self.attachments.get(request.match_info["id"])
        return web.Response(body=content, status=200) if content is not None else web.Response(status=404)

    # --- REST ----------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.content_type == "multipart/form-data":  # a message with files: payload_json plus the files
            body = {"files": {}}
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body.update(json.loads(data))
                else:
                    body["files"][part.filename] = bytes(data)  # type: ignore[union-attr]
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if request.content_type == "application/json" and raw else raw
        recorded = Recorded(request.method, path, dict(request.query), body)
        self.requests.append(recorded)
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(recorded):
                future.set_result(recorded)
        for fault in self.rules:
            if fault.method == request.method and re.fullmatch(fault.path, path) and fault.times != 0:
                fault.times -= 1
                fault.hits += 1
                return fault.response()
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if method == request.method and match:
                result = await handler(body, **match.groupdict())
                self._changed()  # what the bot did may be what a test's wait_until is waiting for
                if result is None:
                    return web.Response(status=204)
                return json_response(result)
        return json_response({"message": f"Unknown route {request.method} {path}", "code": 0}, status=404)

    async def _me(self, body: Any) -> dict[str, Any]:
        return self.bot_user

    async def _application(self, body: Any) -> dict[str, Any]:
        return {
            "id": self.application_id,
            "name": "Film Trivia",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot_user,
            "owner": {**self.bot_user, "bot": False},
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "interactions_endpoint_url": None,
        }

    async def _gateway_info(self, body: Any) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 0,
                "max_concurrency": self.max_concurrency,
            },
        }

    async def _put_commands(self, body: Any, app: str, guild: str | None = None) -> list[dict[str, Any]]:
        synced = [
            {
                **c,
                "id": snowflake(),
                "application_id": app,
                "version": snowflake(),
                **({"guild_id": guild} if guild else {}),
            }
            for c in body
        ]
        self.commands[guild or "global"] = synced
        return synced

    def _message(self, data: dict[str, Any], channel_id: str | None = None) -> dict[str, Any]:
        return {
            "id": snowflake(),
            "channel_id": channel_id or snowflake(),
            "type": 0,  # a default message
            "content": data.get("content") or "",
            "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "author": self.bot_user,
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "flags": data.get("flags", 0),
        }

    async def _callback(self, body: Any, id: str, token: str) -> dict[str, Any]:
        data = body.get("data") or {}
        callback = Callback(body["type"], data)
        if body["type"] in (Reply.MESSAGE, Reply.UPDATE_MESSAGE):
            callback.message = self._message(data, self._interaction_channels.get(id))
        future = self._callbacks.get(id)
        if future is not None and not future.done():
            future.set_result(callback)
        interaction = {
            "id": id,
            "type": InteractionType.APPLICATION_COMMAND,
            "activity_instance_id": None,
            "response_message_id": None,
            "response_message_loading": False,
            "response_message_ephemeral": callback.ephemeral,
        }
        if body["type"] in (Reply.MESSAGE, Reply.UPDATE_MESSAGE):
            message = callback.message
            assert message is not None
            interaction["response_message_id"] = message["id"]
            return {"interaction": interaction, "resource": {"type": body["type"], "message": message}}
        return {"interaction": interaction, "resource": {"type": body["type"]}}

    async def _followup(self, body: Any, app: str, token: str, msg: str | None = None) -> dict[str, Any]:
        return self._message(body or {})

    async def _channel_message(self, body: Any, channel: str) -> dict[str, Any]:
        """Honours enforce_nonce as Discord does: the same nonce again returns the first message."""
        body = body or {}
        key = (channel, str(body.get("nonce")))
        if body.get("enforce_nonce") and key in self._nonces:
            return self._nonces[key]
        message = self._message(body, channel)
        if body.get("nonce") is not None:
            self._nonces[key] = message
        self.created_messages.setdefault(channel, []).append(message)
        return message

    async def _edit_message(self, body: Any, channel: str, msg: str) -> dict[str, Any]:
        message = self._message(body or {}, channel)
        message["id"] = msg
        return message

    async def _open_dm(self, body: Any) -> dict[str, Any]:
        """A DM channel per recipient; `closed_dms` makes sending there fail like a member who closed DMs."""
        recipient = str(body["recipient_id"])
        opened = recipient in self.dm_channels
        channel_id = self.dm_channels.setdefault(recipient, snowflake())
        if recipient in self.closed_dms and not opened:
            self.fail("POST", f"/channels/{channel_id}/messages", 403, times=-1, code=50007)
        user = {"id": recipient, "username": "member", "discriminator": "0", "global_name": None, "avatar": None}
        return {"id": channel_id, "type": ChannelType.DM, "recipients": [user], "last_message_id": None}

    async def wait_for_dm(self, user_id: str) -> Recorded:
        def is_dm(request: Recorded) -> bool:
            channel = self.dm_channels.get(user_id)
            return request.method == "POST" and channel is not None and request.path == f"/channels/{channel}/messages"

        return await self.wait_for_request(is_dm)

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        channel = self.dm_channels.get(user_id)
        return self.created_messages.get(channel, []) if channel else []

    async def wait_for_request(self, predicate: Callable[[Recorded], bool], within: float = 10.0) -> Recorded:
        """The first matching request the bot ever made, waiting for it if there is none yet (an event,
        not a clock). For "the next one from now on", see `wait_for_next_request`."""
        for recorded in self.requests:
            if predicate(recorded):
                return recorded
        return await self.wait_for_next_request(predicate, within)

    async def wait_for_next_request(self, predicate: Callable[[Recorded], bool], within: float = 10.0) -> Recorded:
        """The first matching request made from now on: requests already seen do not count."""
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, within)
        finally:
            self._waiters.remove(entry)

    def posted(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]

    def fail(
        self, method: str, path: str, status: int, *, times: int = 1, retry_after: float = 0.01, code: int | None = None
    ) -> Fault:
        fault = Fault(method, path, status, times, retry_after, code=code)
        self.rules.append(fault)
        return fault

    async def interact(self, payload: dict[str, Any], within: float = 10.0) -> Callback:
        """Sends INTERACTION_CREATE and waits for the bot's callback (an event, not a clock)."""
        future: asyncio.Future[Callback] = asyncio.get_running_loop().create_future()
        self._callbacks[payload["id"]] = future
        self._interaction_channels[payload["id"]] = payload.get("channel_id")
        socket = self._socket_for(payload)
        assert socket is not None, "the bot has not connected to the gateway"
        await self._send(socket, "INTERACTION_CREATE", payload)
        try:
            return await asyncio.wait_for(future, within)
        finally:
            self._callbacks.pop(payload["id"], None)
