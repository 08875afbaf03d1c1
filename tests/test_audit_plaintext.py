"""Formulas as plain text, where HTML cannot typeset them (`<title>`, Open Graph, Atom titles and
summaries, papers.json, stars' data-title, the table of contents): they read as the typeset formula
does, with the macros in effect where they stand: KaTeX's own (`\\R`, `\\argmax`), the site's
(`math.macros`) and the digest's definitions above them. Built by the real CLI; feeds read with
feedparser, papers.json with json, pages with an HTML parser."""

from __future__ import annotations

import json
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from conftest import run_cli, site_tree, write_site
from paperdigest.parse.mathtext import KATEX_SCOPE, readable, site_scope

SITE = """\
title: Macro site
base_url: https://example.org/
math:
  render: {mode}
  macros:
    \\E: \\mathbb{{E}}
    \\abs: \\left|#1\\right|
"""

# A title with the site's macro (\E), KaTeX's own (\R, \argmax) and the digest's (\norm, \Tr),
# a description, a section heading before the definitions and one after, and a card.
DIGEST = """\
---
title: 'Bounds on $\\E[X]$ in $\\R^n$ with $\\norm{v}$ and $\\argmax_x \\Tr(A)$'
date: 2024-01-02
description: 'Where $\\abs{x} \\lt \\norm{x}$'
---

## Before: $\\norm{x}$

$$\\newcommand{\\norm}[1]{\\left\\|#1\\right\\|} \\DeclareMathOperator{\\Tr}{Tr}$$

## After: $\\norm{x}$ and $\\Tr A$

### 1、Concentration of $\\norm{w}$ in $\\R^d$

> 《Concentration of $\\norm{w}$ in $\\R^d$》
- arXiv：https://arxiv.org/abs/2401.00001
"""

TITLE = "Bounds on 𝔼[X] in ℝ^n with ‖v‖ and arg max_x Tr(A)"
PAPER = "Concentration of ‖w‖ in ℝ^d"


class Page(HTMLParser):
    """The <title>, the Open Graph properties, the stars' data-title and the TOC's entries."""

    def __init__(self, html: str):
        super().__init__()
        self.title, self.og, self.stars, self.toc = "", {}, [], []
        self._in_title = self._in_toc_link = False
        self._toc_depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        if tag == "meta" and (attrs.get("property") or "").startswith("og:"):
            self.og[attrs["property"]] = attrs.get("content")
        if "data-title" in attrs:
            self.stars.append(attrs["data-title"])
        if tag == "nav" and "toc" in (attrs.get("class") or "").split():
            self._toc_depth = 1
        elif tag == "nav" and self._toc_depth:
            self._toc_depth += 1
        if tag == "a" and self._toc_depth:
            self._in_toc_link = True
            self.toc.append("")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "a":
            self._in_toc_link = False
        if tag == "nav" and self._toc_depth:
            self._toc_depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_toc_link:
            self.toc[-1] += data


def page(site: Path, path: str) -> Page:
    return Page((site / path / "index.html").read_text(encoding="utf-8"))


def build(root: Path) -> Path:
    proc = run_cli("build", "--source", str(root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "_site"


@pytest.fixture(scope="module", params=["build", "browser"])
def macro_site(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp(f"macros-{request.param}")
    write_site(root, {"2024-01-02-bounds.md": DIGEST}, SITE.format(mode=request.param))
    return build(root)


def test_titles_read_with_every_macro_in_effect(macro_site):
    digest = page(macro_site, "digests/2024-01-02-bounds")
    assert digest.title == f"{TITLE} · Macro site"
    assert digest.og["og:title"] == f"{TITLE} · Macro site"
    assert digest.og["og:description"] == "Where |x| < ‖x‖"
    assert page(macro_site, "papers/2401.00001").title == f"{PAPER} · Macro site"
    assert set(digest.stars) == {PAPER}


def test_the_table_of_contents_reads_each_heading_with_the_definitions_above_it(macro_site):
    """A heading above the definition keeps the meaning it had (KaTeX rejects it: it reads as
    written, as the page shows it), one below reads with the definition."""
    toc = page(macro_site, "digests/2024-01-02-bounds").toc
    assert toc[:2] == ["Before: \\norm{x}", "After: ‖x‖ and Tr A"]
    assert toc[2].endswith(PAPER)


def test_feed_and_papers_json_read_formulas_with_the_macros(macro_site):
    feed = feedparser.parse((macro_site / "feed.xml").read_bytes())
    assert [entry.title for entry in feed.entries] == [TITLE]
    assert feed.entries[0].summary == "Where |x| < ‖x‖"
    papers = json.loads((macro_site / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert [p["title"] for p in papers] == [PAPER]
    assert papers[0]["mentions"][0]["digest_title"] == TITLE


def test_macros_of_one_digest_are_not_another_digests(tmp_path):
    other = "---\ntitle: 'Also $\\norm{v}$ and $\\E[X]$'\ndate: 2024-01-03\n---\n\nText.\n"
    root = write_site(tmp_path, {"2024-01-02-bounds.md": DIGEST, "2024-01-03-other.md": other})
    (root / "site.yaml").write_text(SITE.format(mode="build"), encoding="utf-8")
    site = build(root)
    assert page(site, "digests/2024-01-03-other").title == "Also \\norm{v} and 𝔼[X] · Macro site"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    time.sleep(0.01)  # a new mtime, as an editor's save has
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_editing_a_definition_or_the_site_macros_rebuilds_as_a_clean_build(tmp_path):
    """The macros in effect are part of what a title's text is made of: after an edit of the
    digest's definition, then of site.yaml's macros, the site is byte-identical to a clean build."""
    root = write_site(tmp_path / "site", {"2024-01-02-bounds.md": DIGEST}, SITE.format(mode="build"))
    build(root)
    edit(root / "digests" / "2024-01-02-bounds.md", "\\left\\|#1\\right\\|", "\\lVert #1 \\rVert_2")
    site = build(root)
    assert page(site, "papers/2401.00001").title.startswith("Concentration of ‖w ‖_2 in ℝ^d")
    edit(root / "site.yaml", "\\mathbb{E}", "\\operatorname{Exp}")
    site = build(root)
    assert page(site, "digests/2024-01-02-bounds").title.startswith("Bounds on Exp[X] in ℝ^n")
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_site", ".paperdigest-cache"))
    assert site_tree(site) == site_tree(build(clean))


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("\\unknown{x}", "\\unknown{x}"),  # nobody defines it: as written, as the page shows it
        ("\\E[X]", "\\E[X]"),
        ("\\det(A) + \\gcd(a, b)", "det(A) + gcd(a, b)"),  # KaTeX's operators pylatexenc lacks
        ("k \\lt n, a\\ne b", "k < n, a ≠ b"),
        ("\\texttt{abc} \\|x\\|", "abc ‖x‖"),
        ("\\operatorname*{arg\\,min}_\\theta", "arg min_θ"),
        ("\\color{red} x \\tag{1}", "x"),  # what only sets the look reads as nothing
        ("\\left. \\frac{a}{b} \\right|_0", "a/b |_0"),  # `\left.` is no full stop
        ("\\N, \\Z, \\Complex", "ℕ, ℤ, ℂ"),
    ],
)
def test_katex_commands_read_as_katex_typesets_them(tex, text):
    assert readable(tex) == text


@pytest.mark.parametrize(
    "tex, text",
    [
        # pylatexenc dropped the space after every control word: 'O(nlogn)', 'a ≠b', 'x ∈ℝ^n'.
        ("\\mathcal{O}(n\\log n)", "𝒪(n log n)"),
        ("a \\neq b, x\\in\\R^n", "a ≠ b, x ∈ ℝ^n"),
        ("\\log\\log n + \\sin\\theta", "log log n + sin θ"),
        ("f: X \\to Y, 2\\times 2", "f: X → Y, 2 × 2"),
        # TeX sets sub- and superscripts tight, and ignores the spaces written between letters.
        ("\\lim_{n\\to\\infty} a_n", "lim_n→∞ a_n"),
        ("\\sum_{i \\in S} x_i \\le 1", "∑_i∈S x_i ≤ 1"),
        ("\\alpha \\beta, \\langle a, b\\rangle", "αβ, ⟨a, b⟩"),
        # A named operator is set apart from a braced argument as from a letter ('expx' before).
        ("\\exp{x} + \\sin{\\theta} + \\det{A}", "exp x + sin θ + det A"),
        ("x\\det A, \\gcd(a, b)", "x det A, gcd(a, b)"),
        ("\\operatorname{softmax}{z}, a\\operatorname*{arg\\,max}_{x} f", "softmax z, a arg max_x f"),
        ("\\mathop{x} y", "x y"),
    ],
)
def test_formulas_read_with_the_spaces_tex_sets(tex, text):
    assert readable(tex) == text


def test_definitions_in_a_formula_take_arguments_as_tex_does():
    scope = KATEX_SCOPE.after(
        "\\newcommand{\\opt}[2][x]{#1+#2} \\def\\ip#1#2{\\langle #1, #2\\rangle} \\let\\eps\\varepsilon"
        " \\DeclareMathOperator*{\\amax}{arg\\,max} \\newcommand\\bv{\\mathbf{v}}"
    )
    assert readable("\\opt{y} \\opt[z]{y}", scope) == "x+y z+y"
    assert readable("\\ip{a}{\\bv}, \\eps, \\amax_i", scope) == "⟨a, 𝐯⟩, ε, arg max_i"
    assert readable("\\bv\\bv x", scope) == "𝐯𝐯 x"
    assert readable("y\\amax{f}", scope) == "y arg max f"  # an operator it declares is spaced as \\det
    same = KATEX_SCOPE.after("\\newcommand{\\id}[1]{#1}")
    assert readable("\\id{\\alpha}x", same) == "αx"  # \alpha then x, not an undefined \alphax
    assert readable("\\renewcommand{\\R}{\\mathcal{R}} \\R") == "ℛ"  # redefines KaTeX's own


def test_the_site_macros_come_under_the_digests():
    site = site_scope((("\\E", "\\mathbb{E}"), ("\\R", "\\mathcal{R}")))
    assert readable("\\E \\R \\N", site) == "𝔼 ℛ ℕ"
    assert readable("\\E", site.after("\\gdef\\E{\\mathsf{E}}")) == "𝖤"


@pytest.mark.parametrize(
    "definitions",
    [
        "\\def\\a{\\a}",  # calls itself
        "\\def\\a{x\\a}",  # grows without end
        "".join(
            f"\\def\\{c}{{\\{n}\\{n}}}"
            for c, n in zip("abcdefghijklmnopqrstuvwxy", "bcdefghijklmnopqrstuvwxyz", strict=True)
        ),
    ],
)
def test_a_macro_that_expands_without_end_reads_as_written_and_fast(definitions):
    """KaTeX refuses such a formula (too many expansions) and the page shows its source."""
    started = time.perf_counter()
    assert readable("f(\\a)", KATEX_SCOPE.after(definitions)) == "f(\\a)"
    assert time.perf_counter() - started < 2
