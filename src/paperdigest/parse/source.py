"""Finding digest files and reading them into text + front matter, with located problems."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from paperdigest.errors import Problem

DIGEST_SUFFIXES = {".md", ".markdown", ".txt"}
EDITOR_LEFTOVERS = ("~", ".swp", ".swo", ".swx", ".tmp", ".bak", ".orig")
YAML_HANDLER = frontmatter.YAMLHandler()


@dataclass
class SourceText:
    """A digest file decoded: front matter, body and the line where the body starts."""

    path: Path
    rel: str  # path shown in messages, relative to the site root
    metadata: dict
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    problems: list[Problem] = field(default_factory=list)


def discover_digests(digests_dir: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """Digest files under `digests_dir`, sorted; editor leftovers and non-text files are noted."""
    found: list[Path] = []
    notes: list[Problem] = []
    if not digests_dir.is_dir():
        return found, notes
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(digests_dir, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:  # a symlink loop: walk each real folder once
            notes.append(Problem(_rel(Path(dirpath), root), None, "warning", "symlink loop, skipped"))
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or name.endswith(EDITOR_LEFTOVERS):
                notes.append(Problem(_rel(path, root), None, "note", "editor backup or hidden file, ignored"))
            elif path.suffix.lower() in DIGEST_SUFFIXES:
                found.append(path)
    return sorted(found), notes


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def decode(raw: bytes, rel: str) -> tuple[str, list[Problem]]:
    """UTF-8 (BOM tolerated, bad bytes replaced with a warning), newlines normalised to \\n."""
    problems = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(rel, line, "warning", "bytes that are not UTF-8 were replaced"))
        text = raw.decode("utf-8-sig", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problems


def split_front_matter(text: str, rel: str) -> tuple[dict, str, int, list[Problem]]:
    """(metadata, body, body_line, problems); bad front matter is reported and treated as none."""
    if not YAML_HANDLER.detect(text):
        return {}, text, 1, []
    try:
        fm, body = YAML_HANDLER.split(text)
    except ValueError:
        return {}, text, 1, []
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        metadata = yaml.safe_load(fm) if fm.strip() else {}
    except yaml.YAMLError as exc:
        # The construct that failed (e.g. an unclosed '[') is where the user must look.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1  # fm text starts at the end of the opening --- line
        reason = getattr(exc, "problem", None) or "invalid YAML"
        return {}, body, body_line, [Problem(rel, line, "error", f"front matter: {reason}")]
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        kind = type(metadata).__name__
        return {}, body, body_line, [Problem(rel, 2, "error", f"front matter is a {kind}, not a mapping")]
    return {str(k): v for k, v in metadata.items()}, body, body_line, []


def read_source(path: Path, root: Path) -> SourceText:
    rel = _rel(path, root)
    raw = path.read_bytes()
    text, problems = decode(raw, rel)
    metadata, body, body_line, fm_problems = split_front_matter(text, rel)
    return SourceText(path, rel, metadata, body, body_line, problems + fm_problems)
