"""Operator mistakes at the shell: each ends in one line that says what to do, never a traceback, and
changes nothing on disk. Exit 78 (EX_CONFIG) is a configuration systemd must not restart into."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import SEED_PAGE
from tests.test_cli import cli

EX_CONFIG = 78


def one_line(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    assert cli(tmp_path, "import", str(SEED_PAGE)).returncode == 0
    return tmp_path / "cli.db"


@pytest.mark.parametrize("command", [["films"], ["stats"], ["run"]])
def test_database_pointing_at_a_folder(tmp_path: Path, command: list[str]):
    (tmp_path / "var").mkdir()
    result = cli(tmp_path, *command, "--database", "var", env={"DISCORD_TOKEN": "x"})
    assert result.returncode == EX_CONFIG
    assert one_line(result) == (
        f"error: {tmp_path / 'var'} is a folder, not a database file: set DATABASE_PATH in .env or pass "
        f"--database FILE (e.g. {tmp_path / 'var' / 'trivia.db'})"
    )


def test_database_pointing_at_a_csv_or_under_a_file(tmp_path: Path):
    (tmp_path / "films.csv").write_text("title,year\nMask,1985\n")
    csv = cli(tmp_path, "--database", "films.csv", "import", str(SEED_PAGE))
    assert csv.returncode == EX_CONFIG
    assert one_line(csv).startswith(
        f"error: {tmp_path / 'films.csv'} is not a SQLite database (catalog files are added with `python -m bot import"
    )
    assert (tmp_path / "films.csv").read_text() == "title,year\nMask,1985\n"

    under = cli(tmp_path, "import", str(SEED_PAGE), "--database", "films.csv/trivia.db")
    assert under.returncode == EX_CONFIG
    assert one_line(under).startswith(
        f"error: {tmp_path / 'films.csv' / 'trivia.db'} is under {tmp_path / 'films.csv'}, which is a file, not a folder"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file; the check cannot fail as root")
def test_unreadable_database(tmp_path: Path, imported: Path):
    imported.chmod(0)
    try:
        result = cli(tmp_path, "stats")
    finally:
        imported.chmod(0o644)
    assert result.returncode == EX_CONFIG
    assert one_line(result).startswith(f"error: cannot read {imported}: Permission denied; the bot runs as user")


@pytest.mark.parametrize("command", [["films"], ["stats"], ["export"], ["trivia", "mask"], ["submissions"]])
def test_commands_that_read_never_create_a_database(tmp_path: Path, command: list[str]):
    result = cli(tmp_path, *command, "--database", "typo/trivia.db")
    assert result.returncode == EX_CONFIG
    assert one_line(result).startswith(
        f"error: no database at {tmp_path / 'typo' / 'trivia.db'}: `python -m bot import FILE` or `python -m bot run` "
        "creates it"
    )
    assert not (tmp_path / "typo").exists()


def test_import_into_a_new_database_brings_the_bundled_data_too(tmp_path: Path):
    page = tmp_path / "other.json"
    page.write_text('{"films": [{"title": "Heat", "year": 1995, "facts": [{"text": "Shot on location in LA."}]}]}')
    result = cli(tmp_path, "import", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("imported 1 file: films: 1 added")
    assert [line.split()[-2:] for line in cli(tmp_path, "films").stdout.splitlines()[:2]] == [
        ["Heat", "(1995)"],
        ["Mask", "(1985)"],
    ]


def test_export_to_a_folder_or_a_missing_folder(tmp_path: Path, imported: Path):
    (tmp_path / "out").mkdir()
    folder = cli(tmp_path, "export", "-o", "out")
    assert folder.returncode == 1
    assert one_line(folder) == "error: --output out is a folder: give a file name, e.g. out/catalog.json"

    missing = cli(tmp_path, "export", "--format", "csv", "-o", "nowhere/catalog.csv")
    assert missing.returncode == 1
    assert one_line(missing) == (
        "error: --output nowhere/catalog.csv: the folder nowhere does not exist (mkdir -p it first)"
    )
    assert list((tmp_path / "out").iterdir()) == []

    written = cli(tmp_path, "export", "-o", "out/catalog.json")
    assert written.stdout == "wrote 1 film, 6 facts to out/catalog.json\n"


def test_database_and_env_file_are_accepted_anywhere(tmp_path: Path, imported: Path):
    before = cli(tmp_path, "--database", str(imported), "films", env={"DATABASE_PATH": ""})
    after = cli(tmp_path, "films", "--database", str(imported), env={"DATABASE_PATH": ""})
    assert before.stdout == after.stdout == "     6  Mask (1985)\n1 film\n"

    settings = tmp_path / "elsewhere" / "bot.env"
    settings.parent.mkdir()
    settings.write_text("DATABASE_PATH=../cli.db\n")  # relative to the file's folder, not the working directory
    other_cwd = tmp_path / "cwd"
    other_cwd.mkdir()
    via_file = cli(other_cwd, "stats", "--env-file", str(settings), env={"DATABASE_PATH": ""})
    assert "films:               1" in via_file.stdout, via_file.stderr

    missing = cli(tmp_path, "stats", "--env-file", "nope.env")
    assert missing.returncode == EX_CONFIG
    assert one_line(missing) == "error: --env-file nope.env: no such file."


def test_version(tmp_path: Path):
    from bot import __version__

    result = cli(tmp_path, "--version")
    assert result.stdout == f"Film Trivia Bot {__version__}\n"
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert f'version = "{__version__}"' in pyproject


def test_a_gateway_reconnect_is_logged_in_one_line():
    """discord.py logs each reconnect with logger.exception; the CLI's filter keeps the cause, not the stack."""
    import logging
    import sys

    from bot.__main__ import _one_line_reconnects

    try:
        raise OSError(104, "Connection reset by peer")
    except OSError:
        record = logging.LogRecord(
            "discord.client", logging.ERROR, "", 0, "Attempting a reconnect in %.2fs", (4.2,), sys.exc_info()
        )
    assert _one_line_reconnects(record)
    assert record.exc_info is None
    assert record.levelname == "WARNING"
    assert record.getMessage() == (
        "lost the connection to Discord (ConnectionResetError: [Errno 104] Connection reset by peer); reconnecting in 4 s"
    )


def test_the_license_file_matches_pyproject():
    root = Path(__file__).resolve().parent.parent
    assert 'license = "MIT"' in (root / "pyproject.toml").read_text()
    assert (root / "LICENSE").read_text().startswith("MIT License\n")
