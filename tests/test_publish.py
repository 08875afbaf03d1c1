"""Follow and share: Atom feeds, sitemap, robots.txt, canonical/OpenGraph/Twitter meta, CNAME, BibTeX."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from paperdigest import render as render_module
from paperdigest.build import Builder
from search_site import BASE_URL, build_example

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_example(tmp_path_factory.mktemp("publish"))


def resolve(site: Path, url: str) -> Path:
    """The built file an absolute site URL points at (asserting it is absolute and on the site)."""
    assert url.startswith(BASE_URL), f"not an absolute URL under {BASE_URL}: {url}"
    rel = unquote(urlsplit(url).path)[len(urlsplit(BASE_URL).path) :]
    path = site / rel
    return path / "index.html" if rel == "" or rel.endswith("/") else path


def feed_urls(root: ET.Element) -> list[str]:
    urls = [link.get("href") for link in root.iter(f"{ATOM}link")]
    return urls + [e.text for e in root.iter(f"{ATOM}id")]


def feeds(site: Path) -> list[Path]:
    return [site / "feed.xml", *sorted(site.glob("categories/*/feed.xml"))]


def entry_titles(path: Path) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in ET.parse(path).getroot().findall(f"{ATOM}entry")]


def test_site_feed_and_one_feed_per_category(site):
    categories = sorted(p.name for p in (site / "categories").iterdir() if p.is_dir())
    assert categories == ["llm", "multimodal", "paper", "weekly"]
    for slug in categories:
        assert (site / f"categories/{slug}/feed.xml").is_file(), slug
    root = ET.parse(site / "categories/multimodal/feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Paper Digest: multimodal"
    self_link = next(link for link in root.iter(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == BASE_URL + "categories/multimodal/feed.xml"
    # Newest first, only the category's digests; the site feed has them all.
    assert entry_titles(site / "categories/multimodal/feed.xml") == ["2023-05-03：论文速递"]
    assert entry_titles(site / "categories/llm/feed.xml") == ["2023-05-09：一周论文精选"]
    paper = ["2023-05-09：一周论文精选", "2023-05-03：论文速递", "2023-05-02：论文速递"]
    assert entry_titles(site / "categories/paper/feed.xml") == paper
    # The site feed has every digest, newest first; the 2024 seed digests (no categories) come first.
    site_feed = entry_titles(site / "feed.xml")
    assert len(site_feed) == 7 and site_feed[-3:] == paper


@pytest.mark.parametrize("which", ["feed.xml", "categories/paper/feed.xml", "categories/llm/feed.xml"])
def test_every_feed_url_is_absolute_and_resolves(site, which):
    root = ET.parse(site / which).getroot()
    urls = feed_urls(root)
    assert len(urls) >= 4
    for url in urls:
        assert resolve(site, url).is_file(), url


def test_sitemap_urls_are_absolute_and_resolve(site):
    root = ET.parse(site / "sitemap.xml").getroot()
    locs = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert BASE_URL + "papers/2304.14802/" in locs
    for url in locs:
        assert resolve(site, url).is_file(), url


def test_robots_txt_points_to_the_sitemap(site):
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {BASE_URL}sitemap.xml" in robots.splitlines()


def test_every_page_has_canonical_opengraph_and_twitter_meta(site):
    """X reads a card's title and description from og:title and og:description: pages carry them once."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        if page.name == "404.html" or "pagefind" in page.parts:
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        canonical = soup.find("link", rel="canonical")["href"]
        assert resolve(site, canonical) == page, page
        meta = {m.get("property") or m.get("name"): m.get("content") for m in soup.find_all("meta")}
        assert meta["og:url"] == canonical
        assert meta["og:title"] and "twitter:title" not in meta
        assert meta["og:site_name"] == "Paper Digest" and meta["twitter:card"] == "summary"
        assert meta["og:description"] and "twitter:description" not in meta
        assert meta["og:locale"] == "zh_CN"


def test_category_page_links_its_feed(site):
    soup = BeautifulSoup((site / "categories/paper/index.html").read_text(encoding="utf-8"), "html.parser")
    alternate = soup.find(
        "link", rel="alternate", type="application/atom+xml", href="/digests/categories/paper/feed.xml"
    )
    assert alternate is not None


def test_paper_page_shows_bibtex_and_links(site):
    soup = BeautifulSoup((site / "papers/2304.14802/index.html").read_text(encoding="utf-8"), "html.parser")
    bibtex = soup.find(id="bibtex").get_text()
    assert bibtex.startswith("@misc{")
    assert "  title = {{ResiDual: Transformer with Dual Residual Connections}},\n" in bibtex
    assert "  eprint = {2304.14802},\n" in bibtex and "  year = {2023},\n" in bibtex
    assert soup.find("button", attrs={"data-copy": "bibtex"}) is not None
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {"https://arxiv.org/abs/2304.14802", "https://arxiv.org/pdf/2304.14802"} <= hrefs
    code = BeautifulSoup((site / "papers/2304.14454/index.html").read_text(encoding="utf-8"), "html.parser")
    assert "https://github.com/chaoyi-wu/pmc-llama" in {a["href"] for a in code.find_all("a")}


def test_nojekyll_always_and_no_cname_without_a_domain(site):
    assert (site / ".nojekyll").is_file()
    assert not (site / "CNAME").exists()


def test_cname_written_for_a_custom_domain(tmp_path):
    root = write_site(tmp_path, {}, "title: T\ncname: papers.example.org\nsearch: false\n")
    run_cli("build", "--source", str(root), check=True)
    assert (root / "_site/CNAME").read_text(encoding="utf-8") == "papers.example.org\n"


def test_cname_must_be_a_bare_domain(tmp_path):
    root = write_site(tmp_path, {}, "title: T\ncname: https://papers.example.org/\n")
    proc = run_cli("build", "--source", str(root))
    assert proc.returncode == 2
    assert "site.yaml:2: error: cname must be a bare domain" in proc.stderr


def test_search_false_builds_no_index_and_no_search_box(tmp_path):
    root = write_site(tmp_path, {"2023-05-02.md": "### 1、A paper\n\n> - URL：https://arxiv.org/abs/2304.00001\n"},
                      "title: T\nsearch: false\n")  # fmt: skip
    run_cli("build", "--source", str(root), check=True)
    out = root / "_site"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "site-search" not in (out / "index.html").read_text(encoding="utf-8")


def test_search_index_is_part_of_the_build(site):
    shards = json.loads((site / "pagefind/shards.json").read_text(encoding="utf-8"))["shards"]
    assert (site / "pagefind" / shards[0] / "pagefind.js").is_file()
    assert all((site / "pagefind" / name / "pagefind-entry.json").is_file() for name in shards)
    assert (site / "search/index.html").is_file()
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'action="/digests/search/"' in html and 'data-base="/digests/"' in html


def test_a_failing_indexer_is_a_warning_and_the_site_still_builds(tmp_path, monkeypatch):
    root = write_site(
        tmp_path, {"2023-05-02.md": "### 1、A paper\n\n> - URL：https://arxiv.org/abs/2304.00001\n"}
    )
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    proc = run_cli("build", "--source", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "site.yaml: warning: search index not built: FileNotFoundError" in proc.stderr
    assert (root / "_site/papers/2304.00001/index.html").is_file()
    assert run_cli("build", "--source", str(root), "--strict").returncode == 1


def test_a_sitemap_past_the_protocol_limit_is_an_index_of_sitemaps(site, tmp_path, monkeypatch):
    """sitemaps.org allows 50,000 URLs a file; 10,000 digests make 72,000. Here the limit is 20.
    The digests and the papers are cut into parts from their oldest end: a new digest changes the
    last part of each, not every part (a part of 50,000 URLs takes most of a second to render)."""
    whole = [loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    assert len(whole) > 80
    monkeypatch.setattr(render_module, "SITEMAP_LIMIT", 20)
    src = tmp_path / "src"
    shutil.copytree(site.parent / "src", src, ignore=shutil.ignore_patterns(".paperdigest-cache"))
    out = tmp_path / "_site"
    Builder(src, out, base_url=BASE_URL, jobs=1).build()

    def parts() -> dict[str, list[str]]:
        index = ET.parse(out / "sitemap.xml").getroot()
        assert index.tag == f"{SITEMAP}sitemapindex"
        found = {}
        for url in [loc.text for loc in index.iter(f"{SITEMAP}loc")]:
            urlset = ET.parse(resolve(out, url)).getroot()
            assert urlset.tag == f"{SITEMAP}urlset"
            found[url] = [loc.text for loc in urlset.iter(f"{SITEMAP}loc")]
            assert 0 < len(found[url]) <= 20
        assert list(found) == [f"{BASE_URL}sitemap-{n}.xml" for n in range(1, len(found) + 1)]
        return found

    before = parts()
    assert [url for locs in before.values() for url in locs] == whole  # every URL once, in order
    assert f"Sitemap: {BASE_URL}sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8").splitlines()

    bytes_before = {url: resolve(out, url).read_bytes() for url in before}
    (src / "digests/2099-01-01-new.md").write_text(
        "---\ntitle: New\ndate: 2099-01-01\n---\n\n### 1、A Newer Paper\n\n> 《A Newer Paper》\n>\n"
        "> - URL：https://arxiv.org/abs/9901.00001\n",
        encoding="utf-8",
    )
    Builder(src, out, base_url=BASE_URL, jobs=1).build()
    after = parts()
    assert after.keys() == before.keys()
    last_of = {
        kind: max((url for url, locs in after.items() if any(loc.startswith(f"{BASE_URL}{kind}/") for loc in locs)), key=len_and_name)
        for kind in ("digests", "papers")
    }  # fmt: skip
    assert f"{BASE_URL}digests/2099-01-01-new/" in after[last_of["digests"]]
    assert after[last_of["papers"]][-1] == f"{BASE_URL}papers/9901.00001/"
    changed = {url for url in after if resolve(out, url).read_bytes() != bytes_before[url]}
    assert changed == set(last_of.values())
    assert len(after) - len(changed) >= 2  # the other parts, papers among them, are as they were


def len_and_name(url: str) -> tuple[int, str]:
    """sitemap-10.xml after sitemap-9.xml."""
    return len(url), url


def test_a_site_over_the_pages_limit_is_a_warning_that_names_what_takes_the_space(
    site, tmp_path, monkeypatch
):
    """GitHub Pages publishes at most 1 GB; here the limit is a little more than the example site's
    size (a note: it is near), then half of it (a warning)."""
    from paperdigest import publish

    src, out = site.parent / "src", tmp_path / "_site"
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    monkeypatch.setattr(publish, "PAGES_LIMIT", 2 * total)
    under = Builder(src, out, base_url=BASE_URL, jobs=1).build()
    assert not [p for p in under.problems if "GitHub Pages" in p.message]
    limit = total * 10 // 9  # the site is at about 90 % of it
    monkeypatch.setattr(publish, "PAGES_LIMIT", limit)
    edited = src / "digests" / "2023-05-02-paper-digest.md"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text + "\nOne more line.\n", encoding="utf-8")  # a build that writes something
    try:
        near = Builder(src, out, base_url=BASE_URL, jobs=1).build()
    finally:
        edited.write_text(text, encoding="utf-8")
    [note] = [p for p in near.problems if "GitHub Pages" in p.message]
    assert note.level == "note" and note.path == "site.yaml" and 0.85 < near.bytes / limit <= 1
    share = f"{near.bytes / limit:.0%}"
    assert f"MB, {share} of GitHub Pages' limit of {limit / 1e6:,.0f} MB; most of it is " in note.message

    monkeypatch.setattr(publish, "PAGES_LIMIT", total // 2)
    added = src / "digests" / "2099-01-01-new.md"
    added.write_text("# New\n\nA new note.\n", encoding="utf-8")
    try:
        over = Builder(src, out, base_url=BASE_URL, jobs=1).build()
        again = Builder(src, out, base_url=BASE_URL, jobs=1).build()  # nothing changed: still said
    finally:
        added.unlink()
    sizes = {
        d.name: sum(p.stat().st_size for p in d.rglob("*") if p.is_file())
        for d in out.iterdir()
        if d.is_dir()
    }
    biggest = max(sizes, key=sizes.get)
    for result in (over, again):
        [warning] = [p for p in result.problems if "GitHub Pages" in p.message]
        assert warning.level == "warning" and warning.path == "site.yaml"
        assert f"limit of {total // 2 / 1e6:,.0f} MB; most of it is {biggest}/ " in warning.message
