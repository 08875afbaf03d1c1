"""Weekly notes (seed 001): dated sections, topic bullets, papers cited as inline links.

# Week-of-year: 33(2024-08-11 ~ 2024-08-17)     <- an entry: any h1/h2 holding a date or range
- LLM模型裁剪与知识萃取                            <- a topic bullet: the category of what follows
Nvidia最近的工作[S. Muralidharan](https://arxiv.org/abs/2407.14679)，...   <- a paper, dated by its week
"""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it.token import Token

from paperdigest.model import MAIN, Entry
from paperdigest.parse.cards import extract_cards
from paperdigest.parse.draft import Context
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.base import Found, Scope
from paperdigest.parse.shapes.tokens import Lines, UsedIds, closing
from paperdigest.parse.when import find_when

HEADING_LINE = re.compile(r"^#{1,2}\s+(.*)$")
WEEK_MARK = re.compile(r"week[-\s]*of[-\s]*year|第\s*\d+\s*周|\bweek\s*\d+", re.IGNORECASE)
TOPIC_MAX = 40  # a bullet longer than this is content, not a topic


def detect(body: str) -> bool:
    """At least one h1/h2 names a week or date: the file is a series of dated sections."""
    headings = [m.group(1) for m in map(HEADING_LINE.match, body.split("\n")) if m]
    return any(WEEK_MARK.search(h) for h in headings) or sum(bool(find_when(h)) for h in headings) >= 2


def extract(tokens: list[Token], lines: Lines, used: UsedIds, context: Context) -> Found:
    found = Found(link_section=MAIN)
    entry, entry_level = "", 0
    for i, tok in enumerate(tokens):
        if tok.level != 0:
            continue
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            level, title = int(tok.tag[1]), plain_text(tokens[i + 1])
            when = find_when(title)
            if when:
                entry, entry_level = str(tok.attrGet("id") or ""), level
                found.entries.append(Entry(title, entry, lines.of(tok), when.date, when.precision, when.end))
            elif level <= entry_level:  # an undated heading of the same rank ends the entry
                entry, entry_level = "", 0
            found.scopes.append(Scope(i, entry, ""))
        elif tok.type == "bullet_list_open":
            topic = topic_of(tokens[i : closing(tokens, i) + 1])
            if topic:
                found.scopes.append(Scope(i, entry, topic))
    # `### 1、Title` cards inside a dated section keep their metadata and get the section's date.
    for index, card in extract_cards(tokens, lines.offset, context):
        scope = found.scope_at(index)
        found.cards.append(
            (index, replace(card, entry=scope.entry, category=card.category or scope.category))
        )
    return found


def topic_of(list_tokens: list[Token]) -> str:
    """A bullet list of short link-free lines is a topic label; the last item names the topic."""
    items = [t for t in list_tokens if t.type == "inline"]
    if not items or any(any(c.type == "link_open" for c in t.children or []) for t in items):
        return ""
    texts = [plain_text(t) for t in items]
    if any(len(x) > TOPIC_MAX or "\n" in t.content for x, t in zip(texts, items, strict=True)):
        return ""
    return texts[-1]
