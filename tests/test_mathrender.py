"""Build-time math: KaTeX HTML in the pages, cache, located KaTeX errors, macros, modes and fallback."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, run_cli, write_site
from paperdigest.build import build_site

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


def test_build_mode_writes_katex_html_and_no_katex_script(tmp_path):
    site = fixture_site(tmp_path, ["forms.md"])
    run_cli("build", "--source", str(site), check=True)
    text = page(site / "_site", "forms")
    assert annotations(text) == FORMS_TEX  # every form typeset, Markdown touched none of them
    assert text.count('class="katex"') == len(FORMS_TEX)
    assert "math-error" not in text
    assert "katex.min.js" not in text and "<script defer src=" in text  # site.js only
    assert re.search(r'<link rel="stylesheet" href="[^"]*katex@[\d.]+/dist/katex\.min\.css"', text)
    assert 'mathvariant="double-struck">R</mi>' in text  # the site macro \R = \mathbb{R}


def test_cache_typesets_each_formula_once_across_digests_and_builds(tmp_path):
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
    third = build_site(site)  # the edited digest is parsed again; its formulas come from the math cache
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
    assert 'mathvariant="script">R</mi>' in page(site / "_site", "forms")


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


def test_katex_macros_still_apply(tmp_path):
    config = "title: Old macros\nkatex:\n  macros:\n    '\\R': '\\mathbb{R}'\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    run_cli("build", "--source", str(site), check=True)
    assert 'mathvariant="double-struck">R</mi>' in page(site / "_site", "forms")


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
    """An npm or Debian KaTeX named in site.yaml is the one that typesets (and its version the CSS)."""
    config = MACROS + "  katex_js: /usr/share/javascript/katex\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    result = build_site(site)
    debian = re.search(r'version:"([\d.]+)"', Path("/usr/share/javascript/katex/katex.min.js").read_text())
    assert result.math.katex_version == debian.group(1)
    assert f"katex@{debian.group(1)}/dist/katex.min.css" in page(site / "_site", "forms")


def test_custom_cdn_css_has_no_integrity_hash_it_could_fail(tmp_path):
    """A mirror's files are unknown: a wrong hash would block the CSS, so none is sent."""
    config = MACROS + "katex:\n  cdn: https://mirror.example/katex/dist/\n"
    site = fixture_site(tmp_path, ["forms.md"], config)
    run_cli("build", "--source", str(site), check=True)
    text = page(site / "_site", "forms")
    assert '<link rel="stylesheet" href="https://mirror.example/katex/dist/katex.min.css">' in text
    assert "katex.min.js" not in text


def test_two_katex_scripts_in_one_process_each_typeset_and_exit_cleanly():
    """mini-racer binds V8 to one thread: a second context made on another thread, or one closed
    from another thread at exit, crashed the interpreter (exit -11) before every V8 call went
    through one thread. Two KaTeX copies are what a site switching math.katex_js meets."""
    code = f"""
import sys
sys.path.insert(0, {str(REPO / "src")!r})
from pathlib import Path
from paperdigest.katex_engine import KatexScript, engine_for, find_katex
from paperdigest.config import SiteConfig
debian = Path("/usr/share/javascript/katex/katex.min.js")
scripts = [find_katex(SiteConfig()), KatexScript(debian, "debian")]
assert scripts[0].path != debian, scripts
for script in scripts:
    ok, html = engine_for(script).render([("x^2", False)], {{}})[0]
    assert ok and "katex" in html, html
print("typeset", len(scripts))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "typeset 2" in proc.stdout
