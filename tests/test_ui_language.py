"""The theme's words come from a strings file per language (i18n/), chosen by `language` and
overridable in site.yaml, with the language's plural forms."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from conftest import REPO, run_cli, write_site
from paperdigest.i18n import CATALOGUES, catalogue, site_strings

DIGEST = """\
    ### 1、Only One Paper

    > 《Only One Paper》
    >
    > - URL：https://arxiv.org/abs/2401.00001
    """


def test_every_language_has_every_key_and_the_templates_use_only_known_keys():
    english = catalogue("en")
    for path in CATALOGUES.glob("*.yaml"):
        assert set(catalogue(path.stem)) == set(english), path.name
    used = {
        key
        for template in (REPO / "templates").rglob("*.*")
        if template.suffix in (".html", ".xml")
        for key in re.findall(r"\bt\('(\w+)'", template.read_text(encoding="utf-8"))
    }
    listed = (
        (REPO / "templates" / "search.html").read_text(encoding="utf-8").split("t.forms(")[1].split(")")[0]
    )
    used |= set(re.findall(r"'(\w+)'", listed))  # the words search.js fills in the browser
    assert used and used <= set(english)


def test_counts_take_the_plural_forms_of_the_language():
    english, chinese = site_strings("en"), site_strings("zh-CN")
    assert [english("paper_count", count=n) for n in (0, 1, 2)] == ["0 papers", "1 paper", "2 papers"]
    assert [chinese("paper_count", count=n) for n in (1, 2)] == ["1 篇论文", "2 篇论文"]
    russian = site_strings("ru", {"paper_count": {"one": "{count} статья", "few": "{count} статьи", "many": "{count} статей", "other": "{count} статьи"}})  # fmt: skip
    assert [russian("paper_count", count=n) for n in (1, 3, 5, 21)] == [
        "1 статья",
        "3 статьи",
        "5 статей",
        "21 статья",
    ]
    assert site_strings("zh-TW")("nav_papers") == "论文"  # the same language's file, before English
    assert site_strings("de")("nav_papers") == "Papers"  # no German file: English


def chrome_text(page: Path) -> str:
    """The words of the page the theme writes: all but the digest's own text and titles."""
    html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    own_words = (
        ".digest-body, .paper-title, .translated, .card-titles, h1, .digest-line a, .summary, "
        ".hero > p:not(.stats), .toc li, .digest-papers li > a, .prev-next a, .mention a, .paper-fields dd, "
        "pre, .mention-title, head, .site-title"
    )
    for own in html.select(own_words):
        own.decompose()
    return html.get_text(" ")


def test_a_chinese_site_shows_no_english_ui_words(example_site):
    english, chinese = catalogue("en"), catalogue("zh-CN")
    words = [v for k, v in english.items() if isinstance(v, str) and v != chinese[k] and "{" not in v]
    words += ["papers", "Previous", "Next"]
    pages = ["index.html", "digests/2023-05-02-paper-digest/index.html", "papers/index.html",
             "papers/2304.14454/index.html", "archive/2023/index.html", "categories/index.html",
             "categories/paper/index.html", "starred/index.html", "404.html"]  # fmt: skip
    for rel in pages:
        text = chrome_text(example_site / rel)
        assert [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w.-])", text)] == [], rel


def test_an_english_site_counts_in_english(tmp_path):
    second = DIGEST.replace("2401.00001", "2401.00002").replace("Only One", "Another")
    site = write_site(tmp_path / "site", {"2024-01-01-one.md": DIGEST, "2024-01-02-two.md": DIGEST + "\n" + second},
                      "title: T\nbase_url: https://example.org/\nlanguage: en\n")  # fmt: skip
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    home = BeautifulSoup((tmp_path / "out/index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.html["lang"] == "en"
    counts = [c.get_text() for c in home.select(".digest-line .count")]
    assert counts == ["2 papers", "1 paper"]
    assert home.select_one(".stats").get_text() == "2 digests · 2 papers · 0 categories"
    assert home.select_one("nav a[href='/papers/']").get_text() == "Papers"


def test_site_yaml_overrides_any_string(tmp_path):
    config = """\
        title: T
        base_url: https://example.org/
        strings:
          nav_papers: 文献
          paper_count: {other: "{count} 项"}
          search_box: 搜 LoRA、扩散模型
        """
    site = write_site(tmp_path / "site", {"2024-01-01-one.md": DIGEST}, config)
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    home = BeautifulSoup((tmp_path / "out/index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one("nav a[href='/papers/']").get_text() == "文献"
    assert home.select_one(".digest-line .count").get_text() == "1 项"
    assert home.select_one("input[data-search-input]")["placeholder"] == "搜 LoRA、扩散模型"
    assert home.select_one("nav a[href='/archive/']").get_text() == "归档"  # the rest as before


def test_an_unknown_string_or_placeholder_stops_the_build(tmp_path):
    for strings, message in (
        ("nav_paper: X", "unknown key 'strings.nav_paper'"),
        ('paper_count: "{n} papers"', "'strings.paper_count': unknown placeholder {n}"),
        ("nav_papers: [a, b]", "'strings.nav_papers' must be a text"),
    ):
        site = write_site(tmp_path / "site", {"2024-01-01-one.md": DIGEST},
                          f"title: T\nbase_url: https://example.org/\nstrings:\n  {strings}\n")  # fmt: skip
        done = run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"))
        assert done.returncode == 2, done.stdout + done.stderr
        assert message in done.stderr


def test_init_gives_a_neutral_search_box_and_the_example_site_its_own(tmp_path):
    run_cli("init", str(tmp_path / "new"), "--install", "paperdigest==0.1.0", check=True)
    written = yaml.safe_load((tmp_path / "new/site.yaml").read_text(encoding="utf-8"))
    assert written["strings"] == {}
    run_cli("build", "--source", str(tmp_path / "new"), "--out", str(tmp_path / "out"),
            "--base-url", "https://u.github.io/new/", check=True)  # fmt: skip
    home = BeautifulSoup((tmp_path / "out/index.html").read_text(encoding="utf-8"), "html.parser")
    box = home.select_one("input[data-search-input]")["placeholder"]
    assert box == site_strings("zh-CN")("search_box")
    assert "涌现能力" not in (tmp_path / "out/index.html").read_text(encoding="utf-8")
    example = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    assert "涌现能力" in example["strings"]["search_placeholder"]  # the example's own examples
