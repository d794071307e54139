"""`python -m bot ...`: run the bot, or manage the catalog without Discord."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import discord

from bot.app import TriviaBot
from bot.config import ConfigError, Settings, load_settings
from bot.db.catalog import CatalogRepository
from bot.db.store import Store
from bot.db.submissions import SubmissionRepository
from bot.importing import import_files
from bot.trivia.catalog_formats import to_csv, to_json
from bot.trivia.display import render_text
from bot.trivia.errors import TriviaError
from bot.trivia_service import TriviaService

log = logging.getLogger("bot")
CLI_CHANNEL_ID = 0  # the CLI's own "channel" for the don't-repeat record, apart from every real one


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Film Trivia Bot: run the Discord bot, or manage its catalog from the shell.",
    )
    parser.add_argument("--database", type=Path, help="SQLite file to use (default: DATABASE_PATH or var/trivia.db)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("run", help="connect to Discord and serve commands (needs DISCORD_TOKEN)")

    p = sub.add_parser("import", help="import catalog files: Making Of pages, JSON or CSV")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")

    p = sub.add_parser("export", help="write the catalog as JSON (the import format) or CSV")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    p.add_argument("--guild", type=int, help="also include the facts this server's moderators approved")

    p = sub.add_parser("films", help="list films with their fact counts")
    p.add_argument("--guild", type=int, help="count this server's approved facts too")

    p = sub.add_parser("trivia", help="print a fact as the bot would show it")
    p.add_argument("title", nargs="+", help="film title; typos and 'Title (Year)' are fine")
    p.add_argument("--number", "-n", type=int, help="fact number n instead of a random one")
    p.add_argument("--guild", type=int, help="include this server's approved facts")

    sub.add_parser("stats", help="catalog totals")

    p = sub.add_parser("submissions", help="list members' submissions and their decisions")
    p.add_argument("--status", choices=("pending", "approved", "rejected"))
    p.add_argument("--guild", type=int, help="only this server's")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    database = args.database or settings.database_path
    # Plain lines (no colour codes) so a log file or journald stays readable.
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    if args.command == "run":
        return run(settings)
    handlers: dict[str, Callable[[Store, argparse.Namespace], Awaitable[int]]] = {
        "import": _import,
        "export": _export,
        "films": _films,
        "trivia": _trivia,
        "stats": _stats,
        "submissions": _submissions,
    }
    try:
        return asyncio.run(_with_store(database, handlers[args.command], args))
    except TriviaError as error:
        print(f"error: {str(error).replace('**', '')}", file=sys.stderr)
        return 1


async def _with_store(
    database: Path, handler: Callable[[Store, argparse.Namespace], Awaitable[int]], args: argparse.Namespace
) -> int:
    store = await Store.open(database)
    try:
        return await handler(store, args)
    finally:
        await store.close()


async def _import(store: Store, args: argparse.Namespace) -> int:
    summary = await import_files(CatalogRepository(store), args.files)
    print(f"imported {len(args.files)} file(s): {summary.describe()}")
    return 0


async def _export(store: Store, args: argparse.Namespace) -> int:
    films = await CatalogRepository(store).export(guild_id=args.guild)
    text = to_json(films) if args.format == "json" else to_csv(films)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(films)} films, {sum(len(f.facts) for f in films)} facts to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


async def _films(store: Store, args: argparse.Namespace) -> int:
    rows = await CatalogRepository(store).films_with_counts(guild_id=args.guild)
    if not rows:
        print("The catalog is empty: import pages with `python -m bot import FILE`.")
        return 0
    for film, count in rows:
        print(f"{count:6d}  {film.label}")
    print(f"{len(rows)} films")
    return 0


async def _trivia(store: Store, args: argparse.Namespace) -> int:
    service = TriviaService(store)
    try:
        card = await service.fact_card(
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
    print(f"{len(rows)} submission(s)")
    return 0


def run(settings: Settings) -> int:
    try:
        token = settings.require_token()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(settings, token))
    except discord.LoginFailure:
        print(
            "error: Discord rejected DISCORD_TOKEN; reset the token in the developer portal and update .env.",
            file=sys.stderr,
        )
        return 1
    return 0


async def _serve(settings: Settings, token: str) -> None:
    """SIGINT and SIGTERM both close the gateway and the database before the process exits."""
    bot = TriviaBot(settings)
    loop = asyncio.get_running_loop()

    closing: set[asyncio.Task[None]] = set()

    def stop(name: str) -> None:
        log.info("received %s; shutting down", name)
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        await bot.start(token)
    finally:
        # start() returns as soon as the gateway closes, before close() has closed the database;
        # waiting here keeps asyncio.run from cancelling that half-way.
        await bot.close()


if __name__ == "__main__":
    sys.exit(main())
