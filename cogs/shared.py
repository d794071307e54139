"""Small pieces several cogs need: film autocomplete and the "can the bot post there?" check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.trivia.errors import TriviaError
from cogs.fact_card import clip

if TYPE_CHECKING:
    from bot.app import TriviaBot

CHOICE_LIMIT = 100  # Discord's limit on a choice's name and value
POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links")


class ChannelNotUsable(TriviaError):
    pass


async def film_choices(
    bot: TriviaBot, current: str, guild_id: int | None = None
) -> list[app_commands.Choice[str]]:
    """Autocomplete for every `film` option: "Title (Year)" labels, best first, at most 25; only films
    with a fact visible in that server."""
    try:
        entries = await bot.trivia.autocomplete(current, guild_id)
    except TriviaError:
        return []
    labels = [clip(e.label, CHOICE_LIMIT) for e in entries]
    return [app_commands.Choice(name=label, value=label) for label in labels]


def permission_names(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"**{n.replace('_', ' ').title()}**" for n in names)


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
