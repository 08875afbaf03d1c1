"""KaTeX for build-time math: which katex.min.js, which mode, what pages load, and the V8 engine.

KaTeX's code comes from a package installed on the machine, never from this repository: see
`katex_candidates`. The engine is mini-racer (V8 in-process), one isolate per KaTeX script, kept
for the life of the process and closed at exit (a live isolate would block interpreter exit).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import importlib.metadata
import json
import os
import queue
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from paperdigest.config import KATEX_INTEGRITY, KATEX_VERSION, KatexConfig, SiteConfig
from paperdigest.errors import Problem

DEBIAN_KATEX = Path("/usr/share/javascript/katex")
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
def script_version(path: Path, mtime: float) -> str | None:
    match = VERSION_IN_JS.search(path.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None


def find_katex(config: SiteConfig) -> KatexScript | None:
    for path in katex_candidates(config):
        if path.is_file():
            version = script_version(path, path.stat().st_mtime)
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
    """One V8 isolate with KaTeX loaded, owned by a thread of its own for the life of the process.

    mini-racer binds an isolate to the thread that made it: closing it from another thread (or
    letting the garbage collector do so at exit) crashes the interpreter with a segmentation
    fault. So one daemon thread makes, uses and closes the isolate, and callers hand it work.
    """

    def __init__(self, script: KatexScript):
        self.script = script
        self.pid = os.getpid()
        self.calls: queue.Queue = queue.Queue()
        ready: concurrent.futures.Future = concurrent.futures.Future()
        self.thread = threading.Thread(target=self._own, args=(ready,), name="paperdigest-katex", daemon=True)
        self.thread.start()
        ready.result()  # raises what loading KaTeX raised

    def _own(self, ready: concurrent.futures.Future) -> None:
        from py_mini_racer import MiniRacer

        try:
            ctx = MiniRacer()
            ctx.eval(self.script.path.read_text(encoding="utf-8"))
            ctx.eval(RENDER_JS)
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        while (call := self.calls.get()) is not None:
            code, timeout, answer = call
            try:
                answer.set_result(ctx.eval(code, timeout_sec=timeout))
            except BaseException as exc:
                answer.set_exception(exc)
        ctx.close()

    def render(self, items: list[tuple[str, bool]], macros: dict) -> list[tuple[bool, str]]:
        """[(tex, display)] -> [(ok, html or error message)], one call into V8 for the batch."""
        from py_mini_racer import JSTimeoutException

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
        answer: concurrent.futures.Future = concurrent.futures.Future()
        self.calls.put((f"paperdigestRender({args})", timeout, answer))
        return [tuple(r) for r in json.loads(answer.result())]

    def close(self) -> None:
        """Close the isolate on its own thread. In a forked child the thread does not exist (threads
        do not survive fork): the child's copy is left alone and goes with the child."""
        if self.pid == os.getpid() and self.thread.is_alive():
            self.calls.put(None)
            self.thread.join()


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(script: KatexScript) -> Engine:
    with _engines_lock:
        engine = _engines.get(script.path)
        if engine is None or engine.script != script or engine.pid != os.getpid():
            if engine is not None:
                engine.close()  # the file changed (e.g. a KaTeX upgrade): load the new one
            engine = _engines[script.path] = Engine(script)
        return engine


@atexit.register
def _close_engines() -> None:
    # A live V8 context blocks interpreter exit, so close them all first.
    with _engines_lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()
