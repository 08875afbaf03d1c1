"""Grouping stage: Digest records -> SiteIndex (papers merged by id, dates, categories)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from paperdigest.errors import Problem
from paperdigest.model import CITED, Card, Digest, Entry, Mention, Paper
from paperdigest.overrides import apply_overrides
from paperdigest.parse import papers as ids
from paperdigest.parse.digest import paper_id


@dataclass(frozen=True)
class Category:
    name: str
    slug: str
    digests: tuple[Digest, ...]


@dataclass(frozen=True, slots=True)
class ArchiveItem:
    """One line of the archive: a digest, or one dated entry of a multi-entry digest."""

    digest: Digest
    entry: Entry | None
    date: dt.date

    @property
    def title(self) -> str:
        return self.entry.title if self.entry else self.digest.title

    @property
    def anchor(self) -> str:
        return self.entry.anchor if self.entry else ""

    @property
    def date_precision(self) -> str:
        return self.entry.date_precision if self.entry else self.digest.date_precision

    @property
    def date_end(self) -> dt.date | None:
        return self.entry.date_end if self.entry else self.digest.date_end

    @property
    def author(self) -> str:
        return (self.entry.author if self.entry else "") or self.digest.author


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
    # year -> month -> digests and entries dated in that month, newest first (same keys as archive)
    archive_items: dict[int, dict[int, tuple[ArchiveItem, ...]]] = field(default_factory=dict)
    papers_newest: tuple[Paper, ...] = ()  # by first mention, newest first


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


def build_index(
    digests: list[Digest], overrides: dict | None = None, memo: dict | None = None
) -> tuple[SiteIndex, list[Problem]]:
    """`overrides`: paper id -> PaperOverride (papers.yaml); they win over what digests say.

    `memo` (kept by the dev server between rebuilds) lets papers whose cards all come from the
    same digest records as last time be reused instead of merged again, and lists that hold the
    same records as last time be last time's lists: later stages recognise them by identity.
    """
    reuse = Reuse(memo)
    digests, problems = unique_slugs(digests)
    oldest_first = sorted(digests, key=sort_key)
    papers, paper_problems = merge_papers(oldest_first, memo)
    if overrides:
        papers, override_problems = apply_overrides(papers, overrides)
        paper_problems += override_problems
    items = archive_items(oldest_first, reuse, memo)
    newest_first = reuse("digests", tuple(reversed(oldest_first)))
    previous = {d.slug: p for p, d in zip(oldest_first, oldest_first[1:], strict=False)}
    following = {p.slug: d for p, d in zip(oldest_first, oldest_first[1:], strict=False)}
    # Records are deduplicated by key, never by hash: hashing a frozen record hashes every field.
    papers_of = papers_by_digest(newest_first, papers, memo)
    index = SiteIndex(
        digests=newest_first,
        papers=papers,
        categories=group_categories(newest_first, reuse),
        archive={
            y: {
                m: reuse(("archive", y, m), tuple({i.digest.slug: i.digest for i in its}.values()))
                for m, its in ms.items()
            }
            for y, ms in items.items()
        },
        undated=reuse(
            "undated", tuple(d for d in newest_first if d.date is None and not any(e.date for e in d.entries))
        ),
        previous=previous,
        following=following,
        papers_of=papers_of,
        archive_items=items,
        papers_newest=newest_papers(papers, memo),
    )
    return index, problems + paper_problems


def carry_over(memo: dict | None, name: str) -> tuple[dict, dict]:
    """(what the last build left in memo[name], the dict this build fills in its place): only this
    build's entries are kept for the next one. Without a memo, both are fresh and forgotten."""
    last = memo.get(name, {}) if memo is not None else {}
    now: dict = {}
    if memo is not None:
        memo[name] = now
    return last, now


class Reuse:
    """Gives back last build's tuple (or record) when the new one holds the very same objects."""

    def __init__(self, memo: dict | None):
        self.old, self.new = carry_over(memo, "reuse")

    def __call__(self, key, value):
        old = self.old.get(key)
        if old is not None and same_parts(old, value):
            value = old
        self.new[key] = value
        return value


def same_parts(old, new) -> bool:
    """Same items (tuples) or same fields (records), compared by identity: never by a deep ==."""
    if type(old) is not type(new):
        return False
    if isinstance(old, tuple):
        return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))
    pairs = ((getattr(old, f), getattr(new, f)) for f in old.__dataclass_fields__)
    return all(a is b or (type(a) is str and a == b) for a, b in pairs)


def papers_by_digest(digests: tuple[Digest, ...], papers: dict[str, Paper], memo: dict | None) -> dict:
    """Digest slug -> its papers in card order; last build's tuple when it still holds the papers."""
    last, now = carry_over(memo, "papers_of")
    result = {}
    for digest in digests:
        held = last.get(digest.slug)
        if held is not None and held[0] is digest and all(papers.get(p.id) is p for p in held[1]):
            value = held[1]
        else:
            value = tuple(papers[pid] for pid in dict.fromkeys(map(paper_id, digest.cards)))
            value = held[1] if held is not None and same_parts(held[1], value) else value
        now[digest.slug] = (digest, value)
        result[digest.slug] = value
    return result


def newest_papers(papers: dict[str, Paper], memo: dict | None) -> tuple[Paper, ...]:
    """Papers by their first mention, newest first; last build's tuple when the papers are the same."""
    last, now = carry_over(memo, "papers_newest")
    values = tuple(papers.values())
    held = last.get("papers")
    if held is not None and same_parts(held[0], values):
        newest = held[1]
    else:
        newest = tuple(sorted(values, key=paper_sort_key, reverse=True))
    now["papers"] = (values, newest)
    return newest


def paper_sort_key(paper: Paper) -> tuple:
    return (paper.first_date or dt.date.min, paper.id)


def group_categories(digests: tuple[Digest, ...], reuse: Reuse | None = None) -> tuple[Category, ...]:
    reuse = reuse or Reuse(None)
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
        category = Category(name, slug, reuse(("category digests", name), tuple(by_name[name])))
        result.append(reuse(("category", name), category))
    return reuse("categories", tuple(result))


def archive_items(
    digests: list[Digest], reuse: Reuse, memo: dict | None
) -> dict[int, dict[int, tuple[ArchiveItem, ...]]]:
    """A digest under its date, or, when it holds several dated entries, under each entry's date;
    a digest that is last build's record keeps last build's items."""
    found: dict[int, dict[int, list[ArchiveItem]]] = defaultdict(lambda: defaultdict(list))
    last, now = carry_over(memo, "items_of")
    for digest in digests:
        held = last.get(id(digest))
        dated = held[1] if held is not None and held[0] is digest else items_of(digest)
        now[id(digest)] = (digest, dated)  # holds the digest: its id stays its own
        for item in dated:
            found[item.date.year][item.date.month].append(item)
    return {
        year: {
            m: reuse(("items", year, m), tuple(sorted(found[year][m], key=_item_key, reverse=True)))
            for m in sorted(found[year], reverse=True)
        }
        for year in sorted(found, reverse=True)
    }


def items_of(digest: Digest) -> list[ArchiveItem]:
    dated = [ArchiveItem(digest, e, e.date) for e in digest.entries if e.date]
    if not dated and digest.date:
        dated = [ArchiveItem(digest, None, digest.date)]
    return dated


def _item_key(item: ArchiveItem) -> tuple:
    return (item.date, item.digest.slug, item.anchor)


def entry_of(digest: Digest, card: Card) -> Entry | None:
    return next((e for e in digest.entries if e.anchor == card.entry), None) if card.entry else None


def mention_of(digest: Digest, card: Card) -> Mention:
    entry = entry_of(digest, card)
    dated = entry if entry and entry.date else None
    return Mention(
        digest_slug=digest.slug,
        digest_title=digest.title,
        date=dated.date if dated else digest.date,
        anchor=card.anchor,
        section=card.section,
        position=card.position,
        title=card.title,
        translated_title=card.translated_title,
        category=card.category or (digest.categories[0] if digest.categories else ""),
        source=digest.source,
        summary=card.summary,
        date_precision=dated.date_precision if dated else digest.date_precision,
        date_end=dated.date_end if dated else digest.date_end,
        entry_title=entry.title if entry else "",
        starred=card.starred,
        authors=card.authors,
        digest_categories=digest.categories,
    )


def merge_papers(
    oldest_first: list[Digest], memo: dict | None = None
) -> tuple[dict[str, Paper], list[Problem]]:
    """One Paper per id; the first non-empty value of each field wins, every card is a mention.

    Records are immutable, so a paper made from the very same (digest, card) objects as one in
    `memo` (compared with `is`) is that paper, and is reused with its title-conflict warnings; a
    paper merged again that equals last build's is last build's, so later stages see it unchanged.
    """
    last, now = carry_over(memo, "cards")
    cards = patched_cards(last, oldest_first) or cards_by_paper(oldest_first)
    now.update(digests=oldest_first, cards=cards)
    previous, merged = carry_over(memo, "papers")
    papers, problems = {}, []
    for pid, seen in cards.items():
        known = previous.get(pid)
        if known is None or not (known[0] is seen or same_objects(known[0], seen)):
            paper = merge_one(pid, seen)
            if known is not None and known[1] == paper:  # e.g. the digest's text changed, not its cards
                paper = known[1]
            known = (seen, paper, title_conflicts(pid, seen))
        merged[pid] = known
        papers[pid] = known[1]
        problems += known[2]
    return papers, problems


def cards_by_paper(oldest_first: list[Digest]) -> dict[str, list[tuple[Digest, Card]]]:
    """Paper id -> its (digest, card) pairs, papers in order of first appearance."""
    cards: dict[str, list[tuple[Digest, Card]]] = defaultdict(list)
    for digest in oldest_first:
        for card in digest.cards:
            cards[paper_id(card)].append((digest, card))
    return cards


def patched_cards(last: dict, oldest_first: list[Digest]) -> dict[str, list[tuple[Digest, Card]]] | None:
    """Last build's cards_by_paper with the edited digests' pairs swapped in, when that is what
    cards_by_paper would return: as many digests as last time, and wherever a new record stands
    in place of an old one, its cards are about the same papers in the same order (the usual edit).
    Else None. Lists that change are new lists: last build's stay as they were, for comparison."""
    old_digests = last.get("digests")
    if old_digests is None or len(old_digests) != len(oldest_first):
        return None
    edited = [(a, b) for a, b in zip(old_digests, oldest_first, strict=True) if a is not b]
    if any(list(map(paper_id, a.cards)) != list(map(paper_id, b.cards)) for a, b in edited):
        return None
    cards = dict(last["cards"])
    for old, new in edited:
        swap = {id(card): pair for card, pair in zip(old.cards, ((new, c) for c in new.cards), strict=True)}
        for pid in dict.fromkeys(map(paper_id, new.cards)):
            cards[pid] = [swap[id(c)] if d is old else (d, c) for d, c in cards[pid]]
    return cards


def same_objects(old: list[tuple], new: list[tuple]) -> bool:
    return len(old) == len(new) and all(a is c and b is d for (a, b), (c, d) in zip(old, new, strict=True))


def first(values) -> str:
    return next((v for v in values if v), "")


def merge_one(pid: str, seen: list[tuple[Digest, Card]]) -> Paper:
    # What a digest says about a paper it digests beats what a passing citation's link text says.
    cs = sorted((card for _, card in seen), key=lambda c: c.section == CITED)
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
        mentions=tuple(sorted((mention_of(d, c) for d, c in seen), key=_mention_date)),
        summary=first(c.summary for c in cs),
        published=first(c.published for c in cs),
    )


def _mention_date(mention: Mention) -> dt.date:
    """Oldest first; a notebook's weeks are in the file newest first, their mentions are not."""
    return mention.date or dt.date.min


def normalise_title(title: str) -> str:
    return "".join(ch for ch in title.lower() if ch.isalnum())


def title_conflicts(pid: str, seen: list[tuple[Digest, Card]]) -> list[Problem]:
    """One warning per different title, naming where the first title was given."""
    titled = [(d, c) for d, c in seen if c.title]
    if len({c.title for _, c in titled}) <= 1:  # one title, however often: nothing to compare
        return []
    first_digest, first_card = titled[0]
    reported = {normalise_title(first_card.title)}
    problems = []
    for digest, card in titled[1:]:
        if normalise_title(card.title) not in reported:
            reported.add(normalise_title(card.title))
            msg = (
                f"paper {pid} is titled {card.title!r} here but {first_card.title!r} "
                f"in {first_digest.source}:{first_card.line}; both kept as mentions"
            )
            problems.append(Problem(digest.source, card.line, "warning", msg))
    return problems
