"""Math as researchers' notes write it, built by the real CLI: tables of complexities, and what the
default MathML output must draw as KaTeX's HTML does (line breaks, tags, fences, matrices)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from html import unescape
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from http_util import serve_static


def build(tmp_path: Path, body: str, config: str | None = None) -> tuple[str, str]:
    """(the digest page's HTML, the build's output) of one digest dated 2024-03-01."""
    digest = f"---\ntitle: 公式\ndate: 2024-03-01\n---\n\n{body}"
    site = write_site(tmp_path, {"2024-03-01-math.md": digest}, *([config] if config else []))
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (site / "_site" / "digests" / "2024-03-01-math" / "index.html").read_text(encoding="utf-8")
    return page, proc.stdout + proc.stderr


def annotations(html: str) -> list[str]:
    """The TeX of every typeset formula, in order (KaTeX keeps it in the MathML annotation)."""
    found = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', html, re.DOTALL)
    return [unescape(tex) for tex in found]


def test_pipes_inside_math_in_a_table_stay_in_the_formula(tmp_path):
    """`$O(|V|+|E|)$` in a results table is one formula in one cell: the row was cut at each `|`,
    the formula reported unclosed and the cells past the header's count silently dropped."""
    page, output = build(
        tmp_path,
        """\
        | 方法 | 复杂度 | 备注 |
        | --- | --- | --- |
        | GCN | $O(|V|+|E|)$ | 稀疏 |
        | 注意力 | $$O(|V|^2)$$ | $\\|W\\|_2$ 约束 |
        """.replace("        ", ""),
    )
    assert "unclosed" not in output, output
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
    assert [len(re.findall(r"<t[dh]\b", row)) for row in rows] == [3, 3, 3]
    assert annotations(page) == ["O(|V|+|E|)", "O(|V|^2)", "\\|W\\|_2"]
    assert "稀疏" in rows[1] and "约束" in rows[2]


# Display formulas the MathML tests below look at, each found on the page by its TeX.
FENCES = r"\left| \frac{a}{b} \right| = \left( \frac{a}{b} \right) \le \left\| \frac{a}{b} \right\|"
DETERMINANT = r"\det A = \begin{vmatrix} a & b \\ c & d \end{vmatrix}"
TAGGED = r"E = mc^2 \tag{1.1}"
MATRIX = r"A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"
TWO_LINES = (
    r"\text{MultiHead}(Q,K,V) = \text{Concat}(\text{head}_1,\dots,\text{head}_h)W^O \\"
    "\n"
    r"\text{where}\ \text{head}_i = \text{Attention}(QW_i^Q, KW_i^K, VW_i^V)"
)
FORMULAS = (FENCES, DETERMINANT, TAGGED, MATRIX, TWO_LINES)
MATHML_DIGEST = "\n\n".join(f"$$\n{tex}\n$$" for tex in FORMULAS) + "\n"


@pytest.fixture(scope="module")
def mathml_page(tmp_path_factory) -> Path:
    """The digest of MATHML_DIGEST built with the default math.output (MathML drawn by the browser)."""
    site = tmp_path_factory.mktemp("mathml")
    build(site, MATHML_DIGEST)
    return site


@contextmanager
def open_formulas(browser, site: Path):
    """The built digest page in Chromium, fonts loaded, JavaScript off (build-time math needs none)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 800, "height": 900})
    try:
        with serve_static(site / "_site") as base:
            page = context.new_page()
            page.goto(f"{base}digests/2024-03-01-math/")
            page.evaluate("document.fonts.ready.then(() => true)")
            yield page
    finally:
        context.close()


# The operators of the display formula whose TeX is `tex`: their text and height.
OPERATORS_JS = """(tex) => {
  const math = [...document.querySelectorAll('.math.display math')]
    .find(m => m.querySelector('annotation').textContent.trim() === tex);
  return [...math.querySelectorAll('mo')].map(o => [o.textContent, o.getBoundingClientRect().height]);
}"""


@pytest.mark.browser
def test_bars_and_norms_stretch_around_a_fraction_as_parentheses_do(browser, mathml_page):
    """MathML Core's operator dictionary stretches `(` but not KaTeX's `∣` and `∥`: `\\left|`,
    norms and determinants drew bars the height of a letter beside a fraction."""
    with open_formulas(browser, mathml_page) as page:
        operators = page.evaluate(OPERATORS_JS, FENCES)
        paren = max(height for text, height in operators if text == "(")
        letter = min(height for text, height in operators if text == "=")
        assert paren > 1.5 * letter, operators  # the font stretches delimiters at all
        bars = [height for text, height in operators if text in "∣∥"]
        assert len(bars) == 4 and min(bars) >= 0.9 * paren, operators
        determinant = page.evaluate(OPERATORS_JS, DETERMINANT)
        bars = [height for text, height in determinant if text == "∣"]
        assert len(bars) == 2 and min(bars) > 1.5 * letter, determinant


# The display box of the formula whose TeX is `tex`, and the boxes of its table's cells.
CELLS_JS = """(tex) => {
  const math = [...document.querySelectorAll('.math.display math')]
    .find(m => m.querySelector('annotation').textContent.trim() === tex);
  const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right}; };
  return {display: box(math.closest('.math')), cells: [...math.querySelectorAll('mtd')].map(box)};
}"""


@pytest.mark.browser
def test_a_tag_is_at_the_right_margin_as_in_katex_html(browser, mathml_page):
    """`\\tag{1.1}` is KaTeX's line-wide table whose width MathML Core ignored: the number sat
    beside the formula in the middle of the line instead of at the right margin."""
    with open_formulas(browser, mathml_page) as page:
        found = page.evaluate(CELLS_JS, TAGGED)
        display, (formula, tag) = found["display"], found["cells"][1::2]
        assert abs(tag["right"] - display["right"]) <= 2, found
        middle = (display["left"] + display["right"]) / 2
        assert formula["left"] < middle < formula["right"], found  # the formula stays centred


# The boxes of the parentheses and the numbers of the formula whose TeX is `tex`.
MATRIX_JS = """(tex) => {
  const math = [...document.querySelectorAll('.math.display math')]
    .find(m => m.querySelector('annotation').textContent.trim() === tex);
  const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right}; };
  return {parens: [...math.querySelectorAll('mo[fence]')].map(box),
          numbers: [...math.querySelectorAll('mn')].map(box)};
}"""


@pytest.mark.browser
def test_a_matrix_sits_as_tight_in_its_closing_parenthesis_as_in_its_opening_one(browser, mathml_page):
    """KaTeX's columnspacing is the space between two columns; drawn as half of it on each side of
    every cell, the last column carried half of it before the closing parenthesis: `(1  2 )`."""
    with open_formulas(browser, mathml_page) as page:
        found = page.evaluate(MATRIX_JS, MATRIX)
        (opening, closing), (one, two, _three, four) = found["parens"], found["numbers"]
        before, after = one["left"] - opening["right"], closing["left"] - max(two["right"], four["right"])
        assert abs(before - after) <= 1, found
        assert two["left"] - one["right"] > before + 5, found  # the columns keep their space


# The boxes of the display formula whose TeX is `tex`, of its box and of the texts it holds.
LINES_JS = """(tex) => {
  const math = [...document.querySelectorAll('.math.display math')]
    .find(m => m.querySelector('annotation').textContent.trim() === tex);
  const display = math.closest('.math');
  const texts = {};
  math.querySelectorAll('mtext').forEach(t => { texts[t.textContent.trim()] = t.getBoundingClientRect().toJSON(); });
  return {scrolls: display.scrollWidth > display.clientWidth, texts};
}"""


@pytest.mark.browser
def test_a_line_break_in_display_math_starts_a_new_line(browser, mathml_page):
    """`\\\\` between the lines of a `$$` block (no environment), as notes write multi-line
    formulas: KaTeX's MathML says it with <mspace linebreak>, which MathML Core ignores, so both
    lines were drawn as one, running past the side of the page."""
    with open_formulas(browser, mathml_page) as page:
        found = page.evaluate(LINES_JS, TWO_LINES)
        first, second = found["texts"]["MultiHead"], found["texts"]["where"]
        assert second["top"] >= first["bottom"], found
        assert not found["scrolls"], found


def test_a_description_with_formulas_is_readable_text_in_meta_tags_and_feeds(tmp_path):
    """The front matter's description goes into <meta name="description">, og:description and the
    feed's summary, where nothing typesets it: its TeX was shown as written."""
    site = write_site(
        tmp_path,
        {
            "2024-03-01-math.md": "---\ntitle: 线性注意力\ndate: 2024-03-01\n"
            "description: '$O(n)$ 注意力与 $\\alpha$-散度'\n---\n\n正文\n",
            "2024-03-02-price.md": "---\ntitle: 价格\ndate: 2024-03-02\n"
            "description: 'API 价格 $5 and $10，路径 C:\\_data'\n---\n\n正文\n",
        },
    )
    run_cli("build", "--source", str(site), check=True)
    out = site / "_site"
    page = (out / "digests" / "2024-03-01-math" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="O(n) 注意力与 α-散度">' in page
    assert '<meta property="og:description" content="O(n) 注意力与 α-散度">' in page
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<summary>O(n) 注意力与 α-散度</summary>" in feed
    assert "<summary>API 价格 $5 and $10，路径 C:\\_data</summary>" in feed  # no formula: as written


def test_a_formula_in_an_image_description_is_in_its_alt_text(tmp_path):
    """markdown-it makes alt text of an image's text tokens only: `![$\\alpha$ 的影响](...)` had
    the alt text " 的影响", the formula left out for screen readers and broken images."""
    page, _ = build(tmp_path, "![学习率 $\\alpha$ 对 $$L_2$$ 损失的影响](/images/lr.png)\n")
    assert 'alt="学习率 α 对 L_2 损失的影响"' in page


# A named operator and the atoms beside it: TeX sets a thin space between them, none before `(`.
OPERATOR_FORMULAS = (r"\log n", r"x\log n", r"\sin\theta", r"\log(x)", r"\operatorname{tr} A", r"\log_2 n")

# The gaps (in em of the formula's font) between the named operator of the inline formula number
# `i` and the atoms before and after it: MathML's <mi>log</mi> (a base of <msub> with a limit) or
# KaTeX's HTML `.mop`, beside the other atoms of the formula's top row.
GAPS_JS = """(i) => {
  const formula = document.querySelectorAll('.math.inline')[i];
  const html = formula.querySelector('.katex-html');
  const row = html ? html.querySelector('.base') : formula.querySelector('math > semantics > mrow');
  const parts = [...row.children].filter(e => !e.matches('.mspace, mspace, .strut')
                                              && !(e.localName === 'mo' && e.textContent === '\u2061'));
  const word = e => /^[a-z]{2,}$/.test((e.querySelector('mi') || e).textContent.replace('\u2061', ''));
  const name = parts.findIndex(e => html ? e.matches('.mop') : word(e) || word(e.firstElementChild || e));
  const em = parseFloat(getComputedStyle(row).fontSize);
  const gap = (a, b) => a && b ? (b.getBoundingClientRect().left - a.getBoundingClientRect().right) / em : null;
  return {before: gap(parts[name - 1], parts[name]), after: gap(parts[name], parts[name + 1])};
}"""


@pytest.mark.browser
def test_named_operators_are_spaced_as_katex_html_spaces_them(browser, tmp_path):
    """KaTeX's MathML leaves TeX's thin space beside `\\log`, `\\sin` and `\\operatorname` to the
    browser, and MathML Core sets none: the default output drew `\\log n` as 'logn' and `x\\log n`
    as 'xlogn'. KaTeX's HTML, which sets TeX's spaces itself, is the reference."""
    body = "\n\n".join(f"F{i}: ${tex}$" for i, tex in enumerate(OPERATOR_FORMULAS)) + "\n"
    gaps = {}
    for output in ("mathml", "html"):
        site = tmp_path / output
        build(site, body, f"title: T\nsearch: false\nmath:\n  output: {output}\n")
        with open_formulas(browser, site) as page:
            gaps[output] = {tex: page.evaluate(GAPS_JS, i) for i, tex in enumerate(OPERATOR_FORMULAS)}
    reference, drawn = gaps["html"], gaps["mathml"]
    assert reference[r"\log n"]["after"] > 0.12 and abs(reference[r"\log(x)"]["after"]) < 0.05, reference
    for tex in OPERATOR_FORMULAS:
        for side in ("before", "after"):
            if reference[tex][side] is not None:
                assert abs(drawn[tex][side] - reference[tex][side]) < 0.08, (tex, side, drawn, reference)
