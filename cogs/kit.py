"""What every cog shares: the one error path, the shutdown gate, Discord's limits, safe text, the film
autocomplete, permission names, and a base for buttons that survive restarts.

Not an extension: the cogs import it. Errors from commands (the tree's on_error), buttons (ReportingItem),
forms and views all end in `report_interaction_error`, so a member gets the same ephemeral answer for the
same mistake wherever it happens, and a bug is logged once with its traceback.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.trivia.errors import StoreBusy, TriviaError
from bot.trivia.rows import Actor

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)

# Discord's limits: a message or embed over any of them is rejected whole.
MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
CHOICE_LIMIT = 100  # an autocomplete choice's name and value
TEXT_INPUT_LIMIT = 100  # a form field's label, placeholder... and what a default shows in full
MODAL_TITLE_LIMIT = 45

APOLOGY = "Sorry, something went wrong on our side. The admins can find the details in the bot's log."
RESTARTING = "The bot is restarting; try again in a few seconds."
BUSY = "The catalog is busy with a large import right now; please try again in a few seconds."
POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links")

if TYPE_CHECKING:
    Interaction: TypeAlias = discord.Interaction[TriviaBot]
else:
    Interaction: TypeAlias = discord.Interaction


def actor_from(interaction: discord.Interaction) -> Actor:
    """Who acted, as the audit log records them: their id and the name shown at the time."""
    return Actor(interaction.user.id, clip(interaction.user.display_name, 100))


def clip(text: str, limit: int) -> str:
    """Text cut to one of Discord's limits, with an ellipsis that counts against it."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# What discord.utils.escape_markdown and escape_mentions act on: a markdown character anywhere, a
# link's bracket, a quote, heading or list mark at a line's start, an @. Text with none of these is
# returned as it is without running their regexes (about 15 us a call, several per card).
_ESCAPABLE = re.compile(r"[\\*`_~|\[@]|^(?:>|#|\s*-)", re.MULTILINE)


def safe(text: str) -> str:
    """Text from pages and members renders as written: markdown escaped, mentions defused (they
    cannot ping anyway with AllowedMentions.none(), but should not even look like a mention)."""
    if not _ESCAPABLE.search(text):
        return text
    escaped = discord.utils.escape_markdown(text)
    return discord.utils.escape_mentions(escaped)


def permission_names(names: list[str] | tuple[str, ...], *, bold: bool = True) -> str:
    """Discord's permission flags as its settings name them: manage_guild is "Manage Server"."""
    shown = (name.replace("_", " ").replace("guild", "server").title() for name in names)
    return ", ".join(f"**{name}**" if bold else name for name in shown)


class ChannelNotUsable(TriviaError):
    pass


async def film_choices(
    bot: TriviaBot, current: str, guild_id: int | None = None, *, warm_channel: int | None = None
) -> list[app_commands.Choice[str]]:
    """Autocomplete for every `film` option: "Title (Year)" labels, best first, at most 25; only films
    with a fact visible in that server. `warm_channel`: /trivia's, which reads the first one ahead."""
    try:
        entries = await bot.trivia.autocomplete(current, guild_id, warm_channel=warm_channel)
    except TriviaError:
        return []
    labels = [clip(e.label, CHOICE_LIMIT) for e in entries]
    return [app_commands.Choice(name=label, value=label) for label in labels]


def ensure_bot_can_post(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    """Refuses, naming what is missing, a channel the bot could not post its embeds in."""
    guild = interaction.guild
    if guild is None or channel.guild.id != guild.id:
        raise ChannelNotUsable("That channel is not in this server.")
    permissions = channel.permissions_for(guild.me)
    missing = [name for name in POST_PERMISSIONS if not getattr(permissions, name)]
    if missing:
        raise ChannelNotUsable(
            f"I can't post in {channel.mention}: I'm missing {permission_names(missing)} there. "
            "Grant it in the channel's permissions and try again."
        )


def describe_error(error: BaseException) -> str | None:
    """The member-facing text for an error we expect, or None for a bug that must be logged."""
    original = getattr(error, "original", None) or error
    if isinstance(original, StoreBusy):
        log.warning("an interaction gave up waiting for the database: %s", original)
        return BUSY
    if isinstance(original, TriviaError):
        return str(original)
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.TransformerError):
        # Only a hand-made payload gets here: Discord's own pickers offer this server's channels and roles.
        kind = {
            discord.AppCommandOptionType.channel: "channel",
            discord.AppCommandOptionType.role: "role",
            discord.AppCommandOptionType.user: "member",
        }.get(error.type)
        if kind:
            return f"That {kind} is not one I can use: pick a {kind} of this server."
        return "That value does not fit this option; pick one Discord offers."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That only works in a server, not in direct messages."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You are not allowed to do that here."
    return None


async def report_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    """The one place errors become replies: domain errors ephemerally as written, anything else
    logged with its traceback and answered with a short apology."""
    message = describe_error(error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else interaction.data
        log.error("unhandled error in interaction %s (%s)", interaction.id, command, exc_info=error)
        message = APOLOGY
    await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                clip(message, MESSAGE_LIMIT), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                clip(message, MESSAGE_LIMIT), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not tell the member about an error in interaction %s", interaction.id, exc_info=True)


async def admit(interaction: discord.Interaction) -> bool:
    """Counts the interaction as under way (shutdown waits for it); once shutdown has begun, refuses it
    with a short "restarting" note instead (an autocomplete just gets no choices)."""
    in_flight = getattr(interaction.client, "in_flight", None)
    if in_flight is None:
        return True
    in_flight.enter()  # a refusal is under way too: it gets its answer out before HTTP closes
    if in_flight.accepting:
        return True
    if interaction.type is not discord.InteractionType.autocomplete:
        await send_ephemeral(interaction, RESTARTING)
    return False


CogT = TypeVar("CogT", bound=commands.Cog)


def cog_of(bot: commands.Bot, kind: type[CogT]) -> CogT:
    """The loaded cog of that class, typed: buttons and forms are routed by custom_id, not held by a cog,
    so they look their cog up when pressed (by type, not by a name string)."""
    for cog in bot.cogs.values():
        # discord.py loads an extension as a fresh module each time, so the class may be another object
        # with the same module and name (a bot restarted in one process, a test that imported the cog).
        same = type(cog).__module__ == kind.__module__ and type(cog).__qualname__ == kind.__qualname__
        if isinstance(cog, kind) or same:
            return cog  # type: ignore[return-value]
    raise RuntimeError(f"{kind.__name__} is not loaded")


class ReportingItem:
    """Mixed into every DynamicItem button: counted for shutdown, and its errors answered through the one
    error path (discord.py only logs what a dynamic item's callback raises, so the member would see
    "interaction failed"). Subclasses implement `run` instead of `callback`."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await admit(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.run(interaction)
        except Exception as error:
            await report_interaction_error(interaction, error)

    async def run(self, interaction: Any) -> None:
        raise NotImplementedError


def static_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """Buttons whose presses are routed by their custom_id (DynamicItem), so discord.py need not keep
    a View per message sent: stopped before sending, it is serialised and then forgotten. Without
    this, every card would stay in memory for the life of the process."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view
