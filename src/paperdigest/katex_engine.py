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


class V8Thread:
    """The one thread that makes, uses and closes every V8 context of this process.

    mini-racer binds V8 to the thread that first used it: a context made, used or closed on any
    other thread (or closed by the garbage collector at exit) crashes the interpreter with a
    segmentation fault. So every call into V8 is handed to this thread and waited for."""

    def __init__(self):
        self.pid = os.getpid()
        self.calls: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="paperdigest-v8", daemon=True)
        self.thread.start()

    def run(self, call):
        answer: concurrent.futures.Future = concurrent.futures.Future()
        self.calls.put((call, answer))
        return answer.result()

    def _serve(self) -> None:
        while (item := self.calls.get()) is not None:
            call, answer = item
            try:
                answer.set_result(call())
            except BaseException as exc:  # e.g. a JS timeout: raised again in the caller
                answer.set_exception(exc)

    def stop(self) -> None:
        self.calls.put(None)
        self.thread.join()


_v8: V8Thread | None = None


def v8_thread() -> V8Thread:
    """This process's V8 thread (a forked child has none of its parent's threads: it makes its own)."""
    global _v8
    if _v8 is None or _v8.pid != os.getpid():
        _v8 = V8Thread()
    return _v8


class Engine:
    """One V8 context with KaTeX loaded, kept for the life of the process (e.g. the dev server)."""

    def __init__(self, script: KatexScript):
        self.script = script
        self.v8 = v8_thread()
        self.ctx = self.v8.run(lambda: load_katex(script))

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
        code = f"paperdigestRender({args})"
        return [tuple(r) for r in json.loads(self.v8.run(lambda: self.ctx.eval(code, timeout_sec=timeout)))]

    def close(self) -> None:
        """Close the context on the V8 thread; a forked child leaves its copy of the parent's alone."""
        if self.v8.pid == os.getpid() and self.v8.thread.is_alive():
            self.v8.run(self.ctx.close)


def load_katex(script: KatexScript):
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    ctx.eval(script.path.read_text(encoding="utf-8"))
    ctx.eval(RENDER_JS)
    return ctx


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(script: KatexScript) -> Engine:
    with _engines_lock:
        engine = _engines.get(script.path)
        if engine is None or engine.script != script or engine.v8.pid != os.getpid():
            if engine is not None:
                engine.close()  # the file changed (e.g. a KaTeX upgrade): load the new one
            engine = _engines[script.path] = Engine(script)
        return engine


@atexit.register
def _close_engines() -> None:
    # A live V8 context blocks interpreter exit, so close them all first, on the V8 thread.
    with _engines_lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()
        if _v8 is not None and _v8.pid == os.getpid():
            _v8.stop()
