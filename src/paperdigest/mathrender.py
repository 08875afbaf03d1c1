"""Build-time math: KaTeX's own JavaScript, run in-process by V8 (mini-racer), with a persistent cache.

The Markdown stage hands every formula to a per-digest collector (`MathRenderer.page`), which puts a
placeholder into the HTML and queues the formula for a worker thread; the worker typesets queued
formulas in batches while the build goes on parsing. `MathRenderer.finish` waits for the worker and
swaps the placeholders for KaTeX HTML+MathML (or, for a formula KaTeX rejects, its source with an
error marker and a located warning). Results are cached by (formula, display mode, macros, KaTeX
version) in `.paperdigest-cache/math/` under the site root, so no formula is typeset twice, across
digests or builds.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it.common.utils import escapeHtml

from paperdigest.config import KATEX_INTEGRITY, KATEX_VERSION, KatexConfig, SiteConfig
from paperdigest.errors import Problem
from paperdigest.model import Digest

CACHE_DIR = Path(".paperdigest-cache") / "math"
DEBIAN_KATEX = Path("/usr/share/javascript/katex")
BATCH = 64  # formulas per call into V8: amortises the call overhead, keeps the worker responsive
BATCH_TIMEOUT = 60.0  # seconds for one batch before each formula is retried alone
FORMULA_TIMEOUT = 10.0
# Changing how formulas are typeset (options below, output markup) must change every cache key.
OPTIONS_VERSION = "1"
KATEX_OPTIONS = {"throwOnError": True, "strict": "ignore", "output": "htmlAndMathml"}
# Subresource-integrity hashes of katex.min.css on the CDN, for the versions build mode may use.
CSS_INTEGRITY = {
    KATEX_VERSION: KATEX_INTEGRITY["katex.min.css"],
    "0.16.22": "sha384-5TcZemv2l/9On385z///+d7MSYlvIEw9FuZTIdZ14vJLqWphw7e7ZPuOiCHJcFCP",
}
PLACEHOLDER = re.compile("\x00(\\d+)\x00")  # markdown-it turns NUL in input into U+FFFD: never ambiguous
VERSION_IN_JS = re.compile(r"""version\s*[:=]\s*["'](\d+\.\d+\.\d+)["']""")

RENDER_JS = """
function paperdigestRender(items, macros, options) {
  return JSON.stringify(items.map(function (item) {
    try {
      var opts = Object.assign({}, options, {displayMode: item[1], macros: Object.assign({}, macros)});
      return [true, katex.renderToString(item[0], opts)];
    } catch (err) {
      return [false, String((err && err.message) || err)];
    }
  }));
}
"""


@dataclass(frozen=True)
class KatexScript:
    """The katex.min.js that build mode runs, and its version (the CSS must match it)."""

    path: Path
    version: str


@dataclass(frozen=True)
class MathSetup:
    """How this build typesets math: mode 'build' or 'browser', and why when it had to fall back."""

    mode: str
    script: KatexScript | None
    macros: dict
    problem: Problem | None = None


@dataclass(frozen=True)
class MathStats:
    """What build-time math cost: for build summaries and the benchmark."""

    mode: str = "browser"
    katex_version: str = ""
    formulas: int = 0  # occurrences in the built digests
    unique: int = 0  # distinct (formula, display) pairs
    cache_hits: int = 0  # distinct formulas found in the persistent cache
    rendered: int = 0  # distinct formulas typeset by KaTeX in this build
    errors: int = 0  # occurrences KaTeX rejected
    seconds: float = 0.0  # time spent typesetting inside KaTeX
    wait_seconds: float = 0.0  # time the build waited for the typesetting worker at the end

    @property
    def hit_rate(self) -> float:
        looked_up = self.cache_hits + self.rendered
        return self.cache_hits / looked_up if looked_up else 0.0


# --- finding KaTeX and an engine -------------------------------------------------------------


def _site_path(config: SiteConfig, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else config.root / path


def katex_candidates(config: SiteConfig) -> list[Path]:
    """Where katex.min.js may be, best first: math.katex_js, katex.local_dir (its CSS is what the
    pages load, so versions match), the sphinxcontrib-katex package, Debian's libjs-katex."""
    found = []
    if config.math.katex_js:
        path = _site_path(config, config.math.katex_js)
        found.append(path / "katex.min.js" if path.is_dir() else path)
    if config.katex.local_dir:
        found.append(_site_path(config, config.katex.local_dir) / "katex.min.js")
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        package = importlib.metadata.distribution("sphinxcontrib-katex")
        found.append(Path(package.locate_file("sphinxcontrib/katex.min.js")))
    found.append(DEBIAN_KATEX / "katex.min.js")
    return found


@lru_cache(maxsize=16)
def _script_version(path: Path, mtime: float) -> str | None:
    match = VERSION_IN_JS.search(path.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None


def find_katex(config: SiteConfig) -> KatexScript | None:
    for path in katex_candidates(config):
        if path.is_file():
            version = _script_version(path, path.stat().st_mtime)
            if version:
                return KatexScript(path, version)
    return None


def engine_available() -> bool:
    try:
        import py_mini_racer  # noqa: F401
    except ImportError:
        return False
    return True


def site_macros(config: SiteConfig) -> dict:
    """katex.macros (older sites) with math.macros over them; keys and values as TeX strings."""
    return {str(k): str(v) for k, v in {**config.katex.macros, **config.math.macros}.items()}


def math_setup(config: SiteConfig) -> MathSetup:
    macros = site_macros(config)
    if config.math.render == "browser":
        return MathSetup("browser", None, macros)
    script = find_katex(config)
    if script is None or not engine_available():
        why = (
            "no KaTeX engine (pip install mini-racer)"
            if script is not None
            else "katex.min.js not found (install sphinxcontrib-katex or set math.katex_js)"
        )
        problem = Problem(
            "site.yaml", None, "warning", f"math.render: build: {why}; math is typeset in the browser"
        )
        return MathSetup("browser", None, macros, problem)
    return MathSetup("build", script, macros)


def katex_assets(config: SiteConfig, base_url) -> dict:
    """What the pages load: KaTeX's CSS (and, in browser mode only, its script), local or CDN.

    `base_url(path)` makes a site link. In build mode the CDN CSS is that of the KaTeX version that
    typeset the pages."""
    setup = math_setup(config)
    build = setup.mode == "build"
    version = setup.script.version if build else KATEX_VERSION
    local = bool(config.katex.local_dir)
    default_cdn = config.katex.cdn == KatexConfig().cdn
    if local:
        base, integrity = base_url("assets/katex"), {}
    elif build:
        # The CSS must be that of the KaTeX that wrote the HTML; hashes are known for pinned versions.
        base = (
            config.katex.cdn.replace(f"katex@{KATEX_VERSION}", f"katex@{version}")
            if default_cdn
            else config.katex.cdn
        )
        known = default_cdn and version in CSS_INTEGRITY
        integrity = {"katex.min.css": CSS_INTEGRITY[version]} if known else {}
    else:
        base, integrity = config.katex.cdn, dict(KATEX_INTEGRITY)
    base = base.rstrip("/")
    return {
        "css": f"{base}/katex.min.css",
        "js": "" if build else f"{base}/katex.min.js",
        "integrity": integrity,
        "macros": setup.macros,
        "mode": setup.mode,
    }


class Engine:
    """One V8 isolate with KaTeX loaded; kept for the life of the process (e.g. the dev server)."""

    def __init__(self, script: KatexScript):
        from py_mini_racer import MiniRacer

        self.script = script
        self.lock = threading.Lock()
        self.ctx = MiniRacer()
        self.ctx.eval(script.path.read_text(encoding="utf-8"))
        self.ctx.eval(RENDER_JS)

    def render(self, items: list[tuple[str, bool]], macros: dict) -> list[tuple[bool, str]]:
        """[(tex, display)] -> [(ok, html or error message)], one call into V8 for the batch."""
        from py_mini_racer import JSTimeoutException

        with self.lock:
            try:
                return self._call(items, macros, BATCH_TIMEOUT)
            except JSTimeoutException:
                if len(items) == 1:
                    return [(False, "timed out")]
            return [self._one(item, macros) for item in items]

    def _one(self, item: tuple[str, bool], macros: dict) -> tuple[bool, str]:
        from py_mini_racer import JSTimeoutException

        try:
            return self._call([item], macros, FORMULA_TIMEOUT)[0]
        except JSTimeoutException:
            return (False, "timed out")

    def _call(self, items, macros, timeout: float) -> list[tuple[bool, str]]:
        args = ", ".join(json.dumps(a) for a in ([list(i) for i in items], macros, KATEX_OPTIONS))
        return [
            tuple(r) for r in json.loads(self.ctx.eval(f"paperdigestRender({args})", timeout_sec=timeout))
        ]

    def close(self) -> None:
        self.ctx.close()


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(script: KatexScript) -> Engine:
    with _engines_lock:
        engine = _engines.get(script.path)
        if engine is None or engine.script != script:
            engine = _engines[script.path] = Engine(script)
        return engine


@atexit.register
def _close_engines() -> None:
    # A live V8 context blocks interpreter exit, so close them all first.
    with _engines_lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()


# --- the persistent cache --------------------------------------------------------------------


class MathCache:
    """(key -> ok, html or error) in SQLite under the site root; memory-only when it cannot be opened."""

    def __init__(self, folder: Path | None):
        self.db = None
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / "katex.sqlite3", check_same_thread=False)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS formulas (key TEXT PRIMARY KEY, ok INTEGER, html TEXT)"
            )
        except (OSError, sqlite3.Error):
            self.db = None

    def get_many(self, keys: list[str]) -> dict[str, tuple[bool, str]]:
        if self.db is None or not keys:
            return {}
        marks = ",".join("?" * len(keys))
        try:
            rows = self.db.execute(
                f"SELECT key, ok, html FROM formulas WHERE key IN ({marks})", keys
            ).fetchall()
        except sqlite3.Error:
            return {}  # a damaged cache is only a slower build
        return {key: (bool(ok), html) for key, ok, html in rows}

    def put_many(self, rows: list[tuple[str, bool, str]]) -> None:
        if self.db is None or not rows:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO formulas VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time in the next build

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def cache_key(tex: str, display: bool, macros: dict, version: str) -> str:
    data = json.dumps([OPTIONS_VERSION, version, display, sorted(macros.items()), tex], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- one build's typesetting -----------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    key: str
    tex: str
    display: bool
    path: str
    line: int | None


class PageMath:
    """The collector the Markdown stage calls for each formula of one digest."""

    def __init__(self, renderer: MathRenderer, rel: str, offset: int):
        self.renderer, self.rel, self.offset = renderer, rel, offset

    def formula(self, tex: str, display: bool, line: int | None) -> str:
        located = line + self.offset if line is not None else None
        return self.renderer.add(tex, display, self.rel, located)


class MathRenderer:
    """Typesets one build's formulas on a worker thread; `finish` puts the results into the digests."""

    def __init__(self, config: SiteConfig, cache: bool = True):
        self.setup = math_setup(config)
        self.macros = self.setup.macros
        self.occurrences: list[Occurrence] = []
        self.results: dict[str, tuple[bool, str]] = {}
        self.queued: set[str] = set()
        self.cache_hits = self.rendered = 0
        self.seconds = self.wait_seconds = 0.0
        self.queue: queue.Queue = queue.Queue()
        self.failure: Exception | None = None
        self.worker: threading.Thread | None = None
        self.cache = MathCache(config.root / CACHE_DIR if cache and self.building else None)

    @property
    def building(self) -> bool:
        return self.setup.mode == "build"

    @property
    def problems(self) -> list[Problem]:
        return [self.setup.problem] if self.setup.problem else []

    def page(self, rel: str, offset: int) -> PageMath | None:
        """The collector for one digest, or None in browser mode (formulas stay as TeX for KaTeX.js)."""
        return PageMath(self, rel, offset) if self.building else None

    def add(self, tex: str, display: bool, path: str, line: int | None) -> str:
        key = cache_key(tex, display, self.macros, self.setup.script.version)
        self.occurrences.append(Occurrence(key, tex, display, path, line))
        if key not in self.queued:
            self.queued.add(key)
            self._start_worker()
            self.queue.put((key, tex, display))
        return f"\x00{len(self.occurrences) - 1}\x00"

    def _start_worker(self) -> None:
        if self.worker is None:
            self.worker = threading.Thread(target=self._work, name="paperdigest-math", daemon=True)
            self.worker.start()

    def _work(self) -> None:
        done = False
        try:
            engine = engine_for(self.setup.script)
            while not done:
                batch, done = self._next_batch()
                self._typeset(engine, batch)
        except Exception as exc:  # e.g. V8 out of memory: finish() reports each formula left over
            self.failure = exc
            while not done:
                done = self.queue.get() is None

    def _next_batch(self) -> tuple[list, bool]:
        """Up to BATCH queued formulas; waits a little for more so that V8 calls stay large."""
        batch = [self.queue.get()]
        while len(batch) < BATCH and batch[-1] is not None:
            try:
                batch.append(self.queue.get(timeout=0.005))
            except queue.Empty:
                break
        done = batch[-1] is None
        return [item for item in batch if item is not None], done

    def _typeset(self, engine: Engine, batch: list[tuple[str, str, bool]]) -> None:
        if not batch:
            return
        cached = self.cache.get_many([key for key, _, _ in batch])
        self.results.update(cached)
        self.cache_hits += len(cached)
        todo = [item for item in batch if item[0] not in cached]
        if not todo:
            return
        started = time.perf_counter()
        out = engine.render([(tex, display) for _, tex, display in todo], self.macros)
        self.seconds += time.perf_counter() - started
        self.rendered += len(todo)
        rows = [(key, ok, html) for (key, _, _), (ok, html) in zip(todo, out, strict=True)]
        self.results.update({key: (ok, html) for key, ok, html in rows})
        self.cache.put_many(rows)

    def wait(self) -> None:
        """Let the worker finish what is queued (idempotent)."""
        if self.worker is not None and self.worker.is_alive():
            started = time.perf_counter()
            self.queue.put(None)
            self.worker.join()
            self.wait_seconds += time.perf_counter() - started
        self.cache.close()

    def finish(self, digests: Iterable[Digest]) -> tuple[list[Digest], list[Problem]]:
        """Digests with finished math in their HTML, and a warning for every formula KaTeX rejected."""
        self.wait()
        problems = list(self.problems)
        for occ in self.occurrences:
            ok, message = self.result(occ)
            if not ok:
                problems.append(Problem(occ.path, occ.line, "warning", f"KaTeX: {clean_message(message)}"))
        finished = [self.fill(d) for d in digests]
        return finished, problems

    def result(self, occ: Occurrence) -> tuple[bool, str]:
        if occ.key in self.results:
            return self.results[occ.key]
        return False, f"engine failed: {self.failure}" if self.failure else "not typeset"

    def fill(self, digest: Digest) -> Digest:
        if "\x00" not in digest.html:
            return digest
        html = PLACEHOLDER.sub(lambda m: self.markup(self.occurrences[int(m.group(1))]), digest.html)
        return dataclasses.replace(digest, html=html)

    def markup(self, occ: Occurrence) -> str:
        ok, html = self.result(occ)
        return formula_markup(occ.tex, occ.display, html if ok else None, None if ok else clean_message(html))

    def stats(self) -> MathStats:
        return MathStats(
            mode=self.setup.mode,
            katex_version=self.setup.script.version if self.setup.script else "",
            formulas=len(self.occurrences),
            unique=len(self.queued),
            cache_hits=self.cache_hits,
            rendered=self.rendered,
            errors=sum(not self.result(o)[0] for o in self.occurrences),
            seconds=self.seconds,
            wait_seconds=self.wait_seconds,
        )


def clean_message(message: str) -> str:
    return message.removeprefix("KaTeX parse error: ").strip()


def formula_markup(tex: str, display: bool, html: str | None, error: str | None) -> str:
    """Typeset HTML in the same wrapper as browser mode; a rejected formula as its marked source."""
    tag, kind = ("div", "display") if display else ("span", "inline")
    if html is not None:
        return f'<{tag} class="math {kind}" data-typeset="">{html}</{tag}>'
    label = escapeHtml(f"Formula error (KaTeX): {error}")
    return (
        f'<{tag} class="math {kind} math-error" data-typeset="error" title="{label}">'
        f'<span class="math-error-marker" role="img" aria-label="{label}">⚠</span>'
        f'<code class="math-source">{escapeHtml(tex)}</code></{tag}>'
    )


def math_problems(config: SiteConfig, paths: Iterable[Path]) -> tuple[list[Problem], MathStats]:
    """KaTeX's verdict on every formula of `paths` (digest files): the warnings a build would print.

    For `paperdigest check`; uses and fills the same cache as builds. In browser mode (or without an
    engine) formulas cannot be checked: the list then holds only the note saying so."""
    from paperdigest.parse import parse_digest

    renderer = MathRenderer(config)
    if not renderer.building:
        note = renderer.setup.problem or Problem(
            "site.yaml", None, "note", "math.render: browser: formulas not checked"
        )
        return [note], renderer.stats()
    for path in paths:
        parse_digest(path, config.root, config.base_path, math=renderer)
    _, problems = renderer.finish([])
    return problems, renderer.stats()
