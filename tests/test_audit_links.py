"""Every link of every page resolves, as GitHub Pages serves the site, under a project base path
(`https://user.github.io/repo/`) and at the root of a user site.

The sites are built by the real CLI, served by a server that answers as GitHub Pages does (the site
mounted under its base path, `dir` redirected to `dir/`, the site's 404.html for a missing path)
and crawled over HTTP: every href, src, srcset, action, poster, `data-href`, `url()` in CSS and in
style attributes, canonical and alternate link, `og:url`/`og:image`, and the links of the feeds and
sitemaps, must answer 200, and every `#fragment` must name an id of the page it leads to. Every
page on disk is crawled, linked or not, so each page kind is guarded, and so is the 404 page at a
deep missing URL (where a relative link would break).
"""

from __future__ import annotations

import html
import http.server
import mimetypes
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest

from conftest import SEEDS, copy_example_source, run_cli, write_site
from http_util import serving

PROJECT_URL = "https://user.github.io/repo/"
USER_URL = "https://user.github.io/"
SEED_FILES = {  # as the example site names them (tests/test_shapes_seeds.py)
    "000_1f89f5e60622e335.txt": "2023-05-02-paper-digest.md",
    "001_92001778a1e8c356.txt": "weekly-updates-on-large-models.md",
    "002_e9e05688820732a9.txt": "llm-papers-of-the-week.md",
    "003_cf63089a5ef28d73.txt": "kexue-blog-listing.md",
    "004_b359696d015b9677.txt": "february-papers-lora-dora.md",
}
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")
NOT_FETCHED = ("mailto:", "javascript:", "data:", "tel:", "about:")


# -- GitHub Pages, on 127.0.0.1 ---------------------------------------------------------------------


def pages_handler(root: Path, base_path: str):
    class Pages(http.server.BaseHTTPRequestHandler):
        """Answers as GitHub Pages does for a site published under `base_path`."""

        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            if not path.startswith(base_path):
                return self.answer(404, b"not this site", "text/plain")  # GitHub's own 404
            rel = path[len(base_path) :]
            target = root / rel
            if ".." in Path(rel).parts:
                return self.answer(404, b"no", "text/plain")
            if rel and target.is_dir() and not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", quote(path) + "/")
                self.end_headers()
                return None
            if target.is_dir():
                target = target / "index.html"
            elif not target.exists():
                target = root / (rel + ".html")  # Pages serves `x.html` for `x`
            if target.is_file():
                return self.answer(200, target.read_bytes(), content_type(target))
            return self.answer(404, (root / "404.html").read_bytes(), "text/html")

        def answer(self, status: int, body: bytes, kind: str):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Pages


def content_type(path: Path) -> str:
    kinds = {".xml": "application/xml", ".js": "text/javascript", ".wasm": "application/wasm"}
    return kinds.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def github_pages(root: Path, base_path: str):
    """Yield the origin (`http://127.0.0.1:PORT`) of `root` served under `base_path`."""
    return serving(pages_handler(root, base_path))


# -- The crawler -----------------------------------------------------------------------------------


class PageLinks(HTMLParser):
    """Every URL an HTML page loads or links, with where it was found, and every id it holds."""

    URL_ATTRS = ("href", "src", "action", "poster", "data-href", "formaction")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (where, url)
        self.ids: set[str] = set()
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for name in self.URL_ATTRS:
            if name in values:
                self.urls.append((f"<{tag} {name}>", values[name]))
        for name in ("srcset", "imagesrcset"):
            for candidate in filter(None, (c.strip() for c in values.get(name, "").split(", "))):
                self.urls.append((f"<{tag} {name}>", candidate.split()[0]))
        if tag == "meta" and values.get("property") in ("og:url", "og:image"):
            self.urls.append((f"<meta {values['property']}>", values.get("content", "")))
        for url in CSS_URL.findall(values.get("style", "")):
            self.urls.append((f"<{tag} style>", url))
        self.in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.urls.extend(("<style>", url) for url in CSS_URL.findall(data))


def page_links(text: str) -> PageLinks:
    links = PageLinks()
    links.feed(text)
    links.close()
    return links


def xml_urls(text: str) -> list[tuple[str, str]]:
    """The links of a feed or sitemap: its own, and those of each entry's HTML content."""
    found = [("<link href>", html.unescape(u)) for u in re.findall(r'<link\b[^>]*\bhref="([^"]*)"', text)]
    found += [("<loc>", html.unescape(u)) for u in re.findall(r"<loc>([^<]*)</loc>", text)]
    for content in re.findall(r'<content type="html">(.*?)</content>', text, re.S):
        found += [(f"feed content {where}", url) for where, url in page_links(html.unescape(content)).urls]
    return found


@dataclass
class Crawl:
    origin: str  # http://127.0.0.1:PORT
    base_path: str  # /repo/ or /
    site_url: str  # https://user.github.io/repo/
    source: Path  # the site folder: its path must not show in any page
    fetched: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # url -> status, type, text
    problems: list[str] = field(default_factory=list)

    def fetch(self, url: str) -> tuple[int, str, str]:
        if url not in self.fetched:
            parts = urlsplit(url)
            wire = parts._replace(path=quote(parts.path, safe="/%:@!$&'()*+,;=~-._")).geturl()
            try:
                with urllib.request.urlopen(wire, timeout=30) as answer:
                    body, status, kind = answer.read(), answer.status, answer.headers.get_content_type()
            except urllib.error.HTTPError as error:
                body, status, kind = error.read(), error.code, error.headers.get_content_type()
            self.fetched[url] = (status, kind, body.decode("utf-8", "replace"))
        return self.fetched[url]

    def local(self, url: str) -> str:
        """The URL as served here: the site's absolute URLs (feeds, canonical) map to the server."""
        if self.site_url and url.startswith(self.site_url):
            return self.origin + self.base_path + url[len(self.site_url) :]
        return url

    def check_page(self, page: str) -> list[str]:
        """Check every URL of one page; return the pages it links to, to crawl them too."""
        status, kind, text = self.fetch(page)
        if str(self.source) in text:
            self.problems.append(f"{page}: shows the site folder's path {self.source}")
        if kind == "text/html":
            urls = page_links(text).urls
        elif kind == "text/css":
            urls = [("css url()", u) for u in CSS_URL.findall(text)]
        elif kind == "application/xml":
            urls = xml_urls(text)
        elif page.endswith("/robots.txt"):
            urls = [("robots.txt Sitemap", u) for u in re.findall(r"^Sitemap:\s*(\S+)", text, re.M)]
        else:
            return []
        found = []
        for where, url in urls:
            target = self.resolve(page, where, url.strip())
            if target:
                found.append(target)
        return found

    def resolve(self, page: str, where: str, url: str) -> str | None:
        """Check one URL found on `page`; the page it leads to, when it is one of the site's."""
        shown = f"{page[len(self.origin) :]}: {where} {url!r}"
        if url.startswith(NOT_FETCHED):
            return None
        if url.startswith("file:") or re.match(r"^/(?:tmp|home|root|usr|var|work)/", url):
            self.problems.append(f"{shown}: a path on the disk")
            return None
        if where.startswith("feed content") and not urlsplit(url).scheme:
            self.problems.append(f"{shown}: not absolute, so a feed reader cannot follow it")
            return None
        if url.startswith("#"):  # this page, whatever its status (the 404 page's skip link)
            if url != "#" and unquote(url[1:]) not in page_links(self.fetch(page)[2]).ids:
                self.problems.append(f"{shown}: no such id on this page")
            return None
        target = urljoin(page, self.local(url))
        if not target.startswith(self.origin + "/"):
            if re.match(r"^https?://(?:user\.github\.io|127\.0\.0\.1|localhost)\b", target):
                self.problems.append(f"{shown}: the site, but not under {self.site_url}")
            return None  # another site's: not ours to fetch
        address, _, fragment = target.partition("#")
        if not unquote(urlsplit(address).path).startswith(self.base_path):
            self.problems.append(f"{shown}: leaves the base path {self.base_path}")
            return None
        status, kind, text = self.fetch(address)
        if status != 200:
            self.problems.append(f"{shown}: {status}")
            return None
        if fragment and kind == "text/html" and unquote(fragment) not in page_links(text).ids:
            self.problems.append(f"{shown}: no id {unquote(fragment)!r} on {address[len(self.origin) :]}")
        return address if kind in ("text/html", "text/css", "application/xml") else None


def crawl(out: Path, source: Path, site_url: str) -> list[str]:
    """Serve `out` as GitHub Pages publishes `site_url` and check every link of every page."""
    base_path = urlsplit(site_url).path
    with github_pages(out, base_path) as origin:
        crawl = Crawl(origin, base_path, site_url, source)
        on_disk = [
            p.relative_to(out).as_posix()
            for p in sorted(out.rglob("*"))
            if p.suffix in (".html", ".css", ".xml") and "pagefind" not in p.relative_to(out).parts
        ]
        pages = [origin + base_path + quote(rel.removesuffix("index.html")) for rel in on_disk]
        pages.append(origin + base_path + "no/such/deep/page/")  # the 404 page, far from the root
        pages.append(origin + base_path + "robots.txt")
        seen: set[str] = set()
        while pages:
            page = pages.pop()
            if page not in seen:
                seen.add(page)
                pages.extend(crawl.check_page(page))
        missing = crawl.fetch(origin + base_path + "no/such/deep/page/")
        assert missing[0] == 404 and missing[1] == "text/html"  # the server answers as Pages does
        return sorted(set(crawl.problems))


def build(source: Path, out: Path, site_url: str) -> Path:
    run_cli("build", "--source", str(source), "--out", str(out), "--base-url", site_url, check=True)
    return out


# -- The sites -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_source(tmp_path_factory) -> Path:
    return copy_example_source(tmp_path_factory.mktemp("example-src"))


@pytest.fixture(scope="module")
def seeds_source(tmp_path_factory) -> Path:
    """A site of the five seeds alone, each under the name the example site gives it."""
    source = tmp_path_factory.mktemp("seeds-src")
    (source / "digests").mkdir()
    for seed, name in SEED_FILES.items():
        shutil.copy(SEEDS / seed, source / "digests" / name)
    (source / "site.yaml").write_text("title: Seeds\nlanguage: zh-CN\n", encoding="utf-8")
    return source


@pytest.mark.parametrize("site_url", [PROJECT_URL, USER_URL], ids=["project-site", "user-site"])
def test_every_link_of_the_example_site_resolves(example_source, tmp_path, site_url):
    out = build(example_source, tmp_path / "out", site_url)
    assert crawl(out, example_source, site_url) == []


@pytest.mark.parametrize("site_url", [PROJECT_URL, USER_URL], ids=["project-site", "user-site"])
def test_every_link_of_the_seeds_site_resolves(seeds_source, tmp_path, site_url):
    out = build(seeds_source, tmp_path / "out", site_url)
    assert crawl(out, seeds_source, site_url) == []


def test_the_crawler_reports_what_does_not_resolve(tmp_path):
    """The guard bites: links broken by hand in a built site are each reported."""
    source = write_site(tmp_path / "src", {"2024-01-01-a.md": "# A\n\nText.\n"}, config="title: T\n")
    out = build(source, tmp_path / "out", PROJECT_URL)
    page = out / "digests/2024-01-01-a/index.html"
    broken = {
        '<a href="/repo/nowhere/">': "'/repo/nowhere/': 404",
        '<a href="/repo/digests/2024-01-01-a/#nope">': "no id 'nope'",
        '<a href="#nope-here">': "no such id on this page",
        '<img srcset="/repo/x.png 1x, /repo/assets/style.css 2x">': "'/repo/x.png': 404",
        '<a href="/elsewhere/">': "leaves the base path",
        '<a href="file:///etc/passwd">': "a path on the disk",
        '<div style="background: url(/repo/y.png)">': "'/repo/y.png': 404",
        f'<a href="{USER_URL}other/">': "not under",
        f"<p>{source}</p>": "shows the site folder's path",
    }
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</main>", "".join(broken) + "</main>"), encoding="utf-8")
    problems = "\n".join(crawl(out, source, PROJECT_URL))
    for tag, reported in broken.items():
        assert reported in problems, f"{tag} not reported:\n{problems}"


# -- Links the authors wrote -----------------------------------------------------------------------

AUTHORED = {
    "2023-05-01-first.md": """\
        ---
        title: First digest
        date: 2023-05-01
        categories: [ML]
        ---

        ## Overview

        The [next digest](2023-05-02-second.md), [its method](2023-05-02-second.md#method),
        [a nested note](sub/nested-note.md), [as a reference][second] and [here](#details).

        Jekyll's way: [the tag]({% post_url 2023-05-02-second %}),
        [baseurl and the tag]({{ site.baseurl }}{% post_url 2023-05-02-second %}) and
        [baseurl]({{ site.baseurl }}/digests/2023-05-02-second/),
        [the link tag]({% link _posts/2023-05-02-second.md %}) and
        [a file]({{ site.baseurl }}{% link images/wiki/a.png %}).

        [second]: ./2023-05-02-second.md#method

        ## Details

        ## Pros & Cons — as GitHub names them

        ![figure](/images/wiki/a.png)

        <picture><source srcset="/images/wiki/a.png 1x, /images/wiki/b.png 2x"><img src="/images/wiki/a.png" srcset="/images/wiki/a.png 1x, /images/wiki/b.png 2x" alt="srcset"></picture>

        <img src=/images/wiki/b.png alt=unquoted> <A HREF="/images/wiki/a.png">upper case</A>

        <div style="background-image: url('/images/wiki/a.png')">a background</div>

        ### 1、A paper

        > 《A paper》
        > - URL：https://arxiv.org/abs/2301.00001
        """,
    "2023-05-02-second.md": """\
        ---
        title: Second digest
        date: 2023-05-02
        categories: [ML]
        ---

        ## Method

        Back to [the overview](./2023-05-01-first.md#overview), and an old id: hep-th/9901001.
        The [trade-offs](2023-05-01-first.md#pros--cons--as-github-names-them), GitHub's id.

        ### 1、B paper

        > 《B paper》
        > - URL：https://arxiv.org/abs/hep-th/9901001
        """,
    "sub/nested-note.md": """\
        ---
        title: Nested
        date: 2023-05-03
        ---

        Up to [the first's details](../2023-05-01-first.md#details).
        """,
    **{
        f"2023-06-{day:02d}-more.md": f"# More {day}\n\n### 1、Paper {day}\n\n> 《Paper {day}》\n"
        f"> - URL：https://arxiv.org/abs/2306.{day:05d}\n"
        for day in range(1, 6)
    },
}
PAGINATED = "title: Links\nlanguage: en\nper_page: 2\npapers_per_page: 2\ndigests_per_page: 2\n"
# link text -> the page it must lead to, below the base path
EXPECTED = {
    "next digest": "digests/2023-05-02-second/",
    "its method": "digests/2023-05-02-second/#method",
    "a nested note": "digests/nested-note/",
    "as a reference": "digests/2023-05-02-second/#method",
    "the tag": "digests/2023-05-02-second/",
    "baseurl and the tag": "digests/2023-05-02-second/",
    "baseurl": "digests/2023-05-02-second/",
    "the link tag": "digests/2023-05-02-second/",
    "a file": "images/wiki/a.png",
    "the overview": "digests/2023-05-01-first/#overview",
    "the first's details": "digests/2023-05-01-first/#details",
    "trade-offs": "digests/2023-05-01-first/#pros--cons--as-github-names-them",
}


def authored_site(root: Path) -> Path:
    source = write_site(root, AUTHORED, config=PAGINATED)
    (source / "static/images/wiki").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (source / "static/images/wiki" / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    return source


def anchors(page: Path) -> dict[str, str]:
    """Link text -> href of each link on a page."""
    found = re.findall(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', page.read_text(encoding="utf-8"), re.S)
    return {re.sub(r"<[^>]+>", "", text).strip(): html.unescape(href) for href, text in found}


@pytest.mark.parametrize("site_url", [PROJECT_URL, USER_URL], ids=["project-site", "user-site"])
def test_links_between_digests_lead_to_their_pages(tmp_path, site_url):
    """`other.md#sec`, `../other.md`, reference links and `{% post_url %}` lead to the digest's page,
    as GitHub Pages (jekyll-relative-links, Jekyll) made them; none is shown as text."""
    source = authored_site(tmp_path / "src")
    out = build(source, tmp_path / "out", site_url)
    base_path = urlsplit(site_url).path
    links = {}
    for slug in ("2023-05-01-first", "2023-05-02-second", "nested-note"):
        page = out / "digests" / slug / "index.html"
        links.update(anchors(page))
        assert "]()" not in page.read_text(encoding="utf-8")  # a link whose tag was dropped
    assert {text: links.get(text) for text in EXPECTED} == {
        text: base_path + target for text, target in EXPECTED.items()
    }
    assert links["here"] == "#details"  # on its own page: as written
    assert crawl(out, source, site_url) == []


@pytest.mark.parametrize("site_url", [PROJECT_URL, USER_URL], ids=["project-site", "user-site"])
def test_raw_html_site_absolute_urls_get_the_base_path(tmp_path, site_url):
    """srcset, unquoted and upper-case attributes and a style's url(): the site's own files, on the
    pages and (absolute) in the feeds."""
    source = authored_site(tmp_path / "src")
    out = build(source, tmp_path / "out", site_url)
    page = (out / "digests/2023-05-01-first/index.html").read_text(encoding="utf-8")
    images = urlsplit(site_url).path + "images/wiki/"
    assert f'srcset="{images}a.png 1x, {images}b.png 2x"' in page
    assert f"src={images}b.png alt=unquoted" in page
    assert f'HREF="{images}a.png"' in page
    assert f"url('{images}a.png')" in page
    feed = html.unescape((out / "feed.xml").read_text(encoding="utf-8"))
    assert f'srcset="{site_url}images/wiki/a.png 1x, {site_url}images/wiki/b.png 2x"' in feed
    assert f"src={site_url}images/wiki/b.png alt=unquoted" in feed


def test_check_locates_a_link_to_a_digest_that_does_not_exist(tmp_path):
    """Made into a digest's page, a link to a missing digest is still reported at its line."""
    source = write_site(
        tmp_path,
        {
            "a.md": "# A\n\nText.\n\nSee [gone](missing.md#x).\n\nAnd [post]({% post_url 2020-01-01-gone %}).\n"
        },
    )
    proc = run_cli("check", "--source", str(source))
    assert proc.returncode == 1
    assert "digests/a.md:5: error: link /digests/missing/#x points nowhere" in proc.stdout + proc.stderr
    assert "digests/a.md:7: error: link /digests/2020-01-01-gone/ points nowhere" in proc.stdout + proc.stderr


@pytest.mark.browser
def test_search_results_lead_to_pages_and_their_anchors(example_source, tmp_path, browser):
    """The search page's result and sub-result links (made by search.js from Pagefind's URLs)
    resolve under the base path, and each anchor names an id of its page."""
    out = build(example_source, tmp_path / "out", PROJECT_URL)
    base_path = urlsplit(PROJECT_URL).path
    with github_pages(out, base_path) as origin:
        checker = Crawl(origin, base_path, PROJECT_URL, example_source)
        page = browser.new_page()
        try:
            for query in ("LoRA", "涌现能力", "Post-LN"):
                page.goto(f"{origin}{base_path}search/?q={quote(query)}")
                page.wait_for_function(
                    "q => document.getElementById('search-status').textContent.includes(q)",
                    arg=query,
                    timeout=60000,  # a guard, not a timing test
                )
                hrefs = page.eval_on_selector_all("#search-results a[href]", "as => as.map(a => a.href)")
                assert any("#" in href for href in hrefs), query  # sub-results, to the cards
                for href in hrefs:
                    checker.resolve(page.url, f"search result for {query!r}", href)
        finally:
            page.close()
    assert checker.problems == []


def test_check_reports_a_srcset_image_that_points_nowhere(tmp_path):
    page = '# A\n\n<img src="/images/a.png" srcset="/images/a.png 1x, /images/gone.png 2x" alt="x">\n'
    source = write_site(tmp_path, {"a.md": page})
    (source / "static/images").mkdir(parents=True)
    (source / "static/images/a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    proc = run_cli("check", "--source", str(source))
    assert proc.returncode == 1
    reported = [line for line in proc.stdout.splitlines() if "points nowhere" in line]
    assert reported == [
        "digests/a.md:3: error: image /images/gone.png points nowhere (no page or file images/gone.png in the site)"
    ]
