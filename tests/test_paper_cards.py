"""Paper cards on digest pages, and what lists show of each paper."""

from __future__ import annotations

from bs4 import BeautifulSoup

from conftest import run_cli, write_site

CARD = """\
    ---
    title: 2024-01-05：论文速递
    cate1: paper
    ---

    ### 1、Sample Paper

    > 样例论文

    > 《Sample Paper: A Study》
    >
    > - URL：https://arxiv.org/abs/2401.01234
    > - Official Code：
    > - 单位：清华大学、"北大"实验室
    > - 会议：ICLR 2024
    > - 类型：Oral
    > - 项目主页：example.org/sample
    > - Dataset：https://huggingface.co/datasets/x（检测数据集）
    > - Demo：即将发布

    The authors' own words, **kept**.

    ### 2、Second Paper

    > 《Second Paper》
    >
    > - URL：https://openreview.net/forum?id=abc
    > - 代码：https://github.com/a/second
    >
    > Some sentence the author wrote inside the quote.

    Prose after the second card.
    """


def build(
    tmp_path, text: str = CARD, config: str = "title: T\nbase_url: https://example.org/\n"
) -> BeautifulSoup:
    site = write_site(tmp_path / "site", {"2024-01-05-cards.md": text}, config)
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    return BeautifulSoup(
        (tmp_path / "out/digests/2024-01-05-cards/index.html").read_text(encoding="utf-8"), "html.parser"
    )


def test_card_fields_render_as_a_card_with_real_links(tmp_path):
    page = build(tmp_path)
    body = page.select_one(".digest-body")
    card = body.select_one(".paper-card")
    assert card.select_one(".card-translated").get_text() == "样例论文"
    assert card.select_one(".card-title").get_text() == "Sample Paper: A Study"
    assert [c.get_text() for c in card.select(".chip")] == ["清华大学", '"北大"实验室']
    assert [b.get_text() for b in card.select(".badge")] == ["ICLR 2024", "Oral"]
    buttons = [(a.get_text(" ", strip=True), a["href"]) for a in card.select("a.button")]
    assert buttons == [
        ("arXiv 2401.01234", "https://arxiv.org/abs/2401.01234"),
        ("PDF", "https://arxiv.org/pdf/2401.01234"),
        ("项目主页", "https://example.org/sample"),
        ("Dataset 检测数据集", "https://huggingface.co/datasets/x"),
    ]
    assert card.select_one(".card-note").get_text() == "Demo：即将发布"
    text = body.get_text()
    assert (
        "URL：https://arxiv.org" not in text and "Official Code" not in text and "单位：" not in text
    )  # no raw lines
    assert "&#34;北大&#34;实验室" in (tmp_path / "out/digests/2024-01-05-cards/index.html").read_text(
        encoding="utf-8"
    )
    assert body.find("strong").get_text() == "kept"  # the prose stays as written
    assert body.select_one("h3 + .paper-card") is card  # right under the card's heading


def test_a_quote_that_holds_more_than_fields_stays_as_written(tmp_path):
    body = build(tmp_path).select_one(".digest-body")
    second = body.select(".paper-card")
    assert len(second) == 1  # the second card's quote holds a sentence of the author's: kept whole
    quote = body.find("blockquote")
    assert "Some sentence the author wrote inside the quote." in quote.get_text()
    assert "代码：https://github.com/a/second" in quote.get_text()


def test_cards_survive_sanitize_html(tmp_path):
    page = build(tmp_path, config="title: T\nbase_url: https://example.org/\nsanitize_html: true\n")
    card = page.select_one(".digest-body .paper-card")
    assert card is not None and card.select_one("a.button")["href"] == "https://arxiv.org/abs/2401.01234"


def test_every_paper_on_a_digest_page_has_a_star_and_cards_link_to_paper_pages(tmp_path):
    page = build(tmp_path)
    stars = {b["data-star"] for b in page.select("button.star")}
    assert stars == {"2401.01234", "second-paper"}
    heading_link = page.select_one("h3 a.paper-page-link")
    assert heading_link["href"] == "/papers/2401.01234/" and heading_link["aria-label"] == "论文页"


def test_lists_show_translated_title_affiliations_code_and_date(example_site):
    pages = {
        "home": "index.html",
        "papers": "papers/index.html",
        "category": "categories/paper/index.html",
        "archive month": "archive/2023/05/index.html",
    }
    for name, rel in pages.items():
        html = BeautifulSoup((example_site / rel).read_text(encoding="utf-8"), "html.parser")
        item = next(
            li
            for li in html.select("li.paper-item")
            if li.select_one("a.paper-title")["href"].endswith("/2304.14454/")
        )
        assert item.select_one(".translated").get_text() == "PMC-LLaMA: 用医学论文进一步微调 LLaMA", name
        assert [c.get_text() for c in item.select(".chip")] == ["上海交通大学", "上海人工智能实验室"], name
        assert item.select_one("a.code-mark")["href"] == "https://github.com/chaoyi-wu/pmc-llama", name
        assert item.select_one("time")["datetime"] == "2023-04", name
    # A year lists its digests, a line each; their papers are on the months' pages.
    year = BeautifulSoup(
        (example_site / "archive/2023/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert year.select("li.digest-item") and not year.select("li.paper-item")
    front = BeautifulSoup((example_site / "archive/index.html").read_text(encoding="utf-8"), "html.parser")
    assert front.select_one("a[href$='/archive/2023/05/']") and not front.select("li.digest-item")


def test_stars_in_lists_carry_no_copy_of_what_their_item_shows(example_site):
    """A list of papers shows each title, translated title and title link: its star does not
    repeat them (site.js reads them from the item), nor what site.js sets (type, label, glyph,
    title, pressed): the page carries the label once, on its body."""
    html = BeautifulSoup((example_site / "papers/index.html").read_text(encoding="utf-8"), "html.parser")
    stars = html.select("li.paper-item button.star")
    assert len(stars) > 10
    for star in stars:
        assert sorted(star.attrs) == ["class", "data-star", "hidden"] and not star.contents, star
    assert html.body["data-star-label"] == "收藏"
