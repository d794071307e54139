"""Discord's protocol numbers, named, for the stand-in and the tests that read what the bot sent.

From Discord's developer documentation: gateway opcodes, interaction types, interaction callback types,
application command option types, component types and message flags.
"""

from __future__ import annotations

from enum import IntEnum


class Op(IntEnum):
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    RESUME = 6
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class Reply(IntEnum):
    """Interaction callback types: how the bot answered."""

    PONG = 1
    MESSAGE = 4  # CHANNEL_MESSAGE_WITH_SOURCE
    DEFERRED_MESSAGE = 5
    DEFERRED_UPDATE = 6
    UPDATE_MESSAGE = 7  # the message carrying the component is edited
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class OptionType(IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    ATTACHMENT = 11


class Component(IntEnum):
    ACTION_ROW = 1
    BUTTON = 2
    TEXT_INPUT = 4


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1


EPHEMERAL = 1 << 6  # message flag: only the member who interacted sees it
