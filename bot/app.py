"""The Bot subclass: start-up (store, bundled data, cogs, command sync), shutdown and the one error handler."""

from __future__ import annotations

import asyncio
import gc
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
from bot.db.engines import configured_location, open_store
from bot.db.identify import IdentifyGate
from bot.db.meta import MetaRepository
from bot.db.store import DatabaseBusy, Store
from bot.services.daily import DailyService
from bot.services.importing import import_bundled
from bot.services.moderation import ModerationService
from bot.services.quiz import QuizService
from bot.services.submissions import SubmissionService
from bot.services.trivia import TriviaService
from bot.trivia.ratelimit import RateLimit
from bot.trivia.text import plural
from cogs.kit import admit, report_interaction_error

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.lookup", "cogs.daily", "cogs.submissions", "cogs.quiz", "cogs.moderation")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SHUTDOWN_GRACE_SECONDS = 5.0


def apply_endpoints(settings: Settings) -> None:
    """Points discord.py at another Discord-compatible server. discord.py keeps these as class
    attributes, so this is process-wide; only tests and self-hosted gateways set them."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class InFlight:
    """The interactions being answered, tracked by the task answering each (whatever discord.py names
    it), so shutdown waits for exactly those. Every entry point (the command tree, buttons, views,
    forms) calls `admit` first."""

    def __init__(self) -> None:
        self.accepting = True
        self._tasks: set[asyncio.Task[Any]] = set()

    def enter(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self, grace: float) -> int:
        """Waits (at most `grace` seconds) until none is running; returns how many still are."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        current = asyncio.current_task()
        while True:
            running = [task for task in self._tasks if task is not current and not task.done()]
            remaining = deadline - loop.time()
            if not running or remaining <= 0:
                return len(running)
            await asyncio.wait(running, timeout=remaining)


class TriviaTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Every command and autocomplete passes here first: counted for shutdown, and refused in a
        DM if server-only (Discord hides those there, but a hand-made payload can still send one;
        refused once here instead of by an assert in every command)."""
        if not await admit(interaction):
            return False
        command = interaction.command
        root = getattr(command, "root_parent", None) or command
        if interaction.guild_id is None and getattr(root, "guild_only", False):
            if interaction.type is discord.InteractionType.autocomplete:
                return False
            raise app_commands.NoPrivateMessage()
        return True


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
        # We use no voice: without this, every start warns that PyNaCl and davey are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for permission checks; nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=TriviaTree,
            **shard_options(settings),
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
        self._quiz: QuizService | None = None
        self._moderation: ModerationService | None = None
        uses, per = settings.lookup_rate
        # /trivia and its "Another fact" button, per member: one member cannot flood a channel.
        self.lookup_limit = RateLimit(uses, per, lambda: self.clock().timestamp())
        self.in_flight = InFlight()
        self.shutdown_grace = SHUTDOWN_GRACE_SECONDS
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

    @property
    def quiz(self) -> QuizService:
        return _started(self._quiz, "quiz service")

    @property
    def moderation(self) -> ModerationService:
        return _started(self._moderation, "moderation service")

    async def setup_hook(self) -> None:
        self._store = await open_store(configured_location(self.settings))
        self._store.shards = (self.settings.shard_count, self.settings.shard_ids)  # loops serve our guilds only
        log.info("database ready at %s", self._store.path)
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
        self._quiz = QuizService(
            self.store, clock=self.clock, rng=self.rng, cooldown_seconds=self.settings.quiz_cooldown_seconds
        )
        if self.store.engine == "postgres":  # another process's import: cached facts drop at once
            await self.store.on_catalog_change(self.trivia.catalog_changed_elsewhere)
        self._moderation = ModerationService(self.store, self.trivia, self.submissions, clock=self.clock)
        await self.import_bundled_data()
        await self.trivia.refresh_titles()
        for extension in (*self.initial_extensions, *self.settings.extra_extensions):
            await self.load_extension(extension)
        if self.settings.shard_ids is None or 0 in self.settings.shard_ids:
            await self.sync_commands_if_changed()  # one process syncs: the one holding shard 0
        else:
            log.info("slash commands are synced by the process running shard 0, not this one")
        freeze_startup_objects()

    async def import_bundled_data(self) -> None:
        """Imports data/ on first start and whenever an upgrade ships different files; the content
        hash makes a repeat import harmless, the fingerprint makes it rare."""
        try:
            summary = await import_bundled(self.store, self.data_dir)
        except DatabaseBusy:
            # Another process (a CLI import) kept the write lock: serve what the catalog holds now and
            # try again at the next start (the fingerprint is only stored once the import is done).
            log.warning("bundled data not imported: the database stayed locked by another process; "
                        "it is imported at the next start")  # fmt: skip
            self.trivia.titles_changed()  # chunks committed before the lock won are visible
            return
        if summary is None:
            return
        self.trivia.titles_changed()
        log.info("imported bundled data from %s: %s", self.data_dir, summary.describe())

    async def sync_commands_if_changed(self) -> None:
        """Discord rate-limits command syncs hard; syncing only when definitions changed keeps restarts cheap.
        Copies left in a server that is no longer DEV_GUILD_ID are removed first, or members there would
        see every command twice (the old server copy and the global one)."""
        await self.remove_stale_guild_commands(keep=self.settings.dev_guild_id)
        guild_id = self.settings.dev_guild_id
        digest = self._command_digest(guild_id)
        if await MetaRepository(self.store).get(self._sync_key(guild_id)) == digest:
            log.info("slash commands unchanged; not syncing")
            return
        try:
            await self.sync_commands(guild_id)
        except discord.HTTPException as error:
            log.error("could not sync slash commands (%s); they will be retried on the next start", error)

    async def sync_commands(self, guild_id: int | None, *, clear: bool = False) -> int:
        """Pushes the commands to one server (guild_id) or globally, or with `clear` removes them there;
        records what that scope now holds, so the next start knows. Returns how many it holds."""
        guild = discord.Object(guild_id) if guild_id else None
        meta = MetaRepository(self.store)
        if clear:
            assert self.application_id is not None
            if guild_id:
                await self.http.bulk_upsert_guild_commands(self.application_id, guild_id, [])
            else:
                await self.http.bulk_upsert_global_commands(self.application_id, [])
            await meta.delete(self._sync_key(guild_id))
            log.info("removed the slash commands from %s", f"guild {guild_id}" if guild_id else "global scope")
            return 0
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        try:
            await meta.set(self._sync_key(guild_id), self._command_digest(guild_id))
        except DatabaseBusy:
            log.warning("could not store the command hash (database locked); commands sync again next start")
        where = f"guild {guild_id}" if guild_id else "all guilds (global commands can take a while to appear)"
        log.info("synced %s to %s", plural(len(synced), "slash command"), where)
        return len(synced)

    async def remove_stale_guild_commands(self, keep: int | None) -> None:
        """Every server we synced a copy to is remembered (its key in meta); all but `keep` are emptied."""
        meta = MetaRepository(self.store)
        prefix = self._sync_key(None).removesuffix("global")
        for key in await meta.keys_with_prefix(prefix):
            scope = key.removeprefix(prefix)
            if not scope.isdigit() or int(scope) == keep:
                continue
            assert self.application_id is not None
            try:
                await self.http.bulk_upsert_guild_commands(self.application_id, int(scope), [])
            except (discord.Forbidden, discord.NotFound):
                log.warning("could not remove the old slash commands from guild %s (the bot left it?)", scope)
            except discord.HTTPException as error:
                log.error("could not remove old slash commands from guild %s (%s); retrying next start", scope, error)
                continue
            else:
                log.info("removed the slash commands copied to guild %s (DEV_GUILD_ID is no longer that)", scope)
            await meta.delete(key)

    def _sync_key(self, guild_id: int | None) -> str:
        return f"commands:{self.application_id}:{guild_id or 'global'}"

    def _command_digest(self, guild_id: int | None) -> str:
        guild = discord.Object(guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("logged in as %s (%s) in %s", self.user, self.user.id, plural(len(self.guilds), "server"))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_interaction_error(interaction, error)

    async def close(self) -> None:
        """In order: stop taking interactions (new ones are told the bot is restarting), let those under
        way answer and write what they showed (up to `shutdown_grace` seconds), then unload the cogs
        (the daily tick and an outbox delivery finish), close the gateway and HTTP, and last the store."""
        self.in_flight.accepting = False
        try:
            late = await self.in_flight.drain(self.shutdown_grace)
            if late:
                log.warning("shutting down with %d interaction(s) still running", late)
            await super().close()
        finally:
            # close() runs more than once at shutdown (the signal handler, then whoever awaited
            # start()); every caller waits for the one closing of the database.
            if self._store_closing is None and self._store is not None:
                self._store_closing = asyncio.ensure_future(self._close_store())
            if self._store_closing is not None:
                await asyncio.shield(self._store_closing)

    async def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            if self._trivia is not None:
                await self._trivia.close()  # the channel records still waiting are written first
            await store.close()
            log.info("database closed")


T = TypeVar("T")


def freeze_startup_objects() -> None:
    """Moves everything made until the bot is ready (modules, classes, cogs, the title index) out of the
    cyclic collector's sight, as gc.freeze's documentation suggests for long-lived start-up state. A full
    collection otherwise walks all of it, 40-60 ms with the GIL held on this project's machine: a stall
    of every interaction and heartbeat a few times a minute under load. They are still freed normally
    by reference counting; only a cycle among them would never be collected, and the one collection
    before freezing leaves none behind."""
    gc.collect()
    gc.freeze()
    log.info("start-up objects frozen for the garbage collector: %s", f"{gc.get_freeze_count():,}")


def _started(value: T | None, name: str) -> T:
    if value is None:
        raise RuntimeError(f"the {name} starts in setup_hook")
    return value


def shard_options(settings: Settings) -> dict[str, Any]:
    """discord.py's own sharding: which shards this process connects (the others run elsewhere)."""
    if not settings.sharded:
        return {}
    return {"shard_count": settings.shard_count, "shard_ids": list(settings.shard_ids or ())}


class ShardedTriviaBot(TriviaBot, commands.AutoShardedBot):
    """The same bot on discord.py's AutoShardedBot: one gateway connection per shard in SHARD_IDS."""

    _max_concurrency: int | None = None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """On a shared (PostgreSQL) store, identifies are paced over every process: one per 5 s per
        bucket (Discord's max_concurrency), turns kept in the database. On SQLite, discord.py's own pacing."""
        if self.store.engine != "postgres" or shard_id is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        if self._max_concurrency is None:
            _, _, limits = await self.http.get_bot_gateway()
            self._max_concurrency = max(1, int(limits.get("max_concurrency", 1)))
        waited = await IdentifyGate(self.store).wait_turn(shard_id % self._max_concurrency)
        if waited:
            log.info("shard %d waited %.1f s for its turn to identify", shard_id, waited)


def make_bot(settings: Settings, **options: Any) -> TriviaBot:
    """Unsharded (one gateway connection, as always) unless SHARD_COUNT is set."""
    return (ShardedTriviaBot if settings.sharded else TriviaBot)(settings, **options)
