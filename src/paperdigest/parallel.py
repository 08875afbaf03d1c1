"""Parsing and rendering across all cores with a process pool and chunked work.

Parsing sends file paths to the workers and gets records back. Rendering needs the whole SiteIndex,
so workers are forked after the index is built and inherit it instead of receiving a copy; each
renders a run of pages straight into the temporary output folder, sends back only the manifest
entries and exits. Forking a process that runs other threads (the dev server) is unsafe, so there
parsing uses a fork server and rendering stays in the one process. `jobs=1` is the plain
single-process path, kept for debugging.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import jinja2

from paperdigest.config import CONFIG_NAME, SiteConfig
from paperdigest.errors import Problem
from paperdigest.group import SiteIndex, merge_key
from paperdigest.incremental.cache import write_parsed
from paperdigest.incremental.output import Entry, SiteOutput
from paperdigest.mathrender import MathRenderer, MathStats
from paperdigest.parse import parse_digest
from paperdigest.parse.digest import ParseResult
from paperdigest.render import Page
from paperdigest.workers import WorkerDied, ordered_map, reap, stop, worker_started

MIN_PARALLEL = 64  # fewer items than this are faster done than a pool is started
RENDER_CHUNK = 2000  # pages per render worker before it exits and frees what it copied


def chunks(items: list, jobs: int) -> list[list]:
    size = max(8, min(256, len(items) // (jobs * 8) or 1))
    return [items[i : i + size] for i in range(0, len(items), size)]


def parse_chunk_items(
    paths: list[Path], root: Path, config: SiteConfig
) -> tuple[list[ParseResult], MathStats]:
    """Parse digests with their formulas typeset (build-time math).

    Every process typesets its own digests (one KaTeX engine per process, one shared cache), so math
    runs in parallel with parsing and the cached records already hold finished formulas."""
    math = MathRenderer(config)
    results = [
        parse_digest(
            path,
            root,
            config.base_path,
            math=math,
            sanitize=config.sanitize_html,
            fields=config.fields,
            digests_dir=config.path("digests_dir"),
            timezone=config.timezone,
            static_dir=config.path("static_dir"),
            macros=math.setup.macros,  # the site's, for formulas read as text
        )
        for path in paths
    ]
    digests, problems = math.finish([r.digest for r in results if r.digest])
    typeset = {d.source: d for d in digests}
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.path != CONFIG_NAME:  # the engine's own warning is the build's, reported once
            by_file.setdefault(problem.path, []).append(problem)
    out = []
    for result in results:
        if result.digest is not None:
            digest = typeset[result.digest.source]
            digest = replace(digest, merge_key=merge_key(digest))  # once, and cached with the record
            result = ParseResult(digest, result.problems + by_file.get(digest.source, []))
        out.append(result)
    return out, math.stats()


def _parse_chunk(
    work: list[tuple[str, str]], root: str, config: SiteConfig, store: str | None
) -> tuple[list[tuple], MathStats]:
    """Parse a chunk; with a cache, store each record and body there and return the light record.

    Writing from the worker keeps the bodies out of the main process entirely: they never cross
    the pipe, and its memory holds only the light records.
    """
    parsed_items, stats = parse_chunk_items([Path(path) for path, _ in work], Path(root), config)
    out, stored_items = [], {}
    for (_, key), parsed in zip(work, parsed_items, strict=True):
        if parsed.digest is not None and store is not None:
            light = ParseResult(replace(parsed.digest, html=""), parsed.problems)
            stored_items[key] = (light, parsed.digest.html)
            out.append((light, None))
        else:
            out.append((parsed, parsed.digest.html if parsed.digest else None))
    if stored_items:
        write_parsed(Path(store), stored_items)
    return out, stats


def parse_all(
    paths: list[Path],
    keys: list[str],
    root: Path,
    config: SiteConfig,
    jobs: int,
    store: Path | None,
    math: list[MathStats],
) -> Iterator[tuple[Path, tuple[ParseResult, str | None]]]:
    """(path, (result, body)) for every path, in order, parsed by `jobs` processes.

    With a `store` (the cache's database) records and bodies are written there, results come back
    without their bodies and the body is None; without one the body comes back beside the record.
    The math stats of every chunk are appended to `math`.
    """
    work = [(str(p), k) for p, k in zip(paths, keys, strict=True)]
    chunk = partial(_parse_chunk, root=str(root), config=config, store=str(store) if store else None)
    parallel = jobs > 1 and len(paths) >= MIN_PARALLEL
    if parallel:
        parts = ordered_map(chunk, chunks(work, jobs), jobs)
    else:
        parts = (chunk(work[i : i + 64]) for i in range(0, len(work), 64))
    done = 0
    try:
        for results, stats in parts:
            math.append(stats)
            for result in results:
                yield paths[done], result
                done += 1
    finally:
        parts.close()  # stops the workers, if any


# What forked render workers inherit: set just before the pool starts, cleared after.
_RENDER: tuple | None = None


class RenderFailed(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem)  # args survive the trip back from a worker


def render_pages(
    env: jinja2.Environment,
    index: SiteIndex,
    todo: list[tuple[Page, str]],
    site: SiteOutput,
    jobs: int,
    problem_of: Callable[[Exception, str], Problem | None],
) -> dict[str, float]:
    """Render and stage every (page, fingerprint) of `todo`; returns seconds spent rendering, writing."""
    global _RENDER
    if jobs <= 1 or len(todo) < MIN_PARALLEL or threading.active_count() > 1:
        results, timings = _render_range(env, index, todo, site, problem_of, range(len(todo)))
        _add(site, results)
        return timings
    _RENDER = (env, index, todo, site, problem_of)
    gc.freeze()  # the workers' garbage collector leaves the inherited records alone: fewer copied pages
    # Workers read the records this process holds through copy-on-write; every record a worker
    # touches (reference counts are writes) becomes a copy of its memory page. So this process
    # renders nothing, and each worker renders one contiguous run of pages (whose records lie near
    # each other) and exits: its copies are freed with it, and the next worker starts sharing anew.
    size = max(MIN_PARALLEL, min(RENDER_CHUNK, -(-len(todo) // jobs)))
    runs = [range(start, min(start + size, len(todo))) for start in range(0, len(todo), size)]
    totals = {"render": 0.0, "write": 0.0}
    try:
        for results, timings in render_runs(runs, jobs):
            _add(site, results)
            for key, seconds in timings.items():
                totals[key] += seconds
    finally:
        _RENDER = None
    return {key: seconds / jobs for key, seconds in totals.items()}  # CPU seconds spread: wall share


def render_runs(runs: list[range], jobs: int) -> Iterator[tuple[list, dict[str, float]]]:
    """The results of each run, in order, each rendered by a worker forked for it, `jobs` at a time.

    Forked here, from this thread: a multiprocessing.Pool that replaces its workers forks them from
    its own thread, and workers set to die with their parent would die with that thread.
    """
    context = multiprocessing.get_context("fork")
    running: dict = {}  # result pipe -> (run number, worker)
    done: dict[int, tuple] = {}
    started = given = 0
    try:
        while given < len(runs):
            while started < len(runs) and len(running) < jobs:
                reader, writer = context.Pipe(duplex=False)
                worker = context.Process(
                    target=_render_run, args=(runs[started], writer, os.getpid()), daemon=True
                )
                worker.start()
                writer.close()
                running[reader] = (started, worker)
                started += 1
            for reader in multiprocessing.connection.wait(list(running)):
                number, worker = running.pop(reader)
                try:
                    outcome = reader.recv()
                except EOFError:
                    reap(worker)
                    raise WorkerDied("a render worker", worker.exitcode) from None
                reader.close()
                reap(worker)
                if isinstance(outcome, BaseException):
                    raise outcome
                done[number] = outcome
            while given in done:
                yield done.pop(given)
                given += 1
    finally:
        stop([worker for _, worker in running.values()])


def _render_run(positions: range, writer, main_pid: int) -> None:
    worker_started(main_pid)
    env, index, todo, site, problem_of = _RENDER
    try:
        outcome = _render_range(env, index, todo, site, problem_of, positions)
    except Exception as exc:  # a template error (RenderFailed) or a bug: raised again in the build
        outcome = exc
    writer.send(outcome)
    writer.close()


def _add(site: SiteOutput, results: list[tuple[str, Entry, bool]]) -> None:
    for rel, entry, staged in results:
        site.add(rel, entry, staged)


def _render_range(env, index, todo, site, problem_of, positions) -> tuple[list, dict[str, float]]:
    results = []
    render = write = 0.0
    for k in positions:
        page, fp = todo[k]
        started = time.perf_counter()
        try:
            data = page.render(env, index)
        except Exception as exc:
            problem = problem_of(exc, page.out)
            if problem is None:
                raise
            raise RenderFailed(problem) from None
        rendered = time.perf_counter()
        entry, staged = site.stage(page.out, data, fp)
        write += time.perf_counter() - rendered
        render += rendered - started
        results.append((page.out, entry, staged))
    return results, {"render": render, "write": write}
