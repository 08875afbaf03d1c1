"""Publishing at scale: what a reader and a crawler meet on a site of 10,000-30,000 digests.

The real limits (GitHub Pages' 1 GB, the sitemap protocol's 50,000 URLs) cannot be reached in a
test: they are module constants, set small here on small sites built by the real Builder.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from http_util import serve_static
from paperdigest import publish
from paperdigest import render as render_module
from paperdigest.build import Builder

CARD = """\
### 1、{title}

> 《{title}》
>
> - URL：https://arxiv.org/abs/{arxiv}
"""


def digest(day: int, papers: int = 3) -> str:
    cards = "\n".join(
        CARD.format(title=f"Paper {day} {n}", arxiv=f"2305.{day:02d}{n:03d}") for n in range(papers)
    )
    return f"---\ntitle: Digest {day}\ndate: 2023-05-{day:02d}\ncategories: [nlp]\n---\n\n{cards}"


def biggest_parts(out: Path) -> str:
    """The three largest parts of a built site as a reader of the warning wants them named: a
    folder by its name and `/`, a file at the top by its own name (worked out from the files on
    disk, not from the build's manifest)."""
    sizes: Counter[str] = Counter()
    for path in out.rglob("*"):
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            sizes[rel.split("/", 1)[0] + "/" if "/" in rel else rel] += path.stat().st_size
    return ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in sizes.most_common(3))


@pytest.mark.parametrize(
    ("settings", "hints"),
    [
        ("search: false\n", []),
        ("search: true\n", ["search: false leaves the index out"]),
        (
            "search: true\nmath: {output: html}\n",
            ["math: {output: mathml} writes the smallest formulas", "search: false leaves the index out"],
        ),
    ],
)
def test_the_pages_size_warning_names_big_files_and_only_advice_that_applies(
    tmp_path, monkeypatch, settings, hints
):
    """At 10,000 digests with `search: false` the build said "... files at the top 122 MB (math:
    {output: mathml} writes the smallest formulas, search: false leaves the index out)": advice
    the site already followed, and no name for the 102 MB papers.json. A file at the top (here a
    PDF under static/) is named, and only settings not already so are suggested."""
    root = write_site(
        tmp_path / "site",
        {f"2023-05-{day:02d}.md": digest(day) for day in (1, 2)},
        f"title: T\nbase_url: https://example.org/\n{settings}",
    )
    (root / "static").mkdir()
    (root / "static/slides.pdf").write_bytes(bytes(range(256)) * 12_000)  # 3 MB
    out = tmp_path / "_site"
    monkeypatch.setattr(publish, "PAGES_LIMIT", 1_000_000)
    result = Builder(root, out, jobs=1).build()
    assert result.errors == 0, [str(p) for p in result.problems]
    [warning] = [p for p in result.problems if "GitHub Pages" in p.message]
    expected = biggest_parts(out)
    assert "slides.pdf 3 MB" in expected  # the file at the top is among the biggest parts
    advice = f" ({', '.join(hints)})" if hints else ""
    assert warning.level == "warning"
    assert warning.message.endswith(f"; most of it is {expected}{advice}"), warning.message


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/repo/"


def sitemap_files(out: Path) -> dict[str, list[str]]:
    """Each sitemap file robots.txt leads a crawler to -> its URLs: sitemap.xml itself, or the
    parts its index lists (every one on the site, under base_url, and valid XML)."""
    robots = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {BASE}sitemap.xml" in robots
    root = ET.parse(out / "sitemap.xml").getroot()
    if root.tag == f"{SITEMAP}urlset":
        return {"sitemap.xml": [loc.text for loc in root.iter(f"{SITEMAP}loc")]}
    assert root.tag == f"{SITEMAP}sitemapindex"
    files = {}
    for loc in root.iter(f"{SITEMAP}loc"):
        assert loc.text.startswith(BASE), loc.text
        part = ET.parse(out / loc.text.removeprefix(BASE)).getroot()
        assert part.tag == f"{SITEMAP}urlset"
        files[loc.text.removeprefix(BASE)] = [url.text for url in part.iter(f"{SITEMAP}loc")]
    return files


def sitemap_site(root: Path, categories_each: int) -> Path:
    """Five digests of three papers each, every digest with `categories_each` categories of its own."""
    digests = {}
    for day in range(1, 6):
        names = ", ".join(f"topic-{day}-{k}" for k in range(categories_each))
        text = digest(day).replace("categories: [nlp]", f"categories: [{names}]")
        digests[f"2023-05-{day:02d}.md"] = text
    return write_site(root, digests, f"title: T\nbase_url: {BASE}\nsearch: false\n")


@pytest.mark.parametrize("categories_each", [1, 4])
def test_every_sitemap_file_holds_at_most_the_protocol_limit(tmp_path, monkeypatch, categories_each):
    """sitemaps.org: at most 50,000 URLs a file. Checked at the boundary (the site's URL count
    minus one, itself, plus one) and well below it. With more categories than fit in the first
    part (a site of 50,000 tags) that part held the front page and every category: 21 URLs in a
    file of at most 10 here. Every URL is in exactly one file, in the order of the whole sitemap."""
    src = sitemap_site(tmp_path / "src", categories_each)
    Builder(src, tmp_path / "whole", jobs=1).build()
    [whole] = sitemap_files(tmp_path / "whole").values()
    assert len(set(whole)) == len(whole) and all(url.startswith(BASE) for url in whole)
    categories = 5 * categories_each
    for limit in (len(whole) - 1, len(whole), len(whole) + 1, 10, 5):
        monkeypatch.setattr(render_module, "SITEMAP_LIMIT", limit)
        out = tmp_path / f"limit-{limit}"
        Builder(src, out, jobs=1).build()
        files = sitemap_files(out)
        assert [url for urls in files.values() for url in urls] == whole, limit
        assert all(0 < len(urls) <= limit for urls in files.values()), (limit, categories, files.keys())
        assert (list(files) == ["sitemap.xml"]) == (len(whole) <= limit)


def test_the_front_page_shows_the_largest_categories_and_links_to_all_of_them(tmp_path):
    """A site that uses its tags as categories has thousands: at 10,000 digests of four tags each
    (12,106 categories) the front page was 1,075 KB, 12,158 pills above its latest digests (33 KB
    with 8 categories). It shows the 30 largest (ties by name), in name order, and a link to
    categories/, which lists every one."""
    digests = {}
    for day in range(1, 9):
        names = [f"shared-{k}" for k in range(day - 1)] + [f"only-{day}-{j}" for j in range(5)]
        text = digest(day, papers=1).replace("categories: [nlp]", f"categories: [{', '.join(names)}]")
        digests[f"2023-05-{day:02d}.md"] = text
    root = write_site(tmp_path / "site", digests, "title: T\nbase_url: https://example.org/\nsearch: false\n")
    run_cli("build", "--source", str(root), check=True)
    out = root / "_site"
    every = BeautifulSoup((out / "categories/index.html").read_text(encoding="utf-8"), "html.parser")
    counts = {
        li.a.get_text(): int(li.small.get_text().split()[0]) for li in every.select(".category-list li")
    }
    assert len(counts) == 7 + 8 * 5
    largest = sorted(counts, key=lambda name: (-counts[name], name))[:30]
    home = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    pills = home.select(".categories-inline a.pill")
    shown = [(a.contents[0].strip(), int(a.small.get_text())) for a in pills[:-1]]
    assert shown == [(name, counts[name]) for name in sorted(largest)]
    assert pills[-1]["href"] == "/categories/" and "47" in pills[-1].get_text()
    assert all(a["href"] == f"/categories/{name}/" for a, (name, _) in zip(pills[:-1], shown, strict=True))


@pytest.mark.browser
def test_search_filters_fold_all_but_the_most_common_categories(tmp_path, browser):
    """A site that uses its tags as categories has thousands: at 3,000 digests of four tags each
    the search page listed 5,815 category checkboxes above the results, which began 38,000 px
    down. The 12 most common show (in name order, with any chosen one); the rest are folded, and
    still filter when ticked."""
    digests = {}
    for day in range(1, 9):
        names = [f"shared-{k}" for k in range(day - 1)] + [f"only-{day}-{j}" for j in range(3)]
        text = digest(day, papers=1).replace("categories: [nlp]", f"categories: [{', '.join(names)}]")
        digests[f"2023-05-{day:02d}.md"] = text.replace("Paper ", "Attention paper ")
    root = write_site(tmp_path / "site", digests, f"title: T\nbase_url: {BASE}\n")
    run_cli("build", "--source", str(root), check=True)
    with serve_static(root / "_site", "/repo/") as url:
        page = browser.new_page()
        page.goto(f"{url}search/?q=attention")
        facet = page.locator("#search-filters fieldset", has=page.locator("input[name='category']"))
        facet.locator("input").first.wait_for(state="attached")

        def counted(labels) -> dict[str, int]:
            return {
                label.locator("input").get_attribute("value"): int(label.locator("small").text_content())
                for label in labels
            }

        shown = counted(facet.locator(":scope > label").all())
        folded = counted(facet.locator("details > label").all())
        assert len(shown) == 12 and len(shown) + len(folded) == 7 + 8 * 3
        assert list(shown) == sorted(shown)  # in name order, as before
        assert min(shown.values()) >= max(folded.values())  # the most common ones
        assert not facet.locator("details").get_attribute("open")
        assert not any(label.is_visible() for label in facet.locator("details > label").all())

        rare = "only-3-1"
        assert rare in folded
        facet.locator("details > summary").click()
        facet.locator(f"input[value='{rare}']").check()
        page.wait_for_function("q => location.search.includes(q)", arg=f"category={rare}")
        page.wait_for_function(
            "() => [...document.querySelectorAll('a.search-title')].every(a => a.href.includes('2023-05-03') || a.href.includes('2305.03000'))"
            " && document.querySelectorAll('a.search-title').length > 0"
        )
        page.reload()  # a shared link with a folded value chosen: the value shows, ticked
        facet.locator(f":scope > label input[value='{rare}']:checked").wait_for()
        page.close()


def test_the_list_of_categories_is_paginated_by_name(tmp_path, monkeypatch):
    """categories/ listed every category on one page: 1.1 MB for the 12,106 categories of 10,000
    digests of four tags each. It lists them by name, CATEGORIES_PER_PAGE a page (10 here for 47
    categories): every page reached from the first by its Next links and back by Previous, none
    empty, every category once, in name order."""
    monkeypatch.setattr(render_module, "CATEGORIES_PER_PAGE", 10, raising=False)
    digests = {}
    for day in range(1, 9):
        names = [f"shared-{k}" for k in range(day - 1)] + [f"only-{day}-{j}" for j in range(5)]
        text = digest(day, papers=1).replace("categories: [nlp]", f"categories: [{', '.join(names)}]")
        digests[f"2023-05-{day:02d}.md"] = text
    root = write_site(
        tmp_path / "site", digests, "title: T\nbase_url: https://example.org/\nsearch: false\nlanguage: en\n"
    )
    out = tmp_path / "_site"
    Builder(root, out, jobs=1).build()
    listed, here, previous = [], "/categories/", None
    while here:
        html = BeautifulSoup(
            (out / here.lstrip("/") / "index.html").read_text(encoding="utf-8"), "html.parser"
        )
        names = [a.get_text() for a in html.select(".category-list li a")]
        # The first page holds 10 to 19 (as every list's: pages_of), every other page 10.
        assert (10 <= len(names) < 20) if here == "/categories/" else len(names) == 10, (here, names)
        listed += names
        links = {a["rel"][0]: a for a in html.select(".pager a[rel]")}
        assert (links["prev"]["href"] if "prev" in links else None) == previous
        assert [a.get_text() for a in links.values()] == [
            {"prev": "← Previous", "next": "Next →"}[r] for r in links
        ]
        previous, here = here, links["next"]["href"] if "next" in links else None
    categories = sorted(p.name for p in (out / "categories").iterdir() if p.is_dir() and p.name != "page")
    assert listed == sorted(listed) and sorted(listed) == categories and len(listed) == 47


def test_a_file_over_githubs_push_limit_is_noted_by_name(tmp_path, monkeypatch):
    """papers.json passes 100 MB near 10,000 digests: GitHub refuses such a file in a push, so a
    site published to a gh-pages branch fails to deploy with no word from the build. The limit is
    made small here; a note (not a warning: the init workflow uploads without a push) names it."""
    root = write_site(
        tmp_path / "site",
        {f"2023-05-{day:02d}.md": digest(day) for day in (1, 2)},
        "title: T\nbase_url: https://example.org/\nsearch: false\n",
    )
    out = tmp_path / "_site"
    monkeypatch.setattr(publish, "PUSH_FILE_LIMIT", 2_000)
    result = Builder(root, out, jobs=1).build()
    noted = {p.message.split(" ", 1)[0] for p in result.problems if "over 100 MB in a push" in p.message}
    expected = {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.stat().st_size > 2_000
    }
    assert "papers.json" in expected and noted == expected
    assert all(p.level == "note" for p in result.problems if "in a push" in p.message)
