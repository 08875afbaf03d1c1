"""Grouping steps that remember: a rebuild merges again only the papers whose cards changed.

`RememberedSteps` gives `group.build_index` the very objects of the last build wherever their
inputs are the very same records (compared with `is`: records are immutable), and a newly made
paper, summary or list equal to last build's is last build's object. Later stages recognise
unchanged records by identity (incremental/fingerprint.py), so a rebuild after editing one digest
fingerprints a few records, not 60,000. Every step returns what `group.Steps` returns (tests hold
the whole index to that).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paperdigest.errors import Problem
from paperdigest.group import ArchiveItem, Steps
from paperdigest.model import Card, Digest, DigestSummary, Paper
from paperdigest.parse.digest import paper_id


@dataclass
class Merged:
    seen: list[tuple[Digest, Card]]  # what the paper was merged from
    paper: Paper
    problems: list[Problem]


@dataclass
class GroupMemo:
    """Last build's per-unit results; each build keeps only what it used."""

    digests: list[Digest] = field(default_factory=list)  # oldest first
    cards: dict[str, list[tuple[Digest, Card]]] = field(default_factory=dict)  # cards_by_paper of them
    papers: dict[str, Merged] = field(default_factory=dict)  # by paper id
    newest: tuple[tuple[Paper, ...], tuple[Paper, ...]] = ((), ())  # (papers, newest first)
    papers_of: dict[str, tuple[Digest, tuple[Paper, ...]]] = field(default_factory=dict)  # by source
    summaries: dict[str, tuple[Digest, DigestSummary]] = field(default_factory=dict)  # by source
    items: dict[str, tuple[Digest, DigestSummary, tuple[ArchiveItem, ...]]] = field(default_factory=dict)


class RememberedSteps(Steps):
    def __init__(self, memo: GroupMemo):
        self.last = GroupMemo(**vars(memo))
        self.now = memo
        memo.papers, memo.papers_of, memo.summaries, memo.items = {}, {}, {}, {}

    def cards(self, oldest_first: list[Digest]) -> dict[str, list[tuple[Digest, Card]]]:
        """Last build's lists with the edited digests' cards swapped in, when that is what
        cards_by_paper would give (as many digests, each edited one's cards about the same papers
        in the same order: the usual edit); else made again. A list that changes is a new list, so
        an unchanged paper is recognised by its list being last build's."""
        cards = patched(self.last, oldest_first) or super().cards(oldest_first)
        self.now.digests, self.now.cards = oldest_first, cards
        return cards

    def paper(self, pid: str, seen: list[tuple[Digest, Card]]) -> tuple[Paper, list[Problem]]:
        last = self.last.papers.get(pid)
        if last is None or not (last.seen is seen or same_pairs(last.seen, seen)):
            paper, problems = super().paper(pid, seen)
            if last is not None and last.paper == paper:  # e.g. the digest's text changed, not its cards
                paper = last.paper
            last = Merged(seen, paper, problems)
        self.now.papers[pid] = last
        return last.paper, last.problems

    def newest(self, papers: tuple[Paper, ...]) -> tuple[Paper, ...]:
        was, newest = self.last.newest
        if not same_items(was, papers):
            newest = super().newest(papers)
        self.now.newest = (papers, newest)
        return newest

    def papers_of(self, digest: Digest, papers: dict[str, Paper]) -> tuple[Paper, ...]:
        last = self.last.papers_of.get(digest.source)
        if last is None or last[0] is not digest or not all(papers.get(p.id) is p for p in last[1]):
            found = super().papers_of(digest, papers)
            last = (digest, last[1] if last is not None and same_items(last[1], found) else found)
        self.now.papers_of[digest.source] = last
        return last[1]

    def summary(self, digest: Digest) -> DigestSummary:
        last = self.last.summaries.get(digest.source)
        if last is None or last[0] is not digest:
            summary = super().summary(digest)
            if last is not None and last[1] == summary:  # the body changed, not what lists show
                summary = last[1]
            last = (digest, summary)
        self.now.summaries[digest.source] = last
        return last[1]

    def archive_items(self, digest: Digest, summary: DigestSummary) -> tuple[ArchiveItem, ...]:
        last = self.last.items.get(digest.source)
        if last is None or last[0] is not digest or last[1] is not summary:
            items = super().archive_items(digest, summary)
            if last is not None and last[2] == items:
                items = last[2]
            last = (digest, summary, items)
        self.now.items[digest.source] = last
        return last[2]


def merged_from(memo: GroupMemo, paper: Paper) -> list[Digest] | None:
    """The digests whose cards `paper` was merged from, oldest first, when it is the very paper
    merged from them (not one papers.yaml changed, nor a copy): group.merge_one is a function of
    the paper's id and those digests alone."""
    merged = memo.papers.get(paper.id)
    if merged is None or merged.paper is not paper:
        return None
    digests: list[Digest] = []
    for digest, _ in merged.seen:  # a digest's cards about the paper come one after the other
        if not digests or digests[-1] is not digest:
            digests.append(digest)
    return digests


def patched(last: GroupMemo, oldest_first: list[Digest]) -> dict[str, list[tuple[Digest, Card]]] | None:
    if not last.digests or len(last.digests) != len(oldest_first):
        return None
    edited = [(a, b) for a, b in zip(last.digests, oldest_first, strict=True) if a is not b]
    if any(list(map(paper_id, a.cards)) != list(map(paper_id, b.cards)) for a, b in edited):
        return None
    # Every place swapped at once: when a new date moves digests, the digest now in one place was
    # in another before, and swapping place by place would swap its cards in again.
    swap = {id(card): (new, c) for old, new in edited for card, c in zip(old.cards, new.cards, strict=True)}
    moved = {id(old) for old, _ in edited}
    cards = dict(last.cards)
    for pid in dict.fromkeys(pid for _, new in edited for pid in map(paper_id, new.cards)):
        cards[pid] = [swap[id(c)] if id(d) in moved else (d, c) for d, c in cards[pid]]
    return cards


def same_pairs(old: list[tuple[Digest, Card]], new: list[tuple[Digest, Card]]) -> bool:
    return len(old) == len(new) and all(a is c and b is d for (a, b), (c, d) in zip(old, new, strict=True))


def same_items(old: tuple, new: tuple) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))
