"""A small site whose whole build is compared, file by file, with committed expected output.

The golden files hold what paperdigest writes: its pages, feeds, sitemap and papers.json. What a
dependency's release decides (the Pygments stylesheet) or what is copied as is (the theme's
assets, the search index) is left out here and checked against its own source below.

After an intended change of output, regenerate and review the diff:
    PAPERDIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conftest import REPO, run_cli, site_tree
from paperdigest.render import pygments_css, unindented

GOLDEN = Path(__file__).parent / "golden"


def written_by_paperdigest(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in tree.items() if not name.startswith("assets/")}


def test_golden_site(tmp_path):
    src = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", src)
    run_cli("build", "--source", str(src), "--out", str(tmp_path / "out"), check=True)
    built = written_by_paperdigest(site_tree(tmp_path / "out"))
    expected_dir = GOLDEN / "expected"
    if os.environ.get("PAPERDIGEST_UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(tmp_path / "out", expected_dir, ignore=shutil.ignore_patterns("pagefind", "assets"))
    expected = site_tree(expected_dir)
    assert sorted(built) == sorted(expected)
    for name, data in expected.items():
        assert built[name] == data, f"{name} differs from tests/golden/expected/{name}"


def test_assets_are_the_theme_files_and_the_installed_pygments_styles(tmp_path):
    src = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", src)
    run_cli("build", "--source", str(src), "--out", str(tmp_path / "out"), check=True)
    out = tmp_path / "out" / "assets"
    theme = REPO / "templates" / "assets"
    for path in theme.rglob("*"):
        if path.is_file():
            assert (out / path.relative_to(theme)).read_bytes() == path.read_bytes(), path.name
    css = (out / "pygments.css").read_text(encoding="utf-8")
    assert css == pygments_css()
    assert ".highlight .k " in css and "@media screen and (prefers-color-scheme: dark)" in css


def test_pages_repeat_no_template_indentation():
    """The theme's templates are read unindented (the golden pages are what a build writes).
    Where a tag's trimmed newline leaves the indentation as all that parts two words, one space
    stays, so pages read the same."""
    source = "<p>\n  <a>x</a>{% endif %}\n      <span>y</span>\n  {# c #}\n    z"
    assert unindented(source) == "<p>\n<a>x</a>{% endif %}\n <span>y</span>\n{# c #}\n z"
    pages = sorted((GOLDEN / "expected").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = re.sub(r"<pre.*?</pre>", "", page.read_text(encoding="utf-8"), flags=re.S)
        assert "\n  " not in text, page
