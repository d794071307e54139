from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_PATH, ConfigError, load_settings


def test_defaults_and_missing_token(tmp_path: Path):
    settings = load_settings({}, dotenv_path=tmp_path / "none")
    assert settings.database_path == DEFAULT_DATABASE_PATH
    assert settings.log_level == "INFO"
    with pytest.raises(ConfigError, match=r"DISCORD_TOKEN is not set: copy \.env\.example to \.env"):
        settings.require_token()


def test_environment_wins_over_dotenv(tmp_path: Path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DISCORD_TOKEN=from-file\nDEV_GUILD_ID=123\nLOG_LEVEL=debug\n")
    settings = load_settings({"DISCORD_TOKEN": "from-env"}, dotenv_path=dotenv)
    assert settings.require_token() == "from-env"
    assert settings.dev_guild_id == 123
    assert settings.log_level == "DEBUG"


def test_endpoints_are_read_and_checked(tmp_path: Path):
    settings = load_settings(
        {"DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/", "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway"},
        dotenv_path=None,
    )
    assert settings.discord_api_base == "http://127.0.0.1:9/api/v10"
    assert settings.discord_gateway_url == "ws://127.0.0.1:9/gateway"
    with pytest.raises(ConfigError, match="DISCORD_GATEWAY_URL must start with ws:// or wss://"):
        load_settings({"DISCORD_GATEWAY_URL": "http://x"}, dotenv_path=None)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID must be a number"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"LOOKUP_RATE_LIMIT": "lots"}, "LOOKUP_RATE_LIMIT: a rate is written USES/SECONDS"),
        ({"DAILY_GRACE_HOURS": "-1"}, "DAILY_GRACE_HOURS must be greater than 0"),
    ],
)
def test_malformed_settings_are_named(env: dict[str, str], problem: str):
    with pytest.raises(ConfigError, match=problem):
        load_settings(env, dotenv_path=None)


def test_empty_token_counts_as_missing():
    with pytest.raises(ConfigError):
        load_settings({"DISCORD_TOKEN": "   "}, dotenv_path=None).require_token()
