"""Formulas as research notes write them, drawn by Chromium from the default MathML output and
compared with KaTeX's HTML of the same TeX (which follows TeX's layout): spaces measured in em
between the glyphs of each formula, and the constructs MathML Core would not draw."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_audit_math import build, open_formulas

pytestmark = pytest.mark.browser

# Each formula, inline (`$...$`) unless it starts with "D:" (a `$$` block of its own).
FORMULAS = (
    r"\mathbb{E}_{x\sim p}[f(x)]",
    r"\sum_{i=1}^n x_i",
    r"\lim_{n\to\infty} a_n",
    r"\min_{x\in X} f(x)",
    r"\frac{a+b}{c}",
    r"D:\sum_{i=1}^n x_i = \frac{a+b}{c}",
)


def digest(formulas: tuple[str, ...]) -> str:
    parts = []
    for tex in formulas:
        parts.append(f"$$\n{tex[2:]}\n$$" if tex.startswith("D:") else f"F: ${tex}$")
    return "\n\n".join(parts) + "\n"


# The glyphs of formula number `i` on the page, in order, each as [text, left, right, top, bottom]
# in em of the formula's font: the leaves of KaTeX's HTML or of the MathML (no annotation, no
# invisible function application).
GLYPHS_JS = """(i) => {
  const formula = document.querySelectorAll('.math')[i];
  const root = formula.querySelector('.katex-html') || formula.querySelector('math > semantics');
  const em = parseFloat(getComputedStyle(formula.querySelector('.katex')).fontSize);
  const text = e => e.textContent.replace(/[\\u2061\\u200b\\s]/g, '');
  return [...root.querySelectorAll('*')]
    .filter(e => e.children.length === 0 && e.localName !== 'annotation' && text(e))
    .map(e => { const r = e.getBoundingClientRect();
                return [text(e), r.left / em, r.right / em, r.top / em, r.bottom / em]; });
}"""


@pytest.fixture(scope="module")
def glyphs(browser, tmp_path_factory) -> dict[str, dict[str, list]]:
    """output ("mathml" or "html") -> formula -> its glyphs, FORMULAS built once per output."""
    found: dict[str, dict[str, list]] = {}
    for output in ("mathml", "html"):
        site = tmp_path_factory.mktemp(output)
        build(site, digest(FORMULAS), f"title: T\nsearch: false\nmath:\n  output: {output}\n")
        found[output] = measure(browser, site, FORMULAS)
    return found


def measure(browser, site: Path, formulas: tuple[str, ...]) -> dict[str, list]:
    with open_formulas(browser, site) as page:
        return {tex: page.evaluate(GLYPHS_JS, i) for i, tex in enumerate(formulas)}


def gap(glyphs: list, left: str, right: str) -> float:
    """The space in em between the first glyph `left` and the glyph `right` that follows it."""
    texts = [g[0] for g in glyphs]
    first = texts.index(left)
    second = texts.index(right, first + 1)
    return glyphs[second][1] - glyphs[first][2]


def assert_gaps_as_in_katex_html(glyphs, pairs: dict[str, list[tuple[str, str]]], tolerance=0.08):
    drawn, reference = glyphs["mathml"], glyphs["html"]
    for tex, between in pairs.items():
        for left, right in between:
            want, got = gap(reference[tex], left, right), gap(drawn[tex], left, right)
            assert abs(got - want) < tolerance, (tex, left, right, got, want)


def test_operators_in_scripts_and_inline_fractions_are_set_tight(glyphs):
    """TeX sets no space around `=`, `∼`, `→`, `∈` or `+` in a script or an inline fraction's parts
    (script style); MathML Core gave them their full spaces, so `\\sum_{i=1}` read 'i = 1' and
    `\\mathbb{E}_{x\\sim p}` 'x ∼ p'. On the line and in a display fraction they keep them."""
    assert_gaps_as_in_katex_html(
        glyphs,
        {
            r"\mathbb{E}_{x\sim p}[f(x)]": [("x", "∼"), ("∼", "p")],
            r"\sum_{i=1}^n x_i": [("i", "="), ("=", "1")],
            r"\lim_{n\to\infty} a_n": [("n", "→"), ("→", "∞")],
            r"\min_{x\in X} f(x)": [("x", "∈"), ("∈", "X")],
            r"\frac{a+b}{c}": [("a", "+"), ("+", "b")],
            r"D:\sum_{i=1}^n x_i = \frac{a+b}{c}": [("i", "="), ("=", "1"), ("a", "+"), ("+", "b")],
        },
    )
    # The reference does space them on the line: the comparison can tell.
    line = glyphs["html"][r"D:\sum_{i=1}^n x_i = \frac{a+b}{c}"]
    assert gap(line, "+", "b") > 0.15, line
