"""Build-time math: KaTeX's own JavaScript, run in-process by V8 (mini-racer), with a persistent cache.

The Markdown stage hands every formula to a per-digest collector (`MathRenderer.page`), which puts a
placeholder into the HTML and queues the formula for a worker thread; the worker typesets queued
formulas in batches while the build goes on parsing. `MathRenderer.finish` waits for the worker and
swaps the placeholders for KaTeX HTML+MathML (or, for a formula KaTeX rejects, its source with an
error marker and a located warning). Results are cached by (formula, display mode, macros, KaTeX
version) in `.paperdigest-cache/math/` under the site root, so no formula is typeset twice, across
digests or builds.

Macros a digest defines in its formulas (`\\newcommand`, `\\def`, `\\gdef`, ... as MathJax keeps them
for the rest of a page) apply to its later formulas: each formula is typeset, and cached, with the
TeX of the definition formulas before it in its digest (`definitions_in_effect`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from markdown_it.common.utils import escapeHtml

from paperdigest import mathvariants
from paperdigest.config import SiteConfig
from paperdigest.errors import Problem
from paperdigest.katex_engine import OPTIONS_VERSION, TEX_EXTRAS, engine_for, math_setup
from paperdigest.mathvariants import for_mathml_core
from paperdigest.model import Card, Digest
from paperdigest.parse.mathtext import DEFINES  # also what formulas' readable text is read after

CACHE_DIR = Path(".paperdigest-cache") / "math"
# A cached MathML formula is KaTeX's after for_mathml_core: a change to that code changes every key.
MATHML_CORE_CODE = hashlib.sha256(Path(mathvariants.__file__).read_bytes()).hexdigest()[:16]
BATCH = 64  # formulas per call into V8: amortises the call overhead, keeps the worker responsive
PLACEHOLDER = re.compile("\x00(\\d+)\x00")  # markdown-it turns NUL in input into U+FFFD: never ambiguous


class EngineFailed(Exception):
    """The KaTeX engine itself failed (V8 out of memory, a katex.min.js that does not load), not a
    formula. Raised rather than published: digests parsed meanwhile, their formulas left as source,
    were cached as they were, and later builds published them so after the engine had recovered."""


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

    @classmethod
    def total(cls, parts: list[MathStats], setup) -> MathStats:
        """The stats of one build, summed over the processes that parsed its digests."""
        numbers = [f.name for f in dataclasses.fields(cls) if f.name not in ("mode", "katex_version")]
        sums = {name: sum(getattr(p, name) for p in parts) for name in numbers}
        version = setup.script.version if setup.script else ""
        return cls(mode=setup.mode, katex_version=version, **sums)

    @property
    def hit_rate(self) -> float:
        looked_up = self.cache_hits + self.rendered
        return self.cache_hits / looked_up if looked_up else 0.0


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


def cache_key(
    tex: str, display: bool, macros: dict, katex: str, output: str, definitions: tuple[str, ...] = ()
) -> str:
    """What a typeset formula is made from; `katex` is the hash of the script's bytes, `definitions`
    the TeX of the digest's definition formulas before it (what it is typeset after)."""
    data = [
        OPTIONS_VERSION,
        MATHML_CORE_CODE,
        katex,
        output,
        display,
        sorted(macros.items()),
        list(definitions),
        tex,
    ]
    data = json.dumps(data, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- one build's typesetting -----------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    key: str
    tex: str
    display: bool
    path: str
    line: int | None
    definitions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Met:
    """A formula as the Markdown stage met it, before the definitions it follows are known."""

    index: int  # its place in MathRenderer.occurrences (the number in its placeholder)
    tex: str
    display: bool
    line: int | None


class PageMath:
    """The collector the Markdown stage calls for each formula of one digest. The formulas are handed
    to the renderer when the digest is done (`close`): the title and the cards are read before the
    body, so only then is it known which definitions come before each formula."""

    def __init__(self, renderer: MathRenderer, rel: str, offset: int):
        self.renderer, self.rel, self.offset = renderer, rel, offset
        self.met: list[Met] = []

    def formula(self, tex: str, display: bool, line: int | None) -> str:
        located = line + self.offset if line is not None else None
        index = self.renderer.reserve()
        self.met.append(Met(index, tex, display, located))
        return f"\x00{index}\x00"

    def close(self) -> None:
        """Queue this digest's formulas, each with the definitions in effect where it stands."""
        met, self.met = self.met, []
        for formula, definitions in zip(met, definitions_in_effect(met), strict=True):
            self.renderer.add(formula, self.rel, definitions)


def definitions_in_effect(met: list[Met]) -> list[tuple[str, ...]]:
    """For each formula of a digest, the TeX of its definition formulas (DEFINES) before it in the
    source: by line, and in the order met on one line. A formula with no line of its own (the
    front matter's title, a card's field) sees every definition of the digest, as the body it
    sits in or stands for was written with them."""
    order = sorted(range(len(met)), key=lambda i: (met[i].line is None, met[i].line or 0, i))
    found: list[str] = []
    effect: list[tuple[str, ...]] = [()] * len(met)
    for i in order:
        effect[i] = tuple(found)
        if DEFINES.search(met[i].tex):
            found.append(met[i].tex)
    return effect


class MathRenderer:
    """Typesets one build's formulas on a worker thread; `finish` puts the results into the digests."""

    def __init__(self, config: SiteConfig, cache: bool = True):
        self.setup = math_setup(config)
        self.macros = {**TEX_EXTRAS, **self.setup.macros}
        self.occurrences: list[Occurrence | None] = []  # None: met, not yet handed over (PageMath.close)
        self.pages: list[PageMath] = []
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
        if not self.building:
            return None
        page = PageMath(self, rel, offset)
        self.pages.append(page)
        return page

    def reserve(self) -> int:
        """A place for a formula met in a digest, filled by `add` when the digest is closed."""
        self.occurrences.append(None)
        return len(self.occurrences) - 1

    def add(self, formula: Met, path: str, definitions: tuple[str, ...]) -> None:
        tex, display = formula.tex, formula.display
        key = cache_key(tex, display, self.macros, self.setup.script.digest, self.setup.output, definitions)
        self.occurrences[formula.index] = Occurrence(key, tex, display, path, formula.line, definitions)
        if key not in self.queued:
            self.queued.add(key)
            self._start_worker()
            self.queue.put((key, tex, display, definitions))

    def _start_worker(self) -> None:
        if self.worker is None:
            self.worker = threading.Thread(target=self._work, name="paperdigest-math", daemon=True)
            self.worker.start()

    def _work(self) -> None:
        done = False
        try:
            while not done:
                batch, done = self._next_batch()
                self._typeset(batch)
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

    def _typeset(self, batch: list[tuple[str, str, bool, tuple[str, ...]]]) -> None:
        if not batch:
            return
        cached = self.cache.get_many([key for key, *_ in batch])
        self.results.update(cached)
        self.cache_hits += len(cached)
        todo = [item for item in batch if item[0] not in cached]
        if not todo:  # V8 is not even started (0.3-0.5 s) when every formula is in the cache
            return
        started = time.perf_counter()
        items = [(tex, display, list(defs), bool(DEFINES.search(tex))) for _, tex, display, defs in todo]
        out = engine_for(self.setup.script).render(items, self.macros, self.setup.output)
        self.seconds += time.perf_counter() - started
        self.rendered += len(todo)
        if self.setup.output == "mathml":  # letter styles and table columns as browsers draw them
            out = [(ok, for_mathml_core(html) if ok else html) for ok, html in out]
        rows = [(key, ok, html) for (key, *_), (ok, html) in zip(todo, out, strict=True)]
        self.results.update({key: (ok, html) for key, ok, html in rows})
        self.cache.put_many(rows)

    def wait(self) -> None:
        """Let the worker finish what is queued (idempotent)."""
        for page in self.pages:  # a digest whose parse stopped before it closed its page
            page.close()
        self.pages = []
        if self.worker is not None and self.worker.is_alive():
            started = time.perf_counter()
            self.queue.put(None)
            self.worker.join()
            self.wait_seconds += time.perf_counter() - started
        self.cache.close()

    def finish(self, digests: Iterable[Digest]) -> tuple[list[Digest], list[Problem]]:
        """Digests with finished math in their HTML, and a warning for every formula KaTeX rejected.
        Raises EngineFailed when the engine failed: no formula of these digests is then typeset."""
        self.wait()
        if self.failure is not None:
            reason = str(self.failure).strip().splitlines() or [type(self.failure).__name__]
            raise EngineFailed(f"the KaTeX engine failed ({self.setup.script.path}): {reason[0]}")
        problems = list(self.problems)
        for occ in self.failed_once():
            problems.append(
                Problem(occ.path, occ.line, "warning", f"KaTeX: {clean_message(self.result(occ)[1])}")
            )
        finished = [self.fill(d) for d in digests]
        return finished, problems

    def failed_once(self) -> list[Occurrence]:
        """Each rejected formula once per place: a title's formula is also typeset in the page's
        heading, and a field's formula (no line of its own) in the card's body."""
        failed = [occ for occ in self.occurrences if not self.result(occ)[0]]
        located = {(occ.path, occ.key) for occ in failed if occ.line is not None}
        places = {(occ.path, occ.line, occ.key): occ for occ in failed}
        return [occ for occ in places.values() if occ.line is not None or (occ.path, occ.key) not in located]

    def result(self, occ: Occurrence) -> tuple[bool, str]:
        if occ.key in self.results:
            return self.results[occ.key]
        return False, "not typeset"

    def fill(self, digest: Digest) -> Digest:
        """The digest with typeset formulas in its body, its title and its cards' titles."""
        cards = tuple(self.fill_card(card) for card in digest.cards)
        changed = any(new is not old for new, old in zip(cards, digest.cards, strict=True))
        if "\x00" not in digest.html + digest.title_html and not changed:
            return digest
        return dataclasses.replace(
            digest, html=self.swap(digest.html), title_html=self.swap(digest.title_html), cards=cards
        )

    def fill_card(self, card: Card) -> Card:
        if "\x00" not in card.title_html + card.translated_title_html:
            return card
        return dataclasses.replace(
            card,
            title_html=self.swap(card.title_html),
            translated_title_html=self.swap(card.translated_title_html),
        )

    def swap(self, html: str) -> str:
        """Placeholders replaced by the typeset formulas they stand for."""
        if "\x00" not in html:
            return html
        return PLACEHOLDER.sub(lambda m: self.markup(self.occurrences[int(m.group(1))]), html)

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


# KaTeX writes `<mtable columnspacing="">` for some environments (cases, array): invalid MathML.
EMPTY_COLUMN_SPACING = ' columnspacing=""'


def clean_message(message: str) -> str:
    return message.removeprefix("KaTeX parse error: ").strip()


def formula_markup(tex: str, display: bool, html: str | None, error: str | None) -> str:
    """Typeset HTML in the same wrapper as browser mode; a rejected formula as its marked source."""
    tag, kind = ("div", "display") if display else ("span", "inline")
    if html == "":  # only definitions (`$$\newcommand{\R}{\mathbb{R}}$$`): nothing to show, no empty box
        return ""
    if html is not None:
        html = html.replace(EMPTY_COLUMN_SPACING, "")
        return f'<{tag} class="math {kind}" data-typeset="">{html}</{tag}>'
    label = escapeHtml(f"Formula error (KaTeX): {error}")
    return (
        f'<{tag} class="math {kind} math-error" data-typeset="error" title="{label}">'
        f'<span class="math-error-marker" role="img" aria-label="{label}">⚠</span>'
        f'<code class="math-source">{escapeHtml(tex)}</code></{tag}>'
    )
