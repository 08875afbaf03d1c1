"""Writing stage: pages go into a temporary folder beside the output, swapped in only on success."""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from paperdigest.boundary import boundary_of, leaves, link_problem, name_problem, utf8_name
from paperdigest.errors import Problem

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds into one folder must not overlap
    fcntl = None


class UnsafePath(ValueError):
    pass


def safe_relative(rel: str) -> PurePosixPath:
    """A relative output path that cannot leave the output folder."""
    if "\\" in rel or "\x00" in rel:
        raise UnsafePath(f"unsafe output path {rel!r}")
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or not path.parts:
        raise UnsafePath(f"unsafe output path {rel!r}")
    return path


STAGING = re.compile(r"^\.(.+)\.tmp-\d+$")  # AtomicOutput's tmp_dir: .<out>.tmp-<pid>


def working_folder(out_dir: Path, kind: str) -> Path:
    """`.<out>.<kind>-<pid>` beside the output folder: a build's staged files (`tmp`), the site it
    replaced (`old`), Pagefind's new bundles (`search`), a commit's undo journal (`undo`). Beside
    it, so that renames stay on one file system; hidden, so that nobody publishes one."""
    return out_dir.parent / f".{out_dir.name}.{kind}-{os.getpid()}"


def working_folders(out_dir: Path, kind: str) -> list[Path]:
    """Every build's `working_folder(out_dir, kind)`, a killed one's too, oldest pid first."""
    return sorted(out_dir.parent.glob(f".{out_dir.name}.{kind}-*"))


def published_path(path: Path) -> Path:
    """Where a file staged in an AtomicOutput's temporary folder is published (messages name the
    output folder the user knows, not `._site.tmp-1234`); any other path as it is."""
    for depth, part in enumerate(path.parts):
        if m := STAGING.match(part):
            return Path(*path.parts[:depth], m.group(1), *path.parts[depth + 1 :])
    return path


class AtomicOutput:
    """`with AtomicOutput(out) as site: site.write(...)`; the old output stays until commit()."""

    def __init__(self, out_dir: Path, lock: Path | None = None, site_root: Path | None = None):
        self.out_dir = out_dir.resolve()
        self.tmp_dir = working_folder(self.out_dir, "tmp")
        self.lock_path = lock
        self.pages = 0
        self.site_root = site_root  # copied files must stay inside it (see paperdigest.boundary)
        self.refused: list[Problem] = []  # the errors of files and folders that link out of it

    def __enter__(self) -> AtomicOutput:
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.lock = OutputLock(self.lock_path)  # one build at a time writes into a folder
        try:
            self.recover()
            self.tmp_dir.mkdir()
        except BaseException:
            self.lock.release()
            raise
        return self

    def recover(self) -> None:
        """Put back what a killed build left half done; the lock says no other build is running."""
        remove_leftovers(self.out_dir)

    def __exit__(self, exc_type, exc, tb) -> None:
        # Whatever happened (exception, Ctrl-C, SIGTERM turned into SystemExit), no half site stays.
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self.lock.release()

    def write(self, rel: str, data: bytes) -> None:
        target = self.tmp_dir / safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.pages += rel.endswith(".html")

    def copy_tree(self, src: Path, dest_rel: str = "") -> int:
        """Copy a folder's files (hidden files and links out of the site skipped); returns the count."""
        count = 0
        dest = self.tmp_dir / safe_relative(dest_rel) if dest_rel else self.tmp_dir
        for source in visible_files(src, self.site_root, self.refused):
            target = dest / source.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            count += 1
        return count

    def copy_file(self, source: Path, rel: str) -> None:
        """Copy one file (checked to be inside the site by the caller) to `rel`."""
        target = self.tmp_dir / safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def commit(self) -> None:
        """Swap the finished site in: two renames, so readers see the old or the new site."""
        old = working_folder(self.out_dir, "old")
        with signals_deferred():  # Ctrl-C or SIGTERM between the renames would leave no site
            if self.out_dir.exists():
                os.replace(self.out_dir, old)
            try:
                os.replace(self.tmp_dir, self.out_dir)
            except BaseException:
                if old.exists():
                    os.replace(old, self.out_dir)
                raise
        shutil.rmtree(old, ignore_errors=True)


class OutputLock:
    """An exclusive lock on a file (the build cache keeps one per output folder), held while a
    build prepares and moves its files: a second build into the same folder (or the dev server's)
    waits for it. The system releases it when the process dies, however it dies. Without a file
    (no writable cache) there is no lock."""

    def __init__(self, path: Path | None):
        self.file = None
        if path is not None and fcntl is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.file = open(path, "a")  # noqa: SIM115 (held until release)
            except OSError:
                return
            fcntl.flock(self.file, fcntl.LOCK_EX)

    def release(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.close()  # closing drops the lock


@contextmanager
def signals_deferred():
    """Hold SIGINT and SIGTERM until the block is done (they are delivered right after)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def visible_files(
    src: Path, site_root: Path | None = None, refused: list[Problem] | None = None
) -> Iterator[Path]:
    """Every file under `src`, hidden files and folders left out, links followed only while they
    stay inside the site folder `site_root` (see paperdigest.boundary; without one, inside `src`).
    A file or folder that links out is left out and its error appended to `refused`."""
    root = site_root or src
    boundary = boundary_of(src, root)
    if leaves(src, boundary):
        refuse(src, root, refused)
        return
    for dirpath, dirnames, filenames in os.walk(src, followlinks=True):
        here = Path(dirpath)
        dirnames[:] = [
            name
            for name in dirnames
            if not name.startswith(".")
            and named_in_utf8(here / name, root, refused)
            and followed(here / name, boundary, root, refused)
        ]
        for name in filenames:
            if name.startswith(".") or not named_in_utf8(here / name, root, refused):
                continue
            if leaves(here / name, boundary):
                refuse(here / name, root, refused)
            else:
                yield here / name


def named_in_utf8(path: Path, root: Path, refused: list[Problem] | None) -> bool:
    """A file or folder is copied only when its name is UTF-8 (see boundary.name_problem)."""
    if utf8_name(path.name):
        return True
    if refused is not None:
        refused.append(name_problem(path, root))
    return False


def followed(folder: Path, boundary: Path, root: Path, refused: list[Problem] | None) -> bool:
    """A sub-folder is walked unless it links out of the boundary or back to a folder above it."""
    if leaves(folder, boundary):
        refuse(folder, root, refused)
        return False
    real = folder.resolve()
    return not folder.parent.resolve().is_relative_to(real)  # a link to an ancestor would loop


def refuse(path: Path, root: Path, refused: list[Problem] | None) -> None:
    if refused is not None:
        refused.append(link_problem(path, root))


def remove_leftovers(out_dir: Path) -> None:
    """Temporary folders of builds that were killed (SIGKILL leaves no chance to clean up)."""
    olds = working_folders(out_dir, "old")
    if olds and not out_dir.exists():  # killed between the two renames of a swap: put the site back
        os.replace(olds[0], out_dir)
    for kind in ("tmp", "search", "old"):
        for leftover in working_folders(out_dir, kind):
            shutil.rmtree(leftover, ignore_errors=True)
