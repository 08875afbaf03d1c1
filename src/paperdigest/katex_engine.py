"""KaTeX: which katex.min.js typesets, in which mode, what pages load, and the V8 engine.

paperdigest bundles one KaTeX release (`katex/`, version `config.KATEX_VERSION`); a site may name
another copy (`katex.local_dir`, `math.katex_js`). Whichever typesets the formulas, its CSS and
fonts are the ones the site carries in `assets/katex/` (or loads from the CDN when
`katex.use_cdn` is on), so the CSS always matches the HTML it styles. The engine is mini-racer
(V8 in-process): one isolate with the KaTeX in use, kept for the life of the process (or until
another KaTeX is used) and closed at exit (a live isolate would block interpreter exit).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import hashlib
import json
import os
import queue
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from paperdigest.config import KATEX_CDN, KATEX_INTEGRITY, KATEX_VERSION, SiteConfig
from paperdigest.errors import Problem

BUNDLED_KATEX = Path(__file__).parent / "katex"
BATCH_TIMEOUT = 60.0  # seconds for one batch before each formula is retried alone
FORMULA_TIMEOUT = 10.0
# Changing how formulas are typeset (options below, output markup) must change every cache key.
OPTIONS_VERSION = "8"
KATEX_OPTIONS = {"throwOnError": True, "strict": "ignore"}  # and `output`, the site's math.output
VERSION_IN_JS = re.compile(r"""version\s*[:=]\s*["'](\d+\.\d+\.\d+)["']""")
JSDELIVR_KATEX = re.compile(r"^https://cdn\.jsdelivr\.net/npm/katex@[^/]+/dist/?$")

# What notes written for MathJax define with, which KaTeX lacks or refuses; under the site's macros
# in both modes. MathJax's \newcommand defines a command whether or not one of that name exists,
# KaTeX's refuses one it knows (and it knows \R, \argmax, ...): made sure to exist, then redefined.
# \DeclareMathOperator (amsmath, MathJax) is a \newcommand of an \operatorname, starred or not.
TEX_EXTRAS = {
    "\\newcommand": "\\providecommand{#1}{}\\renewcommand{#1}",
    "\\DeclareMathOperator": "\\@ifstar\\paperdigest@operatorstar\\paperdigest@operator",
    "\\paperdigest@operator": "\\newcommand{#1}{\\operatorname{#2}}",
    "\\paperdigest@operatorstar": "\\newcommand{#1}{\\operatorname*{#2}}",
}

# items: [tex, display, definitions, defines]. `definitions` is the TeX of the formulas before this
# one in its digest that define macros (\newcommand, \def, \gdef, ...), in document order: they are
# parsed first into a copy of the site's macros with KaTeX's globalGroup, as KaTeX's auto-render
# does with one macros object for a page, so the formula is typeset with what they left. A formula
# that `defines` and draws nothing (its parse tree is empty) gives "" rather than an empty box.
RENDER_JS = """
function paperdigestRender(items, macros, options) {
  function parse(tex, opts) {  // KaTeX's parse tree (its __parse); null from a KaTeX without it
    return katex.__parse ? katex.__parse(tex, opts) : (katex.renderToString(tex, opts), null);
  }
  var after = new Map();  // definitions (as JSON) -> the macros they leave, made once per call
  function macrosAfter(definitions) {
    if (!definitions.length) return macros;
    var key = JSON.stringify(definitions);
    if (!after.has(key)) {
      var made = Object.assign({}, macrosAfter(definitions.slice(0, -1)));
      var defining = Object.assign({}, options, {macros: made, globalGroup: true});
      try {
        parse(definitions[definitions.length - 1], defining);
      } catch (err) {}  // what it defined before its error stays defined, as in a browser
      after.set(key, made);
    }
    return after.get(key);
  }
  return JSON.stringify(items.map(function (item) {
    try {
      var before = macrosAfter(item[2] || []);
      var opts = Object.assign({}, options, {displayMode: item[1], macros: Object.assign({}, before)});
      var html = katex.renderToString(item[0], opts);
      var tree = item[3] && parse(item[0], Object.assign({}, opts, {macros: Object.assign({}, before)}));
      return [true, tree && tree.length === 0 ? "" : html];
    } catch (err) {
      return [false, String((err && err.message) || err)];
    }
  }));
}
"""


@dataclass(frozen=True)
class KatexScript:
    """The katex.min.js in use, its version (the CSS must match it) and the hash of its bytes (what
    typeset formulas are made from, wherever the file is)."""

    path: Path
    version: str
    digest: str = ""


@dataclass(frozen=True)
class MathSetup:
    """How this build typesets math: mode 'build' or 'browser', and a warning about it if any."""

    mode: str
    script: KatexScript | None  # the script that typesets at build time (None in browser mode)
    macros: dict
    problem: Problem | None = None
    output: str = "mathml"  # KaTeX's `output` option at build time (math.output)


def _site_path(config: SiteConfig, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else config.root / path


def configured_katex(config: SiteConfig) -> list[Path]:
    """The katex.min.js files site.yaml names, best first: math.katex_js, then katex.local_dir."""
    found = []
    if config.math.katex_js:
        path = _site_path(config, config.math.katex_js)
        found.append(path / "katex.min.js" if path.is_dir() else path)
    if config.katex.local_dir:
        found.append(_site_path(config, config.katex.local_dir) / "katex.min.js")
    return found


@lru_cache(maxsize=16)
def read_script(path: Path, size: int, mtime_ns: int) -> tuple[str | None, str]:
    """(version it names, hash of its bytes) of a katex.min.js, read once while it is unchanged."""
    data = path.read_bytes()
    match = VERSION_IN_JS.search(data.decode("utf-8", errors="replace"))
    return (match.group(1) if match else None), hashlib.sha256(data).hexdigest()


def find_katex(config: SiteConfig) -> KatexScript:
    """The first configured katex.min.js that exists and names its version, else the bundled one."""
    for path in [*configured_katex(config), BUNDLED_KATEX / "katex.min.js"]:
        try:
            st = path.stat()
            version, digest = read_script(path, st.st_size, st.st_mtime_ns)
        except OSError:
            continue
        if version:
            return KatexScript(path, version, digest)
    return KatexScript(BUNDLED_KATEX / "katex.min.js", KATEX_VERSION)


def style_folder(script: KatexScript) -> Path:
    """The folder of the katex.min.css and fonts/ that go with `script`: its own, when it has them."""
    own = script.path.parent
    return own if (own / "katex.min.css").is_file() else BUNDLED_KATEX


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
    script = find_katex(config)
    problem = style_problem(script)
    if config.math.render == "browser":
        return MathSetup("browser", None, macros, problem)
    if not engine_available():
        message = (
            "math.render: build: no KaTeX engine (pip install mini-racer); math is typeset in the browser"
        )
        return MathSetup("browser", None, macros, Problem("site.yaml", None, "warning", message))
    return MathSetup("build", script, macros, problem, config.math.output)


def style_problem(script: KatexScript) -> Problem | None:
    """A katex.min.js without its CSS beside it is styled by the bundled CSS: fine unless versions differ."""
    if style_folder(script) != BUNDLED_KATEX or script.version == KATEX_VERSION:
        return None
    message = (
        f"no katex.min.css beside {script.path}: its KaTeX {script.version} formulas "
        f"are styled by the CSS of the bundled KaTeX {KATEX_VERSION}"
    )
    return Problem("site.yaml", None, "warning", message)


def cdn_base(config: SiteConfig, version: str) -> str:
    """katex.cdn, a jsDelivr KaTeX URL pointed at `version` (the CSS must be that of the HTML's KaTeX)."""
    cdn = config.katex.cdn.rstrip("/")
    return KATEX_CDN.replace(KATEX_VERSION, version) if JSDELIVR_KATEX.match(cdn) else cdn


def katex_assets(config: SiteConfig, base_url) -> dict:
    """What the pages load: KaTeX's CSS (and, in browser mode only, its script), the site's or the CDN's.

    `base_url(path)` makes a site link."""
    setup = math_setup(config)
    script = find_katex(config)
    if config.katex.use_cdn:
        base = cdn_base(config, script.version)
        # Hashes are known for the bundled release only; a wrong hash would block the file.
        integrity = dict(KATEX_INTEGRITY) if base == KATEX_CDN else {}
    else:
        base, integrity = base_url("assets/katex").rstrip("/"), {}
    return {
        "css": f"{base}/katex.min.css",
        "js": "" if setup.mode == "build" else f"{base}/katex.min.js",
        "integrity": integrity,
        # In browser mode site.js typesets with these; build-time pages need none (see TEX_EXTRAS).
        "macros": setup.macros if setup.mode == "build" else {**TEX_EXTRAS, **setup.macros},
        "mode": setup.mode,
    }


def katex_output_files(config: SiteConfig) -> list[tuple[Path, str]]:
    """(source file, output path) of the KaTeX files the site carries in assets/katex/: the CSS and
    fonts that go with the KaTeX in use, and its script when readers' browsers typeset; nothing when
    the pages load KaTeX from the CDN."""
    if config.katex.use_cdn:
        return []
    script = find_katex(config)
    folder = style_folder(script)
    files = [(folder / "katex.min.css", "assets/katex/katex.min.css")]
    fonts = folder / "fonts"
    if fonts.is_dir():
        files += [(f, f"assets/katex/fonts/{f.name}") for f in sorted(fonts.iterdir()) if f.is_file()]
    if math_setup(config).mode == "browser":
        files.append((script.path, "assets/katex/katex.min.js"))
    return files


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

    def render(self, items: list[tuple], macros: dict, output: str) -> list[tuple[bool, str]]:
        """[(tex, display)] or [(tex, display, definitions, defines)] (see RENDER_JS) -> [(ok, html
        or error message)], one call into V8 for the batch; `output` is KaTeX's output option
        ('mathml', 'htmlAndMathml' or 'html')."""
        from py_mini_racer import JSTimeoutException

        options = {**KATEX_OPTIONS, "output": output}
        try:
            return self._call(items, macros, options, BATCH_TIMEOUT)
        except JSTimeoutException:
            if len(items) == 1:
                return [(False, "timed out")]
        return [self._one(item, macros, options) for item in items]

    def _one(self, item: tuple, macros: dict, options: dict) -> tuple[bool, str]:
        from py_mini_racer import JSTimeoutException

        try:
            return self._call([item], macros, options, FORMULA_TIMEOUT)[0]
        except JSTimeoutException:
            return (False, "timed out")

    def _call(self, items, macros, options: dict, timeout: float) -> list[tuple[bool, str]]:
        args = ", ".join(json.dumps(a) for a in ([list(i) for i in items], macros, options))
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
                engine.close()  # another KaTeX at that path (a KaTeX upgrade): load it
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
