"""Every page kind on a 320 px phone, for a site whose every value is one long unbroken token (an
affiliation, category, venue, author, title or link written without spaces): the page never scrolls
sideways and no text runs past the screen's edge (text in a box that scrolls on its own, such as
BibTeX's, is left to that box)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from http_util import serve_static

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 700}
AFFILIATION = "Max_Planck_Institute_for_Intelligent_Systems_Tuebingen"
CATEGORY = "LargeLanguageModelsAndReasoningAndEverythingElse"
VENUE = "InternationalConferenceOnLearningRepresentations2024"
KIND = "ExtraordinarilyLongPaperTypeWithoutAnySpacesInIt"
AUTHOR = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwaren"
WORD = "SupercalifragilisticexpialidociousnessOfMultimodality"
SITE_TITLE = "ThePaperDigestOfALabWhoseNameIsOneLongWordWithoutSpaces"  # site.yaml's, in the header
TITLE = "TheDigestWhoseTitleIsOneVeryLongWordWithoutAnySpacesAtAll" * 2


def card(n: int, arxiv_id: str) -> str:
    return textwrap.dedent(f"""\
        ### {n}、{WORD}{WORD}{n}

        > {WORD}翻译{n}

        > 《{WORD}{WORD}{n}》
        >
        > - URL：https://arxiv.org/abs/{arxiv_id}
        > - Official Code：https://github.com/{AUTHOR}/{WORD}
        > - 单位：{AFFILIATION}、{AFFILIATION}2
        > - 会议：{VENUE}
        > - 类型：{KIND}
        > - Authors: {AUTHOR}, {AUTHOR}
        > - 项目主页：https://{WORD}.github.io/{WORD}/{WORD}（{WORD}）

        Body {WORD}{WORD} text and `{WORD}` code.

        """)


def digests() -> dict[str, str]:
    files = {}
    for i in range(5):  # two a page: the home page, categories and digests/ have later pages
        cards = "".join(card(j + 1, f"2401.{i:02d}{j:03d}") for j in range(3))
        files[f"2024-0{1 + i % 3}-1{i}-d{i}.md"] = (
            textwrap.dedent(f"""\
        ---
        title: {TITLE}{i}
        date: 2024-0{1 + i % 3}-1{i}
        categories: [{CATEGORY}{i % 2}, {CATEGORY}]
        keywords: [{WORD * 2}]
        author: {AUTHOR}
        description: {WORD}
        ---

        ## {WORD}section

        """)
            + cards
        )
    files["weekly.md"] = f"""\
        ---
        title: {TITLE}weekly
        categories: [{CATEGORY}]
        author: {AUTHOR}
        ---

        ## 2024-02-03 {WORD}entry

        - {WORD}topic

        Cited [{WORD}](https://arxiv.org/abs/2402.00001) here.

        ## 2024-02-10 {WORD}entry2

        Cited [{WORD}](https://arxiv.org/abs/2402.00002) here.
        """
    files["undated-note.md"] = f"# {TITLE}undated\n\nNo date {WORD}.\n"
    # a paper known by its own URL only: its card's button shows that URL's host and path
    files["2024-03-20-url.md"] = f"""\
        ---
        title: {TITLE}url
        date: 2024-03-20
        categories: [{CATEGORY}]
        ---

        ### 1、{WORD}workshop

        > 《{WORD}workshop》
        >
        > - URL：https://{WORD}.example.org/{WORD}/{WORD}.pdf
        > - 会议：{VENUE}
        """
    return files


STARRED = ("2401.00000", "2402.00001")
PAGES = [
    "",
    "page/2/",
    "page/4/",
    "digests/2024-01-10-d0/",
    "digests/weekly/",
    "digests/2024-03-20-url/",
    "digests/undated-note/",
    "papers/2401.00000/",
    "papers/2402.00001/",
    "archive/",
    "archive/2024/",
    "archive/2024/02/",
    "categories/",
    f"categories/{CATEGORY.lower()}/",
    f"categories/{CATEGORY.lower()}/page/2/",
    "papers/",
    "digests/",
    "digests/page/2/",
    f"search/?q={WORD}",
    "starred/",
    "404.html",
]

# Each text box (a line of a text node) and form control past the viewport's edges, unless it sits in
# a box that scrolls on its own and itself fits.
OFF_SCREEN = r"""() => {
  const width = innerWidth, found = [];
  const past = b => b.width > 0 && (b.right > width + 0.5 || b.left < -0.5);
  const scrollsOnItsOwn = el => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return !past(a.getBoundingClientRect());
    }
    return false;
  };
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const node = texts.currentNode, range = document.createRange();
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some(past) && !scrollsOnItsOwn(node.parentElement)) {
      found.push(node.parentElement.tagName.toLowerCase() + "." + node.parentElement.className + ": "
        + node.textContent.trim().slice(0, 40));
    }
  }
  for (const el of document.querySelectorAll("input, select, button, fieldset")) {
    if (past(el.getBoundingClientRect())) found.push(el.tagName.toLowerCase() + "." + el.className);
  }
  return {scrollWidth: document.documentElement.scrollWidth, found};
}"""


@pytest.fixture(scope="module")
def long_token_site(tmp_path_factory) -> Path:
    root = write_site(
        tmp_path_factory.mktemp("long-tokens"),
        digests(),
        f"title: {SITE_TITLE}\nbase_url: https://example.github.io/repo/\nlanguage: en\nper_page: 2\n",
    )
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


def test_every_page_kind_fits_a_320px_screen_with_long_unbroken_values(browser, long_token_site):
    """A 50-character affiliation, category or venue without spaces was as wide as itself in its
    chip, badge or pill, in the search page's filters and the digest's byline: the page scrolled
    sideways on a phone and the value ran off its right edge."""
    problems = []
    with serve_static(long_token_site, "/repo/") as url:
        context = browser.new_context(viewport=NARROW)
        try:
            page = context.new_page()
            for paper in STARRED:  # the starred page lists them
                page.goto(f"{url}papers/{paper}/", wait_until="networkidle")
                page.click(f".paper-heading-row [data-star='{paper}']")
            for path in PAGES:
                page.goto(url + path, wait_until="networkidle")
                assert "404" not in page.title() or path == "404.html", path
                if path.startswith("search/"):
                    page.wait_for_selector(".search-result .search-title")
                    page.wait_for_selector(".search-facet label")
                elif path == "starred/":
                    page.wait_for_selector("[data-starred-list] > li")
                elif path == "papers/":
                    page.wait_for_selector("[data-paper-filters]:not([hidden])")
                seen = page.evaluate(OFF_SCREEN)
                if seen["scrollWidth"] > NARROW["width"] or seen["found"]:
                    problems.append(f"{path or '/'}: page {seen['scrollWidth']} px wide; {seen['found'][:5]}")
        finally:
            context.close()
    assert problems == []


def test_a_digests_neighbours_with_long_titles_fit_a_tablet(browser, long_token_site):
    """From 40rem on, the links to the previous and next digest sit side by side: a title without
    spaces kept its link as wide as itself, and the page scrolled sideways far past its edge."""
    width = 800
    with serve_static(long_token_site, "/repo/") as url:
        context = browser.new_context(viewport={"width": width, "height": 700})
        try:
            page = context.new_page()
            for path in ("digests/2024-01-10-d0/", "digests/weekly/", "digests/undated-note/"):
                page.goto(url + path, wait_until="networkidle")
                seen = page.evaluate(OFF_SCREEN)
                assert (seen["scrollWidth"], seen["found"]) == (width, []), path
        finally:
            context.close()
