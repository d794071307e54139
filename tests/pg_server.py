"""A throwaway PostgreSQL server for tests, from the machine's own binaries: a temp data dir, a unix socket
in a temp dir, no TCP, fsync off. It starts in about a second; each test gets a fresh schema in it.

initdb refuses to run as root, so under root the server runs as the `postgres` system user."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL binaries (initdb, pg_ctl) not found: install them (apt-get install postgresql) to run the "
    "store tests on PostgreSQL too (or set PG_BIN to their folder)"
)
_schemas = itertools.count(1)


def find_bin_dir() -> Path | None:
    """PG_BIN if set, else initdb on PATH, else Debian's versioned folder (/usr/lib/postgresql/<version>/bin)."""
    if os.environ.get("PG_BIN"):
        folder = Path(os.environ["PG_BIN"])
        return folder if (folder / "initdb").is_file() else None
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    run_as: str | None

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str = "postgres", **settings: str) -> str:
        query = "&".join([f"host={self.socket_dir}", "user=postgres", *(f"{k}={v}" for k, v in settings.items())])
        return f"postgresql:///{database}?{query}"

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin") or "runuser"
        return [runuser, "-u", self.run_as, "--", *command] if self.run_as else command

    def start(self) -> None:
        data = self.root / "data"
        subprocess.run(
            self._cmd("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                      "--no-instructions"),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB"
        )
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "30",
                      "start"),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"),
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PgServer:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="trivia-pg-"))
    run_as = "postgres" if os.geteuid() == 0 else None
    (root / "sock").mkdir()
    if run_as:
        shutil.chown(root, run_as)
        shutil.chown(root / "sock", run_as)
    server = PgServer(bin_dir, root, run_as)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def fresh_schema_name() -> str:
    return f"t{os.getpid()}_{next(_schemas)}"
