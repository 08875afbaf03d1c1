"""Orchestrates the stages: config -> parse -> group -> render -> write."""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import re
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import jinja2

from paperdigest import once
from paperdigest.bibtex import bibliography
from paperdigest.boundary import boundary_of, leaves, link_problem, outside_folder_notes, shown_path
from paperdigest.config import CONFIG_NAME, SiteConfig, base_url_problem, check_named_paths, load_config
from paperdigest.digest_files import DigestFiles, copy_digest_files, digest_files, named_files
from paperdigest.errors import ConfigError, Problem
from paperdigest.group import SiteIndex, build_index
from paperdigest.history import read_history
from paperdigest.incremental.bodies import BodyStore, StoredBody, stored
from paperdigest.incremental.cache import (
    CACHE_DIR,
    BuildCache,
    code_fingerprint,
    digest_of,
    parse_key,
    parse_settings,
)
from paperdigest.incremental.fingerprint import Fingerprints, environment_fingerprint
from paperdigest.incremental.grouping import RememberedSteps, merged_from
from paperdigest.incremental.memo import (
    BuildMemo,
    KeptEnvironment,
    KeptManifest,
    LastSite,
    Parsed,
    StoredLines,
)
from paperdigest.incremental.output import BackgroundCheck, OutputCheck, SiteOutput, files_beyond
from paperdigest.katex_engine import engine_for, katex_output_files, math_setup
from paperdigest.mathrender import EngineFailed, MathStats
from paperdigest.model import Paper
from paperdigest.overrides import FILE_NAME as OVERRIDES_FILE
from paperdigest.overrides import load_overrides
from paperdigest.parallel import RenderFailed, parse_all, parse_chunk_items, render_pages
from paperdigest.parse import discover_digests, parse_digest
from paperdigest.parse.digest import ParseResult
from paperdigest.parse.source import looks_binary, skipped_folder
from paperdigest.publish import big_file_problems, site_size_problem
from paperdigest.render import (
    FIRST_PAGE_ONLY,
    Page,
    PageGroup,
    TemplateRefused,
    Urls,
    make_environment,
    papers_json,
    site_plan,
    theme_dir,
)
from paperdigest.search import index_pages
from paperdigest.template_usage import unused_templates
from paperdigest.workers import WorkerDied
from paperdigest.write import AtomicOutput, published_path

PROGRESS_THRESHOLD = 200  # digests; smaller builds finish before a bar is worth drawing


@dataclass
class Gathered:
    """A site parsed and grouped, nothing written (Builder.gather)."""

    config: SiteConfig
    env: jinja2.Environment
    index: SiteIndex
    problems: list[Problem]
    files: DigestFiles  # the files the digests name by a relative path


class BuildError(Exception):
    """The site cannot be built (e.g. a template error); the previous output is untouched."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class BuildResult:
    digests: int = 0
    papers: int = 0
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    parsed: int = 0  # digests parsed in this build
    cached: int = 0  # read back from the persistent cache
    remembered: int = 0  # held in memory since the last build of this Builder (the dev server's)
    rendered: int = 0  # files rendered in this build; the others were unchanged
    written: int = 0  # files written; a re-rendered file with unchanged bytes is not rewritten
    # The output files written or removed (the dev server reloads the pages among them); None: any.
    changed: frozenset[str] | None = None
    bytes: int = 0  # of the whole output, as published
    math: MathStats = field(default_factory=MathStats)
    # Every stage did all of its work. False: a search shard could not be indexed (Pagefind missing
    # or failing); the build is then not recorded as up to date, so the next one indexes it.
    complete: bool = True

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)

    def summary(self) -> str:
        return (
            f"Built {self.digests} digests, {self.papers} papers, {self.pages} pages "
            f"({megabytes(self.bytes)}), {self.errors} errors, {self.warnings} warnings in {self.seconds:.2f}s"
        )


def megabytes(size: int) -> str:
    """What a site weighs, as GitHub Pages counts it (1 GB = 1,000 MB)."""
    return f"{size / 1e6:.1f} MB" if size < 10e6 else f"{size / 1e6:,.0f} MB"


def build_site(
    root: Path,
    out_dir: Path | None = None,
    *,
    base_url: str | None = None,
    drafts: bool = False,
    progress: bool = False,
    jobs: int | None = None,
) -> BuildResult:
    """Build the site at `root` into `out_dir` (default root/_site) for publishing: also warns when
    sitemap, robots.txt and feeds would carry relative URLs. Raises ConfigError, BuildError."""
    builder = Builder(root, out_dir, base_url=base_url, drafts=drafts, progress=progress, jobs=jobs)
    result = builder.build()
    problem = base_url_problem(load_config(builder.root, base_url=base_url))
    result.problems += [problem] if problem else []
    return result


class Builder:
    """Holds what one site needs between builds; the dev server keeps one alive and calls rebuild().

    Parsed digests are kept in memory (and in the persistent cache), so a rebuild re-reads only the
    files it is told changed; pages are re-rendered only when what they are made from changed.
    Everything remembered is in `self.memo` (incremental/memo.py), this builder's alone.
    """

    def __init__(
        self,
        root: Path,
        out_dir: Path | None = None,
        *,
        base_url: str | None = None,
        drafts: bool = False,
        progress: bool = False,
        jobs: int | None = None,
        preview: bool = False,
    ):
        self.root = root.resolve()
        self.out_dir = (out_dir or self.root / "_site").resolve()
        # --out: any folder, so it must be no one else's; the site's own _site/ is paperdigest's.
        self.out_named = self.out_dir != (self.root / "_site").resolve()
        self.base_url, self.drafts, self.progress = base_url, drafts, progress
        self.preview = preview  # the dev server's output: what guards a published site does not apply
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.memo = BuildMemo()

    def rebuild(self, changed: set[Path]) -> BuildResult:
        """Bring the output up to date after `changed` files were edited, added or deleted."""
        changed = {Path(os.path.abspath(p)) for p in changed}  # a link is the file it is, not its target
        parsed = self.memo.parsed
        if not parsed or any(p.parent == self.root and p.name == CONFIG_NAME for p in changed):
            parsed.clear()  # nothing to build on, or the configuration changed: start over
            return self._build(trust_memory=False, shortcut=False)  # and keep the records in memory
        for path in changed:
            parsed.pop(path, None)
        return self._build(trust_memory=True, changed=changed)

    def build(self) -> BuildResult:
        return self._build(trust_memory=False)

    def warm_up(self) -> BuildResult | None:
        """What the dev server calls after its first build, so that its first rebuild() is as quick
        as the later ones: loads the records when that build found the output up to date and loaded
        nothing (else returns None), then has the garbage collector go through the build's millions
        of objects once, now, instead of in the middle of the first rebuild. It also encodes every
        paper's line of papers.json and BibTeX entry in this process (render workers keep theirs) and parses one
        digest, result unused, so that the Markdown parser, its plugins and lexers are set up."""
        result = None if self.memo.parsed else self.rebuild(set())
        if self.memo.site is not None:
            index, config = self.memo.site.index, self.memo.site.config
            for _ in papers_json(tuple(index.papers.values()), Urls(config), self.memo.paper_lines):
                pass
            papers = tuple(index.papers.values())  # and papers.bib's entries
            bibliography(papers, self.memo.bib.keys(papers), self.memo.bib.entries)
            # Warming only: a KaTeX engine that fails here is the next build's error to report.
            with contextlib.suppress(Exception):
                parse_chunk_items([*itertools.islice(self.memo.parsed, 1)], self.root, config)
                if (math := math_setup(config)).mode == "build":  # its formulas were cached: V8 is not up
                    engine_for(math.script)
        gc.collect()
        return result

    def gather(self) -> Gathered:
        """Parse and group the site exactly as a build does, writing no output: what `check` lints."""
        config, settings = self.configure()
        result = BuildResult()
        cache = BuildCache(self.root)
        try:
            env, _ = self.environment(config, cache)
            paths, known, keyed = self.digest_keys(config, settings, False, None, result)
            results = self.parse(config, cache, paths, known, keyed, False, result)
            result.problems += unused_templates(env, config)
            index = self.group(results, result)
        except STOPPED as exc:
            raise BuildError(stopped_problem(exc)) from None
        finally:
            cache.close()
        files = digest_files(named_files(index.digests), self.root)
        return Gathered(config, env, index, files.with_problems(result.problems), files)

    def named_files(self) -> frozenset[Path]:
        """The files in the site folder that the last build's digests name by a path and that it
        publishes when they are there (digest_files): what the dev server watches besides the
        site's folders."""
        if self.memo.site is None:
            return frozenset()
        named = named_files(self.memo.site.index.digests)
        return frozenset(self.root / found.path for _, found in named if found.published)

    def configure(self) -> tuple[SiteConfig, str]:
        """The configuration and parse settings; what is remembered is dropped when those change."""
        config = load_config(self.root, base_url=self.base_url)
        check_named_paths(config)
        settings = parse_settings(config)
        if settings != self.memo.parse_settings:
            self.memo.forget()
            self.memo.parse_settings = settings
        return config, settings

    def _build(
        self, trust_memory: bool, shortcut: bool = True, changed: set[Path] | None = None
    ) -> BuildResult:
        started = time.perf_counter()
        config, settings = self.configure()
        check_output_folder(self.out_dir, config, self.out_named)
        result = BuildResult()
        cache = BuildCache(self.root)
        env, templates_fp = self.environment(config, cache)
        site_fp = digest_of(code_fingerprint(), repr(config), str(self.drafts), environment_fingerprint(env))
        checking = None
        try:
            with stage(result, "parse"):
                checking = self.background_check(cache, trust_memory)
                paths, known, keyed = self.digest_keys(config, settings, trust_memory, changed, result)
                if not self.preview:
                    check_not_emptied(paths, cache.get_build(self.out_dir), config)
                keys = {**{p: k.key for p, k in known.items()}, **keyed}
                history = read_history(self.root, config.repo_url)  # commits are an input of pages
                # The walk's notes and errors too (a folder linking out of the site, a file that is
                # no digest): a build found up to date reports the last build's problems.
                build_fp = digest_of(
                    site_fp, templates_fp, file_fingerprint(self.root / OVERRIDES_FILE), repr(history),
                    repr(self.memo.discovered.notes),
                    *(f"{shown_path(p, self.root)}={keys.get(p)}" for p in paths),
                )  # fmt: skip
                if shortcut and self.up_to_date_or_failed(cache, config, build_fp, result, checking):
                    result.seconds = time.perf_counter() - started
                    return result
                results = self.parse(config, cache, paths, known, keyed, trust_memory, result)
                result.problems += unused_templates(env, config)
            # Tens of thousands of long-lived records: keep the cyclic GC from re-scanning them.
            gc.freeze()
            index = self.group(results, result)
            self.memo.site = LastSite(index, config)
            result.digests, result.papers = len(index.digests), len(index.papers)
            files = digest_files(named_files(index.digests), self.root)
            result.problems = files.with_problems(result.problems)
            result.problems.sort(key=lambda p: (p.path, p.line or 0, p.message))
            cache.put_build(self.out_dir, None)  # until this build has committed
            try:
                self.write_site(
                    env,
                    site_fp,
                    config,
                    index,
                    results,
                    cache,
                    trust_memory,
                    result,
                    history,
                    checking,
                    files,
                )
            except OSError as exc:  # disk full, read-only folder...: the previous output stays
                raise BuildError(os_problem(exc, self.root)) from None
            with recording(result.problems):
                cache.put_build(
                    self.out_dir,
                    (
                        build_fp if result.complete else None, result.digests, result.papers,
                        result.pages, result.problems, result.bytes, (files.named, files.problems),
                    ),
                )  # fmt: skip
        except STOPPED as exc:  # before the commit: the previous output stays
            raise BuildError(stopped_problem(exc)) from None
        finally:
            gc.unfreeze()
            if checking is not None:
                checking.close()
            cache.close()
        result.seconds = time.perf_counter() - started
        return result

    def background_check(self, cache: BuildCache, trust_memory: bool) -> BackgroundCheck | None:
        """The output files stat-checked by a worker process while this one parses and groups; not
        when a rebuild trusts what it remembers, nor with --jobs 1 (one process)."""
        if trust_memory or self.jobs == 1 or cache.db is None:
            return None
        return BackgroundCheck(cache.path, cache.out_key(self.out_dir), self.out_dir)

    def parse(self, config, cache, paths, known, keyed, trust_memory, result) -> dict[Path, Parsed]:
        """What each digest file publishes, and every parse's problems into `result`.

        A digest with an error is not published as it is now: its last good version is (this
        builder's, else the cache's), or nothing when it never parsed cleanly. The error is
        counted, so the build fails; the rest of the site is built."""
        setup_problem = math_setup(config).problem  # e.g. no KaTeX engine: browser mode
        result.problems += [setup_problem] if setup_problem else []
        result.problems += outside_folder_notes(config)
        results = self.load(config, cache, paths, known, keyed, trust_memory, result)
        published: dict[Path, Parsed] = {}
        for path, parsed in results.items():
            result.problems += parsed.result.problems
            good = parsed if not parsed.failed else self.last_good(path, cache)
            if good is not None:
                published[path] = good
        self.remember_good(cache, results, keyed)
        return published

    def last_good(self, path: Path, cache: BuildCache) -> Parsed | None:
        good = self.memo.good.get(path)
        if good is None:
            key = cache.get_good(shown_path(path, self.root))
            hit = cache.get_parsed([key]).get(key) if key else None
            if hit is not None:
                good = self.memo.good[path] = Parsed(key, light(self.body_store(cache), key, hit, html=None))
        return good

    def remember_good(self, cache: BuildCache, results: dict[Path, Parsed], keyed: dict[Path, str]) -> None:
        """The clean parses of this build are the last good versions of their files, here and, for
        those read from disk this time, in the cache (for the next `paperdigest build`)."""
        self.memo.good = {
            path: parsed if not parsed.failed else self.memo.good[path]
            for path, parsed in results.items()
            if not parsed.failed or path in self.memo.good
        }
        clean = {shown_path(path, self.root): results[path].key for path in keyed if not results[path].failed}
        cache.put_good(clean)

    def group(self, results: dict[Path, Parsed], result: BuildResult) -> SiteIndex:
        with stage(result, "group"), gc_paused():
            digests = [
                p.result.digest
                for p in results.values()
                if p.result.digest and (self.drafts or not p.result.digest.draft)
            ]
            overrides, problems = load_overrides(self.root)
            index, index_problems = build_index(digests, overrides, steps=RememberedSteps(self.memo.grouping))
            result.problems += problems + index_problems
        return index

    def environment(self, config: SiteConfig, cache: BuildCache) -> tuple[jinja2.Environment, str]:
        """The Jinja environment and the fingerprint of every template's source. The compiled
        templates are kept between rebuilds while the configuration and every template stay the
        same (compiling them is a noticeable share of a save); a new or changed template, which
        Jinja's own cache could miss (a user override of a theme template), means a new one, and so
        does a templates folder created or removed (the environment only looks in one that exists)."""
        key = f"{config!r} {config.path('templates_dir').is_dir()}"
        kept = self.memo.environment
        compiled = cache.templates_folder()
        env = kept.env if kept is not None and kept.config_key == key else make_environment(config, compiled)
        fp = templates_fingerprint(env)
        if kept is not None and kept.env is env and kept.templates != fp:
            env = make_environment(config, compiled)
        self.memo.environment = KeptEnvironment(env, key, fp)
        once.reset(env)  # fragments are made from this build's site
        return env, fp

    def digest_keys(self, config, settings, trust_memory, changed, result):
        """(paths, path -> Parsed known from memory, path -> parse key of the others)."""
        digests_dir = config.path("digests_dir")
        discovered = self.memo.discovered
        if not (trust_memory and discovered and same_digest_files(discovered.paths, changed, digests_dir)):
            discovered = self.memo.discovered = discover_digests(digests_dir, self.root)
        result.problems += discovered.notes
        known: dict[Path, Parsed] = {}
        keyed: dict[Path, str] = {}
        for path in discovered.paths:
            if path in discovered.refused:  # never read; its last good version stays published
                known[path] = not_read(discovered.refused[path])
                continue
            remembered = self.memo.parsed.get(path)
            if trust_memory and remembered is not None:
                known[path] = remembered
                continue
            try:
                raw = path.read_bytes()
            except OSError:  # parse_digest reports it; the key matches nothing, ever
                parsed = parse_digest(path, self.root, config.base_path)
                known[path] = Parsed(f"unreadable:{time.time_ns()}", parsed)
                continue
            if looks_binary(raw):  # told here, where the file is read anyway, not while discovering
                known[path] = not_read(binary_problem(raw, shown_path(path, self.root)))
                continue
            key = parse_key(raw, shown_path(path, self.root), settings)
            if remembered is not None and remembered.key == key:
                known[path] = remembered
            else:
                keyed[path] = key
        return discovered.paths, known, keyed

    def up_to_date_or_failed(
        self, cache: BuildCache, config: SiteConfig, build_fp: str, result: BuildResult, checking
    ) -> bool:
        """up_to_date(), whose copy of changed static files fails as a whole build's writing does."""
        try:
            return self.up_to_date(cache, config, build_fp, result, checking)
        except OSError as exc:  # disk full, a file where a folder was...: the previous output stays
            raise BuildError(os_problem(exc, self.root)) from None

    def up_to_date(
        self, cache: BuildCache, config: SiteConfig, build_fp: str, result: BuildResult, checking
    ) -> bool:
        """Nothing changed since the last build into this folder (same digests, templates, settings,
        code) and its files are as written, with none beside them: only static files are checked,
        nothing is rendered. `checking`: a BackgroundCheck of the folder, or None."""
        last = cache.get_build(self.out_dir)
        if last is None or last[0] != build_fp:
            return False
        named, found_before = last[6]
        files = digest_files(named, self.root)
        if files.problems != found_before:  # a file a digest names appeared or vanished
            return False
        token = cache.manifest_token(self.out_dir)
        pages, statics = cache.page_stamps(self.out_dir), cache.get_manifest(self.out_dir, static_only=True)
        if pages is None or statics is None or not self.out_dir.is_dir():
            return False
        found = checking.result(token) if checking else None
        lock = cache.lock_path(self.out_dir)
        not_recorded: list[Problem] = []
        # No strays: output_as_written returns False when there are any.
        with SiteOutput(self.out_dir, statics, strays=frozenset(), lock=lock, site_root=self.root) as site:
            if not output_as_written(site, pages, statics, found):
                return False  # changed, or files the last build did not write: the build that plans mends it
            with stage(result, "write"):
                copy_static(site, config)
                copy_digest_files(site, files, taken={*site.entries, *(rel for rel, _, _ in pages)})
                if site.refused:  # a link out of the site appeared among the static files
                    return False
                if site.staged or statics.keys() - site.entries.keys():  # a static file changed
                    if not self.static_change_alone(site, statics, pages):
                        return False
                    previous = cache.get_manifest(self.out_dir)
                    for rel, entry in previous.items():
                        if not entry.static:
                            site.add(rel, entry, staged=False)
                    cache.forget_manifest(self.out_dir)
                    site.commit()
                    with recording(not_recorded):
                        token = cache.put_manifest(self.out_dir, site.entries, rows=previous)
                        self.memo.manifest = KeptManifest(token, site.entries)
        _, result.digests, result.papers, result.pages, result.problems, result.bytes, _ = last
        result.problems = [*result.problems, *not_recorded]
        result.cached, result.written, result.changed = result.digests, site.written, site.changed_files()
        return True

    @staticmethod
    def static_change_alone(site: SiteOutput, statics: dict, pages: list[tuple[str, int, int]]) -> bool:
        """The static files changed are not pages too: a static file is copied over the page of its
        name (static/robots.txt), and a page that a static file removed covered must be rendered
        again, which only a build that plans the pages does."""
        if statics.keys() - site.entries.keys():
            return False
        return not site.staged & {rel for rel, _, _ in pages}

    def load(self, config, cache, paths, known, keyed, trust_memory, result) -> dict[Path, Parsed]:
        """Every digest's Parsed: from memory, else the cache, else parsed in parallel."""
        found = dict(known)
        with gc_paused():  # 10,000 records unpickled: the collector would double the time
            hits = cache.get_parsed(sorted(set(keyed.values())))
            misses = [p for p in keyed if keyed[p] not in hits]
            bodies = self.body_store(cache)
            for path in keyed.keys() - set(misses):
                key = keyed[path]
                found[path] = Parsed(key, light(bodies, key, hits[key], html=None))
        store = cache.path if cache.db is not None else None
        math: list[MathStats] = []
        work = parse_all(misses, [keyed[p] for p in misses], self.root, config, self.jobs, store, math)
        for path, (parsed, html) in with_progress(work, misses, self.progress):
            key = keyed[path]
            found[path] = Parsed(key, light(bodies, key, parsed, html=html))
        result.math = MathStats.total(math, math_setup(config))
        if not trust_memory:
            cache.prune({parsed.key for parsed in found.values()})
        result.parsed, result.cached, result.remembered = len(misses), len(keyed) - len(misses), len(known)
        self.memo.parsed = {path: found[path] for path in paths}
        return self.memo.parsed

    def body_store(self, cache: BuildCache) -> BodyStore | None:
        """Where this builder's digests keep their bodies: the cache's database, if there is one."""
        if cache.db is None:
            return None
        if self.memo.bodies is None or self.memo.bodies.path != cache.path:
            self.memo.bodies = BodyStore(cache.path)
        return self.memo.bodies

    def write_site(
        self, env, site_fp, config, index, results, cache, trust_memory, result, history, checking, files
    ) -> None:
        with stage(result, "plan"), gc_paused():
            keys = {p.result.digest.source: p.key for p in results.values() if p.result.digest}
            fingerprints = Fingerprints(
                env, index, keys, site_fp, self.memo.fingerprints, partial(merged_from, self.memo.grouping)
            )
            found = None
            if trust_memory:
                previous = self.last_manifest(cache)
            else:
                token = cache.manifest_token(self.out_dir)
                previous = cache.get_manifest(self.out_dir)
                if checking is not None and cache.manifest_token(self.out_dir) == token:
                    found = checking.result(token)  # None unless it read this manifest
        lock = cache.lock_path(self.out_dir)
        with SiteOutput(
            self.out_dir,
            previous,
            verify=not trust_memory,
            not_as_written=found.not_as_written if found else None,
            strays=found.strays if found else None,
            lock=lock,
            site_root=self.root,
        ) as site:
            with stage(result, "plan"), gc_paused():
                todo = []
                plans: dict[str, str] = {}  # the groups planned here, for the next process
                used: set[str] = set()
                for item in site_plan(index, config, self.memo.paper_lines, history, self.memo.bib):
                    if type(item) is not PageGroup:
                        plan_page(fingerprints, site, item, todo)
                        continue
                    kept = with_template_errors(fingerprints.kept_group, item)
                    if kept is not None and site.keep_all(kept):
                        continue
                    # The dev server remembers its groups in memory (kept_group): it plans them
                    # itself, so that each one is remembered for its next rebuild.
                    key = None if self.preview else fingerprints.group_key(item)
                    if key is not None:
                        used.add(key)
                        if kept_as_stored(fingerprints, site, cache, key):
                            continue
                    pages = list(item.pages())
                    known = all([plan_page(fingerprints, site, page, todo) for page in pages])
                    fingerprints.remember_group(item, pages if known else None)
                    if key is not None and known:
                        plans[key] = fingerprints.group_record(pages)
            stored = not self.preview and cache.db is not None  # the dev server remembers its own
            lines = StoredLines(cache.path, site_fp, fingerprints.known) if stored else None
            entries = StoredLines(cache.path, site_fp, fingerprints.known, "papers.bib") if stored else None
            self.memo.paper_lines.stored, self.memo.bib.stored = lines, entries
            rendering = time.perf_counter()
            try:
                timings = render_pages(env, index, todo, site, self.jobs, problem_of)
            except RenderFailed as exc:
                raise BuildError(exc.problem) from None
            finally:  # they hold this build's fingerprints
                self.memo.paper_lines.stored = self.memo.bib.stored = None
            elapsed = time.perf_counter() - rendering
            result.timings["render"] = elapsed - timings["write"]
            result.timings["write"] = timings["write"]
            with stage(result, "write"):
                copy_static(site, config)
                copy_digest_files(site, files, taken=site.entries)
                result.problems += site.refused
            if config.search:
                with stage(result, "search"):
                    indexed = index_pages(site, index, keep_old=trust_memory, jobs=self.jobs, cache=cache)
                    result.problems += indexed.problems
                    result.complete = indexed.complete
            with stage(result, "write"):
                cache.forget_manifest(self.out_dir)  # a build killed while committing starts afresh
                site.commit()
                with recording(result.problems):
                    token = cache.put_manifest(self.out_dir, site.entries, rows=previous)
                    self.memo.manifest = KeptManifest(token, site.entries)
                    if used:
                        cache.put_plans(plans, used)
                    if lines is not None and entries is not None:
                        cache.forget_stale(
                            "lines",
                            lambda: stored_keys(lines, entries, *self.memo.bib.site_keys),
                            most=2 * len(index.papers),
                        )
            result.pages, result.written, result.rendered = site.pages, site.written, len(todo)
            result.changed = site.changed_files()
            result.bytes = site.bytes
            too_big = site_size_problem(site.bytes, site.entries, CONFIG_NAME, config)
            result.problems += [too_big] if too_big else []
            result.problems += big_file_problems(site.entries, CONFIG_NAME)

    def last_manifest(self, cache: BuildCache) -> dict | None:
        """The manifest this builder stored last, unless another build has stored one since: the
        dev server need not read back 70,000 entries on every save."""
        held = self.memo.manifest
        if held is not None and (cache.db is None or cache.manifest_token(self.out_dir) == held.token):
            return held.entries
        return cache.get_manifest(self.out_dir)


def stored_keys(
    lines: StoredLines, entries: StoredLines, papers: tuple[Paper, ...], keys: tuple[str, ...]
) -> set[str]:
    """The cache keys of the site's papers.json lines and papers.bib entries."""
    return {
        *(lines.key(p) for p in papers),
        *(entries.key(p, key) for p, key in zip(papers, keys, strict=True)),
    } - {None}


def light(bodies: BodyStore | None, key: str, parsed: ParseResult, html: str | None) -> ParseResult:
    """The in-memory form of a parse result: its digest's body stays in the cache when there is one."""
    if parsed.digest is None:
        return parsed
    body = StoredBody(bodies, key) if bodies is not None else html
    return ParseResult(stored(parsed.digest, body), parsed.problems)


def not_read(problem: Problem) -> Parsed:
    """A digest file that is not read, failed with `problem`: the key matches nothing, ever."""
    return Parsed(f"not-read:{time.time_ns()}", ParseResult(None, [problem]))


def binary_problem(raw: bytes, rel: str) -> Problem:
    line = raw[: raw.index(b"\x00")].count(b"\n") + 1
    message = "binary content (a NUL byte), not a text digest; UTF-16 text needs its byte-order mark"
    return Problem(rel, line, "error", message)


def output_as_written(site: SiteOutput, pages, statics: dict, found: OutputCheck | None) -> bool:
    """Every page file of the last build (`pages`: path, size, mtime) is on disk as written and no
    file is there that it did not write. `found`: what a BackgroundCheck found against this
    manifest, else checked here. Static files are left to copy_static, which compares them with
    their sources."""
    if found is not None:
        return not found.strays and not any(rel in found.not_as_written for rel, _, _ in pages)
    if not all(site.on_disk_as(rel, size, mtime_ns) for rel, size, mtime_ns in pages):
        return False
    return not files_beyond(site.out_dir, {rel for rel, _, _ in pages} | statics.keys())


def check_not_emptied(paths: list[Path], last_build, config: SiteConfig) -> None:
    """No digest where the last build into this folder had some: a misspelt or moved digests
    folder, not a site to publish in place of the last one."""
    if not paths and last_build is not None and last_build[1] > 0:
        raise ConfigError(
            config.root / CONFIG_NAME,
            f"digests_dir: no digests in {config.path('digests_dir')}, but the last build had "
            f"{last_build[1]}; nothing was written (delete the output folder to publish an empty site)",
        )


def os_problem(exc: OSError, root: Path) -> Problem:
    """An operating-system error as one located message, not a traceback."""
    where = published_path(Path(exc.filename)) if exc.filename else root
    shown = where.relative_to(root).as_posix() if where.is_relative_to(root) else str(where)
    reason = exc.strerror or type(exc).__name__
    return Problem(shown, None, "error", f"cannot write the site: {reason}; the previous output is unchanged")


CACHE_FILE = f"{CACHE_DIR}/cache.sqlite"


# Failures of the machine rather than of the site's files: the build stops, publishing nothing.
STOPPED = (WorkerDied, EngineFailed, sqlite3.Error)


def stopped_problem(exc: WorkerDied | EngineFailed | sqlite3.Error) -> Problem:
    """Why a build stopped before it published anything: a worker process died, the KaTeX engine
    failed, or the build cache did (disk full, a corrupt file), as one message, not a traceback."""
    if isinstance(exc, WorkerDied):
        return Problem(".", None, "error", f"{exc}; the previous output is unchanged")
    if isinstance(exc, EngineFailed):
        return Problem(CONFIG_NAME, None, "error", f"{exc}; the previous output is unchanged")
    message = f"the build cache failed: {exc}; the previous output is unchanged (deleting {CACHE_DIR}/ starts it afresh)"
    return Problem(CACHE_FILE, None, "error", message)


@contextmanager
def recording(problems: list[Problem]):
    """The cache writes that record a build after its output was moved into place: when they fail
    (disk full), the published site is whole and new, the failure is an error in `problems`, and the
    next build, finding this one unrecorded, checks every page again."""
    try:
        yield
    except sqlite3.Error as exc:
        message = f"the build cache could not record this build: {exc}; the site was written, the next build checks it all"
        problems.append(Problem(CACHE_FILE, None, "error", message))


def file_fingerprint(path: Path) -> str:
    try:
        return digest_of(path.read_bytes())
    except OSError:
        return "absent"


def same_digest_files(known: list[Path], changed: set[Path], digests_dir: Path) -> bool:
    """Only edits of digest files that stay digest files (the dev server's common case): the
    folder need not be walked again. Any file added or deleted walks it again (a file turned
    binary is told apart where digest_keys reads it)."""
    files = set(known)
    for path in changed:
        if not path.is_relative_to(digests_dir):
            continue
        if path not in files or not path.is_file():
            return False
    return True


def templates_fingerprint(env: jinja2.Environment) -> str:
    """Every template the site could use (the user's and the theme's), by name and source. A name
    listed that is no file Jinja reads (Emacs's lock file `.#paper.html`, a dangling link, a
    FIFO) is no template: a page that includes it fails naming the include's line."""
    parts = []
    for name in env.list_templates():
        try:
            parts += [name, env.loader.get_source(env, name)[0]]
        except TemplateRefused as exc:  # not used: the build fails if a page uses it
            parts += [name, f"refused: {exc.problem}"]
        except jinja2.TemplateNotFound:
            parts += [name, "not a file"]
    return digest_of(*parts)


def plan_page(fingerprints: Fingerprints, site: SiteOutput, page: Page, todo: list) -> bool:
    """Add `page` to `todo` unless the site keeps its file; False if it has no fingerprint."""
    fp = page_fingerprint(fingerprints, page)
    if fp is None:  # nothing says what it is made from: render it, write it if it changed
        todo.append((page, f"unknown:{time.time_ns()}"))
    elif not site.keep(page.out, fp):
        todo.append((page, fp))
    return fp is not None


def kept_as_stored(fingerprints: Fingerprints, site: SiteOutput, cache: BuildCache, key: str) -> bool:
    """Keep a group's files as a build in another process planned them from the same inputs
    (Fingerprints.group_key), when each is on disk as that build wrote it."""
    record = cache.get_plan(key)
    stored = None if record is None else with_template_errors(fingerprints.stored_pages, record)
    return stored is not None and site.keep_all(stored)


def page_fingerprint(fingerprints: Fingerprints, page: Page) -> str | None:
    return with_template_errors(fingerprints.page, page)


def with_template_errors(work, item: Page | PageGroup):
    """work(item), which reads templates: a template that is broken, missing or outside the site
    fails the build naming it (the dev server shows it in the overlay)."""
    try:
        return work(item)
    except (jinja2.TemplateSyntaxError, TemplateRefused) as exc:
        raise BuildError(problem_of(exc)) from None
    except jinja2.TemplateNotFound as exc:
        raise BuildError(
            Problem(exc.name or "template", None, "error", f"template not found: {exc}")
        ) from None


def problem_of(exc: Exception, page: str | None = None) -> Problem | None:
    """The located error of a template that failed, or None for an exception raised outside any
    template (a bug of paperdigest's own, left to propagate). A template's expression can raise
    any Python error: `{{ 1/0 }}`, a template that extends itself (RecursionError). `page`: the
    output file being rendered, named in the message of an error its data may have caused (a
    digest without a date, in `{{ digest.date.year }}`), to tell which of the pages it is."""
    if isinstance(exc, TemplateRefused):
        return exc.problem
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or "template"
        return Problem(where, exc.lineno, "error", exc.message or str(exc))
    problem = template_problem(exc)
    if not isinstance(exc, jinja2.TemplateError) and problem.path == "template":
        return None
    if page is None or isinstance(exc, jinja2.TemplateNotFound):
        return problem
    return replace(problem, message=f"{problem.message} (rendering {page})")


# Files every build writes: a folder holding them all was written by paperdigest.
OUTPUT_SIGNS = (".nojekyll", "404.html", "papers.json", "sitemap.xml")


# The folders site.yaml names that a build reads its sources from.
SOURCE_FOLDERS = ("digests_dir", "templates_dir", "static_dir")


def check_output_folder(out_dir: Path, config: SiteConfig, named: bool) -> None:
    """The output is replaced wholesale on every build (and an incremental build removes the files
    it did not write), so it must not hold the sources; nor, when named with --out, anything but
    an earlier output (the site's own _site/ is paperdigest's, as Jekyll's is Jekyll's)."""
    root = config.root.resolve()
    if root == out_dir or root.is_relative_to(out_dir):
        message = "the output folder must not contain the site's sources"
        raise BuildError(Problem(str(out_dir), None, "error", message))
    for key in SOURCE_FOLDERS:
        check_apart(out_dir, key, config.path(key).resolve())
    if os.path.lexists(out_dir) and not out_dir.is_dir():  # moved aside by the commit, then lost
        message = "the output folder is a file: choose a folder (a new one, or an earlier output)"
        raise BuildError(Problem(str(out_dir), None, "error", message))
    if named and foreign_output(out_dir):
        message = (
            "the output folder holds files paperdigest did not write (it has no "
            f"{', '.join(OUTPUT_SIGNS)}), and each build replaces it: choose a new or empty folder"
        )
        raise BuildError(Problem(str(out_dir), None, "error", message))


def check_apart(out_dir: Path, key: str, folder: Path) -> None:
    """The output folder and the source folder `key` names are apart: a digests folder inside the
    output (`digests_dir: _site/notes`) was deleted with the old output by the first build, and an
    output inside a source folder (`--out static/www`) was read back as sources by the next one
    (static/ copied the last site into the new one, growing it with every build)."""
    if folder == out_dir or folder.is_relative_to(out_dir):
        message = f"the output folder must not contain the site's sources ({key}: {folder}), as each build replaces it"
        raise BuildError(Problem(str(out_dir), None, "error", message))
    if out_dir.is_relative_to(folder) and not skipped_by_discovery(out_dir, key, folder):
        message = (
            f"the output folder must not be inside {key} ({folder}): the next build would read it as sources"
        )
        raise BuildError(Problem(str(out_dir), None, "error", message))


def skipped_by_discovery(out_dir: Path, key: str, folder: Path) -> bool:
    """An output inside the digests folder that finding digests never walks into: under a hidden or
    `_` folder of it (`digests_dir: .` and the site's own `_site/`)."""
    parts = out_dir.relative_to(folder).parts
    return key == "digests_dir" and any(map(skipped_folder, parts))


def foreign_output(out_dir: Path) -> bool:
    """`out_dir` holds files and is no earlier output (a hand-written docs/ folder for GitHub Pages,
    another generator's _site/, a home folder): building there would delete them."""
    try:
        if not out_dir.is_dir() or not any(out_dir.iterdir()):
            return False
    except OSError:  # unreadable: writing there fails with its own message
        return False
    return not all((out_dir / name).exists() for name in OUTPUT_SIGNS)


def template_problem(exc: Exception) -> Problem:
    """Name the template and line of a runtime template error from its traceback: the innermost
    template frame, whatever the template's file is called (a partial `card.j2` too). Jinja
    rewrites the traceback so that each template's frame runs at its line in its file, with the
    exception in its globals."""
    tb, where = exc.__traceback__, ("template", None)
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return Problem(where[0], where[1], "error", f"{template_error_message(exc)}{first_page_hint(exc)}")


def template_error_message(exc: Exception) -> str:
    """What went wrong in a template: a template it asks for that does not exist (a typo in an
    `{% include %}` or `{% extends %}`, or a name leaving the templates folder, which Jinja never
    reads) is said as such; any other error as Python words it."""
    if isinstance(exc, jinja2.TemplatesNotFound):
        return f"template not found: none of {', '.join(map(str, exc.templates))}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template not found: {exc.name}"
    return f"template error: {exc}"


def first_page_hint(exc: Exception) -> str:
    """How to mend a template (say, one copied from an older theme) that shows a list's counts on
    every page: lists give them to their first page only."""
    name = re.fullmatch(r"'(\w+)' is undefined", str(exc))
    if not isinstance(exc, jinja2.UndefinedError) or not name or name[1] not in FIRST_PAGE_ONLY:
        return ""
    return f" (a list gives '{name[1]}' to its first page only: test {{% if {name[1]} is defined %}})"


def copy_static(site: AtomicOutput, config: SiteConfig) -> None:
    """Theme assets, then the user's template assets over them, KaTeX if self-hosted, static/."""
    site.copy_tree(theme_dir() / "assets", "assets")
    user_assets = config.path("templates_dir") / "assets"
    if user_assets.is_dir():
        site.copy_tree(user_assets, "assets")
    for source, rel in katex_output_files(config):
        if leaves(source, boundary_of(source.parent, config.root)):  # a file of the folder links out
            site.refused.append(link_problem(source, config.root))
        else:
            site.write(rel, source.read_bytes())
    static = config.path("static_dir")
    if static.is_dir():
        site.copy_tree(static)
    site.write(".nojekyll", b"")


@contextmanager
def gc_paused():
    """No cyclic garbage collection in the block: grouping and planning make millions of small
    acyclic tuples that live as long as the build, and collections were a large share of a dev-server
    rebuild. They are frozen after it (the build unfreezes them at its end), so later collections
    do not scan them either; rendering (Jinja leaves cyclic garbage) runs with the collector on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class stage:
    """Times one stage of the build into result.timings."""

    def __init__(self, result: BuildResult, name: str):
        self.result, self.name = result, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.result.timings[self.name] = (
            self.result.timings.get(self.name, 0) + time.perf_counter() - self.started
        )


def with_progress(items, paths: list[Path], enabled: bool):
    if not enabled or len(paths) < PROGRESS_THRESHOLD:
        return items
    import tqdm as tqdm_module

    tqdm_module.tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    return tqdm_module.tqdm(items, total=len(paths), desc="parse", unit="digest", leave=False)
