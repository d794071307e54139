"""The Bot subclass: start-up (store, bundled data, cogs, command sync), shutdown and the one error handler."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.daily_service import DailyService
from bot.db.catalog import CatalogRepository
from bot.db.meta import MetaRepository
from bot.db.store import Store
from bot.importing import bundled_files, fingerprint, import_files
from bot.submission_service import SubmissionService
from bot.trivia.errors import TriviaError
from bot.trivia.ratelimit import RateLimit
from bot.trivia_service import TriviaService

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.lookup", "cogs.daily", "cogs.submissions")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# discord.py's names for the tasks that answer interactions (commands, buttons, modals).
INTERACTION_TASKS = ("CommandTree-invoker", "discord-ui-view-dispatch", "discord-ui-dynamic-item", "discord-ui-modal")
SHUTDOWN_GRACE_SECONDS = 5.0
MESSAGE_LIMIT = 2000  # Discord refuses longer message content
APOLOGY = "Sorry, something went wrong on our side. The admins can find the details in the bot's log."


def apply_endpoints(settings: Settings) -> None:
    """Points discord.py at another Discord-compatible server. discord.py keeps these as class
    attributes, so this is process-wide; only tests and self-hosted gateways set them."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class TriviaBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        data_dir: Path = DATA_DIR,
        extensions: tuple[str, ...] = EXTENSIONS,
        **options: Any,
    ) -> None:
        apply_endpoints(settings)
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for permission checks; nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.data_dir = data_dir
        self.initial_extensions = extensions
        self._store: Store | None = None
        self._store_closing: asyncio.Future[None] | None = None
        self._trivia: TriviaService | None = None
        self._daily: DailyService | None = None
        self._submissions: SubmissionService | None = None
        uses, per = settings.lookup_rate
        # /trivia and its "Another fact" button, per member: one member cannot flood a channel.
        self.lookup_limit = RateLimit(uses, per, lambda: self.clock().timestamp())
        self.commands_synced: bool | None = None  # None: not attempted; False: unchanged, skipped
        self.tree.on_error = self.on_app_command_error

    # The store and services exist from setup_hook on; before that, using one is a programming error.
    @property
    def store(self) -> Store:
        return _started(self._store, "store")

    @property
    def trivia(self) -> TriviaService:
        return _started(self._trivia, "trivia service")

    @property
    def daily(self) -> DailyService:
        return _started(self._daily, "daily service")

    @property
    def submissions(self) -> SubmissionService:
        return _started(self._submissions, "submission service")

    async def setup_hook(self) -> None:
        self._store = await Store.open(self.settings.database_path)
        log.info("database ready at %s", self.settings.database_path)
        self._trivia = TriviaService(self.store, rng=self.rng, clock=self.clock)
        self._daily = DailyService(
            self.store,
            self.trivia,
            clock=self.clock,
            rng=self.rng,
            grace=timedelta(hours=self.settings.daily_grace_hours),
        )
        self._submissions = SubmissionService(
            self.store,
            self.trivia,
            clock=self.clock,
            max_pending=self.settings.submission_max_pending,
            cooldown_seconds=self.settings.submission_cooldown_seconds,
        )
        await self.import_bundled_data()
        await self.trivia.refresh_titles()
        for extension in (*self.initial_extensions, *self.settings.extra_extensions):
            await self.load_extension(extension)
        await self.sync_commands_if_changed()

    async def import_bundled_data(self) -> None:
        """Imports data/ on first start and whenever an upgrade ships different files; the content
        hash makes a repeat import harmless, the fingerprint makes it rare."""
        files = bundled_files(self.data_dir)
        if not files:
            return
        meta = MetaRepository(self.store)
        stamp = fingerprint(files)
        if await meta.get("bundled_data") == stamp:
            return
        summary = await import_files(CatalogRepository(self.store), files)
        await meta.set("bundled_data", stamp)
        self.trivia.titles_changed()
        log.info("imported bundled data from %s: %s", self.data_dir, summary.describe())

    async def sync_commands_if_changed(self) -> None:
        """Discord rate-limits command syncs hard; syncing only when definitions changed keeps restarts cheap."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands:{self.application_id}:{guild.id if guild else 'global'}"
        meta = MetaRepository(self.store)
        if await meta.get(key) == digest:
            log.info("slash commands unchanged; not syncing")
            self.commands_synced = False
            return
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.HTTPException:
            log.exception("could not sync slash commands; they will be retried on the next start")
            return
        await meta.set(key, digest)
        self.commands_synced = True
        where = f"guild {guild.id}" if guild else "all guilds (global commands can take a while to appear)"
        log.info("synced %d slash commands to %s", len(synced), where)

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("logged in as %s (%s) in %d servers", self.user, self.user.id, len(self.guilds))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_interaction_error(interaction, error)

    async def close(self) -> None:
        try:
            await super().close()
            await self._finish_interactions()
        finally:
            # close() runs more than once at shutdown (the signal handler, then whoever awaited
            # start()); every caller waits for the one closing of the database.
            if self._store_closing is None and self._store is not None:
                self._store_closing = asyncio.ensure_future(self._close_store())
            if self._store_closing is not None:
                await asyncio.shield(self._store_closing)

    async def _finish_interactions(self) -> None:
        """The gateway is closed, so nothing new arrives; interactions already being answered get a few
        seconds to finish (and write what they showed) before the database closes under them."""
        current = asyncio.current_task()
        running = [
            task
            for task in asyncio.all_tasks()
            if task is not current and task.get_name().startswith(INTERACTION_TASKS) and not task.done()
        ]
        if running:
            _, late = await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
            if late:
                log.warning("shutting down with %d interaction(s) still running", len(late))

    async def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            if self._trivia is not None:
                await self._trivia.close()  # the channel records still waiting are written first
            await store.close()
            log.info("database closed")


T = TypeVar("T")


def _started(value: T | None, name: str) -> T:
    if value is None:
        raise RuntimeError(f"the {name} starts in setup_hook")
    return value


def describe_error(error: BaseException) -> str | None:
    """The member-facing text for an error we expect, or None for a bug that must be logged."""
    original = getattr(error, "original", None) or error
    if isinstance(original, TriviaError):
        return str(original)
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in error.missing_permissions)
        return f"You need the **{needed}** permission to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That only works in a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
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
    message = message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not tell the member about an error in interaction %s", interaction.id, exc_info=True)
