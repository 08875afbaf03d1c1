"""The trust boundary: a build reads only files inside the site folder, links resolved.

A digest, static file or folder that is a symbolic link out of the site is refused with an error,
so a pull request built in CI cannot publish a file of the runner (`ln -s /etc/passwd x.md`). A
folder that site.yaml names outside the site (`static_dir: ../shared`, `katex.local_dir:
/usr/share/javascript/katex`) is allowed: the user wrote it, and each build notes it once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from paperdigest.errors import Problem

if TYPE_CHECKING:
    from paperdigest.config import SiteConfig

# site.yaml keys naming a folder or file the build reads.
FOLDER_KEYS = ("digests_dir", "templates_dir", "static_dir", "katex.local_dir", "math.katex_js")


def named_inside(path: Path, root: Path) -> bool:
    """`path` as written, `..` collapsed but links not followed, is inside `root`."""
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))


def boundary_of(folder: Path, root: Path) -> Path:
    """The folder that files found under `folder` must resolve into: the site folder, or `folder`
    itself when site.yaml names it outside the site."""
    return root.resolve() if named_inside(folder, root) else folder.resolve()


def leaves(path: Path, boundary: Path) -> bool:
    """`path`, its links followed, is outside `boundary` (a dangling link or a loop is not: reading
    it fails, and that is reported where it is read)."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return not real.is_relative_to(boundary)


def link_problem(path: Path, root: Path) -> Problem:
    """The error for a file or folder that links outside the site: it is not read or published."""
    target = os.path.realpath(path)
    message = f"links outside the site (to {target}): not read, not published"
    return Problem(shown_path(path, root), None, "error", message)


def utf8_name(name: str) -> bool:
    """A name as Python read it from the file system is UTF-8: it holds no surrogate standing for
    a byte that is not (os.fsdecode's surrogateescape)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def name_problem(path: Path | str, root: Path) -> Problem:
    """The error for a file or folder whose name is not UTF-8 (GBK names from a ZIP unpacked on
    Linux): such a name can be no page's address, no text in a page, papers.json or the build cache
    (it crashed the build), so it is not read or published. The message shows its bytes escaped."""
    message = "the name is not UTF-8, rename it: not read, not published"
    return Problem(message_path(path, root), None, "error", message)


def message_path(path: Path | str, root: Path) -> str:
    """shown_path for a message about a path that may not be UTF-8: its other bytes escaped (\\xff)."""
    return os.fsencode(shown_path(path, root)).decode("utf-8", "backslashreplace")


def shown_path(path: Path | str, root: Path) -> str:
    """A path as messages show it: relative to the site folder when inside it."""
    text, prefix = str(path), os.path.join(root, "")
    if text.startswith(prefix) and os.sep == "/":  # what relative_to gives, without its cost
        return text[len(prefix) :]
    path = Path(path)
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def outside_folders(config: SiteConfig) -> dict[str, Path]:
    """The folders (or files) site.yaml names outside the site folder, by key: allowed, since the
    user wrote them there."""
    found = {}
    for key in FOLDER_KEYS:
        section, _, name = key.rpartition(".")
        value = getattr(getattr(config, section) if section else config, name)
        if not value:
            continue
        # The KaTeX keys are read with ~ expanded (katex_engine); the folders as written.
        path = config.root / (Path(value).expanduser() if section else Path(value))
        if not named_inside(path, config.root):
            found[key] = Path(os.path.abspath(path))
    return found


def outside_folder_notes(config: SiteConfig) -> list[Problem]:
    """One note per folder that site.yaml names outside the site: what a build reads from there."""
    return [
        Problem("site.yaml", None, "note", f"{key} is outside the site folder: reading {path}")
        for key, path in outside_folders(config).items()
    ]
