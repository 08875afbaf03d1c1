"""The Atom feeds carry each digest's whole HTML, as a feed reader receives it (feedparser)."""

from __future__ import annotations

import re

import feedparser
from bs4 import BeautifulSoup

from conftest import run_cli, write_site


def test_every_entry_carries_the_digest_as_html_with_absolute_urls(example_site):
    feed = feedparser.parse(str(example_site / "feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries
    for entry in feed.entries:
        (content,) = entry.content
        assert content.type == "text/html"
        html = BeautifulSoup(content.value, "html.parser")
        urls = [tag.get(name) for tag in html.find_all(True) for name in ("href", "src") if tag.get(name)]
        assert all(re.match(r"https?://", u) for u in urls), [u for u in urls if not u.startswith("http")]
    digest = next(e for e in feed.entries if e.link.endswith("/digests/2023-05-02-paper-digest/"))
    html = BeautifulSoup(digest.content[0].value, "html.parser")
    assert "涌现能力可能不是 AI 模型规模扩展的基本特性" in html.get_text()  # the prose
    card = html.select_one(".paper-card")  # and the card, its links real links
    assert card.select_one('a[href="https://arxiv.org/abs/2304.15004"]') is not None
    heading_link = html.select_one("a.paper-page-link")
    assert heading_link["href"] == "https://example.github.io/paperdigest/papers/2304.15004/"


def test_formulas_arrive_typeset_as_mathml_without_katex_html(tmp_path):
    site = write_site(tmp_path / "site", {"2024-01-01-math.md": """\
        ---
        title: Math
        cate1: paper
        ---

        Energy is $E = mc^2$ and

        $$
        \\int_0^1 x\\,dx = \\tfrac12
        $$
        """})  # fmt: skip
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    for name in ("feed.xml",):  # a category feed carries no content (test below)
        feed = feedparser.parse(str(tmp_path / "out" / name))
        assert not feed.bozo
        html = BeautifulSoup(feed.entries[0].content[0].value, "html.parser")
        maths = html.find_all("math")
        assert len(maths) == 2 and maths[0].find("annotation").get_text() == "E = mc^2"
        assert maths[1].get("display") == "block"
        assert html.select(".katex-html") == []  # KaTeX's HTML layer needs its stylesheet: left out
        for annotation in html.find_all("annotation"):  # the TeX source, which readers do not show
            annotation.decompose()
        assert "mc^2" not in html.get_text() and "\\int" not in html.get_text()


def test_control_characters_from_digests_and_site_yaml_never_make_a_feed_unreadable(tmp_path):
    """XML 1.0 cannot carry C0 controls (nor U+FFFE), not even as `&#1;`: text pasted from a PDF
    (a form feed, a stray \\x01) made feed.xml and the category feeds unreadable to every reader."""
    controls = "\x01\x08\x0c\x1b\ufffe"
    site = write_site(
        tmp_path / "site",
        {
            "2024-01-01-pasted.md": f"""\
            ---
            title: "Pasted\\x01 from a PDF"
            cate1: "paper\\x0c"
            ---
            ### 1、A title{controls} with controls

            > - URL：https://arxiv.org/abs/2304.15004
            > - 单位：Lab{controls}

            Body text{controls} as pasted.
            """
        },
        'title: "Site\\x01"\ndescription: "About\\x0c"\nauthor: "Me\\x1b"\nbase_url: https://example.org/\nsearch: false\n',
    )
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    feeds = sorted((tmp_path / "out").rglob("feed.xml"))
    assert len(feeds) == 2  # the site's and the category's
    for path in feeds:
        feed = feedparser.parse(str(path))
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert feed.feed.title.startswith("Site")
        (entry,) = feed.entries
        assert entry.title == "Pasted from a PDF"
        assert " ".join(entry.summary.split()) == "A title with controls"
        if "categories" not in path.parts:
            assert "Body text as pasted." in BeautifulSoup(entry.content[0].value, "html.parser").get_text()
    for path in (tmp_path / "out").rglob("*.xml"):
        assert not set(path.read_text(encoding="utf-8")) & set(controls), path


def test_a_category_feed_says_what_is_new_and_links_to_it_without_copying_the_digest(tmp_path):
    """The site feed carries each digest whole; a category feed copied it again for each of its
    categories and tags: 890 MB of category feeds on a site of 10,000 digests with 12,106 tags.
    A category feed's entry is the digest's title, link, dates and summary."""
    digests = {
        f"2024-01-0{day}-d.md": f"""\
            ---
            title: Day {day}
            tags: [shared, tag{day}]
            ---
            ### 1、Paper {day}

            > - URL：https://arxiv.org/abs/2304.1500{day}

            {"A long paragraph of the digest's own text. " * 200}
            """
        for day in range(1, 4)
    }
    site = write_site(tmp_path / "site", digests, "title: T\nbase_url: https://example.org/\nsearch: false\n")
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    out = tmp_path / "out"
    site_feed = feedparser.parse(str(out / "feed.xml"))
    assert all("the digest's own text" in e.content[0].value for e in site_feed.entries)
    for name in ("shared", "tag1", "tag2", "tag3"):
        path = out / "categories" / name / "feed.xml"
        feed = feedparser.parse(str(path))
        assert not feed.bozo and feed.entries, name
        for entry in feed.entries:
            assert "content" not in entry and entry.summary.startswith("Paper "), entry
            assert entry.link.startswith("https://example.org/digests/2024-01-0"), entry.link
        assert path.stat().st_size < 2_000 * len(feed.entries), name
