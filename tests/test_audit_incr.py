"""Incremental correctness of the newest features: every output (and every problem reported) of a
build from the cache, or of the dev server's rebuild, equals a clean build of the same sources."""

from __future__ import annotations

import re

import pytest

from conftest import run_cli, write_site

PROJECT_SITE = "title: Test site\nbase_url: https://u.github.io/repo/\nsearch: false\n"


def card_digest(day: int, title: str, url: str = "") -> str:
    front = f"---\ntitle: Cards {day}\ndate: 2024-02-{day:02d}\n---\n\n"
    field = f"> - URL：{url}\n" if url else "> - 会议：NeurIPS 2023\n"
    return f"{front}### 1、{title}\n\n> 《{title}》\n>\n{field}\nSummary {day}.\n"


# -------------------------------------------- a title-only card's heading link on a project site

PAPER_PAGE_LINK = re.compile(r'<a class="paper-page-link"[^>]* href="([^"]*)"')


@pytest.mark.parametrize("base_url", ["https://u.github.io/repo/", "https://example.org/"])
def test_a_joined_cards_heading_links_its_papers_page_under_any_base_path(tmp_path, base_url):
    """The ↗ after a card heading leads to the card's paper page. A title-only card joined to the
    arXiv paper of its title (join.py) must lead to that paper's page, on a project site (under
    /repo/) too: it led to the title's own page, which no build writes."""
    title = "Tree of Thoughts: Deliberate Problem Solving with Large Language Models"
    site = write_site(
        tmp_path / "site",
        {
            "2024-02-01.md": card_digest(1, title, "https://arxiv.org/abs/2305.10601"),
            "2024-02-02.md": card_digest(2, title.lower()),  # named by its title alone
        },
        PROJECT_SITE.replace("https://u.github.io/repo/", base_url),
    )
    run_cli("build", "--source", str(site), check=True)
    out = site / "_site"
    base = "/repo/" if "repo" in base_url else "/"
    page = (out / "digests/2024-02-02/index.html").read_text(encoding="utf-8")
    assert PAPER_PAGE_LINK.findall(page) == [f"{base}papers/2305.10601/"]
    for digest_page in out.glob("digests/*/index.html"):  # every heading link leads to a page
        for href in PAPER_PAGE_LINK.findall(digest_page.read_text(encoding="utf-8")):
            assert (out / href.removeprefix(base) / "index.html").is_file(), (digest_page, href)
