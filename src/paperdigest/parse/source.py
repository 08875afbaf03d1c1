"""Finding digest files and reading them into text + front matter, with located problems."""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from paperdigest.boundary import (
    boundary_of,
    leaves,
    link_problem,
    message_path,
    name_problem,
    shown_path,
    utf8_name,
)
from paperdigest.errors import Problem
from paperdigest.parse.front_matter import text_resolvers

DIGEST_SUFFIXES = {".md", ".markdown", ".txt"}
EDITOR_LEFTOVERS = ("~", ".swp", ".swo", ".swx", ".tmp", ".bak", ".orig")
YAML_HANDLER = frontmatter.YAMLHandler()
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
# UTF-32's little-endian mark starts with UTF-16's: it is looked for first.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WIDE_BOMS = tuple(bom for bom, _ in BOMS)
TOP_LEVEL_KEY = re.compile(r"^([^\s#:][^:]*?)\s*:", re.MULTILINE)


class LenientLoader(YAML_LOADER):
    """Safe YAML where values are text as written, but true/false and null (see text_resolvers),
    and a date tagged `!!timestamp` that is impossible (2023-13-45) stays a string for a warning."""

    yaml_implicit_resolvers = text_resolvers(YAML_LOADER)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


LenientLoader.add_constructor("tag:yaml.org,2002:timestamp", LenientLoader.construct_yaml_timestamp)


@dataclass
class SourceText:
    """A digest file decoded: front matter, body and the line where the body starts."""

    path: Path
    rel: str  # path shown in messages, relative to the site root
    metadata: dict
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    problems: list[Problem] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> its line, for messages


@dataclass(frozen=True)
class Discovered:
    """The digest files under the digests folder, sorted, and the notes of the walk. `refused`
    holds the files among them that are not read (a link out of the site, a FIFO), each with its
    error: such a file fails as a digest with an error does, and its last good version stays."""

    paths: list[Path]
    notes: list[Problem]
    refused: dict[Path, Problem] = field(default_factory=dict)


def discover_digests(digests_dir: Path, root: Path) -> Discovered:
    """Digest files under `digests_dir`; editor leftovers and other suffixes are noted, and a file
    or folder that links outside the site is refused with an error (see paperdigest.boundary)."""
    found: list[str] = []
    notes: list[Problem] = []
    refused: dict[Path, Problem] = {}
    if not digests_dir.is_dir():
        return Discovered([], notes)
    boundary = boundary_of(digests_dir, root)
    if leaves(digests_dir, boundary):  # `digests` itself links out, and site.yaml does not name it
        return Discovered([], [link_problem(digests_dir, root)])
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(digests_dir, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:  # a symlink loop: walk each real folder once
            notes.append(Problem(shown_path(Path(dirpath), root), None, "warning", "symlink loop, skipped"))
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = inside_folders(Path(dirpath), dirnames, boundary, root, notes)
        for name in sorted(filenames):
            # Strings, not Paths, until a file is kept or reported: 10,000 files at every build.
            path = os.path.join(dirpath, name)
            if name.startswith(".") or name.endswith(EDITOR_LEFTOVERS):
                notes.append(ignored(path, root, "note", "editor backup or hidden file"))
            elif os.path.splitext(name)[1].lower() not in DIGEST_SUFFIXES:
                notes.append(ignored(path, root, "note", "not a digest file"))
            elif not utf8_name(name):  # an error, and no digest: its name can be no record's key
                notes.append(name_problem(path, root))
            else:  # binary files are told apart where they are read (looks_binary)
                found.append(path)
                # A link to a file in a folder inside stays inside.
                if os.path.islink(path) and leaves(Path(path), boundary):
                    refused[Path(path)] = link_problem(Path(path), root)
                elif not regular_or_missing(path):  # a FIFO or device would block the build
                    refused[Path(path)] = Problem(shown_path(path, root), None, "error", "not a regular file")
    return Discovered(sorted(map(Path, found)), notes, refused)


def ignored(path: str, root: Path, level: str, why: str) -> Problem:
    return Problem(message_path(path, root), None, level, f"{why}, ignored")


def inside_folders(
    parent: Path, names: list[str], boundary: Path, root: Path, notes: list[Problem]
) -> list[str]:
    """The sub-folders to walk, sorted: hidden and `_` folders are skipped, a folder that links
    outside the site is refused."""
    kept = []
    for name in sorted(names):
        if skipped_folder(name):
            continue
        if not utf8_name(name):
            notes.append(name_problem(parent / name, root))
        elif leaves(parent / name, boundary):
            notes.append(link_problem(parent / name, root))
        else:
            kept.append(name)
    return kept


def skipped_folder(name: str) -> bool:
    """A folder finding digests never walks into: a hidden one, or a `_` one (the site's _site/)."""
    return name.startswith((".", "_"))


def regular_or_missing(path: Path | str) -> bool:
    """A regular file, or nothing there (a dangling link: reading it reports why)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


BINARY_HEAD = 8192  # bytes looked at by looks_binary


def looks_binary(raw: bytes) -> bool:
    """NUL bytes near the start: an image or archive with a text suffix, not a digest (UTF-16 and
    UTF-32 text, full of NUL bytes, starts with its byte-order mark)."""
    head = raw[:BINARY_HEAD]
    return b"\x00" in head and not head.startswith(WIDE_BOMS)


def encoding_of(raw: bytes) -> str:
    """UTF-16 or UTF-32 when the text starts with their byte-order mark, else UTF-8."""
    return next((name for bom, name in BOMS if raw.startswith(bom)), "utf-8-sig")


def decode(raw: bytes, rel: str) -> tuple[str, list[Problem]]:
    """UTF-8 (BOM tolerated), or UTF-16/UTF-32 with a BOM; bad bytes replaced with a warning;
    newlines normalised to \\n."""
    problems = []
    encoding = encoding_of(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        name = {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
        problems.append(Problem(rel, line, "warning", f"bytes that are not {name} were replaced"))
        text = raw.decode(encoding, errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problems


def split_front_matter(text: str, rel: str) -> tuple[dict, str, int, list[Problem]]:
    """(metadata, body, body_line, problems); bad front matter is reported and treated as none."""
    if not YAML_HANDLER.detect(text):
        return {}, text, 1, []
    try:
        fm, body = YAML_HANDLER.split(text)
    except ValueError:  # no closing --- line
        if not opens_front_matter(text):
            return {}, text, 1, []  # a thematic break at the top of the Markdown, not front matter
        message = "front matter: the --- on line 1 is never closed (no --- line after the keys)"
        return {}, text, 1, [Problem(rel, 1, "error", message)]
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        metadata = yaml.load(fm, Loader=LenientLoader) if fm.strip() else {}
    except yaml.YAMLError as exc:
        # The construct that failed (e.g. an unclosed '[') is where the user must look.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1  # fm text starts at the end of the opening --- line
        reason = getattr(exc, "problem", None) or "invalid YAML"
        return {}, body, body_line, [Problem(rel, line, "error", f"front matter: {reason}")]
    except Exception as exc:  # e.g. RecursionError on absurdly nested flow collections
        return {}, body, body_line, [Problem(rel, 2, "error", f"front matter: {type(exc).__name__}")]
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        kind = type(metadata).__name__
        return {}, body, body_line, [Problem(rel, 2, "error", f"front matter is a {kind}, not a mapping")]
    return {str(k): v for k, v in metadata.items()}, body, body_line, []


def opens_front_matter(text: str) -> bool:
    """The line after the opening --- is a `key:` line: front matter, not a horizontal rule."""
    lines = text.split("\n", 2)
    return len(lines) > 1 and TOP_LEVEL_KEY.match(lines[1]) is not None


def read_source(path: Path, root: Path) -> SourceText:
    rel = shown_path(path, root)
    raw = path.read_bytes()
    text, problems = decode(raw, rel)
    metadata, body, body_line, fm_problems = split_front_matter(text, rel)
    lines = key_lines(text, body_line)
    return SourceText(path, rel, metadata, body, body_line, problems + fm_problems, lines)


def key_lines(text: str, body_line: int) -> dict[str, int]:
    """Line of each top-level front-matter key (first wins), so messages can point at it."""
    if body_line <= 1:
        return {}
    head = "\n".join(text.split("\n", body_line - 1)[: body_line - 1])
    lines: dict[str, int] = {}
    for m in TOP_LEVEL_KEY.finditer(head):
        lines.setdefault(m.group(1).strip().strip("'\""), head[: m.start()].count("\n") + 1)
    return lines
