"""A paper named only by its title is the arXiv paper of that title, when the site has exactly one.

One digest lists `### Are Emergent Abilities of Large Language Models a Mirage?` with its arXiv
link; another names the paper by its title alone (a `《Title》` in a blog listing, a card whose
only link is OpenReview's). Both are one paper, one page: the title-only card takes the arXiv id
of the paper whose title is, letter for letter and digit for digit, its own (case, spaces and
punctuation aside: normalise_title). Never on a near match, and never when two arXiv papers
have that title.

This is the one place grouping changes the cards of a digest (and the link from each card heading
to its paper's page), so its fingerprint covers the ids of its cards (incremental/fingerprint.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache

from paperdigest.model import Card, Digest
from paperdigest.parse.digest import PAPER_PAGE_LINK, paper_page_path

NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")  # \w is str.isalnum() and `_`


@lru_cache(maxsize=1 << 17)  # every build, for every card of the site: titles stay from build to build
def normalise_title(title: str) -> str:
    """What two ways of writing one title have in common: its letters and digits, in lower case."""
    return NOT_LETTER_OR_DIGIT.sub("", title.lower())


def join_titles(digests: list[Digest]) -> list[Digest]:
    """`digests`, those with a title-only card of an arXiv paper's title made again with that card
    holding the paper's arXiv id; the others the very same records."""
    if not any(not card.arxiv_id and card.title for digest in digests for card in digest.cards):
        return digests  # no card to join (the titles of 60,000 cards need not be read)
    arxiv_ids = arxiv_ids_by_title(digests)
    if not arxiv_ids:
        return digests
    return [joined(digest, arxiv_ids) for digest in digests]


def arxiv_ids_by_title(digests: list[Digest]) -> dict[str, str]:
    """Normalised title -> the one arXiv id listed with that title (titles of two ids left out)."""
    found: dict[str, set[str]] = defaultdict(set)
    for digest in digests:
        for card in digest.cards:
            if card.arxiv_id and (key := normalise_title(card.title)):
                found[key].add(card.arxiv_id)
    return {key: next(iter(ids)) for key, ids in found.items() if len(ids) == 1}


def joined(digest: Digest, arxiv_ids: dict[str, str]) -> Digest:
    cards = tuple(joined_card(card, arxiv_ids) for card in digest.cards)
    if all(new is old for new, old in zip(cards, digest.cards, strict=True)):
        return digest
    html = digest.html
    for old, new in zip(digest.cards, cards, strict=True):
        if new is not old:  # the card heading's link to its paper's page (parse.digest) follows
            html = relinked(html, old, new)
    # No merge key (group.merge_key): the parse's no longer covers the cards, and a paper merged
    # from this record is fingerprinted field by field instead (incremental/fingerprint.py).
    return replace(digest, cards=cards, html=html, merge_key="")


def relinked(html: str, old: Card, new: Card) -> str:
    """`html` with the heading link of card `old` leading to the paper page of card `new`. The
    parse wrote the link with the site's base path before the page's path (`/repo/papers/x/` on a
    project site), so the path is matched after whatever base path the link has."""
    link = re.compile(f'{re.escape(PAPER_PAGE_LINK)} href="([^"]*?){re.escape(paper_page_path(old))}"')
    return link.sub(lambda m: f'{PAPER_PAGE_LINK} href="{m.group(1)}{paper_page_path(new)}"', html)


def joined_card(card: Card, arxiv_ids: dict[str, str]) -> Card:
    if card.arxiv_id or not card.title:
        return card
    aid = arxiv_ids.get(normalise_title(card.title))
    return replace(card, arxiv_id=aid) if aid else card
