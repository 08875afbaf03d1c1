"""Search stage: a Pagefind full-text index of the finished pages, written beside them.

Pagefind reads the HTML the render stage wrote: only elements marked `data-pagefind-body` (digest
and paper pages) are indexed, `data-pagefind-filter` / `data-pagefind-meta` in the templates give
the category and year filters and the translated title. Its extended binary segments Chinese and
Japanese words at index time, so `涌现能力` matches inside a sentence without spaces. The result is
static files under `pagefind/` that `assets/search.js` queries in the browser: no server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
from pathlib import Path

from paperdigest.config import CONFIG_NAME, SiteConfig
from paperdigest.errors import Problem

BUNDLE_DIR = "pagefind"  # output folder of the index and the Pagefind JS, relative to the site root
TIMEOUT = 600  # seconds; a stuck indexer must not hang a build forever


def index_site(site_dir: Path, config: SiteConfig) -> list[Problem]:
    """Index the built site in `site_dir`; problems instead of exceptions, the build goes on."""
    if not config.search:
        return []
    try:
        from pagefind.service import get_executable
    except ImportError:
        return [
            warning(
                "search index not built: the 'pagefind' package is missing (pip install 'pagefind[extended]')"
            )
        ]
    executable = get_executable()
    if executable is None:
        return [warning("search index not built: no Pagefind binary (pip install 'pagefind[extended]')")]
    problems = []
    if "extended" not in executable.name and "extended" not in str(executable.parent):
        problems.append(
            note("Pagefind's extended binary is not installed: Chinese/Japanese words are not segmented")
        )
    site_dir = site_dir.resolve()
    fresh = site_dir / f".{BUNDLE_DIR}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        pages = run_async(asyncio.wait_for(build_index(site_dir, fresh), TIMEOUT))
    except Exception as exc:  # the indexer is an external process: any failure becomes a warning
        shutil.rmtree(fresh, ignore_errors=True)
        return problems + [warning(f"search index not built: {type(exc).__name__}: {exc}")]
    swap_in(fresh, site_dir / BUNDLE_DIR)
    if pages == 0:
        problems.append(warning("search index is empty: no page has data-pagefind-body"))
    return problems


def swap_in(fresh: Path, target: Path) -> None:
    """Two renames: readers see the old index or the new one, never half of either."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


async def build_index(site_dir: Path, output: Path) -> int:
    """Run Pagefind over `site_dir`, writing into `output`; returns the number of pages indexed."""
    from pagefind.index import PagefindIndex

    # The ↗ paper-page link after each card heading would end up in every result title.
    config = {"output_path": str(output), "exclude_selectors": [".paper-page-link"]}
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(site_dir))
    return int(result.get("page_count", 0))


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
