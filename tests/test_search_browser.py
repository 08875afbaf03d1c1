"""Search in a real browser: the Pagefind index built by `paperdigest build`, served under /digests/."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conftest import run_cli, write_site
from http_util import serve_static
from search_site import BASE_PATH, BASE_URL, build_example

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_example(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="module")
def served(site):
    with serve_static(site, BASE_PATH) as url:
        yield url


@pytest.fixture()
def page(browser, served):
    context = browser.new_context()
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def search(page, served, query: str):
    """Open search/?q=QUERY and wait until the results for QUERY are shown."""
    page.goto(f"{served}search/?q={query}")
    return results_for(page, query)


def results_for(page, query: str):
    page.wait_for_function(
        "q => document.getElementById('search-status').textContent.includes(q)",
        arg=query,
        timeout=60000,  # a guard, not a timing test
    )
    return page.query_selector_all("#search-results > li")


def first_link(results) -> str:
    return urlsplit(results[0].query_selector("a.search-title").get_attribute("href")).path


@pytest.mark.parametrize(
    "query, paper",
    [
        ("涌现能力", "2304.15004"),  # Chinese, inside a sentence without spaces
        ("ResiDual", "2304.14802"),  # English title word
        ("斯坦福大学", "2304.15004"),  # an affiliation
        ("上海交通大学", "2304.14454"),  # an affiliation of another paper
    ],
)
def test_query_finds_the_expected_paper_first(page, served, query, paper):
    results = search(page, served, query)
    assert results, f"no results for {query}"
    assert first_link(results) == f"{BASE_PATH}papers/{paper}/"


def test_result_shows_title_translated_title_and_excerpt(page, served):
    first = search(page, served, "涌现能力")[0]
    assert (
        first.query_selector(".search-title").inner_text()
        == "Are Emergent Abilities of Large Language Models a Mirage?"
    )
    assert first.query_selector(".search-translated").inner_text() == "大型语言模型的涌现能力是种幻觉吗？"
    excerpt = first.query_selector(".search-excerpt")
    assert "涌现能力" in excerpt.inner_text()
    assert excerpt.query_selector("mark") is not None


def test_digest_results_link_to_the_card_anchor(page, served):
    results = search(page, served, "Post-LN")  # only in the body text of the ResiDual card
    digest = next(r for r in results if "search-digest" in r.get_attribute("class"))
    anchors = [a.get_attribute("href") for a in digest.query_selector_all(".search-sub a")]
    target = (
        f"{BASE_PATH}digests/2023-05-02-paper-digest/#2residual-transformer-with-dual-residual-connections"
    )
    assert target in anchors
    page.click(f".search-sub a[href='{target}']")
    page.wait_for_url("**/digests/2023-05-02-paper-digest/#2residual*")
    assert page.evaluate("document.querySelector(':target').textContent").startswith("2、ResiDual")


def test_slash_focuses_the_box_and_searches_from_any_page(page, served):
    page.goto(f"{served}papers/2304.14454/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.matches('form.site-search input')")
    page.keyboard.type("ResiDual")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{BASE_PATH}search/?q=ResiDual")
    results = results_for(page, "ResiDual")
    assert first_link(results) == f"{BASE_PATH}papers/2304.14802/"
    # Everything search needs was served from the site itself, under the base path.
    search_assets = [u for u in page.requests if "pagefind" in u or "search" in urlsplit(u).path]
    assert search_assets and all(urlsplit(u).path.startswith(BASE_PATH) for u in search_assets)
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in search_assets)


def test_slash_in_a_text_box_types_a_slash(page, served):
    page.goto(f"{served}search/")
    page.fill("#search-input", "a")
    page.focus("#search-input")
    page.keyboard.press("End")
    page.keyboard.type("/b")
    assert page.input_value("#search-input") == "a/b"


def test_slash_on_a_filter_checkbox_goes_to_the_search_box(page, served):
    """The "/" key with a filter's checkbox focused jumps to the search box, as from anywhere but a
    text box: the shortcut stood still on every <input>, checkboxes included, and nothing happened."""
    search(page, served, "LLaMA")
    box = page.locator("#search-filters input[type=checkbox]").first
    box.focus()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    assert not box.is_checked()
    assert page.input_value("#search-input") == "LLaMA"


TWO_YEARS = {
    "2022-12-30-paper-digest.md": """\
        ---
        title: 2022-12-30：论文速递
        cate1: nlp
        ---
        ### 1、Sparse Attention for Long Documents

        > 长文档的稀疏注意力机制

        > 《Sparse Attention for Long Documents》
        >
        > - URL：https://arxiv.org/abs/2212.00001
        > - 单位：清华大学

        本文研究注意力机制在长文档上的开销。
        """,
    "2023-01-02-paper-digest.md": """\
        ---
        title: 2023-01-02：论文速递
        cate1: vision
        ---
        ### 1、Attention Maps for Image Segmentation

        > 图像分割的注意力图

        > 《Attention Maps for Image Segmentation》
        >
        > - URL：https://arxiv.org/abs/2301.00002
        > - 单位：北京大学

        本文把注意力机制用于图像分割。
        """,
}


@pytest.fixture(scope="module")
def two_years(tmp_path_factory, browser):
    root = write_site(tmp_path_factory.mktemp("two-years"), TWO_YEARS)
    run_cli("build", "--source", str(root), "--base-url", BASE_URL, check=True)
    with serve_static(root / "_site", BASE_PATH) as url:
        yield url


def result_paths(page) -> set[str]:
    return {urlsplit(a.get_attribute("href")).path for a in page.query_selector_all("a.search-title")}


def test_filters_by_year_and_category(page, two_years):
    both = {f"{BASE_PATH}papers/2212.00001/", f"{BASE_PATH}papers/2301.00002/"}
    search(page, two_years, "注意力机制")
    assert both <= result_paths(page)
    assert "nlp" in page.inner_text("#search-filters") and "vision" in page.inner_text("#search-filters")

    page.check("#search-filters input[name='year'][value='2022']")
    page.wait_for_function("location.search.includes('year=2022')")
    results_for(page, "注意力机制")
    page.wait_for_function("!document.querySelector('a.search-title[href*=\"2301.00002\"]')")
    assert result_paths(page) == {
        f"{BASE_PATH}papers/2212.00001/",
        f"{BASE_PATH}digests/2022-12-30-paper-digest/",
    }

    # The filters live in the URL: a shared link reopens the same filtered search.
    page.goto(f"{two_years}search/?q=注意力机制&category=vision")
    results_for(page, "注意力机制")
    page.wait_for_selector("#search-filters input[name='category'][value='vision']:checked")
    assert result_paths(page) == {
        f"{BASE_PATH}papers/2301.00002/",
        f"{BASE_PATH}digests/2023-01-02-paper-digest/",
    }


def test_the_search_page_speaks_the_site_language(page, served):
    """The example site is zh-CN: every word the search page shows comes from zh-CN.yaml."""
    search(page, served, "注意力")
    status = page.inner_text("#search-status")
    count = page.get_attribute("#search-status", "data-count")
    assert status == f"“注意力”：{count} 条结果"
    assert page.inner_text("#search-filters legend") in {"分类", "年份"}
    assert page.inner_text("h1") == "搜索" and page.title().startswith("搜索 · ")
    search(page, served, "qqzzxxnotaword")
    assert page.inner_text("#search-status") == "没有找到“qqzzxxnotaword”"


def english_site(tmp_path, digest: str):
    """A site in English of one digest, built for BASE_URL."""
    root = write_site(
        tmp_path,
        {"2024-01-02-d.md": digest},
        config="title: Notes\nlanguage: en\nbase_url: https://example.org/\n",
    )
    run_cli("build", "--source", str(root), "--base-url", BASE_URL, check=True)
    return root


def test_an_english_site_counts_results_in_english(page, tmp_path):
    root = english_site(tmp_path, ENGLISH_DIGEST)
    with serve_static(root / "_site", BASE_PATH) as url:
        search(page, url, "attention")
        assert page.inner_text("#search-status") in {"1 result for “attention”", "2 results for “attention”"}
        assert page.get_attribute("#search-input", "placeholder") == "Title, author, institution, topic ..."
        assert page.inner_text("h1") == "Search"


ENGLISH_DIGEST = """\
---
title: Reading notes
date: 2024-01-02
---

### 1. Attention Is All You Need

> - URL: https://arxiv.org/abs/1706.03762

The attention paper.
"""


def test_a_papers_fields_are_found_and_shown_as_separate_words(page, tmp_path):
    """A paper page's field names, values and chips are apart in its text: they ran together
    ("VenueNeurIPS 2024", "AffiliationsWombatia UniversityPlatypus Institute"), so results showed
    words glued together and a search for the venue missed the paper's page."""
    root = english_site(tmp_path, VENUE_DIGEST)
    with serve_static(root / "_site", BASE_PATH) as url:
        search(page, url, "NeurIPS")
        assert result_paths(page) == {f"{BASE_PATH}papers/2401.00001/", f"{BASE_PATH}digests/2024-01-02-d/"}
        search(page, url, "Platypus")
        excerpts = " ".join(page.locator(".search-excerpt").all_inner_texts())
        assert "Wombatia University Platypus Institute" in excerpts
        assert "VenueNeurIPS" not in excerpts and "UniversityPlatypus" not in excerpts


VENUE_DIGEST = """\
---
title: Reading notes
date: 2024-01-02
---

### 1. Quokka Transformers for Everything

> - URL: https://arxiv.org/abs/2401.00001
> - Authors: Zanzibar Quillfeather
> - Affiliations: Wombatia University, Platypus Institute
> - Venue: NeurIPS 2024

A paper about quokkas.
"""


def test_more_results_from_the_keyboard_moves_the_focus_to_the_first_added(page, tmp_path):
    """Enter on "More results" leaves the keyboard on the results it added: the button hid while
    they loaded and the focus fell to the page's start, the next Tab jumping to the footer."""
    digests = {
        f"2024-01-{day:02d}-d.md": f"# Notes {day}\n\n"
        + "".join(
            f"[Quokka study {day}-{n}](https://arxiv.org/abs/2401.{day:02d}{n:03d})\n\n" for n in range(4)
        )
        for day in range(1, 12)
    }
    root = write_site(
        tmp_path, digests, config="title: Notes\nlanguage: en\nbase_url: https://example.org/\n"
    )
    run_cli("build", "--source", str(root), "--base-url", BASE_URL, check=True)
    with serve_static(root / "_site", BASE_PATH) as url:
        results = search(page, url, "quokka")
        count = int(page.get_attribute("#search-status", "data-count"))
        assert len(results) == 30 and count > 30
        page.focus("#search-more")
        page.keyboard.press("Enter")
        shown = "n => document.querySelectorAll('#search-results > li').length === n"
        page.wait_for_function(shown, arg=min(count, 60))
        focused = page.evaluate(
            "[...document.querySelectorAll('#search-results > li')].indexOf(document.activeElement.closest('li'))"
        )
        assert focused == 30  # the 31st result, the first one added
        assert page.evaluate("document.activeElement.matches('a.search-title')")
