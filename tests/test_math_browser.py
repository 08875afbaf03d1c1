"""What readers see of build-time math, in headless Chromium: typeset with JavaScript off, errors marked,
and the same formulas as KaTeX typesetting in the browser."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import KATEX_LOCAL, REPO, run_cli
from http_util import serve_static

FIXTURES = Path(__file__).parent / "fixtures" / "math"
SEED_DIGEST = "2023-05-02-paper-digest.md"
pytestmark = pytest.mark.browser

# Per .math element: is it typeset by KaTeX, in KaTeX's font, and laid out?
REPORT_JS = """() => [...document.querySelectorAll('.math')].map(e => {
  const k = e.querySelector('.katex .katex-html');
  return {
    typeset: !!k,
    error: e.classList.contains('math-error'),
    font: k ? getComputedStyle(k).fontFamily : '',
    width: k ? k.getBoundingClientRect().width : 0,
  };
})"""


def make_site(root: Path, render: str, output: str = "htmlAndMathml") -> Path:
    """forms.md, broken.md, environments.md, html.md and the 2023-05-02 digest; KaTeX CSS and
    fonts from Debian's copy."""
    (root / "digests").mkdir(parents=True)
    fixtures = [FIXTURES / name for name in ("forms.md", "broken.md", "environments.md", "html.md")]
    for source in (*fixtures, REPO / "digests" / SEED_DIGEST):
        shutil.copy(source, root / "digests" / source.name)
    (root / "site.yaml").write_text(
        f"title: Math\nkatex:\n  local_dir: {KATEX_LOCAL}\n"
        f"math:\n  render: {render}\n  output: {output}\n  macros:\n    '\\R': '\\mathbb{{R}}'\n",
        encoding="utf-8",
    )
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """KaTeX's HTML typeset at build time (math.output: htmlAndMathml) and in the browser, which
    draw the same; and MathML (math.output: mathml, the default), which the browser draws."""
    built = {mode: make_site(tmp_path_factory.mktemp(mode), mode) for mode in ("build", "browser")}
    return {**built, "mathml": make_site(tmp_path_factory.mktemp("mathml"), "build", "mathml")}


# Per .math element with MathML only: is it drawn, and how big?
MATHML_JS = """() => [...document.querySelectorAll('.math')].map(e => {
  const m = e.querySelector('.katex > math');
  const box = m ? m.getBoundingClientRect() : {width: 0, height: 0};
  return {error: e.classList.contains('math-error'), html: !!e.querySelector('.katex-html'),
          width: box.width, height: box.height};
})"""


@contextmanager
def open_page(browser, url: str, javascript: bool):
    """The page at `url`, its fonts loaded, in a context of its own (closed afterwards)."""
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(url)
        page.evaluate("document.fonts.ready.then(() => true)")
        yield page
    finally:
        context.close()


def assert_all_typeset(page, expected_errors: int = 0) -> list[dict]:
    report = page.evaluate(REPORT_JS)
    assert report, "no formulas on the page"
    assert sum(r["error"] for r in report) == expected_errors
    for r in report:
        if not r["error"]:
            assert r["typeset"] and "KaTeX_Main" in r["font"] and r["width"] > 0, r
    assert page.locator("script[src*='katex']").count() == 0
    return report


def test_seed_digest_is_typeset_as_mathml_without_javascript(browser, example_site):
    with (
        serve_static(example_site, "/paperdigest/") as base,
        open_page(browser, f"{base}digests/2023-05-02-paper-digest/", javascript=False) as page,
    ):
        report = page.evaluate(MATHML_JS)
        assert len(report) >= 20 and not any(r["error"] or r["html"] for r in report)
        assert all(r["width"] > 0 and 0 < r["height"] < 200 for r in report), report
        # The seed's four align blocks (blank lines inside) laid out as tables, and its \sum.
        assert page.locator(".math.display math[display='block'] mtable").count() == 4
        assert page.locator(".math.display munderover > mo", has_text="∑").count() >= 1
        assert page.locator("script[src*='katex']").count() == 0


# Per display table (an align block), per row with two filled columns: where the left column's
# math ends and where the right column's (its `=`) starts.
ALIGN_JS = """() => [...document.querySelectorAll('.math.display math > semantics > mtable')].map(t =>
  [...t.children].map(row => [...row.children]
      .filter(c => !c.classList.contains('mtr-glue') && !c.classList.contains('mml-eqn-num'))
      .map(c => c.firstElementChild && c.firstElementChild.getBoundingClientRect()))
    .filter(cells => cells.length >= 2 && cells[0] && cells[1] && cells[0].width > 0 && cells[1].width > 0)
    .map(cells => [cells[0].right, cells[1].left]))"""


def test_mathml_align_columns_line_up(browser, example_site):
    """MathML Core drops columnalign: each cell carries it as CSS, so an align block's left column
    is right-aligned against the `=` signs, which line up, as in KaTeX's HTML."""
    with (
        serve_static(example_site, "/paperdigest/") as base,
        open_page(browser, f"{base}digests/2023-05-02-paper-digest/", javascript=False) as page,
    ):
        tables = [rows for rows in page.evaluate(ALIGN_JS) if len(rows) >= 2]
        assert len(tables) >= 3, tables  # the seed's align blocks of two equations
        for rows in tables:
            rights, lefts = {round(r) for r, _ in rows}, {round(left) for _, left in rows}
            assert max(rights) - min(rights) <= 1 and max(lefts) - min(lefts) <= 1, rows
            assert all(left - right < 2 for right, left in rows), rows  # no gap before `=`


def test_mathml_draws_styled_letters_as_their_characters(browser, sites):
    with (
        serve_static(sites["mathml"]) as base,
        open_page(browser, f"{base}digests/forms/", javascript=False) as page,
    ):
        blackboard = page.locator(".math").nth(3).locator("math mi").first  # the site macro \R
        assert blackboard.text_content() == "ℝ"
        assert blackboard.evaluate("e => e.getBoundingClientRect().width") > 0


def test_every_math_form_is_typeset_without_javascript(browser, sites):
    with (
        serve_static(sites["build"]) as base,
        open_page(browser, f"{base}digests/forms/", javascript=False) as page,
    ):
        report = assert_all_typeset(page)
        assert len(report) == 8
        blackboard = page.locator(".math").nth(3).locator(".katex-html .mathbb")  # the site macro \R
        assert blackboard.inner_text() == "R"
        assert "KaTeX_AMS" in blackboard.evaluate("e => getComputedStyle(e).fontFamily")
        align = page.locator(".math.display").first
        assert align.locator(".katex-display").count() == 1
        rows = align.locator(".katex-html").inner_text()
        assert "f(x)" in rows.replace("\n", "").replace("𝑓", "f").replace("𝑥", "x")
        assert "g(x)" in rows.replace("\n", "").replace("𝑔", "g").replace("𝑥", "x")
        assert "$" not in page.locator("article, main").first.inner_text()


def test_broken_formula_shows_its_source_and_a_marker(browser, sites):
    with (
        serve_static(sites["build"]) as base,
        open_page(browser, f"{base}digests/broken/", javascript=False) as page,
    ):
        assert_all_typeset(page, expected_errors=2)
        errors = page.locator(".math-error")
        assert errors.nth(0).inner_text().strip() == "⚠\\frac{1}{"
        assert errors.nth(1).inner_text().strip().endswith("\\left( x")
        markers = page.get_by_role("img", name=re.compile(r"^Formula error \(KaTeX\): "))
        assert markers.count() == 2 and markers.first.is_visible()
        assert page.locator(".math:not(.math-error) .katex").count() == 2


def test_latex_environments_are_typeset_as_display_math(browser, sites):
    """`\\begin{equation}` .. `\\end{equation}` with no `$$`: numbered display math, as MathJax shows it."""
    with (
        serve_static(sites["build"]) as base,
        open_page(browser, f"{base}digests/environments/", javascript=False) as page,
    ):
        report = assert_all_typeset(page, expected_errors=1)  # eqnarray: KaTeX has none
        assert len(report) == 4
        displays = page.locator(".math.display .katex-display")
        assert displays.count() == 3
        numbers = [display.locator(".eqn-num").count() for display in displays.all()]
        assert numbers == [1, 0, 1]  # equation and align (flalign) numbered, align* not
        assert "\\begin{equation}" in page.locator("article, main").first.inner_text()  # never closed


def test_math_in_raw_html_is_typeset(browser, sites):
    """A table written in HTML: `Score $\\uparrow$` in its header is an arrow, not dollars."""
    with (
        serve_static(sites["build"]) as base,
        open_page(browser, f"{base}digests/html/", javascript=False) as page,
    ):
        report = assert_all_typeset(page, expected_errors=1)  # the broken one, marked
        assert len(report) == 6
        header = page.locator("th").first
        assert header.locator(".math.inline .katex").count() == 1
        assert "$" not in header.inner_text() and "↑" in header.inner_text()
        assert page.locator("th[title='$x$']").count() == 1
        assert page.locator("code", has_text="$kept$").count() == 1


@pytest.mark.parametrize("slug", ["forms", "broken", "environments", "html", "2023-05-02-paper-digest"])
def test_build_and_browser_modes_show_the_same_formulas(browser, sites, slug):
    texts = {}
    for mode, javascript in (("build", False), ("browser", True)):
        with (
            serve_static(sites[mode]) as base,
            open_page(browser, f"{base}digests/{slug}/", javascript=javascript) as page,
        ):
            if mode == "browser":
                page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
                assert page.locator("script[src$='katex.min.js']").count() == 1
            texts[mode] = page.locator(".katex").all_inner_texts()
    assert texts["build"], "no formulas typeset"
    assert texts["build"] == texts["browser"]


def test_browser_mode_marks_a_broken_formula_like_build_mode(browser, sites):
    with (
        serve_static(sites["browser"]) as base,
        open_page(browser, f"{base}digests/broken/", javascript=True) as page,
    ):
        page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
        errors = page.locator(".math-error")
        assert errors.nth(0).inner_text().strip() == "⚠\\frac{1}{"
        markers = page.get_by_role("img", name=re.compile(r"^Formula error \(KaTeX\): "))
        assert markers.count() == 2


# At a phone's width: how wide the page is, and per inline formula whether its own box scrolls, how
# tall the formula is and where it sits against the first words of its paragraph.
NARROW_JS = """() => {
  const box = e => e.getBoundingClientRect();
  const middle = r => (r.top + r.bottom) / 2;
  return {page: document.documentElement.scrollWidth, formulas: [...document.querySelectorAll('.math.inline')].map(e => {
    const words = document.createRange();
    words.selectNodeContents(e.parentElement.firstChild);
    const formula = box(e.querySelector('.katex'));
    return {right: box(e).right, scrolls: e.scrollWidth > e.clientWidth, height: formula.height,
            offset: Math.abs(middle(formula) - middle(box(words))),
            line: parseFloat(getComputedStyle(e.parentElement).lineHeight),
            lines: box(e.parentElement).height / parseFloat(getComputedStyle(e.parentElement).lineHeight)};
  })};
}"""


@pytest.mark.parametrize(
    "render, output",
    [("build", "mathml"), ("build", "htmlAndMathml"), ("build", "html"), ("browser", "htmlAndMathml")],
)
def test_a_long_inline_formula_scrolls_in_its_box_on_a_phone(browser, tmp_path, render, output):
    """The page keeps the phone's width; short formulas stay on their text line, with no scrollbar."""
    site = tmp_path / "site"
    (site / "digests").mkdir(parents=True)
    shutil.copy(FIXTURES / "long.md", site / "digests" / "long.md")
    (site / "site.yaml").write_text(
        f"title: Math\nkatex:\n  local_dir: {KATEX_LOCAL}\nmath:\n  render: {render}\n  output: {output}\n",
        encoding="utf-8",
    )
    run_cli("build", "--source", str(site), check=True)
    with serve_static(site / "_site") as base:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, java_script_enabled=render == "browser"
        )
        try:
            page = context.new_page()
            page.goto(f"{base}digests/long/")
            page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
            page.evaluate("document.fonts.ready.then(() => true)")
            report = page.evaluate(NARROW_JS)
        finally:
            context.close()
    assert report["page"] <= 390, report
    long, _beta, *short = report["formulas"]
    assert long["scrolls"] and long["right"] <= 390, long
    assert len(short) == 3
    for formula in short:
        assert not formula["scrolls"], formula
        assert formula["height"] < 1.5 * formula["line"] and formula["offset"] < formula["line"] / 4, formula
        assert formula["lines"] < 1.5, formula  # the paragraph stays one line: nothing pushed it apart
