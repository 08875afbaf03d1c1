"""The sharded search index: the same answers as one Pagefind index of the same pages, formulas
indexed by their TeX, and the search page (more results, highlighted query, kept filters, one box)."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from conftest import run_cli, write_site
from http_util import serve_static
from paperdigest.search import EXCLUDE_SELECTORS
from search_site import BASE_PATH, BASE_URL, build_example

pytestmark = pytest.mark.browser

QUERIES = [
    "涌现能力", "斯坦福大学", "上海交通大学", "残差", "注意力", "模型", "大学",
    "ResiDual", "Transformer", "LoRA", "language model", "Post-LN", "the",
]  # fmt: skip
SINGLE = "single-index"  # one Pagefind bundle of the same pages, beside the site


def single_index(out: Path) -> None:
    """Pagefind run once over every digest and paper page of the built site, as the build ran it
    on each shard, into out/single-index/."""
    from pagefind.service import get_executable

    view = out.parent / "single-view"
    for page in [*out.glob("digests/*/index.html"), *out.glob("papers/*/index.html")]:
        target = view / page.relative_to(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.hardlink_to(page)
    command = [str(get_executable()), "--site", str(view), "--output-path", str(out / SINGLE), "--silent"]
    for selector in EXCLUDE_SELECTORS:
        command += ["--exclude-selectors", selector]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = build_example(tmp_path_factory.mktemp("shards"))
    single_index(out)
    return out


@pytest.fixture(scope="module")
def served(site):
    with serve_static(site, BASE_PATH) as url:
        yield url


@pytest.fixture()
def page(browser, served):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def shown(page, query: str):
    page.wait_for_function(
        "q => document.getElementById('search-status').textContent.includes(q)", arg=query, timeout=60000
    )  # a guard, not a timing test


def all_results_in_the_page(page, served, query: str) -> list[str]:
    """Every result the search page gives for `query`, "More results" clicked until none are left."""
    page.goto(f"{served}search/?q={quote(query)}")
    shown(page, query)
    return every_result(page)


def every_result(page) -> list[str]:
    """The paths of the shown search's results, "More results" clicked until none are left."""
    while page.is_visible("#search-more"):
        count = page.locator("#search-results > li").count()
        page.click("#search-more")
        page.wait_for_function(f"document.querySelectorAll('#search-results > li').length > {count}")
    return [urlsplit(a.get_attribute("href")).path for a in page.query_selector_all("a.search-title")]


def single_index_results(page, served, query: str) -> list[str]:
    return page.evaluate(
        """async ([bundle, base, query]) => {
          const pagefind = await import(bundle + "pagefind.js");
          await pagefind.options({ baseUrl: base });
          const search = await pagefind.search(query);
          return Promise.all(search.results.map(async (r) => (await r.data()).url));
        }""",
        [f"{served}{SINGLE}/", BASE_PATH, query],
    )


def test_the_example_site_is_searched_in_several_shards(site):
    shards = json.loads((site / "pagefind/shards.json").read_text())["shards"]
    assert len(shards) >= 3
    assert all((site / "pagefind" / name / "pagefind-entry.json").is_file() for name in shards)


@pytest.mark.parametrize("query", QUERIES)
def test_the_shards_answer_what_one_index_of_the_same_pages_answers(page, served, query):
    sharded = all_results_in_the_page(page, served, query)
    single = single_index_results(page, served, query)
    assert single, f"the single index finds nothing for {query}: not a useful query"
    assert len(sharded) == len(set(sharded))  # no result twice, across shards and "More results"
    assert sorted(sharded) == sorted(single)


def test_queries_typed_one_after_another_get_what_one_index_answers(page, served):
    """The search page looks each word's shards up once (typing on, or ticking a filter, keeps the
    words already looked up): queries whose words were looked up before are answered as one index
    of the same pages answers them."""
    page.goto(f"{served}search/")
    page.wait_for_selector("#search-filters input")  # the index is loaded
    # Queries whose answer depends on which shards hold their words (each would differ from one
    # index's if every shard were searched), words coming back after others.
    typed = ["LoRA", "残差", "ResiDual", "language model", "大学", "斯坦福大学", "残差", "LoRA", "language"]
    for query in typed:
        page.fill("#search-input", query)  # its input event drops the status's data-count at once
        page.wait_for_function("document.getElementById('search-status').hasAttribute('data-count')")
        assert page.input_value("#search-input") == query
        sharded = every_result(page)
        assert sorted(sharded) == sorted(single_index_results(page, served, query)), query


def test_more_results_shows_the_next_page_of_results(page, served):
    page.goto(f"{served}search/?q=模型")
    shown(page, "模型")
    total = result_count(page)
    assert total > 30 and page.locator("#search-results > li").count() == 30
    page.click("#search-more")
    page.wait_for_function("document.querySelectorAll('#search-results > li').length > 30")
    assert page.locator("#search-results > li").count() == min(60, total)
    assert page.is_visible("#search-more") == (total > 60)


def test_the_query_is_highlighted_in_result_titles(page, served):
    page.goto(f"{served}search/?q=resiDual")
    shown(page, "resiDual")
    first = page.locator("#search-results > li").first.locator("a.search-title")
    assert first.inner_text() == "ResiDual: Transformer with Dual Residual Connections"
    assert first.locator("mark").all_inner_texts() == ["ResiDual", "Residual"]  # any case, as searched


def result_count(page) -> int:
    return int(page.get_attribute("#search-status", "data-count"))


def test_filters_are_kept_when_the_query_changes_and_can_be_cleared(page, served):
    page.goto(f"{served}search/?q=模型&year=2024")
    shown(page, "模型")
    page.wait_for_selector("#search-filters input[name='year'][value='2024']:checked")
    assert result_count(page) == 62  # of 75: the year filter applies
    page.fill("#search-input", "model")
    shown(page, "model")
    assert "year=2024" in page.url and page.is_checked("#search-filters input[name='year'][value='2024']")
    assert result_count(page) == 38  # of 42
    page.click(".search-clear")
    page.wait_for_function("!location.search.includes('year=')")
    page.wait_for_function("document.getElementById('search-status').dataset.count === '42'")
    assert not page.is_checked("#search-filters input[name='year'][value='2024']")
    assert not page.is_visible(".search-clear")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["", "search/", "digests/2023-05-02-paper-digest/", "papers/2304.15004/"])
def test_one_search_box_per_page_at_every_width(browser, served, path, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{served}{path}")
    boxes = [box for box in page.query_selector_all("input[type='search']") if box.is_visible()]
    context.close()
    assert len(boxes) == 1


FORMULA_SITE = {
    "2024-01-01-formulas.md": """\
        ---
        title: Formulas
        ---
        ### 1、A Paper With Formulas

        > 《A Paper With Formulas》
        >
        > - URL：https://arxiv.org/abs/2401.00001

        The quokkalicious estimator $\\mathrm{Qzx}_{k}^{f}$ converges，给定$\\mathrm{Wvu}$个残差块的网络。

        $$
        \\sum_{i=1}^{n} \\mathrm{Mrp}_{i} = 1
        $$
        """,
}


@pytest.fixture(scope="module")
def formula_site(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("formulas"), FORMULA_SITE, f"title: T\nbase_url: {BASE_URL}\n")
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


def fragments(out: Path) -> dict[str, dict]:
    """Every page in the index by URL (its fragment: gzip with a `pagefind_dcd` prefix)."""
    found = {}
    for fragment in out.glob("pagefind/*/fragment/*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        page = json.loads(data[len(b"pagefind_dcd") :])
        found[page["url"]] = page
    return found


def test_formulas_are_indexed_by_their_tex_never_by_katex_glyphs(formula_site):
    digest = fragments(formula_site)["/digests/2024-01-01-formulas/"]
    text = digest["content"].replace("\u200b", "")  # Pagefind separates the words it segmented
    assert "\\mathrm{Qzx}_{k}^{f}" in text and "\\mathrm{Wvu}" in text and "\\mathrm{Mrp}_{i}" in text
    for glyphs in ("Qzxkf", "Qzxk", "Wvu个", "Mrpi", "∑"):  # KaTeX's HTML and MathML runs
        assert glyphs not in text
    assert "quokkalicious estimator \\mathrm{Qzx}_{k}^{f} converges" in text
    assert "给定\\mathrm{Wvu}个残差块的网络" in text


@pytest.mark.parametrize("query", ["quokkalicious", "converges", "残差块"])
def test_a_word_beside_a_formula_finds_its_page(browser, formula_site, query):
    with serve_static(formula_site, BASE_PATH) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}search/?q={quote(query)}")
        shown(page, query)
        paths = {urlsplit(a.get_attribute("href")).path for a in page.query_selector_all("a.search-title")}
        context.close()
    assert f"{BASE_PATH}digests/2024-01-01-formulas/" in paths
