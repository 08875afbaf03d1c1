"""Feeds, sitemap, papers.json, papers.bib and the lists at their edges, read with real parsers
(feedparser, an XML parser, pybtex, json) from sites built by the real CLI."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import feedparser
import pytest

from conftest import run_cli, write_site
from http_util import serve_static

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CARD = """\
    ---
    title: {title}
    date: {date}
    categories: [{categories}]
    ---
    ### 1、{paper}

    > - URL：{url}
    """


def digest(title: str, date: str, paper: str, url: str, categories: str = "paper") -> str:
    return CARD.format(title=title, date=date, paper=paper, url=url, categories=categories)


def build(site: Path, *args: str):
    return run_cli("build", "--source", str(site), "--out", str(site / "_site"), *args, check=True)


def output_file(out: Path, url: str, base_path: str) -> Path:
    """The file of the built site that a URL of it names."""
    path = unquote(urlsplit(url).path)
    assert path.startswith(base_path), (url, base_path)
    rel = path[len(base_path) :]
    return out / rel / "index.html" if rel == "" or rel.endswith("/") else out / rel


@pytest.mark.parametrize(
    ("base_url", "base_path", "written"),
    [
        ("https://example.org/论文 集/", "/论文 集/", "https://example.org/%E8%AE%BA%E6%96%87%20%E9%9B%86/"),
        ("https://例子.中国:8443/papers/", "/papers/", "https://xn--fsqu00a.xn--fiqs8s:8443/papers/"),
    ],
)
def test_absolute_urls_of_a_base_url_in_other_letters_are_uris(tmp_path, base_url, base_path, written):
    """sitemaps.org: every <loc> is a URI, escaped (RFC 3986); robots.txt's Sitemap: line too, and
    Atom ids. A base_url whose path is not ASCII (`/论文/`, as the dev server supports) was written
    raw, beside category slugs that were encoded, and so was a host in other letters: crawlers
    reject such a sitemap or fetch the wrong URL."""
    site = write_site(
        tmp_path / "site",
        {"2024-05-01-a.md": digest("A", "2024-05-01", "One", "https://arxiv.org/abs/2304.15004", "机器学习")},
        f"title: T\nbase_url: {base_url}\nsearch: false\n",
    )
    build(site)
    out = site / "_site"
    sitemap = ET.fromstring((out / "sitemap.xml").read_bytes())
    locs = [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    assert len(locs) == 4  # the front page, the category, the digest, the paper
    for loc in locs:
        assert loc.isascii() and " " not in loc, loc
        assert loc.startswith(written), loc
        assert output_file(out, loc, base_path).is_file(), loc
    robots = (out / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {written}sitemap.xml\n" in robots
    for name in ("feed.xml", "categories/机器学习/feed.xml"):
        feed = feedparser.parse((out / name).read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        (self_link,) = [link.href for link in feed.feed.links if link.rel == "self"]
        urls = [feed.feed.id, self_link, *(u for e in feed.entries for u in (e.id, e.link))]
        assert all(u.startswith(written) and u.isascii() and " " not in u for u in urls), urls
        assert output_file(out, self_link, base_path) == out / name
        assert output_file(out, feed.entries[0].link, base_path).is_file()


def test_category_names_that_read_the_same_are_one_category(tmp_path):
    """`café` typed on one machine and pasted from another (decomposed, NFD), or `Machine  Learning`
    with a doubled space: the same name to a reader, and it was two categories (two pills that look
    alike, two pages, two feeds, a warning naming 'café' and 'café')."""
    decomposed = unicodedata.normalize("NFD", "café")
    assert decomposed != "café"
    site = write_site(
        tmp_path / "site",
        {
            "2024-05-01-a.md": digest(
                "A", "2024-05-01", "One", "https://arxiv.org/abs/2304.15004", "café, Machine Learning"
            ),
            "2024-05-02-b.md": digest(
                "B",
                "2024-05-02",
                "Two",
                "https://arxiv.org/abs/2305.10601",
                f"{decomposed}, 'Machine  Learning'",
            ),
            "2024-05-03-c.md": digest(
                "C", "2024-05-03", "Three", "https://arxiv.org/abs/2306.00005", "'Machine\tLearning\u00a0'"
            ),
        },
        "title: T\nbase_url: https://example.org/\nsearch: false\n",
    )
    proc = build(site)
    assert "both make the slug" not in proc.stderr, proc.stderr
    out = site / "_site"
    assert sorted(p.name for p in (out / "categories").iterdir() if p.is_dir()) == [
        "café",
        "machine-learning",
    ]
    for slug, entries in (("café", ["B", "A"]), ("machine-learning", ["C", "B", "A"])):
        feed = feedparser.parse((out / "categories" / slug / "feed.xml").read_bytes())
        assert not feed.bozo and [e.title for e in feed.entries] == entries
        assert {t.term for e in feed.entries for t in e.tags} <= {"café", "Machine Learning"}
    site_feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [sorted(t.term for t in e.tags) for e in site_feed.entries] == [
        ["Machine Learning"],
        ["Machine Learning", "café"],
        ["Machine Learning", "café"],
    ]


# For each pair (a title or name, the count after it): the count's first character, and the box of
# the element the title is in. In a left-to-right list the count must start right of the title.
TITLE_THEN_COUNT = """([title, count]) => [...document.querySelectorAll(title)].map(t => {
    const c = t.parentElement.querySelector(count), text = c.firstChild, r = document.createRange();
    r.setStart(text, 0); r.setEnd(text, 1);
    return {title: t.textContent, right: t.getBoundingClientRect().right, count: r.getBoundingClientRect().left};
})"""


def test_a_right_to_left_title_keeps_the_count_after_it_in_every_list(tmp_path, browser):
    """An Arabic title ending in `(2024)` in a Chinese list: the bidi algorithm ran the title into
    the text beside it, and the 1 of "1 篇论文" was drawn left of the title (Chromium)."""
    rtl = "مرحبا بالعالم (2024)"
    site = write_site(
        tmp_path / "site",
        {"2024-05-01-a.md": digest(rtl, "2024-05-01", "P", "https://arxiv.org/abs/2304.15004", "تعلم الآلة")},
        "title: T\nbase_url: https://example.org/\nsearch: false\n",
    )
    build(site)
    pairs = {
        "": (".digest-line > a", ".count"),
        "digests/": (".digest-line > a", ".count"),
        "archive/2024/": (".digest-line > a", ".count"),
        "archive/2024/05/": (".digest-line > a", ".count"),
        "categories/": (".category-list a", "small"),
        "categories/تعلم-الآلة/": (".digest-line > a", ".count"),
    }
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        with serve_static(site / "_site") as url:
            for path, (title, count) in [*pairs.items(), ("categories/تعلم-الآلة/", ("h1 > bdi", "small"))]:
                page.goto(url + quote(path))
                found = page.evaluate(TITLE_THEN_COUNT, [title, count])
                assert found and all(f["count"] >= f["right"] - 0.5 for f in found), (path, found)
    finally:
        page.close()
