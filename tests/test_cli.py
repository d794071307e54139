"""The CLI as an admin runs it: a real process, a real database file, nothing mocked."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEED_PAGE


def cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    base.update({"DATABASE_PATH": str(tmp_path / "cli.db"), "PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=base, capture_output=True, text=True, timeout=60
    )


def test_run_without_a_token_says_what_to_do_in_one_line(tmp_path: Path):
    result = cli(tmp_path, "run", env={"DISCORD_TOKEN": ""})
    assert result.returncode == 78  # EX_CONFIG: systemd does not restart (RestartPreventExitStatus)
    assert result.stderr.strip().splitlines() == [
        "error: DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot token there "
        "(README, 'Create the bot and invite it')."
    ]
    assert "Traceback" not in result.stderr


def test_import_films_trivia_export_stats(tmp_path: Path):
    imported = cli(tmp_path, "import", str(SEED_PAGE))
    assert imported.returncode == 0, imported.stderr
    assert "films: 1 added" in imported.stdout
    assert "facts: 6 added, 0 skipped" in imported.stdout
    again = cli(tmp_path, "import", str(SEED_PAGE))
    assert "facts: 0 added, 6 skipped" in again.stdout

    assert cli(tmp_path, "films").stdout.splitlines()[0].split() == ["6", "Mask", "(1985)"]

    trivia = cli(tmp_path, "trivia", "maks", "--number", "2")
    assert trivia.stdout.splitlines() == [
        "Mask (1985)",
        "[Behind The Scenes] Rob Lowe was nearly cast as Rocky Dennis.",
        "Contributed by Dominic",
        "fact 2 of 6",
    ]

    exported = json.loads(cli(tmp_path, "export").stdout)
    assert len(exported["films"][0]["facts"]) == 6
    csv_out = cli(tmp_path, "export", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "title,year,genre,cast,section,text,credit,source"
    assert "facts:               6" in cli(tmp_path, "stats").stdout


def test_errors_are_one_line_and_change_nothing(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"films": [{"title": ""}]}')
    result = cli(tmp_path, "import", str(SEED_PAGE), str(bad))
    assert result.returncode == 1
    assert f"error: {bad}: films[0]: a title must be a non-empty string" in result.stderr
    assert not (tmp_path / "cli.db").exists()  # every file is checked before the database is even created
    cli(tmp_path, "import", str(SEED_PAGE))

    unknown = cli(tmp_path, "trivia", "zzzz")
    assert unknown.returncode == 1
    assert unknown.stderr == (
        "error: No film called “zzzz” in the catalog; `python -m bot films` lists the catalog, "
        "`python -m bot import FILE` adds to it.\n"
    )


def test_submissions_listing(tmp_path: Path):
    cli(tmp_path, "import", str(SEED_PAGE))
    assert cli(tmp_path, "submissions").stdout.strip() == "No submissions match."
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute(
            "INSERT INTO submissions (guild_id, member_id, member_name, film_id, text, created_at, status, reviewer_name,"
            " reason) VALUES (7, 8, 'Fan', 1, 'A fact long enough to be one.', 0, 'rejected', 'Mod', 'dup')"
        )
    listed = cli(tmp_path, "submissions", "--status", "rejected", "--guild", "7").stdout.splitlines()
    assert listed[0].startswith("#1     rejected by Mod (dup)  guild 7  Mask (1985)  from Fan at 1970-01-01 00:00Z")
    assert cli(tmp_path, "submissions", "--status", "pending").stdout.strip() == "No submissions match."


def test_a_page_without_its_title_line_is_refused_in_one_line_then_imported_with_title(tmp_path: Path):
    page = tmp_path / "making_mask.txt"
    page.write_text(
        "...and his mother Rusty\nGo behind the scenes and learn what went on during the making of the 1985 Drama"
        " movie starring Cher et al.\nContributed by: Dominic\nRob Lowe was nearly cast as Rocky Dennis.\n",
        encoding="utf-8",
    )
    refused = cli(tmp_path, "import", str(page))
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    (line,) = [text for text in refused.stderr.splitlines() if "error" in text.lower()]
    assert line.startswith(f"error: {page}:1: the page has no '<Title> Behind The Scenes' line")
    assert '--title "Title"' in line

    imported = cli(tmp_path, "import", str(page), "--title", "Mask")
    assert imported.returncode == 0, imported.stderr
    assert "facts: 1 added" in imported.stdout
    assert cli(tmp_path, "trivia", "Mask", "--number", "1").stdout.splitlines()[1:3] == [
        "[Behind The Scenes] Rob Lowe was nearly cast as Rocky Dennis.",
        "Contributed by Dominic",
    ]
    two = cli(tmp_path, "import", str(page), str(page), "--title", "Mask")
    assert two.returncode == 1
    assert "give one file" in two.stderr
