"""What the theme's templates call besides URLs: the words of the site's language (`t`), a digest's
body with its paper cards, a card's link buttons, the dates and languages pages show.

Pure functions of their arguments and the configuration, as page fingerprints require.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import jinja2
from markupsafe import escape

from paperdigest.bibtex import arxiv_issue
from paperdigest.config import SiteConfig
from paperdigest.i18n import Strings, og_locale, site_strings, text_direction
from paperdigest.model import RANGE, WEEK, Card, Digest, Paper
from paperdigest.parse.cards import CARD_SLOT
from paperdigest.parse.digest import PAPER_PAGE_LINK, paper_id
from paperdigest.parse.papers import arxiv_abs_url, arxiv_id, arxiv_pdf_url
from paperdigest.parse.when import format_when

ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")  # what <time datetime> takes: a year, month or day


@dataclass(frozen=True, slots=True)
class CardLink:
    """One link button of a card: `kind` says what it is, the theme words it (kind 'link' and
    'note' keep the author's own label; a 'note' is a field whose value is text, not a URL)."""

    kind: str  # 'abs' | 'pdf' | 'paper' | 'code' | 'link' | 'note'
    url: str
    label: str = ""
    note: str = ""


def body_parts(digest: Digest, paper_page: str, site_language: str) -> list[tuple[str, Card | None]]:
    """A digest's body as (HTML, card) pairs in page order: the HTML up to a card's slot
    (parse/cards.py), then the card the page shows there (None after the last one). The links
    from card headings to paper pages get their name, `paper_page`, in the site's language, and
    say so in a digest in another (a screen reader reads the name in the link's language)."""
    lang = (
        "" if page_language(digest.language, site_language) == site_language else f' lang="{site_language}"'
    )
    named = f'{PAPER_PAGE_LINK} title="{escape(paper_page)}" aria-label="{escape(paper_page)}"{lang}'
    html = digest.html.replace(PAPER_PAGE_LINK, named)
    parts, pos = [], 0
    for m in CARD_SLOT.finditer(html):
        n = int(m.group(1))
        if n < len(digest.cards):
            parts.append((html[pos : m.start()], digest.cards[n]))
            pos = m.end()
    parts.append((html[pos:], None))
    return parts


def card_links(card: Card, link_href: Callable[[str], str]) -> tuple[CardLink, ...]:
    """Every real link of a card (`link_href`: where a link leads, '' for none), the paper's own
    first: arXiv abstract and PDF, the paper's URL when it is not on arXiv, the code, then every
    other labelled link; text-valued fields last."""
    links: list[CardLink] = []
    if card.arxiv_id:
        links += [
            CardLink("abs", arxiv_abs_url(card.arxiv_id)),
            CardLink("pdf", arxiv_pdf_url(card.arxiv_id)),
        ]
    if (href := link_href(card.url)) and not arxiv_id(card.url):
        links.append(CardLink("paper", href))
    if href := link_href(card.code_url):
        links.append(CardLink("code", href))
    notes = []
    for link in card.links:
        if (href := link_href(link.url)) and not (card.arxiv_id and arxiv_id(link.url) == card.arxiv_id):
            links.append(CardLink("link", href, link.label, link.note))
        elif not link.url and link.note:
            notes.append(CardLink("note", "", link.label, link.note))
    return tuple(links + notes)


def host_path(url: str) -> str:
    """'https://www.example.org/a/b/' -> 'example.org/a/b': a link's text that says where it goes."""
    parts = urlsplit(url)
    return (parts.netloc.removeprefix("www.") + parts.path.rstrip("/")) or url


def paper_date(paper: Paper) -> str:
    """The date a list shows for a paper: its own as a digest gives it, else its arXiv month, else
    the day it was first mentioned here."""
    if ISO_DATE.match(paper.published):
        return paper.published
    if issued := arxiv_issue(paper):
        return f"{issued.year:04d}-{issued.month:02d}"
    return paper.first_date.isoformat() if paper.first_date else ""


def page_language(detected: str, site_language: str) -> str:
    """A page's lang: its digest's language, written as the site's tag when it is the same language
    (a Chinese digest on a zh-CN site is zh-CN), else the site's language."""
    if not detected or detected.split("-")[0].lower() == site_language.split("-")[0].lower():
        return site_language
    return detected


def language_of(paper: Paper, field: str) -> str:
    """The language of the digest that gave `paper` its `field` (its translated title, its summary),
    as the mentions saying the same tell it; '' when none does (papers.yaml gave it)."""
    value = getattr(paper, field)
    return next((m.language for m in paper.mentions if getattr(m, field) == value), "")


def shown_when(x, strings: Strings) -> str:
    """A record's date as pages show it: a day, a month, or a week or range of days."""
    if x.date is not None and x.date_precision in (WEEK, RANGE) and x.date_end is None:
        return strings("week_of", date=x.date.isoformat())
    return format_when(x.date, x.date_precision, x.date_end)


def by_id(papers: tuple[Paper, ...]) -> dict[str, Paper]:
    return {p.id: p for p in papers}


def install_theme_helpers(
    env: jinja2.Environment, config: SiteConfig, link_href: Callable[[str], str]
) -> None:
    strings = site_strings(config.language, config.strings)
    env.globals["t"] = strings
    env.filters["body_parts"] = lambda digest: body_parts(digest, strings("paper_page"), config.language)
    env.filters["card_links"] = lambda card: card_links(card, link_href)
    env.filters["paper_id"] = paper_id
    env.filters["by_id"] = by_id
    env.filters["host_path"] = host_path
    env.filters["paper_date"] = paper_date
    env.filters["page_lang"] = lambda detected: page_language(detected, config.language)
    env.filters["language_of"] = language_of  # the language a paper's translated title or summary is in
    env.filters["og_locale"] = og_locale  # en_US, zh_CN: og:locale's form of a language tag
    env.filters["text_dir"] = text_direction  # 'rtl' for Arabic, Hebrew...; else 'ltr'
    env.filters["when"] = lambda x: shown_when(x, strings)  # day, week or month
