"""The reader's side, audited in headless Chromium: text in another language than the page's says
so (lang, dir) wherever it is shown; print, no JavaScript and colour contrast."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import run_cli, write_site
from http_util import serve_static
from test_audit_langs import CHINESE, ENGLISH_2024  # its Chinese digest cites 2304.15004

pytestmark = pytest.mark.browser

# An English site whose paper 2304.15004 is digested in English, Chinese and Arabic.
# test_audit_langs' English digest, with a card of that paper.
ENGLISH = (
    ENGLISH_2024
    + """
    ### 1、Are Emergent Abilities a Mirage?

    > - arXiv：https://arxiv.org/abs/2304.15004

    We think the metric matters.
    """
)
# Its title begins with a Latin word: laid out by its first letter, it would read left to right.
ARABIC = """\
    ---
    title: LoRA في الترجمة الآلية
    date: 2024-03-04
    categories: [NLP]
    ---
    نقرأ هذا الأسبوع أوراقا عن نماذج اللغة الكبيرة وتطبيقاتها في الترجمة الآلية.

    ### 1、هل القدرات الناشئة سراب؟

    > 《Are Emergent Abilities a Mirage?》
    >
    > - arXiv：https://arxiv.org/abs/2304.15004

    تقترح الورقة أن القدرات الناشئة تأتي من اختيار المقياس.
    """
SLUGS = {"en": "2024-03-01-en", "zh": "2024-03-03-zh", "ar": "2024-03-04-ar"}


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    digests = {"2024-03-01-en.md": ENGLISH, "2024-03-03-zh.md": CHINESE, "2024-03-04-ar.md": ARABIC}
    write_site(root, digests, "title: Mixed\nbase_url: https://example.org/repo/\nlanguage: en\n")
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


@contextmanager
def opened(browser, site: Path, path: str, base: str = "/repo/", **options):
    """The page at `path` of `site`, served under `base` as a project site, in a context of its own."""
    context = browser.new_context(**options)
    try:
        with serve_static(site, base) as url:
            page = context.new_page()
            page.goto(url + path, wait_until="networkidle")
            yield page
    finally:
        context.close()


# What the reader's browser makes of an element: the language it is read in (the nearest lang, as
# screen readers take it) and the direction it is laid out in.
SPOKEN = """(el) => ({
    lang: el.closest('[lang]').getAttribute('lang'),
    dir: getComputedStyle(el).direction,
    text: el.textContent.trim(),
})"""


def spoken(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, f"els => els.map({SPOKEN})")


def by_text(found: list[dict]) -> dict[str, tuple[str, str]]:
    return {f["text"]: (f["lang"], f["dir"]) for f in found}


def test_a_paper_page_reads_each_mention_in_its_digests_language(browser, mixed_site):
    """A paper page is in the site's language; what a digest in another says of the paper (its
    title, its summary, the translated title it gave) is marked with that digest's language and
    direction. Without it a screen reader read Chinese and Arabic with the English voice, and the
    Arabic summary was laid out left to right."""
    with opened(browser, mixed_site, "papers/2304.15004/") as page:
        titles = by_text(spoken(page, ".mention > a"))
        summaries = by_text(spoken(page, ".mention-summary"))
        translated = spoken(page, ".translated-title")[0]
        english_summary = spoken(page, "p.summary")[0]
    assert titles == {
        "Notes on decoding": ("en", "ltr"),
        "今日论文速递": ("zh", "ltr"),
        "LoRA في الترجمة الآلية": ("ar", "rtl"),
    }
    assert summaries == {
        "本文认为涌现能力来自度量方法的选择。": ("zh", "ltr"),
        "تقترح الورقة أن القدرات الناشئة تأتي من اختيار المقياس.": ("ar", "rtl"),
    }
    assert (translated["lang"], translated["text"]) == ("zh", "大型语言模型的涌现能力是种幻觉吗？")
    assert (english_summary["lang"], english_summary["text"]) == ("en", "We think the metric matters.")


def starts_right_to_left(page, selector: str) -> bool:
    """Whether the first word of the element's text ("LoRA") is laid out right of the rest, as a
    right-to-left line places it."""
    return page.eval_on_selector(
        selector,
        """(el) => {
          const text = el.firstChild, first = document.createRange(), rest = document.createRange();
          const cut = text.data.indexOf(' ');
          first.setStart(text, 0); first.setEnd(text, cut);
          rest.setStart(text, cut + 1); rest.setEnd(text, text.data.length);
          return first.getBoundingClientRect().left > rest.getBoundingClientRect().right;
        }""",
    )


@pytest.mark.parametrize("path", ["", "archive/2024/03/", "categories/nlp/", "digests/"])
def test_lists_mark_each_digest_title_with_its_language_and_direction(browser, mixed_site, path):
    """Lists are in the site's language; a digest's title in another is marked with its language,
    and a right-to-left one with its direction, which holds even when the title begins with a
    Latin word (the list laid it out by its first letter, left to right)."""
    with opened(browser, mixed_site, path) as page:
        titles = by_text(spoken(page, ".digest-line > a"))
        arabic_first = starts_right_to_left(page, f".digest-line > a[href$='/{SLUGS['ar']}/']")
    assert titles == {
        "Notes on decoding": ("en", "ltr"),
        "今日论文速递": ("zh", "ltr"),
        "LoRA في الترجمة الآلية": ("ar", "rtl"),
    }
    assert arabic_first


@pytest.mark.parametrize("path", ["", "papers/", "archive/2024/03/"])
def test_lists_mark_a_papers_translated_title_with_its_language(browser, mixed_site, path):
    with opened(browser, mixed_site, path) as page:
        shown = spoken(page, ".paper-item .translated")
    assert shown and {(s["lang"], s["text"]) for s in shown} == {("zh", "大型语言模型的涌现能力是种幻觉吗？")}


def test_a_digests_neighbours_are_marked_with_their_own_language(browser, mixed_site):
    """The previous and next digests' titles on a digest page (itself in its own language)."""
    with opened(browser, mixed_site, f"digests/{SLUGS['zh']}/") as page:
        assert page.evaluate("document.documentElement.lang") == "zh"
        neighbours = page.eval_on_selector_all(
            ".prev-next a", f"as => as.map(a => ({SPOKEN})(a.querySelector('span') || a))"
        )
        arrows = page.eval_on_selector_all(".prev-next a", "as => as.map(a => a.textContent.trim())")
    titles = {n["text"].strip("←→ "): (n["lang"], n["dir"]) for n in neighbours}
    assert titles == {"Notes on decoding": ("en", "ltr"), "LoRA في الترجمة الآلية": ("ar", "rtl")}
    # The arrows stay the page's, outside the marked title: ← before the previous, → after the next.
    assert arrows[0].startswith("←") and arrows[1].endswith("→")


# The theme's words on a digest page, and what holds the digest's own words among them.
THEME_WORDS = [
    ".digest-header .meta > span",  # "1 paper"
    ".toc",  # its name (aria-label) and its summary, "Contents"
    ".paper-page-link",  # named "Paper page"
    ".card-links a.button",  # "arXiv 2304.15004", "PDF"
    ".card-links .star",  # named "Star" by site.js
    ".digest-papers h2",  # "Papers in this digest"
    ".digest-papers p a.button",  # "BibTeX of these papers"
    ".prev-next",  # "Previous digest / Next digest"
]


@pytest.mark.parametrize("language", ["zh", "ar"])
def test_the_sites_words_on_a_digest_in_another_language_are_read_in_the_sites(browser, mixed_site, language):
    """A digest page is in the digest's language, but the theme's words on it are the site's: its
    counts, buttons, headings and the names (aria-label) of its links and navigations were read
    by a screen reader in the digest's language (English words with a Chinese or Arabic voice),
    and in an Arabic digest "1 paper" was laid out "paper 1"."""
    with opened(browser, mixed_site, f"digests/{SLUGS[language]}/") as page:
        assert page.evaluate("document.documentElement.lang") == language
        words = {sel: spoken(page, sel) for sel in THEME_WORDS}
        contents = spoken(page, ".toc li a")
        count_reads_left_to_right = page.eval_on_selector(
            ".digest-header .meta > span",
            """(el) => {
              const text = el.firstChild, number = document.createRange(), word = document.createRange();
              number.setStart(text, 0); number.setEnd(text, 1);
              word.setStart(text, 2); word.setEnd(text, text.data.length);
              return number.getBoundingClientRect().right <= word.getBoundingClientRect().left;
            }""",
        )
    assert all(words.values()), words  # each is on the page
    assert {sel: sorted({w["lang"] for w in found}) for sel, found in words.items()} == {
        sel: ["en"] for sel in THEME_WORDS
    }
    assert {c["lang"] for c in contents} == {language}  # the digest's headings, in the digest's
    assert count_reads_left_to_right


def search_results(page) -> None:
    page.wait_for_function(
        "() => document.getElementById('search-status').hasAttribute('data-count')", timeout=60000
    )


def test_search_results_are_shown_in_their_pages_language(browser, mixed_site):
    """The search page is in the site's language; a result from a digest in another language (its
    title, excerpt and cards) is marked with it, and an Arabic one laid out right to left."""
    with opened(browser, mixed_site, f"search/?q={quote('Mirage')}") as page:
        search_results(page)
        results = page.eval_on_selector_all(
            "#search-results > li",
            f"""items => items.map(li => ({{
                href: li.querySelector('a.search-title').getAttribute('href'),
                title: ({SPOKEN})(li.querySelector('a.search-title')),
                excerpt: ({SPOKEN})(li.querySelector('.search-excerpt')),
                kind: ({SPOKEN})(li.querySelector('.search-kind')),
            }}))""",
        )
    shown = {r["href"].rstrip("/").split("/")[-1]: r for r in results}
    assert {SLUGS["zh"], SLUGS["ar"], SLUGS["en"]} <= set(shown), list(shown)
    for language, slug in SLUGS.items():
        direction = "rtl" if language == "ar" else "ltr"
        assert (shown[slug]["title"]["lang"], shown[slug]["title"]["dir"]) == (language, direction)
        assert (shown[slug]["excerpt"]["lang"], shown[slug]["excerpt"]["dir"]) == (language, direction)
        assert shown[slug]["kind"]["lang"] == "en"  # the page's own word for the kind of result


# -- colour contrast -------------------------------------------------------------------------------


def contrast_failures(page) -> list[str]:
    """axe-core's WCAG contrast check of the page as shown (computed colours, blended backgrounds)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options={"runOnly": ["color-contrast"]}).response["violations"]
    return [
        f"{n['target']}: {n['failureSummary'].splitlines()[-1].strip()}" for v in found for n in v["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("query", ["LoRA", "模型"])
def test_words_marked_in_search_results_keep_their_contrast(browser, example_site, scheme, query):
    """A searched word is marked in each result's title (a link), translated title (muted) and
    excerpt: in the light theme the mark's tint left the title's blue at 4.2:1 and the muted
    translated title at 4.3:1, under WCAG's 4.5:1 for text."""
    context = browser.new_context(color_scheme=scheme)
    try:
        with serve_static(example_site, "/paperdigest/") as url:
            page = context.new_page()
            page.goto(f"{url}search/?q={quote(query)}")
            search_results(page)
            assert page.locator("#search-results mark").count() > 0  # what the test is about
            assert contrast_failures(page) == []
    finally:
        context.close()


# -- print -----------------------------------------------------------------------------------------

PRINTED = """\
    ---
    title: Notes to print
    date: 2024-03-01
    ---
    We read a paper with a formula $E = mc^2$ and ran its code.

    ### 1、Are Emergent Abilities a Mirage?

    > - arXiv：https://arxiv.org/abs/2304.15004
    > - Code：https://github.com/example/mirage

    ```python
    def f(x):  # a comment that runs on well past the right edge of a printed page, as comments do
        return x ** 2
    ```

    $$
    \\int_0^1 x^2 \\, dx = \\frac{1}{3}
    $$
    """

# Every element that shows text of its own, with its colour's contrast against white paper (a
# printed page has no background: browsers leave backgrounds out unless asked).
ON_PAPER = """() => {
    const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
        const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const own = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
    return [...document.querySelectorAll('main *')]
        .filter((el) => own(el) && el.getClientRects().length && !el.closest('math'))
        .map((el) => ({ text: el.textContent.trim().slice(0, 40), ratio: 1.05 / (lum(getComputedStyle(el).color) + 0.05) }));
}"""

SHOWN = "sel => [...document.querySelectorAll(sel)].some(el => el.getClientRects().length > 0)"


@pytest.fixture(scope="module")
def printed_site(tmp_path_factory) -> Path:
    root = write_site(
        tmp_path_factory.mktemp("print"), {"2024-03-01-print.md": PRINTED}, "title: Print\nlanguage: en\n"
    )
    run_cli("build", "--source", str(root), "--base-url", "https://example.org/repo/", check=True)
    return root / "_site"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["digests/2024-03-01-print/", "papers/2304.15004/"])
def test_a_printed_page_is_its_text_in_dark_ink(browser, printed_site, scheme, path):
    """Printed from a dark screen, the page kept the dark theme's light text (and monokai's code
    colours) on white paper, all but invisible; and it printed the site's navigation, search box,
    theme toggle, stars and copy button, which paper cannot use."""
    with opened(
        browser, printed_site, path, color_scheme=scheme, viewport={"width": 700, "height": 1000}
    ) as page:
        page.emulate_media(media="print")
        faint = [t for t in page.evaluate(ON_PAPER) if t["ratio"] < 4.5]
        controls = [
            ".site-header nav",
            ".site-search",
            ".theme-toggle",
            ".star",
            ".copy-button",
            ".site-footer",
        ]
        printed = [c for c in controls if page.evaluate(SHOWN, c)]
        content = ["main h1", ".site-title", "main math" if "digests" in path else "#bibtex"]
        missing = [c for c in content if not page.evaluate(SHOWN, c)]
    assert faint == []
    assert printed == []
    assert missing == []


def test_a_printed_card_gives_its_links_addresses_and_code_wraps(browser, printed_site):
    """On paper a button reading "PDF" or "Code" leads nowhere: its address is printed after it. A
    code line wider than the paper wraps (printed, a scrolling box is cut at its edge)."""
    with opened(
        browser, printed_site, "digests/2024-03-01-print/", viewport={"width": 700, "height": 1000}
    ) as page:
        page.emulate_media(media="print")
        after = page.eval_on_selector_all(
            ".card-links a.button", "as => as.map(a => [a.href, getComputedStyle(a, '::after').content])"
        )
        code = page.eval_on_selector("pre", "pre => [pre.scrollWidth, pre.clientWidth]")
    assert len(after) == 3
    assert all(content == f'" {href}"' for href, content in after), after
    assert code[0] <= code[1]


# -- without JavaScript ----------------------------------------------------------------------------

EXAMPLE_PAGES = [
    "",
    "digests/",
    "digests/2023-05-02-paper-digest/",
    "digests/weekly-updates-on-large-models/",
    "papers/",
    "papers/2304.15004/",
    "archive/",
    "archive/2023/05/",
    "categories/",
    "categories/paper/",
    "starred/",
    "search/",
]
# What shows and can be operated on a page: a button or list box does nothing without the script
# that runs it (the search box is a form that leads to search/, which says what it needs).
CONTROLS = """() => [...document.querySelectorAll('button, select, [role=button]')]
    .filter(el => el.getClientRects().length > 0).map(el => el.outerHTML.slice(0, 120))"""


def test_without_javascript_no_button_is_shown_that_does_nothing(browser, example_site):
    """Stars, the theme toggle and the papers' filters were hidden without JavaScript, but a paper
    page's "Copy BibTeX" button was shown and did nothing when pressed."""
    shown = {}
    with opened(browser, example_site, "", "/paperdigest/", java_script_enabled=False) as page:
        base = page.url
        for path in EXAMPLE_PAGES:
            page.goto(base + path)
            assert page.locator("main h1").count() == 1  # the page reads
            if controls := page.evaluate(CONTROLS):
                shown[path] = controls
        page.goto(base + "papers/2304.15004/")
        bibtex = page.locator("#bibtex").inner_text()
    assert shown == {}
    assert bibtex.startswith("@misc{")  # what the button copies is there to select by hand


def test_with_javascript_the_copy_button_is_shown(browser, example_site):
    with opened(browser, example_site, "papers/2304.15004/", "/paperdigest/") as page:
        assert page.locator("button[data-copy='bibtex']").is_visible()


# -- a phone's screen ------------------------------------------------------------------------------

WIDE_FORMULAS = """\
    ---
    title: 'Bounds in $\\mathcal{O}(n^2 \\log n + m \\cdot k \\cdot \\sum_{i=1}^{N} x_i^2 + \\alpha\\beta\\gamma\\delta)$ time'
    date: 2024-03-01
    ---
    Inline $a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12} + a_{13}$ formula.

    ### 1、A Title With A Formula

    > - arXiv：https://arxiv.org/abs/2304.15004

    $$
    \\mathcal{L}(\\theta) = \\mathbb{E}_{(x,y) \\sim \\mathcal{D}} \\left[ \\sum_{t=1}^{T} \\log p_\\theta(y_t \\mid y_{<t}, x) \\right] + \\lambda \\|\\theta\\|_2^2
    $$
    """


def test_formulas_that_scroll_on_a_phone_can_be_scrolled_from_the_keyboard(browser, tmp_path):
    """On a 320 px screen a long formula scrolls in its own box, a display one and an inline one
    alike (the title's, one in the text); only display formulas, code and tables were made
    reachable from the keyboard, and axe-core found each inline one a scrolling region the
    keyboard cannot reach (WCAG 2.1.1)."""
    from axe_playwright_python.sync_playwright import Axe

    site = write_site(tmp_path, {"2024-03-01-wide.md": WIDE_FORMULAS}, "title: Narrow\nlanguage: en\n")
    run_cli("build", "--source", str(site), "--base-url", "https://example.org/repo/", check=True)
    with opened(
        browser, site / "_site", "digests/2024-03-01-wide/", viewport={"width": 320, "height": 640}
    ) as page:
        scrolling = page.eval_on_selector_all(
            "main .math", "ms => ms.filter(m => m.scrollWidth > m.clientWidth).map(m => m.className)"
        )
        found = Axe().run(page, options={"runOnly": ["scrollable-region-focusable"]}).response["violations"]
        wide = page.evaluate("document.documentElement.scrollWidth")
    assert {"math inline", "math display"} <= set(scrolling), scrolling  # what the test is about
    assert [n["target"] for v in found for n in v["nodes"]] == []
    assert wide == 320
