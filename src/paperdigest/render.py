"""Rendering stage: SiteIndex -> (output path, bytes) for every page, through Jinja templates."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from urllib.parse import SplitResult, quote, urlsplit

import jinja2
from jinja2.loaders import split_template_path
from pygments.formatters import HtmlFormatter

from paperdigest import __version__, katex_engine
from paperdigest.bibtex import bibliography, bibtex_entry, citation_key, citation_keys
from paperdigest.boundary import boundary_of, leaves, link_problem, shown_path
from paperdigest.config import SiteConfig
from paperdigest.errors import Problem
from paperdigest.group import SiteIndex
from paperdigest.history import SourceHistory
from paperdigest.model import Digest, Paper
from paperdigest.once import Once
from paperdigest.parse.digest import paper_id
from paperdigest.parse.papers import paper_path_id
from paperdigest.publish import FEED_ENTRIES, category_feed, digest_bib, install_helpers
from paperdigest.theme import install_theme_helpers

PACKAGED_THEME = Path(__file__).parent / "theme"  # in the wheel: a copy of templates/
SOURCE_THEME = Path(__file__).resolve().parents[2] / "templates"  # source checkout / editable


def theme_dir() -> Path:
    return PACKAGED_THEME if PACKAGED_THEME.is_dir() else SOURCE_THEME


# What a URI's path, query and fragment may hold as written (RFC 3986), `%` included: what Urls
# already encoded stays as it is.
URI_PATH_SAFE = "/%?#[]@!$&'()*+,;=:-._~"


class Urls:
    """Every internal link goes through here, so the base path is never forgotten."""

    def __init__(self, config: SiteConfig):
        self.base_path = config.base_path
        self.site_url = config.site_url

    def __call__(self, path: str = "") -> str:
        return self.base_path + quote(path.lstrip("/"), safe="/#%?=&.-_~")

    def absolute(self, path: str = "") -> str:
        """Absolute URL when base_url is set (feeds, sitemap, canonical), else site-absolute. A URI
        (RFC 3986), as sitemaps, robots.txt and Atom ids need: a base path in other letters or with
        a space (`/论文 集/`) percent-encoded, a host in other letters as IDNA (`xn--...`)."""
        if not self.site_url:
            return self(path)
        origin = urlsplit(self.site_url)
        return f"{origin.scheme}://{uri_host(origin)}{quote(self(path), safe=URI_PATH_SAFE)}"

    @staticmethod
    def digest(slug: str) -> str:
        return f"digests/{slug}/"

    @staticmethod
    def paper(pid: str) -> str:
        return f"papers/{paper_path_id(pid)}/"

    @staticmethod
    def category(slug: str) -> str:
        return f"categories/{slug}/"

    @staticmethod
    def month(date: dt.date) -> str:
        return f"archive/{date.year:04d}/{date.month:02d}/"


def uri_host(origin: SplitResult) -> str:
    """The host (and port) of a URL, a name in other letters as IDNA (例子.中国 -> xn--fsqu00a.xn--fiqs8s)."""
    if origin.netloc.isascii():
        return origin.netloc
    host = origin.hostname.encode("idna").decode("ascii")
    return f"{host}:{origin.port}" if origin.port else host


def http_url(url: str) -> str:
    """Only http(s) URLs from digests become links; anything else (javascript:, data:) is dropped."""
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else ""


def link_href(url: str, urls: Urls) -> str:
    """Where a link a digest gives a paper leads, on any page: an http(s) URL as written; a path of
    this site (`/files/a.pdf`, or a file the digest names, published beside it) under the base
    path; anything else (javascript:, data:, a path relative to the digest's page) is no link."""
    if http_url(url):
        return url
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return urls(url)
    return ""


class TemplateRefused(jinja2.TemplateError):
    """A user template that is not used: it links outside the site (never read), or it is not
    UTF-8 text (a template saved as GBK) or cannot be read. The build fails when a page uses it
    (its theme twin must not stand in for it silently), naming the file."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


# A line's indentation in a template: after a tag whose newline trim_blocks removes, one space
# stays (it may be all that parts two words); after a kept newline nothing is needed.
TEMPLATE_INDENT = re.compile(r"([%#]\})?\n[ \t]+")


def unindented(source: str) -> str:
    """A theme page template without the indentation of its lines, which every page would
    otherwise repeat: where HTML collapses whitespace, the page looks and reads the same."""
    return TEMPLATE_INDENT.sub(lambda m: m[1] + "\n " if m[1] else "\n", source)


class ThemeLoader(jinja2.FileSystemLoader):
    """The packaged theme; its page templates unindented (their text has no <pre> or
    white-space: pre to keep). The user's own templates are read as written."""

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = super().get_source(environment, template)
        return (unindented(source) if template.endswith(".html") else source), filename, uptodate


class BoundedLoader(jinja2.FileSystemLoader):
    """The user's templates folder, read only within the site's trust boundary (paperdigest.boundary).
    Its templates are known by their path from the site folder (`templates/paper.html`), as every
    other file is in messages: Jinja names a template by this filename in its errors."""

    def __init__(self, folder: Path, root: Path):
        super().__init__(str(folder))
        self.root, self.boundary = root, boundary_of(folder, root)

    def get_source(self, environment: jinja2.Environment, template: str):
        # FileSystemLoader's lookup, with the boundary checked before the file is opened.
        path = Path(posixpath.join(self.searchpath[0], *split_template_path(template)))
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        if leaves(path, self.boundary):
            raise TemplateRefused(link_problem(path, self.root))
        shown = shown_path(path, self.root)
        source = template_text(path, shown)
        mtime = path.stat().st_mtime

        def uptodate() -> bool:
            with contextlib.suppress(OSError):
                return path.stat().st_mtime == mtime
            return False

        return source, shown, uptodate


def template_text(path: Path, shown: str) -> str:
    """A user template's text: UTF-8 (a byte-order mark, as Notepad writes, dropped), newlines
    read as Python's text mode reads them. Anything else is a located error, not a traceback."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TemplateRefused(Problem(shown, None, "error", f"cannot read the template: {reason}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the template as UTF-8"
        raise TemplateRefused(Problem(shown, line, "error", message)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept on disk for the next process (compiling the theme is a
    tenth of a second or more, in a build that changes one digest). Keyed by each template's name
    and source; a folder per version of the code (cache.BuildCache.templates_folder), so a
    compiler or an environment option that changes is a new folder. Best effort: a template that
    cannot be stored is compiled again next time."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def make_environment(config: SiteConfig, compiled: Path | None = None) -> jinja2.Environment:
    """Compiled once per build: the user's templates/ first, then the packaged theme. `compiled`:
    a folder that keeps compiled templates between processes."""
    loaders: list[jinja2.BaseLoader] = [ThemeLoader(str(theme_dir()))]
    user = config.path("templates_dir")
    if user.is_dir() and user.resolve() != theme_dir().resolve():
        loaders.insert(0, BoundedLoader(user, config.root))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # Every page is HTML or XML, and so is whatever a template includes into one: a partial
        # of the user's named card.j2, card.jinja or card.htm escapes digest text like the page.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=CompiledTemplates(str(compiled)) if compiled is not None else None,
        extensions=[Once],
        # No stat of three template files for every page: a build that finds a template changed
        # makes a new environment (Builder.environment).
        auto_reload=False,
    )
    urls = Urls(config)
    env.filters["http_url"] = http_url
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.globals.update(
        # Without the site folder's path: a page never shows where it was built, so a checkout at
        # another path (a renamed repository, another CI runner) builds the same pages.
        site=replace(config, root=Path(".")),
        url=urls,
        abs_url=urls.absolute,
        urls=Urls,
        generator_version=__version__,
        katex=katex_assets(config, urls),
    )
    install_helpers(env)
    env.filters["link_href"] = lambda url: link_href(url, urls)
    install_theme_helpers(env, config, env.filters["link_href"])
    return env


def katex_assets(config: SiteConfig, urls: Urls) -> dict:
    """Where the pages load KaTeX from (CSS only when math is typeset at build time)."""
    return katex_engine.katex_assets(config, urls)


def pages_of(items: tuple, per_page: int) -> list[tuple]:
    """A newest-first list in pages counted from its oldest end: every page but the first holds
    `per_page` items, the first the newest `per_page` to `2 * per_page - 1` (all of a shorter
    list). An item added changes the first page only, not every page after it, until the first
    page splits in two (once every `per_page` items added)."""
    count = max(1, len(items) // per_page)
    first = len(items) - (count - 1) * per_page
    return [items[:first]] + [items[start : start + per_page] for start in range(first, len(items), per_page)]


# What a list gives its first page only (the counts that change with every digest added).
FIRST_PAGE_ONLY = ("stats", "categories", "total")


def paginated(path: str, items: tuple, per_page: int, **first) -> Iterator[tuple[str, dict]]:
    """`path` for page 1, `path/page/N/` after; each with its items and pager links. `first`: what
    only the first page shows (counts that change with every item added: FIRST_PAGE_ONLY)."""
    assert set(first) <= set(FIRST_PAGE_ONLY), first
    chunks = pages_of(items, per_page)
    for n, chunk in enumerate(chunks, start=1):
        here = path if n == 1 else f"{path}page/{n}/"
        pager = {
            "number": n,
            "count": len(chunks),
            "previous": None if n == 1 else (path if n == 2 else f"{path}page/{n - 1}/"),
            "next": f"{path}page/{n + 1}/" if n < len(chunks) else None,
        }
        yield here, {"items": chunk, "pager": pager, **(first if n == 1 else {})}


@dataclass(slots=True)  # not frozen: a frozen dataclass is slow to build, and a site plans 70,000
class Page:
    """One output file: a template with its context, or bytes that `make()` produces on demand.

    `depends` lists what a `make()` file is made from, so the build can tell whether it changed.
    """

    out: str
    template: str | None = None
    context: dict = field(default_factory=dict)
    make: Callable[[], bytes | Iterator[bytes]] | None = None  # bytes, or chunks of a large file
    depends: tuple = ()

    def render(self, env: jinja2.Environment, index: SiteIndex) -> bytes | Iterator[bytes]:
        if self.make is not None:
            return self.make()
        html = env.get_template(self.template).render(index=index, page_path=self.out, **self.context)
        if self.template.endswith(".xml"):
            html = xml_chars(html)
        return html.encode("utf-8")


# What XML 1.0 cannot carry at all, not even as a character reference (`&#1;` is an error too): C0
# controls but tab, newline and carriage return, U+FFFE and U+FFFF. Autoescaping cannot help.
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(document: str) -> str:
    """An XML document (a feed, a sitemap) without the characters XML forbids. They come from
    digests and site.yaml (text pasted from a PDF carries form feeds and other controls), never from
    the templates; one of them made a feed unreadable: every feed reader rejects the whole file."""
    return XML_INVALID.sub("", document)


@dataclass(slots=True)
class PageGroup:
    """Pages that `plan(*inputs, *helpers)` makes. `plan` is a module-level function of its
    arguments alone, so the same inputs plan the same pages: a rebuild keeps a group whose inputs
    are last build's without planning its pages again (at 10,000 digests the site has 80,000
    pages, and planning each one again was most of a rebuild). `helpers` are functions the pages'
    `make` calls, code like `make` itself, not data."""

    key: str  # unique in the site
    plan: Callable[..., Iterator[Page]]
    inputs: tuple
    helpers: tuple = ()

    def pages(self) -> Iterator[Page]:
        return self.plan(*self.inputs, *self.helpers)


PAPERS_PER_GROUP = 1000
CATEGORIES_PER_PAGE = 1000  # categories/ lists them by name, about 100 KB a page
DIGESTS_PER_GROUP = 100


def site_pages(
    index: SiteIndex,
    config: SiteConfig,
    paper_lines: PaperLines | None = None,
    history: SourceHistory | None = None,
    bib: BibEntries | None = None,
) -> Iterator[Page]:
    """Every output file except static assets, not yet rendered (site_plan, groups opened)."""
    for item in site_plan(index, config, paper_lines, history, bib):
        if type(item) is PageGroup:
            yield from item.pages()
        else:
            yield item


def site_plan(
    index: SiteIndex,
    config: SiteConfig,
    paper_lines: PaperLines | None = None,
    history: SourceHistory | None = None,
    bib: BibEntries | None = None,
) -> Iterator[Page | PageGroup]:
    """The plan of the site: every output file except static assets, not yet rendered.

    Each page gets what it shows and no more (a page's fingerprint is everything in its context):
    pages that list digests get their summaries and the papers they show under each, paginated
    lists only their own page's items. `paper_lines` encodes papers.json's lines and `bib` the
    papers' citation keys and BibTeX (the incremental layer passes ones that remember); `history`
    says where each digest's file is in the site's repository and when it was last committed."""

    history = history or SourceHistory()
    stats = {"digests": len(index.digests), "papers": len(index.papers), "categories": len(index.categories)}
    pills = home_pills(index.categories)
    bib = bib or BibEntries()
    bib.start()
    all_papers = tuple(index.papers.values())
    all_keys = bib.keys(all_papers)
    keys = dict(zip(index.papers, all_keys, strict=True))
    by_slug = {d.slug: d for d in index.digests}
    first = frozen({"stats": stats, "categories": pills})
    yield list_group("", "index.html", index.summaries, index, config.per_page, frozen({}), first)
    # Pages of digests, a line each: at 10,000 digests one list was a 2.7 MB page.
    for path, ctx in paginated(
        "digests/", index.summaries, config.digests_per_page, total=len(index.summaries)
    ):
        yield page("digests.html", path + "index.html", **ctx)
    category_slugs = {c.name: c.slug for c in index.categories}
    count = len(index.digests)
    for end in range(count, 0, -DIGESTS_PER_GROUP):  # counted from the oldest: a new digest changes one
        digests = index.digests[max(0, end - DIGESTS_PER_GROUP) : end]
        papers = tuple([index.papers_of[d.slug] for d in digests])
        inputs = (
            digests,
            papers,
            tuple([index.previous.get(d.slug) for d in digests]),
            tuple([index.following.get(d.slug) for d in digests]),
            tuple([tuple([(name, category_slugs[name]) for name in d.categories]) for d in digests]),
            tuple([history.source(d.source) for d in digests]),
            tuple([tuple([keys[p.id] for p in of]) for of in papers]),
        )
        yield PageGroup(f"digests/{count - end}", digest_pages, inputs, (bib.entries,))
    # Pages of papers, not one list: at 10,000 digests all 59,000 papers made a 16 MB page.
    total = len(index.papers_newest)
    for path, ctx in paginated("papers/", index.papers_newest, config.papers_per_page, total=total):
        yield page("papers.html", path + "index.html", **ctx)
    for start in range(0, len(all_papers), PAPERS_PER_GROUP):
        end = start + PAPERS_PER_GROUP
        yield PageGroup(f"papers/{start}", paper_pages, (all_papers[start:end], all_keys[start:end]))
    yield page(
        "archive.html",
        "archive/index.html",
        archive=index.archive,
        year=None,
        month=None,
        undated=index.undated,
        briefs={},  # its years and months only
    )
    for year, months in index.archive.items():
        yield page(
            "archive.html",
            f"archive/{year:04d}/index.html",
            archive={year: months},
            year=year,
            month=None,
            undated=(),
            briefs={},  # a line for each digest: their papers are on the months' pages
        )
        for month, items in months.items():
            out = f"archive/{year:04d}/{month:02d}/index.html"
            yield page(
                "archive.html",
                out,
                archive={year: {month: items}},
                year=year,
                month=month,
                undated=(),
                briefs=archive_briefs(index, by_slug, items),
            )
    # Pages of categories: a site that uses its tags as categories has thousands (12,106 at
    # 10,000 digests of four tags each made categories/ a page of 1.1 MB).
    for path, ctx in paginated("categories/", index.categories, CATEGORIES_PER_PAGE):
        yield page("categories.html", path + "index.html", categories=ctx["items"], pager=ctx["pager"])
    for category in index.categories:
        digests = index.by_category[category.slug]
        context = frozen({"category": {"name": category.name, "slug": category.slug}})
        first = frozen({"total": category.count})
        path = Urls.category(category.slug)
        yield list_group(path, "category.html", digests, index, config.per_page, context, first)
    yield page("starred.html", "starred/index.html")
    yield page("404.html", "404.html")
    yield page("feed.xml", "feed.xml", entries=index.digests[:FEED_ENTRIES])
    yield from sitemap_pages(index)
    robots = f"User-agent: *\nAllow: /\nSitemap: {Urls(config).absolute('sitemap.xml')}\n".encode()
    yield Page("robots.txt", make=lambda: robots)
    lines = paper_lines or PaperLines()
    yield Page(
        "papers.json", make=lambda: papers_json(all_papers, Urls(config), lines), depends=(all_papers,)
    )
    yield Page(
        "papers.bib",
        make=partial(bibliography, all_papers, all_keys, bib.entries),
        depends=(all_papers, all_keys),
    )
    yield Page("assets/pygments.css", make=lambda: pygments_css().encode("utf-8"))
    if config.search:
        yield page("search.html", "search/index.html")
    newest: dict[str, list[Digest]] = {c.name: [] for c in index.categories}
    for digest in index.digests:
        for name in digest.categories:
            if len(newest[name]) < FEED_ENTRIES:
                newest[name].append(digest)
    for category in index.categories:
        entries = tuple(newest[category.name])
        feed = category_feed(category.slug)
        yield page("feed.xml", feed, entries=entries, category=category)
    if config.cname:
        cname = f"{config.cname}\n".encode()
        yield Page("CNAME", make=lambda: cname)


# Category pills on the front page: a site that uses its tags as categories has thousands (12,000
# at 10,000 digests of four tags each made the front page 1 MB of pills above its latest digests).
HOME_CATEGORIES = 30


def home_pills(categories) -> tuple[tuple[str, str, int], ...]:
    """The front page's categories as (name, slug, count): the HOME_CATEGORIES largest (ties by
    name), in name order as categories/ lists them all."""
    largest = {c.slug for c in sorted(categories, key=lambda c: (-c.count, c.name))[:HOME_CATEGORIES]}
    return tuple((c.name, c.slug, c.count) for c in categories if c.slug in largest)


def page(template: str, out: str, **context) -> Page:
    """A page of `template`, its context's mappings made read-only (see frozen)."""
    if any(type(value) is dict for value in context.values()):
        context = {name: frozen(value) for name, value in context.items()}
    return Page(out, template, context)


def list_group(
    path: str, template: str, summaries, index: SiteIndex, per_page: int, context, first
) -> PageGroup:
    """The pages of a paginated list of digests, each with the papers shown under its digests."""
    briefs = tuple([index.papers_of[s.slug] for s in summaries])
    inputs = (path, template, summaries, briefs, per_page, context, first)
    return PageGroup(path + template, list_pages, inputs)


def list_pages(path, template, summaries, briefs, per_page, context, first) -> Iterator[Page]:
    """`briefs` is aligned with `summaries`; `context` is what every page of the list shows, `first`
    what only its first page shows."""
    shown = dict(zip([s.slug for s in summaries], briefs, strict=True))
    for here, ctx in paginated(path, summaries, per_page, **first):
        papers = {s.slug: shown[s.slug] for s in ctx["items"]}
        yield page(template, here + "index.html", **context, briefs=papers, **ctx)


def digest_pages(
    digests, papers, previous, following, category_slugs, sources, keys, entries
) -> Iterator[Page]:
    """Each digest's page and .bib file; the arguments are aligned with `digests`."""
    for i, digest in enumerate(digests):
        context = {
            "digest": digest,
            "papers": papers[i],
            "previous": previous[i],
            "following": following[i],
            "category_slugs": frozen(dict(category_slugs[i])),
            "source": sources[i],
        }
        yield Page(f"{Urls.digest(digest.slug)}index.html", "digest.html", context)
        yield Page(
            digest_bib(digest.slug),
            make=partial(bibliography, papers[i], keys[i], entries),
            depends=(papers[i], keys[i]),
        )


def paper_pages(papers: tuple[Paper, ...], keys: tuple[str, ...]) -> Iterator[Page]:
    for paper, key in zip(papers, keys, strict=True):
        yield Page(f"{Urls.paper(paper.id)}index.html", "paper.html", {"paper": paper, "bibkey": key})


def frozen(value):
    """A context's mappings, read-only all the way down: what a page was made from cannot change
    after its fingerprint was taken, not even by a template (incremental/fingerprint.py)."""
    if isinstance(value, dict):
        return MappingProxyType({key: frozen(item) for key, item in value.items()})
    return value


def archive_briefs(index: SiteIndex, digests: dict[str, Digest], items) -> dict[str, tuple[Paper, ...]]:
    """The papers an archive page shows under each line: a digest's, or one dated entry's
    (key: the digest's slug, then '#' and the entry's anchor)."""
    briefs = {}
    for item in items:
        papers = index.papers_of[item.digest.slug]
        if item.entry:
            ids = {paper_id(c) for c in digests[item.digest.slug].cards if c.entry == item.anchor}
            briefs[f"{item.digest.slug}#{item.anchor}"] = tuple(p for p in papers if p.id in ids)
        else:
            briefs[item.digest.slug] = papers
    return briefs


SITEMAP_LIMIT = 50_000  # URLs in one sitemap file, by the sitemaps.org protocol


def sitemap_pages(index: SiteIndex) -> Iterator[Page]:
    """sitemap.xml: the front page, the categories, the digests and the papers, oldest first. Past
    SITEMAP_LIMIT URLs (10,000 digests have 72,000) it is a sitemap index of sitemap-1.xml,
    sitemap-2.xml, ...: the first part holds the front page and then as many categories and
    digests as fit; the categories that do not (a site of 50,000 tags) go on in parts of their own,
    then the digests', then the papers'. Each section is cut from its oldest end, so a new digest
    changes the last part of each, not every part. Papers count by id only: a paper whose card
    changed keeps its URL."""
    home, categories = ("",), index.categories  # "": the front page's path
    digests = index.summaries[::-1]
    paper_ids = tuple([p.id for p in reversed(index.papers_newest)])
    if len(home) + len(categories) + len(digests) + len(paper_ids) <= SITEMAP_LIMIT:
        context = {"home": home, "categories": categories, "digests": digests, "paper_ids": paper_ids}
        yield Page("sitemap.xml", "sitemap.xml", context)
        return
    room = SITEMAP_LIMIT - len(home)  # for categories in the first part
    digests_first = max(0, room - len(categories))  # digests in the first part
    first = {"categories": categories[:room], "digests": digests[:digests_first]}
    contexts = [{**SITEMAP_NONE, "home": home, **first}]
    contexts += sitemap_sections("categories", categories, room)
    contexts += sitemap_sections("digests", digests, digests_first)
    contexts += sitemap_sections("paper_ids", paper_ids, 0)
    parts = tuple(f"sitemap-{n}.xml" for n in range(1, len(contexts) + 1))
    for part, context in zip(parts, contexts, strict=True):
        yield Page(part, "sitemap.xml", context)
    yield Page("sitemap.xml", "sitemap-index.xml", {"parts": parts})


SITEMAP_NONE = {"home": (), "categories": (), "digests": (), "paper_ids": ()}


def sitemap_sections(name: str, items: tuple, start: int) -> list[dict]:
    """The contexts of the sitemap parts that hold `items[start:]`, SITEMAP_LIMIT URLs each."""
    return [
        {**SITEMAP_NONE, name: items[i : i + SITEMAP_LIMIT]} for i in range(start, len(items), SITEMAP_LIMIT)
    ]


def paper_record(paper: Paper, urls: Urls) -> dict:
    record = plain_record(paper)
    del record["title_tex"]  # BibTeX's split of the title at its formulas: title_html shows them
    record["page"] = urls(Urls.paper(paper.id))
    # A path of the site (a file a digest names) under the base path, as `page` is; others as written.
    record["url"], record["code_url"] = (link_href(u, urls) or u for u in (paper.url, paper.code_url))
    for link in record["links"]:
        link["url"] = link_href(link["url"], urls) or link["url"]
    for mention in record["mentions"]:
        mention["date"] = mention["date"].isoformat() if mention["date"] else None
        mention["date_end"] = mention["date_end"].isoformat() if mention["date_end"] else None
        mention["url"] = urls(Urls.digest(mention["digest_slug"])) + "#" + mention["anchor"]
    return record


def plain_record(record) -> dict:
    """dataclasses.asdict for our flat records, without its deep copies (the slow part of asdict)."""
    plain = shallow_dict(record)
    for key, value in plain.items():
        if isinstance(value, tuple) and value and is_dataclass(value[0]):
            plain[key] = [shallow_dict(item) for item in value]
    return plain


def shallow_dict(record) -> dict:
    return {f.name: getattr(record, f.name) for f in fields(record)}


JSON_BATCH = 1000


class BibEntries:
    """Citation keys and BibTeX entries of papers; the incremental layer keeps one that remembers."""

    def start(self) -> None:
        """A build begins."""

    def keys(self, papers: tuple[Paper, ...]) -> tuple[str, ...]:
        """Each paper's citation key, in the order of `papers` (the site's, oldest first)."""
        found = citation_keys(papers, self.key)
        return tuple([found[p.id] for p in papers])

    def key(self, paper: Paper) -> str:
        return citation_key(paper)

    def entry(self, paper: Paper, key: str) -> str:
        return bibtex_entry(paper, key)

    def entries(self, papers: tuple[Paper, ...], keys: tuple[str, ...]) -> list[str]:
        """Each paper's entry under its key (papers.bib: every paper of the site)."""
        return [self.entry(p, key) for p, key in zip(papers, keys, strict=True)]


class PaperLines:
    """Encodes each paper's line of papers.json; the incremental layer keeps one that remembers."""

    def start(self) -> None:
        """A papers.json begins."""

    def lines(self, papers: tuple[Paper, ...], urls: Urls) -> list[bytes]:
        return [self.line(paper, urls) for paper in papers]

    def line(self, paper: Paper, urls: Urls) -> bytes:
        # No space after "," and ":": 5 % of a file of 100 MB at 10,000 digests.
        record = paper_record(paper, urls)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def papers_json(papers: tuple[Paper, ...], urls: Urls, lines: PaperLines) -> Iterator[bytes]:
    """`{"papers": [...]}` with one paper per line, made and written a thousand lines at a time: at
    tens of thousands of papers the file is too large to hold at once; a line per paper keeps it
    searchable and diffable line by line."""
    if not papers:
        yield b'{"papers": []}\n'
        return
    lines.start()
    head = b'{"papers": [\n'
    for start in range(0, len(papers), JSON_BATCH):
        batch = lines.lines(papers[start : start + JSON_BATCH], urls)
        yield head + b",\n".join(batch)
        head = b",\n"
    yield b"\n]}\n"


def pygments_css() -> str:
    """Light and dark code colours, switched like the rest of the theme: the reader's choice
    (<html data-theme>), else the system's (prefers-color-scheme). Dark on screens only, as the
    theme's: printed, monokai's light text went on white paper."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    chosen = HtmlFormatter(style="monokai").get_style_defs(':root[data-theme="dark"] .highlight')
    system = HtmlFormatter(style="monokai").get_style_defs(':root:not([data-theme="light"]) .highlight')
    return (
        f"{light}\n@media screen {{\n{chosen}\n}}\n"
        f"@media screen and (prefers-color-scheme: dark) {{\n{system}\n}}\n"
    )
