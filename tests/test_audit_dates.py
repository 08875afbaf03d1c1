"""Front-matter dates as Jekyll, Hugo and Hexo users write them: a month, a range written end
first, a time of day with or without its offset, the date of the last change. Built with the real
CLI in a subprocess; the feeds are read by feedparser, as a feed reader reads them."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from conftest import run_cli, write_site


def build(root: Path):
    return run_cli("build", "--source", str(root), "--out", str(root / "_site"))


def page(root: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_site" / path).read_text(encoding="utf-8"), "html.parser")


def shown_date(root: Path, slug: str) -> str:
    return page(root, f"digests/{slug}/index.html").select_one("time").get_text()


def test_a_month_in_front_matter_dates_the_digest_at_month_precision(tmp_path):
    """`date: 2024-02` was 'not a date' (a warning, and the digest dated from its file name or
    text), though a month written in the text dates a digest."""
    root = write_site(
        tmp_path, {"feb.md": "---\ntitle: February\ndate: 2024-02\n---\nPapers of the month.\n"}
    )
    result = build(root)
    assert result.returncode == 0, result.stderr
    assert "not a date" not in result.stderr
    assert shown_date(root, "feb") == "2024-02"
    month = page(root, "archive/2024/02/index.html")
    assert month.find("a", href="/digests/feb/") is not None


def test_a_range_written_end_first_is_a_located_warning_and_reads_as_the_week(tmp_path):
    """`2024-08-17 ~ 2024-08-11` dated the digest 2024-08-17, a day, without a word."""
    text = "---\ntitle: Week 33\ndate: 2024-08-17 ~ 2024-08-11\n---\nThe week's papers.\n"
    root = write_site(tmp_path, {"week.md": text})
    result = build(root)
    assert result.returncode == 0, result.stderr
    expected = (
        "digests/week.md:3: warning: date '2024-08-17 ~ 2024-08-11' ends before it starts: "
        "read as 2024-08-11 ~ 2024-08-17"
    )
    assert expected in result.stderr
    assert shown_date(root, "week") == "2024-08-11 ~ 2024-08-17"


def test_a_month_that_no_calendar_has_is_still_not_a_date(tmp_path):
    root = write_site(tmp_path, {"m13.md": "---\ntitle: Thirteen\ndate: 2024-13\n---\nNo such month.\n"})
    result = build(root)
    assert "digests/m13.md:3: warning: date '2024-13' is not a date" in result.stderr
