"""Search stage: a Pagefind full-text index of the finished pages, shipped with them.

Pagefind reads the HTML the render stage wrote: only elements marked `data-pagefind-body` (digest
and paper pages) are indexed, `data-pagefind-filter` / `data-pagefind-meta` in the templates give
the category and year filters and the translated title. Its extended binary segments Chinese and
Japanese words at index time, so `涌现能力` matches inside a sentence without spaces. The result is
static files under `pagefind/` that `assets/search.js` queries in the browser: no server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.metadata
import json
import os
import shutil
from pathlib import Path

from paperdigest.config import CONFIG_NAME
from paperdigest.errors import Problem
from paperdigest.incremental.cache import digest_of
from paperdigest.incremental.output import SiteOutput

BUNDLE_DIR = "pagefind"  # output folder of the index and the Pagefind JS, relative to the site root
TIMEOUT = 600  # seconds; a stuck indexer must not hang a build forever


def index_pages(site: SiteOutput, *, keep_old: bool = False) -> list[Problem]:
    """Index the HTML pages of `site` (the output being prepared) into its `pagefind/` files.

    The index is made from the finished pages before the output is moved into place, so it is
    always the index of the site it ships with. A redeploy of an unchanged site uploads nothing
    new: when no page's bytes changed, the index is not made again; when pages changed but not
    what Pagefind takes from them (a new footer), the new index's content-addressed files are the
    old ones, and the old index, whose other files Pagefind names differently each run
    (Pagefind#638), is kept whole. `keep_old`: keep the last index whatever changed (the dev server
    does: indexing takes longer than its rebuilds).
    """
    old = sorted(rel for rel in site.previous if rel.startswith(BUNDLE_DIR + "/"))
    if keep_old and old:
        return keep(site, old, None)
    pages = sorted(rel for rel in site.entries if rel.endswith(".html"))
    fp = digest_of("search", *search_settings(), *(f"{rel}={site.entries[rel].sha}" for rel in pages))
    if old and all(site.keep(rel, fp) for rel in old):
        return []
    problems, files = make_index(site, pages)
    if files is None:  # no index could be made: the last one, if any, stays
        return problems + keep(site, old, None)
    if old and all(site.intact(rel, site.previous[rel]) for rel in old) and same_content(site, old, files):
        return problems + keep(site, old, fp)
    for rel, data in files:
        site.add(rel, *site.stage(rel, data, fp))
    return problems


def keep(site: SiteOutput, old: list[str], fp: str | None) -> list[Problem]:
    """Keep the last index as it is (under fingerprint `fp`, when given)."""
    for rel in old:
        entry = site.previous[rel]
        site.add(rel, entry if fp is None else entry._replace(fp=fp), staged=False)
    return []


def same_content(site: SiteOutput, old: list[str], files: list[tuple[str, bytes]]) -> bool:
    """The new index holds what the old one does: the same content-addressed files (fragments,
    word index, Pagefind's scripts), byte for byte."""
    was = {rel: site.previous[rel].sha for rel in old if stable(rel)}
    now = {rel: digest_of(data) for rel, data in files if stable(rel)}
    return was == now


def stable(rel: str) -> bool:
    """A file Pagefind writes the same for the same pages (not its filter and metadata indexes,
    nor the entry file that names them)."""
    name = rel.rsplit("/", 1)[-1]
    return not (rel.startswith(f"{BUNDLE_DIR}/filter/") or name.endswith(".pf_meta") or name == ENTRY)


ENTRY = "pagefind-entry.json"


def search_settings() -> tuple[str, ...]:
    try:
        version = importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    return (f"pagefind={version}", repr(INDEX_CONFIG))


# The ↗ paper-page link after each card heading would end up in every result title.
INDEX_CONFIG = {"exclude_selectors": [".paper-page-link"]}


def make_index(site: SiteOutput, pages: list[str]) -> tuple[list[Problem], list[tuple[str, bytes]] | None]:
    """(problems, the index's files as (output path, bytes)); None when it could not be made."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return [
            warning(
                "search index not built: the 'pagefind' package is missing (pip install 'pagefind[extended]')"
            )
        ], None
    executable = get_executable()
    if executable is None:
        return [
            warning("search index not built: no Pagefind binary (pip install 'pagefind[extended]')")
        ], None
    problems = []
    if "extended" not in executable.name and "extended" not in str(executable.parent):
        problems.append(
            note("Pagefind's extended binary is not installed: Chinese/Japanese words are not segmented")
        )
    scratch = site.out_dir.parent / f".{site.out_dir.name}.search-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        count = run_async(asyncio.wait_for(write_index(site, pages, scratch), TIMEOUT))
        bundle = scratch / "index"
        files = [
            (f"{BUNDLE_DIR}/{path.relative_to(bundle).as_posix()}", path.read_bytes())
            for path in sorted(bundle.rglob("*"))
            if path.is_file()
        ]
    except Exception as exc:  # the indexer is an external process: any failure becomes a warning
        return problems + [warning(f"search index not built: {type(exc).__name__}: {exc}")], None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not complete(files):
        return problems + [warning("search index not built: Pagefind wrote an incomplete index")], None
    if count == 0:
        problems.append(warning("search index is empty: no page has data-pagefind-body"))
    return problems, files


def complete(files: list[tuple[str, bytes]]) -> bool:
    """The entry file parses and every language's metadata file it names was written."""
    names = {rel for rel, _ in files}
    entry = dict(files).get(f"{BUNDLE_DIR}/{ENTRY}")
    try:
        languages = json.loads(entry)["languages"].values()
        return all(f"{BUNDLE_DIR}/pagefind.{lang['hash']}.pf_meta" in names for lang in languages)
    except (TypeError, ValueError, KeyError, AttributeError):
        return False


async def write_index(site: SiteOutput, pages: list[str], scratch: Path) -> int:
    """Index the pages into `scratch/index`; returns the number of pages indexed. Pagefind reads
    them from a folder of hard links to where each page is now (staged, or kept from the last
    build): its Python API takes files one by one at a tenth of a second each."""
    from pagefind.index import PagefindIndex

    view = scratch / "pages"
    for rel in pages:
        target = view / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(site.path_of(rel), target)
    # The output path is part of the configuration: leaving the context writes the index there too
    # (without one, into ./pagefind of whatever the working directory is).
    config = {**INDEX_CONFIG, "output_path": str(scratch / "index")}
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(view))
    return int(result.get("page_count", 0))


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


def run_async(coroutine):
    """asyncio.run, also when the caller (e.g. a server) already runs an event loop in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def warning(message: str) -> Problem:
    return Problem(CONFIG_NAME, None, "warning", message)


def note(message: str) -> Problem:
    return Problem(CONFIG_NAME, None, "note", message)
