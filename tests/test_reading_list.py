"""In the browser: stars and the starred page with its BibTeX export, and the papers list's filters."""

from __future__ import annotations

import pytest
from pybtex.database import parse_string

from http_util import serve_static

pytestmark = pytest.mark.browser


def test_a_star_lists_the_paper_on_the_starred_page_and_exports_its_bibtex(browser, example_site):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "digests/2023-05-02-paper-digest/")
        star = page.locator(".paper-card [data-star='2304.14454']")
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
