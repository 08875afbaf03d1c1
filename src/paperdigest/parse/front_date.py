"""Dates as front matter writes them, for Jekyll, Hugo and Hexo alike.

    date: 2023-05-02                      a day
    date: 2023-05-02 10:00:00 +0800       a day, with its time and offset (Jekyll)
    date: 2023-05-02T10:00:00Z            the same in ISO 8601 / RFC 3339 (Hugo)
    date: 2023/05/02 10:00                a time without an offset (Hexo): UTC, as Hugo reads it
    date: 2024-02                         a month
    date: 2024-08-11 ~ 2024-08-17         a week (a longer span is a range)
    updated: 2023-05-03 09:00             the last change (also last_modified_at, lastmod, modified):
                                          the feed entry's <updated> and the sitemap's <lastmod>

The time of day orders the digests of one day and goes into the feeds and the sitemap; the day shown
is the day as written, in its own offset. A time without an offset is in site.yaml's `timezone`
(UTC when it names none), never the building machine's zone: the same files build the same site
anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import replace

from paperdigest.errors import Problem, excerpt
from paperdigest.model import DAY, MONTH
from paperdigest.parse.dates import parse_date_value
from paperdigest.parse.when import RANGE_RE, When, find_when, format_when, impossible_time

# Hexo's `updated`, jekyll-seo-tag's `last_modified_at`, Hugo's `lastmod` and `modified`: the
# first one given wins.
UPDATED_KEYS = ("updated", "last_modified_at", "lastmod", "modified")
# A month on its own, as front matter writes one: 2024-02, 2024/2, 2024.02. (In running text too
# many other things look like it, so only a whole front-matter value is read as a month.)
MONTH_VALUE = re.compile(r"\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*")
DATE_TIME = re.compile(
    r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(?P<offset>[Zz]|UTC|[+-]\d{2}(?::?\d{2})?)?\s*"
)


def time_zone(name: str) -> dt.tzinfo | None:
    """The zone `name` (site.yaml's `timezone`) names, UTC for '', None when it names none."""
    if not name:
        return dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # ValueError: a path such as ../x
        return None


def front_matter_when(
    value, rel: str, line: int, problems: list[Problem], zone: dt.tzinfo = dt.timezone.utc
) -> When | None:
    """The `date:` of a digest's front matter, with a located warning for what cannot be read
    as written (not a date, an impossible time, a range that ends before it starts). `zone`: the
    zone of a time written without an offset."""
    if isinstance(value, dt.datetime):  # `!!timestamp 2023-05-02 10:00:00`
        return When(value.date(), time=aware(value, zone))
    if isinstance(value, dt.date):
        return When(value)
    if not isinstance(value, str):
        problems.append(Problem(rel, line, "warning", f"date {excerpt(value)} is not a date"))
        return None
    if month := month_value(value):
        return month
    when, day = find_when(value), parse_date_value(value)
    if not when and not day:
        problems.append(Problem(rel, line, "warning", f"date {excerpt(value)} is not a date"))
        return None
    if time := impossible_time(value):
        message = (
            f"date {excerpt(value)}: {time} is not a time of day (the digest is dated {day or when.date})"
        )
        problems.append(Problem(rel, line, "warning", message))
    elif reversed_range(value):
        read = format_when(when.date, when.precision, when.end)
        message = f"date {excerpt(value)} ends before it starts: read as {read}"
        problems.append(Problem(rel, line, "warning", message))
    if not when or (day and day not in (when.date, when.end)):
        when = When(day)
    if when.precision == DAY and (time := written_time(value, zone)) and time.date() == when.date:
        when = replace(when, time=time)
    return when


def updated_date(
    meta: dict,
    rel: str,
    key_lines: dict[str, int],
    dated: When | None,
    problems: list[Problem],
    zone: dt.tzinfo = dt.timezone.utc,
):
    """The last change front matter gives (the first of UPDATED_KEYS written): a date, or an aware
    datetime when it has a time of day; None without one. One that is not a day, or is a day before
    the digest's own date, is a located warning and ignored."""
    key = next((k for k in UPDATED_KEYS if meta.get(k) not in (None, "")), None)
    if key is None:
        return None
    value, line = meta[key], key_lines.get(key, 2)
    updated = day_and_time(value, zone)
    if updated is None:
        problems.append(Problem(rel, line, "warning", f"{key} {excerpt(value)} is not a date: ignored"))
        return None
    day = updated.date() if isinstance(updated, dt.datetime) else updated
    if dated and day < dated.date:
        message = f"{key} {excerpt(value)} is before the digest's date {dated.date}: ignored"
        problems.append(Problem(rel, line, "warning", message))
        return None
    return updated


def day_and_time(value, zone: dt.tzinfo) -> dt.date | None:
    """A front-matter value as a day, or as an aware datetime when it gives a time of day too."""
    if isinstance(value, dt.datetime):
        return aware(value, zone)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or impossible_time(value):
        return None
    return written_time(value, zone) or parse_date_value(value)


def month_value(text: str) -> When | None:
    """`2024-02` -> February 2024, at month precision; None for anything else."""
    m = MONTH_VALUE.fullmatch(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return When(dt.date(int(m.group(1)), int(m.group(2)), 1), MONTH)


def reversed_range(text: str) -> bool:
    """The first range written in `text` ends before it starts: `2024-08-17 ~ 2024-08-11`."""
    m = RANGE_RE.search(text)
    if not m:
        return False
    start, end = (parse_date_value("-".join(m.group(*groups))) for groups in ((1, 2, 3), (4, 5, 6)))
    return bool(start and end and end < start)


def written_time(text: str, zone: dt.tzinfo = dt.timezone.utc) -> dt.datetime | None:
    """The date and time of day written in `text` (a whole front-matter value), aware of its offset
    (`zone`'s when none is written); None without a time, or with one no clock shows."""
    m = DATE_TIME.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in m.group(1, 2, 3, 4, 5, 6))
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=offset_of(m["offset"], zone))
    except ValueError:  # 25:99, 2023-02-30, +2500: reported where the date is read, or dropped
        return None


def offset_of(text: str | None, zone: dt.tzinfo = dt.timezone.utc) -> dt.tzinfo:
    """`+0800`, `+08:00`, `+08`, `-05:30`, `Z` or `UTC` as a fixed offset; nothing as `zone`."""
    if not text:
        return zone
    if text.upper() in ("Z", "UTC"):
        return dt.timezone.utc
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if text[0] == "-" else delta)


def aware(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A datetime YAML read: naive ones are in `zone` (see the module's docstring)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
