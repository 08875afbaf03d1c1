"""Citing from the site: papers.bib and a .bib per digest read by a real BibTeX parser, and COinS
spans that reference managers (the Zotero connector) read from digest and paper pages."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import pytest
from bs4 import BeautifulSoup
from pybtex.database import parse_string

from conftest import run_cli, write_site

# What an @misc entry may hold: BibTeX's standard fields, doi and arXiv's eprint fields, nothing else.
KNOWN_FIELDS = {"title", "author", "year", "month", "eprint", "archiveprefix", "primaryclass", "url", "doi",
                "note"}  # fmt: skip
MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"}  # fmt: skip


def read_bib(path: Path):
    return parse_string(path.read_text(encoding="utf-8"), "bibtex")


def papers_of(site: Path) -> dict[str, dict]:
    return {p["id"]: p for p in json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]}


def test_papers_bib_holds_every_paper_once_with_known_fields_only(example_site):
    bib = read_bib(example_site / "papers.bib")  # pybtex raises on a duplicate key or a syntax error
    papers = papers_of(example_site)
    assert len(bib.entries) == len(papers)
    by_eprint = {e.fields["eprint"]: e for e in bib.entries.values() if "eprint" in e.fields}
    for paper in papers.values():
        entry = by_eprint.get(paper["arxiv_id"]) if paper["arxiv_id"] else None
        if entry is None:
            continue
        assert {name.lower() for name in entry.fields} <= KNOWN_FIELDS
        assert entry.fields["archivePrefix"] == "arXiv"
        assert entry.fields["year"] == "20" + paper["arxiv_id"][:2]
        assert entry.fields["month"] in MONTHS  # the month macro, expanded by the parser
        if paper["title"] in (paper["id"], paper["arxiv_id"]):
            assert "title" not in entry.fields  # never `title = {2403.03853}`
        else:
            assert entry.fields["title"] == "{" + paper["title"].replace("&", "\\&").replace("%", "\\%") + "}"
        names = [str(person) for person in entry.persons.get("author", [])]
        assert not any("et al" in name.lower() for name in names)


def test_an_author_list_cut_short_ends_with_others(example_site):
    # papers.yaml gives 2407.14679 the authors [Saurav Muralidharan, et al.]
    entry = next(
        e
        for e in read_bib(example_site / "papers.bib").entries.values()
        if e.fields.get("eprint") == "2407.14679"
    )
    assert [str(p) for p in entry.persons["author"]] == ["Muralidharan, Saurav", "others"]


def test_each_digest_has_a_bib_of_its_papers_linked_from_its_page(example_site):
    for page in sorted((example_site / "digests").glob("*/index.html")):
        slug = page.parent.name
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        listed = [a["href"] for a in html.select(".digest-papers ol > li > a")]
        bib_file = page.parent / "papers.bib"
        if not listed:
            assert not html.select(".digest-papers")
            continue
        link = html.select_one(f'a[href="/paperdigest/digests/{slug}/papers.bib"]')
        assert link is not None and link["download"] == f"{slug}.bib"
        site_wide = read_bib(example_site / "papers.bib").entries
        entries = read_bib(bib_file).entries
        assert len(entries) == len(listed)
        for key, entry in entries.items():  # the same key and fields as in papers.bib
            assert site_wide[key].fields == entry.fields


def coins_of(page: Path) -> list[dict[str, list[str]]]:
    html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = []
    for span in html.select("span.Z3988"):
        fields: dict[str, list[str]] = {}
        for key, value in parse_qsl(span["title"], keep_blank_values=True, strict_parsing=True):
            fields.setdefault(key, []).append(value)
        found.append(fields)
    return found


def test_coins_on_digest_pages_give_every_paper_as_an_openurl_context_object(example_site):
    papers = papers_of(example_site)
    for page in sorted((example_site / "digests").glob("*/index.html")):
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        hrefs = [a["href"] for a in html.select(".digest-papers ol > li > a")]
        listed = [unquote(href.split("/papers/")[1].strip("/")) for href in hrefs]
        coins = coins_of(page)
        assert len(coins) == len(listed)
        for pid, fields in zip(listed, coins, strict=True):
            paper = papers[pid]
            assert fields["ctx_ver"] == ["Z39.88-2004"]
            assert fields["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:journal"]
            if paper["title"] not in (paper["id"], paper["arxiv_id"]):
                assert fields["rft.atitle"] == [paper["title"]]
            if paper["arxiv_id"]:
                assert fields["rft.genre"] == (["article"] if paper["venue"] else ["preprint"])
                assert fields["rft_id"] == [
                    f"info:arxiv/{paper['arxiv_id']}",
                    f"https://arxiv.org/abs/{paper['arxiv_id']}",
                ]
                assert fields["rft.date"] == [f"20{paper['arxiv_id'][:2]}-{paper['arxiv_id'][2:4]}"]


def test_coins_on_a_paper_page_name_its_authors_and_venue(example_site):
    (fields,) = coins_of(example_site / "papers/1706.03762/index.html")
    assert fields["rft.atitle"] == ["Attention Is All You Need"]
    assert fields["rft.au"][:2] == ["Ashish Vaswani", "Noam Shazeer"] and len(fields["rft.au"]) == 8
    assert fields["rft.jtitle"] == ["NeurIPS 2017"] and fields["rft.genre"] == ["article"]
    assert fields["rft.date"] == ["2017-06"]


@pytest.mark.parametrize("title", ['Quotes " and a < b & c', "Ünïcödé — 中文标题"])
def test_coins_and_bibtex_survive_any_title(tmp_path, title):
    site = write_site(tmp_path / "site", {"2024-01-01-x.md": f"""\
        ### 1、{title}

        > 《{title}》
        >
        > - URL：https://arxiv.org/abs/2401.00001
        > - 作者：Ada Lovelace, Alan Turing, et al.
        """})  # fmt: skip
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    (fields,) = coins_of(tmp_path / "out/papers/2401.00001/index.html")
    assert fields["rft.atitle"] == [title] and fields["rft.au"] == ["Ada Lovelace", "Alan Turing"]
    entry = next(iter(read_bib(tmp_path / "out/papers.bib").entries.values()))
    assert [str(p) for p in entry.persons["author"]] == ["Lovelace, Ada", "Turing, Alan", "others"]
