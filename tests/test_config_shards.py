"""DATABASE_URL, SHARD_COUNT and SHARD_IDS: what an admin writes and what the bot makes of it."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_neither_set_is_one_unsharded_sqlite_process():
    settings = load_settings({}, dotenv_path=None)
    assert settings.database_url is None
    assert (settings.shard_count, settings.shard_ids, settings.sharded) == (None, None, False)
    assert settings.owns_guild(123 << 22)


def test_database_url_selects_postgres():
    settings = load_settings({"DATABASE_URL": "postgresql://trivia@localhost/trivia"}, dotenv_path=None)
    assert settings.database_url == "postgresql://trivia@localhost/trivia"
    with pytest.raises(ConfigError, match="DATABASE_URL must start with postgresql://"):
        load_settings({"DATABASE_URL": "mysql://x"}, dotenv_path=None)


def test_shard_count_alone_runs_every_shard_here():
    settings = load_settings({"SHARD_COUNT": "4"}, dotenv_path=None)
    assert settings.shard_ids == (0, 1, 2, 3)
    assert all(settings.owns_guild(shard << 22) for shard in range(4))


def test_shard_ids_pick_this_process_guilds():
    settings = load_settings({"SHARD_COUNT": "2", "SHARD_IDS": " 1 ,1"}, dotenv_path=None)
    assert settings.shard_ids == (1,)
    assert settings.owns_guild((1 << 22) | 5)
    assert not settings.owns_guild(2 << 22)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT must be a whole number"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be 1 or more"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, r"shard 2 does not exist with SHARD_COUNT=2 \(0 to 1\)"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "a,b"}, "SHARD_IDS must be numbers"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": ","}, "SHARD_IDS is empty"),
    ],
)
def test_bad_shard_settings_are_refused_clearly(env, problem):
    with pytest.raises(ConfigError, match=problem):
        load_settings(env, dotenv_path=None)
