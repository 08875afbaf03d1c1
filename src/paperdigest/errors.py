"""Located problems: every stage reports what went wrong, where, and how badly."""

from __future__ import annotations

import difflib
import reprlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Characters that would break or fake a line in a terminal or CI log: control characters
# (newline, ANSI escape) and the Unicode line and paragraph separators.
UNPRINTABLE = {"Cc", "Zl", "Zp"}
EXCERPT_CHARS = 80  # the longest value quoted in a message


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 3, EXCERPT_CHARS, EXCERPT_CHARS
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = 6
    return short


SHORT_REPR = _short_repr()


def excerpt(value) -> str:
    """`value` as a message quotes it: its repr, on one line and cut to EXCERPT_CHARS. A few lines
    of YAML aliases expand into a value of any size, and a full repr would be a message of any size."""
    text = SHORT_REPR.repr(value)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def did_you_mean(name: str, known) -> str:
    """': did you mean 'title'?' for a misspelt 'titel', or '' when no known name is close."""
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    return f": did you mean '{close[0]}'?" if close else ""


def printable(text: str) -> str:
    """`text` with every control character written as an escape: a file named
    'x\\n\\x1b[31mfake.md' cannot forge a `file:line: error:` line in a terminal or CI log."""
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in UNPRINTABLE else ch
        for ch in text
    )


@dataclass(frozen=True, order=True)
class Problem:
    """One message about one place in the input (`file:line: level: message`)."""

    path: str
    line: int | None
    level: str  # "error" | "warning" | "note"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return printable(f"{where}: {self.level}: {self.message}")

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "level": self.level, "message": self.message}


class ConfigError(Exception):
    """site.yaml is missing a required value, has an unknown key or a wrong type."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path, self.line, self.message = str(path), line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(printable(f"{where}: error: {message}"))

    def problem(self, root: Path) -> Problem:
        """The error as a located problem, its file named from the site folder as others are."""
        path = Path(self.path)
        inside = path != root and path.is_relative_to(root)  # the folder itself as it was named
        shown = path.relative_to(root).as_posix() if inside else self.path
        return Problem(shown, self.line, "error", self.message)
