"""Reading catalog files from disk: picks the parser by extension and reports problems by file and line."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.db.catalog import CatalogRepository
from bot.db.meta import MetaRepository
from bot.db.store import Store
from bot.trivia.catalog_formats import parse_csv, parse_json
from bot.trivia.errors import ImportFormatError
from bot.trivia.page_format import READER_VERSION, parse_page
from bot.trivia.records import FilmRecord
from bot.trivia.rows import ImportSummary

log = logging.getLogger(__name__)
CATALOG_SUFFIXES = (".json", ".csv", ".txt", ".page")
MAX_FILE_BYTES = 512 * 1024 * 1024


def read_catalog_file(path: Path, *, title: str | None = None) -> list[FilmRecord]:
    """JSON and CSV by extension; anything else is read as a "Making Of" page. `title` names the film of
    a page stored without its title line."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_catalog_bytes(raw, name, path.suffix, title=title)


def parse_catalog_bytes(
    raw: bytes, name: str, suffix: str, *, title: str | None = None, limit: int = MAX_FILE_BYTES
) -> list[FilmRecord]:
    """The same checks for a file on disk and one attached in Discord: size, UTF-8, no NUL, the format
    by extension. One clear error naming the line; nothing is written by this."""
    if len(raw) > limit:
        raise ImportFormatError(name, None, f"the file is larger than {limit // 2**20} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFormatError(name, line, f"not valid UTF-8 (byte {exc.start})") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFormatError(name, line, "the file contains a NUL byte; is it a text file?")
    suffix = suffix.lower()
    if title is not None and suffix in (".json", ".csv"):
        raise ImportFormatError(name, None, "--title names the film of a Making Of page; JSON and CSV carry titles")
    if suffix == ".json":
        return parse_json(text, name)
    if suffix == ".csv":
        return parse_csv(text, name)
    return parse_page(text, name, title=title)


def read_catalog_files(paths: Sequence[Path], *, title: str | None = None) -> list[FilmRecord]:
    """Every file is parsed before anything is written, so one bad file imports nothing at all."""
    if title is not None and len(paths) != 1:
        raise ImportFormatError(", ".join(map(str, paths)), None, "--title names the film of one page: give one file")
    films: list[FilmRecord] = []
    for path in paths:
        films.extend(read_catalog_file(path, title=title))
    return films


async def import_files(catalog: CatalogRepository, paths: Sequence[Path], *, title: str | None = None) -> ImportSummary:
    return await catalog.import_films(read_catalog_files(paths, title=title))


def bundled_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in CATALOG_SUFFIXES)


def fingerprint(paths: Iterable[Path]) -> str:
    """Changes when a bundled file is added or edited (or becomes readable), or when the page reader reads
    pages differently, so an upgrade imports what it ships and corrects what an older reading got wrong."""
    digest = hashlib.sha256(f"page-reader:{READER_VERSION}".encode())
    for path in paths:
        digest.update(path.name.encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as error:
            digest.update(f"unreadable: {error.errno}".encode())
    return digest.hexdigest()


async def import_bundled(store: Store, folder: Path) -> ImportSummary | None:
    """Imports `folder` (data/) into a new database and again whenever its files change; None when there
    was nothing new. Unlike `import`, a bad file here is logged and skipped: the admin dropped it in
    data/, and the bot should still start with the rest."""
    files = bundled_files(folder)
    if not files:
        return None
    meta = MetaRepository(store)
    stamp = fingerprint(files)
    if await meta.get("bundled_data") == stamp:
        return None
    films: list[FilmRecord] = []
    for path in files:
        try:
            films.extend(read_catalog_file(path))
        except ImportFormatError as error:
            log.warning("skipped bundled file %s (fix it and restart to import it)", error)
    summary = await CatalogRepository(store).import_films(films)
    await meta.set("bundled_data", stamp)
    return summary
