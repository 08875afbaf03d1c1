"""One preview session: build, serve, then rebuild on every change and tell the open pages."""

from __future__ import annotations

import threading
import time
import traceback
import webbrowser
from dataclasses import replace
from pathlib import Path

from paperdigest.build import Builder, BuildError, BuildResult, foreign_output
from paperdigest.config import load_config
from paperdigest.errors import ConfigError, Problem, printable
from paperdigest.serve.livereload import ReloadHub
from paperdigest.serve.server import ServedSite, bind, is_loopback, url_path
from paperdigest.serve.watcher import Kind, SourcePaths, SourceWatcher


def say_now(text: str) -> None:
    """One line of output (file names in it cannot break or fake lines), flushed: the terminal, a
    log file or a test reads each line as it comes."""
    print(printable(text), flush=True)


# A save that changes more pages than this reloads every page: the event stays small.
PAGES_NAMED = 1000


class UnsafeOutput(ValueError):
    """The preview output would be inside a watched folder: every build would trigger the next."""


class PreviewSession:
    def __init__(self, root: Path, out_dir: Path, *, drafts: bool = False, say=say_now):
        self.root = root.resolve()
        self.say = say
        config = load_config(self.root)  # a broken site.yaml at start: nothing to serve yet
        self.paths = SourcePaths.of(config)
        check_output(out_dir.resolve(), self.paths)
        check_not_foreign(out_dir.resolve())
        self.builder = Builder(self.root, out_dir, drafts=drafts, preview=True)
        self.hub = ReloadHub()
        self.site = ServedSite(self.builder.out_dir, config.base_path, self.hub)
        self.watcher = SourceWatcher(self.paths)
        self.pending: set[Path] = set()  # changed since the last successful build
        # Error-level problems of the last build; a digest with an error keeps its last good pages.
        self.build_errors: list[Problem] = []
        self.failure: Problem | None = None  # why the last build attempt failed, if it did
        self.reported: frozenset[Problem] | None = None  # the problems of the last build, as printed

    def serve(self, host: str, port: int, *, open_browser: bool = False) -> None:
        """Serve until Ctrl-C (KeyboardInterrupt) or SIGTERM (SystemExit)."""
        server = bind(host, port, self.site, say=self.say)
        thread = threading.Thread(target=server.serve_forever, name="paperdigest-http", daemon=True)
        self.watcher.start()  # before the first build, so edits made during it are not missed
        try:
            self.hub.set_building(True)  # requests wait for the first build instead of a 404
            thread.start()
            started = time.perf_counter()
            self.say(f"Building {self.root} ...")
            self.first_build()
            self.say(f"first build in {time.perf_counter() - started:.2f}s")
            url = self.url(host, server.server_address[1])
            self.say(f"Serving {self.root} at {url}")
            if not is_loopback(host):
                self.say(f"warning: listening on {host}: other machines on the network can read the preview")
            self.say("Watching for changes; press Ctrl-C to stop.")
            if open_browser:
                webbrowser.open(url)
            self.warm_up()
            while True:
                if changed := self.watcher.next_batch(timeout=0.5):
                    self.on_change(changed)
        finally:
            self.watcher.stop()
            server.close()

    def url(self, host: str, port: int) -> str:
        shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, host)
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return f"http://{shown}:{port}{url_path(self.site.base_path)}"

    def first_build(self) -> None:
        try:
            result = self.builder.build()
        except BuildError as exc:
            self.failure = self.located(exc.problem)
            self.say(str(self.failure))
        else:
            self.record(result, set())
            self.say(result.summary())
            self.follow_named()
        self.hub.publish("reload", self.errors())

    def warm_up(self) -> None:
        """While the first pages are read: load what an up-to-date output let the first build skip."""
        if self.failure is not None:
            return
        started = time.perf_counter()
        try:
            result = self.builder.warm_up()
        except (BuildError, ConfigError):
            return  # the next save meets it again and reports it
        self.follow_named()  # the records are in memory now, the files they name known
        if result is not None:
            took = time.perf_counter() - started
            self.say(
                f"{result.digests} digests held in memory ({took:.2f}s): a save rebuilds what it changes"
            )
            if result.written:
                self.hub.publish("reload", self.errors())

    def on_change(self, changed: set[Path]) -> None:
        kinds = {path: kind for path in changed if (kind := self.paths.kind_of(path))}
        if not kinds:
            return
        started = time.perf_counter()
        self.pending |= set(kinds)
        to_build = set(self.pending)
        self.hub.set_building(True)
        failed_before = self.failure is not None
        if {Kind.CONFIG, Kind.LAYOUT} & set(kinds.values()):
            self.follow_config()  # first, so that a folder created now is watched from now on
        try:
            full = Kind.LAYOUT in kinds.values()
            result = self.builder.build() if full else self.builder.rebuild(to_build)
        except BuildError as exc:
            self.failure = self.located(exc.problem)
        except ConfigError as exc:
            self.failure = self.located(config_problem(exc))
        except Exception as exc:  # a bug in a stage must not take the preview down with it
            traceback.print_exc()
            self.failure = Problem("paperdigest", None, "error", f"internal error, please report it: {exc!r}")
        else:
            self.failure = None
            self.pending -= to_build
            self.record(result, {rel(path, self.root) for path in kinds})
            self.follow_named()
            if result.errors and not result.written:
                return self.finish("errors", kinds, "not changed, the last good pages stay", started)
            action = "reload" if failed_before else stylesheets_only(kinds)
            pages = None if failed_before else changed_pages(result, kinds)
            return self.finish(action, kinds, "rebuilt", started, pages)
        self.finish("errors", kinds, "build failed, the last good pages stay", started)

    def record(self, result: BuildResult, changed_rels: set[str]) -> None:
        """Keep the build's errors for the overlay; print them, the changed files' warnings and
        every problem the last build did not have, wherever it is: deleting an image is a warning
        in the digest that names it, retitling a paper one in each other digest that lists it."""
        self.build_errors = [p for p in result.problems if p.level == "error"]
        before = self.reported
        for problem in result.problems:
            new = before is not None and problem not in before
            if problem.level == "error" or problem.path in changed_rels or new:
                self.say(str(problem))
        self.reported = frozenset(result.problems)

    def finish(
        self,
        action: str,
        kinds: dict[Path, Kind],
        what: str,
        started: float,
        pages: frozenset[str] | None = None,
    ) -> None:
        """Tell the open pages, now that the output (if it changed) is in place; `pages`: the only
        ones to reload (None: all)."""
        if self.failure:
            self.say(str(self.failure))
        errors = self.errors()
        update = self.hub.publish(action, errors, pages)
        took = time.perf_counter() - started
        which = "" if pages is None or action != "reload" else f" {plural(len(pages), 'changed page')}"
        self.say(
            f"{describe(kinds, self.root)}: {what} in {took:.2f}s; "
            f"{len(errors)} error(s); pages: {update.action}{which} (build {update.generation})"
        )

    def errors(self) -> list[Problem]:
        """What the overlay shows: why the last build failed, else the errors it reported."""
        return ([self.failure] if self.failure else []) + self.build_errors

    def follow_config(self) -> None:
        """site.yaml may move folders or change the base path: watch and serve accordingly."""
        try:
            config = load_config(self.root)
        except ConfigError:
            return  # the build reports it; keep watching what we watch
        paths = replace(SourcePaths.of(config), named=self.paths.named)
        try:
            check_output(self.builder.out_dir, paths)
        except UnsafeOutput as exc:
            self.say(f"warning: {exc}; still watching the previous folders")
            return
        if paths != self.paths:
            self.paths = paths
            self.watcher.restart(paths)
        else:
            self.watcher.follow(paths)  # a folder created or removed
        if config.base_path != self.site.base_path:
            self.site.base_path = config.base_path
            self.say(f"base path is now {config.base_path}")

    def follow_named(self) -> None:
        """Watch the files the digests now name (an image in the site folder's own assets/, or
        beside a digest in a folder the walk skips), wherever they are: a build copies them."""
        paths = replace(self.paths, named=self.builder.named_files())
        if paths != self.paths:
            self.paths = paths
            self.watcher.follow(paths)

    def located(self, problem: Problem) -> Problem:
        """Paths under the site folder shown relative to it, like the digests' own problems."""
        path = Path(problem.path)
        if path.is_absolute() and path.is_relative_to(self.root):
            return Problem(rel(path, self.root), problem.line, problem.level, problem.message)
        return problem


def check_output(out_dir: Path, paths: SourcePaths) -> None:
    # The site folder itself is watched only one level deep (site.yaml, papers.yaml, folders),
    # so an output such as SOURCE/_preview is fine unless a watched folder is the site folder.
    for folder in (paths.root, *paths.folders()):
        if out_dir == folder or (folder in paths.folders() and out_dir.is_relative_to(folder)):
            raise UnsafeOutput(
                f"the preview output {out_dir} cannot be inside {folder}: each build would trigger the next"
            )


def check_not_foreign(out_dir: Path) -> None:
    """`--out DIR` must be new, empty or an earlier paperdigest output (build.foreign_output), told
    before the server starts: every build replaces the folder whole, so `serve --out docs` (a
    hand-written docs/ folder) would delete every file in it that the site does not have."""
    if foreign_output(out_dir):
        raise UnsafeOutput(
            f"the preview output {out_dir} holds files paperdigest did not write, and each build replaces "
            "the whole folder: choose a new or empty folder"
        )


def changed_pages(result: BuildResult, kinds: dict[Path, Kind]) -> frozenset[str] | None:
    """The pages a save of digests alone changed: only those reload, the other open pages keep
    what the reader was doing (a search being typed, the focus, opened details). None (every page
    reloads) for anything else: templates, static files and the configuration reach pages in ways
    their own file need not show (a script, an image), and a long list says little."""
    if result.changed is None or set(kinds.values()) != {Kind.CONTENT}:
        return None
    pages = frozenset(rel for rel in result.changed if rel.endswith(".html"))
    return pages if len(pages) <= PAGES_NAMED else None


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def stylesheets_only(kinds: dict[Path, Kind]) -> str:
    css = all(kind is Kind.STATIC and path.suffix.lower() == ".css" for path, kind in kinds.items())
    return "css" if css else "reload"


def config_problem(exc: ConfigError) -> Problem:
    message = str(exc).split(": error: ", 1)[-1]
    return Problem(exc.path, exc.line, "error", message)


def rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def describe(kinds: dict[Path, Kind], root: Path) -> str:
    names = sorted(rel(path, root) for path in kinds)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{shown} changed"
