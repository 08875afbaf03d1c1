"""Dates with their precision, and the order in which a digest's date is looked for."""

from __future__ import annotations

import datetime as dt

import pytest

from paperdigest.model import DAY, MONTH, RANGE, WEEK
from paperdigest.parse.when import When, arxiv_month, find_when, format_when, paper_date, when_from_arxiv_ids
from test_shapes_parse import parse_text

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("notes of 2023-05-02", When(D(2023, 5, 2))),
        ("2023年5月2日的论文", When(D(2023, 5, 2))),
        ("# Week-of-year: 33(2024-08-11 ~ 2024-08-17)", When(D(2024, 8, 11), WEEK, D(2024, 8, 17))),
        ("（2024-08-18 ～ 2024-08-24）", When(D(2024, 8, 18), WEEK, D(2024, 8, 24))),
        ("2024-01-01 to 2024-01-31", When(D(2024, 1, 1), RANGE, D(2024, 1, 31))),
        ("本文总结了2024年5月第四周发表的论文", When(D(2024, 5, 22), WEEK, D(2024, 5, 28))),
        ("2024年2月第五周", When(D(2024, 2, 29), WEEK, D(2024, 2, 29))),
        ("2024年5月的论文", When(D(2024, 5, 1), MONTH)),
        ("Research papers in February 2024", When(D(2024, 2, 1), MONTH)),
        ("first 2024年3月, then 2024-05-02", When(D(2024, 3, 1), MONTH)),
        ("no date here, 2402.00838 is an id", None),
        ("2023-02-30 is not a day", None),
    ],
)
def test_find_when(text, expected):
    assert find_when(text) == expected


def test_arxiv_months_and_paper_dates():
    assert arxiv_month("2402.00838") == D(2024, 2, 1)
    assert arxiv_month("hep-th/9901001") == D(1999, 1, 1)
    assert when_from_arxiv_ids(["2303.13506", "2407.14679", "2201.02177"]) == When(D(2024, 7, 1), MONTH)
    assert when_from_arxiv_ids([]) is None
    assert paper_date("29 Feb", "2402.19427") == "2024-02-29"
    assert paper_date("Feb 19", "2402.12354") == "2024-02-19"
    assert paper_date("2024", "2402.11690") == "2024"
    assert paper_date("someday", "2402.11690") == ""


def test_format_when_shows_the_precision():
    assert format_when(D(2024, 5, 2)) == "2024-05-02"
    assert format_when(D(2024, 8, 11), WEEK, D(2024, 8, 17)) == "2024-08-11 ~ 2024-08-17"
    assert format_when(D(2024, 2, 1), MONTH) == "2024-02"
    assert format_when(None) == ""
    assert DAY == "day"


def test_date_order_front_matter_then_file_name_then_text_then_arxiv(tmp_path):
    body = "# Notes 2024-03-05\n\nSee https://arxiv.org/abs/2405.00001\n"
    fm = parse_text(tmp_path, "2024-01-09-notes.md", "---\ndate: 2024-01-02\n---\n" + body)
    assert (fm.date, fm.date_precision) == (D(2024, 1, 2), DAY)
    name = parse_text(tmp_path, "2024-01-09-notes.md", body)
    assert name.date == D(2024, 1, 9)
    text = parse_text(tmp_path, "notes.md", body)
    assert text.date == D(2024, 3, 5)
    last = parse_text(
        tmp_path, "plain.md", "# Notes\n\nSee https://arxiv.org/abs/2405.00001 and arXiv:2311.00002\n"
    )
    assert (last.date, last.date_precision) == (D(2024, 5, 1), MONTH)
    week = parse_text(tmp_path, "w.md", "---\ndate: 2024-08-11 ~ 2024-08-17\n---\n" + body)
    assert (week.date, week.date_precision, week.date_end) == (D(2024, 8, 11), WEEK, D(2024, 8, 17))
    undated = parse_text(tmp_path, "nothing.md", "# Notes\n\nNo papers.\n")
    assert undated.date is None
