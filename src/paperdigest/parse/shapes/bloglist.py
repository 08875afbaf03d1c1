"""Blog listings (seed 003): posts, each a title line, a byline and an excerpt.

    Ladder Side-Tuning:预训练模型的“过墙梯”                 <- the entry's title (an h2 with an anchor)
    By 苏剑林 | 2022-06-20 | 67810位读者 | 引用如果说...       <- byline: author, date; the excerpt may
                                                           be glued on after the last field
    最近的一篇论文《LST: Ladder Side-Tuning for ...》...      <- 《title》: a paper mentioned by title

Each post is a dated entry with its author. A 《title》 naming another post of the listing is a
cross-reference, not a paper.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from paperdigest.model import CITED, DAY, Card, Entry
from paperdigest.parse import papers
from paperdigest.parse.draft import Context
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.base import Found, Scope
from paperdigest.parse.shapes.plainlist import MARKDOWN_HEADING, blocks_of
from paperdigest.parse.shapes.tokens import (
    Lines,
    UsedIds,
    replace_in_text,
    span_tokens,
    to_heading,
    unique_id,
)
from paperdigest.parse.when import find_when

BYLINE = re.compile(
    r"^\s*(?:By|作者[:：]?)\s*(?P<author>[^|\n]+?)\s*\|\s*"
    r"(?P<date>\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?)\s*(?P<rest>\|.*)?$",
    re.IGNORECASE,
)
FIELD_LABEL = re.compile(r"^(引用|评论|回复|分享|cite|comments?|reply|share)", re.IGNORECASE)
FIELD_MAX = 40  # a byline field longer than this is the excerpt glued onto the byline
QUOTED_TITLE = re.compile(r"《([^《》\n]{2,200})》")


def detect(body: str) -> bool:
    lines = body.split("\n")
    return not any(MARKDOWN_HEADING.match(line) for line in lines) and any(
        BYLINE.match(line) for line in lines
    )


def split_byline(line: str) -> list[str]:
    """'By A | 2022-06-20 | 5位读者 | 引用如果说...' -> ['By A | 2022-06-20 | 5位读者 | 引用', '如果说...']."""
    m = BYLINE.match(line)
    if not m or not m.group("rest"):
        return [line]
    pos = m.start("rest")
    for field in m.group("rest").split("|")[1:]:
        pos += 1  # the "|" before the field
        stripped = field.strip()
        label = FIELD_LABEL.match(stripped)
        if label and len(stripped) > label.end():
            cut = pos + field.index(stripped) + label.end()
            return [line[:cut].rstrip(), line[cut:].strip()]
        if len(stripped) > FIELD_MAX:
            return [line[: pos - 1].rstrip(), stripped]
        pos += len(field)
    return [line]


def extract(tokens: list[Token], lines: Lines, used: UsedIds, _context: Context) -> Found:
    found = Found()
    blocks = blocks_of(tokens)
    for k, (start, _end) in enumerate(blocks):
        m = BYLINE.match(plain_text(tokens[start + 1])) if tokens[start].type == "paragraph_open" else None
        if not m or k == 0:
            continue
        title_open = blocks[k - 1][0]
        title_tok = tokens[title_open]
        if title_tok.type == "paragraph_open":
            anchor = to_heading(tokens, title_open, 2, used)
        elif title_tok.type == "heading_open":
            anchor = str(title_tok.attrGet("id") or "")
        else:
            continue
        tokens[start].attrJoin("class", "byline")
        when = find_when(m.group("date"))
        found.entries.append(
            Entry(
                title=plain_text(tokens[title_open + 1]),
                anchor=anchor,
                line=lines.of(title_tok),
                date=when.date if when else None,
                date_precision=DAY,
                author=m.group("author").strip(),
            )
        )
        found.scopes.append(Scope(title_open, anchor, ""))
    authors = {e.author for e in found.entries}
    found.author = authors.pop() if len(authors) == 1 else ""
    found.cards += quoted_titles(tokens, lines, found, used)
    return found


def normalise(title: str) -> str:
    return "".join(ch for ch in title.lower() if ch.isalnum())


def quoted_titles(tokens: list[Token], lines: Lines, found: Found, used: UsedIds) -> list[tuple[None, Card]]:
    """Papers named as 《Title》 in the excerpts (each once per entry), with an anchor on the title."""
    own_posts = {normalise(e.title) for e in found.entries}
    seen: set[tuple[str, str]] = set()
    cards: list[tuple[None, Card]] = []
    for i, tok in enumerate(tokens):
        scope = found.scope_at(i)
        if tok.type != "inline" or not scope.entry or "《" not in tok.content:
            continue

        def mention(m: re.Match, tok=tok, scope=scope) -> list[Token] | None:
            title = m.group(1).strip()
            pid = papers.title_slug(title)
            if normalise(title) in own_posts or (scope.entry, pid) in seen:
                return None
            seen.add((scope.entry, pid))
            anchor = unique_id(f"paper-{pid[:60]}", used)
            card = Card(
                title=title,
                anchor=anchor,
                line=lines.of(tok),
                position=0,
                section=CITED,
                summary=sentence_at(m.string, m.start(), m.end()),
                entry=scope.entry,
            )
            cards.append((None, card))
            return span_tokens(anchor, m.group(0), "paper-mention")

        replace_in_text(tok, QUOTED_TITLE, mention)
    return cards


def sentence_at(text: str, start: int, end: int) -> str:
    stops = "。！？!?；;"
    head = max((text.rfind(ch, 0, start) for ch in stops), default=-1) + 1
    tails = [p for p in (text.find(ch, end) for ch in stops) if p >= 0]
    return text[head : (min(tails) + 1 if tails else len(text))].strip()
