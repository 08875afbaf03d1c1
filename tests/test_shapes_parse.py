"""Each digest shape, from fixtures written for these tests (tests/fixtures/shapes/)."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from paperdigest.model import CITED, MAIN, MONTH, WEEK, Digest
from paperdigest.parse.digest import parse_digest
from paperdigest.parse.shapes import article, detect_shape
from paperdigest.parse.shapes.bloglist import split_byline
from paperdigest.parse.shapes.plaintext import as_paragraphs

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
D = dt.date


def parse_text(root: Path, name: str, text: str, problems: list | None = None) -> Digest:
    path = root / "digests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = parse_digest(path, root)
    if problems is not None:
        problems.extend(result.problems)
    assert result.digest is not None
    return result.digest


def parse_fixture(root: Path, name: str, problems: list | None = None) -> Digest:
    return parse_text(root, name, (FIXTURES / name).read_text(encoding="utf-8"), problems)


def by_id(digest: Digest) -> dict:
    found: dict = {}
    for card in digest.cards:
        found.setdefault(card.arxiv_id or card.title, []).append(card)
    return found


def html_ids(digest: Digest) -> set[str]:
    return {el["id"] for el in BeautifulSoup(digest.html, "html.parser").find_all(id=True)}


@pytest.mark.parametrize(
    "name, shape",
    [
        ("weekly.md", "weekly"),
        ("plainlist.txt", "plainlist"),
        ("bloglist.txt", "bloglist"),
        ("article.md", "article"),
    ],
)
def test_detects_each_shape(name, shape):
    assert detect_shape((FIXTURES / name).read_text(encoding="utf-8")) == shape


def test_card_digests_keep_the_card_shape():
    assert (
        detect_shape("---\ntitle: x\n---\n### 1、A paper\n\n> - URL：https://arxiv.org/abs/2304.15004\n")
        == "cards"
    )


def test_weekly_notes(tmp_path):
    digest = parse_fixture(tmp_path, "weekly.md")
    assert digest.shape == "weekly"
    assert [(e.date, e.date_precision, e.date_end) for e in digest.entries] == [
        (D(2025, 1, 6), WEEK, D(2025, 1, 12)),
        (D(2024, 12, 30), WEEK, D(2025, 1, 5)),
    ]
    assert (digest.date, digest.date_precision) == (D(2025, 1, 6), WEEK)  # the newest entry
    week2, week1 = (e.anchor for e in digest.entries)
    cards = by_id(digest)
    colbert = cards["2112.01488"]
    assert [(c.entry, c.category, c.authors, c.section) for c in colbert] == [
        (week2, "Retrieval", ("K. Santhanam",), MAIN),
        (week1, "Retrieval", ("K. Santhanam",), MAIN),
    ]
    assert colbert[0].title == ""  # an author's name is not a title
    assert "compresses late interaction" in colbert[0].summary
    assert cards["2004.04906"][0].title == "Dense Passage Retrieval"  # a pdf link, titled by its text
    toolformer = cards["2302.04761"][0]  # `arXiv:2302.04761` in plain text
    assert (toolformer.category, toolformer.entry) == ("Agents", week2)
    ids = html_ids(digest)
    assert all(c.anchor in ids for c in digest.cards)
    assert 'href="https://arxiv.org/abs/2302.04761"' in digest.html


def test_plain_weekly_list(tmp_path):
    digest = parse_fixture(tmp_path, "plainlist.txt")
    assert digest.shape == "plainlist"
    assert digest.title == "这是2025年3月第二周的论文清单,共三篇。"
    assert (digest.date, digest.date_precision, digest.date_end) == (D(2025, 3, 8), WEEK, D(2025, 3, 14))
    assert (digest.author, digest.source_url) == ("Ada Lovelace", "https://example.org/weekly/2025-03-2")
    got = [(c.title, c.arxiv_id, c.category, c.line) for c in digest.cards]
    assert got == [
        ("Segment Anything", "2304.02643", "视觉模型", 3),
        ("DINOv2: Learning Robust Visual Features without Supervision", "2304.07193", "视觉模型", 7),
        ("LLaMA: Open and Efficient Foundation Language Models", "2302.13971", "语言模型", 11),
    ]
    assert digest.cards[0].summary == "提出了一个可提示的分割模型。 它在十亿掩码上训练。"
    soup = BeautifulSoup(digest.html, "html.parser")
    assert [h.get_text(strip=True) for h in soup.find_all("h2")] == ["视觉模型", "语言模型"]
    titles = soup.find_all("h3")
    assert [h["id"] for h in titles] == [c.anchor for c in digest.cards]
    assert soup.find("a", href="https://arxiv.org/abs/2304.02643") is not None  # bare URL lines are links
    assert len(soup.find_all("p")) >= 8  # one paragraph per line, not one wall of text
    assert [t.title for t in digest.toc] == ["视觉模型", "1、Segment Anything", "2、DINOv2: Learning Robust Visual "
        "Features without Supervision", "语言模型", "1、LLaMA: Open and Efficient Foundation Language Models"]  # fmt: skip


def test_plain_list_items_end_at_an_arxiv_address_written_without_its_scheme(tmp_path):
    text = textwrap.dedent("""\
        这是2024年5月第四周的论文清单。
        视觉模型
        1、Segment Anything
        提出了一个可提示的分割模型。
        https://arxiv.org/abs/2304.02643
        多模态
        2、ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models
        用 ConvNeXt 替代 ViT 作为视觉编码器。
        arxiv.org/abs/2405.15738
        3、Another One
        摘要一句。
        arXiv:2405.11157v2
        """)
    digest = parse_text(tmp_path, "weekly.txt", text)
    assert digest.shape == "plainlist"
    got = [(c.title, c.arxiv_id, c.category) for c in digest.cards]
    assert got == [
        ("Segment Anything", "2304.02643", "视觉模型"),
        (
            "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models",
            "2405.15738",
            "多模态",
        ),
        ("Another One", "2405.11157", "多模态"),
    ]
    assert digest.cards[1].url == "https://arxiv.org/abs/2405.15738"
    assert digest.cards[1].summary == "用 ConvNeXt 替代 ViT 作为视觉编码器。"


def test_blog_listing(tmp_path):
    digest = parse_fixture(tmp_path, "bloglist.txt")
    assert digest.shape == "bloglist"
    assert [(e.title, e.date, e.author, e.line) for e in digest.entries] == [
        ("注意力机制的另一种写法", D(2025, 2, 3), "张三", 1),
        ("另一种写法的补充", D(2025, 3, 15), "张三", 4),
    ]
    assert (digest.date, digest.author) == (D(2025, 3, 15), "张三")
    first, second = (e.anchor for e in digest.entries)
    papers = [(c.title, c.section, c.entry, c.arxiv_id) for c in digest.cards]
    assert papers == [  # 《another post of this listing》 is a cross-reference, not a paper
        ("Attention Is All You Need", CITED, first, ""),
        ("Linear Transformers Are Secretly Fast Weight Programmers", CITED, second, ""),
    ]
    soup = BeautifulSoup(digest.html, "html.parser")
    assert [h.get_text() for h in soup.find_all("h2")] == ["注意力机制的另一种写法", "另一种写法的补充"]
    byline = soup.find("p", class_="byline")
    assert (
        byline.get_text() == "By 张三 | 2025-02-03 | 1200位读者 | 引用"
    )  # the glued excerpt is its own paragraph
    assert byline.find_next_sibling("p").get_text().startswith("今天读了")
    mention = soup.find(id=digest.cards[0].anchor)
    assert mention.name == "span" and mention.get_text() == "《Attention Is All You Need》"


def test_article_with_reading_list(tmp_path):
    digest = parse_fixture(tmp_path, "article.md")
    assert digest.shape == "article"
    assert digest.title == "1) Mamba: 线性时间的序列建模"  # the first heading
    assert (digest.date, digest.date_precision) == (D(2023, 12, 1), MONTH)  # newest arXiv id's month
    assert digest.source_url == "https://example.org/march-papers"
    cards = by_id(digest)
    mamba = cards["2312.00752"]
    assert len(mamba) == 1, "a listed paper's citation in the text is not a second mention"
    assert (mamba[0].title, mamba[0].authors, mamba[0].starred, mamba[0].published) == (
        "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
        ("Gu", "Dao"),
        True,
        "2023-12-01",
    )
    assert mamba[0].summary == "选择性状态空间模型。"
    assert mamba[0].category == "3月份其他论文"
    rwkv = cards["2305.13048"][0]
    assert rwkv.title == "RWKV: Reinventing RNNs for the Transformer Era"  # bold ended mid-word
    assert rwkv.authors == ("Peng", "Alcaide", "Anthony", "et al.")
    hyena = cards["2302.10866"][0]
    assert hyena.title == "Hyena Hierarchy: Towards Larger Convolutional Language Models"
    assert hyena.authors == ("Poli", "Massaroli", "Nguyen")
    s4 = cards["2111.00396"][0]  # only in raw HTML: cited, anchored at its section
    assert s4.section == CITED and s4.anchor == digest.toc[0].anchor
    ids = html_ids(digest)
    assert all(c.anchor in ids for c in digest.cards)


def test_any_arxiv_reference_is_a_mention(tmp_path):
    text = textwrap.dedent(
        """\
        # Links of every kind

        [abs](https://arxiv.org/abs/2401.00001), [pdf](https://arxiv.org/pdf/2401.00002v2.pdf),
        [versioned](http://arxiv.org/abs/2401.00003v4), bare https://arxiv.org/abs/2401.00004 and
        arXiv:2401.00005 in text; `arXiv:2401.00009` in code is not a reference.

        <p><a href="https://arxiv.org/abs/2401.00006">raw html</a></p>
        """
    )
    digest = parse_text(tmp_path, "links.md", text)
    assert [c.arxiv_id for c in digest.cards] == [f"2401.0000{n}" for n in range(1, 7)]
    assert all(c.section == CITED and c.title == "" for c in digest.cards)


def test_plain_text_lines_become_paragraphs_with_a_line_map():
    body = "a\nb\n- x\n- y\n\\begin{equation}\nx^2\n\\end{equation}\nc"
    text, line_map = as_paragraphs(body)
    lines = text.split("\n")
    assert lines[:4] == ["a", "", "b", ""]
    assert "$$" in lines and lines[lines.index("$$") + 1] == "\\begin{equation}"
    assert [line_map[i] for i, line in enumerate(lines) if line == "c"] == [7]
    assert "- x\n- y" in text  # list runs stay one list


def test_byline_split():
    assert split_byline("By A | 2022-06-20 | 5位读者 | 引用如果说") == [
        "By A | 2022-06-20 | 5位读者 | 引用",
        "如果说",
    ]
    assert split_byline("By A | 2022-06-20 | 引用") == ["By A | 2022-06-20 | 引用"]
    assert split_byline("plain line") == ["plain line"]


def test_dated_sections_of_cards_combine_both_shapes(tmp_path):
    text = textwrap.dedent(
        """\
        ---
        title: Two days
        ---
        ## 2024-05-03

        ### 1、Second Day Paper

        > - URL：https://arxiv.org/abs/2405.00002
        > - 单位：Lab B

        Also see [Other Work](https://arxiv.org/abs/2405.00003).

        ## 2024-05-02

        ### 1、First Day Paper

        > - URL：https://arxiv.org/abs/2405.00001
        > - 单位：Lab A

        ## About

        [Unrelated Paper Title](https://arxiv.org/abs/2401.00009) is not in any day.
        """
    )
    digest = parse_text(tmp_path, "days.md", text)
    assert digest.shape == "weekly" and [e.date for e in digest.entries] == [D(2024, 5, 3), D(2024, 5, 2)]
    cards = {c.arxiv_id: c for c in digest.cards}
    assert cards["2405.00002"].affiliations == ("Lab B",)
    assert cards["2405.00002"].entry == digest.entries[0].anchor
    assert cards["2405.00001"].entry == digest.entries[1].anchor
    assert cards["2405.00003"].title == "Other Work" and cards["2405.00003"].entry == digest.entries[0].anchor
    assert cards["2401.00009"].entry == ""  # an undated h2 ends the day before it


def test_article_keeps_cards_written_inside_it(tmp_path):
    text = (FIXTURES / "article.md").read_text(encoding="utf-8") + textwrap.dedent(
        """
        ### 1、A Card In The Article

        > - URL：https://arxiv.org/abs/2401.00077
        > - 单位：Lab C
        """
    )
    digest = parse_text(tmp_path, "article-with-card.md", text)
    card = by_id(digest)["2401.00077"][0]
    assert (digest.shape, card.section, card.affiliations, card.category) == (
        "article",
        MAIN,
        ("Lab C",),
        "3月份其他论文",
    )


@pytest.mark.parametrize(
    "text, title",
    [
        ("Attention Is All You Need", "Attention Is All You Need"),
        ("Self-Instruct", "Self-Instruct"),
        ("Seed-TTS", "Seed-TTS"),
        ("DINOv2", "DINOv2"),
        ("GPT-4", "GPT-4"),
        ("paper", ""),
        ("PDF", ""),
        ("arXiv", ""),
        ("v2", ""),
        ("Y. Ding", ""),
        ("论文", ""),
        ("https://arxiv.org/abs/2406.02430", ""),
    ],
)
def test_a_linked_one_word_name_is_the_cited_papers_title(tmp_path, text, title):
    digest = parse_text(
        tmp_path,
        "2024-06-10-d.md",
        f"---\ntitle: t\n---\n\n## 更多\n\n1. [{text}](https://arxiv.org/abs/2406.02430)\n",
    )
    (card,) = digest.cards
    assert (card.arxiv_id, card.title) == ("2406.02430", title)


def test_bare_urls_in_markdown_notes_are_links_but_not_inside_links_code_or_raw_anchors(tmp_path):
    text = """\
    ---
    title: t
    ---

    ### 1、Attention Is All You Need

    > - URL：https://arxiv.org/abs/1706.03762

    参考论文 https://arxiv.org/abs/2005.14165 ，代码见https://github.com/a/b。又见 <https://example.org/x>。

    [named](https://example.org/named) and <a href="https://example.org/raw">https://example.org/raw</a>
    and `https://example.org/code`.
    """
    digest = parse_text(tmp_path, "2024-06-10-d.md", textwrap.dedent(text))
    soup = BeautifulSoup(digest.html, "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert "https://arxiv.org/abs/2005.14165" in hrefs
    assert "https://github.com/a/b" in hrefs  # stops before the Chinese full stop
    assert hrefs.count("https://example.org/raw") == 1 and hrefs.count("https://example.org/named") == 1
    assert not soup.select("a a") and "https://example.org/code" not in hrefs
    assert [c.arxiv_id for c in digest.cards] == ["1706.03762", "2005.14165"]  # a cited mention


OLD_LIST_LINE = re.compile(r"^\s*\*\*.+?\*\*.*\(([^()]*)\),?\s*.*arxiv\.org/", re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["**", "*", "(", ")", "()", " ", ",", "by A", "2024", "arxiv.org/", "ArXiv.org/abs/1"]
        ),
        max_size=12,
    )
)
def test_the_list_line_check_says_what_the_regex_it_replaced_said(parts):
    line = "".join(parts)
    assert article.is_list_line(line) == bool(OLD_LIST_LINE.match(line))


def test_long_hostile_lines_are_read_in_linear_time():
    """Lines that took the former patterns minutes (cubic backtracking); on the old code this test ran past the minute we gave it."""
    assert not article.is_list_line("**()" * 50_000)
    assert article.is_list_line("**()" * 50_000 + " arxiv.org/abs/2402.00838")
    assert not article.detect("**a**" + "(" * 50_000 + "arxiv.org/")
    assert article.split_authors("Alice" + " " * 50_000 + "Bob") == ("Alice" + " " * 50_000 + "Bob",)
    assert article.split_authors("Alice, Bob" + " " * 50_000 + ", et al.") == ("Alice", "Bob", "et al.")


def test_a_paragraph_of_thousands_of_citations_is_read_in_linear_time(tmp_path):
    """Each citation's line and sentence were made from the whole paragraph (quadratic:
    on the old code this test ran past the minute we gave it. Each is still a mention with its sentence."""
    lines = "".join(f"见 [Paper {i}](https://arxiv.org/abs/2401.{i:05d})。\n" for i in range(8_000))
    digest = parse_text(tmp_path, "2024-06-10-d.md", f"---\ntitle: t\n---\n\n{lines}")
    assert len(digest.cards) == 8_000
    assert digest.cards[-1].summary == "见 Paper 7999。" and digest.cards[-1].line == 8_004


def test_thousands_of_entries_of_one_title_get_their_ids_in_linear_time(tmp_path):
    """Each entry's id tried every suffix from -2 up (quadratic: these 20,000 took 32 s, now 4 s)."""
    entry = "Same title\nBy a | 2023-03-17 | 12位读者 | 引用\nAn excerpt.\n\n"
    digest = parse_text(tmp_path, "2024-01-01-q.md", "---\ntitle: q\n---\n" + entry * 20_000)
    anchors = [e.anchor for e in digest.entries]
    assert anchors[:3] == ["same-title", "same-title-2", "same-title-3"] and anchors[-1] == "same-title-20000"
    assert len(set(anchors)) == 20_000
