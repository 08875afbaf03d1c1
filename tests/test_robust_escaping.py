"""Nothing from a digest runs as script: fields are escaped wherever they land, URLs are linked only
for http(s), `sanitize_html: true` cleans bodies, and unbalanced raw HTML never breaks the layout."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from http_util import serve_static
from paperdigest.i18n import site_strings

SCRIPT = "<script>alert(1)</script>"
ATTR = '" onmouseover="x'
IMG = "'><img src=x onerror=alert(2)>"
LABEL = '<i onclick="x">L</i>'  # short enough to be read as a link's label

HOSTILE = f"""\
---
title: {json.dumps(SCRIPT + ATTR)}
date: 2023-05-02
description: {json.dumps(IMG)}
keywords: {json.dumps([SCRIPT, ATTR])}
tags: {json.dumps([SCRIPT, ATTR])}
---
### 1、Hostile card

> {SCRIPT} translated {ATTR}

> 《{SCRIPT} title {ATTR}》
>
> - URL：https://arxiv.org/abs/2304.15004
> - Official Code：[code](javascript:alert(3))
> - 单位：{SCRIPT}、{ATTR}、{IMG}
> - 作者：{IMG}
> - 会议：{ATTR}
> - Project：data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==
> - Demo：[demo](javascript:alert(4))
> - Dataset：[data](data:text/html,<b>x</b>)
> - {LABEL}：https://example.com/labelled

### 2、No arXiv card

> 《{ATTR} second》
>
> - URL：[paper](javascript:alert(5))
"""

# No description: the feed summarises this one with its card titles.
HOSTILE_NO_DESCRIPTION = f"""\
---
title: {json.dumps("Plain " + ATTR)}
date: 2023-05-03
---
### 1、Third

> 《{SCRIPT} third》
>
> - URL：https://arxiv.org/abs/2305.00001
"""

# Raw HTML an author may write, and what a contributor could slip in.
BODY_HTML = """\
---
title: Raw HTML
date: 2023-05-04
---
<a data-fancybox="gallery" data-caption="A figure" href="https://pic1.zhimg.com/a.jpg"><img src="https://pic1.zhimg.com/a.jpg" alt="fig" style="width:60%"></a>

<video src="https://example.com/demo.mp4" controls width="480"></video>

Some <u>underlined</u> text and math $a < b$ and $$\\sum_i x_i$$ inline.

<script>alert("body")</script>
<img src="x.png" onerror="alert('img')">
<a href="javascript:alert('link')" onclick="alert('click')">bad link</a>
<a href="data:text/html,<script>alert(1)</script>">data link</a>
<iframe src="javascript:alert('frame')"></iframe>
"""

SAFE_SCHEMES = {"", "http", "https", "mailto"}


def build_site(root: Path, sanitize: bool) -> Path:
    config = "title: Escape test\nbase_url: https://example.org/sub/\n"
    if sanitize:
        config += "sanitize_html: true\n"
    write_site(root, {"hostile.md": HOSTILE, "plain.md": HOSTILE_NO_DESCRIPTION, "raw.md": BODY_HTML}, config)
    run_cli("build", "--source", str(root), "--out", str(root / "_site"), check=True)
    return root / "_site"


def injected(soup: BeautifulSoup) -> list[str]:
    """Everything in a parsed page that a digest could have injected."""
    found = []
    for script in soup.find_all("script"):
        src = script.get("src", "")
        if (
            not src
            or script.string
            or not (src.startswith("/sub/assets/") or "cdn.jsdelivr.net/npm/katex" in src)
        ):
            found.append(f"script {script}")
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            if name.lower().startswith("on"):
                found.append(f"event handler {name} on <{tag.name}>")
            if name.lower() in ("href", "src", "poster", "action", "formaction"):
                scheme = urlsplit(str(value).strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL in <{tag.name} {name}>")
    return found


def tex_of(math) -> str:
    """The TeX of a formula: typeset at build time (KaTeX keeps it as an annotation) or not."""
    annotation = math.find("annotation", encoding="application/x-tex")
    return (annotation or math).get_text().strip()


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("plain"), sanitize=False)


@pytest.fixture(scope="module")
def sanitized_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("sanitized"), sanitize=True)


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert len(found) > 10
    return found


def test_fields_are_escaped_on_every_page(plain_site):
    """Bodies keep the author's raw HTML (off by default), so only they are left out here."""
    for path in pages(plain_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for body in soup.select(".digest-body"):
            body.decompose()
        assert injected(soup) == [], path.relative_to(plain_site)
        assert soup.find("img", src="x") is None, "an <img> from a field"


def test_hostile_title_shows_as_text(plain_site):
    soup = BeautifulSoup(
        (plain_site / "digests/hostile/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    title = SCRIPT + ATTR
    assert soup.title.string == f"{title} · Escape test"
    assert soup.h1.get_text() == title
    assert soup.find("meta", attrs={"property": "og:title"})["content"] == f"{title} · Escape test"
    assert soup.find("meta", attrs={"name": "description"})["content"] == IMG
    assert soup.find("meta", attrs={"name": "keywords"})["content"] == f"{SCRIPT}, {ATTR}"
    paper = BeautifulSoup(
        (plain_site / "papers/2304.15004/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert paper.h1.get_text() == f"{SCRIPT} title {ATTR}"
    assert [a.get_text() for a in paper.select(".affiliation")] == [SCRIPT, ATTR.strip(), IMG.strip()]
    assert IMG.strip() in paper.select_one(".paper-fields").get_text()
    assert LABEL in [dt.get_text() for dt in paper.select(".paper-fields dt")]  # a link's label


def test_urls_are_linked_only_for_http(plain_site):
    paper = BeautifulSoup(
        (plain_site / "papers/2304.15004/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    hrefs = [a["href"] for a in paper.select(".paper-fields a")]
    assert hrefs == [
        "https://arxiv.org/abs/2304.15004",
        "https://arxiv.org/pdf/2304.15004",
        "https://example.com/labelled",
    ]
    text = paper.select_one(".paper-fields").get_text()
    assert "javascript:alert(3)" not in hrefs and "data:text/html" in text  # shown, never linked
    second = next((plain_site / "papers").glob("*second*/index.html"))
    assert BeautifulSoup(second.read_text(encoding="utf-8"), "html.parser").select(".paper-fields a") == []


def test_feed_sitemap_and_json_carry_fields_as_data(plain_site):
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(plain_site / "feed.xml").getroot()  # raises if an unescaped field broke the XML
    assert all(el.tag.startswith(atom) for el in feed.iter()), "no element from a digest"
    assert all(not name.startswith("on") for el in feed.iter() for name in el.attrib)
    entries = {e.find(f"{atom}title").text: e for e in feed.iter(f"{atom}entry")}
    assert set(entries) >= {SCRIPT + ATTR, f"Plain {ATTR}"}
    assert entries[SCRIPT + ATTR].find(f"{atom}summary").text == IMG
    assert entries[f"Plain {ATTR}"].find(f"{atom}summary").text == f"{SCRIPT} third"
    assert {c.get("term") for c in entries[SCRIPT + ATTR].iter(f"{atom}category")} == {SCRIPT, ATTR}
    ET.parse(plain_site / "sitemap.xml")
    papers = json.loads((plain_site / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert {p["title"] for p in papers} >= {f"{SCRIPT} title {ATTR}", f"{SCRIPT} third"}


def test_pages_embed_no_inline_script_or_json_from_digests(plain_site):
    for path in pages(plain_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for body in soup.select(".digest-body"):
            body.decompose()
        assert [s for s in soup.find_all("script") if s.string and s.string.strip()] == []
        # the one JSON value pages may carry is site config (math.macros), none here
        assert soup.html.get("data-katex-macros") is None


def test_raw_html_is_kept_by_default(plain_site):
    body = BeautifulSoup((plain_site / "digests/raw/index.html").read_text(encoding="utf-8"), "html.parser")
    body = body.select_one(".digest-body")
    assert body.find("script") is not None and body.find("a", onclick=True) is not None


def test_sanitize_html_strips_scripts_handlers_and_script_urls(sanitized_site):
    for path in pages(sanitized_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert injected(soup) == [], path.relative_to(sanitized_site)
    body = BeautifulSoup(
        (sanitized_site / "digests/raw/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    body = body.select_one(".digest-body")
    # What digests are written with survives.
    fancy = body.find("a", attrs={"data-fancybox": "gallery"})
    assert fancy["href"] == "https://pic1.zhimg.com/a.jpg" and fancy["data-caption"] == "A figure"
    assert fancy.img["src"] == "https://pic1.zhimg.com/a.jpg" and fancy.img["style"] == "width:60%"
    assert fancy.img["referrerpolicy"] == "no-referrer"
    assert body.find("video", src="https://example.com/demo.mp4").has_attr("controls")
    assert body.find("u").get_text() == "underlined"
    assert [tex_of(m) for m in body.select("span.math.inline")] == ["a < b", "\\sum_i x_i"]
    assert body.find("a", string="bad link") is not None and not body.find("a", string="bad link").has_attr(
        "href"
    )
    assert "alert" not in str(body)
    hostile = BeautifulSoup(
        (sanitized_site / "digests/hostile/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    card = hostile.select_one(".digest-body")
    assert card.find("script") is None and "alert(1)" not in card.get_text()  # the card's raw <script>
    assert "title " in card.get_text() and card.find("img", onerror=True) is None


UNBALANCED = """\
---
title: Unbalanced
date: 2023-05-02
---
### 1、A card

> 《A card》
>
> - URL：https://arxiv.org/abs/2304.15004

<div class="box">

Text in an unclosed box with <a class="author-link" href="https://example.com">an unclosed link.

<video class="author-video" src="https://example.com/v.mp4" controls>

More text after the video.

</section></main></article>

<p><img class="author-img" src="broken.png></p>

<!-- a comment that never ends
"""


@pytest.mark.browser
def test_unbalanced_raw_html_leaves_layout_intact(tmp_path, browser):
    write_site(tmp_path, {"unbalanced.md": UNBALANCED})
    proc = run_cli("build", "--source", str(tmp_path), "--out", str(tmp_path / "_site"))
    assert proc.returncode == 0, proc.stderr
    for expected in [
        "digests/unbalanced.md:11: warning: unclosed <div>",
        "digests/unbalanced.md:13: warning: unclosed <a>",
        "digests/unbalanced.md:15: warning: unclosed <video>",
        "digests/unbalanced.md:19: warning: stray </section>",
        "digests/unbalanced.md:19: warning: stray </main>",
        "digests/unbalanced.md:19: warning: stray </article>",
        'digests/unbalanced.md:21: warning: unfinished tag \'<img class="author-img" src=',
        "digests/unbalanced.md:23: warning: unclosed HTML comment",
    ]:
        assert expected in proc.stderr, proc.stderr
    page = browser.new_page()
    page.goto((tmp_path / "_site/digests/unbalanced/index.html").as_uri())
    layout = page.evaluate(
        """() => {
        const q = (s) => document.querySelector(s);
        const author = '.digest-body, .author-video, .author-link, .box';
        return {
          footer: !!q('body > footer.site-footer') && !q('footer.site-footer').closest(author),
          footerText: q('footer.site-footer') ? q('footer.site-footer').innerText : '',
          footerLinks: [...document.querySelectorAll('footer.site-footer a')].every(a => !a.parentElement.closest('a')),
          nav: !!q('body > header.site-header nav') && !q('header.site-header').closest(author),
          papers: !!q('section.digest-papers') && !q('section.digest-papers').closest(author),
          prevNext: !!q('nav.prev-next') && !q('nav.prev-next').closest(author),
          afterVideo: q('.digest-body').innerText.includes('More text after the video'),
          main: q('main').contains(q('section.digest-papers')),
        };
    }"""
    )
    page.close()
    assert layout == {
        "footer": True,
        "footerText": layout["footerText"],
        "footerLinks": True,
        "nav": True,
        "papers": True,
        "prevNext": True,
        "afterVideo": True,
        "main": True,
    }
    assert site_strings("zh-CN")("footer_built_with") in layout["footerText"]  # the footer, whole


@pytest.mark.browser
def test_search_results_show_hostile_fields_as_text(sanitized_site, browser):
    """Search results are drawn by script from the index: fields must arrive there as text too."""
    with serve_static(sanitized_site, "/sub/") as url:
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{url}search/?q=onmouseover")
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results > li').length > 0", timeout=30000
        )
        results = page.inner_html("#search-results")
        text = page.inner_text("#search-results")
        page.close()
    soup = BeautifulSoup(results, "html.parser")
    assert injected(soup) == [] and soup.find("img") is None
    assert 'onmouseover="x' in text and "title" in text
    assert dialogs == [], "a field ran as script"
