"""/trivia-daily and the loop that posts a fact a day. Rules live in DailyService; this is Discord glue."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.faults import failpoint
from bot.services.daily import CHANNEL_DELETED, ScheduleListing
from bot.trivia.rows import ClaimedPost
from bot.trivia.schedule import suggest_timezones
from bot.trivia.text import plural
from cogs.fact_card import card_view, fact_embed
from cogs.kit import (
    POST_PERMISSIONS,
    Interaction,
    ensure_bot_can_post,
    film_choices,
    permission_names,
    report_interaction_error,
    safe,
)
from cogs.paginator import send_pages

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)
NEEDED_TEXT = permission_names(POST_PERMISSIONS, bold=False)
SEND_CONCURRENCY = 8  # discord.py's own rate limiter paces the requests; this only bounds tasks in flight


def describe_schedule(view: ScheduleListing) -> str:
    s = view.schedule
    line = f"<#{s.channel_id}> · {s.local_time} {s.timezone}"
    if view.film_label:
        line += f" · {safe(view.film_label)}"
    if s.paused_reason:
        return line + f"\n  ⏸ paused: {s.paused_reason}. Run `/trivia-daily set` again to resume."
    line += f"\n  next {discord.utils.format_dt(s.next_due_at, 'F')} ({discord.utils.format_dt(s.next_due_at, 'R')})"
    if s.problem:
        line += f"\n  ⚠ {s.problem}"
    return line


class ForgetDeletedButton(discord.ui.Button["discord.ui.View"]):
    """A deleted channel cannot be picked in `/trivia-daily stop`; its paused schedule is removed here."""

    def __init__(self, count: int) -> None:
        noun = "schedule" if count == 1 else "schedules"
        super().__init__(label=f"Remove {count} {noun} of deleted channels", style=discord.ButtonStyle.danger)

    async def callback(self, interaction: Interaction) -> None:
        try:
            if interaction.guild_id is None or not interaction.permissions.manage_guild:
                raise app_commands.MissingPermissions(["manage_guild"])
            removed = await interaction.client.daily.forget_deleted_channels(interaction.guild_id)
            await interaction.response.edit_message(
                content=f"Removed {plural(removed, 'schedule')} of deleted channels.", embed=None, view=None
            )
        except Exception as error:
            await report_interaction_error(interaction, error)


class Daily(commands.Cog):
    daily = app_commands.Group(
        name="trivia-daily",
        description="A film fact posted every day in a channel",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        self._tick_lock = asyncio.Lock()

    async def cog_load(self) -> None:
        self.poster.change_interval(seconds=self.bot.settings.daily_tick_seconds)
        self.poster.start()

    async def cog_unload(self) -> None:
        """A tick under way finishes first (so a post sent is also recorded as sent), then the loop stops."""
        try:
            async with asyncio.timeout(5):
                await self._tick_lock.acquire()
        except TimeoutError:
            log.warning("a daily tick was still running at shutdown; stopping it")
        else:
            self._tick_lock.release()
        self.poster.cancel()

    # --- commands -----------------------------------------------------------------------------------

    @daily.command(name="set", description="Post a fact every day in a channel at a local time")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, 24-hour HH:MM (9am and 9:05 pm work too)",
        timezone="IANA time zone such as Europe/London (default UTC)",
        film="Only facts about this film (default: every film)",
        spoilers="Allow facts marked as spoilers (default: no)",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        film: app_commands.Range[str, 1, 200] | None = None,
        spoilers: bool = False,
    ) -> None:
        assert interaction.guild is not None
        ensure_bot_can_post(interaction, channel)
        view = await self.bot.daily.set_schedule(
            guild_id=interaction.guild.id,
            channel_id=channel.id,
            time_text=time,
            timezone=timezone,
            film=film,
            admin_id=interaction.user.id,
            spoilers=spoilers,
        )
        s = view.schedule
        about = f" about **{safe(view.film_label)}**" if view.film_label else ""
        about += ", spoilers included" if s.spoilers else ""
        await interaction.response.send_message(
            f"Daily trivia{about} set for {channel.mention} at {s.local_time} ({s.timezone}). "
            f"Next post {discord.utils.format_dt(s.next_due_at, 'F')} ({discord.utils.format_dt(s.next_due_at, 'R')}).",
            ephemeral=True,
        )

    @set_.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in suggest_timezones(current)]

    @set_.autocomplete("film")
    async def film_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await film_choices(self.bot, current, interaction.guild_id)

    @daily.command(name="stop", description="Stop the daily fact in a channel")
    @app_commands.describe(channel="The channel to stop posting in")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def stop(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild is not None
        await self.bot.daily.stop(guild_id=interaction.guild.id, channel_id=channel.id)
        await interaction.response.send_message(f"Daily trivia stopped in {channel.mention}.", ephemeral=True)

    @daily.command(name="list", description="Every daily fact in this server, with its next post")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        views = await self.bot.daily.schedules(interaction.guild.id)
        if not views:
            await interaction.response.send_message(
                "No daily trivia in this server yet. Start one with `/trivia-daily set`.", ephemeral=True
            )
            return
        gone = sum(1 for v in views if v.schedule.paused_reason == CHANNEL_DELETED)
        extra = [ForgetDeletedButton(gone)] if gone else []
        await send_pages(interaction, "Daily trivia", [describe_schedule(v) for v in views], extra)

    # --- events -------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bot.daily.forget_guild(guild.id)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.bot.daily.pause(channel.id, CHANNEL_DELETED)

    # --- the loop -----------------------------------------------------------------------------------

    @tasks.loop(seconds=30)
    async def poster(self) -> None:
        # discord.py stops a tasks.loop for good when its body raises: nothing may escape a tick.
        try:
            await self.tick()
        except Exception:
            log.exception("daily tick failed; the loop goes on and tries again next tick")

    @poster.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def tick(self) -> int:
        """One pass: claim what is due, send it. Never raises, so the loop never dies."""
        async with self._tick_lock:
            try:
                posts = await self.bot.daily.claim_due()
            except Exception:
                log.exception("daily tick failed to read due schedules; trying again next tick")
                return 0
            if not posts:
                return 0
            failpoint("daily.claimed")
            limit = asyncio.Semaphore(SEND_CONCURRENCY)

            async def send(post: ClaimedPost) -> None:
                async with limit:
                    try:
                        await self.send_post(post)
                    except Exception:  # even reporting the outcome failed (the store is locked, say)
                        log.exception(
                            "daily post %s (schedule %s, channel %s): its outcome could not be recorded;"
                            " it is settled on a later tick", post.id, post.schedule_id, post.channel_id,
                        )  # fmt: skip

            await asyncio.gather(*(send(post) for post in posts))
            return len(posts)

    async def send_post(self, post: ClaimedPost) -> None:
        daily = self.bot.daily
        try:
            card = await daily.card_for_post(post)
            channel = self.bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)
            message = await channel.send(
                embed=fact_embed(card, heading="Fact of the day"),
                view=card_view(card, reply=True),
                # Same nonce on a re-send after a crash: Discord returns the first message instead.
                nonce=f"daily-{post.id}",
                allowed_mentions=discord.AllowedMentions.none(),
            )
            failpoint("daily.sent")
            await daily.delivered(post, message.id)
        except discord.Forbidden:
            await daily.undeliverable(post, f"the bot lacks permission to post there (needs {NEEDED_TEXT})")
        except discord.NotFound:
            await daily.undeliverable(post, "the channel no longer exists")
        except discord.HTTPException as error:
            await daily.failed_for_now(post, f"Discord answered {error.status} on the last try")
        except Exception:
            log.exception("daily post %s (schedule %s, channel %s) failed", post.id, post.schedule_id, post.channel_id)
            await daily.failed_for_now(post, "an internal error; see the bot's log")


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Daily(bot))
