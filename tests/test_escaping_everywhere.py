"""Every value from a digest, papers.yaml or site.yaml is escaped for the place it lands, in every
digest shape: one hostile site carries a payload for each language the output speaks (HTML text
and attributes, script, XML, BibTeX, Pagefind's attributes, URLs) in every field of every shape,
and every file the build writes is read back with a parser of its own format.

Digest bodies keep the author's raw HTML unless `sanitize_html: true`; so the site is built both
ways: sanitized, nothing at all may come from a payload; as written, nothing outside the bodies'
raw HTML may (the paper cards drawn inside a body are the theme's, and are checked too).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pybtex.database
import pytest
from bs4 import BeautifulSoup

from conftest import run_cli
from http_util import serve_static

IMG = '"><img src=x onerror=alert(1)>'
QUOTE = "'><svg onload=alert(2)>"
SCRIPT = "</script><script>alert(3)</script>"
BIB = '}} @misc(evil, title="Injected", url="https://evil.example") @comment( {'
XML = "]]> --!> <!-- &amp; &#0; <![CDATA["
CONTROLS = "a\x01b\x0cc\x1bd\x7fe\u2028f\ufffeg"
PAGEFIND = "x, kind:evil, year:1900"
ENTITY = "&lt;img src=x onerror=alert(4)&gt;"
EVERY = IMG + QUOTE + SCRIPT + BIB + XML + CONTROLS + PAGEFIND + ENTITY
SHORT = IMG + BIB  # where a shape reads a value only when it is short or on one line
JS_URL = "javascript:alert(5)"


def yaml_text(value) -> str:
    """A YAML double-quoted scalar (JSON is one): control characters as escapes, as YAML needs."""
    return json.dumps(value)


DIGESTS = {
    # cards: `### N、Title`, quoted translated title, 《Title》 and field lines of every kind
    "2023-05-02-cards.md": f"""\
---
title: {yaml_text("Digest " + EVERY)}
date: 2023-05-02
description: {yaml_text("About " + EVERY)}
keywords: {yaml_text(["Key " + EVERY, "plain"])}
categories: {yaml_text(["Category " + EVERY, "plain", "Deep  Learning"])}
tags: {yaml_text(["Tag " + IMG])}
author: {yaml_text("Writer " + EVERY)}
---
### 1、Card {EVERY}

> Translated {EVERY}

> 《Card {EVERY}》
>
> - URL：https://arxiv.org/abs/2304.15004
> - Official Code：https://github.com/a/b"onmouseover=alert(6)
> - 单位：Lab {IMG}、Lab {SCRIPT}、Lab {BIB}、Lab {CONTROLS}
> - 作者：Ann {IMG}, Bob {BIB}
> - 会议：Venue {EVERY}
> - 类型：Type {EVERY}
> - 发布日期：{IMG}
> - Project：https://example.com/p（Note {EVERY}）
> - Demo：[demo]({JS_URL})
> - Dataset：{JS_URL}
> - Blog：https://example.com/"><img src=x onerror=alert(7)>
> - L{IMG}：https://example.com/labelled
> - Remark：text {EVERY}

Summary {EVERY}, in `<code>{IMG}</code>` and as an entity {ENTITY}.

### 2、Second {EVERY}

> 《Second {EVERY}》
>
> - URL：[paper]({JS_URL})
> - 单位：{EVERY}
""",
    # loose: a numbered title line, a list item with nested fields, a field paragraph, a table
    "2023-05-03-loose.md": f"""\
---
title: Loose {IMG}
date: 2023-05-03
---
【1】Numbered {SHORT}
论文地址：https://arxiv.org/abs/2401.00001
单位：Lab {EVERY}

1. **Item {SHORT}** (ICLR 2024)
   - 论文：https://arxiv.org/abs/2401.00002
   - 作者：Ann {EVERY}
   - 会议：Venue {EVERY}

Title: Paragraph {EVERY}
Authors: Ann {IMG}, Bob {BIB}
arXiv: https://arxiv.org/abs/2401.00003

| Title | Paper | Code | 单位 | 会议 |
|---|---|---|---|---|
| Row {IMG} {BIB} | https://arxiv.org/abs/2401.00004 | {JS_URL} | Lab {SCRIPT} | Venue {IMG} |
""",
    "2024-08-weekly.md": f"""\
# Week-of-year: 33(2024-08-11 ~ 2024-08-17) {IMG}

- topic {EVERY}

Pruned by [S. Muralidharan {IMG}](https://arxiv.org/abs/2407.14679) and
[A title that reads as a title {EVERY}](https://arxiv.org/abs/2407.14680).

# Week-of-year: 34(2024-08-18 ~ 2024-08-24) {SCRIPT}

- other {IMG}

See [Another paper title here {BIB}](https://arxiv.org/abs/2407.14681).
""",
    "plainlist.md": f"""\
2024年5月第四周 大模型论文 {IMG}

多模态 {IMG}

1、Plain {EVERY}
summary {EVERY}
https://arxiv.org/abs/2405.00001

2、Plain two {SCRIPT}
summary two
https://arxiv.org/abs/2405.00002

https://example.com/source
作者：Writer {IMG}
""",
    "bloglist.md": f"""\
Post one {IMG}
By Ann {IMG} | 2023-03-17 | 12位读者 | 引用
An excerpt naming 《Mentioned {SHORT}》 here.

Post two {SCRIPT}
By Bob {BIB} | 2023-03-18 | 5位读者 | 引用
Second excerpt {EVERY}.
""",
    "article.md": f"""\
# Article {IMG}

## 1) Discussion {EVERY}

Citing https://arxiv.org/abs/2402.00001 inline.

## Papers {IMG}

**Listed {EVERY}** by Ann {IMG} (29 Feb), [https://arxiv.org/abs/2402.00002](https://arxiv.org/abs/2402.00002)

* summary {EVERY}

**\\* Picked {SCRIPT}** by Bob {BIB} (1 Mar), [https://arxiv.org/abs/2402.00003](https://arxiv.org/abs/2402.00003)

* summary two
""",
    "2023-06-01-note.md": f"""\
# 论文笔记：One paper {EVERY}

**会议**: Venue {EVERY}
**arXiv**: [2306.00005](https://arxiv.org/abs/2306.00005)
- 代码：https://github.com/o/p
- 单位：Lab {EVERY}

## Section {IMG}

First paragraph {EVERY}.
""",
    "2023-07-02-listing.md": f"""\
[1] arXiv:2401.01234 [pdf, other]
Title: Listed {EVERY}
Authors: Ann {IMG}, Bob {BIB}
Subjects: Computation and Language (cs.CL)
""",
    # titles with markup keep it (title_html): their raw HTML must still be text
    "2023-05-04-markup.md": f"""\
---
title: {yaml_text("**Bold** $x^2$ " + IMG + SCRIPT)}
date: 2023-05-04
---
### 1、**Bold {IMG}** $x^2$ {SCRIPT} [link]({JS_URL}) ![i]({JS_URL}) <{JS_URL}>

> **Translated {IMG}** {SCRIPT}

> - URL：https://arxiv.org/abs/2304.99999
""",
    # a file name holding HTML (no `/` can be in it)
    f"2023-07-01-{IMG.replace('/', '')}.md": """\
### 1、Named by its file

> - URL：https://arxiv.org/abs/2307.00001
""",
}

PAPERS_YAML = {
    "2304.15004": {"links": {f"Label {IMG}": "https://example.com/py", "Script": JS_URL}},
    "2401.00001": {"venue": "Override " + EVERY, "authors": ["Ann " + IMG, "Bob " + BIB]},
}


def hostile_site(root: Path, sanitize: bool) -> Path:
    (root / "digests").mkdir(parents=True)
    config = {
        "title": "Site " + EVERY,
        "description": "Site about " + EVERY,
        "author": "Owner " + EVERY,
        "base_url": "https://example.org/sub/",
        "repo_url": "https://github.com/u/r",
        "sanitize_html": sanitize,
        "strings": {"search_placeholder": "Find " + EVERY, "footer_built_with": "Built " + SCRIPT},
        "math": {"macros": {"\\evil": QUOTE + SCRIPT}},
    }
    (root / "site.yaml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    (root / "papers.yaml").write_text(json.dumps(PAPERS_YAML), encoding="utf-8")
    for name, text in DIGESTS.items():
        (root / "digests" / name).write_text(text, encoding="utf-8")
    out = root / "_site"
    run_cli("build", "--source", str(root), "--out", str(out), check=True)
    return out


@pytest.fixture(scope="module", params=[True, False], ids=["sanitized", "as-written"])
def site(request, tmp_path_factory) -> tuple[Path, bool]:
    return hostile_site(tmp_path_factory.mktemp("hostile"), request.param), request.param


ASCII_SPACE = re.compile(r"[\t\n\f\r ]+")  # what HTML collapses in an option's text
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "xlink:href"}


def made_by_a_payload(soup: BeautifulSoup) -> list[str]:
    """Every element and attribute in a parsed page that no template wrote."""
    found = []
    for tag in soup.find_all(True):
        # (a sanitized body keeps its own <img src=x>, without its onerror)
        in_body = tag.find_parent(class_="digest-body") and not tag.find_parent(class_="paper-card")
        if (tag.name == "svg" or (tag.name == "img" and tag.get("src") == "x")) and not in_body:
            found.append(f"<{tag.name}> element")
        for name, value in tag.attrs.items():
            if name.lower().startswith("on"):
                found.append(f"{name} on <{tag.name}>")
            if name.lower() in URL_ATTRIBUTES:
                scheme = urlsplit(str(value).strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL in <{tag.name} {name}>")
    for script in soup.find_all("script"):
        if script.string and script.string.strip() or not script.get("src", "").startswith("/sub/assets/"):
            found.append(f"script {str(script)[:80]}")
    return found


def theme_parts(soup: BeautifulSoup, sanitized: bool) -> BeautifulSoup:
    """The page without the raw HTML an unsanitized body keeps by design (its paper cards stay)."""
    if not sanitized:
        for body in soup.select(".digest-body"):
            cards = body.select(".paper-card")
            body.clear()
            body.extend(cards)
    return soup


def read(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def papers_json(out: Path) -> list[dict]:
    return json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]


def test_the_hostile_site_covers_every_shape(site):
    """The payloads reached the records (else the other tests would prove nothing)."""
    out, _ = site
    papers = {p["id"]: p for p in papers_json(out)}
    shaped = ("2304.15004", "2401.00002", "2401.00003", "2401.00004", "2407.14680", "2405.00001",
              "2402.00002", "2306.00005", "2401.01234")  # fmt: skip
    for pid in shaped:
        assert "onerror" in papers[pid]["title"] or "alert" in papers[pid]["title"], pid
    assert "onerror" in papers["2304.15004"]["venue"] and "}" in papers["2304.15004"]["authors"][1]
    assert len(list(out.rglob("*.html"))) > 30


def test_no_page_has_an_element_or_attribute_a_value_made(site):
    out, sanitized = site
    for path in sorted(out.rglob("*.html")):
        soup = theme_parts(read(path), sanitized)
        assert made_by_a_payload(soup) == [], path.relative_to(out)


def test_values_arrive_as_the_text_they_are(site):
    """Escaped once, never twice: what a page shows is the record's own text."""
    out, _ = site
    for paper in papers_json(out):
        page = read(out / paper["page"].removeprefix("/sub/") / "index.html")
        shown = page.select_one("h1").get_text()
        assert shown == paper["title"] or page.select_one("h1 *") is not None, paper["id"]
        assert page.title.get_text().startswith(paper["title"] + " · Site "), paper["id"]
        star = page.select_one("h1 ~ [data-star]")
        assert star["data-star"] == paper["id"]
        fields = page.select_one(".paper-fields").get_text()
        assert all(a in fields for a in paper["affiliations"]), paper["id"]
        coins = parse_qs(page.select_one(".Z3988")["title"])
        assert coins.get("rft.atitle", [paper["title"]]) == [paper["title"]]
    digest = read(out / "digests/2023-05-02-cards/index.html")
    keywords = digest.find("meta", attrs={"name": "keywords"})["content"]
    assert keywords.startswith("Key " + IMG + QUOTE + SCRIPT)


def test_the_papers_filters_offer_the_values_the_papers_carry(site):
    """An option's value is what site.js compares with the papers' data-* attributes: written as
    an attribute, never left to the browser, which takes the text with its whitespace collapsed."""
    out, _ = site
    for path in out.glob("papers/**/index.html"):
        page = read(path)
        items = page.select(".paper-list > .paper-item")
        carried = {
            "category": {c for item in items for c in item["data-category"].split("\n")},
            "year": {y for item in items for y in item["data-year"].split("\n")},
            "venue": {item["data-venue"] for item in items},
        }
        for select in page.select("[data-paper-filters] select"):
            for option in select.select("option"):
                value = option.get("value", ASCII_SPACE.sub(" ", option.get_text()).strip(" "))
                assert not value or value in carried[select["name"]], (path.relative_to(out), value)
        # Written with two spaces, the category is read as readers see it (parse.digest.category_name).
        assert "Deep Learning" in carried["category"] or not items


def test_feeds_and_sitemaps_are_xml_with_only_their_own_elements(site):
    out, _ = site
    xml_files = sorted(out.rglob("*.xml"))
    assert len(xml_files) >= 4  # the feed, category feeds, the sitemap
    for path in xml_files:
        root = ET.parse(path).getroot()  # raises on anything a value broke
        namespace = root.tag.split("}")[0] + "}"
        assert all(el.tag.startswith(namespace) for el in root.iter()), path.relative_to(out)
    feed = ET.parse(out / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert any(t.startswith("Digest " + IMG + QUOTE + SCRIPT) for t in titles)
    robots = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert robots == ["User-agent: *", "Allow: /", "Sitemap: https://example.org/sub/sitemap.xml"]


def test_every_bib_file_holds_exactly_its_papers(site):
    """A title's `}` or `@` never ends an entry nor starts one (read strictly: any slip fails)."""
    out, _ = site
    papers = papers_json(out)
    every = pybtex.database.parse_string((out / "papers.bib").read_text(encoding="utf-8"), "bibtex")
    assert len(every.entries) == len(papers)
    assert "evil" not in {key.lower() for key in every.entries}
    for bib in out.glob("digests/*/papers.bib"):
        entries = pybtex.database.parse_string(bib.read_text(encoding="utf-8"), "bibtex").entries
        listed = read(bib.with_name("index.html")).select(".digest-papers li")
        assert len(entries) == len(listed), bib.relative_to(out)
    card = every.entries[next(k for k, e in every.entries.items() if e.fields["eprint"] == "2304.15004")]
    assert card.fields["url"] == "https://arxiv.org/abs/2304.15004"  # the paper's own, not swallowed


def test_search_attributes_name_only_the_themes_keys(site):
    """Pagefind reads `key:value`: a value can never name another key (its filters stay its own)."""
    out, _ = site
    for path in out.rglob("*.html"):
        for tag in read(path).select("[data-pagefind-filter], [data-pagefind-meta]"):
            for attribute in ("data-pagefind-filter", "data-pagefind-meta"):
                if tag.has_attr(attribute):
                    key = tag[attribute].split(":", 1)[0]
                    # heading-<anchor>: a card heading's readable title (search.js); ids are slugs
                    named = re.fullmatch(r"heading-[\w-]+", key) and attribute == "data-pagefind-meta"
                    assert key in {"category", "year", "kind", "arxiv", "translated", "title"} or named, (
                        path,
                        key,
                    )


@pytest.mark.browser
@pytest.mark.parametrize("site", [True], ids=["sanitized"], indirect=True)
def test_no_payload_runs_in_a_browser(site, browser):
    """Every page of the sanitized site, the search page's results and the reading list, in
    Chromium: no dialog opens (the unsanitized site runs its authors' own scripts by design)."""
    out, _ = site
    with serve_static(out, "/sub/") as root:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in sorted(out.rglob("*.html")):
            page.goto(root + path.relative_to(out).as_posix().removesuffix("index.html"))
        page.goto(root + "search/?q=onerror")
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results > li').length > 0", timeout=30000
        )
        page.locator("#search-filters input").first.click()  # the facets, values from digests
        page.goto(root + "papers/")
        for star in page.locator("[data-star]").all()[:20]:
            star.click()
        page.goto(root + "starred/")
        page.wait_for_selector("[data-starred-list] li")
        page.close()
    assert dialogs == []
