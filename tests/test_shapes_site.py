"""Shapes through the real CLI: archive entries, title conflicts, papers.yaml, pages in Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from http_util import serve_static

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"


def fixture_site(root: Path, papers_yaml: str | None = None) -> Path:
    write_site(root, {})
    for name in ("weekly.md", "plainlist.txt", "bloglist.txt", "article.md"):
        shutil.copy(FIXTURES / name, root / "digests" / name)
    if papers_yaml is not None:
        (root / "papers.yaml").write_text(papers_yaml, encoding="utf-8")
    return root


def build(root: Path, *extra: str):
    proc = run_cli("build", "--source", str(root), *extra)
    assert proc.returncode == 0, proc.stderr
    out = root / "_site"
    papers = json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]
    return proc, out, {p["id"]: p for p in papers}


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_fixture_shapes_build_into_papers_archive_and_pages(tmp_path):
    _, out, papers = build(fixture_site(tmp_path))
    colbert = papers["2112.01488"]
    assert [(m["date"], m["date_precision"]) for m in colbert["mentions"]] == [
        ("2024-12-30", "week"),
        ("2025-01-06", "week"),
    ]
    assert papers["2304.02643"]["title"] == "Segment Anything"
    assert papers["2304.02643"]["mentions"][0]["category"] == "视觉模型"
    assert papers["attention-is-all-you-need"]["mentions"][0]["section"] == "cited"
    # The weekly notes appear in the archive under both weeks; each line links to its week's anchor.
    for month, week in (("2025/01", "Week 2"), ("2024/12", "Week 1")):
        items = soup(out / f"archive/{month}/index.html").select("li.entry-item")
        mine = [li for li in items if "Reading notes" in li.get_text()]
        assert len(mine) == 1 and week in mine[0].find("a").get_text()
        assert "~" in mine[0].find("time").get_text()  # a week is shown as a week
    assert soup(out / "archive/2023/12/index.html").find("time").get_text() == "2023-12"  # month precision
    # A paper page shows the date as precise as the digest gave it, and links to the exact place.
    page = soup(out / "papers/2112.01488/index.html")
    assert "2025-01-06 ~ 2025-01-12" in page.get_text()
    hrefs = [unquote(a["href"]) for a in page.select(".mentions a")]
    digest = soup(out / "digests/weekly/index.html")
    for href in hrefs:
        assert digest.find(id=href.split("#", 1)[1]) is not None
    untitled = soup(out / "papers/2302.04761/index.html")
    assert untitled.find("h1").get_text() == "2302.04761"


def test_conflicting_titles_warn_with_both_files_and_lines(tmp_path):
    write_site(
        tmp_path,
        {
            "2024-01-01-a.md": "---\ntitle: A\n---\n### 1、Right Title\n\n> - URL：https://arxiv.org/abs/2401.00001\n",
            "2024-02-01-b.txt": "清单\n1、Wrong Title\n摘要。\nhttps://arxiv.org/abs/2401.00001\n",
        },
    )
    proc = run_cli("build", "--source", str(tmp_path))
    assert proc.returncode == 0
    warning = next(line for line in proc.stderr.splitlines() if "2401.00001" in line)
    assert warning.startswith("digests/2024-02-01-b.txt:2: warning:")
    assert "'Wrong Title'" in warning and "'Right Title' in digests/2024-01-01-a.md:4" in warning
    paper = json.loads((tmp_path / "_site/papers.json").read_text("utf-8"))["papers"][0]
    assert [m["title"] for m in paper["mentions"]] == ["Right Title", "Wrong Title"]
    assert run_cli("build", "--source", str(tmp_path), "--strict").returncode == 1


def test_papers_yaml_overrides_by_id(tmp_path):
    papers_yaml = (
        "2304.02643:\n"
        "  title: Segment Anything (SAM)\n"
        "  authors: Alexander Kirillov, Eric Mintun\n"
        "  affiliations: [Meta AI]\n"
        "  links:\n"
        "    Demo: https://segment-anything.com（在线演示）\n"
        "https://arxiv.org/abs/2302.13971v1:\n"
        "  code: https://github.com/facebookresearch/llama\n"
        "  colour: blue\n"
        "2401.00010:\n"
        "  title: Not in any digest\n"
    )
    proc, out, papers = build(fixture_site(tmp_path, papers_yaml))
    sam = papers["2304.02643"]
    assert (sam["title"], sam["authors"], sam["affiliations"]) == (
        "Segment Anything (SAM)",
        ["Alexander Kirillov", "Eric Mintun"],
        ["Meta AI"],
    )
    assert sam["links"] == [{"label": "Demo", "url": "https://segment-anything.com", "note": "在线演示"}]
    assert sam["mentions"][0]["title"] == "Segment Anything"  # the digest's own word is kept
    assert papers["2302.13971"]["code_url"] == "https://github.com/facebookresearch/llama"
    assert "papers.yaml:9: warning: paper 2302.13971: unknown field 'colour'" in proc.stderr
    assert "papers.yaml:10: warning: paper 2401.00010 is not mentioned in any digest" in proc.stderr
    assert "Segment Anything (SAM)" in soup(out / "papers/2304.02643/index.html").find("h1").get_text()


def test_papers_yaml_keeps_ids_as_written_and_reports_bad_yaml(tmp_path):
    site = fixture_site(tmp_path, "2112.01480:\n  title: trailing zero\n")
    proc, _, _ = build(site)
    assert "paper 2112.01480 is not mentioned" in proc.stderr  # not the float 2112.0148
    (site / "papers.yaml").write_text("2112.01488: [unclosed\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1 and "papers.yaml:2: error: invalid YAML" in proc.stderr  # an error fails
    (site / "papers.yaml").write_text("2112.01488: " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1 and "papers.yaml: error: invalid YAML: nested too deeply" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.browser
def test_mention_links_land_on_the_mentioned_place(tmp_path, browser):
    _, out, _ = build(fixture_site(tmp_path))
    with serve_static(out) as base:
        page = browser.new_page()
        for pid, text in (
            ("attention-is-all-you-need", "《Attention Is All You Need》"),
            ("2302.13971", "LLaMA"),
        ):
            page.goto(f"{base}papers/{pid}/")
            page.click(".mentions li a")
            target = page.locator(":target")
            target.wait_for()
            assert text in target.inner_text()
            assert target.is_visible()
        page.close()
