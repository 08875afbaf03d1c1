"""`sanitize_html: true` removes what a contributed digest could use to pose as the site: frames,
page-covering positioned overlays and styles that load a URL, while the styles digests are written
with (image sizes, colours) stay. And base_url never breaks out of the card's paper-page link."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site

BODY = """\
---
title: Contributed
date: 2023-05-02
---
### 1、A card

> - URL：https://arxiv.org/abs/2304.15004

<div class="overlay" style="position:fixed;inset:0;z-index:99999;background:#fff">Please log in again</div>

<iframe src="https://example.com/login"></iframe>

<p class="bg" style="background:url(javascript:alert(1));color:red">Styled text</p>

<p class="bgimage" style="background-image:url(https://tracker.example/p.gif);transform:scale(50)">Tracked</p>

<img class="sized" src="https://pic1.zhimg.com/a.jpg" style="zoom:50%;width:60%;position:absolute;top:0">

<img class="srcset-script" src="https://pic1.zhimg.com/a.jpg" srcset="https://pic1.zhimg.com/a.jpg 1x, javascript:alert(1) 2x">

<img class="srcset-kept" src="https://pic1.zhimg.com/a.jpg" srcset="https://pic1.zhimg.com/a.jpg 1x, b@2x.jpg 2x">

<picture><source class="source-script" srcset="JavaScript:alert(1)"><img src="https://pic1.zhimg.com/a.jpg"></picture>

<p class="ie-style" style="width:expression(alert(1));color:red">IE</p>

<p class="escaped" style="width:\\65 xpression(alert(1));height:e/**/xpression(alert(1));color:blue">IE</p>

<p class="script-font" style="font-family:javascript:alert(1);font-size:12px">Font</p>

<p class="escaped-font" style='font-family:"\\5FAE\\8F6F\\96C5\\9ED1"'>微软雅黑</p>

<details class="shown" open><summary>More</summary>

Shown text

</details>

<video class="clip" src="https://example.org/a.mp4" controls muted loop playsinline></video>

<table><tr><td class="cell" colspan="2" rowspan="3">x</td></tr></table>

<ol class="countdown" start="3" reversed><li>c</li></ol>
"""


def declarations(style: str) -> dict[str, str]:
    pairs = (item.split(":", 1) for item in style.split(";") if ":" in item)
    return {name.strip().lower(): value.strip() for name, value in pairs}


@pytest.fixture(scope="module")
def body(tmp_path_factory) -> BeautifulSoup:
    site = write_site(
        tmp_path_factory.mktemp("sanitize"), {"contributed.md": BODY}, "title: T\nsanitize_html: true\n"
    )
    run_cli("build", "--source", str(site), "--out", str(site / "_site"), check=True)
    html = (site / "_site/digests/contributed/index.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser").select_one(".digest-body")


def test_sanitize_html_removes_iframes(body):
    assert body.find("iframe") is None


def test_sanitize_html_removes_positioning_that_could_cover_the_page(body):
    for tag in body.find_all(style=True):
        style = declarations(tag["style"])
        assert not {"position", "inset", "top", "z-index", "transform"} & style.keys(), tag
    assert body.select_one(".overlay").get_text() == "Please log in again"  # the text stays, inert


def test_sanitize_html_removes_styles_that_load_urls(body):
    assert "url(" not in str(body)
    assert declarations(body.select_one(".bg")["style"]) == {"color": "red"}


def test_sanitize_html_keeps_the_styles_digests_are_written_with(body):
    assert declarations(body.select_one(".sized")["style"]) == {"zoom": "50%", "width": "60%"}


def test_base_url_cannot_break_out_of_the_paper_page_link(tmp_path):
    hostile = 'https://example.org/x"onmouseover="alert(1)/'
    digest = (
        "---\ntitle: D\ndate: 2023-05-02\n---\n### 1、A card\n\n> - URL：https://arxiv.org/abs/2304.15004\n\n"
        '<img class="own" src="/images/x.png">\n'
    )
    site = write_site(tmp_path / "site", {"d.md": digest}, f"title: T\nbase_url: '{hostile}'\n")
    run_cli("build", "--source", str(site), "--out", str(site / "_site"), check=True)
    page = BeautifulSoup((site / "_site/digests/d/index.html").read_text(encoding="utf-8"), "html.parser")
    body = page.select_one(".digest-body")
    link = body.select_one("a.paper-page-link")
    # `lang`: the theme's word in the site's language on a digest read as another language.
    assert set(link.attrs) - {"lang"} == {"class", "href", "title", "aria-label"}
    assert link.get("lang", "zh-CN") == "zh-CN"
    # The base path is percent-encoded once (config.base_path): no quote reaches the attribute.
    base = "/x%22onmouseover%3D%22alert%281%29/"
    assert link["href"] == base + "papers/2304.15004/"
    image = body.select_one("img.own")
    assert image["src"] == base + "images/x.png" and "onmouseover" not in image.attrs
    assert [tag.name for tag in body.find_all(True) if any(a.startswith("on") for a in tag.attrs)] == []
    assert Path(site / "_site/papers/2304.15004/index.html").exists()


def test_sanitize_html_checks_every_url_of_a_srcset(body):
    assert "javascript" not in str(body).lower()
    assert "srcset" not in body.select_one(".srcset-script").attrs
    assert "srcset" not in body.select_one(".source-script").attrs
    kept = body.select_one(".srcset-kept")
    # The relative URL names the file beside the digest, published at its path in the site.
    assert kept["srcset"] == "https://pic1.zhimg.com/a.jpg 1x, /digests/b@2x.jpg 2x"


def test_sanitize_html_drops_style_declarations_that_could_run_script(body):
    assert "xpression" not in str(body)
    assert declarations(body.select_one(".ie-style")["style"]) == {"color": "red"}
    assert declarations(body.select_one(".escaped")["style"]) == {"color": "blue"}
    assert declarations(body.select_one(".script-font")["style"]) == {"font-size": "12px"}
    # An escaped font name spells no script: kept (nh3 writes it unescaped).
    assert declarations(body.select_one(".escaped-font")["style"]) == {"font-family": '"微软雅黑"'}


def test_sanitize_html_keeps_harmless_boolean_and_layout_attributes(body):
    assert body.select_one("details.shown").has_attr("open")
    video = body.select_one("video.clip")
    assert {"controls", "muted", "loop", "playsinline"} <= video.attrs.keys()
    cell = body.select_one("td.cell")
    assert (cell["colspan"], cell["rowspan"]) == ("2", "3")
    countdown = body.select_one("ol.countdown")
    assert countdown["start"] == "3" and countdown.has_attr("reversed")
