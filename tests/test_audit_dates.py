"""Front-matter dates as Jekyll, Hugo and Hexo users write them: a month, a range written end
first, a time of day with or without its offset, the date of the last change. Built with the real
CLI in a subprocess; the feeds are read by feedparser, as a feed reader reads them."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import feedparser
from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from paperdigest.check import check_site
from test_incremental_property import CardSpec, DigestSpec, EditedSite, SiteSpec

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


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


# One day's digests, each written with its time as one of the generators writes it; slugs in the
# opposite order of the times, so that an order by slug shows. (file name, date as written, the
# same instant in ISO 8601 for the test's own reckoning)
ONE_DAY = [
    ("a-night.md", "2023-05-02 23:30:00 +0800", "2023-05-02T23:30:00+08:00"),  # Jekyll
    ("b-evening.md", "2023-05-02T12:00:00Z", "2023-05-02T12:00:00+00:00"),  # Hugo
    ("c-noon.md", "2023/05/02 10:15", "2023-05-02T10:15:00+00:00"),  # Hexo, no offset: UTC
    ("d-morning.md", "2023-05-02T09:00:00.250+08:00", "2023-05-02T09:00:00.250+08:00"),
    ("e-dawn.md", "2023-05-02 06:00 +08", "2023-05-02T06:00:00+08:00"),
]


def one_day_site(root: Path) -> Path:
    digests = {
        name: f"---\ntitle: {name[2:-3].title()}\ndate: {written}\n---\nA digest.\n"
        for name, written, _ in ONE_DAY
    }
    digests["z-day.md"] = "---\ntitle: Day\ndate: 2023-05-02\n---\nA digest without a time.\n"
    digests["older.md"] = "---\ntitle: Older\ndate: 2023-05-01 23:59:00 -0500\n---\nThe day before.\n"
    return write_site(root, digests)


def newest_first() -> list[str]:
    """The slugs of ONE_DAY by the instants written, newest first."""
    by_instant = sorted(ONE_DAY, key=lambda d: dt.datetime.fromisoformat(d[2]), reverse=True)
    return [name[:-3] for name, _, _ in by_instant]


def listed_slugs(soup: BeautifulSoup) -> list[str]:
    hrefs = [a["href"] for a in soup.select("main a[href^='/digests/']")]
    found = [m.group(1) for href in hrefs if (m := re.fullmatch(r"/digests/([^/]+)/", href))]
    return list(dict.fromkeys(found))


def test_the_time_of_day_orders_the_digests_of_one_day(tmp_path):
    """The time in `date:` was dropped: digests of one day were listed by slug, not by time. A
    digest without a time comes after the day's timed ones (Jekyll takes it for midnight)."""
    root = one_day_site(tmp_path)
    result = build(root)
    assert result.returncode == 0, result.stderr
    expected = [*newest_first(), "z-day", "older"]
    assert listed_slugs(page(root, "index.html")) == expected
    assert listed_slugs(page(root, "archive/2023/05/index.html")) == expected
    entries = feedparser.parse((root / "_site" / "feed.xml").read_bytes()).entries
    assert [e.link.rstrip("/").rsplit("/", 1)[1] for e in entries] == expected
    latest = page(root, f"digests/{expected[0]}/index.html")
    assert latest.find("a", rel="prev")["href"] == f"/digests/{expected[1]}/"
    # The day shown is the day written, the time left out as before.
    assert {shown_date(root, slug) for slug in expected[:-1]} == {"2023-05-02"}
    assert shown_date(root, "older") == "2023-05-01"


def written_instants() -> dict[str, dt.datetime]:
    return {name[:-3]: dt.datetime.fromisoformat(iso).replace(microsecond=0) for name, _, iso in ONE_DAY}


def test_the_feed_dates_each_entry_at_its_time_with_its_offset(tmp_path):
    """The feed's <updated> was the day at T00:00:00Z whatever time the digest gave."""
    root = one_day_site(tmp_path)
    assert build(root).returncode == 0
    feed = feedparser.parse((root / "_site" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    instants = written_instants()
    for entry in feed.entries:
        slug = entry.link.rstrip("/").rsplit("/", 1)[1]
        published, updated = (dt.datetime.fromisoformat(entry[key]) for key in ("published", "updated"))
        assert published.tzinfo is not None and updated.tzinfo is not None  # RFC 3339: an offset
        if slug in instants:
            assert published == updated == instants[slug]
            assert published.utcoffset() == instants[slug].utcoffset()  # the offset as written
    assert dt.datetime.fromisoformat(feed.feed.updated) == max(instants.values())


def test_the_sitemap_gives_each_digests_time_as_written(tmp_path):
    root = one_day_site(tmp_path)
    assert build(root).returncode == 0
    urls = ET.parse(root / "_site" / "sitemap.xml").getroot().iter(f"{SITEMAP}url")
    lastmod = {
        url.findtext(f"{SITEMAP}loc").rstrip("/").rsplit("/", 1)[1]: url.findtext(f"{SITEMAP}lastmod")
        for url in urls
        if "/digests/" in url.findtext(f"{SITEMAP}loc")
    }
    for slug, instant in written_instants().items():
        assert dt.datetime.fromisoformat(lastmod[slug]) == instant
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", lastmod[slug])  # W3C datetime
    assert lastmod["z-day"] == "2023-05-02"


def test_an_incremental_build_after_a_time_moves_a_digest_is_a_clean_builds_bytes(tmp_path):
    """A new time changes the order of every list the digest is in (the front page, its month, its
    categories, the feeds, the previous/next links of its neighbours), not the digest's day."""
    card = CardSpec("Tree of Thoughts", "2305.10601")
    spec = SiteSpec(
        digests={
            f"{name}.md": DigestSpec(name.title(), f"2023-05-02 {time} +0800", ("nlp",), cards=(card,))
            for name, time in (("first", "08:00"), ("second", "12:00"), ("third", "18:00"))
        }
    )
    site = EditedSite(tmp_path, spec)
    for name, time in (("first", "2023-05-02 20:00 +0800"), ("third", "2023-05-02T01:00:00Z")):
        spec.digests[f"{name}.md"] = replace(spec.digests[f"{name}.md"], date=time)
        site.check_after(f"{name}.md: date = {time}")
    expected = ["first", "second", "third"]  # 20:00+08, 12:00+08 and 09:00+08 (01:00Z), newest first
    assert listed_slugs(page(site.root, "index.html")) == expected


def test_a_rebuild_after_a_new_date_moves_digests_citing_the_same_papers_is_a_clean_builds_bytes(tmp_path):
    """The dev server's rebuild gave a paper the mentions of one digest three times (papers.json
    and its page) when a date moved a digest past others whose cards cite the same papers."""
    card = CardSpec("Tree of Thoughts", "2305.10601")
    spec = SiteSpec(
        digests={f"{name}.md": DigestSpec(name.title(), date, cards=(card,)) for name, date in ONE_PER_DAY}
    )
    site = EditedSite(tmp_path, spec)
    spec.digests["first.md"] = replace(spec.digests["first.md"], date="2023-05-04")
    site.check_after("first.md: date = 2023-05-04")
    assert listed_slugs(page(site.root, "index.html")) == ["first", "third", "second"]


ONE_PER_DAY = [("first", "2023-05-01"), ("second", "2023-05-02"), ("third", "2023-05-03")]


# The key each generator writes the last change with, and how.
UPDATED = {
    "hexo.md": ("updated", "2023-05-09 08:00:00", "2023-05-09T08:00:00+00:00"),
    "jekyll.md": ("last_modified_at", "2023-05-09 08:00:00 +0800", "2023-05-09T08:00:00+08:00"),
    "hugo.md": ("lastmod", "2023-05-09T08:00:00-05:00", "2023-05-09T08:00:00-05:00"),
    "hugo-modified.md": ("modified", "2023-05-09", "2023-05-09T00:00:00+00:00"),
}


def test_the_last_change_in_front_matter_dates_the_feed_entry_and_the_sitemap(tmp_path):
    """`updated:` (Hexo), `last_modified_at:` (jekyll-seo-tag), `lastmod:`/`modified:` (Hugo) were
    kept as unknown keys: the feed said every digest was last updated on its date."""
    digests = {
        name: f"---\ntitle: {name[:-3]}\ndate: 2023-05-02 10:00:00 +0800\n{key}: {value}\n---\nA digest.\n"
        for name, (key, value, _) in UPDATED.items()
    }
    root = write_site(tmp_path, digests)
    result = build(root)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    feed = feedparser.parse((root / "_site" / "feed.xml").read_bytes())
    changed = {name[:-3]: dt.datetime.fromisoformat(iso) for name, (_, _, iso) in UPDATED.items()}
    for entry in feed.entries:
        slug = entry.link.rstrip("/").rsplit("/", 1)[1]
        assert dt.datetime.fromisoformat(entry.updated) == changed[slug]
        assert dt.datetime.fromisoformat(entry.published) == dt.datetime.fromisoformat(
            "2023-05-02T10:00:00+08:00"
        )
    assert dt.datetime.fromisoformat(feed.feed.updated) == max(changed.values())
    urls = ET.parse(root / "_site" / "sitemap.xml").getroot().iter(f"{SITEMAP}url")
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in urls}
    assert lastmod["https://example.org/digests/hugo/"] == "2023-05-09T08:00:00-05:00"
    assert lastmod["https://example.org/digests/jekyll/"] == "2023-05-09T08:00:00+08:00"


def test_a_last_change_that_is_no_date_or_before_the_date_is_a_located_warning(tmp_path):
    digests = {
        "soon.md": "---\ntitle: Soon\ndate: 2023-05-02\nlastmod: soon\n---\nA digest.\n",
        "before.md": "---\ntitle: Before\ndate: 2023-05-02\nupdated: 2023-04-30\n---\nA digest.\n",
    }
    root = write_site(tmp_path, digests)
    result = build(root)
    assert result.returncode == 0
    assert "digests/soon.md:4: warning: lastmod 'soon' is not a date: ignored" in result.stderr
    before = (
        "digests/before.md:4: warning: updated '2023-04-30' is before the digest's date 2023-05-02: ignored"
    )
    assert before in result.stderr
    for entry in feedparser.parse((root / "_site" / "feed.xml").read_bytes()).entries:
        assert entry.updated == entry.published == "2023-05-02T00:00:00Z"


def test_check_warns_of_a_digest_dated_in_the_future_and_build_publishes_it(tmp_path):
    """Jekyll and Hugo hold a future-dated post back; here it is published at once, at the top of
    the feed, and nothing said so. The build stays independent of the day it runs; check tells."""
    digests = {
        "later.md": "---\ntitle: Later\ncategories: [nlp]\ndate: 2999-01-01 10:00 +0800\n---\nNot yet.\n",
        "past.md": "---\ntitle: Past\ndate: 2000-01-01\n---\nLong ago.\n",
    }
    root = write_site(tmp_path, digests)
    checked = run_cli("check", "--source", str(root))
    message = (
        "digests/later.md:4: warning: dated in the future (2999-01-01T10:00:00+08:00): "
        "published now, at the top of the lists and feeds"
    )
    assert message in checked.stdout
    assert "past.md" not in checked.stdout
    built = build(root)
    assert built.returncode == 0 and "future" not in built.stderr
    assert feedparser.parse((root / "_site" / "feed.xml").read_bytes()).entries[0].title == "Later"


def test_the_future_starts_after_the_time_written_or_after_the_day(tmp_path):
    digests = {
        "morning.md": "---\ntitle: Morning\ndate: 2024-06-01 09:00 +0800\n---\nA digest.\n",
        "evening.md": "---\ntitle: Evening\ndate: 2024-06-01T20:00:00+08:00\n---\nA digest.\n",
        "today.md": "---\ntitle: Today\ndate: 2024-06-01\n---\nA digest.\n",
        "2024-06-02-tomorrow.md": "# Tomorrow\n\nDated by its file name.\n",
    }
    root = write_site(tmp_path, digests)
    noon = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    future = [p for p in check_site(root, now=noon).problems if "in the future" in p.message]
    assert [(p.path, p.line) for p in future] == [
        ("digests/2024-06-02-tomorrow.md", None),
        ("digests/evening.md", 3),
    ]


def test_a_time_without_an_offset_is_in_the_sites_timezone(tmp_path):
    """Jekyll reads `date: 2023-05-02 10:00` in _config.yml's `timezone`; it was always UTC here,
    eight hours off in the feed for a site written in Beijing."""
    config = "title: T\nbase_url: https://example.org/\ntimezone: Asia/Shanghai\n"
    text = "---\ntitle: Naive\ndate: 2023-05-02 10:00\nupdated: 2023-05-04 09:30:00\n---\nA digest.\n"
    root = write_site(tmp_path, {"naive.md": text}, config)
    assert build(root).returncode == 0
    entry = feedparser.parse((root / "_site" / "feed.xml").read_bytes()).entries[0]
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert dt.datetime.fromisoformat(entry.published) == dt.datetime(2023, 5, 2, 10, 0, tzinfo=beijing)
    assert dt.datetime.fromisoformat(entry.updated) == dt.datetime(2023, 5, 4, 9, 30, tzinfo=beijing)


def test_a_timezone_that_names_no_zone_is_a_config_error_at_its_line(tmp_path):
    root = write_site(
        tmp_path, {"a.md": "---\ntitle: A\ndate: 2023-05-02\n---\nA.\n"}, "title: T\ntimezone: CST+8\n"
    )
    result = build(root)
    assert result.returncode == 2
    assert (
        "site.yaml:2: error: timezone must be an IANA time zone like Asia/Shanghai or UTC, got 'CST+8'"
        in result.stderr
    )
    assert not (root / "_site").exists()
