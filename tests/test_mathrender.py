"""Build-time math: KaTeX HTML in the pages, cache, located KaTeX errors, macros, modes and fallback."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import KATEX_LOCAL, REPO, run_cli, write_site
from paperdigest import mathrender
from paperdigest.build import build_site
from paperdigest.config import KATEX_INTEGRITY, KATEX_VERSION
from paperdigest.katex_engine import BUNDLED_KATEX, read_script

FIXTURES = Path(__file__).parent / "fixtures" / "math"
MACROS = """\
title: Math site
math:
  macros:
    "\\\\R": "\\\\mathbb{R}"
"""
# The TeX of every formula in forms.md, as its author wrote it (kramdown semantics, DESIGN.md section 5).
FORMS_TEX = [
    "a_1 + b_2 < c",
    "x^2 * y^2",
    "\\alpha_{i}",
    "\\R^n",
    "\\begin{align}\nf(x) &= x^2 \\\\\n\ng(x) &= \\frac{1}{x}\n\\end{align}",
    "\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}",
    "a_b * c_d * e",
    "x_1 \\cdot y_1 \\\\ z_1",
]


def fixture_site(root: Path, names: list[str], config: str = MACROS) -> Path:
    return write_site(root, {name: (FIXTURES / name).read_text(encoding="utf-8") for name in names}, config)


def page(out: Path, slug: str) -> str:
    return (out / "digests" / slug / "index.html").read_text(encoding="utf-8")


def annotations(text: str) -> list[str]:
    """The TeX source KaTeX records in the MathML of each formula it typeset."""
    found = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', text, re.S)
    return [html.unescape(t) for t in found]


def test_build_mode_writes_mathml_and_no_katex_script(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"])
    run_cli("build", "--source", str(site), check=True)
    text = page(site / "_site", "forms")
    assert annotations(text) == FORMS_TEX  # every form typeset, Markdown touched none of them
    assert text.count('class="katex"') == len(FORMS_TEX) and "katex-html" not in text  # math.output: mathml
    assert "math-error" not in text
    assert "katex.min.js" not in text and "<script defer src=" in text  # site.js only
    assert '<link rel="stylesheet" href="/assets/katex/katex.min.css">' in text  # the site's own copy
    # The site macro \R = \mathbb{R} as the character browsers draw, not an attribute they ignore.
    assert "<mi>ℝ</mi>" in text and "mathvariant" not in text


def test_math_output_html_and_mathml_typesets_again_with_katex_html(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"])
    build_site(site)
    (site / "site.yaml").write_text(MACROS + "  output: htmlAndMathml\n", encoding="utf-8")
    result = build_site(site)
    assert result.math.rendered == len(FORMS_TEX)  # another output: no formula reused from the cache
    text = page(site / "_site", "forms")
    assert text.count('class="katex-html"') == len(FORMS_TEX)
    assert 'mathvariant="double-struck">R</mi>' in text  # KaTeX's MathML, for screen readers
    assert annotations(text) == FORMS_TEX


def test_math_output_html_writes_no_mathml(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"], MACROS + "  output: html\n")
    run_cli("build", "--source", str(site), check=True)
    text = page(site / "_site", "forms")
    assert text.count('class="katex-html"') == len(FORMS_TEX) and "<math" not in text


def test_bad_math_output_is_a_config_error(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"], "math:\n  output: svg\n")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 2
    assert "math.output must be one of 'mathml', 'htmlAndMathml', 'html', got 'svg'" in proc.stderr


def test_cache_typesets_each_formula_once_across_digests_and_builds(tmp_path, monkeypatch):
    twice = "---\ntitle: Again\ndate: 2024-01-05\n---\n\nSame formula: $a_1 + b_2 < c$ and $$E = mc^2$$.\n"
    site = fixture_site(tmp_path, ["forms.md"])
    (site / "digests" / "again.md").write_text(twice, encoding="utf-8")
    first = build_site(site)
    assert first.math.mode == "build"
    assert (first.math.formulas, first.math.unique) == (10, 9)  # a_1 + b_2 < c shared by two digests
    assert (first.math.rendered, first.math.cache_hits) == (9, 0)
    assert (site / ".paperdigest-cache" / "math").is_dir()
    typeset = page(site / "_site", "forms")

    second = build_site(site)  # unchanged digests come from the parse cache, math already typeset
    assert (second.math.formulas, second.math.rendered) == (0, 0)
    assert page(site / "_site", "forms") == typeset

    (site / "digests" / "again.md").write_text(twice + "\nOne more line.\n", encoding="utf-8")
    started = tmp_path / "engine-started"  # a file, not a list: parse workers are other processes
    real_engine_for = mathrender.engine_for

    def engine_for(script):
        started.touch()
        return real_engine_for(script)

    monkeypatch.setattr(mathrender, "engine_for", engine_for)
    third = build_site(site)  # the edited digest is parsed again; its formulas come from the math cache
    assert not started.exists()  # and KaTeX's V8 is not even started for them
    assert (third.math.formulas, third.math.rendered, third.math.cache_hits, third.math.hit_rate) == (
        2,
        0,
        2,
        1.0,
    )
    assert annotations(page(site / "_site", "again")) == ["a_1 + b_2 < c", "E = mc^2"]


def test_cache_key_includes_macros(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"])
    build_site(site)
    (site / "site.yaml").write_text(MACROS.replace("mathbb", "mathcal"), encoding="utf-8")
    result = build_site(site)
    assert result.math.rendered == len(FORMS_TEX)  # other macros: nothing reused
    assert "<mi>ℛ</mi>" in page(site / "_site", "forms")  # \mathcal{R}


def test_broken_formula_shows_source_and_located_warning(tmp_path):
    site = fixture_site(tmp_path, ["broken.md"])
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if "KaTeX" in line]
    assert len(warnings) == 2
    assert warnings[0].startswith("digests/broken.md:9: warning: KaTeX: ") and "\\frac{1}{" in warnings[0]
    assert warnings[1].startswith("digests/broken.md:11: warning: KaTeX: ") and "\\right" in warnings[1]
    text = page(site / "_site", "broken")
    assert '<code class="math-source">\\frac{1}{</code>' in text
    assert '<code class="math-source">\\left( x</code>' in text
    assert text.count('role="img" aria-label="Formula error (KaTeX): ') == 2
    assert annotations(text) == ["a + b", "c^2"]  # the rest of the page is typeset
    assert run_cli("build", "--source", str(site), "--strict").returncode == 1


def test_check_reports_a_formula_katex_rejects_at_the_level_the_build_does(tmp_path):
    """One level for every problem: a formula KaTeX rejects shows its source and the page builds,
    so it is a warning in `build` and in `check` alike (both fail on it under --strict)."""
    site = fixture_site(tmp_path, ["broken.md", "forms.md"])
    built = [str(p) for p in build_site(site).problems if p.message.startswith("KaTeX: ")]
    proc = run_cli("check", "--source", str(site))
    checked = [line for line in proc.stdout.splitlines() if ": KaTeX: " in line]
    assert checked == built
    assert [line.split(": warning")[0] for line in checked] == ["digests/broken.md:9", "digests/broken.md:11"]
    assert run_cli("check", "--source", str(site), "--strict").returncode == 1


def test_latex_environments_without_dollars_are_typeset_with_their_environment(tmp_path):
    """MathJax notes write `\\begin{equation}` .. `\\end{equation}` on lines of their own, no `$$`."""
    site = fixture_site(tmp_path, ["environments.md"])
    proc = run_cli("build", "--source", str(site))
    text = page(site / "_site", "environments")
    assert annotations(text) == [
        "\\begin{equation}\nE = m_0 c^2\n\\end{equation}",
        "\\begin{align*}\nf(x) &= x^2 \\\\\n\ng(x) &= \\frac{1}{x}\n\\end{align*}",
        "\\begin{align}\na &= b\n\\end{align}",  # flalign: KaTeX has none, align is the same but for width
    ]
    assert text.count('class="math display" data-typeset=""') == 3
    assert '<code class="math-source">\\begin{eqnarray}' in text  # no KaTeX equivalent: marked, as written
    warnings = sorted(line for line in proc.stderr.splitlines() if line.startswith("digests/"))
    assert warnings[0].startswith("digests/environments.md:21: warning: KaTeX: No such environment: eqnarray")
    assert warnings[1:] == [
        "digests/environments.md:25: warning: unclosed \\begin{equation}: the formula is shown as text"
    ]
    assert "\\begin{equation}\nnever closed" in text


HTML_TEX = ["\\uparrow", "\\alpha=0.1", "\\sum_{k=1}^{n} k", "a < b", "c_1"]


@pytest.mark.parametrize("sanitize", [False, True])
def test_math_in_the_text_of_raw_html_is_typeset(tmp_path, sanitize):
    """markdown-it passes raw HTML through; MathJax typesets the formulas of its text, so do we,
    but not in attributes, <code> or comments."""
    config = MACROS + ("sanitize_html: true\n" if sanitize else "")
    site = fixture_site(tmp_path, ["html.md"], config)
    proc = run_cli("build", "--source", str(site))
    text = page(site / "_site", "html")
    assert annotations(text) == HTML_TEX  # &lt; is the < a browser reads
    assert text.count('class="math display" data-typeset=""') == 2  # \\[..\\] and $$..$$, as MathJax has them
    assert "<td>$10 and $20</td>" in text  # dollar amounts, by the pandoc rule of Markdown text
    assert "<code>$kept$</code>" in text
    assert ('title="$x$"' in text) and (("<!-- $hidden$ -->" in text) != sanitize)  # nh3 drops comments
    assert '<code class="math-source">\\frac{1}{</code>' in text
    warnings = [line for line in proc.stderr.splitlines() if "KaTeX" in line]
    assert len(warnings) == 1 and warnings[0].startswith("digests/html.md:18: warning: KaTeX: ")


def test_math_in_raw_html_is_kept_for_katex_js_in_browser_mode(tmp_path):
    site = fixture_site(tmp_path, ["html.md"], MACROS + "  render: browser\n")
    run_cli("build", "--source", str(site), check=True)
    text = page(site / "_site", "html")
    assert '<th>Score <span class="math inline">\\uparrow</span></th>' in text
    assert '<div class="math display">a &lt; b</div>' in text


def test_katex_macros_still_apply(tmp_path):
    config = "title: Old macros\nkatex:\n  macros:\n    '\\R': '\\mathbb{R}'\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    run_cli("build", "--source", str(site), check=True)
    assert "<mi>ℝ</mi>" in page(site / "_site", "forms")


def test_browser_mode_keeps_tex_for_katex_js(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"], MACROS + "  render: browser\n")
    proc = run_cli("build", "--source", str(site), check=True)
    assert "KaTeX" not in proc.stderr
    text = page(site / "_site", "forms")
    assert 'class="katex"' not in text
    assert "katex.min.js" in text
    assert '<span class="math inline">a_1 + b_2 &lt; c</span>' in text
    assert not (site / ".paperdigest-cache" / "math").exists()  # no formula typeset, none cached


def test_bad_render_value_is_a_config_error(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"], "math:\n  render: server\n")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 2
    assert "math.render must be 'build' or 'browser'" in proc.stderr


def test_falls_back_to_browser_mode_with_a_warning_without_an_engine(tmp_path):
    """A machine where mini-racer cannot be imported: the build still works, math in the browser."""
    blocker = tmp_path / "blocker" / "py_mini_racer"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('no V8 on this machine')\n")
    site = fixture_site(tmp_path / "site", ["forms.md"])
    env = {**os.environ, "PYTHONPATH": f"{blocker.parent}{os.pathsep}{REPO / 'src'}"}
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest", "build", "--source", str(site)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "site.yaml: warning: math.render: build: no KaTeX engine" in proc.stderr
    text = page(site / "_site", "forms")
    assert "katex.min.js" in text and 'class="katex"' not in text


def test_math_katex_js_points_at_a_katex_copy(tmp_path):
    """An npm or Debian KaTeX named in site.yaml is the one that typesets, and its CSS the site's."""
    config = MACROS + "  katex_js: /usr/share/javascript/katex\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    result = build_site(site)
    debian = re.search(r'version:"([\d.]+)"', (KATEX_LOCAL / "katex.min.js").read_text())
    assert result.math.katex_version == debian.group(1) != KATEX_VERSION
    assert 'href="/assets/katex/katex.min.css"' in page(site / "_site", "forms")
    css = (site / "_site/assets/katex/katex.min.css").read_bytes()
    assert css == (KATEX_LOCAL / "katex.min.css").read_bytes()


def test_custom_cdn_css_has_no_integrity_hash_it_could_fail(tmp_path):
    """A mirror's files are unknown: a wrong hash would block the CSS, so none is sent."""
    config = MACROS + "katex:\n  use_cdn: true\n  cdn: https://mirror.example/katex/dist/\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    run_cli("build", "--source", str(site), check=True)
    text = page(site / "_site", "forms")
    assert '<link rel="stylesheet" href="https://mirror.example/katex/dist/katex.min.css">' in text
    assert "katex.min.js" not in text
    assert not (site / "_site/assets/katex").exists()


@pytest.mark.parametrize("cdn", [None, "https://cdn.jsdelivr.net/npm/katex@0.16.11/dist"])
def test_opt_in_cdn_loads_the_css_of_the_bundled_katex_with_its_hash(tmp_path, cdn):
    """The default CDN, or an older site.yaml's jsDelivr URL of another release: the CSS that goes
    with the KaTeX that typeset the page, with the hash the CDN's file has."""
    config = MACROS + "katex:\n  use_cdn: true\n" + (f"  cdn: {cdn}\n" if cdn else "")
    site = fixture_site(tmp_path, ["forms.md"], config)
    run_cli("build", "--source", str(site), check=True)
    css = f"https://cdn.jsdelivr.net/npm/katex@{KATEX_VERSION}/dist/katex.min.css"
    link = f'<link rel="stylesheet" href="{css}" integrity="{KATEX_INTEGRITY["katex.min.css"]}"'
    assert link in page(site / "_site", "forms")


def test_browser_mode_carries_the_script_it_loads(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"], MACROS + "  render: browser\n")
    run_cli("build", "--source", str(site), check=True)
    assert '<script defer src="/assets/katex/katex.min.js"></script>' in page(site / "_site", "forms")
    copied = (site / "_site/assets/katex/katex.min.js").read_bytes()
    assert copied == (BUNDLED_KATEX / "katex.min.js").read_bytes()


def test_bundled_katex_is_the_version_the_config_names():
    script = BUNDLED_KATEX / "katex.min.js"
    st = script.stat()
    assert read_script(script, st.st_size, st.st_mtime_ns)[0] == KATEX_VERSION
    assert "The MIT License" in (BUNDLED_KATEX / "LICENSE").read_text(encoding="utf-8")


def test_bundled_css_names_only_woff2_fonts_that_exist():
    css = (BUNDLED_KATEX / "katex.min.css").read_text(encoding="utf-8")
    named = re.findall(r"url\(([^)]+)\)", css)
    fonts = sorted(p.name for p in (BUNDLED_KATEX / "fonts").iterdir())
    assert named and all(u.startswith("fonts/") and u.endswith(".woff2") for u in named), named
    assert sorted(u.removeprefix("fonts/") for u in named) == fonts


def test_site_carries_the_css_and_fonts_of_the_bundled_katex(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"])
    run_cli("build", "--source", str(site), check=True)
    out = site / "_site/assets/katex"
    expected = {p.relative_to(BUNDLED_KATEX).as_posix() for p in BUNDLED_KATEX.rglob("*") if p.is_file()}
    expected -= {"katex.min.js", "LICENSE"}  # the pages typeset at build time load no script
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == expected


def test_katex_local_dir_still_typesets_and_styles_the_site(tmp_path):
    config = MACROS + f"katex:\n  local_dir: {KATEX_LOCAL}\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    result = build_site(site)
    assert result.math.katex_version != KATEX_VERSION
    out = site / "_site/assets/katex"
    assert (out / "katex.min.css").read_bytes() == (KATEX_LOCAL / "katex.min.css").read_bytes()
    assert sorted(p.name for p in (out / "fonts").iterdir()) == sorted(
        p.name for p in (KATEX_LOCAL / "fonts").iterdir()
    )


def test_one_process_typesets_with_one_katex_then_another(tmp_path):
    """A dev server whose site.yaml switches KaTeX copies: mini-racer crashed when a second isolate
    started while the first one's thread held it (exit 139)."""
    code = (
        "from pathlib import Path\n"
        "from paperdigest.katex_engine import BUNDLED_KATEX, KatexScript, engine_for\n"
        f"scripts = [BUNDLED_KATEX / 'katex.min.js', Path({str(KATEX_LOCAL / 'katex.min.js')!r})]\n"
        "for path in scripts + scripts:\n"
        "    print(engine_for(KatexScript(path, path.parent.name)).render([('x^2', False)], {}, 'mathml')[0][0])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert (proc.returncode, proc.stdout.split()) == (0, ["True"] * 4), proc.stderr


def test_a_katex_script_without_its_css_is_styled_by_the_bundled_css_with_a_warning(tmp_path):
    alone = tmp_path / "alone" / "katex.min.js"
    alone.parent.mkdir()
    alone.write_bytes((KATEX_LOCAL / "katex.min.js").read_bytes())  # Debian's KaTeX, no CSS beside it
    site = fixture_site(tmp_path / "site", ["forms.md"], MACROS + f"  katex_js: {alone}\n")
    proc = run_cli("build", "--source", str(site), check=True)
    assert f"site.yaml: warning: no katex.min.css beside {alone}" in proc.stderr
    css = (site / "_site/assets/katex/katex.min.css").read_bytes()
    assert css == (BUNDLED_KATEX / "katex.min.css").read_bytes()


def test_formulas_are_typeset_again_when_the_katex_script_changes_but_not_its_version(tmp_path):
    """The math cache and the stored records know KaTeX by its bytes: a patched katex.min.js of
    the same version (or one replaced in place) typesets every formula again."""
    script = tmp_path / "katex" / "katex.min.js"
    script.parent.mkdir()
    script.write_bytes((BUNDLED_KATEX / "katex.min.js").read_bytes())
    site = fixture_site(tmp_path / "site", ["forms.md"], MACROS + f"  katex_js: {script}\n")
    run_cli("build", "--source", str(site), check=True)
    assert "data-patched" not in page(site / "_site", "forms")
    patch = "var r = katex.renderToString; katex.renderToString = (t, o) => r(t, o).replace('<math', '<math data-patched=\"1\"');"
    script.write_text(script.read_text(encoding="utf-8") + ";\n" + patch + "\n", encoding="utf-8")
    run_cli("build", "--source", str(site), check=True)
    body = page(site / "_site", "forms")
    assert body.count("<math") == body.count('<math data-patched="1"') > 0


def test_mathml_table_cells_carry_their_column_alignment_as_css():
    from paperdigest.mathvariants import aligned_columns

    glue = '<mtd class ="mtr-glue"></mtd>'
    row = f'<mtr>{glue}<mtd><mi>x</mi></mtd><mtd><mo>=</mo>{{inner}}</mtd>{glue}<mtd class ="mml-eqn-num"></mtd></mtr>'
    inner = '<mtable columnalign="center left"><mtr><mtd><mi>a</mi></mtd><mtd><mi>b</mi></mtd><mtd>c</mtd></mtr></mtable>'
    mathml = f'<math><mtable columnalign="right left" columnspacing="0em 2em">{row.format(inner=inner)}</mtable></math>'
    cells = re.findall(r"<mtd[^>]*>", aligned_columns(mathml))
    assert cells == [
        '<mtd class ="mtr-glue">',
        '<mtd style="text-align:right;text-align:-webkit-right;padding-left:0em;padding-right:0em">',
        # 2em would be the space before a third column: this row has two, and nothing after them
        '<mtd style="text-align:left;text-align:-webkit-left;padding-left:0em;padding-right:0em">',
        "<mtd>",  # centre: the browser's own alignment
        '<mtd style="text-align:left;text-align:-webkit-left">',
        '<mtd style="text-align:left;text-align:-webkit-left">',  # the last value repeats
        '<mtd class ="mtr-glue">',
        '<mtd class ="mml-eqn-num">',
    ]
    plain = "<math><mrow><mi>x</mi></mrow></math>"
    assert aligned_columns(plain) == plain
    styled = (
        '<math><mtable columnalign="left"><mtr><mtd style="color:red"><mi>x</mi></mtd></mtr></mtable></math>'
    )
    assert aligned_columns(styled) == styled  # a cell with its own style is left as it is
