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
    r"x \stackrel{\text{def}}{=} y",
    r"\overset{a}{b}",
    r"\boxed{x}",
    r"D:\boxed{E = mc^2}",
    r"\cancel{x} + \bcancel{y} + \sout{z}",
    r"\lvert x\rvert + 1",
    r"\lVert v\rVert_2",
    r"p(x \mid y)",
    r"\left| x \right| \le 1",
    r"\colorbox{yellow}{x} + \fcolorbox{red}{yellow}{y}",
    r"x_1, \ldots, x_n",
    r"a_1 + \cdots + a_n",
    r"a := b",
    r"b =: a",
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


# The boxes of formula number `i`'s \boxed and \colorbox (MathML's <menclose> and <mpadded>, KaTeX's spans), in em of the
# formula's font, with the widths of their four borders in px and their background images.
BOXES_JS = """(i) => {
  const formula = document.querySelectorAll('.math')[i];
  const em = parseFloat(getComputedStyle(formula.querySelector('.katex')).fontSize);
  return [...formula.querySelectorAll('menclose, .fbox, mpadded[mathbackground], .colorbox, .fcolorbox')].map(e => {
    const r = e.getBoundingClientRect(), style = getComputedStyle(e);
    return {width: r.width / em, height: r.height / em, background: style.backgroundImage,
            borders: ['Top', 'Right', 'Bottom', 'Left'].map(side => parseFloat(style[`border${side}Width`]))};
  });
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
    """formula -> its glyphs, and "boxes of " + formula -> its boxes."""
    found = {}
    with open_formulas(browser, site) as page:
        for i, tex in enumerate(formulas):
            found[tex] = page.evaluate(GLYPHS_JS, i)
            found[f"boxes of {tex}"] = page.evaluate(BOXES_JS, i)
    return found


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


def test_a_relation_stacked_under_a_note_is_drawn_under_it(glyphs):
    """`\\stackrel{\\text{def}}{=}` and `\\overset{a}{b}` are KaTeX's <mo> or <mi> around a <mover>:
    a token element holds text in MathML Core, and Chromium drew 'x =def y' on one line."""
    for tex, base, note in ((r"x \stackrel{\text{def}}{=} y", "=", "def"), (r"\overset{a}{b}", "b", "a")):
        for output in ("mathml", "html"):
            found = {g[0]: g for g in glyphs[output][tex]}
            (_, base_left, base_right, base_top, base_bottom), (_, left, right, top, bottom) = (
                found[base],
                found[note],
            )
            assert (top + bottom) / 2 < (base_top + base_bottom) / 2 - 0.3, (output, tex, found)  # above it
            middle, base_middle = (left + right) / 2, (base_left + base_right) / 2
            assert abs(middle - base_middle) < 0.1, (output, tex, found)  # centred over it
    # ≝ is a relation: as far from x and y as KaTeX sets it.
    assert_gaps_as_in_katex_html(glyphs, {r"x \stackrel{\text{def}}{=} y": [("x", "="), ("=", "y")]})


def test_boxed_formulas_have_their_box(glyphs):
    """`\\boxed` is KaTeX's <menclose notation="box">, which MathML Core left out: Chromium drew the
    formula without its box. The box is as big as KaTeX's, formula and padding."""
    for tex in (r"\boxed{x}", r"D:\boxed{E = mc^2}"):
        (drawn,), (reference,) = glyphs["mathml"][f"boxes of {tex}"], glyphs["html"][f"boxes of {tex}"]
        assert all(width >= 1 for width in drawn["borders"]), (tex, drawn)
        assert abs(drawn["width"] - reference["width"]) < 0.15, (tex, drawn, reference)
        assert abs(drawn["height"] - reference["height"]) < 0.15, (tex, drawn, reference)


def test_cancelled_and_struck_out_letters_are_struck(glyphs):
    """`\\cancel`, `\\bcancel` and `\\sout` are <menclose> strikes, which MathML Core left out: the
    letters were drawn as if not cancelled. Each strike is a line drawn across its letter's box."""
    tex = r"\cancel{x} + \bcancel{y} + \sout{z}"
    strikes = glyphs["mathml"][f"boxes of {tex}"]
    letters = {g[0]: g for g in glyphs["mathml"][tex]}
    assert len(strikes) == 3, strikes
    for strike, letter in zip(strikes, "xyz", strict=True):
        assert "linear-gradient" in strike["background"], strike
        assert strike["width"] >= letters[letter][2] - letters[letter][1] - 0.01, (strike, letters)


def test_bars_around_a_value_sit_tight_against_it(glyphs):
    """`\\lvert x \\rvert`, `\\lVert v \\rVert` and `\\left| \\right|` are KaTeX's <mo> ∣ and ∥, which MathML
    Core's dictionary knows only as relations (divides, parallel): Chromium drew '| x |' and
    '‖ v ‖'. `\\mid` is a relation and keeps its spaces."""
    assert_gaps_as_in_katex_html(
        glyphs,
        {
            r"\lvert x\rvert + 1": [("∣", "x"), ("x", "∣")],
            r"\lVert v\rVert_2": [("∥", "v"), ("v", "∥")],
            r"p(x \mid y)": [("x", "∣"), ("∣", "y")],
            r"\left| x \right| \le 1": [("∣", "x"), ("x", "∣")],
        },
    )
    mid = glyphs["html"][r"p(x \mid y)"]
    assert gap(mid, "x", "∣") > 0.2, mid  # the reference spaces a relation


def test_a_colour_box_is_around_its_letter_with_katex_room(glyphs):
    """`\\colorbox` and `\\fcolorbox` are KaTeX's <mpadded width="+6pt" lspace="3pt">, relative sizes
    MathML Core does not accept: Chromium drew a yellow speck beside the x instead of a box around
    it. The box encloses its letter with the room KaTeX's HTML gives it (TeX's 3pt of a 10pt em)."""
    tex = r"\colorbox{yellow}{x} + \fcolorbox{red}{yellow}{y}"
    drawn, reference = glyphs["mathml"][f"boxes of {tex}"], glyphs["html"][f"boxes of {tex}"]
    assert len(drawn) == len(reference) == 2, (drawn, reference)
    for box, want in zip(drawn, reference, strict=True):
        assert abs(box["width"] - want["width"]) < 0.15, (box, want)
        assert abs(box["height"] - want["height"]) < 0.15, (box, want)


def test_an_ellipsis_sits_between_commas_and_operators_as_in_tex(glyphs):
    """`\\ldots` and `\\cdots` are KaTeX's <mo>…</mo> and <mo>⋯</mo>, spaced by MathML Core's
    dictionary as operators: `x_1, \\ldots, x_n` drew 0.43em after each comma where TeX sets a thin
    space each side of the ellipsis (an inner atom), and the `+` beside `\\cdots` its own."""
    assert_gaps_as_in_katex_html(
        glyphs,
        {
            r"x_1, \ldots, x_n": [(",", "…"), ("…", ",")],
            r"a_1 + \cdots + a_n": [("+", "⋯"), ("⋯", "+")],
        },
    )


def test_a_colon_and_an_equals_sign_are_one_relation(glyphs):
    """`a := b` is KaTeX's <mo>:</mo><mo>=</mo>; MathML Core spaced the colon as punctuation and the
    pair as two relations: Chromium drew 'a: = b'. TeX sets them together (KaTeX's HTML draws `:=`
    as one glyph run), a thick space outside."""
    for tex, pair in ((r"a := b", ":="), (r"b =: a", "=:")):
        left, right = tex[0], tex[-1]
        reference = {g[0]: g for g in glyphs["html"][tex]}
        drawn = {g[0]: g for g in glyphs["mathml"][tex]}
        first, second = drawn[pair[0]], drawn[pair[1]]
        assert abs(second[1] - first[2]) < 0.05, (tex, drawn)  # no space inside the pair
        want_before = reference[pair][1] - reference[left][2]
        want_after = reference[right][1] - reference[pair][2]
        assert abs((first[1] - drawn[left][2]) - want_before) < 0.08, (tex, drawn, reference)
        assert abs((drawn[right][1] - second[2]) - want_after) < 0.08, (tex, drawn, reference)
