"""What a shape parser hands back: cards, dated entries and the context of every part of the text."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from paperdigest.model import CITED, Card, Entry


@dataclass(frozen=True)
class Scope:
    """From token `start` on (until the next scope), text belongs to this entry and category."""

    start: int
    entry: str = ""  # entry anchor
    category: str = ""


@dataclass
class Found:
    cards: list[tuple[int | None, Card]] = field(default_factory=list)  # (block token index, card)
    entries: list[Entry] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)  # sorted by start
    link_section: str = CITED  # the section of papers found only as links in the text
    author: str = ""
    source_url: str = ""

    def scope_at(self, index: int) -> Scope:
        k = bisect.bisect_right(self.scopes, index, key=lambda s: s.start) - 1  # no list a call
        return self.scopes[k] if k >= 0 else Scope(0)
