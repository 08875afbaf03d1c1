"""Typed records that flow from parsing to rendering. Frozen: later stages never mutate them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAIN, MORE = "main", "more"


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    note: str = ""  # e.g. the "（检测数据集）" after a URL


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class TocEntry:
    level: int
    title: str
    anchor: str


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


@dataclass(frozen=True)
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
    source: str
    line: int


@dataclass(frozen=True)
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

    @property
    def first_date(self) -> dt.date | None:
        dates = [m.date for m in self.mentions if m.date]
        return min(dates) if dates else None
