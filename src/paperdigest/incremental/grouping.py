"""Grouping steps that remember: a rebuild merges again only the papers whose cards changed.

`RememberedSteps` gives `group.build_index` the very objects of the last build wherever their
inputs are the very same records (compared with `is`: records are immutable), and a newly merged
paper equal to last build's is last build's object. Later stages recognise unchanged records by
identity (incremental/fingerprint.py), so a rebuild after editing one digest fingerprints a few
records, not 60,000. The result is always equal to what `group.Steps` gives (tests hold it to that).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paperdigest.errors import Problem
from paperdigest.group import ArchiveItem, Steps
from paperdigest.model import Card, Digest, DigestSummary, Paper


@dataclass
class Merged:
    seen: list[tuple[Digest, Card]]  # what the paper was merged from
    paper: Paper
    problems: list[Problem]


@dataclass
class GroupMemo:
    """Last build's per-unit results; each build keeps only what it used."""

    papers: dict[str, Merged] = field(default_factory=dict)  # by paper id
    summaries: dict[str, tuple[Digest, DigestSummary]] = field(default_factory=dict)  # by source
    items: dict[str, tuple[Digest, DigestSummary, tuple[ArchiveItem, ...]]] = field(default_factory=dict)


class RememberedSteps(Steps):
    def __init__(self, memo: GroupMemo):
        self.last = GroupMemo(memo.papers, memo.summaries, memo.items)
        memo.papers, memo.summaries, memo.items = {}, {}, {}
        self.now = memo

    def paper(self, pid: str, seen: list[tuple[Digest, Card]]) -> tuple[Paper, list[Problem]]:
        last = self.last.papers.get(pid)
        if last is None or not same_pairs(last.seen, seen):
            paper, problems = super().paper(pid, seen)
            if last is not None and last.paper == paper:  # e.g. the digest's text changed, not its cards
                paper = last.paper
            last = Merged(seen, paper, problems)
        self.now.papers[pid] = last
        return last.paper, last.problems

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


def same_pairs(old: list[tuple[Digest, Card]], new: list[tuple[Digest, Card]]) -> bool:
    return len(old) == len(new) and all(a is c and b is d for (a, b), (c, d) in zip(old, new, strict=True))
