"""The systemd units in deploy/ start exactly what `make run` starts, from the paths the README installs to,
and do not restart into a configuration error."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.__main__ import EX_CONFIG
from bot.config import DEFAULT_DATABASE_PATH, PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
INSTALL_DIR = "/opt/film-trivia-bot"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def make_variables() -> dict[str, str]:
    text = (PROJECT_ROOT / "Makefile").read_text()
    return dict(re.findall(r"^([A-Z]+)\s*:=\s*(.+?)\s*$", text, re.M))


def make_run_command() -> str:
    """The `run` recipe with the Makefile's variables expanded: `.venv/bin/python -m bot run`."""
    text = (PROJECT_ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n\t@?(.+)$", text, re.M)
    assert recipe is not None
    command = recipe.group(1)
    variables = make_variables()
    while "$(" in command:
        command = re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], command)
    return command


def test_the_service_runs_what_make_run_runs_from_the_install_dir():
    service = unit("film-trivia-bot.service")["Service"]
    assert make_run_command() == ".venv/bin/python -m bot run"
    assert service["WorkingDirectory"] == INSTALL_DIR
    assert service["ExecStart"] == f"{INSTALL_DIR}/{make_run_command()}"
    assert service["EnvironmentFile"] == f"{INSTALL_DIR}/.env"  # the .env `make run` reads
    relative_db = DEFAULT_DATABASE_PATH.relative_to(PROJECT_ROOT)
    assert service["ReadWritePaths"] == f"{INSTALL_DIR}/{relative_db.parent}"  # var/: database, lock, backups


def test_the_service_restarts_outages_but_not_configuration_errors():
    service = unit("film-trivia-bot.service")["Service"]
    assert service["Restart"] == "on-failure"
    assert str(EX_CONFIG) in service["RestartPreventExitStatus"].split()
    assert service["User"] not in ("", "root")
    assert service["StandardOutput"] == service["StandardError"] == "journal"
    assert unit("film-trivia-bot.service")["Unit"]["StartLimitIntervalSec"] == "0"


def test_the_backup_timer_backs_up_into_var_with_the_same_python():
    backup = unit("film-trivia-backup.service")["Service"]
    bot = unit("film-trivia-bot.service")["Service"]
    for key in ("User", "WorkingDirectory", "EnvironmentFile", "ReadWritePaths"):
        assert backup[key] == bot[key], key
    python = bot["ExecStart"].removesuffix(" -m bot run")
    assert backup["ExecStart"] == f"{python} -m bot backup var/backups"
    assert unit("film-trivia-backup.timer")["Timer"]["Unit"] == "film-trivia-backup.service"
    cron = (DEPLOY / "crontab.example").read_text()
    assert (
        f"cd {INSTALL_DIR} && mkdir -p var/backups && {make_run_command().removesuffix(' run')} backup var/backups"
        in cron
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path: Path):
    """systemd-analyze checks every key and the ExecStart binary; the units point at this checkout for it."""
    for name in ("film-trivia-bot.service", "film-trivia-backup.service", "film-trivia-backup.timer"):
        (tmp_path / name).write_text((DEPLOY / name).read_text().replace(INSTALL_DIR, str(PROJECT_ROOT)))
    if not (PROJECT_ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in this checkout")
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(p) for p in sorted(tmp_path.iterdir()))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
