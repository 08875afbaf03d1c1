"""A site that draws formulas with KaTeX's HTML, read with every request outside 127.0.0.1 blocked
(offline, a firewall, a blocked CDN): each formula shows once, at its normal size, styled by the
KaTeX CSS and fonts the site carries."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import REPO, run_cli
from http_util import serve_static

pytestmark = pytest.mark.browser
SEED = "2023-05-02-paper-digest"
VIEWPORT = {"width": 1280, "height": 800}

# Per formula: is the MathML copy hidden (KaTeX's CSS clips it to a pixel) and the HTML one shown?
FORMULAS_JS = """() => [...document.querySelectorAll('.math .katex')].map(k => {
  const mathml = k.querySelector('.katex-mathml').getBoundingClientRect();
  const html = k.querySelector('.katex-html');
  return {
    mathml_area: mathml.width * mathml.height,
    html_visible: html.checkVisibility(),
    html_height: html.getBoundingClientRect().height,
    font: getComputedStyle(html).fontFamily,
  };
})"""


@pytest.fixture(scope="module")
def default_site(tmp_path_factory) -> Path:
    """The seed digest in a site that sets nothing about KaTeX but math.output."""
    src = tmp_path_factory.mktemp("offline")
    (src / "digests").mkdir()
    shutil.copy(REPO / "digests" / f"{SEED}.md", src / "digests")
    # KaTeX's HTML, the output that needs the site's KaTeX CSS and fonts (MathML needs neither).
    (src / "site.yaml").write_text("title: Offline\nmath:\n  output: htmlAndMathml\n", encoding="utf-8")
    run_cli("build", "--source", str(src), check=True)
    return src / "_site"


def test_formulas_show_once_at_normal_size_with_the_network_blocked(browser, default_site):
    blocked: list[str] = []
    failed: list[str] = []

    def only_this_machine(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    try:
        with serve_static(default_site) as base:
            page.goto(f"{base}digests/{SEED}/", wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            formulas = page.evaluate(FORMULAS_JS)
            width = page.evaluate("document.documentElement.scrollWidth")
            katex_main = page.evaluate("document.fonts.check('16px KaTeX_Main')")
    finally:
        context.close()
    assert len(formulas) >= 20, "the seed digest has dozens of formulas"
    for f in formulas:
        assert f["mathml_area"] <= 1 and f["html_visible"], f  # shown once: the HTML copy only
        assert 0 < f["html_height"] < 200 and "KaTeX_Main" in f["font"], f
    assert width <= VIEWPORT["width"]  # unstyled, the page was 6,688 px wide
    assert katex_main and not failed, failed
    assert all("katex" not in url for url in blocked), blocked
