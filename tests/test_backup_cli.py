"""backup and restore from the shell: refusals are one line and change nothing; a restore is whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.db.store import available_migrations
from tests.conftest import SEED_PAGE
from tests.test_cli import cli


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A database made the way an admin makes one: `import` (which also brings the bundled data/)."""
    assert cli(tmp_path, "import", str(SEED_PAGE)).returncode == 0
    return tmp_path / "cli.db"


def test_backup_to_a_folder_gets_a_dated_name_and_a_missing_folder_is_refused(tmp_path: Path, catalog: Path):
    (tmp_path / "backups").mkdir()
    done = cli(tmp_path, "backup", "backups")
    assert done.returncode == 0, done.stderr
    [written] = (tmp_path / "backups").iterdir()
    assert written.name.startswith("cli-")
    assert written.suffix == ".db"

    missing = cli(tmp_path, "backup", "nowhere/copy.db")
    assert missing.returncode == 1
    assert missing.stderr == (
        "error: cannot write nowhere/copy.db: the folder nowhere does not exist (mkdir -p it first)\n"
    )
    assert not (tmp_path / "nowhere").exists()


def test_backup_never_creates_a_database(tmp_path: Path):
    result = cli(tmp_path, "backup", "copy.db")
    assert result.returncode == 78
    assert result.stderr.startswith(f"error: no database at {tmp_path / 'cli.db'}: `python -m bot import FILE`")
    assert not (tmp_path / "cli.db").exists()
    assert not (tmp_path / "copy.db").exists()


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096 + 100, len(data), 97):  # every page after the first: schema intact, tables not
        data[offset] = 0xA5
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_text("title,year\nMask,1985\n"), "is not a SQLite database"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(), "not a Film Trivia Bot"),
        ("newer", "has schema version 9999, newer than this release knows"),
        ("corrupt", "is damaged"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_sound_backup(tmp_path: Path, catalog: Path, make, problem: str):
    candidate = tmp_path / "candidate.db"
    if make == "newer" or make == "corrupt":
        assert cli(tmp_path, "backup", str(candidate)).returncode == 0
        if make == "newer":
            with sqlite3.connect(candidate) as db:
                db.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
        else:
            _corrupt(candidate)
    else:
        make(candidate)
    before = catalog.read_bytes()

    result = cli(tmp_path, "restore", str(candidate))

    assert result.returncode == 1
    assert result.stderr.startswith("error: not restored: ")
    assert problem in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert catalog.read_bytes() == before


def test_restore_swaps_in_the_backup_and_drops_the_old_wal(tmp_path: Path, catalog: Path):
    assert cli(tmp_path, "backup", "saved.db").returncode == 0
    db = sqlite3.connect(catalog)  # changes after the backup, which the restore must undo
    with db:
        db.execute("DELETE FROM facts")
    db.close()
    Path(f"{catalog}-wal").write_bytes(b"\x00" * 4096)  # a stale WAL of the old file: must not be replayed
    Path(f"{catalog}-shm").write_bytes(b"\x00" * 4096)

    result = cli(tmp_path, "restore", "saved.db")

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"restored {catalog} from saved.db: 1 film, 6 facts, 0 submissions, 0 schedules; "
        f"the previous database is kept as {catalog}.before-restore\n"
    )
    assert not Path(f"{catalog}-wal").exists()
    assert "facts:               6" in cli(tmp_path, "stats").stdout
    with sqlite3.connect(f"{catalog}.before-restore") as old:
        assert old.execute("SELECT count(*) FROM facts").fetchone()[0] == 0


def test_restore_creates_a_missing_database(tmp_path: Path, catalog: Path):
    assert cli(tmp_path, "backup", "saved.db").returncode == 0
    target = tmp_path / "new" / "place.db"
    result = cli(tmp_path, "restore", "saved.db", "--database", str(target))
    assert result.returncode == 0, result.stderr
    assert "films:               1" in cli(tmp_path, "--database", str(target), "stats").stdout


NEWEST = available_migrations()[-1][0]


def test_a_database_from_a_newer_release_is_refused_in_one_line(tmp_path: Path, catalog: Path):
    with sqlite3.connect(catalog) as db:
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
    for command in (["stats"], ["run"]):
        result = cli(tmp_path, *command, env={"DISCORD_TOKEN": "x", "DISCORD_API_BASE": "http://127.0.0.1:9/api"})
        assert result.returncode == 78, result.stderr
        assert result.stderr.strip().splitlines()[-1] == (
            f"error: {catalog} has schema version 9999 but this release knows only up to {NEWEST}: a newer release of "
            "Film Trivia Bot wrote it; install that release (git pull) or restore a backup"
        )
        assert "Traceback" not in result.stderr
