"""What a reader sees, in headless Chromium: typeset math, and links that stay under the base path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import KATEX_LOCAL, REPO, run_cli, write_site
from http_util import serve_static

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory) -> Path:
    """The example site under /digests/, KaTeX self-hosted from Debian's libjs-katex."""
    src = tmp_path_factory.mktemp("src")
    for name in ("digests", "static"):
        shutil.copytree(REPO / name, src / name)
    (src / "site.yaml").write_text(
        f"title: Digest test\nbase_url: https://example.github.io/digests/\nkatex:\n  local_dir: {KATEX_LOCAL}\n",
        encoding="utf-8",
    )
    out = src / "_site"
    run_cli("build", "--source", str(src), "--out", str(out), check=True)
    return out


def open_page(browser, url: str):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, requests


def test_seed_page_has_all_formulas_typeset(browser, offline_site):
    with serve_static(offline_site, "/digests/") as root:
        page, _ = open_page(browser, root + "digests/2023-05-02-paper-digest/")
        page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
        total = page.locator(".math").count()
        assert total > 30
        assert page.locator(".math .katex").count() == total
        assert page.locator(".katex-error, .math-error").count() == 0
        # align blocks and equations, typeset as display math (MathML, the default math.output)
        assert page.locator(".math.display math[display=block]").count() >= 6
        visible = page.inner_text("article")
        assert "$$" not in visible and "\\begin{align}" not in visible
        page.close()


def test_broken_formula_shows_source_and_page_still_works(browser, tmp_path):
    write_site(
        tmp_path,
        {"2024-01-01-m.md": "# M\n\nfine $$x^2$$ and broken $$\\frac{1}{$$ and after $y$.\n"},
        f"title: t\nkatex:\n  local_dir: {KATEX_LOCAL}\n",
    )
    run_cli("build", "--source", str(tmp_path), check=True)
    with serve_static(tmp_path / "_site") as root:
        page, _ = open_page(browser, root + "digests/2024-01-01-m/")
        page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
        error = page.locator(".math-error")
        assert error.count() == 1 and error.inner_text().endswith("\\frac{1}{")  # after the ⚠ marker
        assert page.locator(".math .katex").count() == 2
        page.close()


def test_no_internal_link_or_asset_outside_the_base_path(browser, offline_site):
    pages = [
        "",
        "digests/2023-05-02-paper-digest/",
        "papers/2304.14802/",
        "archive/2023/05/",
        "categories/paper/",
    ]
    with serve_static(offline_site, "/digests/") as root:
        origin = root[: -len("/digests/")]
        for path in pages:
            page, requests = open_page(browser, root + path)
            assert page.title() != "" and "404" not in page.title()
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            internal = [u for u in links + requests if u.startswith(origin)]
            assert internal, path
            outside = [u for u in internal if not u.startswith(root)]
            assert outside == [], f"{path}: {outside}"
            failed = page.evaluate(
                "performance.getEntriesByType('resource').filter(e => e.responseStatus >= 400).map(e => e.name)"
            )
            assert failed == [], failed
            page.close()
