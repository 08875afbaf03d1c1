"""Real notes as their authors wrote them (issue 18): one-paper notes, fields in any spelling, plain
field values, fields split right, every arXiv reference form. Inputs are tests/fixtures/notes/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from paperdigest.config import load_config
from paperdigest.model import CITED, MAIN, Card, Link, Paper
from paperdigest.overrides import apply_overrides, load_overrides
from paperdigest.parse import parse_digest

NOTES = Path(__file__).parent / "fixtures" / "notes"


def parse(name: str, fields: dict | None = None):
    result = parse_digest(NOTES / name, NOTES, fields=fields)
    assert result.digest is not None, result.problems
    return result.digest


def main_cards(name: str) -> list[Card]:
    return [c for c in parse(name).cards if c.section != CITED]


# --- case 1: one-paper notes, cards without quotes, bare ids ---------------------------------


def test_one_paper_note_with_bold_field_lines():
    digest = parse("one_paper_bold_fields.md")
    assert digest.shape == "paper"
    note, cited = digest.cards
    assert (note.title, note.section, note.arxiv_id) == (
        "Sparse Attention Decoupling for Long Context",
        MAIN,
        "2601.16736",
    )
    assert (note.venue, note.code_url, note.authors) == (
        "ICLR 2026",
        "https://github.com/a/b",
        ("A. Wang", "B. Li"),
    )
    assert note.anchor and f'id="{note.anchor}"' in digest.html  # the h1 is the paper's place
    assert note.summary == "We decouple attention for long context models."
    assert (cited.arxiv_id, cited.section) == ("2401.00001", CITED)  # other links stay citations


def test_one_paper_note_with_quoted_list_fields_and_title_field():
    digest = parse("one_paper_listed_fields.md")
    note = digest.cards[0]
    assert digest.shape == "paper" and digest.title == "论文笔记"
    assert note.title == "Sparse Attention Decoupling"  # `**Title:**` names it; the h1 is its translation
    assert note.translated_title == "稀疏注意力解耦"
    assert note.arxiv_id == "2502.01234"  # from a huggingface.co/papers URL
    assert note.code_url == "https://github.com/c/d"
    assert note.authors == ("A. Wang", "B. Li")
    assert note.affiliations == ("University of California, Berkeley", "Google")
    assert [c.arxiv_id for c in digest.cards[1:]] == ["2205.14135"]


def test_one_paper_note_with_a_line_of_labelled_links():
    note = parse("one_paper_link_line.md").cards[0]
    assert note.section == MAIN and note.title == "Reasoning Models Think Too Much"
    assert note.arxiv_id == "2504.05678"  # an alphaxiv link with a version
    assert note.code_url == "https://github.com/r/think"
    assert (note.venue, note.type) == ("NeurIPS 2025", "Oral")
    assert note.links == (Link("Project Page", "https://think.example.org"),)


def test_one_paper_note_names_its_arxiv_id_in_a_badge():
    note = parse("one_paper_badge.md").cards[0]
    assert note.arxiv_id == "1706.03762" and note.section == MAIN
    assert note.url == "https://openreview.net/forum?id=abc"  # the paper field wins; arXiv kept as a link
    assert Link("arXiv", "https://arxiv.org/abs/1706.03762") in note.links
    assert (note.venue, note.authors) == ("NeurIPS 2017", ("A. Vaswani", "N. Shazeer", "N. Parmar"))
    assert note.summary == "The Transformer."


def test_cards_with_unquoted_list_fields_under_chinese_numerals():
    cards = main_cards("chinese_numeral_cards.md")
    assert [c.title for c in cards] == [
        "Voyager: An Open-Ended Embodied Agent with Large Language Models",
        "Tree of Thoughts",
        "Reflexion",
        "Self-Refine",
    ]
    assert [c.arxiv_id for c in cards] == ["2305.16291", "2305.10601", "2303.11366", "2303.17651"]
    assert cards[0].code_url == "https://github.com/MineDojo/Voyager"
    assert cards[0].affiliations == ("NVIDIA", "Caltech")
    assert cards[0].summary == "Voyager 在 Minecraft 中持续探索。"
    assert cards[1].affiliations == ("Princeton", "Google DeepMind")


def test_a_bare_arxiv_id_makes_one_record():
    cards = parse("bare_arxiv_id.md").cards
    assert len(cards) == 1
    assert (cards[0].arxiv_id, cards[0].section) == ("2306.00005", MAIN)
    assert cards[0].url == "https://arxiv.org/abs/2306.00005"


# --- case 2: Markdown inside fields -----------------------------------------------------------


def test_field_markdown_is_plain_text_in_records_and_html_beside_it():
    lima, qlora, shape = main_cards("markdown_in_fields.md")
    assert lima.translated_title == "自监督 + 无需微调"
    assert lima.translated_title_html == "<strong>自监督 + 无需微调</strong>"
    assert qlora.translated_title == "高效微调量化大语言模型"  # two quoted lines, joined
    assert qlora.translated_title_html == ""  # plain text needs no HTML
    assert shape.title == "α-Shape: Learning Shapes"
    assert shape.title_html == '<span class="math inline">\\alpha</span>-Shape: <em>Learning</em> Shapes'


# --- case 4: fields split right ---------------------------------------------------------------


def test_affiliations_code_urls_long_labels_and_bare_domains():
    gorilla, joint = main_cards("field_values.md")
    assert gorilla.affiliations == ("University of California, Berkeley", "Microsoft Research")
    assert gorilla.code_url == "https://github.com/x/y"
    assert gorilla.links == (
        Link("Official Code", "https://github.com/x/z"),
        Link("网站", "https://gorilla.cs.berkeley.edu"),
        Link("Gorilla Spotlight Waitlist", "https://forms.gle/abc", "候补名单"),
    )
    assert joint.affiliations == ("MIT", "Harvard", "清华大学", "北京大学", "University of Texas, Austin")


# --- case 6: every arXiv reference form -------------------------------------------------------


def test_every_arxiv_reference_form_is_a_mention():
    cards = parse("arxiv_forms.md").cards
    assert [c.arxiv_id for c in cards] == [
        "2401.12345",  # data-arxiv-id="..." in raw HTML
        "2401.11111",  # huggingface.co/papers
        "2401.22222",  # arxiv.org/html/...v2
        "2401.33333",  # alphaxiv.org/abs
        "2401.44444",  # a bare huggingface URL in text
        "2401.55555",  # ar5iv
        "2401.66666",  # arXiv's DOI
    ]
    assert all(c.section == CITED for c in cards)


def test_a_papers_yaml_title_replaces_the_typeset_one(tmp_path):
    (tmp_path / "papers.yaml").write_text("2305.99999:\n  title: Alpha Shape\n", encoding="utf-8")
    overrides, problems = load_overrides(tmp_path)
    paper = Paper(
        id="2305.99999", title="α-Shape", translated_title="", arxiv_id="2305.99999", arxiv_url="", pdf_url="",
        url="", code_url="", affiliations=(), authors=(), venue="", type="", links=(), mentions=(),
        title_html='<span class="math inline">\\alpha</span>-Shape',
    )  # fmt: skip
    fixed = apply_overrides({paper.id: paper}, overrides)[0][paper.id]
    assert not problems and (fixed.title, fixed.title_html) == ("Alpha Shape", "")


# --- user-defined labels ----------------------------------------------------------------------


NOTE_WITH_SITE_LABELS = """\
# Own Labels

出处：ACL 2024
仓库：https://github.com/o/l
论文主页：https://arxiv.org/abs/2405.00001
"""


def test_site_yaml_adds_labels_to_fields(tmp_path):
    site = write_site(
        tmp_path,
        {"note.md": NOTE_WITH_SITE_LABELS},
        "fields:\n  code: [仓库]\n  venue: 出处\n  url: [论文主页]\n",
    )
    config = load_config(site)
    result = parse_digest(site / "digests" / "note.md", site, fields=config.fields)
    note = result.digest.cards[0]
    assert result.digest.shape == "paper"
    assert (note.venue, note.code_url, note.arxiv_id) == ("ACL 2024", "https://github.com/o/l", "2405.00001")
    plain = parse_digest(site / "digests" / "note.md", site).digest.cards  # without the site's labels
    assert all(c.venue == "" and c.code_url == "" for c in plain)


@pytest.mark.parametrize(
    "line, field, value",
    [
        ("**代码**: [x](https://github.com/a/b)", "code_url", "https://github.com/a/b"),
        ("**代码：** https://github.com/a/b", "code_url", "https://github.com/a/b"),
        ("**Code:** https://github.com/a/b", "code_url", "https://github.com/a/b"),
        ("代码:https://github.com/a/b", "code_url", "https://github.com/a/b"),
        ("- Official-Code：github.com/a/b", "code_url", "https://github.com/a/b"),
        ("> - **ＧｉｔＨｕｂ**：https://github.com/a/b", "code_url", "https://github.com/a/b"),
        ("- 🔗 **Paper**: [abs](https://arxiv.org/abs/2401.00002)", "arxiv_id", "2401.00002"),
        ("__会议__：ICML 2024", "venue", "ICML 2024"),
    ],
)
def test_one_field_syntax_in_every_spelling(tmp_path, line, field, value):
    text = f"### 1、A Paper\n\n{line}\n\nSummary.\n"
    site = write_site(tmp_path, {"d.md": text})
    card = parse_digest(site / "digests" / "d.md", site).digest.cards[0]
    assert getattr(card, field) == value


# --- case 5: math in front-matter titles, Jekyll leftovers ------------------------------------

MATH_TITLE = """\
---
title: '$\\textit{New News}$: 论文速递'  # single quotes: YAML keeps the backslash
date: 2023-06-01
---
* content
{:toc}

![fig]({{ site.baseurl }}/images/x.png)

### 1、A Paper

> 《A Paper》
> - URL：https://arxiv.org/abs/2306.00001
"""


@pytest.fixture(scope="module")
def math_title_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("math-title")
    write_site(root, {"2023-06-01-news.md": MATH_TITLE}, "title: S\nbase_url: https://u.github.io/repo/\n")
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


def test_front_matter_math_is_typeset_in_html_and_plain_elsewhere(math_title_site):
    page = BeautifulSoup(
        (math_title_site / "digests/2023-06-01-news/index.html").read_text("utf-8"), "html.parser"
    )
    typeset = page.h1.select_one("math mrow")  # the MathML of the formula, not its TeX annotation
    assert typeset.get_text() == "New\xa0News" and typeset.select('mtext[style="font-style:italic"]')
    assert "$" not in page.h1.get_text()
    assert page.title.string == "New News: 论文速递 · S"
    archive = BeautifulSoup((math_title_site / "archive/2023/index.html").read_text("utf-8"), "html.parser")
    assert archive.select(".digest-item a .katex")  # lists show the typeset title too
    feed = (math_title_site / "feed.xml").read_text("utf-8")
    assert "<title>New News: 论文速递</title>" in feed
    papers = json.loads((math_title_site / "papers.json").read_text("utf-8"))["papers"]
    assert papers[0]["mentions"][0]["digest_title"] == "New News: 论文速递"


def test_jekyll_leftovers_do_not_show(math_title_site):
    page = BeautifulSoup(
        (math_title_site / "digests/2023-06-01-news/index.html").read_text("utf-8"), "html.parser"
    )
    body = page.select_one(".digest-body") or page
    assert "{{" not in body.get_text() and "{:toc}" not in body.get_text()
    assert "content" not in [li.get_text(strip=True) for li in body.find_all("li")]
    assert [img["src"] for img in body.find_all("img")] == ["/repo/images/x.png"]
