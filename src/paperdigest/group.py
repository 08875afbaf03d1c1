"""Grouping stage: Digest records -> SiteIndex (papers merged by id, dates, categories).

`build_index(digests, overrides)` is a plain function of its inputs. It is made of per-unit steps
(merge one paper, summarise one digest, date one digest's archive lines) that `Steps` bundles; the
incremental layer (incremental/grouping.py) hands in steps that remember their last results, and
a test holds it to the same index as these.

Pages that list digests get `DigestSummary` records, never the digests themselves: a page's
fingerprint covers every field of what it is given, so a list of summaries changes only when what
lists show of a digest changes, not when its body does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from paperdigest.errors import Problem
from paperdigest.join import join_titles, normalise_title
from paperdigest.model import CITED, Card, Digest, DigestSummary, Entry, Mention, Paper, summary_of
from paperdigest.overrides import apply_overrides
from paperdigest.parse import papers as ids
from paperdigest.parse.digest import paper_id


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    slug: str
    count: int  # digests in it


@dataclass(frozen=True, slots=True)
class ArchiveItem:
    """One line of the archive: a digest, or one dated entry of a multi-entry digest."""

    digest: DigestSummary
    entry: Entry | None
    date: dt.date
    papers: int  # cards of the digest, or of the entry

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
    summaries: tuple[DigestSummary, ...]  # the same digests as lists show them, newest first
    papers: dict[str, Paper]  # by id, in order of first appearance (oldest first)
    papers_newest: tuple[Paper, ...]  # by first mention, newest first
    papers_of: dict[str, tuple[Paper, ...]]  # digest slug -> its papers in card order
    categories: tuple[Category, ...]  # by name
    by_category: dict[str, tuple[DigestSummary, ...]]  # category slug -> its digests, newest first
    # year -> month -> digests and entries dated in that month, newest first (newest years first)
    archive: dict[int, dict[int, tuple[ArchiveItem, ...]]]
    undated: tuple[DigestSummary, ...]
    previous: dict[str, DigestSummary]  # slug -> the digest before it in time
    following: dict[str, DigestSummary]  # slug -> the digest after it in time


class Steps:
    """The per-unit work of grouping, each a pure function of its arguments."""

    def cards(self, oldest_first: list[Digest]) -> dict[str, list[tuple[Digest, Card]]]:
        return cards_by_paper(oldest_first)

    def paper(self, pid: str, seen: list[tuple[Digest, Card]]) -> tuple[Paper, list[Problem]]:
        return merge_one(pid, seen), title_conflicts(pid, seen)

    def newest(self, papers: tuple[Paper, ...]) -> tuple[Paper, ...]:
        return tuple(sorted(papers, key=paper_sort_key, reverse=True))

    def papers_of(self, digest: Digest, papers: dict[str, Paper]) -> tuple[Paper, ...]:
        return papers_in(digest, papers)

    def summary(self, digest: Digest) -> DigestSummary:
        return summary_of(digest)

    def archive_items(self, digest: Digest, summary: DigestSummary) -> tuple[ArchiveItem, ...]:
        return items_of(digest, summary)


def build_index(
    digests: list[Digest], overrides: dict | None = None, *, steps: Steps | None = None
) -> tuple[SiteIndex, list[Problem]]:
    """`overrides`: paper id -> PaperOverride (papers.yaml); they win over what digests say."""
    steps = steps or Steps()
    digests, problems = unique_slugs(digests)
    oldest_first = sorted(join_titles(digests), key=sort_key)
    papers, paper_problems = merge_papers(oldest_first, steps)
    if overrides:
        papers, override_problems = apply_overrides(papers, overrides)
        paper_problems += override_problems
    summary = {d.slug: steps.summary(d) for d in oldest_first}
    newest_first = tuple(reversed(oldest_first))
    summaries = tuple(summary[d.slug] for d in newest_first)
    categories, by_category = group_categories(summaries)
    problems += category_problems(categories, oldest_first)
    index = SiteIndex(
        digests=newest_first,
        summaries=summaries,
        papers=papers,
        papers_newest=steps.newest(tuple(papers.values())),
        papers_of={d.slug: steps.papers_of(d, papers) for d in newest_first},
        categories=categories,
        by_category=by_category,
        archive=archive(oldest_first, summary, steps),
        undated=tuple(summary[d.slug] for d in newest_first if not dated(d)),
        previous={d.slug: summary[p.slug] for p, d in zip(oldest_first, oldest_first[1:], strict=False)},
        following={p.slug: summary[d.slug] for p, d in zip(oldest_first, oldest_first[1:], strict=False)},
    )
    return index, problems + paper_problems


def sort_key(digest: Digest) -> tuple:
    """Oldest first: by day; within a day by the time of day written, a digest without one first
    (Jekyll takes it for midnight); then by slug."""
    return (digest.date or dt.date.min, *time_key(digest.time), digest.slug)


def time_key(time: dt.datetime | None) -> tuple[bool, dt.datetime]:
    """Digests of one day in time order, however their offsets are written; those without a time first."""
    return (time is not None, time or EPOCH)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def unique_slugs(digests: list[Digest]) -> tuple[list[Digest], list[Problem]]:
    """Two digests with one slug both stay, the later source gets '-2', '-3', ... Slugs that differ
    only in case count as one: on a case-insensitive disk (macOS, Windows) one folder would
    overwrite the other.

    The slug is one of the two things grouping changes (join.join_titles the other): a digest
    record is otherwise exactly what parsing made of its file (fingerprints rely on it)."""
    seen: dict[str, Digest] = {}  # by lower-case slug
    result, problems = [], []
    for digest in sorted(digests, key=lambda d: d.source):
        slug, n = digest.slug, 2
        while slug.lower() in seen:
            slug, n = f"{digest.slug}-{n}", n + 1
        if slug != digest.slug:
            first = seen[digest.slug.lower()]
            same = (
                "is also used" if first.slug == digest.slug else f"differs only in case from '{first.slug}'"
            )
            msg = f"slug '{digest.slug}' {same} by {first.source}; this digest is at digests/{slug}/"
            problems.append(Problem(digest.source, None, "warning", msg))
            digest = replace(digest, slug=slug)
        seen[slug.lower()] = digest
        result.append(digest)
    return result, problems


def papers_in(digest: Digest, papers: dict[str, Paper]) -> tuple[Paper, ...]:
    return tuple(papers[pid] for pid in dict.fromkeys(map(paper_id, digest.cards)))


def paper_sort_key(paper: Paper) -> tuple:
    return (paper.first_date or dt.date.min, paper.id)


def dated(digest: Digest) -> bool:
    return digest.date is not None or any(e.date for e in digest.entries)


def group_categories(
    summaries: tuple[DigestSummary, ...],
) -> tuple[tuple[Category, ...], dict[str, tuple[DigestSummary, ...]]]:
    """Categories by name (case-insensitive order), and each one's digests by its slug."""
    by_name: dict[str, list[DigestSummary]] = defaultdict(list)
    for summary in summaries:
        for name in summary.categories:
            by_name[name].append(summary)
    names = sorted(by_name, key=category_order)
    slugs = category_slugs(names)
    categories = tuple(Category(name, slugs[name], len(by_name[name])) for name in names)
    return categories, {slugs[name]: tuple(by_name[name]) for name in names}


def category_order(name: str) -> tuple[str, str]:
    return (name.lower(), name)


def category_slugs(names: Iterable[str]) -> dict[str, str]:
    """Name -> the slug of its pages (categories/<slug>/), one per name. Names that make the same
    slug (`a/b`, `A-B`) leave it to the first in category_order; each other one gets a suffix made
    from its own name, so a slug depends on no category but those that make the same one."""
    by_slug: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names, key=category_order):
        by_slug[plain_category_slug(name)].append(name)
    slugs = {group[0]: slug for slug, group in by_slug.items()}
    taken = set(slugs.values())
    for slug, group in by_slug.items():
        for name in group[1:]:
            slugs[name] = suffixed(slug, name, taken)
            taken.add(slugs[name])
    return slugs


def plain_category_slug(name: str) -> str:
    """title_slug's slug (`Machine Learning` -> `machine-learning`); a name with no letter or digit
    (`!!!`, `。`), which title_slug calls "untitled", gets `category-` and a hash of itself."""
    if re.search(r"[^\W_]", unicodedata.normalize("NFKC", name)):
        return ids.title_slug(name)
    return f"category-{name_hash(name)}"


def suffixed(slug: str, name: str, taken: set[str]) -> str:
    """`slug-<hash of name>`, the hash longer in the unlikely case that one is taken too."""
    candidates = (f"{slug}-{name_hash(name, length)}" for length in range(6, 65))
    return next(candidate for candidate in candidates if candidate not in taken)


def name_hash(name: str, length: int = 6) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:length]


def category_problems(categories: tuple[Category, ...], digests: list[Digest]) -> list[Problem]:
    """A warning for each category that did not get its plain slug (category_slugs), where a digest
    gives it, naming the category that has the slug and a digest that gives that one."""
    source_of: dict[str, str] = {}  # category name -> the first source giving it
    for digest in sorted(digests, key=lambda d: d.source):
        for name in digest.categories:
            source_of.setdefault(name, digest.source)
    holder = {c.slug: c.name for c in categories}
    problems = []
    for category in categories:
        plain = plain_category_slug(category.name)
        if category.slug == plain:
            continue
        other, source = holder[plain], source_of[category.name]
        msg = (
            f"categories {category.name!r} and {other!r} (given in {source_of[other]}) both make the "
            f"slug '{plain}'; {category.name!r} is at categories/{category.slug}/"
        )
        problems.append(Problem(source, None, "warning", msg))
    return problems


def archive(
    oldest_first: list[Digest], summary: dict[str, DigestSummary], steps: Steps
) -> dict[int, dict[int, tuple[ArchiveItem, ...]]]:
    """A digest under its date, or, when it holds several dated entries, under each entry's date."""
    found: dict[int, dict[int, list[ArchiveItem]]] = defaultdict(lambda: defaultdict(list))
    for digest in oldest_first:
        for item in steps.archive_items(digest, summary[digest.slug]):
            found[item.date.year][item.date.month].append(item)
    return {
        year: {
            month: tuple(sorted(found[year][month], key=_item_key, reverse=True))
            for month in sorted(found[year], reverse=True)
        }
        for year in sorted(found, reverse=True)
    }


def items_of(digest: Digest, summary: DigestSummary) -> tuple[ArchiveItem, ...]:
    dated_entries = [
        ArchiveItem(summary, e, e.date, sum(c.entry == e.anchor for c in digest.cards))
        for e in digest.entries
        if e.date
    ]
    if not dated_entries and digest.date:
        return (ArchiveItem(summary, None, digest.date, len(digest.cards)),)
    return tuple(dated_entries)


def _item_key(item: ArchiveItem) -> tuple:
    time = None if item.entry else item.digest.time  # an entry's date is its own, the time the digest's
    return (item.date, *time_key(time), item.digest.slug, item.anchor)


def entry_of(digest: Digest, card: Card) -> Entry | None:
    return next((e for e in digest.entries if e.anchor == card.entry), None) if card.entry else None


def mention_of(digest: Digest, card: Card) -> Mention:
    entry = entry_of(digest, card)
    dated_entry = entry if entry and entry.date else None
    return Mention(
        digest_slug=digest.slug,
        digest_title=digest.title,
        date=dated_entry.date if dated_entry else digest.date,
        anchor=card.anchor,
        section=card.section,
        position=card.position,
        title=card.title,
        translated_title=card.translated_title,
        category=card.category or (digest.categories[0] if digest.categories else ""),
        source=digest.source,
        summary=card.summary,
        date_precision=dated_entry.date_precision if dated_entry else digest.date_precision,
        date_end=dated_entry.date_end if dated_entry else digest.date_end,
        entry_title=entry.title if entry else "",
        starred=card.starred,
        authors=card.authors,
        digest_categories=digest.categories,
        language=digest.language,
    )


def merge_key(digest: Digest) -> str:
    """A fingerprint of all a digest gives merge_one and mention_of: the whole record but its body,
    its table of contents, the files its body names and the lines of its cards, which they never
    read (a test holds them to that). A paragraph edited or added leaves it, and so the fingerprints of the digest's papers,
    as they were."""
    cards = tuple([replace(card, line=0) for card in digest.cards])
    bare = replace(digest, html="", toc=(), cards=cards, merge_key="", files=())
    return hashlib.sha256(repr(bare).encode("utf-8")).hexdigest()[:40]


def merge_papers(
    oldest_first: list[Digest], steps: Steps | None = None
) -> tuple[dict[str, Paper], list[Problem]]:
    """One Paper per id; the first non-empty value of each field wins, every card is a mention."""
    steps = steps or Steps()
    papers, problems = {}, []
    for pid, seen in steps.cards(oldest_first).items():
        papers[pid], conflicts = steps.paper(pid, seen)
        problems += conflicts
    return papers, problems


def cards_by_paper(oldest_first: list[Digest]) -> dict[str, list[tuple[Digest, Card]]]:
    """Paper id -> its (digest, card) pairs, papers in order of first appearance."""
    cards: dict[str, list[tuple[Digest, Card]]] = defaultdict(list)
    for digest in oldest_first:
        for card in digest.cards:
            cards[paper_id(card)].append((digest, card))
    return cards


# Fields whose first non-empty value among a paper's cards is the paper's (merge_one).
FIRST_GIVEN = (
    "arxiv_id",
    "url",
    "code_url",
    "affiliations",
    "authors",
    "venue",
    "type",
    "summary",
    "published",
)


def first_given(cards: list[Card]) -> dict[str, object]:
    """Field -> its first non-empty value among `cards`, for the FIRST_GIVEN fields that have one.
    One pass over the cards: merge_one runs for every paper of the site in every new process."""
    given: dict[str, object] = {}
    for card in cards:
        for name in FIRST_GIVEN:
            if name not in given and (value := getattr(card, name)):
                given[name] = value
    return given


def merge_one(pid: str, seen: list[tuple[Digest, Card]]) -> Paper:
    # What a digest says about a paper it digests beats what a passing citation's link text says.
    cs = sorted((card for _, card in seen), key=lambda c: c.section == CITED)
    given = first_given(cs)
    aid = given.get("arxiv_id", "")
    links = tuple(dict.fromkeys(link for c in cs for link in c.links))
    titled = next((c for c in cs if c.title), None)
    translated = next((c for c in cs if c.translated_title), None)
    return Paper(
        id=pid,
        title=titled.title if titled else pid,
        title_html=titled.title_html if titled else "",
        title_tex=titled.title_tex if titled else (),
        translated_title=translated.translated_title if translated else "",
        translated_title_html=translated.translated_title_html if translated else "",
        arxiv_id=aid,
        arxiv_url=ids.arxiv_abs_url(aid),
        pdf_url=ids.arxiv_pdf_url(aid),
        url=given.get("url") or ids.arxiv_abs_url(aid),
        code_url=given.get("code_url", ""),
        affiliations=given.get("affiliations", ()),
        authors=given.get("authors", ()),
        venue=given.get("venue", ""),
        type=given.get("type", ""),
        links=links,
        mentions=tuple(sorted((mention_of(d, c) for d, c in seen), key=_mention_date)),
        summary=given.get("summary", ""),
        published=given.get("published", ""),
    )


def _mention_date(mention: Mention) -> dt.date:
    """Oldest first; a notebook's weeks are in the file newest first, their mentions are not."""
    return mention.date or dt.date.min


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
