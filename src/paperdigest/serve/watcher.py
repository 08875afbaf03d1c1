"""Watching the site's sources with watchfiles and telling each change's kind."""

from __future__ import annotations

import enum
import os
import queue
import sys
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import watchfiles

from paperdigest.config import CONFIG_NAME, SiteConfig
from paperdigest.parse.source import DIGEST_SUFFIXES, EDITOR_LEFTOVERS

PAPERS_NAME = "papers.yaml"
# watchfiles waits for this long a quiet spell before reporting, so an editor's burst of writes
# (truncate, write, rename, chmod) becomes one change; DEBOUNCE_MS caps how long a burst may group.
STEP_MS = 50
DEBOUNCE_MS = 1600
VIM_PROBE = "4913"  # vim creates and deletes this file to test that a folder is writable
# JetBrains IDEs' "safe write": the new text goes to NAME___jb_tmp___, the old file is renamed to
# NAME___jb_old___, then the first is renamed over NAME and the second deleted. Both are gone when
# the save is looked at, and a path gone that is no digest may have been a folder of them: unless
# told apart, every save would rebuild the whole site and reload instead of swapping stylesheets.
JETBRAINS_TEMPS = ("___jb_tmp___", "___jb_old___", "___jb_bak___")


class Kind(enum.Enum):
    CONTENT = "content"  # a digest file
    TEMPLATE = "template"  # a Jinja template
    STATIC = "static"  # a file copied as is (static/, templates/assets/)
    CONFIG = "config"  # site.yaml
    PAPERS = "papers"  # the paper metadata file
    LAYOUT = "layout"  # a folder appeared or vanished: rebuild everything, watch again


@dataclass(frozen=True)
class SourcePaths:
    """The folders and files of one site that the preview watches. `named`: the files the digests
    name by a path (digest_files), which may lie anywhere in the site folder (`/assets/x.png` of a
    Jekyll site's root, `../images/a.png`, `digests/_img/a.png`): a build publishes them, so the
    preview watches them too."""

    root: Path
    digests: Path
    templates: Path
    static: Path
    named: frozenset[Path] = frozenset()

    @classmethod
    def of(cls, config: SiteConfig) -> SourcePaths:
        root = config.root.resolve()
        return cls(
            root,
            (root / config.digests_dir).resolve(),
            (root / config.templates_dir).resolve(),
            (root / config.static_dir).resolve(),
        )

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def papers_file(self) -> Path:
        return self.root / PAPERS_NAME

    def folders(self) -> tuple[Path, ...]:
        return (self.digests, self.templates, self.static)

    def existing_folders(self) -> tuple[Path, ...]:
        return tuple(folder for folder in self.folders() if folder.is_dir())

    def named_folders(self) -> tuple[Path, ...]:
        """The folders to watch (not recursively) for the named files outside the site's folders:
        each file's folder, or while it does not exist its nearest folder that does (whose new
        sub-folder is then a LAYOUT change: watch again). The site folder is watched already."""
        found = set()
        for path in self.named:
            folder = path.parent
            while folder != self.root and folder.is_relative_to(self.root) and not folder.is_dir():
                folder = folder.parent
            if folder != self.root and not any(folder.is_relative_to(f) for f in self.folders()):
                found.add(folder)
        return tuple(sorted(found))

    @cached_property
    def named_ancestors(self) -> frozenset[Path]:
        """The folders in the site folder that hold a named file, however deep."""
        return frozenset(parent for path in self.named for parent in path.parents if parent != self.root)

    def kind_of(self, path: Path) -> Kind | None:
        """What changed at `path`, or None for files the site does not use (editor leftovers...)."""
        if path in (self.config_file, self.papers_file):
            return Kind.CONFIG if path == self.config_file else Kind.PAPERS
        if path in self.folders():
            return Kind.LAYOUT
        for folder in self.folders():
            if not path.is_relative_to(folder):
                continue
            parts = path.relative_to(folder).parts
            if any(part.startswith(".") for part in parts) or ignored_name(path.name):
                return None
            if folder == self.digests:
                return digest_kind(path, parts) or self.named_kind(path)
            if folder == self.templates and parts[0] != "assets":
                return Kind.TEMPLATE
            return Kind.STATIC
        return self.named_kind(path)

    def named_kind(self, path: Path) -> Kind | None:
        """A file the digests name is copied as static files are; a folder on the way to one,
        added or removed, changes what is watched."""
        if path in self.named:
            return Kind.STATIC
        return Kind.LAYOUT if path in self.named_ancestors else None


def ignored_name(name: str) -> bool:
    return name.endswith(EDITOR_LEFTOVERS + JETBRAINS_TEMPS) or name == VIM_PROBE or name.startswith("#")


def digest_kind(path: Path, parts: tuple[str, ...]) -> Kind | None:
    if any(part.startswith("_") for part in parts[:-1]):
        return None  # discovery skips folders starting with _
    if path.suffix.lower() in DIGEST_SUFFIXES:
        return Kind.CONTENT
    if path.is_dir() or not path.suffix or not os.path.lexists(path):
        # A folder moved in or out reports only itself, not its digests; one that is gone may
        # have had any name (digests/v1.0), so anything gone that is no digest file may be one.
        return Kind.LAYOUT
    return Kind.STATIC  # an image or other file beside the digests: one may name it (digest_files)


class SourceWatcher:
    """Two watchfiles threads feeding one queue of changed paths: the site's folders (recursive)
    and the site root (not recursive: site.yaml, papers.yaml, folders appearing). Watching the
    root recursively would also watch _site/ and .git/, thousands of folders."""

    def __init__(self, paths: SourcePaths):
        self.paths = paths
        self.changes: queue.Queue[set[Path]] = queue.Queue()
        self.watched: tuple[Path, ...] = ()
        self.watched_named: tuple[Path, ...] = ()  # not recursively: the named files' folders
        self._stops: list[threading.Event] = []

    def start(self) -> None:
        stop = threading.Event()
        self._stops.append(stop)
        self._spawn([self.paths.root], recursive=False, stop=stop)
        self.watched = self.paths.existing_folders()
        if self.watched:
            self._spawn(list(self.watched), recursive=True, stop=stop)
        self.watched_named = self.paths.named_folders()
        if self.watched_named:
            self._spawn(list(self.watched_named), recursive=False, stop=stop)

    def restart(self, paths: SourcePaths) -> None:
        """Watch again, e.g. after site.yaml moved a folder or a folder was created."""
        self.stop()
        self.paths = paths
        self.start()

    def follow(self, paths: SourcePaths) -> None:
        """Watch `paths`: again when its folders are others than those watched."""
        if (paths.existing_folders(), paths.named_folders()) != (self.watched, self.watched_named):
            self.restart(paths)
        else:
            self.paths = paths  # what the watching threads' filter reads from now on

    def stop(self) -> None:
        for stop in self._stops:
            stop.set()
        self._stops.clear()

    def next_batch(self, timeout: float) -> set[Path]:
        """Changed paths, gathered from every batch waiting; empty after `timeout` seconds of none."""
        try:
            batch = set(self.changes.get(timeout=timeout))
        except queue.Empty:
            return set()
        while True:
            try:
                batch |= self.changes.get_nowait()
            except queue.Empty:
                return batch

    def _spawn(self, folders: list[Path], *, recursive: bool, stop: threading.Event) -> None:
        thread = threading.Thread(
            target=self._run, args=(folders, recursive, stop), name="paperdigest-watch", daemon=True
        )
        thread.start()

    def _run(self, folders: list[Path], recursive: bool, stop: threading.Event) -> None:
        def wanted(_change, path: str) -> bool:
            return self.paths.kind_of(Path(path)) is not None

        while not stop.is_set():
            try:
                for batch in watchfiles.watch(
                    *folders,
                    watch_filter=wanted,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    stop_event=stop,
                    recursive=recursive,
                    raise_interrupt=False,
                ):
                    self.changes.put({Path(path) for _change, path in batch})
            except (OSError, RuntimeError) as exc:
                # e.g. a watched folder vanished: the root watcher reports that and we are restarted;
                # until then, try again rather than silently stop watching.
                print(f"warning: watching {', '.join(map(str, folders))}: {exc}", file=sys.stderr)
                stop.wait(1.0)
