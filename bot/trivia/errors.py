"""Domain errors carry a message written for the member who caused them; the bot shows it ephemerally."""

from __future__ import annotations


class TriviaError(Exception):
    """A refusal the user can act on. `str(error)` is safe to show in Discord."""


class FilmNotFound(TriviaError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        shown = query if len(query) <= 60 else query[:59] + "…"
        if suggestions:
            listed = ", ".join(f"**{s}**" for s in suggestions)
            message = f"No film called “{shown}” in the catalog. Did you mean {listed}?"
        else:
            message = (
                f"No film called “{shown}” in the catalog. Try the suggestions that appear as you type, "
                "or submit a fact for it with /trivia-submit."
            )
        super().__init__(message)


class AmbiguousFilm(TriviaError):
    def __init__(self, query: str, choices: list[str]) -> None:
        self.choices = choices
        shown = ", ".join(f"**{c}**" for c in choices[:10]) + (
            f" and {len(choices) - 10} more" if len(choices) > 10 else ""
        )
        super().__init__(f"Several films match “{query[:60]}”: {shown}. Add the year, for example “Title (1985)”.")


class NoFacts(TriviaError):
    def __init__(self, film_label: str) -> None:
        super().__init__(f"No facts yet for **{film_label}**. Submit one with /trivia-submit.")


class FactNumberOutOfRange(TriviaError):
    def __init__(self, film_label: str, number: int, total: int) -> None:
        self.number = number
        self.total = total
        noun = "fact" if total == 1 else "facts"
        super().__init__(
            f"**{film_label}** has {total} {noun}; pick a number from 1 to {total} (you asked for {number})."
        )


class EmptyCatalog(TriviaError):
    def __init__(self) -> None:
        super().__init__(
            "The catalog is empty. An admin can import pages with `python -m bot import FILE`, "
            "or members can submit facts with /trivia-submit."
        )


class InvalidQuery(TriviaError):
    """A title query that cannot name any film (empty, or far longer than any title)."""


class ImportFormatError(TriviaError):
    """A file that is not in a format we read; names the file and line so the admin can fix it."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


class MissingPageTitle(ImportFormatError):
    """A "Making Of" page stored without its title line (some start at the picture caption): the reader
    cannot guess the film, so the admin names it."""

    def __init__(self, source: str, line: int | None) -> None:
        super().__init__(
            source,
            line,
            "the page has no '<Title> Behind The Scenes' line before its intro; name the film with"
            ' --title "Title" (one page at a time)',
        )


MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer; a custom_id can carry any 19 digits


def check_row_id(value: int, what: str) -> int:
    """Ids from custom_ids come from whoever built the payload: one past SQLite's range names nothing."""
    if not 0 < value <= MAX_ROW_ID:
        raise TriviaError(f"That button refers to no {what}.")
    return value


class NoSuchSubmission(TriviaError):
    def __init__(self, submission_id: int) -> None:
        super().__init__(f"There is no submission #{submission_id} in this server.")


class StoreBusy(TriviaError):
    """The store gave up waiting for another process's write lock (a large CLI import): nothing was
    done, and the member is asked to try again rather than shown an apology."""


class ModerationRefused(TriviaError):
    """A moderation step that cannot be taken; nothing was changed."""
