"""The four seeds in the example site: every arXiv id they link becomes a Paper, with what they say.

Expected values are computed from the seed files themselves (regexes here, independent of the
parsers), so the test says "everything the seed gives", not "what the code happens to produce".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, SEEDS

SEED_FILES = {  # seed -> its copy in the example site's digests/
    "001_92001778a1e8c356.txt": "weekly-updates-on-large-models.md",
    "002_e9e05688820732a9.txt": "llm-papers-of-the-week.md",
    "003_cf63089a5ef28d73.txt": "kexue-blog-listing.md",
    "004_b359696d015b9677.txt": "february-papers-lora-dora.md",
}
ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})|arXiv:(\d{4}\.\d{4,5})")


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def seed_ids(name: str) -> set[str]:
    return {a or b for a, b in ARXIV.findall(seed_text(name))}


@pytest.fixture(scope="module")
def papers(example_site) -> dict:
    return {
        p["id"]: p for p in json.loads((example_site / "papers.json").read_text(encoding="utf-8"))["papers"]
    }


def mentions_in(papers: dict, digest_file: str) -> dict[str, list[dict]]:
    found = defaultdict(list)
    for paper in papers.values():
        for m in paper["mentions"]:
            if m["source"] == f"digests/{digest_file}":
                found[paper["id"]].append(m)
    return found


def test_example_site_holds_the_seeds_unchanged():
    for seed, copy in SEED_FILES.items():
        assert (REPO / "digests" / copy).read_bytes() == (SEEDS / seed).read_bytes()
    assert (REPO / "digests" / "2023-05-02-paper-digest.md").read_bytes() == (
        SEEDS / "000_1f89f5e60622e335.txt"
    ).read_bytes()


@pytest.mark.parametrize("seed, count", [("001_92001778a1e8c356.txt", 10), ("002_e9e05688820732a9.txt", 17),
                                         ("004_b359696d015b9677.txt", 51)])  # fmt: skip
def test_every_linked_arxiv_id_is_a_paper(papers, seed, count):
    ids = seed_ids(seed)
    assert len(ids) == count
    assert ids <= set(papers)
    assert set(mentions_in(papers, SEED_FILES[seed])) >= ids


def test_weekly_seed_dates_and_topics(papers):
    """001: each paper dated by its week and categorised by the topic bullet above it."""
    text = seed_text("001_92001778a1e8c356.txt")
    expected, week, topic = {}, None, ""
    for line in text.split("\n"):
        if m := re.match(r"# Week-of-year:.*?(\d{4}-\d{2}-\d{2}) ~ (\d{4}-\d{2}-\d{2})", line):
            week = (m.group(1), m.group(2))
        elif line.startswith("- "):
            topic = line[2:].strip()
        for author, aid in re.findall(r"\[([^\]]+)\]\(https://arxiv\.org/abs/(\d{4}\.\d{5})\)", line):
            expected[aid] = (week, topic, author)
    got = mentions_in(papers, SEED_FILES["001_92001778a1e8c356.txt"])
    assert len(expected) == 10
    for aid, ((start, end), topic, author) in expected.items():
        (m,) = got[aid]
        assert (m["date"], m["date_end"], m["date_precision"]) == (start, end, "week")
        assert m["category"] == topic and m["authors"] == [author]
        assert m["entry_title"].startswith("Week-of-year")
    untitled = papers["2303.13506"]
    assert untitled["title"] == "2303.13506"  # the seed never gives its title: shown by its id


def test_plain_list_seed_titles_categories_and_period(papers):
    """002: `N、Title` lines with the category line above them and the arXiv URL line after."""
    lines = seed_text("002_e9e05688820732a9.txt").split("\n")
    expected, category, title = {}, "", ""
    for i, line in enumerate(lines):
        if m := re.match(r"^\d+、\s*(.+)$", line):
            title = m.group(1).strip()
            if i and not lines[i - 1].startswith("http"):
                category = lines[i - 1].strip()
        elif m := re.match(r"^https://arxiv\.org/abs/(\d{4}\.\d{5})$", line):
            expected[m.group(1)] = (title, category)
    got = mentions_in(papers, SEED_FILES["002_e9e05688820732a9.txt"])
    assert len(expected) == 17
    for aid, (title, category) in expected.items():
        (m,) = got[aid]
        assert (papers[aid]["title"], m["title"], m["category"]) == (title, title, category)
        assert (m["date"], m["date_end"], m["date_precision"]) == ("2024-05-22", "2024-05-28", "week")
        assert m["summary"]
    assert "Mistral" in papers["2405.11157"]["summary"]


def test_article_seed_titles_authors_and_picks(papers):
    """004: `**Title** by Authors (date), url` entries; a leading `*` marks the author's picks."""
    text = seed_text("004_b359696d015b9677.txt")
    listed = re.findall(
        r"^\*\*(\\\* )?(.+?)\*\*.*?\((\d{1,2} Feb|Feb \d{1,2}|2024)\).*?abs/(\d{4}\.\d{5})\)$", text, re.M
    )
    assert len(listed) == 50 and len({aid for *_, aid in listed}) == 49  # 2402.07610 is listed twice
    got = mentions_in(papers, SEED_FILES["004_b359696d015b9677.txt"])
    for star, bold, _date, aid in listed:
        title = re.split(r" by\b", bold)[0].strip()  # some bolds run on into the authors
        titles = [m["title"] for m in got[aid]]
        assert any(t.startswith(title) for t in titles), (aid, title, titles)
        assert any(m["starred"] == bool(star) for m in got[aid])
    griffin = papers["2402.19427"]
    assert (
        griffin["authors"] == ["De", "Smith", "Fernando", "et al."] and griffin["published"] == "2024-02-29"
    )
    assert papers["2402.09353"]["title"] == "DoRA: Weight-Decomposed Low-Rank Adaptation"
    assert papers["2402.09906"]["authors"][0] == "Muennighoff"
    cited = got["2002.05202"][0]  # linked in the Gemma section only
    assert (cited["section"], cited["title"]) == ("cited", "GLU Variants Improve Transformer")
    assert {m["date"] for ms in got.values() for m in ms} == {"2024-02-01"}  # month of the newest id
    assert {m["date_precision"] for ms in got.values() for m in ms} == {"month"}


def test_article_seed_title_conflict_is_kept_and_warned(papers, example_site):
    both = [m["title"] for m in papers["2402.07610"]["mentions"]]
    assert both == [
        "Step-On-Feet Tuning: Scaling Self-Alignment of LLMs via Bootstrapping",
        "Aya Model: An Instruction Finetuned Open-Access Multilingual Language Model",
    ]


def test_blog_listing_seed_entries(example_site):
    """003: eight posts, each with its date and author, on the digest page and in the archive."""
    text = seed_text("003_cf63089a5ef28d73.txt")
    bylines = re.findall(r"^By (\S+) \| (\d{4}-\d{2}-\d{2}) \|", text, re.M)
    assert len(bylines) == 8
    page = BeautifulSoup(
        (example_site / "digests/kexue-blog-listing/index.html").read_text("utf-8"), "html.parser"
    )
    entries = page.select("nav.entries li")
    assert [(li.find("time").get_text(), li.select_one(".meta").get_text()) for li in entries] == [
        (date, author) for author, date in bylines
    ]
    for li, (_author, date) in zip(entries, bylines, strict=True):
        anchor = li.find("a")["href"].lstrip("#")
        assert page.find(id=anchor).name == "h2"
        month = BeautifulSoup(
            (example_site / f"archive/{date[:4]}/{date[5:7]}/index.html").read_text("utf-8"), "html.parser"
        )
        links = [unquote(a["href"]) for a in month.select("li.entry-item > .digest-line > a")]
        assert any(link.endswith(f"digests/kexue-blog-listing/#{anchor}") for link in links)


def test_blog_listing_seed_quoted_titles_are_mentions(papers):
    got = mentions_in(papers, SEED_FILES["003_cf63089a5ef28d73.txt"])
    titles = {m["title"] for ms in got.values() for m in ms}
    assert "LST: Ladder Side-Tuning for Parameter and Memory Efficient Transfer Learning" in titles
    assert "Finite Scalar Quantization: VQ-VAE Made Simple" in titles
    assert not any("Decoder" in t for t in titles)  # names a post of the listing itself


def test_every_mention_links_to_an_existing_anchor(papers, example_site):
    pages: dict[str, BeautifulSoup] = {}
    checked = 0
    for paper in papers.values():
        for m in paper["mentions"]:
            slug = m["digest_slug"]
            if slug not in pages:
                html = (example_site / "digests" / slug / "index.html").read_text(encoding="utf-8")
                pages[slug] = BeautifulSoup(html, "html.parser")
            assert m["anchor"] and pages[slug].find(id=m["anchor"]) is not None, (paper["id"], m)
            checked += 1
        page = (example_site / "papers" / paper["id"].replace("/", "_") / "index.html").read_text("utf-8")
        for m in paper["mentions"]:
            assert f'#{m["anchor"]}"' in page
    assert checked >= 95


def test_papers_yaml_of_the_example_site_wins(papers):
    assert papers["2407.14679"]["title"] == "Compact Language Models via Pruning and Knowledge Distillation"
    assert papers["2407.14679"]["affiliations"] == ["NVIDIA"]
    assert papers["2407.14679"]["mentions"][0]["authors"] == ["S. Muralidharan"]  # the digest's word stays
    assert Path(REPO / "papers.yaml").is_file()
