"""Search stage: Pagefind full-text indexes of the finished pages, in shards, shipped with them.

Pagefind reads the HTML the render stage wrote: only elements marked `data-pagefind-body` (digest
and paper pages) are indexed, `data-pagefind-filter` / `data-pagefind-meta` in the templates give
the category and year filters and the translated title. Its extended binary segments Chinese and
Japanese words at index time, so `涌现能力` matches inside a sentence without spaces. Formulas are
indexed by their TeX (the MathML annotation), never as KaTeX's glyph-by-glyph markup.

The index is split into shards by period (a year, or fewer months on a small site): a digest page
by its date, a paper page by the month of its arXiv id (else of its first mention). Each shard is a
whole Pagefind bundle under `pagefind/<period>/`, made again only when one of its pages changed; `pagefind/shards.json` lists
them and the languages each holds, and `assets/search.js` loads the first and merges the others
into it in the browser (Pagefind's mergeIndex), once for each language (Pagefind indexes a page by
its `<html lang>`, and a digest in another language than the site's has its own), so results,
filters and ranking span the whole site. No server.
"""

from __future__ import annotations

import concurrent.futures
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from paperdigest.config import CONFIG_NAME
from paperdigest.errors import Problem
from paperdigest.group import SiteIndex
from paperdigest.incremental.cache import BuildCache, code_fingerprint, digest_of
from paperdigest.incremental.output import SiteOutput
from paperdigest.model import Paper
from paperdigest.render import Urls
from paperdigest.workers import dies_with_this_process
from paperdigest.write import working_folder

BUNDLE_DIR = "pagefind"  # output folder of the shards, relative to the site root
SHARD_LIST = f"{BUNDLE_DIR}/shards.json"
UNDATED = "undated"  # the shard of pages without a date
PERIODS = (1, 2, 3, 4, 6, 12)  # months a shard may span, shortest first
# A shard of about 1,000 pages is indexed again in about a second; the browser merges every shard
# for every query. At 83 shards of 850 pages (10,000 digests) a search shows its first results in
# 1.4x the time it does with 28 shards of 2,500 (benchmarks/README.md), a sixth of one index's.
MAX_SHARDS = 96
MIN_PAGES = 200
ARXIV_MONTH = re.compile(r"^(?:[a-z\-]+(?:\.[A-Z]{2})?/)?(?P<yy>\d{2})(?P<mm>\d{2})(?:\.\d{4,5}|\d{3})$")
ENTRY = "pagefind-entry.json"
TIMEOUT = 600  # seconds per shard; a stuck indexer must not hang a build forever
# Pagefind's ready-made search UIs: the theme has its own (assets/search.js) and never loads them.
UNUSED_FILES = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.js")
EXCLUDE_SELECTORS = (
    ".paper-page-link",  # the ↗ paper-page link after each card heading: in every result title
    ".katex-html",  # KaTeX's glyph-by-glyph HTML of a formula; its TeX is indexed instead
    "semantics > :not(annotation)",  # the MathML glyphs of the same formula; the annotation is its TeX
)


@dataclass(frozen=True)
class Shard:
    """One Pagefind bundle: the pages of one period."""

    name: str
    pages: tuple[str, ...]  # output paths

    @property
    def folder(self) -> str:
        return f"{BUNDLE_DIR}/{self.name}"


class Indexed(NamedTuple):
    """What index_pages did: its problems, and whether every shard now has the index of its pages
    (False when one could not be made, e.g. Pagefind is missing or failed: the next build, which
    would otherwise find nothing changed, indexes it again)."""

    problems: list[Problem]
    complete: bool


@dataclass(frozen=True)
class Made:
    """A shard's new index: its files as (output path, bytes), how many pages it holds, and the
    folder Pagefind wrote them to (the files are moved from there into the site)."""

    files: list[tuple[str, bytes]]
    pages: int
    folder: Path

    def source(self, rel: str) -> Path:
        return self.folder / rel.split("/", 2)[2]  # pagefind/<shard>/<path in the bundle>


def plan_shards(index: SiteIndex) -> list[Shard]:
    """The digest and paper pages of the site (the pages the theme marks for search), by period.

    A period is the shortest of PERIODS that makes at most MAX_SHARDS shards of MIN_PAGES pages
    on average, else a year: a shard is made again whenever one of its pages changes, so smaller
    is quicker to rebuild, but the browser loads every shard for every search, and Pagefind ranks
    the results of each shard by its own word statistics, which a handful of pages skews. A site
    that grows past the limit moves to the next period (every shard is made again once)."""
    months = [
        (f"{Urls.digest(d.slug)}index.html", (d.date.year, d.date.month) if d.date else None)
        for d in index.digests
    ]
    months += [(f"{Urls.paper(p.id)}index.html", paper_month(p)) for p in index.papers.values()]

    by_month: dict[tuple[int, int] | None, list[str]] = {}
    for rel, month in months:
        by_month.setdefault(month, []).append(rel)

    def fits(period: int) -> bool:
        shards = len({shard_name(month, period) for month in by_month})
        return shards <= MAX_SHARDS and len(months) >= MIN_PAGES * shards

    period = next((p for p in PERIODS if fits(p)), PERIODS[-1])
    by_name: dict[str, list[str]] = {}
    for month, pages in by_month.items():
        by_name.setdefault(shard_name(month, period), []).extend(pages)
    return [Shard(name, tuple(sorted(pages))) for name, pages in sorted(by_name.items())]


def shard_name(month: tuple[int, int] | None, period: int) -> str:
    """`2023` for a year, `2023-07` for the shorter period that starts in July 2023."""
    if month is None:
        return UNDATED
    year, number = month
    if period == 12:
        return f"{year:04d}"
    return f"{year:04d}-{(number - 1) // period * period + 1:02d}"


def paper_month(paper: Paper) -> tuple[int, int] | None:
    """(year, month) of the paper's arXiv id (YYMM.NNNNN, archive/YYMMNNN), else of its first mention."""
    match = ARXIV_MONTH.match(paper.arxiv_id)
    if match and 1 <= int(match["mm"]) <= 12:
        yy = int(match["yy"])
        return (2000 + yy if yy < 91 else 1900 + yy, int(match["mm"]))  # arXiv started in 1991
    first = paper.first_date
    return (first.year, first.month) if first else None


def index_pages(
    site: SiteOutput,
    index: SiteIndex,
    *,
    keep_old: bool = False,
    jobs: int = 1,
    cache: BuildCache | None = None,
) -> Indexed:
    """Index the pages of each shard (plan_shards) of `site` (the output being prepared) into its files.

    The index is made from the finished pages before the output is moved into place, so it is
    always the index of the site it ships with. A shard is made again only when one of its pages'
    bytes changed; when pages changed but not what Pagefind takes from them (a new footer), the new
    bundle's content-addressed files are the old ones, and the old bundle, whose other files
    Pagefind names differently each run (Pagefind#638), is kept whole. `keep_old`: keep the last
    index whatever changed (the dev server does: indexing takes longer than its rebuilds). `cache`
    remembers what Pagefind can take from each page's bytes, for the next build.
    """
    old = sorted(rel for rel in site.previous if rel.startswith(BUNDLE_DIR + "/"))
    if keep_old and old:
        keep(site, old, None)
        return Indexed([], True)
    shards = plan_shards(index)  # not before: 0.05-0.07 s at 1,000 digests, growing with the pages
    settings = search_settings()
    bundles, fingerprints, todo = bundles_by_shard(old), {}, []
    kept: dict[str, str | None] = {}  # shard -> the fingerprint its last bundle is kept under
    parts = IndexedParts(site, cache)
    for shard in shards:
        was, pages = bundles.get(shard.name, []), shard_fingerprint(site, shard, settings)
        if made_from(site, was, pages, None):
            kept[shard.name] = None
            continue
        # Pages changed: made again unless what Pagefind takes from them is the same (a new footer).
        fingerprints[shard.name] = fp = f"{pages}:{indexed_fingerprint(parts, shard, settings)}"
        if made_from(site, was, None, fp):
            kept[shard.name] = fp
        else:
            todo.append(shard)
    with scratch_folder(site) as scratch:
        problems, made = make_indexes(site, todo, jobs, scratch)
        # The browser merges every shard into the first one's Pagefind: all must be made by the same
        # version, so a Pagefind other than the last one's (PAGEFIND_BINARY_PATH) makes every shard again.
        version = next((bundle_version(m.files, s) for s in todo if (m := made.get(s.name))), None)
        behind = [s for s in shards if s.name in kept and version and kept_version(site, s) != version]
        if behind:
            for shard in behind:
                pages = shard_fingerprint(site, shard, settings)
                fingerprints[shard.name] = f"{pages}:{indexed_fingerprint(parts, shard, settings)}"
                del kept[shard.name]
            more_problems, more = make_indexes(site, behind, jobs, scratch)
            problems, todo = problems + more_problems, todo + behind
            made.update(more)
        for name, fp in kept.items():
            keep(site, bundles[name], fp)
        for shard in todo:
            was, fp = bundles.get(shard.name, []), fingerprints[shard.name]
            new = made.get(shard.name)
            if new is None:  # no index could be made: the last one, if any, stays
                keep(site, was, None)
            elif (
                was
                and all(site.intact(rel, site.previous[rel]) for rel in was)
                and same_content(site, was, new)
            ):
                keep(site, was, fp)
            else:
                for rel, data in new.files:
                    site.add(rel, *site.stage(rel, data, fp, new.source(rel)))
    write_shard_list(site, [s.name for s in shards if f"{s.folder}/{ENTRY}" in site.entries])
    parts.forget_stale([rel for shard in shards for rel in shard.pages if rel in site.entries])
    if shards and made and sum(m.pages for m in made.values()) == 0:
        problems.append(warning("search index is empty: no page has data-pagefind-body"))
    return Indexed(problems, all(shard.name in made for shard in todo))


@contextmanager
def scratch_folder(site: SiteOutput) -> Iterator[Path]:
    """Where Pagefind writes the new bundles; their files are moved into the site from there."""
    folder = working_folder(site.out_dir, "search")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_shard_list(site: SiteOutput, names: list[str]) -> None:
    """pagefind/shards.json: the shards the browser merges, and the languages each holds.

    Pagefind indexes a page under its `<html lang>` (a digest in another language than the site's
    has its own), one index per language in each bundle, and searches the index of one language
    only: the browser loads one Pagefind for each language listed here (search.js)."""
    languages = {name: bundle_languages(site, name) for name in names}
    data = json.dumps({"shards": names, "languages": languages}).encode()
    fp = digest_of("shards", data)
    if not site.keep(SHARD_LIST, fp):
        site.add(SHARD_LIST, *site.stage(SHARD_LIST, data, fp))


def bundle_languages(site: SiteOutput, name: str) -> list[str]:
    """The languages of a shard's bundle, as its entry file names them (`zh-cn`, `en`)."""
    try:
        entry = json.loads(site.path_of(f"{BUNDLE_DIR}/{name}/{ENTRY}").read_bytes())
        return sorted(entry["languages"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def shard_fingerprint(site: SiteOutput, shard: Shard, settings: tuple[str, ...]) -> str:
    """What a shard is made from: the bytes of its pages (and Pagefind's version and settings)."""
    pages = (f"{rel}={site.entries[rel].sha}" for rel in shard.pages if rel in site.entries)
    return digest_of("search", *settings, shard.name, *pages)


def indexed_fingerprint(parts: IndexedParts, shard: Shard, settings: tuple[str, ...]) -> str:
    """What Pagefind can take from a shard's pages: their bytes less the theme's chrome."""
    pages = [rel for rel in shard.pages if rel in parts.site.entries]
    digests = parts.digests(pages)
    return digest_of("indexed", *settings, shard.name, *(f"{rel}={digests[rel]}" for rel in pages))


class IndexedParts:
    """The digest of what Pagefind can take from each page (indexed_part), kept in the cache by the
    hash of the page's bytes: a shard made again after one edit reads its one changed page, not all
    2,500 (the key holds the code, which says what indexed_part leaves out)."""

    def __init__(self, site: SiteOutput, cache: BuildCache | None):
        self.site, self.cache = site, cache if cache is not None and cache.db is not None else None

    def key(self, rel: str) -> str:
        return digest_of("indexed", code_fingerprint(), self.site.entries[rel].sha)

    def forget_stale(self, pages: list[str]) -> None:
        if self.cache:
            self.cache.forget_stale("indexed", lambda: {self.key(rel) for rel in pages}, most=len(pages))

    def digests(self, pages: list[str]) -> dict[str, str]:
        keys = {rel: self.key(rel) for rel in pages}
        found = self.cache.get_indexed(list(keys.values())) if self.cache else {}
        made = {}
        for rel, key in keys.items():
            if key not in found:
                found[key] = made[key] = digest_of(indexed_part(self.site.path_of(rel).read_bytes()))
        if self.cache and made:
            self.cache.put_indexed(made)
        return {rel: found[key] for rel, key in keys.items()}


# The theme's site header and footer: navigation, search box, theme toggle, footer links.
CHROME = re.compile(rb'<header class="site-header".*?</header>|<footer class="site-footer".*?</footer>', re.S)
# What Pagefind reads outside data-pagefind-body: its attributes, the first <h1> (a result's
# title) and <img> (its image). A header or footer with any of them is not chrome.
READ_ANYWHERE = re.compile(rb"data-pagefind|<h1|<img|<meta|<title", re.I)
BODY_MARK = re.compile(rb"<[a-zA-Z][^<>]*\sdata-pagefind-body[\s=>]")  # in a tag, not in text


def indexed_part(page: bytes) -> bytes:
    """A page's bytes without the parts Pagefind ignores for sure: the site header and footer of a
    page whose indexed content is marked with data-pagefind-body (a page without it is indexed
    whole). When unsure, a part is kept: a needless re-index costs seconds, a stale one trust."""
    if not BODY_MARK.search(page):
        return page
    return CHROME.sub(lambda m: b"" if not READ_ANYWHERE.search(m.group()) else m.group(), page)


def bundles_by_shard(old: list[str]) -> dict[str, list[str]]:
    """The last build's bundle files by shard name (`pagefind/<name>/...`)."""
    by_shard: dict[str, list[str]] = {}
    for rel in old:
        parts = rel.split("/", 2)
        if len(parts) == 3:
            by_shard.setdefault(parts[1], []).append(rel)
    return by_shard


def made_from(site: SiteOutput, was: list[str], pages: str | None, fp: str | None) -> bool:
    """A shard's last bundle can be kept: it is on disk as written and was made from the same pages
    (`pages`: their bytes' fingerprint) or from pages Pagefind reads the same (`fp`, which the
    kept files then carry). A bundle's fingerprint is `<pages>:<indexed content>`."""
    if not was or not all(site.intact(rel, site.previous[rel]) for rel in was):
        return False
    if pages is not None and not all(site.previous[rel].fp.split(":")[0] == pages for rel in was):
        return False
    return fp is None or all(site.previous[rel].fp.split(":")[-1] == fp.split(":")[-1] for rel in was)


def bundle_version(files: list[tuple[str, bytes]], shard: Shard) -> str | None:
    """The Pagefind version a new bundle's entry file names."""
    return entry_version(dict(files).get(f"{shard.folder}/{ENTRY}"))


def kept_version(site: SiteOutput, shard: Shard) -> str | None:
    """The Pagefind version the last bundle of `shard` names (intact: made_from checked it)."""
    try:
        return entry_version(site.path_of(f"{shard.folder}/{ENTRY}").read_bytes())
    except OSError:
        return None


def entry_version(data: bytes | None) -> str | None:
    try:
        version = json.loads(data)["version"]
    except (TypeError, ValueError, KeyError):
        return None
    return version if isinstance(version, str) else None


def keep(site: SiteOutput, old: list[str], fp: str | None) -> None:
    """Keep the last files as they are (under fingerprint `fp`, when given)."""
    for rel in old:
        entry = site.previous[rel]
        site.add(rel, entry if fp is None else entry._replace(fp=fp), staged=False)


def same_content(site: SiteOutput, old: list[str], made: Made) -> bool:
    """The new bundle holds what the old one does: the same content-addressed files (fragments,
    word index, Pagefind's scripts), byte for byte."""
    was = {rel: site.previous[rel].sha for rel in old if stable(rel)}
    now = {rel: digest_of(data) for rel, data in made.files if stable(rel)}
    return was == now


def stable(rel: str) -> bool:
    """A file Pagefind writes the same for the same pages (not its filter and metadata indexes,
    nor the entry file that names them)."""
    parts = rel.split("/")
    return not ("filter" in parts[:-1] or parts[-1].endswith(".pf_meta") or parts[-1] == ENTRY)


def search_settings() -> tuple[str, ...]:
    try:
        version = importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    return (f"pagefind={version}", repr(EXCLUDE_SELECTORS), repr(UNUSED_FILES))


def make_indexes(
    site: SiteOutput, shards: list[Shard], jobs: int, scratch: Path
) -> tuple[list[Problem], dict[str, Made]]:
    """(problems, shard name -> its new bundle) for the shards that could be indexed, `jobs` at a
    time, each in its own folder of `scratch` (the caller removes it). Pagefind's command line is
    run once per shard (its Python API answers each request after a tenth of a second's sleep)."""
    if not shards:
        return [], {}
    executable, problems = pagefind_binary()
    if executable is None:
        return problems, {}
    made: dict[str, Made] = {}
    failed: dict[str, list[str]] = {}  # error -> the shards it stopped
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = {s.name: pool.submit(index_shard, executable, site, s, scratch / s.name) for s in shards}
        for name, run in runs.items():
            try:
                made[name] = run.result()
            except Exception as exc:  # the indexer is an external process: any failure is a warning
                failed.setdefault(f"{type(exc).__name__}: {exc}", []).append(name)
    for error, names in failed.items():
        problems.append(warning(f"search index not built: {error} (shards {', '.join(names)})"))
    return problems, made


def pagefind_binary() -> tuple[Path | None, list[Problem]]:
    try:
        from pagefind.service import get_executable
    except ImportError:
        message = (
            "search index not built: the 'pagefind' package is missing (pip install 'pagefind[extended]')"
        )
        return None, [warning(message)]
    executable = get_executable()
    if executable is None:
        return None, [
            warning("search index not built: no Pagefind binary (pip install 'pagefind[extended]')")
        ]
    if "extended" not in executable.name and "extended" not in str(executable.parent):
        message = "Pagefind's extended binary is not installed: Chinese/Japanese words are not segmented"
        return executable, [note(message)]
    return executable, []


def index_shard(executable: Path, site: SiteOutput, shard: Shard, scratch: Path) -> Made:
    """Index one shard's pages into `scratch/index`. Pagefind reads them from a folder of hard
    links to where each page is now (staged, or kept from the last build)."""
    view, bundle = scratch / "pages", scratch / "index"
    folders = {""}
    for rel in shard.pages:
        if rel in site.entries:
            folder = rel.rpartition("/")[0]
            if folder not in folders:  # strings, not Paths: a shard has thousands of pages
                os.makedirs(f"{view}/{folder}", exist_ok=True)
                folders.add(folder)
            link_or_copy(site.path_of(rel), f"{view}/{rel}")
    view.mkdir(parents=True, exist_ok=True)
    command = [str(executable), "--site", str(view), "--output-path", str(bundle), "--silent"]
    for selector in EXCLUDE_SELECTORS:
        command += ["--exclude-selectors", selector]
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=scratch,
        preexec_fn=dies_with_this_process(),
    )
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr or proc.stdout).strip()[-2000:] or f"exit code {proc.returncode}")
    files = [
        (f"{shard.folder}/{path.relative_to(bundle).as_posix()}", path.read_bytes())
        for path in sorted(bundle.rglob("*"))
        if path.is_file() and not path.name.startswith(UNUSED_FILES)
    ]
    pages = indexed_pages(files, shard)
    if pages is None:
        raise RuntimeError("Pagefind wrote an incomplete index")
    return Made(files, pages, bundle)


def indexed_pages(files: list[tuple[str, bytes]], shard: Shard) -> int | None:
    """The number of pages the bundle holds, from its entry file; None unless the entry file parses
    and every language's metadata file it names was written."""
    names = {rel for rel, _ in files}
    entry = dict(files).get(f"{shard.folder}/{ENTRY}")
    try:
        languages = json.loads(entry)["languages"].values()
        if all(f"{shard.folder}/pagefind.{lang['hash']}.pf_meta" in names for lang in languages):
            return sum(int(lang["page_count"]) for lang in languages)
    except (TypeError, ValueError, KeyError, AttributeError):
        pass
    return None


def link_or_copy(source: Path, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


def warning(message: str) -> Problem:
    return Problem(CONFIG_NAME, None, "warning", message)


def note(message: str) -> Problem:
    return Problem(CONFIG_NAME, None, "note", message)
