"""Rendering stage: SiteIndex -> (output path, bytes) for every page, through Jinja templates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
from pygments.formatters import HtmlFormatter

from paperdigest import __version__
from paperdigest.config import KATEX_INTEGRITY, SiteConfig
from paperdigest.group import SiteIndex
from paperdigest.model import Paper
from paperdigest.parse.papers import paper_path_id
from paperdigest.publish import install_helpers, render_publishing

PACKAGED_THEME = Path(__file__).parent / "theme"  # in the wheel: a copy of templates/
SOURCE_THEME = Path(__file__).resolve().parents[2] / "templates"  # source checkout / editable


def theme_dir() -> Path:
    return PACKAGED_THEME if PACKAGED_THEME.is_dir() else SOURCE_THEME


class Urls:
    """Every internal link goes through here, so the base path is never forgotten."""

    def __init__(self, config: SiteConfig):
        self.base_path = config.base_path
        self.site_url = config.site_url

    def __call__(self, path: str = "") -> str:
        return self.base_path + quote(path.lstrip("/"), safe="/#%?=&.-_~")

    def absolute(self, path: str = "") -> str:
        """Absolute URL when base_url is set (feeds, sitemap, canonical), else site-absolute."""
        if not self.site_url:
            return self(path)
        origin = urlsplit(self.site_url)
        return f"{origin.scheme}://{origin.netloc}{self(path)}"

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


def http_url(url: str) -> str:
    """Only http(s) URLs from digests become links; anything else (javascript:, data:) is dropped."""
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else ""


def make_environment(config: SiteConfig) -> jinja2.Environment:
    """Compiled once per build: the user's templates/ first, then the packaged theme."""
    loaders = [jinja2.FileSystemLoader(str(theme_dir()))]
    user = config.path("templates_dir")
    if user.is_dir() and user.resolve() != theme_dir().resolve():
        loaders.insert(0, jinja2.FileSystemLoader(str(user)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    urls = Urls(config)
    env.filters["http_url"] = http_url
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.globals.update(
        site=config,
        url=urls,
        abs_url=urls.absolute,
        urls=Urls,
        generator_version=__version__,
        katex=katex_assets(config, urls),
    )
    install_helpers(env)
    return env


def katex_assets(config: SiteConfig, urls: Urls) -> dict:
    """Where the pages load KaTeX from: the self-hosted copy, or the pinned CDN files with SRI."""
    local = bool(config.katex.local_dir)
    base = urls("assets/katex") if local else config.katex.cdn.rstrip("/")
    return {
        "css": f"{base}/katex.min.css",
        "js": f"{base}/katex.min.js",
        "integrity": {} if local else KATEX_INTEGRITY,
        "macros": config.katex.macros,
    }


def pages_of(items: tuple, per_page: int) -> list[tuple]:
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [()]


def paginated(path: str, items: tuple, per_page: int) -> Iterator[tuple[str, dict]]:
    """`path` for page 1, `path/page/N/` after; each with its items and pager links."""
    chunks = pages_of(items, per_page)
    for n, chunk in enumerate(chunks, start=1):
        here = path if n == 1 else f"{path}page/{n}/"
        pager = {
            "number": n,
            "count": len(chunks),
            "previous": None if n == 1 else (path if n == 2 else f"{path}page/{n - 1}/"),
            "next": f"{path}page/{n + 1}/" if n < len(chunks) else None,
        }
        yield here, {"items": chunk, "pager": pager}


def render_site(env: jinja2.Environment, index: SiteIndex, config: SiteConfig) -> Iterator[tuple[str, bytes]]:
    """Every output file of the site except static assets, one at a time (streamed to disk)."""

    def page(template: str, out: str, **context) -> tuple[str, bytes]:
        html = env.get_template(template).render(index=index, page_path=out, **context)
        return out, html.encode("utf-8")

    stats = {"digests": len(index.digests), "papers": len(index.papers), "categories": len(index.categories)}
    for path, ctx in paginated("", index.digests, config.per_page):
        yield page("index.html", path + "index.html", stats=stats, **ctx)
    yield page("digests.html", "digests/index.html")
    for digest in index.digests:
        yield page(
            "digest.html",
            f"{Urls.digest(digest.slug)}index.html",
            digest=digest,
            papers=index.papers_of[digest.slug],
            previous=index.previous.get(digest.slug),
            following=index.following.get(digest.slug),
        )
    papers_newest = sorted(index.papers.values(), key=paper_sort_key, reverse=True)
    yield page("papers.html", "papers/index.html", papers=papers_newest)
    for paper in index.papers.values():
        yield page("paper.html", f"{Urls.paper(paper.id)}index.html", paper=paper)
    yield page("archive.html", "archive/index.html", years=index.archive, year=None, month=None)
    for year, months in index.archive.items():
        yield page(
            "archive.html", f"archive/{year:04d}/index.html", years={year: months}, year=year, month=None
        )
        for month, digests in months.items():
            out = f"archive/{year:04d}/{month:02d}/index.html"
            yield page("archive.html", out, years={year: {month: digests}}, year=year, month=month)
    yield page("categories.html", "categories/index.html")
    for category in index.categories:
        for path, ctx in paginated(Urls.category(category.slug), category.digests, config.per_page):
            yield page("category.html", path + "index.html", category=category, **ctx)
    yield page("404.html", "404.html")
    yield page("feed.xml", "feed.xml", entries=index.digests[:20])
    yield page("sitemap.xml", "sitemap.xml", papers=papers_newest)
    yield "robots.txt", f"User-agent: *\nAllow: /\nSitemap: {Urls(config).absolute('sitemap.xml')}\n".encode()
    yield "papers.json", papers_json(index, Urls(config))
    yield "assets/pygments.css", pygments_css().encode("utf-8")
    yield from render_publishing(env, index, config)


def paper_sort_key(paper: Paper) -> tuple:
    return (paper.first_date or dt.date.min, paper.id)


def paper_record(paper: Paper, urls: Urls) -> dict:
    record = asdict(paper)
    record["page"] = urls(Urls.paper(paper.id))
    for mention in record["mentions"]:
        mention["date"] = mention["date"].isoformat() if mention["date"] else None
        mention["url"] = urls(Urls.digest(mention["digest_slug"])) + "#" + mention["anchor"]
    return record


def papers_json(index: SiteIndex, urls: Urls) -> bytes:
    records = [paper_record(p, urls) for p in index.papers.values()]
    return json.dumps({"papers": records}, ensure_ascii=False, indent=1).encode("utf-8")


def pygments_css() -> str:
    """Light and dark code colours, switched by prefers-color-scheme like the rest of the theme."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(".highlight")
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
