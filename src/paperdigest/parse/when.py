"""Dates with the precision the digest really gives: a day, a week or range, or a month.

2023-05-02, 2023年5月2日              -> a day
(2024-08-11 ~ 2024-08-17)             -> a week (a longer span is a range)
2024年5月第四周                        -> a week (days 22-28 of May 2024)
2024年5月, May 2024                   -> a month
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from paperdigest.model import DAY, MONTH, RANGE, WEEK

DATE = r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?"
DAY_RE = re.compile(rf"(?<!\d){DATE}(?!\d)")
RANGE_RE = re.compile(rf"(?<!\d){DATE}\s*(?:~|～|–|—|--?|to|至|到)\s*{DATE}(?!\d)")
CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
WEEK_OF_MONTH_RE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:的)?第\s*([一二三四五六1-6])\s*周")
MONTH_CN_RE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTH_NAMES.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTH_EN_RE = re.compile(
    r"\b(" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) + r")\.?,?\s+(\d{4})\b", re.I
)
# A time of day after a date, as YAML and ISO 8601 write it: 2023-01-01T10:00:00, 2023-01-01 10:00.
TIME_AFTER_DATE_RE = re.compile(
    r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)((\d{1,2}):(\d{2})(?::(\d{2}))?)(?!\d)"
)
# A paper's own date in a list, year left out: "(29 Feb)", "(Feb 19)", "(2024)".
DAY_MONTH_RE = re.compile(r"^(\d{1,2})\s+([A-Za-z]{3,9})\.?$|^([A-Za-z]{3,9})\.?\s+(\d{1,2})$")


@dataclass(frozen=True)
class When:
    date: dt.date
    precision: str = DAY
    end: dt.date | None = None
    time: dt.datetime | None = None  # the day's time of day, with its offset, when front matter gives one


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _candidates(text: str):
    """(position, specificity rank, When) for every date-like phrase in text."""
    for m in RANGE_RE.finditer(text):
        start, end = _date(*m.group(1, 2, 3)), _date(*m.group(4, 5, 6))
        if start and end:
            start, end = min(start, end), max(start, end)  # `2024-08-17 ~ 2024-08-11` is that week too
            precision = WEEK if (end - start).days <= 7 else RANGE
            yield m.start(), 0, When(start, precision, end)
    for m in WEEK_OF_MONTH_RE.finditer(text):
        week = week_of_month(int(m.group(1)), int(m.group(2)), m.group(3))
        if week:
            yield m.start(), 1, week
    for m in DAY_RE.finditer(text):
        day = _date(*m.group(1, 2, 3))
        if day:
            yield m.start(), 2, When(day)
    for m in MONTH_CN_RE.finditer(text):
        if 1 <= int(m.group(2)) <= 12:
            yield m.start(), 3, When(dt.date(int(m.group(1)), int(m.group(2)), 1), MONTH)
    for m in MONTH_EN_RE.finditer(text):
        yield m.start(), 3, When(dt.date(int(m.group(2)), MONTH_NAMES[m.group(1).lower()], 1), MONTH)


def find_when(text: str) -> When | None:
    """The first date, week, range or month written in `text` (the most precise at one place)."""
    found = min(_candidates(text), key=lambda c: (c[0], c[1]), default=None)
    return found[2] if found else None


def impossible_day(text: str) -> str | None:
    """The day written in `text` that no calendar has ('2023-02-30'), when `text` gives no date at all."""
    if find_when(text):
        return None
    return next((m.group(0) for m in DAY_RE.finditer(text) if not _date(*m.group(1, 2, 3))), None)


def impossible_time(text: str) -> str | None:
    """The time of day written after a date in `text` that no clock shows ('25:99:00'), if any."""
    m = TIME_AFTER_DATE_RE.search(text)
    if not m:
        return None
    hour, minute, second = (int(part or 0) for part in m.group(2, 3, 4))
    return None if hour < 24 and minute < 60 and second < 60 else m.group(1)


def week_of_month(year: int, month: int, number: str) -> When | None:
    """'第四周' of May 2024: days 22-28 (the fifth week ends with the month)."""
    n = CN_NUMBERS.get(number) or int(number)
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    first_day = 7 * (n - 1) + 1
    if first_day > last:
        return None
    return When(dt.date(year, month, first_day), WEEK, dt.date(year, month, min(7 * n, last)))


def arxiv_month(aid: str) -> dt.date | None:
    """The month an arXiv id was issued: 2402.00838 -> 2024-02-01; hep-th/9901001 -> 1999-01-01."""
    digits = aid.split("/")[-1][:4]
    if not digits.isdigit():
        return None
    yy, mm = int(digits[:2]), int(digits[2:])
    year = 2000 + yy if "/" not in aid or yy < 91 else 1900 + yy
    return dt.date(year, mm, 1) if 1 <= mm <= 12 else None


def when_from_arxiv_ids(ids) -> When | None:
    """Last resort for a digest's date: the month of the newest arXiv id it links."""
    months = [m for m in (arxiv_month(aid) for aid in ids) if m]
    return When(max(months), MONTH) if months else None


def paper_date(text: str, aid: str = "") -> str:
    """'29 Feb' or 'Feb 19' -> '2024-02-29' (year from the arXiv id); '2024' stays; else ''."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    m = DAY_MONTH_RE.match(text)
    issued = arxiv_month(aid) if aid else None
    if not m or not issued:
        return ""
    day, name = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    month = MONTH_NAMES.get(name.lower())
    when = _date(str(issued.year), str(month), day) if month else None
    return when.isoformat() if when else ""


def format_when(date: dt.date | None, precision: str = DAY, end: dt.date | None = None) -> str:
    """How a date is shown: '2024-05-02', '2024-08-11 ~ 2024-08-17', '2024-02'."""
    if date is None:
        return ""
    if precision == MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    if precision in (WEEK, RANGE):
        return f"{date.isoformat()} ~ {end.isoformat()}" if end else f"week of {date.isoformat()}"
    return date.isoformat()
