"""Grouping stage: Digest records -> SiteIndex (papers merged by id, dates, categories)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from paperdigest.errors import Problem
from paperdigest.model import Card, Digest, Mention, Paper
from paperdigest.parse import papers as ids
from paperdigest.parse.digest import paper_id


@dataclass(frozen=True)
class Category:
    name: str
    slug: str
    digests: tuple[Digest, ...]


@dataclass(frozen=True)
class SiteIndex:
    digests: tuple[Digest, ...]  # newest first
    papers: dict[str, Paper]  # by id, in order of first appearance (oldest first)
    categories: tuple[Category, ...]  # by name
    archive: dict[int, dict[int, tuple[Digest, ...]]]  # year -> month -> digests, newest first
    undated: tuple[Digest, ...]
    previous: dict[str, Digest]  # slug -> the digest before it in time
    following: dict[str, Digest]  # slug -> the digest after it in time
    papers_of: dict[str, tuple[Paper, ...]]  # digest slug -> its papers in card order


def sort_key(digest: Digest) -> tuple:
    return (digest.date or dt.date.min, digest.slug)


def unique_slugs(digests: list[Digest]) -> tuple[list[Digest], list[Problem]]:
    """Two digests with one slug both stay, the later source gets '-2', '-3', ..."""
    seen: dict[str, Digest] = {}
    result, problems = [], []
    for digest in sorted(digests, key=lambda d: d.source):
        slug, n = digest.slug, 2
        while slug in seen:
            slug, n = f"{digest.slug}-{n}", n + 1
        if slug != digest.slug:
            first = seen[digest.slug].source
            msg = f"slug '{digest.slug}' is also used by {first}; this digest is at digests/{slug}/"
            problems.append(Problem(digest.source, None, "warning", msg))
            digest = replace(digest, slug=slug)
        seen[slug] = digest
        result.append(digest)
    return result, problems


def build_index(digests: list[Digest]) -> tuple[SiteIndex, list[Problem]]:
    digests, problems = unique_slugs(digests)
    oldest_first = sorted(digests, key=sort_key)
    papers, paper_problems = merge_papers(oldest_first)
    newest_first = tuple(reversed(oldest_first))
    previous = {d.slug: p for p, d in zip(oldest_first, oldest_first[1:], strict=False)}
    following = {p.slug: d for p, d in zip(oldest_first, oldest_first[1:], strict=False)}
    papers_of = {
        d.slug: tuple(dict.fromkeys(papers[paper_id(c)] for c in d.cards).keys()) for d in newest_first
    }
    index = SiteIndex(
        digests=newest_first,
        papers=papers,
        categories=group_categories(newest_first),
        archive=group_archive(newest_first),
        undated=tuple(d for d in newest_first if d.date is None),
        previous=previous,
        following=following,
        papers_of=papers_of,
    )
    return index, problems + paper_problems


def group_categories(digests: tuple[Digest, ...]) -> tuple[Category, ...]:
    by_name: dict[str, list[Digest]] = defaultdict(list)
    for digest in digests:
        for name in digest.categories:
            by_name[name].append(digest)
    slugs: dict[str, str] = {}
    result = []
    for name in sorted(by_name, key=str.lower):
        slug = ids.title_slug(name)
        while slug in slugs.values():
            slug += "-"
        slugs[name] = slug
        result.append(Category(name, slug, tuple(by_name[name])))
    return tuple(result)


def group_archive(digests: tuple[Digest, ...]) -> dict[int, dict[int, tuple[Digest, ...]]]:
    archive: dict[int, dict[int, list[Digest]]] = defaultdict(lambda: defaultdict(list))
    for digest in digests:
        if digest.date:
            archive[digest.date.year][digest.date.month].append(digest)
    return {
        year: {month: tuple(archive[year][month]) for month in sorted(archive[year], reverse=True)}
        for year in sorted(archive, reverse=True)
    }


def mention_of(digest: Digest, card: Card) -> Mention:
    return Mention(
        digest_slug=digest.slug,
        digest_title=digest.title,
        date=digest.date,
        anchor=card.anchor,
        section=card.section,
        position=card.position,
        title=card.title,
        translated_title=card.translated_title,
        category=card.category or (digest.categories[0] if digest.categories else ""),
        source=digest.source,
        line=card.line,
    )


def merge_papers(oldest_first: list[Digest]) -> tuple[dict[str, Paper], list[Problem]]:
    """One Paper per id; the first non-empty value of each field wins, every card is a mention."""
    cards: dict[str, list[tuple[Digest, Card]]] = defaultdict(list)
    for digest in oldest_first:
        for card in digest.cards:
            cards[paper_id(card)].append((digest, card))
    papers, problems = {}, []
    for pid, seen in cards.items():
        papers[pid] = merge_one(pid, seen)
        problems += title_conflicts(pid, seen)
    return papers, problems


def first(values) -> str:
    return next((v for v in values if v), "")


def merge_one(pid: str, seen: list[tuple[Digest, Card]]) -> Paper:
    cs = [card for _, card in seen]
    aid = first(c.arxiv_id for c in cs)
    links = tuple(dict.fromkeys(link for c in cs for link in c.links))
    return Paper(
        id=pid,
        title=first(c.title for c in cs) or pid,
        translated_title=first(c.translated_title for c in cs),
        arxiv_id=aid,
        arxiv_url=ids.arxiv_abs_url(aid),
        pdf_url=ids.arxiv_pdf_url(aid),
        url=first(c.url for c in cs) or ids.arxiv_abs_url(aid),
        code_url=first(c.code_url for c in cs),
        affiliations=next((c.affiliations for c in cs if c.affiliations), ()),
        authors=next((c.authors for c in cs if c.authors), ()),
        venue=first(c.venue for c in cs),
        type=first(c.type for c in cs),
        links=links,
        mentions=tuple(mention_of(d, c) for d, c in seen),
        summary=first(c.summary for c in cs),
    )


def normalise_title(title: str) -> str:
    return "".join(ch for ch in title.lower() if ch.isalnum())


def title_conflicts(pid: str, seen: list[tuple[Digest, Card]]) -> list[Problem]:
    first_digest, first_card = seen[0]
    problems = []
    for digest, card in seen[1:]:
        if card.title and normalise_title(card.title) != normalise_title(first_card.title):
            msg = (
                f"paper {pid} is titled {card.title!r} here but {first_card.title!r} "
                f"in {first_digest.source}:{first_card.line}"
            )
            problems.append(Problem(digest.source, card.line, "warning", msg))
    return problems
