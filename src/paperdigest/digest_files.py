"""Publishing the files digests name by a relative path (images beside the Markdown, a PDF).

Parsing records which file each relative path names (parse/local_files.py); here, at every build,
each is looked for: a file inside the site folder is copied to its published path, one that is not
there is a located warning (`digests/x.md:12: warning: image images/a.png not found`), and nothing
outside the site folder is ever read (a path that leaves it, a link out of it), as for static/.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paperdigest.boundary import leaves
from paperdigest.errors import Problem
from paperdigest.model import Digest, LocalFile
from paperdigest.write import AtomicOutput, UnsafePath, safe_relative

NOT_A_DIGEST = "not a digest file, ignored"  # discovery's note for such a file (parse/source.py)


@dataclass(frozen=True)
class DigestFiles:
    """What the digests name (`named`: digest source, file), the files to copy (source, output
    path) and the problems of the others."""

    named: tuple[tuple[str, LocalFile], ...] = ()
    copies: tuple[tuple[Path, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    published: frozenset[str] = field(default_factory=frozenset)  # the copied files, as messages show them

    def outputs(self) -> set[str]:
        """The output paths of the files copied and of those a relative path names that are missing
        (each has its own warning)."""
        named = {found.published for _, found in self.named if found.published and not found.absolute}
        return named | {rel for _, rel in self.copies}

    def with_problems(self, problems: list[Problem]) -> list[Problem]:
        """`problems` and these files' own, without discovery's notes that a copied file is ignored."""
        kept = [p for p in problems if not (p.message == NOT_A_DIGEST and p.path in self.published)]
        return kept + list(self.problems)


def named_files(digests: Iterable[Digest]) -> tuple[tuple[str, LocalFile], ...]:
    return tuple((digest.source, found) for digest in digests for found in digest.files)


def digest_files(named: tuple[tuple[str, LocalFile], ...], root: Path) -> DigestFiles:
    """Look for each file the digests name in the site folder `root` (see the module's docstring)."""
    boundary = root.resolve()
    copies: dict[str, Path] = {}
    problems: list[Problem] = []
    for source, found in named:
        path = root / found.path
        why = unpublished(found, path, boundary)
        if why and found.absolute and not why.startswith("links outside"):
            continue  # a page, a static file or nothing: `paperdigest check` tells which
        if why:
            level = "error" if why.startswith(("links outside", "cannot be read")) else "warning"
            problems.append(Problem(source, found.line, level, f"{found.kind} {found.written} {why}"))
        else:
            copies.setdefault(found.published, path)
    published = frozenset(path.relative_to(root).as_posix() for path in copies.values())
    return DigestFiles(named, tuple((path, rel) for rel, path in copies.items()), tuple(problems), published)


def unpublished(found: LocalFile, path: Path, boundary: Path) -> str:
    """Why the file a digest names is not published ('' when it is)."""
    if found.path == "..":
        return "is outside the site folder: not published"
    if not found.published:
        return "is hidden: not published"
    try:
        safe_relative(found.published)
    except UnsafePath:
        return "cannot be a file of the site: not published"
    if leaves(path, boundary):  # a link out of the site (`ln -s /etc/passwd x.png`)
        return f"links outside the site (to {os.path.realpath(path)}): not published"
    try:
        mode = path.stat().st_mode
    except OSError:
        return "not found"
    if stat.S_ISDIR(mode):
        return "is a folder: not published"
    if not stat.S_ISREG(mode):
        return "is not a regular file: not published"
    return unreadable(path)


def unreadable(path: Path) -> str:
    """Why a regular file cannot be read ('' when it can): told here, where it is located by the
    digest's line, rather than by the copy, which failed the whole build for one image."""
    try:
        with open(path, "rb"):
            return ""
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__}): not published"


def copy_digest_files(site: AtomicOutput, files: DigestFiles, taken: Iterable[str] = ()) -> None:
    """Copy the files to their published paths, after the pages and static files: a path one of
    them has (`taken`) keeps it, as the theme's and static/'s own files win over anything else."""
    taken = set(taken)
    for source, rel in files.copies:
        if rel not in taken:
            site.copy_file(source, rel)
