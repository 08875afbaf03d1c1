"""Located problems: every stage reports what went wrong, where, and how badly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One message about one place in the input (`file:line: level: message`)."""

    path: str
    line: int | None
    level: str  # "error" | "warning" | "note"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "level": self.level, "message": self.message}


class ConfigError(Exception):
    """site.yaml is missing a required value, has an unknown key or a wrong type."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path, self.line = str(path), line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: error: {message}")


class DigestError(Exception):
    """A digest cannot be turned into a page at all."""

    def __init__(self, path: str, line: int | None, message: str):
        self.problem = Problem(path, line, "error", message)
        super().__init__(str(self.problem))
