"""Category URLs (categories/<slug>/): two categories that make one slug are both kept, with a
warning, and a slug never depends on which other categories the site has."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import run_cli, site_tree, write_site

CONFIG = "title: T\nbase_url: https://example.org/\n"
SLASHED = "---\ntitle: Slashed\ndate: 2023-05-01\ncategory: a/b\n---\nOne.\n"
DASHED = "---\ntitle: Dashed\ndate: 2023-05-02\ncategories: [A-B, untitled, '。']\n---\nTwo.\n"
# Names that sort before the others, two of them with no letter (each gets a slug of its own).
MORE = "---\ntitle: More\ndate: 2023-05-03\ncategories: ['!!!', '..', '0']\n---\nThree.\n"


def build(site: Path):
    return run_cli("build", "--source", str(site), "--out", str(site / "_site"), check=True)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def slugs(out: Path) -> dict[str, str]:
    """Category name -> slug, as the categories page links them."""
    links = soup(out / "categories/index.html").select(".category-list a")
    return {a.get_text(): a["href"].removeprefix("/categories/").strip("/") for a in links}


def test_categories_that_make_one_slug_warn_naming_both_and_where_one_is_given(tmp_path):
    site = write_site(tmp_path, {"a.md": SLASHED, "b.md": DASHED}, CONFIG)
    proc = build(site)
    found = slugs(site / "_site")
    assert found["A-B"] == "a-b" and re.fullmatch(r"a-b-[0-9a-f]{6}", found["a/b"])
    warning = (
        "digests/a.md: warning: categories 'a/b' and 'A-B' (given in digests/b.md) both make the "
        f"slug 'a-b'; 'a/b' is at categories/{found['a/b']}/"
    )
    assert warning in proc.stderr
    assert proc.stderr.count("both make the slug") == 1  # '。' collides with nothing


def test_category_slugs_do_not_depend_on_the_other_categories(tmp_path):
    site = write_site(tmp_path / "site", {"a.md": SLASHED, "b.md": DASHED}, CONFIG)
    build(site)
    before = slugs(site / "_site")
    write_site(site, {"c.md": MORE}, CONFIG)
    build(site)  # an incremental rebuild
    after = slugs(site / "_site")
    assert {name: after[name] for name in before} == before
    assert after["untitled"] == "untitled"
    for name in ("!!!", "..", "。"):  # readable, and of their own
        assert re.fullmatch(r"category-[0-9a-f]{6}", after[name]), after
    assert len(set(after.values())) == len(after) == 7
    clean = shutil.copytree(site, tmp_path / "clean", ignore=shutil.ignore_patterns("_site", ".*"))
    build(clean)
    assert site_tree(site / "_site") == site_tree(clean / "_site")


def test_category_pages_feeds_pills_and_filters_agree(tmp_path):
    site = write_site(tmp_path, {"a.md": SLASHED, "b.md": DASHED, "c.md": MORE}, CONFIG)
    build(site)
    out = site / "_site"
    found = slugs(out)
    for name, slug in found.items():
        page = soup(out / f"categories/{slug}/index.html")
        assert page.select_one("h1 > bdi").get_text() == name  # set apart from the count beside it
        feed = (out / f"categories/{slug}/feed.xml").read_text(encoding="utf-8")
        assert f"<title>T: {name}</title>" in feed
    assert sorted(p.name for p in (out / "categories").iterdir() if p.is_dir()) == sorted(found.values())
    for digest in ("a", "b", "c"):
        page = soup(out / f"digests/{digest}/index.html")
        pills = {a.get_text(): a["href"] for a in page.select("a.pill")}
        assert pills and all(href == f"/categories/{found[name]}/" for name, href in pills.items())
        # Search filters by name: one filter per category, whatever its slug.
        filters = [s["data-pagefind-filter"] for s in page.select("[data-pagefind-filter^='category:']")]
        assert filters == [f"category:{name}" for name in pills]
