"""`python -m bot ...`: run the bot, or manage the catalog without Discord.

Every mistake an operator can make ends in one line on stderr and an exit code systemd can act on:
EX_CONFIG (78) means "fix the configuration, restarting will not help" (the unit lists it in
RestartPreventExitStatus); EX_TEMPFAIL (75) means "Discord went away, try again" (Restart=on-failure).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import discord

from bot import __version__
from bot.app import TriviaBot, make_bot
from bot.config import ConfigError, Settings, load_settings
from bot.db import backup as backups
from bot.db.catalog import CatalogRepository
from bot.db.engines import open_store
from bot.db.moderation import ModerationRepository
from bot.db.pgstore import PostgresStore, PostgresUnavailable, is_postgres_url, redact
from bot.db.store import SchemaTooNew, Store
from bot.db.submissions import SubmissionRepository
from bot.runlock import RunLock
from bot.services.importing import import_bundled, read_catalog_files
from bot.services.moderation import ModerationService, describe_entry
from bot.services.submissions import SubmissionService
from bot.services.trivia import TriviaService
from bot.trivia.catalog_formats import to_csv, to_json
from bot.trivia.display import render_text
from bot.trivia.errors import EmptyCatalog, FilmNotFound, NoFacts, TriviaError
from bot.trivia.rows import Actor
from bot.trivia.text import plural

log = logging.getLogger("bot")
CLI_CHANNEL_ID = 0  # the CLI's own "channel" for the don't-repeat record, apart from every real one

EXIT_FAILED = 1  # the command could not do what was asked (bad input file, unknown film, file exists)
EX_UNAVAILABLE = 69  # a one-off command could not reach Discord
EX_TEMPFAIL = 75  # a passing outage: systemd should restart the bot
EX_CONFIG = 78  # fix the configuration first: systemd should not restart
PROBE_TIMEOUT_SECONDS = 10.0  # a host that never answers must not hang the start silently
FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 300.0
CREATES_DATABASE = ("run", "import", "restore")
PORTAL = "https://discord.com/developers/applications"
# Gateway close codes that no restart can fix: what the admin has to change.
CLOSE_CODE_ADVICE = {
    4004: "authentication failed: the token is wrong or was reset; in the developer portal open your "
    "application → Bot → Reset Token, and put the new token in DISCORD_TOKEN",
    4010: "invalid shard: this bot does not shard; remove any shard settings",
    4011: "sharding required: the bot is in too many servers for one connection (not supported yet)",
    4012: "invalid API version: upgrade this release (git pull, then make run)",
    4013: "invalid intents: this release asks only for the Guilds intent; check EXTRA_EXTENSIONS for a cog "
    "that changes intents, or upgrade",
    4014: "disallowed intents: a privileged intent is requested but not enabled; in the developer portal "
    "open your application → Bot → Privileged Gateway Intents and enable it (this bot itself needs none: "
    "check EXTRA_EXTENSIONS)",
}


class CliError(Exception):
    """One line for the operator, and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    # --database and --env-file are accepted before or after the command name; SUPPRESS keeps a
    # subcommand from overwriting a value given before it with its own default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="SQLite file to use (default: DATABASE_PATH, else var/trivia.db in the checkout)",
    )
    common.add_argument(
        "--env-file",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="read settings from FILE instead of .env in the working directory",
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Film Trivia Bot: run the Discord bot, or manage its catalog from the shell.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"Film Trivia Bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common])

    command("run", "connect to Discord and answer commands (needs DISCORD_TOKEN); creates the database")

    p = command("import", "import catalog files: Making Of pages, JSON or CSV; creates the database")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--title", help="the film of a Making Of page stored without its title line (one file)")

    p = command("migrate-to", "copy everything from the SQLite database into an empty PostgreSQL database")
    p.add_argument("url", metavar="URL", help="postgresql://user:password@host/database")

    p = command("export", "write the catalog as JSON (the import format) or CSV")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    p.add_argument("--guild", type=int, help="also include the facts this server's moderators approved")

    p = command("films", "list films with their fact counts")
    p.add_argument("--guild", type=int, help="count this server's approved facts too")

    p = command("trivia", "print a fact as the bot would show it")
    p.add_argument("title", nargs="+", help="film title; typos and 'Title (Year)' are fine")
    p.add_argument("--number", "-n", type=int, help="fact number n instead of a random one")
    p.add_argument("--guild", type=int, help="include this server's approved facts")

    command("stats", "catalog totals")

    p = command("submissions", "list members' submissions and their decisions")
    p.add_argument("--status", choices=("pending", "approved", "rejected"))
    p.add_argument("--guild", type=int, help="only this server's")

    command("reports", "open reports of global facts, from every server (for the bot's owners)")

    p = command("fact", "change a global fact, for every server: edit, delete, or mark as a spoiler")
    actions = p.add_subparsers(dest="fact_command", metavar="ACTION", required=True)
    for action, text in (
        ("edit", "replace the text (the old text stays in `audit`)"),
        ("delete", "delete it everywhere (its text stays in `audit`)"),
        ("spoiler", "mark it as a spoiler (--off: unmark)"),
    ):
        a = actions.add_parser(action, help=text, description=text, parents=[common])
        a.add_argument("film", help="the film's title; typos and 'Title (Year)' are fine")
        a.add_argument("number", type=int, help="the fact's number among the film's global facts (`trivia -n`)")
        if action == "edit":
            a.add_argument("--text", required=True, help="the new text")
        if action == "spoiler":
            a.add_argument("--off", action="store_true", help="no longer a spoiler")
    a = actions.add_parser(
        "revert", help="undo a global edit: its old text comes back", description="undo a global edit",
        parents=[common],
    )  # fmt: skip
    a.add_argument("entry", type=int, help="the edit's number in `audit`")

    p = command("audit", "the moderation log (newest first): who changed which fact, when, before and after")
    p.add_argument("--guild", type=int, help="only this server's entries (default: all)")
    p.add_argument("--limit", type=int, default=200, help="at most this many entries (default 200)")

    p = command("backup", "copy the database safely, even while the bot runs")
    p.add_argument("file", type=Path, metavar="FILE", help="the copy to write; a folder gets a dated file name")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    p = command("restore", "replace the database with a backup (stop the bot first)")
    p.add_argument("file", type=Path, metavar="FILE", help="a file written by `backup`")

    p = command("sync", "push the commands to Discord now (HTTP only), or remove them with --clear")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--guild", type=int, help="this server only (default: DEV_GUILD_ID, else global)")
    scope.add_argument("--global", dest="everywhere", action="store_true", help="global, even if DEV_GUILD_ID is set")
    p.add_argument("--clear", action="store_true", help="remove the commands there instead")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(env_file=getattr(args, "env_file", None))
    except ConfigError as error:
        return fail(str(error), EX_CONFIG)
    database = Path(getattr(args, "database", None) or settings.database_path).expanduser()
    settings = dataclasses.replace(settings, database_path=database)
    # Plain lines (no colour codes) so a log file or journald stays readable.
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("discord.client").addFilter(_one_line_reconnects)
    if args.command != "run" and settings.log_level == "INFO":
        logging.getLogger("discord").setLevel(logging.WARNING)  # a one-off command prints its own result

    # DATABASE_URL (PostgreSQL) wins over DATABASE_PATH, unless --database names a SQLite file.
    location: Path | str = (
        settings.database_url if settings.database_url and not getattr(args, "database", None) else database
    )
    if isinstance(location, Path) and settings.database_url:
        settings = dataclasses.replace(settings, database_url=None)
    try:
        if args.command == "migrate-to":  # from the SQLite file, whatever DATABASE_URL says
            check_database(database, create=False)
            return asyncio.run(_migrate_to(database, args.url))
        if isinstance(location, str):
            if args.command in ("backup", "restore"):
                raise CliError(
                    f"{args.command} works on a SQLite file; for PostgreSQL use pg_dump / pg_restore", EX_CONFIG
                )
        else:
            # restore must be able to replace a damaged database, so only its path is checked.
            check_database(database, create=args.command in CREATES_DATABASE, content=args.command != "restore")
        if args.command == "run":
            return run(settings)
        if args.command == "backup":
            return _backup(database, args)
        if args.command == "restore":
            return _restore(database, args)
        if args.command == "sync":
            return asyncio.run(_sync(settings, args))
        if args.command == "import":
            # Every file is parsed before the database is opened: a bad file creates and changes nothing.
            args.records = read_catalog_files(args.files, title=args.title)
        if args.command == "export" and args.output is not None:
            _check_output(args.output, args.format)
        handlers: dict[str, Callable[[Store, argparse.Namespace], Awaitable[int]]] = {
            "import": _import,
            "export": _export,
            "films": _films,
            "trivia": _trivia,
            "stats": _stats,
            "submissions": _submissions,
            "audit": _audit,
            "reports": _reports,
            "fact": _fact,
        }
        return asyncio.run(_with_store(location, handlers[args.command], args))
    except PostgresUnavailable as error:
        return fail(str(error), EX_UNAVAILABLE)
    except CliError as error:
        return fail(str(error), error.code)
    except SchemaTooNew as error:
        return fail(str(error), EX_CONFIG)
    except TriviaError as error:
        return fail(cli_message(error))


def _check_output(output: Path, suffix: str) -> None:
    """Before the database is opened, so a wrong -o costs nothing."""
    if output.is_dir():
        raise CliError(f"--output {output} is a folder: give a file name, e.g. {output / ('catalog.' + suffix)}")
    if not output.parent.is_dir():
        raise CliError(f"--output {output}: the folder {output.parent} does not exist (mkdir -p it first)")


def fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def cli_message(error: TriviaError) -> str:
    """Domain errors are written for Discord members; at the shell the remedy is a CLI command."""
    if isinstance(error, EmptyCatalog):
        return "The catalog is empty: import pages with `python -m bot import FILE`."
    if isinstance(error, NoFacts | FilmNotFound):
        text = str(error).split(". ")[0].split("? ")[0].replace("**", "")
        if isinstance(error, FilmNotFound) and error.suggestions:
            return str(error).replace("**", "")
        return f"{text}; `python -m bot films` lists the catalog, `python -m bot import FILE` adds to it."
    return str(error).replace("**", "")


def check_database(path: Path, *, create: bool, content: bool = True) -> None:
    """Catches a wrong DATABASE_PATH or --database before SQLite does: SQLite would create folders for a
    typo, or fail with "file is not a database" several lines into a traceback."""
    shown = path.absolute()
    where = "set DATABASE_PATH in .env or pass --database FILE"
    if path.is_dir():
        raise CliError(f"{shown} is a folder, not a database file: {where} (e.g. {shown / 'trivia.db'})", EX_CONFIG)
    for parent in shown.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CliError(f"{shown} is under {parent}, which is a file, not a folder: {where}", EX_CONFIG)
            break
    if not path.exists():
        if create:
            return
        raise CliError(
            f"no database at {shown}: `python -m bot import FILE` or `python -m bot run` creates it, "
            f"`python -m bot restore BACKUP` brings one back; or {where} to use another",
            EX_CONFIG,
        )
    if not content:
        return
    try:
        is_sqlite = backups.looks_like_sqlite(path)
    except OSError as error:
        raise CliError(f"cannot read {shown}: {error.strerror}; {_ownership_hint(path)}", EX_CONFIG) from None
    if not is_sqlite:
        catalog_file = path.suffix.lower() in (".csv", ".json", ".txt")
        hint = " (catalog files are added with `python -m bot import FILE`)" if catalog_file else ""
        raise CliError(f"{shown} is not a SQLite database{hint}: {where}", EX_CONFIG)
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise CliError(f"cannot write {shown} or its folder; {_ownership_hint(path)}", EX_CONFIG)


def _ownership_hint(path: Path) -> str:
    return f"the bot runs as user {_user()}: give it the file and its folder (chown) or fix their permissions"


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # pragma: no cover - not on Linux, or a uid without a name
        return str(os.getuid())


def _one_line_reconnects(record: logging.LogRecord) -> bool:
    """discord.py logs every gateway reconnect with a full traceback; one line per attempt says as much."""
    if record.exc_info and str(record.msg).startswith("Attempting a reconnect"):
        error = record.exc_info[1]
        record.msg = f"lost the connection to Discord ({type(error).__name__}: {error}); reconnecting in %.0f s"
        record.exc_info = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True


async def _with_store(
    database: Path | str, handler: Callable[[Store, argparse.Namespace], Awaitable[int]], args: argparse.Namespace
) -> int:
    store = await open_store(database)
    try:
        return await handler(store, args)
    finally:
        await store.close()


async def _import(store: Store, args: argparse.Namespace) -> int:
    fresh = store.created
    summary = await CatalogRepository(store).import_films(args.records)
    print(f"imported {plural(len(args.files), 'file')}: {summary.describe()}")
    if fresh:
        # A catalog started by `import` gets the bundled data too, as one started by `run` would.
        from bot.app import DATA_DIR

        bundled = await import_bundled(store, DATA_DIR)
        if bundled is not None:
            print(f"new database {_where(store)}: also imported the bundled data/: {bundled.describe()}")
    return 0


async def _export(store: Store, args: argparse.Namespace) -> int:
    output: Path | None = args.output
    films = await CatalogRepository(store).export(guild_id=args.guild)
    text = to_json(films) if args.format == "json" else to_csv(films)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        await asyncio.to_thread(output.write_text, text, encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot write {output}: {error.strerror}") from None
    facts = sum(len(f.facts) for f in films)
    print(f"wrote {plural(len(films), 'film')}, {plural(facts, 'fact')} to {output}")
    return 0


async def _audit(store: Store, args: argparse.Namespace) -> int:
    entries = await ModerationRepository(store).audit_entries(
        args.guild, all_guilds=args.guild is None, limit=max(1, args.limit)
    )
    for entry in entries:
        where = "global" if entry.guild_id is None else f"guild {entry.guild_id}"
        print(f"{where}  {describe_entry(entry)}")
    print(plural(len(entries), "entry", "entries"))
    return 0


def _moderation(store: Store) -> ModerationService:
    trivia = TriviaService(store)
    return ModerationService(store, trivia, SubmissionService(store, trivia))


async def _reports(store: Store, args: argparse.Namespace) -> int:
    reports = await _moderation(store).global_reports()
    for r in reports:
        reasons = "; ".join(f"{x.kind} by {x.member_name}" + (f": {x.details}" if x.details else "") for x in r.reasons)
        print(f"#{r.id}  guild {r.guild_id}  {r.fact.film_label}  fact {r.fact.id}  {reasons}\n    {r.fact.text}")
    print(plural(len(reports), "open report"))
    return 0


async def _fact(store: Store, args: argparse.Namespace) -> int:
    """Owners' changes from the shell; recorded in the log as made by the CLI and this system user."""
    service = _moderation(store)
    actor = Actor(0, f"cli ({_user()})")
    if args.fact_command == "revert":
        reverted = await service.global_revert(args.entry, actor)
        print(f"reverted audit entry #{args.entry}: the fact about {reverted.film_label} has its earlier text again")
        return 0
    fact = (await service.global_numbered(args.film)).at(args.number)
    if args.fact_command == "edit":
        _, entry = await service.global_edit(fact.id, actor, args.text)
        print(f"edited global fact {args.number} of {fact.film_label} (the old text is audit entry #{entry})")
    elif args.fact_command == "delete":
        await service.global_delete(fact.id, actor)
        print(f"deleted global fact {args.number} of {fact.film_label} (its text is kept in `audit`)")
    else:
        await service.global_spoiler(fact.id, actor, not args.off)
        state = "no longer a spoiler" if args.off else "marked as a spoiler"
        print(f"global fact {args.number} of {fact.film_label} is {state}")
    return 0


async def _films(store: Store, args: argparse.Namespace) -> int:
    rows = await CatalogRepository(store).films_with_counts(guild_id=args.guild)
    if not rows:
        print("The catalog is empty: import pages with `python -m bot import FILE`.")
        return 0
    for film, count in rows:
        print(f"{count:6d}  {film.label}")
    print(plural(len(rows), "film"))
    return 0


async def _trivia(store: Store, args: argparse.Namespace) -> int:
    service = TriviaService(store)
    try:
        card = await service.show(
            " ".join(args.title), guild_id=args.guild, channel_id=CLI_CHANNEL_ID, number=args.number
        )
    finally:
        await service.close()  # writes the channel record behind the answer
    print(render_text(card))
    return 0


async def _stats(store: Store, args: argparse.Namespace) -> int:
    stats = await CatalogRepository(store).stats()
    print(f"films:               {stats.films}")
    print(f"facts:               {stats.facts}")
    print(f"  global (imported): {stats.global_facts}")
    print(f"  server-approved:   {stats.guild_facts}")
    print(f"films without facts: {stats.films_without_facts}")
    return 0


async def _submissions(store: Store, args: argparse.Namespace) -> int:
    rows = await SubmissionRepository(store).listing(status=args.status, guild_id=args.guild)
    if not rows:
        print("No submissions match.")
        return 0
    for s in rows:
        decided = f" by {s.reviewer_name}" if s.reviewer_name else ""
        reason = f" ({s.reason})" if s.reason else ""
        text = s.text if len(s.text) <= 80 else s.text[:79] + "…"
        print(
            f"#{s.id:<5} {s.status:<8}{decided}{reason}  guild {s.guild_id}  {s.film_label}  "
            f"from {s.member_name} at {s.created_at:%Y-%m-%d %H:%M}Z: {text}"
        )
    print(plural(len(rows), "submission"))
    return 0


def _backup(database: Path, args: argparse.Namespace) -> int:
    target: Path = args.file
    if target.is_dir():
        target = target / f"{database.stem}-{datetime.now(UTC):%Y%m%d-%H%M%S}.db"
    elif target.exists() and not args.force:
        raise CliError(f"{target} already exists; add --force to overwrite it")
    if not target.parent.is_dir():
        raise CliError(f"cannot write {target}: the folder {target.parent} does not exist (mkdir -p it first)")
    if target.exists() and target.resolve() == database.resolve():
        raise CliError(f"{target} is the database itself; back it up to another file")
    try:
        copied = backups.backup(database, target)
    except OSError as error:
        raise CliError(f"cannot write {target}: {error.strerror or error}") from None
    print(f"backed up {database.absolute()} to {target}: {copied.describe()}")
    return 0


def _restore(database: Path, args: argparse.Namespace) -> int:
    source: Path = args.file
    if not source.is_file():
        raise CliError(f"{source}: no such file (give a file written by `python -m bot backup`)")
    if database.exists() and source.resolve() == database.resolve():
        raise CliError(f"{source} is the database itself; nothing to restore")
    try:
        found = backups.check(source)
    except backups.BackupError as error:
        raise CliError(f"not restored: {error}") from None
    lock = RunLock(database)
    if not lock.acquire():
        raise CliError(
            f"a bot is running on {database.absolute()} (pid {lock.holder}): stop it first "
            "(systemctl stop film-trivia-bot, or Ctrl-C), then restore"
        )
    with lock:
        existed = database.exists()
        backups.restore(source, database)
    kept = f"; the previous database is kept as {database}.before-restore" if existed else ""
    print(f"restored {database.absolute()} from {source}: {found.describe()}{kept}")
    return 0


def run(settings: Settings) -> int:
    try:
        token = settings.require_token()
    except ConfigError as error:
        return fail(str(error), EX_CONFIG)
    database = settings.database_path
    location: Path | str = settings.database_url or database
    lock = RunLock(database) if settings.database_url is None else _SharedStore()
    if not lock.acquire():
        return fail(
            f"another bot (pid {lock.holder}) is already running on {database.absolute()}: stop it, "
            "or give this one its own DATABASE_PATH",
            EX_CONFIG,
        )
    log.info("Film Trivia Bot %s starting", __version__)
    log.info(
        "settings from the environment%s; database %s",
        f" and {settings.env_file}" if settings.env_file else f" only (no .env in {Path.cwd()})",
        redact(settings.database_url) if settings.database_url else database.absolute(),
    )
    if settings.sharded:
        log.info("shards %s of %d in this process", ",".join(map(str, settings.shard_ids or ())), settings.shard_count)
    try:
        # Before connecting: a database a newer release wrote is refused at once, not after Discord answers.
        asyncio.run(_open_and_close(location))
    except SchemaTooNew as error:
        lock.release()
        return fail(str(error), EX_CONFIG)
    except PostgresUnavailable as error:
        return fail(str(error), EX_UNAVAILABLE)
    try:
        asyncio.run(_serve(settings, token))
    except discord.LoginFailure:
        return fail(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized): in the developer portal "
            f"({PORTAL}) open your application → Bot → Reset Token, and put the new token in DISCORD_TOKEN.",
            EX_CONFIG,
        )
    except discord.PrivilegedIntentsRequired:
        return fail(f"Discord closed the connection with 4014, {CLOSE_CODE_ADVICE[4014]}.", EX_CONFIG)
    except discord.ConnectionClosed as error:
        if error.code in CLOSE_CODE_ADVICE:
            return fail(f"Discord closed the connection with {error.code}, {CLOSE_CODE_ADVICE[error.code]}.", EX_CONFIG)
        return fail(f"Discord closed the connection ({error.code}: {error.reason}); restart to reconnect.", EX_TEMPFAIL)
    except SchemaTooNew as error:
        return fail(str(error), EX_CONFIG)
    except (aiohttp.ClientError, OSError, TimeoutError, discord.GatewayNotFound, discord.DiscordServerError) as error:
        return fail(f"lost Discord while starting ({_describe(error)}); restart to try again.", EX_TEMPFAIL)
    finally:
        lock.release()
    return 0


async def _migrate_to(database: Path, url: str) -> int:
    from bot.db.migrate_to import TargetNotEmpty, migrate

    if not is_postgres_url(url):
        raise CliError(f"migrate-to needs a postgresql:// URL, not {url!r}", EX_CONFIG)
    shown = database.absolute()  # noqa: ASYNC240 - no I/O: the path as given, made absolute
    source = await Store.open(database)
    try:
        target = await PostgresStore.open(url)
        try:
            copied = await migrate(source, target)
        except TargetNotEmpty as error:
            raise CliError(str(error), EX_CONFIG) from None
        finally:
            await target.close()
    finally:
        await source.close()
    print(f"copied {shown} to {redact(url)}: {copied.describe()}")
    print("now set DATABASE_URL to that URL (and keep the SQLite file as a backup)")
    return 0


async def _open_and_close(database: Path | str) -> None:
    store = await open_store(database)
    await store.close()


def _where(store: Store | PostgresStore) -> str:
    return str(store.path.absolute()) if isinstance(store.path, Path) else store.path


class _SharedStore:
    """PostgreSQL is shared by design: several processes (shards) run on it, so no single-runner lock."""

    holder = None

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {PROBE_TIMEOUT_SECONDS:g} s"
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve {error.host} ({cause.strerror}); check DNS and the network"
        if cause.errno:
            return os.strerror(cause.errno).lower()
    return str(error) or type(error).__name__


async def wait_for_discord(attempts: int | None = None) -> None:
    """Asks Discord's REST API for the gateway (no token needed) until it answers, waiting longer after
    each failure; one line per attempt. discord.py's own login has no timeout and prints a traceback on
    a DNS failure, so this runs first. With `attempts`, gives up after that many (a one-off command)."""
    url = f"{discord.http.Route.BASE}/gateway"
    delay = FIRST_RETRY_SECONDS
    attempt = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT_SECONDS)) as session:
        while True:
            attempt += 1
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        if attempt > 1:
                            log.info("Discord answers again (attempt %d)", attempt)
                        return
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                problem = _describe(error)
            if attempts is not None and attempt >= attempts:
                raise CliError(f"cannot reach Discord at {url}: {problem}; try again later", EX_UNAVAILABLE)
            log.warning("cannot reach Discord at %s (attempt %d): %s; retrying in %.0f s", url, attempt, problem, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LONGEST_RETRY_SECONDS)


async def _serve(settings: Settings, token: str) -> None:
    """SIGINT and SIGTERM both close the gateway and the database before the process exits, also while
    still waiting for Discord to answer."""
    bot = make_bot(settings)
    loop = asyncio.get_running_loop()
    reachable = loop.create_task(wait_for_discord())
    closing: set[asyncio.Task[None]] = set()

    def stop(name: str) -> None:
        log.info("received %s; shutting down", name)
        reachable.cancel()
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        try:
            await reachable
        except asyncio.CancelledError:
            if reachable.cancelled() and bot.is_closed():
                return  # stopped while waiting for Discord
            raise
        await bot.start(token)
    finally:
        # start() returns as soon as the gateway closes, before close() has closed the database;
        # waiting here keeps asyncio.run from cancelling that half-way.
        await bot.close()


class _SyncOnly(TriviaBot):
    """Logs in over HTTP (no gateway) and syncs only what the `sync` command asks."""

    async def sync_commands_if_changed(self) -> None:
        return


async def _sync(settings: Settings, args: argparse.Namespace) -> int:
    try:
        token = settings.require_token()
    except ConfigError as error:
        raise CliError(str(error), EX_CONFIG) from None
    bot = _SyncOnly(settings)
    try:
        await wait_for_discord(attempts=1)
        try:
            await bot.login(token)
        except discord.LoginFailure:
            raise CliError(
                f"Discord rejected DISCORD_TOKEN (401 Unauthorized): in the developer portal ({PORTAL}) "
                "open your application → Bot → Reset Token, and put the new token in DISCORD_TOKEN.",
                EX_CONFIG,
            ) from None
        guild = None if args.everywhere else args.guild or settings.dev_guild_id
        try:
            if not args.clear and args.guild is None and not args.everywhere:
                await bot.remove_stale_guild_commands(keep=guild)  # the configured scope: as `run` would
            count = await bot.sync_commands(guild, clear=args.clear)
        except discord.HTTPException as error:
            raise CliError(f"Discord refused the sync: {error.status} {error.text or error}", EX_UNAVAILABLE) from None
    finally:
        await bot.close()
    where = f"server {guild}" if guild else "every server (global; can take a while to appear)"
    if args.clear:
        print(f"removed the commands from {where}")
    else:
        print(f"synced {plural(count, 'command')} to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
