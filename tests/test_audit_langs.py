"""Sites that mix languages: a digest in another language than the site's is searched, named and
laid out in its own language (search in Chromium, Open Graph locales, right-to-left digests)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from conftest import run_cli, write_site
from http_util import serve_static

ENGLISH_2023 = """\
    ---
    title: Weekly notes on sparse attention
    date: 2023-06-01
    categories: [NLP]
    ---
    This week we read about sparse attention kernels and their throughput on commodity GPUs.

    ### 1、Flashy Sparse Kernels for Long Context

    > 《Flashy Sparse Kernels for Long Context》
    >
    > - arXiv：https://arxiv.org/abs/2306.01234

    The authors propose a blocked kernel that reaches remarkable throughput with quadrilateral tiling.
    """
ENGLISH_2024 = """\
    ---
    title: Notes on decoding
    date: 2024-03-01
    categories: [NLP]
    ---
    Speculative decoding drafts several tokens with a small model and verifies them with a large one.
    """
JAPANESE = """\
    ---
    title: 今週の論文まとめ
    date: 2024-03-02
    categories: [CV]
    ---
    今週は画像生成についての論文を読みました。とても面白いです。

    この論文では、拡散モデルを使って高品質な画像を生成する方法を提案しています。ノイズ除去の仕組みが重要です。
    """
CHINESE = """\
    ---
    title: 今日论文速递
    date: 2024-03-03
    categories: [NLP]
    ---
    今天我们介绍几篇关于大型语言模型的论文。

    ### 1、涌现能力是幻觉吗

    > 大型语言模型的涌现能力是种幻觉吗？
    > 《Are Emergent Abilities a Mirage?》
    >
    > - arXiv：https://arxiv.org/abs/2304.15004

    本文认为涌现能力来自度量方法的选择。
    """
DIGESTS = {
    "2023-06-01-sparse.md": ENGLISH_2023,
    "2024-03-01-decoding.md": ENGLISH_2024,
    "2024-03-02-ja.md": JAPANESE,
    "2024-03-03-zh.md": CHINESE,
}


def build(root: Path, language: str, digests: dict[str, str]) -> Path:
    site = write_site(root, digests, f"title: Mixed\nbase_url: https://example.org/\nlanguage: {language}\n")
    run_cli("build", "--source", str(site), "--out", str(site / "_site"), check=True)
    return site / "_site"


def page_lang(out: Path, rel: str) -> str:
    return re.search(r'<html lang="([^"]+)"', (out / rel).read_text(encoding="utf-8"))[1]


# -- search finds every page, whatever its language -------------------------------------------------


@pytest.fixture(scope="module")
def chinese_site(tmp_path_factory):
    out = build(tmp_path_factory.mktemp("zh-site"), "zh-CN", DIGESTS)
    # What the tests are about: digests with an <html lang> of their own, in several shards.
    assert page_lang(out, "digests/2023-06-01-sparse/index.html") == "en"
    assert page_lang(out, "digests/2024-03-02-ja/index.html") == "ja"
    assert page_lang(out, "digests/2024-03-03-zh/index.html") == "zh-CN"
    assert len(json.loads((out / "pagefind/shards.json").read_text())["shards"]) >= 2
    return out


@pytest.fixture(scope="module")
def english_site(tmp_path_factory):
    out = build(tmp_path_factory.mktemp("en-site"), "en", {"2024-03-03-zh.md": CHINESE, **DIGESTS})
    assert page_lang(out, "digests/2024-03-03-zh/index.html") == "zh"
    return out


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def searched(page, url: str, query: str = "", **filters: str) -> list[str]:
    """The paths of every result search/ shows for `query` (and filters by name: value)."""
    params = "&".join(f"{k}={quote(v)}" for k, v in [("q", query), *filters.items()])
    page.goto(f"{url}search/?{params}")
    page.wait_for_function(
        "() => document.getElementById('search-status').hasAttribute('data-count')", timeout=60000
    )
    while page.is_visible("#search-more"):
        shown = page.locator("#search-results > li").count()
        page.click("#search-more")
        page.wait_for_function(f"document.querySelectorAll('#search-results > li').length > {shown}")
    hrefs = page.eval_on_selector_all("#search-results a.search-title", "as => as.map(a => a.href)")
    return [urlsplit(h).path for h in hrefs]


def text_of(out: Path, path: str) -> str:
    return (out / path.lstrip("/") / "index.html").read_text(encoding="utf-8").lower()


@pytest.mark.browser
@pytest.mark.parametrize(
    "query, words, digest",
    [
        ("attention", ["attention"], "/digests/2023-06-01-sparse/"),  # English, first shard
        ("speculative decoding", ["speculative", "decoding"], "/digests/2024-03-01-decoding/"),
        ("拡散モデル", ["拡散", "モデル"], "/digests/2024-03-02-ja/"),  # Japanese, segmented
        ("画像生成", ["画像", "生成"], "/digests/2024-03-02-ja/"),
        ("涌现能力", ["涌现能力"], "/digests/2024-03-03-zh/"),  # the site's own language
        ("度量方法", ["度量", "方法"], "/digests/2024-03-03-zh/"),
    ],
)
def test_a_chinese_site_finds_digests_in_every_language(page, chinese_site, query, words, digest):
    with serve_static(chinese_site) as url:
        results = searched(page, url, query)
    assert digest in results, results
    # Only pages that hold the words: an index without a word (the Chinese one, for "attention")
    # does not answer with the pages of a shorter word ("a") it has.
    for path in results:
        assert all(w in text_of(chinese_site, path) for w in words), (path, results)


@pytest.mark.browser
def test_filters_count_and_pick_pages_of_every_language(page, chinese_site):
    pages = [*chinese_site.glob("digests/*/index.html"), *chinese_site.glob("papers/*/index.html")]
    tagged = {
        "/" + p.parent.relative_to(chinese_site).as_posix() + "/"
        for p in pages
        if 'data-pagefind-filter="category:CV"' in p.read_text(encoding="utf-8")
    }
    assert "/digests/2024-03-02-ja/" in tagged
    with serve_static(chinese_site) as url:
        assert sorted(searched(page, url, category="CV")) == sorted(tagged)
        shown = page.locator("#search-filters label", has=page.locator("input[value='CV']")).inner_text()
        assert shown.split()[-1] == str(len(tagged))
        assert searched(page, url, "attention", category="NLP") == ["/digests/2023-06-01-sparse/"]
        assert searched(page, url, "attention", category="CV") == []
        assert "/digests/2024-03-02-ja/" in searched(page, url, "拡散モデル", year="2024")
        assert searched(page, url, "拡散モデル", year="2023") == []


@pytest.mark.browser
@pytest.mark.parametrize(
    "query, digest",
    [
        ("涌现能力", "/digests/2024-03-03-zh/"),  # inside a sentence: segmented as Chinese
        ("度量方法", "/digests/2024-03-03-zh/"),
        ("拡散モデル", "/digests/2024-03-02-ja/"),
        ("attention", "/digests/2023-06-01-sparse/"),
    ],
)
def test_an_english_site_finds_a_chinese_digest(page, english_site, query, digest):
    with serve_static(english_site) as url:
        assert digest in searched(page, url, query)


# -- Open Graph locales ------------------------------------------------------------------------------


def og_locale_of(out: Path, rel: str) -> str:
    return re.search(
        r'<meta property="og:locale" content="([^"]*)"', (out / rel).read_text(encoding="utf-8")
    )[1]


def test_og_locale_is_language_and_territory(chinese_site, english_site):
    """og:locale is written language_TERRITORY (Open Graph's form), never a bare language."""
    assert og_locale_of(chinese_site, "index.html") == "zh_CN"
    assert og_locale_of(chinese_site, "digests/2023-06-01-sparse/index.html") == "en_US"
    assert og_locale_of(chinese_site, "digests/2024-03-02-ja/index.html") == "ja_JP"
    assert og_locale_of(english_site, "index.html") == "en_US"
    assert og_locale_of(english_site, "papers/2304.15004/index.html") == "en_US"
    assert og_locale_of(english_site, "digests/2024-03-03-zh/index.html") == "zh_CN"


@pytest.mark.parametrize(
    "tag, locale",
    [
        ("en-GB", "en_GB"),  # the tag's own region
        ("zh-TW", "zh_TW"),
        ("zh-Hant", "zh_TW"),  # the script's likeliest region
        ("he", "he_IL"),
        ("ko", "ko_KR"),
        ("qaa", "qaa"),  # a private-use language: nothing to add
    ],
)
def test_og_locale_of_other_tags(tag, locale):
    from paperdigest.i18n import og_locale

    assert og_locale(tag) == locale


# -- right-to-left digests -------------------------------------------------------------------------

ARABIC = """\
    ---
    title: ملخص الأوراق البحثية
    date: 2024-03-04
    ---
    نقرأ هذا الأسبوع أوراقا عن نماذج اللغة الكبيرة وتطبيقاتها في الترجمة الآلية، ومنها Flashy Sparse Kernels.

    ## الترجمة الآلية

    > تقترح الورقة طريقة جديدة لتحسين جودة الترجمة.

    المعادلة $x + 1$ بسيطة، والشيفرة `f(a, b)` كذلك.
    """
HEBREW = """\
    ---
    title: Weekly
    date: 2024-03-05
    lang: he
    ---
    השבוע קראנו מאמרים על מודלי שפה גדולים.
    """


def test_arabic_and_hebrew_are_told_from_english():
    from paperdigest.parse.language import detect_language

    assert detect_language("ملخص", "نقرأ هذا الأسبوع أوراقا عن نماذج اللغة. Flashy Sparse Kernels") == "ar"
    assert detect_language("סיכום", "השבוע קראנו מאמרים על מודלי שפה גדולים") == "he"
    # English citing a few words of Arabic is still English; half and half says nothing.
    assert (
        detect_language("Notes", "We read many papers this week about translation, " * 5 + "الترجمة") == "en"
    )
    assert detect_language("Notes", "Sparse attention kernels الترجمة الآلية الجديدة") == ""


def layout(page, url: str) -> dict:
    page.goto(url)
    return page.evaluate(
        """() => {
          const dir = (sel) => getComputedStyle(document.querySelector(sel)).direction;
          const article = document.querySelector('article.digest');
          const h1 = article.querySelector('h1'), range = document.createRange();
          range.selectNodeContents(h1);
          const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
          const quote = article.querySelector('blockquote');
          const math = article.querySelector('math');
          return {
            html: dir('html'), header: dir('header.site-header'), footer: dir('footer.site-footer'),
            article: dir('article.digest'), h1: dir('article h1'),
            // Where the heading's text sits in its line: against the right edge in right to left.
            titleGapLeft: text.left - box.left, titleGapRight: box.right - text.right,
            quoteBar: quote && [getComputedStyle(quote).borderLeftWidth, getComputedStyle(quote).borderRightWidth],
            math: math && getComputedStyle(math).direction, code: article.querySelector('p code') && dir('p code'),
          };
        }"""
    )


@pytest.fixture(scope="module")
def rtl_sites(tmp_path_factory):
    chinese = build(
        tmp_path_factory.mktemp("rtl-zh"), "zh-CN", {"2024-03-04-ar.md": ARABIC, "2024-03-05-he.md": HEBREW}
    )
    arabic = build(
        tmp_path_factory.mktemp("rtl-ar"),
        "ar",
        {"2024-03-01-en.md": ENGLISH_2024, "2024-03-04-ar.md": ARABIC},
    )
    return chinese, arabic


@pytest.mark.browser
def test_a_right_to_left_digest_reads_right_to_left_in_a_left_to_right_site(page, rtl_sites):
    chinese, _ = rtl_sites
    assert page_lang(chinese, "digests/2024-03-04-ar/index.html") == "ar"  # detected, not English
    with serve_static(chinese) as url:
        arabic = layout(page, f"{url}digests/2024-03-04-ar/")
        hebrew = layout(page, f"{url}digests/2024-03-05-he/")
    for shown in (arabic, hebrew):
        assert shown["article"] == shown["h1"] == "rtl"
        assert shown["html"] == shown["header"] == shown["footer"] == "ltr"  # the site's frame
        assert shown["titleGapRight"] < 1 < shown["titleGapLeft"]
    assert arabic["quoteBar"] == ["0px", "4px"]  # the quote's bar where its lines begin
    assert arabic["math"] == arabic["code"] == "ltr"  # formulas and code are never mirrored


@pytest.mark.browser
def test_a_right_to_left_site_keeps_a_left_to_right_digest_left_to_right(page, rtl_sites):
    _, arabic_site = rtl_sites
    with serve_static(arabic_site) as url:
        english = layout(page, f"{url}digests/2024-03-01-en/")
        arabic = layout(page, f"{url}digests/2024-03-04-ar/")
    assert english["html"] == english["header"] == "rtl" and english["article"] == "ltr"
    assert english["titleGapLeft"] < 1 < english["titleGapRight"]
    assert arabic["html"] == arabic["article"] == "rtl"
