"""Template helpers for finding, following and citing the site: BibTeX, COinS, feeds, facets.

Each is a pure function of its arguments (and the configuration captured when installed), so a
page's fingerprint, which covers its context and the environment's helpers, covers their output.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote, urljoin, urlsplit

import jinja2

from paperdigest.bibtex import author_names, bibtex_entry, issue_date, paper_doi, title_known
from paperdigest.config import SiteConfig
from paperdigest.errors import Problem
from paperdigest.model import Paper
from paperdigest.parse.srcset import map_srcset

FEED_ENTRIES = 20  # newest digests in each Atom feed
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# A URL attribute as HTML reads it: any case, spaces around `=`, its value quoted or not.
URL_ATTRIBUTE = re.compile(
    r"""(\s(href|src|poster|srcset)\s*=\s*)(?:(["'])(.*?)\3|([^\s"'=<>`]+))""", re.IGNORECASE | re.DOTALL
)
STYLE_ATTRIBUTE = re.compile(r"""(\sstyle\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
CSS_URL = re.compile(r"""(\burl\(\s*(?:&quot;|&#39;|["'])?)([^"'()\s&]+)""", re.IGNORECASE)
KATEX_HTML = '<span class="katex-html"'
SPAN_TAG = re.compile(r"<span\b|</span>")


def moment(record) -> dt.datetime:
    """When a digest (or its DigestSummary) is dated: the time its front matter gives, else
    midnight UTC of its day (of 1970-01-01 when it has none: Atom requires a date)."""
    return record.time if record.time is not None else instant(record.date or EPOCH.date())


def changed(record) -> dt.datetime:
    """When a digest last changed: its front matter's `updated` (or kin), never before its date."""
    return max(moment(record), instant(record.updated)) if record.updated else moment(record)


def instant(day: dt.date) -> dt.datetime:
    """A date, or a datetime with its time of day, as an aware datetime (a date at midnight UTC)."""
    if isinstance(day, dt.datetime):
        return day
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc)


def rfc3339(when: dt.datetime) -> str:
    """`2023-05-02T10:00:00+08:00`, `2023-05-02T00:00:00Z`: Atom's dates (RFC 3339, an offset
    required) and a sitemap's W3C datetimes alike."""
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def published_at(record) -> str:
    return rfc3339(moment(record))


def updated_at(record) -> str:
    return rfc3339(changed(record))


def feed_updated(entries) -> str:
    """A feed's <updated>: the latest of its entries'."""
    return rfc3339(max(map(changed, entries), default=EPOCH))


def lastmod(record) -> str:
    """A sitemap's <lastmod> (W3C datetime): the last change as a feed gives it, a day when no time
    of day is written; '' undated."""
    if record.time is None and not isinstance(record.updated, dt.datetime):
        last = record.updated or record.date
        return last.isoformat() if last else ""
    return rfc3339(changed(record))


def category_feed(slug: str) -> str:
    return f"categories/{slug}/feed.xml"


def digest_bib(slug: str) -> str:
    """The digest's papers as BibTeX, beside its page (its link downloads it as <slug>.bib)."""
    return f"digests/{slug}/papers.bib"


def search_facets(paper: Paper) -> dict[str, list[str]]:
    """Search filters of a paper: the categories and years of the digests that mention it.

    Read from the paper's own mentions, so a paper page depends on its record alone."""
    categories = dict.fromkeys(c for m in paper.mentions for c in m.digest_categories)
    years = dict.fromkeys(str(m.date.year) for m in paper.mentions if m.date)
    return {"category": list(categories), "year": list(years)}


def paper_facets(papers: tuple[Paper, ...]) -> dict[str, list[str]]:
    """What the papers list can be filtered by, from the papers it shows: categories, years
    (newest first) and venues."""
    facets = [search_facets(p) for p in papers]
    return {
        "category": sorted({c for f in facets for c in f["category"]}, key=str.lower),
        "year": sorted({y for f in facets for y in f["year"]}, reverse=True),
        "venue": sorted({p.venue for p in papers if p.venue}, key=str.lower),
    }


def coins(paper: Paper) -> str:
    """The paper as an OpenURL ContextObject (Z39.88-2004, KEV journal format), for the title of a
    COinS span: the Zotero connector and other reference managers offer to save it from the page."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
        ("rft.genre", "preprint" if paper.arxiv_id and not paper.venue else "article"),
    ]
    if title_known(paper):
        pairs.append(("rft.atitle", paper.title))
    if paper.venue or paper.arxiv_id:
        pairs.append(("rft.jtitle", paper.venue or "arXiv"))
    pairs += [("rft.au", name) for name in author_names(paper.authors)[0]]
    if date := issue_date(paper):
        pairs.append(("rft.date", date))
    if paper.arxiv_id:
        pairs.append(("rft_id", f"info:arxiv/{paper.arxiv_id}"))
    if doi := paper_doi(paper):
        pairs.append(("rft_id", f"info:doi/{doi}"))
    if url := paper.arxiv_url or paper.url:
        pairs.append(("rft_id", url))
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in pairs)


def feed_html(html: str, page_url: str) -> str:
    """A digest body as a feed entry's content: every link and image absolute (readers show the
    entry away from the site), formulas as their MathML alone (a reader has no KaTeX stylesheet,
    and would show KaTeX's HTML layer as loose text beside the MathML)."""
    return absolute_urls(without_katex_html(str(html)), page_url)  # str: the feed escapes it


def absolute_urls(html: str, page_url: str) -> str:
    def absolute_url(url: str) -> str:
        return url if urlsplit(url).scheme else urljoin(page_url, url)

    def absolute(m: re.Match) -> str:
        quote_mark, value = m.group(3) or "", m.group(4) if m.group(3) else m.group(5)
        value = map_srcset(value, absolute_url) if m.group(2).lower() == "srcset" else absolute_url(value)
        return f"{m.group(1)}{quote_mark}{value}{quote_mark}"

    def in_style(m: re.Match) -> str:
        value = CSS_URL.sub(lambda url: url.group(1) + absolute_url(url.group(2)), m.group(3))
        return f"{m.group(1)}{m.group(2)}{value}{m.group(2)}"

    return STYLE_ATTRIBUTE.sub(in_style, URL_ATTRIBUTE.sub(absolute, html))


def without_katex_html(html: str) -> str:
    """`<span class="katex-html" ...>...</span>` cut out, nested spans and all."""
    out, pos = [], 0
    while (start := html.find(KATEX_HTML, pos)) >= 0:
        out.append(html[pos:start])
        depth, end = 0, len(html)
        for tag in SPAN_TAG.finditer(html, start):
            depth += 1 if tag.group(0) == "<span" else -1
            if depth == 0:
                end = tag.end()
                break
        pos = end
    out.append(html[pos:])
    return "".join(out)


def install_helpers(env: jinja2.Environment) -> None:
    """Filters the theme uses for BibTeX, COinS, feeds and facets."""
    env.filters["bibtex"] = bibtex_entry
    env.filters["coins"] = coins
    env.filters["search_facets"] = search_facets
    env.filters["paper_facets"] = paper_facets
    env.filters["feed_html"] = feed_html
    env.filters["published_at"] = published_at
    env.filters["updated_at"] = updated_at
    env.filters["feed_updated"] = feed_updated
    env.filters["lastmod"] = lastmod
    env.globals["category_feed"] = category_feed
    env.globals["digest_bib"] = digest_bib


PAGES_LIMIT = 1_000_000_000  # bytes: GitHub Pages publishes a site of at most 1 GB
NEAR_LIMIT = 0.8  # a site past this share of the limit is told so before a deploy fails


class WithSize(Protocol):
    size: int  # bytes


def site_size_problem(
    total: int, files: Mapping[str, WithSize], where: str, config: SiteConfig
) -> Problem | None:
    """A warning when the output (`total` bytes; `files`: output path -> something with a `size`
    in bytes) is over GitHub Pages' limit, and a note when it is near it (a collection that grows
    gets there), naming what takes the most space (a folder, or a file at the top by its own name:
    papers.json is 100 MB at 10,000 digests) and the settings that would make it smaller."""
    limit = PAGES_LIMIT
    if total <= limit * NEAR_LIMIT:
        return None
    by_part: Counter[str] = Counter()
    for rel, entry in files.items():
        by_part[rel.split("/", 1)[0] + "/" if "/" in rel else rel] += entry.size
    biggest = ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in by_part.most_common(3))
    over = total > limit
    where_it_is = "over" if over else f"{total / limit:.0%} of"
    return Problem(
        where,
        None,
        "warning" if over else "note",
        f"the site is {total / 1e6:,.0f} MB, {where_it_is} GitHub Pages' limit of {limit / 1e6:,.0f} MB; "
        f"most of it is {biggest}{smaller_site_hints(config)}",
    )


PUSH_FILE_LIMIT = 100_000_000  # bytes: GitHub refuses a push with a file larger than this


def big_file_problems(files: Mapping[str, WithSize], where: str) -> list[Problem]:
    """A note for each output file over GitHub's 100 MB file limit (papers.json passes it near
    10,000 digests): publishing by pushing the site to a branch (gh-pages) fails on it, while the
    Actions workflow `paperdigest init` writes uploads the site without a push."""
    return [
        Problem(
            where,
            None,
            "note",
            f"{rel} is {entry.size / 1e6:,.0f} MB: GitHub refuses a file over 100 MB in a push, so a "
            "site published by pushing it to a branch (gh-pages) fails; the Pages workflow of "
            "`paperdigest init` uploads it without a push",
        )
        for rel, entry in sorted(files.items())
        if entry.size > PUSH_FILE_LIMIT
    ]


def smaller_site_hints(config: SiteConfig) -> str:
    """The settings of site.yaml that would make the site smaller, only those not already so: a
    site built without search was told to set `search: false`."""
    hints = []
    if config.math.render == "build" and config.math.output != "mathml":
        hints.append("math: {output: mathml} writes the smallest formulas")
    if config.search:
        hints.append("search: false leaves the index out")
    return f" ({', '.join(hints)})" if hints else ""
