"""What the stand-in sends the bot, built as Discord builds it: guilds, members, and the INTERACTION_CREATE
payloads of slash commands, autocomplete, button presses and form submissions (Discord's documented shapes)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.support.protocol import ChannelType, Component, InteractionType, OptionType, Reply

if TYPE_CHECKING:
    from tests.support.standin import Callback

API_PREFIX = "/api/v10"
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
VIEW_CHANNEL = 1 << 10
MANAGE_MESSAGES = 1 << 13
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | (1 << 31)  # + use application commands
BOT_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Guild:
    id: str = field(default_factory=snowflake)
    name: str = "Test Server"
    channels: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)

    def add_text_channel(self, name: str = "general", *, deny_bot: int = 0, bot_id: str = "") -> str:
        """A text channel; `deny_bot` permission bits are denied to the bot by an overwrite."""
        channel_id = snowflake()
        overwrites = [{"id": bot_id, "type": 1, "allow": "0", "deny": str(deny_bot)}] if deny_bot else []
        self.channels.append(
            {
                "id": channel_id,
                "type": ChannelType.GUILD_TEXT,
                "name": name,
                "position": len(self.channels),
                "permission_overwrites": overwrites,
                "guild_id": self.id,
                "nsfw": False,
            }
        )
        return channel_id

    def add_role(self, name: str) -> str:
        role_id = snowflake()
        self.roles.append(
            {
                "id": role_id,
                "name": name,
                "permissions": "0",
                "position": len(self.roles) + 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": True,
                "flags": 0,
            }
        )
        return role_id

    def channel(self, channel_id: str) -> dict[str, Any]:
        return next(c for c in self.channels if c["id"] == channel_id)

    def payload(self, bot_user: dict[str, Any]) -> dict[str, Any]:
        everyone = {
            "id": self.id,
            "name": "@everyone",
            "permissions": str(MEMBER_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return {
            "id": self.id,
            "name": self.name,
            "owner_id": snowflake(),
            "member_count": 2,
            "unavailable": False,
            "roles": [everyone, *self.roles],
            "channels": self.channels,
            "emojis": [],
            "stickers": [],
            "features": [],
            "members": [
                {"user": bot_user, "roles": [], "joined_at": now_iso(), "deaf": False, "mute": False, "flags": 0}
            ],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "joined_at": now_iso(),
            "preferred_locale": "en-US",
        }


class PayloadBuilder:
    """Mixed into DiscordStandIn: the payloads a test sends, as a member would cause them."""

    # Set by DiscordStandIn.
    application_id: str
    bot_user: dict[str, Any]
    commands: dict[str, list[dict[str, Any]]]
    attachments: dict[str, bytes]

    # --- interactions --------------------------------------------------------------------------------

    def member(
        self,
        *,
        permissions: int = MEMBER_PERMISSIONS,
        user_id: str | None = None,
        name: str = "member",
        roles: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        user = {
            "id": user_id or snowflake(),
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "public_flags": 0,
        }
        return {
            "user": user,
            "roles": list(roles),
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
            "nick": None,
            "avatar": None,
            "pending": False,
        }

    def _interaction(
        self, type_: int, data: dict[str, Any], guild: Guild, channel_id: str | None, member: dict[str, Any] | None
    ) -> dict[str, Any]:
        channel_id = channel_id or guild.channels[0]["id"]
        channel = next(c for c in guild.channels if c["id"] == channel_id)
        return {
            "id": snowflake(),
            "application_id": self.application_id,
            "type": type_,
            "data": data,
            "guild_id": guild.id,
            "guild": {"id": guild.id, "features": [], "locale": "en-US"},
            "channel_id": channel_id,
            "channel": {**channel, "permissions": str(MEMBER_PERMISSIONS)},
            "member": member or self.member(),
            "token": "tok" + snowflake(),
            "version": 1,
            "app_permissions": str(BOT_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }

    def _command_id(self, name: str, guild: Guild) -> str:
        for scope in (guild.id, "global"):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command["id"]
        raise AssertionError(f"the bot never synced a command named {name!r}")

    def slash(
        self,
        guild: Guild,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: str | None = None,
        member: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A slash command; `name` may be "group sub". A value of ("channel", id) is a channel option."""
        opts: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {"channels": {}}
        for key, value in (options or {}).items():
            if isinstance(value, tuple) and value[0] == "channel":
                channel = guild.channel(value[1])
                resolved["channels"][value[1]] = {**channel, "permissions": str(MEMBER_PERMISSIONS)}
                opts.append({"name": key, "type": OptionType.CHANNEL, "value": value[1]})
            elif isinstance(value, tuple) and value[0] == "attachment":
                attachment = value[1]
                resolved.setdefault("attachments", {})[attachment["id"]] = attachment
                opts.append({"name": key, "type": OptionType.ATTACHMENT, "value": attachment["id"]})
            elif isinstance(value, tuple) and value[0] == "user":
                user = {
                    "id": value[1],
                    "username": "someone",
                    "discriminator": "0",
                    "global_name": None,
                    "avatar": None,
                }
                resolved.setdefault("users", {})[value[1]] = user
                opts.append({"name": key, "type": OptionType.USER, "value": value[1]})
            elif isinstance(value, tuple) and value[0] == "role":
                role = next(r for r in guild.roles if r["id"] == value[1])
                resolved.setdefault("roles", {})[value[1]] = role
                opts.append({"name": key, "type": OptionType.ROLE, "value": value[1]})
            else:
                kind = OptionType.INTEGER if isinstance(value, int) else OptionType.STRING
                opts.append({"name": key, "type": kind, "value": value})
        top, _, sub = name.partition(" ")
        if sub:
            opts = [{"name": sub, "type": OptionType.SUB_COMMAND, "options": opts}]
        data = {
            "id": self._command_id(top, guild),
            "name": top,
            "type": 1,
            "options": opts,
            "guild_id": guild.id,
            "resolved": resolved,
        }
        return self._interaction(InteractionType.APPLICATION_COMMAND, data, guild, channel_id, member)

    def autocomplete(
        self, guild: Guild, name: str, option: str, typed: str, *, channel_id: str | None = None
    ) -> dict[str, Any]:
        """An autocomplete request; `name` may be "group sub"."""
        opts = [{"name": option, "type": OptionType.STRING, "value": typed, "focused": True}]
        top, _, sub = name.partition(" ")
        if sub:
            opts = [{"name": sub, "type": OptionType.SUB_COMMAND, "options": opts}]
        data = {"id": self._command_id(top, guild), "name": top, "type": 1, "options": opts, "guild_id": guild.id}
        return self._interaction(InteractionType.AUTOCOMPLETE, data, guild, channel_id, None)

    def button(
        self,
        guild: Guild,
        custom_id: str,
        *,
        channel_id: str | None = None,
        member: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A press on a button of `message` (a new one if not given); discord.py only dispatches
        presses on buttons the message really has, so the button is added to it when missing."""
        channel_id = channel_id or (message or {}).get("channel_id") or guild.channels[0]["id"]
        message = dict(message or self._message({}, channel_id))
        present = [c.get("custom_id") for row in message.get("components") or [] for c in row.get("components", [])]
        if custom_id not in present:
            button = {"type": Component.BUTTON, "style": 2, "label": "Button", "custom_id": custom_id}
            message["components"] = [
                *(message.get("components") or []),
                {"type": Component.ACTION_ROW, "components": [button]},
            ]
        data = {"custom_id": custom_id, "component_type": Component.BUTTON}
        payload = self._interaction(InteractionType.MESSAGE_COMPONENT, data, guild, channel_id, member)
        payload["message"] = message
        return payload

    def message(self, guild: Guild, data: dict[str, Any] | None = None, *, ephemeral: bool = False) -> dict[str, Any]:
        """A message the bot sent earlier in the guild's first channel, for a button press to refer to."""
        message = self._message(data or {}, guild.channels[0]["id"])
        if ephemeral:
            message["flags"] = 64
        return message

    def modal_submit(
        self,
        guild: Guild,
        modal: Callback,
        values: dict[str, str],
        *,
        member: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The member fills in the modal the bot opened (callback type 9): `values` by field label."""
        assert modal.type == Reply.MODAL, f"expected a modal, got callback type {modal.type}"
        rows = []
        for row in modal.data["components"]:
            for field_ in row.get("components", [row.get("component")]):
                label = field_.get("label", "")
                value = values.get(label, field_.get("value") or "")
                rows.append(
                    {
                        "type": Component.ACTION_ROW,
                        "components": [
                            {"type": Component.TEXT_INPUT, "custom_id": field_["custom_id"], "value": value}
                        ],
                    }
                )
        data = {"custom_id": modal.data["custom_id"], "components": rows}
        payload = self._interaction(InteractionType.MODAL_SUBMIT, data, guild, None, member)
        if message is not None:
            payload["message"] = message
        return payload
