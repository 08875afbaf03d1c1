"""In the browser: stars and the starred page with its BibTeX export, and the papers list's filters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from pybtex.database import parse_string

from conftest import run_cli
from http_util import serve_static
from paperdigest.render import Urls

pytestmark = pytest.mark.browser

FIELDS = Path(__file__).parent / "fixtures" / "notes" / "markdown_in_fields.md"


def test_a_star_lists_the_paper_on_the_starred_page_and_exports_its_bibtex(browser, example_site):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "digests/2023-05-02-paper-digest/")
        star = page.locator(".paper-card [data-star='2304.14454']")
        # site.js makes the empty, hidden button of the page a labelled button that submits nothing
        assert star.get_attribute("type") == "button" and star.text_content() == "☆"
        assert page.get_by_role("button", name="收藏").count() == page.locator("[data-star]").count() > 1
        star.click()
        assert star.get_attribute("aria-pressed") == "true" and star.text_content() == "★"
        # the same paper's other star on the page (the list of its papers) follows
        assert page.locator(".digest-papers [data-star='2304.14454']").get_attribute("aria-pressed") == "true"
        page.locator("[data-star='2304.15004']").first.click()

        page.goto(url + "starred/")
        titles = page.locator("[data-starred-list] .paper-title").all_text_contents()
        assert titles == [
            "PMC-LLaMA: Further Finetuning LLaMA on Medical Papers",
            "Are Emergent Abilities of Large Language Models a Mirage?",
        ]
        assert page.locator("[data-starred-empty]").is_hidden()
        with page.expect_download() as download:
            page.click("[data-starred-export]")
        bib = parse_string(download.value.path().read_text(encoding="utf-8"), "bibtex")
        assert sorted(e.fields["eprint"] for e in bib.entries.values()) == ["2304.14454", "2304.15004"]

        page.locator("[data-starred-list] li", has_text="PMC-LLaMA").get_by_role("button").click()
        assert page.locator("[data-starred-list] .paper-title").all_text_contents() == [
            "Are Emergent Abilities of Large Language Models a Mirage?"
        ]
        page.goto(url + "papers/2304.14454/")  # unstarred everywhere
        assert page.locator("[data-star='2304.14454']").get_attribute("aria-pressed") == "false"
    context.close()


def test_removing_a_paper_from_the_keyboard_keeps_the_focus_in_the_list(browser, example_site):
    """Enter on a starred paper's "remove" gives the focus to the next paper's button, then to the
    note that the list is empty: the removed button took it with it, to the page's start."""
    context = browser.new_context()
    page = context.new_page()
    active = "document.activeElement.closest('li') ? document.activeElement.closest('li').innerText : document.activeElement.innerText"
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "digests/2023-05-02-paper-digest/")
        for paper in ("2304.14454", "2304.15004"):
            page.locator(f".paper-card [data-star='{paper}']").click()
        page.goto(url + "starred/")
        page.locator("[data-starred-list] li button").first.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        assert page.evaluate(active).startswith("Are Emergent Abilities")  # the next paper's button
        page.keyboard.press("Enter")
        assert page.locator("[data-starred-list] li").count() == 0
        assert page.evaluate("document.activeElement.matches('[data-starred-empty]')")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_starred_page_says_it_is_empty_only_when_it_knows(browser, example_site, javascript):
    """Without JavaScript the starred page cannot read the list: it said "no starred papers yet"
    beside "the list needs JavaScript", whatever the reader had starred."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "starred/")
        assert page.locator("[data-starred-empty]").is_visible() is javascript
        assert ("JavaScript" in page.inner_text("main")) is not javascript  # the <noscript> note
    context.close()


def test_the_papers_list_filters_by_category_year_venue_and_code(browser, example_site):
    page = browser.new_page()
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "papers/")
        items = page.locator(".paper-list > .paper-item")
        total = items.count()

        def shown() -> list[str]:
            return [
                items.nth(i).get_attribute("data-code") for i in range(total) if items.nth(i).is_visible()
            ]

        assert len(shown()) == total
        page.check("input[name='code']")
        with_code = shown()
        assert 0 < len(with_code) < total and set(with_code) == {"yes"}
        assert page.locator(".paper-filters output").text_content() == f"显示 {len(with_code)} / {total} 篇"
        page.uncheck("input[name='code']")
        page.select_option("select[name='category']", "weekly")
        weekly = [items.nth(i) for i in range(total) if items.nth(i).is_visible()]
        assert weekly and all("weekly" in i.get_attribute("data-category").split("\n") for i in weekly)
        page.select_option("select[name='category']", "")
        page.select_option("select[name='year']", "2023")
        assert all(
            "2023" in items.nth(i).get_attribute("data-year").split("\n")
            for i in range(total)
            if items.nth(i).is_visible()
        )
        page.select_option("select[name='year']", "")
        page.select_option("select[name='venue']", "NeurIPS 2017")
        visible = [items.nth(i) for i in range(total) if items.nth(i).is_visible()]
        assert [v.locator(".paper-title").text_content() for v in visible] == ["Attention Is All You Need"]
    page.close()


# What a click on each star of the page puts in the reading list (each star clicked off again).
STARRED_ENTRIES = """() => {
  const key = "paperdigest-stars:" + (document.body.dataset.base || "/");
  return [...document.querySelectorAll("[data-star]")].map((button) => {
    button.click();
    const entry = JSON.parse(localStorage.getItem(key))[button.dataset.star];
    button.click();
    return [button.dataset.star, entry];
  });
}"""


def expected_entries(site, base: str) -> dict[str, dict]:
    """Every paper as the reading list must keep it: its plain titles and its page."""
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    url = Urls(SimpleNamespace(base_path=base, site_url=""))
    return {
        p["id"]: {
            "title": p["title"],
            "translated": p["translated_title"],
            "href": url(Urls.paper(p["id"])),
        }
        for p in papers
    }


def assert_stars_keep_each_paper(browser, site, base: str, pages: list[str]):
    expected = expected_entries(site, base)
    page = browser.new_page()
    with serve_static(site, base) as url:
        for rel in pages:
            page.goto(url + rel)
            entries = page.evaluate(STARRED_ENTRIES)
            assert entries, rel
            for pid, entry in entries:
                assert entry == expected[pid], (rel, pid)
    page.close()


def test_every_star_keeps_the_papers_titles_and_page_wherever_it_is(browser, example_site):
    """Stars read the titles and the link from the item they sit in: a list's paper, a digest's
    card and list of papers, a paper's page. The list keeps the same paper from each of them."""
    pages = [
        "",
        "papers/",
        "papers/2304.14454/",
        "digests/2023-05-02-paper-digest/",
        "digests/weekly-updates-on-large-models/",
        "archive/2023/05/",
        "categories/paper/",
    ]
    assert_stars_keep_each_paper(browser, example_site, "/paperdigest/", pages)


def test_stars_keep_plain_titles_of_titles_with_formulas_and_emphasis(browser, tmp_path):
    """Where the page shows a title with markup (a formula, emphasis), its text is not the plain
    title: the star carries the plain title itself."""
    src = tmp_path / "site"
    (src / "digests").mkdir(parents=True)
    (src / "site.yaml").write_text("title: T\nbase_url: https://example.org/t/\n", encoding="utf-8")
    shutil.copy(FIELDS, src / "digests" / FIELDS.name)
    run_cli("build", "--source", str(src), "--out", str(tmp_path / "out"), check=True)
    site = tmp_path / "out"
    shape = expected_entries(site, "/t/")["2305.99999"]
    assert shape["title"] == "α-Shape: Learning Shapes"
    pages = ["", "papers/", "papers/2305.99999/", "papers/2305.11206/", f"digests/{FIELDS.stem}/"]
    assert_stars_keep_each_paper(browser, site, "/t/", pages)
