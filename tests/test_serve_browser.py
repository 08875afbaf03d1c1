"""What a writer sees in headless Chromium while `paperdigest serve` runs: edits appear on their own."""

from __future__ import annotations

import re

import pytest

from conftest import KATEX_LOCAL, REPO, write_site
from serve_util import ServeProcess
from test_serve import digest

pytestmark = pytest.mark.browser
WAIT_MS = 60_000  # generous on a loaded machine; never a timing assertion


def test_the_open_page_follows_edits_styles_and_errors_without_a_manual_reload(browser, tmp_path):
    config = (
        f"title: Browser preview\nbase_url: https://u.github.io/repo/\nkatex:\n  local_dir: {KATEX_LOCAL}\n"
    )
    site = write_site(tmp_path / "src", {"2024-01-01-first.md": digest(1, "Original text.")}, config)
    style = site / "templates" / "assets" / "style.css"
    style.parent.mkdir(parents=True)
    theme_css = (REPO / "templates" / "assets" / "style.css").read_text(encoding="utf-8")
    style.write_text(theme_css, encoding="utf-8")
    path = site / "digests" / "2024-01-01-first.md"

    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        page = browser.new_page()
        page.goto(serve.url + "digests/2024-01-01-first/")
        assert "Original text." in page.inner_text("main")
        page.evaluate("window.notReloaded = true")

        # A saved digest: the page reloads by itself and shows the new text.
        path.write_text(digest(1, "Text typed in the editor."), encoding="utf-8")
        page.wait_for_selector("text=Text typed in the editor.", timeout=WAIT_MS)
        assert page.evaluate("window.notReloaded") is None  # it was a real reload
        assert page.url == serve.url + "digests/2024-01-01-first/"  # under the production base path

        # A stylesheet: swapped in place, the page is not reloaded.
        page.evaluate("window.notReloaded = true")
        style.write_text(
            theme_css + "\nbody { background-color: rgb(1, 2, 3) !important; }\n", encoding="utf-8"
        )
        page.wait_for_function(
            "getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'", timeout=WAIT_MS
        )
        assert page.evaluate("window.notReloaded") is True

        # A broken digest: an overlay says where and why; the last good page stays underneath.
        path.write_text("---\ntitle: [unclosed\n---\n\nBroken text.\n", encoding="utf-8")
        overlay = page.wait_for_selector("#paperdigest-errors", timeout=WAIT_MS)
        assert re.search(r"digests/2024-01-01-first\.md:\d+: error: front matter", overlay.inner_text())
        assert "Text typed in the editor." in page.inner_text("main")

        # Fixing it clears the overlay and shows the fixed text.
        path.write_text(digest(1, "Fixed text."), encoding="utf-8")
        page.wait_for_selector("text=Fixed text.", timeout=WAIT_MS)
        assert page.query_selector("#paperdigest-errors") is None
        page.close()


def test_more_tabs_than_the_browser_has_connections_all_follow_an_edit(browser, tmp_path):
    """Chromium opens at most 6 connections per host: one event stream per tab would hang tab 7."""
    config = f"title: Many tabs\nkatex:\n  local_dir: {KATEX_LOCAL}\n"
    site = write_site(tmp_path / "src", {"2024-01-01-first.md": digest(1, "Original text.")}, config)
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        context = browser.new_context()
        pages = []
        for _ in range(8):
            page = context.new_page()
            page.goto(serve.url + "digests/2024-01-01-first/", timeout=WAIT_MS)
            pages.append(page)
        (site / "digests" / "2024-01-01-first.md").write_text(
            digest(1, "Seen in every tab."), encoding="utf-8"
        )
        for page in pages:
            page.wait_for_selector("text=Seen in every tab.", timeout=WAIT_MS)
        # Closing the tab that listens hands the stream to another one.
        pages[0].close()
        (site / "digests" / "2024-01-01-first.md").write_text(digest(1, "Still followed."), encoding="utf-8")
        for page in pages[1:]:
            page.wait_for_selector("text=Still followed.", timeout=WAIT_MS)
        context.close()
