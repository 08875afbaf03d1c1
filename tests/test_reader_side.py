"""What a reader of the published site sees and can do, in headless Chromium, on a phone and with
the keyboard: the sites are served under a project site's base path, as GitHub Pages does."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from conftest import run_cli, write_site
from http_util import serve_static

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@contextmanager
def open_page(browser, url: str, **options):
    """The page at `url` in a context of its own (closed afterwards)."""
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        yield page
    finally:
        context.close()


def test_a_paper_an_article_lists_reads_as_one_paragraph(browser, example_site):
    """An article's reading list (`**Title** by Authors (date), URL`) is paragraphs of text: not laid
    out as the lists' paper items, a row of columns (title, authors, date, URL side by side) that
    widened a phone's page."""
    with (
        serve_static(example_site, "/paperdigest/") as url,
        open_page(browser, url + "digests/february-papers-lora-dora/", viewport=PHONE) as page,
    ):
        cited = page.locator("#arxiv-2402\\.19427")
        title, link = cited.locator("strong"), cited.locator("a[href='https://arxiv.org/abs/2402.19427']")
        assert title.inner_text().startswith("Griffin:")
        # the URL comes after the title and authors, lines below the title's first line
        assert link.bounding_box()["y"] > title.bounding_box()["y"] + 20
        assert not page.evaluate(SCROLLS_SIDEWAYS)


LONG_CODE_URL = "https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat"


def test_a_paper_page_with_a_long_code_url_fits_a_phone(browser, tmp_path):
    """The fields of a paper's page wrap a long URL within the screen: the grid's value column was
    as wide as the URL, and a phone's page scrolled sideways, the URL running off its edge."""
    write_site(
        tmp_path,
        {
            "2024-03-06-chat.md": f"""\
                # 2024-03-06

                ### 1、DeepSpeed-Chat: Easy, Fast and Affordable RLHF Training of ChatGPT-like Models

                > 《DeepSpeed-Chat: Easy, Fast and Affordable RLHF Training of ChatGPT-like Models》
                >
                > - URL：https://arxiv.org/abs/2308.01320
                > - Code: {LONG_CODE_URL}
                """
        },
        "title: T\nbase_url: https://example.github.io/repo/\nlanguage: en\n",
    )
    run_cli("build", "--source", str(tmp_path), check=True)
    with (
        serve_static(tmp_path / "_site", "/repo/") as url,
        open_page(browser, url + "papers/2308.01320/", viewport=PHONE) as page,
    ):
        code = page.locator(f".paper-fields a[href='{LONG_CODE_URL}']")
        assert code.inner_text() == LONG_CODE_URL
        box = code.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
        assert not page.evaluate(SCROLLS_SIDEWAYS)


def test_the_skip_link_leads_to_the_text_without_painting_it(browser, example_site):
    """After the skip link the text looks as before: `:target` tinted all of <main> (the skip link's
    target) in the accent colour; a card a link leads to is still marked."""
    background = "el => getComputedStyle(el).backgroundColor"
    with (
        serve_static(example_site, "/paperdigest/") as url,
        open_page(browser, url + "digests/2023-05-02-paper-digest/") as page,
    ):
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        assert page.locator("main").evaluate(background) == "rgba(0, 0, 0, 0)"
        card = page.locator(".paper-heading").first
        page.goto(url + "digests/2023-05-02-paper-digest/#" + card.get_attribute("id"))
        assert card.evaluate(background) != "rgba(0, 0, 0, 0)"
