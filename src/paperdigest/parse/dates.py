"""Dates of digests: front matter, then the file name, then the title."""

from __future__ import annotations

import datetime as dt
import re

# 2023-05-02, 2023.05.02, 2023/5/2, 2023年5月2日
DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})(?!\d)")


def parse_date_value(value) -> dt.date | None:
    """A front-matter date (YAML date, datetime or string) as a date, or None if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return find_date(value)
    return None


def find_date(text: str) -> dt.date | None:
    """The first valid calendar date written in `text`."""
    for m in DATE_IN_TEXT.finditer(text):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None
