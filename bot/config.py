"""Typed settings read once from the environment (and `.env`), so the rest of the code never touches os.environ."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from bot.trivia.ratelimit import parse_rate

# The checkout's var/ folder, wherever the bot is started from (a cron job, a unit without WorkingDirectory).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "trivia.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message tells the admin what to change."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str | None
    database_path: Path = DEFAULT_DATABASE_PATH
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    daily_grace_hours: float = 6.0
    daily_tick_seconds: float = 30.0
    submission_max_pending: int = 5
    submission_cooldown_seconds: float = 60.0
    extra_extensions: tuple[str, ...] = ()
    lookup_rate: tuple[int, float] = (5, 30.0)
    owner_ids: frozenset[int] = frozenset()  # besides the application's owner or team: who runs the global catalog
    env_file: Path | None = None  # the .env file read, if any (logged at start)
    quiz_tick_seconds: float = 1.0
    quiz_cooldown_seconds: float = 60.0
    database_url: str | None = None  # postgresql://...: the shared store for several processes
    shard_count: int | None = None  # None: one unsharded process, as before sharding existed
    shard_ids: tuple[int, ...] | None = None  # the shards this process runs (all of shard_count by default)

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    def owns_guild(self, guild_id: int) -> bool:
        """Discord's rule for which shard carries a guild; an unsharded process owns them all."""
        if self.shard_count is None or self.shard_ids is None:
            return True
        return (guild_id >> 22) % self.shard_count in self.shard_ids

    def require_token(self) -> str:
        """The token is only needed to connect; CLI commands such as `import` work without it."""
        if not self.discord_token:
            raise ConfigError(
                "DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot token there "
                "(README, 'Create the bot and invite it')."
            )
        return self.discord_token


def _optional(values: Mapping[str, str | None], name: str) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _optional_int(values: Mapping[str, str | None], name: str) -> int | None:
    raw = _optional(values, name)
    if raw is None:
        return None
    try:
        number = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number (a Discord id), not {raw!r}.") from None
    if number <= 0:
        raise ConfigError(f"{name} must be a positive Discord id, not {raw!r}.")
    return number


def _positive_float(values: Mapping[str, str | None], name: str, default: float) -> float:
    raw = _optional(values, name)
    if raw is None:
        return default
    try:
        number = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}.") from None
    if not number > 0:
        raise ConfigError(f"{name} must be greater than 0, not {raw!r}.")
    return number


def _rate(values: Mapping[str, str | None], name: str, default: str) -> tuple[int, float]:
    try:
        return parse_rate(_optional(values, name) or default)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}.") from None


def _url(values: Mapping[str, str | None], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = _optional(values, name)
    if raw is None:
        return None
    if not raw.startswith(tuple(f"{scheme}://" for scheme in schemes)):
        raise ConfigError(f"{name} must start with {' or '.join(s + '://' for s in schemes)}, not {raw!r}.")
    return raw.rstrip("/")


def load_settings(
    environ: Mapping[str, str] | None = None,
    dotenv_path: str | os.PathLike[str] | None = ".env",
    *,
    env_file: str | os.PathLike[str] | None = None,
) -> Settings:
    """Real environment variables win over the file, so a deployment can override a checked-in one.

    The file is `--env-file FILE` when given (it must exist), else `.env` in the working directory if there
    is one. A relative DATABASE_PATH written in a file is taken relative to that file's folder, so the
    same file finds the same database from any working directory.
    """
    values: dict[str, str | None] = {}
    read: Path | None = None
    if env_file is not None:
        read = Path(env_file)
        if not read.is_file():
            raise ConfigError(f"--env-file {env_file}: no such file.")
    elif dotenv_path is not None and Path(dotenv_path).is_file():
        read = Path(dotenv_path)
    if read is not None:
        try:
            values.update(dotenv_values(read))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read {read}: {getattr(error, 'strerror', None) or error}.") from None
    from_file = _optional(values, "DATABASE_PATH")
    environment = os.environ if environ is None else environ
    # An empty variable (`DATABASE_PATH=` in a unit's Environment=) does not wipe what the file says.
    values.update({name: value for name, value in environment.items() if value.strip()})

    level = (_optional(values, "LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}.")
    if level not in logging.getLevelNamesMapping():  # pragma: no cover - guards a renamed level
        raise ConfigError(f"unknown LOG_LEVEL {level!r}")

    return Settings(
        discord_token=_optional(values, "DISCORD_TOKEN"),
        database_path=_database_path(values, environment, from_file, read),
        dev_guild_id=_optional_int(values, "DEV_GUILD_ID"),
        log_level=level,
        discord_api_base=_url(values, "DISCORD_API_BASE", ("http", "https")),
        discord_gateway_url=_url(values, "DISCORD_GATEWAY_URL", ("ws", "wss")),
        daily_grace_hours=_positive_float(values, "DAILY_GRACE_HOURS", 6.0),
        daily_tick_seconds=_positive_float(values, "DAILY_TICK_SECONDS", 30.0),
        submission_max_pending=int(_positive_float(values, "SUBMISSION_MAX_PENDING", 5)),
        submission_cooldown_seconds=_positive_float(values, "SUBMISSION_COOLDOWN_SECONDS", 60.0),
        lookup_rate=_rate(values, "LOOKUP_RATE_LIMIT", "5/30"),
        quiz_tick_seconds=_positive_float(values, "QUIZ_TICK_SECONDS", 1.0),
        quiz_cooldown_seconds=_positive_float(values, "QUIZ_COOLDOWN_SECONDS", 60.0),
        extra_extensions=tuple(
            name.strip() for name in (_optional(values, "EXTRA_EXTENSIONS") or "").split(",") if name.strip()
        ),
        owner_ids=_id_list(values, "OWNER_IDS"),
        env_file=read.resolve() if read is not None else None,
        database_url=_url(values, "DATABASE_URL", ("postgresql", "postgres")),
        **_shards(values),
    )


def _shards(values: Mapping[str, str | None]) -> dict[str, object]:
    """SHARD_COUNT alone runs every shard in this process; SHARD_IDS picks some of them (another process
    runs the rest). SHARD_IDS without SHARD_COUNT is refused: the count must agree across processes."""
    raw_count, raw_ids = _optional(values, "SHARD_COUNT"), _optional(values, "SHARD_IDS")
    if raw_count is None:
        if raw_ids is not None:
            raise ConfigError("SHARD_IDS needs SHARD_COUNT too (the total number of shards over all processes).")
        return {}
    try:
        count = int(raw_count)
    except ValueError:
        raise ConfigError(f"SHARD_COUNT must be a whole number, not {raw_count!r}.") from None
    if count < 1:
        raise ConfigError(f"SHARD_COUNT must be 1 or more, not {raw_count!r}.")
    if raw_ids is None:
        return {"shard_count": count, "shard_ids": tuple(range(count))}
    ids: list[int] = []
    for part in raw_ids.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            shard = int(part)
        except ValueError:
            raise ConfigError(f"SHARD_IDS must be numbers separated by commas, not {raw_ids!r}.") from None
        if not 0 <= shard < count:
            raise ConfigError(f"SHARD_IDS: shard {shard} does not exist with SHARD_COUNT={count} (0 to {count - 1}).")
        if shard not in ids:
            ids.append(shard)
    if not ids:
        raise ConfigError("SHARD_IDS is empty: give at least one shard id, or leave it out to run them all.")
    return {"shard_count": count, "shard_ids": tuple(sorted(ids))}


def _id_list(values: Mapping[str, str | None], name: str) -> frozenset[int]:
    """Comma- or space-separated Discord ids."""
    ids = set()
    for raw in (_optional(values, name) or "").replace(",", " ").split():
        if not raw.isdigit() or int(raw) <= 0:
            raise ConfigError(f"{name} must list Discord user ids separated by commas, not {raw!r}.")
        ids.add(int(raw))
    return frozenset(ids)


def _database_path(
    values: Mapping[str, str | None], environment: Mapping[str, str], from_file: str | None, env_file: Path | None
) -> Path:
    raw = _optional(values, "DATABASE_PATH")
    if raw is None:
        return DEFAULT_DATABASE_PATH
    path = Path(raw).expanduser()
    if env_file is not None and _optional(environment, "DATABASE_PATH") is None and raw == from_file:
        return path if path.is_absolute() else env_file.resolve().parent / path
    return path
