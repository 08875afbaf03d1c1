"""Typed records that flow from parsing to rendering. Frozen: later stages never mutate them.

Slotted where a site holds tens of thousands of them (cards, mentions, papers): no __dict__ each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import dataclass_transform

MAIN, MORE = "main", "more"
CITED = "cited"  # a section value: the paper is linked or named in passing, not digested
DAY, WEEK, MONTH, RANGE = "day", "week", "month", "range"  # how precise a date is


@dataclass_transform(frozen_default=True)
def record(cls):
    """A frozen, slotted dataclass that pickles fast: the cache holds 10,000 digests' cards, and
    dataclasses' own __getstate__ and __setstate__ (Python 3.11) look up the fields again for
    every record."""
    cls = dataclass(frozen=True, slots=True)(cls)
    names = tuple(f.name for f in fields(cls))
    # Each slot's own setter: a third quicker to load than object.__setattr__ by name.
    setters = tuple(getattr(cls, name).__set__ for name in names)

    def __getstate__(self):
        return [getattr(self, name) for name in names]

    def __setstate__(self, state):
        for set_slot, value in zip(setters, state, strict=True):  # a record of another shape: a cache miss
            set_slot(self, value)

    cls.__getstate__, cls.__setstate__ = __getstate__, __setstate__
    return cls


@record
class Link:
    label: str
    url: str
    note: str = ""  # e.g. the "（检测数据集）" after a URL


@record
class Card:
    """A paper as one digest describes it (one card, one list entry or one citation)."""

    title: str
    anchor: str  # id of the card's element in the digest page
    line: int  # 1-based line in the source file
    position: int  # 1-based order of the card in the digest
    section: str = MAIN  # MAIN or MORE
    translated_title: str = ""
    arxiv_id: str = ""
    url: str = ""  # the paper's main URL (arXiv abs or other)
    code_url: str = ""
    affiliations: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    venue: str = ""
    type: str = ""
    links: tuple[Link, ...] = ()
    summary: str = ""  # plain text, first paragraph after the card's metadata
    category: str = ""  # topic given by the digest for this card, if any
    entry: str = ""  # anchor of the Entry this card belongs to, in multi-entry digests
    starred: bool = False  # marked as a pick by the digest's author (a leading `*` on its title)
    published: str = ""  # the paper's own date as the digest gives it (ISO when known)
    # The titles as inline HTML (emphasis kept, formulas typeset) when they hold markup, else "":
    # title and translated_title are always plain text.
    title_html: str = ""
    translated_title_html: str = ""
    # The title split at its formulas, (text, TeX, text, ..., text), or () when it has none: BibTeX
    # keeps a formula's TeX, which its readable text in `title` has lost.
    title_tex: tuple[str, ...] = ()


@record
class Entry:
    """One dated part of a digest that holds several (a week of notes, a post in a listing)."""

    title: str
    anchor: str
    line: int
    date: dt.date | None
    date_precision: str = DAY
    date_end: dt.date | None = None
    author: str = ""


@record
class TocEntry:
    level: int
    title: str
    anchor: str


@record
class LocalFile:
    """A file of the site that a digest names by a relative path (parse/local_files.py)."""

    line: int | None  # 0-based line in the body, None when unknown
    written: str  # the URL as the author wrote it, for messages
    path: str  # relative to the site folder, '..' when the URL leaves it
    published: str  # its path in the output ('' when it is never published: outside, hidden)
    kind: str  # 'image' or 'file': what messages call it
    # Written site-absolute (`/assets/x.png`): copied from the site folder when there (Jekyll's
    # layout) and its path is no page's or static file's; else left to what has that path.
    absolute: bool = False


@dataclass(frozen=True)
class Digest:
    source: str  # path relative to the site root, for messages
    slug: str
    title: str
    date: dt.date | None
    categories: tuple[str, ...]
    description: str
    keywords: tuple[str, ...]
    html: str
    toc: tuple[TocEntry, ...]
    cards: tuple[Card, ...]
    extra: dict = field(default_factory=dict, hash=False, compare=False)  # unknown front matter
    draft: bool = False
    date_precision: str = DAY  # DAY, WEEK, MONTH or RANGE: how much of `date` the digest really gives
    date_end: dt.date | None = None  # last day of a week or range
    entries: tuple[Entry, ...] = ()  # dated parts of a multi-entry digest, in file order
    shape: str = "cards"  # which digest shape was recognised (parse/shapes)
    author: str = ""
    source_url: str = ""  # where the digest was copied or translated from
    # The title as inline HTML when it holds markup (a formula, emphasis), else "": title is plain text.
    title_html: str = ""
    language: str = ""  # BCP 47 tag its front matter gives, or 'en', 'zh', ... detected; '' unknown
    merge_key: str = ""  # what merging its cards into papers reads (group.merge_key); "" not known
    # The date with the time of day its front matter gives, aware of its offset (UTC when none is
    # written; its day is `date`): it orders the digests of one day, and feeds and the sitemap show it.
    time: dt.datetime | None = None
    # The last change its front matter gives (`updated`, `last_modified_at`, `lastmod`, `modified`):
    # a date, or an aware datetime with its time of day. Feeds' <updated>, the sitemap's <lastmod>.
    updated: dt.date | None = None
    files: tuple[LocalFile, ...] = ()  # the site's files its body names by a relative path


@record
class DigestSummary:
    """What pages that list digests show of one: all but its body, table of contents and cards."""

    slug: str
    title: str
    title_html: str  # the title with its inline markup and formulas, when it has any
    date: dt.date | None
    date_precision: str
    date_end: dt.date | None
    categories: tuple[str, ...]
    description: str
    author: str
    paper_count: int  # cards in the digest
    draft: bool
    language: str  # as Digest.language: lists mark an English title in a Chinese list as English
    time: dt.datetime | None = None  # as Digest.time: the order of a day's digests, the sitemap's lastmod
    updated: dt.date | None = None  # as Digest.updated: the sitemap's lastmod


def summary_of(digest: Digest) -> DigestSummary:
    return DigestSummary(
        slug=digest.slug,
        title=digest.title,
        title_html=digest.title_html,
        date=digest.date,
        date_precision=digest.date_precision,
        date_end=digest.date_end,
        categories=digest.categories,
        description=digest.description,
        author=digest.author,
        paper_count=len(digest.cards),
        draft=digest.draft,
        language=digest.language,
        time=digest.time,
        updated=digest.updated,
    )


@record
class Mention:
    """One place where a paper appears: a digest, its anchor there, and what it says there."""

    digest_slug: str
    digest_title: str
    date: dt.date | None
    anchor: str
    section: str
    position: int
    title: str
    translated_title: str
    category: str
    source: str  # the digest's file; not its line there, which every edit above the card moves
    summary: str = ""  # what this digest says about the paper
    date_precision: str = DAY
    date_end: dt.date | None = None
    entry_title: str = ""  # the entry of a multi-entry digest the mention is in
    starred: bool = False
    authors: tuple[str, ...] = ()
    digest_categories: tuple[str, ...] = ()  # all of the digest's categories (search filters)
    # The digest's language (Digest.language): pages in another one mark its title and summary so.
    language: str = ""


@record
class Paper:
    """A paper across the whole site: merged from every card that mentions it."""

    id: str  # arXiv id without version, or a slug of the title
    title: str
    translated_title: str
    arxiv_id: str
    arxiv_url: str
    pdf_url: str
    url: str
    code_url: str
    affiliations: tuple[str, ...]
    authors: tuple[str, ...]
    venue: str
    type: str
    links: tuple[Link, ...]
    mentions: tuple[Mention, ...]
    summary: str = ""
    published: str = ""
    title_html: str = ""  # as Card.title_html, from the card whose title the paper has
    translated_title_html: str = ""
    title_tex: tuple[str, ...] = ()  # as Card.title_tex, from the card whose title the paper has

    @property
    def first_date(self) -> dt.date | None:
        dates = [m.date for m in self.mentions if m.date]
        return min(dates) if dates else None
