"""TeX macros a digest defines in its own formulas, as notes written for MathJax do: `$$\\newcommand
{\\R}{\\mathbb{R}}$$` at the top, then `$x \\in \\R$` below. Built by the real CLI and looked at in
Chromium. The oracle is KaTeX itself: a formula written with a digest's macros must be typeset as
the same formula written out without them (the `EXPANDED` digest)."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import run_cli, site_tree, write_site
from http_util import serve_static

# Definitions as notes meet them: \newcommand of a name KaTeX already knows (\R) and with an argument,
# \def, \gdef, \DeclareMathOperator (starred or not, \argmax also known to KaTeX), inline `$$..$$`
# a MathJax habit, the definitions in a hidden block of raw HTML, and one in a paragraph of its own.
DEFINED = """\
---
title: Notes with macros
date: 2024-03-01
---

$$\\newcommand{\\R}{\\mathbb{R}} \\newcommand{\\norm}[1]{\\left\\|#1\\right\\|}$$

Let $x \\in \\R^n$ and $\\norm{v} \\le 1$.

$$
\\def\\E{\\mathbb{E}}
\\gdef\\Var{\\operatorname{Var}}
$$

Then $\\E[x]$ and $\\Var(x)$. $$\\DeclareMathOperator*{\\argmax}{arg\\,max} \\DeclareMathOperator{\\Tr}{Tr}$$

$$
\\argmax_x \\Tr(A)
$$

<div style="display:none">
$$\\newcommand{\\bx}{\\mathbf{x}}$$
</div>

$\\gdef\\bA{\\mathbf{A}}$

Vector $\\bx$ and matrix $\\bA$.
"""

# The same formulas, in the same places, with each macro written out.
EXPANDED = """\
---
title: Notes without macros
date: 2024-03-02
---

Let $x \\in \\mathbb{R}^n$ and $\\left\\|v\\right\\| \\le 1$.

Then $\\mathbb{E}[x]$ and $\\operatorname{Var}(x)$.

$$
\\operatorname*{arg\\,max}_x \\operatorname{Tr}(A)
$$

Vector $\\mathbf{x}$ and matrix $\\mathbf{A}$.
"""

# A digest written after the one above, using its macros without defining them.
OTHER = """\
---
title: Other notes
date: 2024-03-03
---

Here $\\norm{v}$ is not defined.
"""

SITE = "title: Macros\nbase_url: https://example.org/\nsearch: false\n"
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">.*?</annotation>', re.DOTALL)
WRAPPER = re.compile(r'<(span|div) class="math (?:inline|display)"[^>]*>')
TAG = re.compile(r"<(/?)(span|div)\b[^>]*>")


def make_site(root: Path, config: str = SITE, **digests: str) -> Path:
    digests = digests or {"defined": DEFINED, "expanded": EXPANDED, "other": OTHER}
    dates = {"defined": "2024-03-01", "expanded": "2024-03-02", "other": "2024-03-03"}
    return write_site(root, {f"{dates.get(n, '2024-03-04')}-{n}.md": t for n, t in digests.items()}, config)


def page(site: Path, name: str) -> str:
    slug = next(p.name for p in (site / "_site" / "digests").iterdir() if p.name.endswith(f"-{name}"))
    return (site / "_site" / "digests" / slug / "index.html").read_text(encoding="utf-8")


def body(html: str) -> str:
    return html.split('<div class="digest-body">', 1)[1].split('<nav class="prev-next"', 1)[0]


def typeset(html: str) -> list[str]:
    """Each formula of a digest's body as the reader gets it: its element, less the TeX annotation
    (which says how it was written)."""
    shown, found = body(html), []
    for start in WRAPPER.finditer(shown):
        depth, end = 0, start.start()
        for tag in TAG.finditer(shown, start.start()):  # to the tag that closes the wrapper
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = tag.end()
                break
        found.append(ANNOTATION.sub("", shown[start.start() : end]))
    return found


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "KaTeX" in line]


@pytest.mark.parametrize("output", ["mathml", "htmlAndMathml", "html"])
def test_macros_a_digest_defines_apply_to_its_later_formulas(tmp_path, output):
    """Every formula using a macro defined above it was a KaTeX error (its red source): each was
    typeset with a fresh copy of the site's macros, `\\newcommand{\\R}` itself was refused (KaTeX
    knows \\R) and \\DeclareMathOperator is not KaTeX's."""
    site = make_site(tmp_path, SITE + f"math:\n  output: {output}\n")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stderr
    defined, expanded = page(site, "defined"), page(site, "expanded")
    assert "math-error" not in body(defined)
    assert typeset(defined) == typeset(expanded)
    assert len(typeset(expanded)) == 7
    # Not in another digest: there \norm is the error it is in LaTeX.
    assert warnings(proc.stderr) == [
        "digests/2024-03-03-other.md:6: warning: KaTeX: Undefined control sequence: \\norm at position 1: "
        "\\̲n̲o̲r̲m̲{v}"
    ]
    assert "math-error" in body(page(site, "other"))


def test_a_definition_block_leaves_no_empty_box(tmp_path):
    """`$$\\newcommand{\\R}{\\mathbb{R}}$$` draws nothing: it was an empty display box (a blank gap of
    KaTeX's display margins) at the top of the digest; `$\\gdef..$` on a line of its own, a line
    (Chromium shows that nothing is left: see the body's height below)."""
    site = make_site(tmp_path)
    run_cli("build", "--source", str(site), check=True)
    shown = body(page(site, "defined"))
    assert shown.count('class="math ') == 7  # the seven formulas that draw something
    assert "\\newcommand" not in shown and "\\gdef" not in shown
    assert shown.lstrip().startswith("<p>Let ")


def test_definitions_apply_below_them_and_a_digest_may_redefine_the_sites_macros(tmp_path):
    """Document order, as MathJax reads a page: a formula above a definition keeps the meaning it had.
    A site macro is the digest's to redefine (with \\renewcommand, or \\newcommand as MathJax
    allows), in that digest only."""
    config = SITE + "math:\n  macros:\n    \\R: \\mathbf{R}\n"
    redefined = "---\ntitle: R\n---\n\n$\\R$\n\n$$\\renewcommand{\\R}{\\mathbb{R}}$$\n\n$\\R$\n\n$$\\newcommand{\\R}{\\mathcal{R}}$$\n\n$\\R$\n"
    written = "---\ntitle: W\n---\n\n$\\mathbf{R}$\n\n$\\mathbb{R}$\n\n$\\mathcal{R}$\n"
    site_only = "---\ntitle: S\n---\n\n$\\R$\n"
    site = make_site(tmp_path, config, redefined=redefined, written=written, site=site_only)
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0 and not warnings(proc.stderr), proc.stderr
    assert typeset(page(site, "redefined")) == typeset(page(site, "written"))
    assert typeset(page(site, "site")) == typeset(page(site, "written"))[:1]


def test_the_math_cache_never_serves_a_formula_typeset_with_other_macros(tmp_path):
    """Formulas are cached by TeX and options: the same `$\\R$` after two different definitions,
    in two digests, is two formulas, in the first build and in the next from the cache."""
    one = "---\ntitle: One\n---\n\n$$\\newcommand{\\R}{\\mathbb{R}}$$\n\n$\\R$\n"
    two = "---\ntitle: Two\n---\n\n$$\\newcommand{\\R}{\\mathbf{R}}$$\n\n$\\R$\n"
    written = "---\ntitle: W\n---\n\n$\\mathbb{R}$\n\n$\\mathbf{R}$\n"
    site = make_site(tmp_path, one=one, two=two, written=written)
    for _ in range(2):
        run_cli("build", "--source", str(site), check=True)
        shutil.rmtree(site / "_site")  # the next build typesets from .paperdigest-cache/math only
        run_cli("build", "--source", str(site), check=True)
        expected = typeset(page(site, "written"))
        assert typeset(page(site, "one")) + typeset(page(site, "two")) == expected


def test_editing_a_definition_typesets_the_formulas_below_it_again(tmp_path):
    """An incremental build after the definition changed is the clean build of the new text: the
    formulas below it (unchanged themselves) are typeset with the new definition."""
    site = make_site(tmp_path / "site")
    run_cli("build", "--source", str(site), check=True)
    for name, old, new in (
        ("2024-03-01-defined.md", "\\newcommand{\\R}{\\mathbb{R}}", "\\newcommand{\\R}{\\mathbf{R}}"),
        ("2024-03-02-expanded.md", "\\mathbb{R}^n", "\\mathbf{R}^n"),
    ):
        source = site / "digests" / name
        source.write_text(source.read_text().replace(old, new, 1))
    run_cli("build", "--source", str(site), check=True)
    assert typeset(page(site, "defined")) == typeset(page(site, "expanded"))
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site"))
    run_cli("build", "--source", str(clean), check=True)
    assert site_tree(site / "_site") == site_tree(clean / "_site")


def test_the_front_matter_title_is_typeset_with_the_digests_macros(tmp_path):
    """A title is typeset with what the digest defines, wherever it is shown (its page, lists)."""
    titled = '---\ntitle: "Vectors in $\\\\R^n$"\n---\n\n$$\\newcommand{\\R}{\\mathbf{R}}$$\n\n$\\R^n$\n'
    site = make_site(tmp_path, titled=titled)
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0 and not warnings(proc.stderr), proc.stderr
    html = page(site, "titled")
    heading = html.split('<header class="digest-header">', 1)[1].split("</h1>", 1)[0]
    assert typeset('<div class="digest-body">' + heading) == typeset(html)


# --- in Chromium -------------------------------------------------------------------------------

# Each formula of the digest's body as drawn: KaTeX's HTML layer (browser mode, or htmlAndMathml),
# else the MathML without its TeX annotation; and its size on the page.
DRAWN_JS = """() => [...document.querySelectorAll('.digest-body .math')].map(e => {
  const copy = e.cloneNode(true);
  copy.querySelectorAll('annotation').forEach(a => a.remove());
  const box = e.getBoundingClientRect();
  return {error: e.classList.contains('math-error'), html: copy.innerHTML, width: box.width, height: box.height};
})"""
BODY_HEIGHT_JS = "() => document.querySelector('.digest-body').getBoundingClientRect().height"


@contextmanager
def opened(browser, site: Path, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 800, "height": 900})
    try:
        with serve_static(site / "_site") as base:

            def drawn(name: str) -> list[dict]:
                page = context.new_page()
                slug = next(p.name for p in (site / "_site/digests").iterdir() if p.name.endswith(f"-{name}"))
                page.goto(f"{base}digests/{slug}/")
                if javascript:
                    page.wait_for_function(
                        "document.querySelectorAll('.math:not([data-typeset])').length === 0"
                    )
                page.evaluate("document.fonts.ready.then(() => true)")
                return page.evaluate(DRAWN_JS), page.evaluate(BODY_HEIGHT_JS)

            yield drawn
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("render", ["build", "browser"])
def test_formulas_with_a_digests_macros_look_as_written_out_in_chromium(browser, tmp_path, render):
    """In both math.render modes: no formula with a digest's macro is an error, each is drawn as the
    same formula written out (browser mode typeset each formula with a fresh copy of the site's
    macros), no definition leaves an empty box or paragraph (the body is as tall as the one written
    out), and another digest does not get the macros."""
    site = make_site(tmp_path, SITE + f"math:\n  render: {render}\n")
    run_cli("build", "--source", str(site), check=True)
    with opened(browser, site, javascript=render == "browser") as drawn:
        (defined, defined_height), (expanded, expanded_height) = drawn("defined"), drawn("expanded")
        other, _ = drawn("other")
    assert [f["error"] for f in defined] == [False] * 7
    assert [f["html"] for f in defined] == [f["html"] for f in expanded]
    sizes = [(round(f["width"]), round(f["height"])) for f in defined]
    assert sizes == [(round(f["width"]), round(f["height"])) for f in expanded]
    assert all(width > 0 and height > 0 for width, height in sizes)
    assert round(defined_height) == round(expanded_height)
    assert [f["error"] for f in other] == [True]
