"""Paper cards of the 2023-05-02 shape: every field and the edge cases of DESIGN.md section 4."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SEEDS, write_site
from paperdigest.model import MAIN, MORE
from paperdigest.parse import parse_digest
from paperdigest.parse.markdown import markdown_parser, title_parser
from paperdigest.parse.values import INERT, InlineReader


def parse(path: Path, root: Path, base_path: str = "/"):
    result = parse_digest(path, root, base_path)
    assert result.digest is not None, result.problems
    return result


@pytest.fixture(scope="module")
def seed_digest():
    return parse(SEEDS / "000_1f89f5e60622e335.txt", SEEDS).digest


def test_seed_front_matter(seed_digest):
    d = seed_digest
    assert d.title == "2023-05-02：论文速递"
    assert d.date == dt.date(2023, 5, 2)  # from the title: the file name has no date
    assert d.categories == ("paper",)  # cate2 is empty and ignored
    assert d.keywords == ("paper",)
    assert d.description == ""


def test_seed_cards_in_order_with_sections(seed_digest):
    cards = seed_digest.cards
    assert [c.arxiv_id for c in cards] == [
        "2304.15004",
        "2304.14454",
        "2304.15010",
        "2304.14933",
        "2304.14802",
    ]
    assert [c.section for c in cards] == [MAIN, MAIN, MAIN, MORE, MORE]
    assert [c.position for c in cards] == [1, 2, 3, 4, 5]
    # '## 参考' holds a reference, not a paper: no card for the zhihu link.
    assert all("zhihu" not in c.url for c in cards)


def test_seed_card_fields(seed_digest):
    first, second, _, fourth, fifth = seed_digest.cards
    assert first.title == "Are Emergent Abilities of Large Language Models a Mirage?"
    assert first.translated_title == "大型语言模型的涌现能力是种幻觉吗？"
    assert first.url == "https://arxiv.org/abs/2304.15004"
    assert first.code_url == ""  # "Official Code：" is empty
    assert first.affiliations == ("斯坦福大学",)
    assert second.translated_title == "PMC-LLaMA: 用医学论文进一步微调 LLaMA"  # ASCII colon, still a title
    assert second.affiliations == ("上海交通大学", "上海人工智能实验室")
    assert second.code_url == "https://github.com/chaoyi-wu/pmc-llama"
    assert fourth.affiliations == ("UNC Chapel Hill", "Microsoft")
    # Keys in another order: 单位 before Official Code.
    assert fifth.code_url == "https://github.com/microsoft/ResiDual"
    assert fifth.affiliations == ("Microsoft Research",)


def test_seed_card_lines_and_anchors(seed_digest):
    text = (SEEDS / "000_1f89f5e60622e335.txt").read_text(encoding="utf-8").split("\n")
    for card in seed_digest.cards:
        assert text[card.line - 1].startswith("### "), card
        assert f'id="{card.anchor}"' in seed_digest.html


def test_toc_has_chinese_headings(seed_digest):
    titles = [entry.title for entry in seed_digest.toc]
    assert "更多" in titles and "实验结果" in titles
    assert all(entry.anchor for entry in seed_digest.toc)


@pytest.fixture(scope="module")
def edge_digest():
    return parse(REPO / "digests" / "2023-05-03-paper-digest.md", REPO, "/repo/").digest


def test_edge_affiliation_separators_and_ascii_colons(edge_digest):
    card = edge_digest.cards[0]
    assert card.affiliations == (
        "University of Toronto",
        "Vector Institute",
        "Peking University",
        "Microsoft",
    )
    assert card.arxiv_id == "2304.12306"  # version suffix stripped
    assert card.venue == "MICCAI 2023" and card.type == "Method"
    assert [(link.label, link.url, link.note) for link in card.links] == [
        ("Dataset", "https://example.org/medsam-data", "检测数据集")
    ]


def test_edge_unnumbered_card_unknown_keys_and_no_code(edge_digest):
    card = edge_digest.cards[1]
    assert card.title == "Visual Instruction Tuning"
    assert card.code_url == ""  # 未开源
    assert [(link.label, link.url) for link in card.links] == [("项目主页", "https://llava-vl.github.io/")]


def test_edge_empty_heading_is_not_a_paper_and_other_restarts_numbering(edge_digest):
    assert len(edge_digest.cards) == 3
    last = edge_digest.cards[2]
    assert last.section == MORE and last.arxiv_id == "2304.14802"  # '## 其他'
    assert edge_digest.categories == ("paper", "multimodal")


def test_edge_raw_html_and_attribute_lists_do_not_leak(edge_digest):
    html = edge_digest.html
    assert "{:" not in html
    assert "<video" in html and "<u>" in html
    assert 'href="/repo/images/wiki/residual-overview.png"' in html  # fancybox link gets base path
    assert 'style="width:60%"' in html


def test_pdf_url_and_paper_without_arxiv(tmp_path):
    result = parse(REPO / "digests" / "2023-05-09-weekly.md", REPO)
    first, second = result.digest.cards
    assert first.arxiv_id == "2305.06161"
    assert first.title == "StarCoder: may the source be with you!"  # 《》 wins over the heading
    assert second.arxiv_id == "" and second.url == "https://openreview.net/forum?id=abc123"
    assert result.digest.categories == ("paper", "llm", "weekly")


def test_date_from_file_name_and_missing_title(tmp_path):
    write_site(
        tmp_path,
        {"2024-01-15-notes.md": "just text, no heading\n", "untitled.md": "---\ndate: 2024-02-01\n---\n"},
    )
    dated = parse(tmp_path / "digests" / "2024-01-15-notes.md", tmp_path)
    assert dated.digest.date == dt.date(2024, 1, 15)
    assert dated.digest.title == "just text, no heading"
    empty = parse_digest(tmp_path / "digests" / "untitled.md", tmp_path)
    assert empty.digest.title == "untitled"
    assert any("no title" in p.message and p.path == "digests/untitled.md" for p in empty.problems)


def test_unclosed_display_math_is_reported_with_its_line(tmp_path):
    write_site(tmp_path, {"m.md": "---\ntitle: m\n---\n\ntext\n\n$$\nx = 1\n\nmore text\n"})
    result = parse(tmp_path / "digests" / "m.md", tmp_path)
    problems = [p for p in result.problems if "unclosed $$" in p.message]
    assert problems and problems[0].line == 7


def test_unclosed_latex_environment_is_reported_with_its_line(tmp_path):
    text = "---\ntitle: m\n---\n\ntext\n\\begin{align}\nx\n\n\\begin{equation*}\ny\n\n\\begin{gather}\nz\n\\end{gather}\n"
    write_site(tmp_path, {"m.md": text})
    result = parse(tmp_path / "digests" / "m.md", tmp_path)
    found = [(p.line, p.message) for p in result.problems if "unclosed" in p.message]
    assert found == [
        (6, "unclosed \\begin{align}: the formula is shown as text"),  # under a line of text
        (9, "unclosed \\begin{equation*}: the formula is shown as text"),
    ]
    assert '<div class="math display">\\begin{gather}' in result.digest.html


def test_plain_h3_without_card_metadata_is_not_a_paper(tmp_path):
    text = """\
    ### 1、Numbered Paper Without Metadata

    text

    ### 总结

    没有元数据的小节标题。

    ### Unnumbered Card

    > 《Unnumbered Card》
    > - URL：https://arxiv.org/abs/2401.00001
    """
    write_site(tmp_path, {"2024-01-02-d.md": text})
    cards = parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest.cards
    assert [(c.title, c.position) for c in cards] == [
        ("Numbered Paper Without Metadata", 1),
        ("Unnumbered Card", 2),
    ]


NOTES = sorted(
    [*(REPO / "digests").rglob("*.md"), *(REPO / "tests/fixtures").rglob("*.md")]
    + [*(REPO / "tests/fixtures").rglob("*.txt")]
)


def test_plain_values_read_without_markdown_it_give_the_same_records(monkeypatch):
    """A field value with none of markdown-it's inline markers is read as one text token without
    parsing it (InlineReader.children); every note parses to the same records either way."""
    fast = {path: parse_digest(path, path.parent, "/") for path in NOTES}
    plain_reads = []
    original = InlineReader.children

    def counted(self, text):
        if self.one_text(text):
            plain_reads.append(text)
        return original(self, text)

    monkeypatch.setattr(InlineReader, "children", counted)
    parse_digest(REPO / "digests" / "2023-05-02-paper-digest.md", REPO / "digests", "/")
    assert len(plain_reads) >= 10  # affiliations, titles without markup: the fast path is taken
    assert any(text.startswith("https://arxiv.org/") for text in plain_reads)  # URLs too

    def parsed_in_full(self, md, env):
        original_init(self, md, env)
        self.plain_text = None

    original_init = InlineReader.__init__
    monkeypatch.setattr(InlineReader, "__init__", parsed_in_full)
    for path, result in fast.items():
        slow = parse_digest(path, path.parent, "/")
        assert (slow.digest, slow.problems) == (result.digest, result.problems), path


@pytest.mark.parametrize(
    "text",
    [
        "清华大学、北京大学",
        "  Google DeepMind ",
        "NeurIPS 2023 (Oral)",
        "《标题》 中文，标点。",
        "a\tb",
        "x\u00a0y",
        "https://arxiv.org/abs/2304.15004",
        "https://github.com/a/b#readme-ov-file（代码）",
        "10:00-12:00 = 2 h + 5% > 1 ] @x } #y",
        "%} }} --> ]]",
    ],
)
def test_a_plain_value_is_the_one_text_token_markdown_it_makes(text):
    reader = InlineReader(markdown_parser(), {"base_path": "/"})
    full = markdown_parser().parseInline(text, {"base_path": "/"})[0].children
    assert reader.one_text(text)
    assert [(t.type, t.content) for t in reader.children(text)] == [(t.type, t.content) for t in full]


# Single characters, the inert ones among them, and what starts an inline or core rule of the parsers.
VALUE_PIECES = [*INERT, *"aZ09 ./()，、中《》\t", *"[{^*_`$<&!~\\\n"]
VALUE_PIECES += ["&amp;", "&#38;", "^[note]", "{% raw %}", "{: .x}", "[a](b)", "<b>", "$x$", "**b**", "~~s~~"]
VALUE_TEXT = st.lists(st.sampled_from(VALUE_PIECES), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=VALUE_TEXT)
def test_a_value_read_as_one_text_token_is_what_markdown_it_parses(text):
    """Whatever the fast path takes as one text token, both parsers of values parse to that token."""
    for md in (markdown_parser(), title_parser()):
        reader = InlineReader(md, {"base_path": "/"})
        if reader.one_text(text) and text.strip():
            full = md.parseInline(text, {"base_path": "/"})[0].children
            assert [(t.type, t.content) for t in full] == [("text", text)]


def test_numbered_parts_of_a_note_are_not_papers(tmp_path):
    text = """\
    ### 1、A Paper Without Card Lines

    text

    ### 2、Attention Is All You Need

    > - URL：https://arxiv.org/abs/1706.03762

    ### 四、总结

    本期的总结。

    ### 6、总结与展望

    ### 7. Conclusion

    ### 8、Future Work and Discussion

    ### 9、总结

    > - 类型：总结

    ### 10、Overview

    > - URL：https://arxiv.org/abs/2401.00010
    """
    write_site(tmp_path, {"2024-01-02-d.md": text})
    cards = parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest.cards
    assert [(c.title, c.position) for c in cards] == [
        ("A Paper Without Card Lines", 1),
        ("Attention Is All You Need", 2),
        ("Overview", 3),  # a paper's card after all: it gives the paper's URL
    ]


def test_a_quote_after_the_summary_stays_in_the_text_unless_it_names_a_field(tmp_path):
    text = """\
    ### 2、Proximal Policy Optimization Algorithms

    > 《Proximal Policy Optimization Algorithms》
    > - URL：https://arxiv.org/abs/1707.06347

    裁剪目标函数让更新更稳定。

    > **Note**：当 $|r_t - 1| > \\epsilon$ 时梯度为 0。

    > - Code：https://github.com/openai/baselines
    """
    write_site(tmp_path, {"2024-01-02-d.md": text})
    digest = parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest
    (card,) = digest.cards
    assert card.summary == "裁剪目标函数让更新更稳定。"
    assert card.links == ()  # the note is not a link labelled "Note"
    assert card.code_url == "https://github.com/openai/baselines"  # a quote of a known field is the card's
    assert "<blockquote>" in digest.html and "当" in digest.html and 'class="math inline"' in digest.html


def test_a_plain_line_of_links_named_by_their_text_is_the_card(tmp_path):
    text = """\
    ### 2、Mamba

    Links: [Paper](https://arxiv.org/abs/2312.00752) · [Code](https://github.com/state-spaces/mamba)

    线性时间的序列模型。

    ### 3、Jamba

    - Links: [Paper](https://arxiv.org/abs/2403.19887) · [Code](https://github.com/ai21/jamba)
    """
    write_site(tmp_path, {"2024-01-02-d.md": text})
    cards = parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest.cards
    got = [(c.title, c.arxiv_id, c.code_url) for c in cards]
    assert got == [
        ("Mamba", "2312.00752", "https://github.com/state-spaces/mamba"),
        ("Jamba", "2403.19887", "https://github.com/ai21/jamba"),
    ]
    assert cards[0].summary == "线性时间的序列模型。"


@pytest.mark.parametrize(
    "value, names",
    [
        ("普林斯顿大学&谷歌大脑", ("普林斯顿大学", "谷歌大脑")),
        ("阿里巴巴达摩院 | 新加坡南洋理工大学", ("阿里巴巴达摩院", "新加坡南洋理工大学")),
        ("北大&清华 ｜ 中科院", ("北大", "清华", "中科院")),
        ("Texas A&M University, AT&T Labs", ("Texas A&M University", "AT&T Labs")),
        ("MIT & Harvard", ("MIT", "Harvard")),
    ],
)
def test_affiliations_split_on_bars_and_on_ampersands_beside_chinese_names(value, names):
    from paperdigest.parse.affiliations import split_affiliations

    assert split_affiliations(value) == names


@pytest.mark.parametrize(
    "front, expected",
    [
        ("categories: papers daily", ("papers", "daily")),
        ("categories: Machine Learning, NLP", ("Machine Learning", "NLP")),
        ("tags: llm rl", ("llm", "rl")),
        ("category: Machine Learning", ("Machine Learning",)),
        ("cate1: 论文 速递", ("论文 速递",)),
    ],
)
def test_plural_category_keys_split_a_string_at_spaces_as_jekyll_does(tmp_path, front, expected):
    write_site(tmp_path, {"2024-01-02-d.md": f"---\ntitle: t\n{front}\n---\n\ntext\n"})
    assert parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest.categories == expected


def test_a_field_that_says_there_is_none_is_no_link(tmp_path):
    text = """\
    ### 1、Gecko

    > - URL：https://arxiv.org/abs/2403.20327
    > - 项目主页：无
    > - Demo：暂无
    > - 数据集：自建
    """
    write_site(tmp_path, {"2024-01-02-d.md": text})
    digest = parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest
    assert [(link.label, link.note) for link in digest.cards[0].links] == [("数据集", "自建")]


def test_an_empty_heading_has_no_table_of_contents_entry(tmp_path):
    write_site(
        tmp_path,
        {"2024-01-02-d.md": "### 1、Gecko\n\n> - URL：https://arxiv.org/abs/2403.20327\n\n###\n\ntext\n"},
    )
    digest = parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest
    assert [entry.title for entry in digest.toc] == ["1、Gecko"]


def test_a_long_attribute_list_is_read_in_linear_time(tmp_path):
    """`{: 2023-2023-...}` took quadratic time (a key tried at every letter: some ten minutes for this one)."""
    write_site(tmp_path, {"2024-01-02-d.md": "text\n{: " + "2023-" * 60_000 + " .wide}\n"})
    assert '<p class="wide">text</p>' in parse(tmp_path / "digests" / "2024-01-02-d.md", tmp_path).digest.html


def test_dollar_amounts_are_not_reported_as_unclosed_math(tmp_path):
    text = "---\ntitle: m\n---\n\n价格区间 $10-$20 很常见；单独的美元 $ 符号；还有 US$5。\n\nthe formula $x + y never ends.\n"
    write_site(tmp_path, {"m.md": text})
    result = parse(tmp_path / "digests" / "m.md", tmp_path)
    assert [p.line for p in result.problems if "unclosed $" in p.message] == [7]
