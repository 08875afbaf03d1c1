"""Writing only what changed, still all-or-nothing: the incremental form of write.AtomicOutput.

The manifest of the previous build says, for every output file, what it was made from (a
fingerprint), its bytes' hash, size and mtime. A file whose fingerprint is unchanged and whose copy
on disk is untouched is kept as it is; a re-rendered file whose bytes are unchanged is not written.
Changed files are staged in the temporary folder; only when the whole build has succeeded are they
moved into place and files that are gone removed, so a failed build leaves the old site as it was.
Without a usable manifest (first build, another tool's folder, a build killed while committing)
everything is written to the temporary folder and swapped in, exactly like AtomicOutput.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import shutil
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import NamedTuple

from paperdigest.incremental.cache import Entry, Hashing, digest_of, file_digest, read_stamps
from paperdigest.workers import pool_context, result_of, start_worker, stop
from paperdigest.write import (
    AtomicOutput,
    safe_relative,
    signals_deferred,
    visible_files,
    working_folder,
    working_folders,
)

# How far apart two writes may be and still get one mtime: a clock tick on Linux, 1 s on HFS+ and
# some network shares, 2 s on FAT. A file rewritten with as many bytes within that time keeps its
# size and mtime, so a static file this close to its copy is compared by its bytes.
MTIME_GRANULARITY_NS = 3_000_000_000


class SiteOutput(AtomicOutput):
    """`with SiteOutput(out, previous_manifest) as site:` ... `site.commit()`; then `site.entries`."""

    def __init__(
        self,
        out_dir: Path,
        previous: dict[str, Entry] | None,
        *,
        verify: bool = True,
        not_as_written: frozenset[str] | None = None,
        strays: frozenset[str] | None = None,
        lock: Path | None = None,
        site_root: Path | None = None,
    ):
        super().__init__(out_dir, lock, site_root)
        self.full = previous is None or not self.out_dir.is_dir()
        self.previous: dict[str, Entry] = {} if self.full else previous
        self.given = self.previous  # copied before intact() changes an entry
        self.verify = verify  # stat kept files: a hand-edited or deleted output file is rewritten
        # The files of `previous` a BackgroundCheck found changed on disk (it found the others as
        # written); None: intact() stats each file itself.
        self.not_as_written = not_as_written
        # The files in the folder that `previous` does not list, as a BackgroundCheck found them;
        # None: commit() looks for them itself.
        self.strays = strays
        self.entries: dict[str, Entry] = {}
        self.bytes = 0  # the sizes of the entries' files
        self.staged: set[str] = set()
        self.written = 0
        self.removed: frozenset[str] = frozenset()  # by commit(): the files gone from the folder

    def recover(self) -> None:
        for undo in Undo.leftovers(self.out_dir):  # a commit killed halfway: put the old files back
            undo.roll_back()
        super().recover()

    # -- deciding -------------------------------------------------------------------------------
    def keep(self, rel: str, fp: str) -> bool:
        """Keep the previous file if it was made from the same inputs and is still on disk as written."""
        old = self.previous.get(rel)
        if old is None or old.fp != fp or not self.intact(rel, old):
            return False
        self.add(rel, self.previous[rel], staged=False)  # intact() may have given it a new mtime
        return True

    def keep_all(self, files: Iterable[tuple[str, str]]) -> bool:
        """keep() each (path, fingerprint) of `files`; False at the first file that is not kept,
        the files before it kept."""
        return all(self.keep(rel, fp) for rel, fp in files)

    def intact(self, rel: str, old: Entry) -> bool:
        """Output file `rel` holds the bytes it was written with: the same size and mtime, or the
        same size and hash. A folder restored by a copy that does not keep mtimes (a cache step
        in CI, `cp -r`) is then still the last build's output, and is not made again; the entry
        takes the file's new mtime, so the next build needs only the stat."""
        if not self.verify or (self.not_as_written is not None and rel not in self.not_as_written):
            return True
        st = self.stat(rel)
        if st is None or st.st_size != old.size:
            return False
        if st.st_mtime_ns == old.mtime_ns:
            return True
        if file_digest(self.out_dir / safe_relative(rel)) != old.sha:
            return False
        if self.previous is self.given:  # the caller's manifest stays as it was given
            self.previous = dict(self.given)
        self.previous[rel] = old._replace(mtime_ns=st.st_mtime_ns)
        return True

    def on_disk_as(self, rel: str, size: int, mtime_ns: int) -> bool:
        """Output file `rel` has the size and mtime it was written with."""
        st = self.stat(rel)
        return st is not None and st.st_size == size and st.st_mtime_ns == mtime_ns

    def stat(self, rel: str) -> os.stat_result | None:
        try:  # called for every file (150,000 at 10,000 digests): relative to the open folder
            if self.out_fd is not None:
                return os.stat(rel, dir_fd=self.out_fd)
            return os.stat(self.out_dir / rel)
        except OSError:
            return None

    @functools.cached_property
    def out_fd(self) -> int | None:
        """The output folder, open while this build decides (closed by __exit__), where the system
        can stat a path relative to a folder (a third quicker than joining paths)."""
        if os.stat not in os.supports_dir_fd:
            return None
        try:
            return os.open(self.out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return None

    def close_out_fd(self) -> None:
        """Before the folder may be replaced (commit) and at the end: the next stat opens it anew."""
        if (fd := self.__dict__.pop("out_fd", None)) is not None:
            os.close(fd)

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close_out_fd()
        super().__exit__(exc_type, exc, tb)

    # -- writing (safe to call in a forked worker: it only touches the temporary folder) -------
    def stage(
        self, rel: str, data: bytes | Iterable[bytes], fp: str, source: Path | None = None
    ) -> tuple[Entry, bool]:
        """(entry, written): the bytes go to the temporary folder unless the old file has them.
        `data` may come in chunks (a file too large to hold): they are written as they come, and
        taken back if the old file has them. `source`: a file of this build's own (a search
        bundle's) holding `data`, moved into place rather than written a second time."""
        if isinstance(data, bytes):
            sha = digest_of(data)
            if kept := self.unchanged(rel, sha, fp):
                return kept, False
            st = (source is not None and self.move_staged(rel, source)) or self.write_staged(rel, (data,))
            return Entry(fp, sha, st.st_size, st.st_mtime_ns), True
        hashing = Hashing()
        st = self.write_staged(rel, data, hashing.update)
        sha = hashing.hexdigest()
        if kept := self.unchanged(rel, sha, fp):
            (self.tmp_dir / safe_relative(rel)).unlink()
            return kept, False
        return Entry(fp, sha, st.st_size, st.st_mtime_ns), True

    def unchanged(self, rel: str, sha: str, fp: str) -> Entry | None:
        """The entry of the old file, now made from `fp`, when it holds bytes of hash `sha`."""
        old = self.previous.get(rel)
        if old is not None and old.sha == sha and self.intact(rel, old):
            return Entry(fp, sha, old.size, self.previous[rel].mtime_ns)
        return None

    def staged_path(self, rel: str) -> Path:
        """Where `rel` goes in the temporary folder, its folder made."""
        target = self.tmp_dir / safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_staged(self, rel: str, chunks: Iterable[bytes], each=None) -> os.stat_result:
        with open(self.staged_path(rel), "wb") as f:
            for chunk in chunks:
                if each is not None:
                    each(chunk)
                f.write(chunk)
            f.flush()
            return os.fstat(f.fileno())

    def move_staged(self, rel: str, source: Path) -> os.stat_result | None:
        """`source` moved to the temporary folder as `rel`; None if it cannot be (then it is written)."""
        target = self.staged_path(rel)
        try:
            os.replace(source, target)
            return os.stat(target)
        except OSError:
            return None

    def path_of(self, rel: str) -> Path:
        """Where output file `rel` is, as this build will leave it: staged here, or kept."""
        return (self.tmp_dir if rel in self.staged else self.out_dir) / safe_relative(rel)

    def add(self, rel: str, entry: Entry, staged: bool) -> None:
        if rel not in self.entries:
            self.pages += rel.endswith(".html")
        else:
            self.bytes -= self.entries[rel].size
            if rel in self.staged and not staged:  # a later source of the same file, already on disk
                self.staged.discard(rel)
                (self.tmp_dir / rel).unlink(missing_ok=True)
        self.entries[rel] = entry
        self.bytes += entry.size
        if staged:
            self.staged.add(rel)
            self.written += 1

    # -- the AtomicOutput interface (copy_static and other stages use it) ------------------------
    def write(self, rel: str, data: bytes, fp: str | None = None) -> None:
        fp = fp or digest_of(b"bytes", data)
        if not self.keep(rel, fp):
            entry, staged = self.stage(rel, data, fp)
            self.add(rel, entry._replace(static=True), staged)

    def copy_tree(self, src: Path, dest_rel: str = "") -> int:
        count = 0
        prefix = safe_relative(dest_rel).as_posix() + "/" if dest_rel else ""
        for source in visible_files(src, self.site_root, self.refused):
            self.copy_file(source, prefix + source.relative_to(src).as_posix())
            count += 1
        return count

    def copy_file(self, source: Path, rel: str) -> None:
        """Copy `source` to `rel` unless the copy there is of its bytes (by size and mtime, or by
        hash when they cannot tell)."""
        st = source.stat()
        fp = digest_of(b"file", str(source), str(st.st_size), str(st.st_mtime_ns))
        if self.changed_unseen(rel, fp, source, st) or not self.keep(rel, fp):
            entry, staged = self.stage(rel, source.read_bytes(), fp)
            self.add(rel, entry._replace(static=True), staged)

    def changed_unseen(self, rel: str, fp: str, source: Path, st: os.stat_result) -> bool:
        """The file `source` (copied to `rel`, same size and mtime as then) may have been rewritten
        since without its mtime telling: its mtime is no older than its copy's, give or take the
        file system's granularity. Then its bytes tell (as git does with its racily clean files)."""
        old = self.previous.get(rel)
        if old is None or old.fp != fp or st.st_mtime_ns < old.mtime_ns - MTIME_GRANULARITY_NS:
            return False
        return file_digest(source) != old.sha

    # -- committing -------------------------------------------------------------------------------
    def commit(self) -> None:
        """Move the changed files into place and remove the files that are gone, all or nothing:
        each file replaced or removed is first moved aside, and any failure puts everything back
        (see Undo); the moves are listed before the first one, so a build killed halfway is
        undone by the next one."""
        self.close_out_fd()
        if self.full:
            super().commit()
            return
        gone = sorted((self.previous.keys() | self.stray_files()) - self.entries.keys())
        staged = sorted(self.staged)
        if (clash := self.clash(staged)) is not None:  # as writing both fails in a full build
            raise IsADirectoryError(
                errno.EISDIR, "a file of the site has the name of one of its folders", clash
            )
        undo = Undo.start(self.out_dir, gone, staged)
        try:
            with signals_deferred():
                for rel in gone:
                    undo.move_aside(rel, GONE)
                for rel in staged:
                    undo.move_aside(rel, REPLACED)  # a file, or a folder that a file replaces
                    target = self.out_dir / safe_relative(rel)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(self.tmp_dir / rel, target)
        except BaseException:
            undo.roll_back()
            raise
        undo.finish()
        self.removed = frozenset(gone)
        for rel in gone:
            remove_empty_parents(self.out_dir, rel)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def changed_files(self) -> frozenset[str] | None:
        """The files this build wrote or removed (once committed); None when it replaced the folder."""
        return None if self.full else frozenset(self.staged) | self.removed

    def stray_files(self) -> frozenset[str]:
        """Files in the output folder that the last build did not write: an older output restored
        over a newer cache (a deleted digest's page, its papers' pages) or files put there by hand.
        A clean build has none of them, so they go; not when the builder trusts its own memory of
        the folder (the dev server, the only writer of its folder)."""
        if not self.verify:
            return frozenset()
        if self.strays is not None:
            return self.strays
        return files_beyond(self.out_dir, self.previous.keys())

    def clash(self, staged: list[str]) -> str | None:
        """The output path of a staged file that is also a folder of this build's files (a file
        static/papers beside the pages papers/<id>/index.html), or None. Moving it in would move
        aside, and so remove, the whole folder: every file of it that the build keeps."""
        for rel in staged:
            parts = rel.split("/")
            for end in range(1, len(parts)):
                if (folder := "/".join(parts[:end])) in self.entries:
                    return str(self.out_dir / folder)
            target = self.out_dir / safe_relative(rel)
            if target.is_dir() and not target.is_symlink():  # rare: a folder turned into a file
                inside = rel + "/"
                if any(other.startswith(inside) for other in self.entries):
                    return str(target)
        return None


class OutputCheck(NamedTuple):
    """What a BackgroundCheck found in the output folder, against the manifest of `token`."""

    token: str | None
    not_as_written: frozenset[str]  # listed files whose size or mtime is not as written
    strays: frozenset[str]  # files the manifest does not list


def files_beyond(out_dir: Path, listed: Collection[str]) -> frozenset[str]:
    """The files (and links) under `out_dir` whose relative path is not in `listed`. Hidden files
    and folders are left out: paperdigest writes none but .nojekyll (listed), and a folder such as
    `.git` is the user's own."""
    found: list[str] = []
    folders = [""]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(out_dir / folder if folder else out_dir) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    rel = f"{folder}/{entry.name}" if folder else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(rel)
                    elif rel not in listed and "\\" not in rel:  # safe_relative refuses a backslash
                        found.append(rel)
        except OSError:  # gone or unreadable meanwhile: nothing to remove there
            continue
    return frozenset(found)


def files_not_as_written(job: tuple[Path, str, Path]) -> OutputCheck:
    """The files of output folder `out_dir` whose size or mtime is not as the manifest the cache at
    `db_path` records under `out_key` (`job`) says, and the files it does not list: what
    SiteOutput.intact() stats one by one and SiteOutput.stray_files() walks, all at once."""
    db_path, out_key, out_dir = job
    token, stamps = read_stamps(db_path, out_key)
    changed = []
    for rel, size, mtime_ns in stamps:
        try:
            st = os.stat(f"{out_dir}/{rel}")
        except OSError:
            changed.append(rel)
            continue
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            changed.append(rel)
    strays = files_beyond(out_dir, {rel for rel, _, _ in stamps}) if token is not None else frozenset()
    return OutputCheck(token, frozenset(changed), strays)


class BackgroundCheck:
    """files_not_as_written() in a worker process, started before the build reads its digests and
    read when it plans (or, when nothing changed, right after the digests are read): at 10,000
    digests 154,000 stats and a walk of the folder run on another core meanwhile.
    The build uses the answer only if it was worked out from the manifest the build reads."""

    def __init__(self, db_path: Path, out_key: str, out_dir: Path):
        self.found: OutputCheck | None = None
        try:
            self.worker = start_worker(pool_context(), files_not_as_written)
            self.worker.conn.send((db_path, out_key, out_dir))
        except Exception:  # no process to spare, no fork server...: intact() stats each file
            self.worker = None

    def result(self, token: str | None) -> OutputCheck | None:
        """What the check found, when it read the manifest of `token` (asked again, the same)."""
        if self.worker is not None:
            try:
                self.found = result_of(self.worker)
            except Exception:  # the worker failed: the build stats each file itself
                self.found = None
            finally:
                self.close()
        found = self.found
        return found if found is not None and token is not None and found.token == token else None

    def close(self) -> None:
        if self.worker is not None:
            stop([self.worker.process])
            self.worker.conn.close()
            self.worker = None


# Where an Undo keeps what a commit moved aside: the files it removes apart from those it replaces,
# since one path can be both, as a file and as a folder (static/img/ turned into the file
# static/img: img/a.png is removed and the folder img is replaced).
GONE, REPLACED = "gone", "old"


class Undo:
    """What a commit moved, so that it can be put back: `.<out>.undo-<pid>/` holds the journal
    (files to be removed, files to be written and whether each had an old version) and the old
    versions moved aside (`gone/` and `old/`)."""

    def __init__(self, out_dir: Path, folder: Path, journal: dict):
        self.out_dir, self.folder, self.journal = out_dir, folder, journal
        # A journal written before removed files had a folder of their own kept both in old/.
        self.gone_dir = GONE if journal.get("gone_dir") == GONE else REPLACED

    @classmethod
    def start(cls, out_dir: Path, gone: list[str], staged: list[str]) -> Undo:
        folder = working_folder(out_dir, "undo")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        new = [rel for rel in staged if not lexists(out_dir / safe_relative(rel))]
        journal = {"gone": gone, "staged": staged, "new": new, "gone_dir": GONE}
        (folder / "journal.json").write_text(json.dumps(journal), encoding="utf-8")
        return cls(out_dir, folder, journal)

    @classmethod
    def leftovers(cls, out_dir: Path) -> list[Undo]:
        """The journals of commits that did not finish (a killed build)."""
        found = []
        for folder in working_folders(out_dir, "undo"):
            try:
                found.append(cls(out_dir, folder, json.loads((folder / "journal.json").read_text("utf-8"))))
            except (OSError, ValueError):  # killed before its journal was written: nothing was moved
                shutil.rmtree(folder, ignore_errors=True)
        return found

    def aside(self, rel: str, kind: str) -> Path:
        return self.folder / (self.gone_dir if kind == GONE else REPLACED) / safe_relative(rel)

    def move_aside(self, rel: str, kind: str) -> None:
        target = self.out_dir / safe_relative(rel)
        if lexists(target):
            aside = self.aside(rel, kind)
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, aside)

    def roll_back(self) -> None:
        """Every old file back where it was, every new one gone; then forget the journal. Written
        files are undone before removed ones come back: a removed file may have been where a
        written file's folder is now (a file turned into a folder), or the other way round."""
        new = set(self.journal["new"])
        for rel in self.journal["staged"]:
            if lexists(aside := self.aside(rel, REPLACED)):
                put_back(aside, self.out_dir / safe_relative(rel))
            elif rel in new and lexists(target := self.out_dir / safe_relative(rel)):
                target.unlink()  # lexists: its folder may still be the old file (killed before)
                remove_empty_parents(self.out_dir, rel)
        for rel in self.journal["gone"]:
            if lexists(aside := self.aside(rel, GONE)):
                put_back(aside, self.out_dir / safe_relative(rel))
        self.finish()

    def finish(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def lexists(path: Path) -> bool:
    """A file, a folder or a link (even one that points nowhere)."""
    return os.path.lexists(path)


def put_back(aside: Path, target: Path) -> None:
    """`aside` back at `target`, over what a commit put there: the new file, or an empty folder
    made for new files that are gone again (os.replace moves a file onto a file, or a folder onto
    an empty folder, but neither onto the other)."""
    if target.is_dir() and not target.is_symlink():
        if not aside.is_dir() or aside.is_symlink():
            target.rmdir()
    elif lexists(target) and aside.is_dir() and not aside.is_symlink():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(aside, target)


def remove_empty_parents(root: Path, rel: str) -> None:
    parent = (root / safe_relative(rel)).parent
    while parent != root:
        try:
            parent.rmdir()  # only succeeds when empty
        except OSError:
            break
        parent = parent.parent
