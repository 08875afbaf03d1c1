"""The pass every shape shares: any arXiv reference is at least a mention of that paper.

Links (`[text](https://arxiv.org/abs/2402.00838v2)`, `.../pdf/...`, `/html/...`, and the pages of
readers and indexes built on arXiv ids: alphaxiv.org/abs, huggingface.co/papers, ...), bare URLs of
those, `arXiv:2402.00838` in text, and `<a href>` or `data-arxiv-id="..."` in raw HTML all count. Each referenced paper not already
given by the shape becomes one card per entry, anchored at the link itself (the link gets an id),
so a paper page can point at the exact place.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from paperdigest.model import Card
from paperdigest.parse import papers
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.math import MATH_TYPES
from paperdigest.parse.shapes.base import Found
from paperdigest.parse.shapes.tokens import (
    Lines,
    UsedIds,
    link_tokens,
    replace_in_text,
    sentence_around,
    set_id,
)
from paperdigest.parse.values import InlineReader

# Tried only where an `h` (https://) or the `a` of `arXiv:` stands (papers.starting_with).
ARXIV_IN_TEXT = papers.starting_with(
    "ha", rf"https?://(?:{papers.ARXIV_HOSTS})(?:v\d+)?(?:\.pdf)?|{papers.ARXIV_TEXT.pattern}"
)
ARXIV_IN_HTML = papers.starting_with(
    papers.HOST_LETTERS,
    f"{papers.ARXIV_URL.pattern}|{papers.ARXIV_ATTRIBUTE.pattern}",  # `d` of data-arxiv
)
AUTHOR_LIKE = re.compile(
    r"^(?:(?:[A-Z]\.\s*){1,3}[A-Z][\w'’\-]+|[A-Z][\w'’\-]+\s+et\s+al\.?)(?:\s*(?:et\s+al\.?|等))?$"
)
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


# One word that reads as a model's or method's name: 'Self-Instruct', 'DINOv2', 'LLaMA', 'GPT-4'.
NAME_LIKE = re.compile(r"^[A-Za-z][\w.+\-]*(?:[a-z][A-Z]|[A-Z]{2}|\d|-)[\w.+\-]*$")
NOT_A_NAME = {"arxiv", "pdf", "html", "url", "doi", "github", "abs", "openreview", "huggingface"}


def title_from_link_text(text: str) -> str:
    """Link text that reads as a paper title ('Attention Is All You Need', 'Self-Instruct'), else ''."""
    text = text.strip()
    if not text or "://" in text or CJK.search(text) or AUTHOR_LIKE.match(text) or papers.arxiv_id(text):
        return ""
    if len(text.split()) >= 2:
        return text
    named = NAME_LIKE.match(text) and sum(c.isalpha() for c in text) >= 3  # not 'v2'
    return text if named and text.casefold() not in NOT_A_NAME else ""


def typeset_title(children: list[Token], title: str, reader: InlineReader) -> dict:
    """title_html and title_tex of a title that is a link's whole text and holds a formula
    (`[$\\alpha$-entmax](https://arxiv.org/abs/...)`): typeset where lists show it, TeX in BibTeX."""
    if not title or not any(c.type in MATH_TYPES for c in children):
        return {}
    return {"title_html": reader.title_html(children), "title_tex": reader.title_tex(children)}


def authors_from_link_text(text: str) -> tuple[str, ...]:
    """'S. Muralidharan' (a first author standing for the paper) -> ('S. Muralidharan',)."""
    text = text.strip()
    return (text,) if AUTHOR_LIKE.match(text) else ()


def link_mentions(
    tokens: list[Token], lines: Lines, found: Found, used: UsedIds, linkify: bool, reader: InlineReader
) -> list[Card]:
    """Cards for arXiv papers referenced in the text and not already cards of this digest."""
    given = {c.arxiv_id for _, c in found.cards if c.arxiv_id}
    seen: set[tuple[str, str]] = set()
    cards: list[Card] = []
    last_anchor = ""

    def add(index: int, aid: str, anchor: str, line: int, **fields) -> None:
        scope = found.scope_at(index)
        if not aid or aid in given or (scope.entry, aid) in seen:
            return
        seen.add((scope.entry, aid))
        cards.append(
            Card(
                title=fields.pop("title", ""),
                anchor=anchor,
                line=line,
                position=0,
                section=found.link_section,
                arxiv_id=aid,
                url=papers.arxiv_abs_url(aid),
                category=scope.category,
                entry=scope.entry,
                **fields,
            )
        )

    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.attrGet("id"):
            last_anchor = str(tok.attrGet("id"))
        if tok.type in ("html_block", "fence", "code_block") or tok.type != "inline":
            if tok.type == "html_block":
                for m in ARXIV_IN_HTML.finditer(tok.content):
                    add(i, papers.arxiv_id(m.group(0)), last_anchor, lines.of(tok))
            continue
        if linkify:
            replace_in_text(tok, ARXIV_IN_TEXT, arxiv_link)
        children = tok.children or []
        for k, child in enumerate(children):
            if child.type == "link_open":
                aid = papers.arxiv_id(str(child.attrGet("href") or ""))
                if not aid or aid in given or (found.scope_at(i).entry, aid) in seen:
                    continue
                end = _link_close(children, k)
                text = plain_text(_inline(children[k + 1 : end]))
                anchor = set_id(child, f"arxiv-{papers.paper_path_id(aid)}", used)
                title = title_from_link_text(text)
                add(
                    i,
                    aid,
                    anchor,
                    lines.of_child(tok, k),
                    title=title,
                    authors=authors_from_link_text(text),
                    summary=sentence_around(tok, k, end),
                    **typeset_title(children[k + 1 : end], title, reader),
                )
            elif child.type in ("html_inline", "text"):
                pattern = ARXIV_IN_HTML if child.type == "html_inline" else ARXIV_IN_TEXT
                for m in pattern.finditer(child.content):
                    add(i, papers.arxiv_id(m.group(0)), last_anchor, lines.of_child(tok, k))
    return cards


def arxiv_link(m: re.Match) -> list[Token] | None:
    """A bare arXiv reference as a link; none for an id arXiv cannot have given (`arXiv:2304.1500`):
    a link to a page that does not exist would hide the typo."""
    text = m.group(0)
    aid = papers.arxiv_id(text)
    if not aid:
        return None
    return link_tokens(text if text.lower().startswith("http") else papers.arxiv_abs_url(aid), text)


def _link_close(children: list[Token], start: int) -> int:
    for k in range(start + 1, len(children)):
        if children[k].type == "link_close":
            return k
    return len(children) - 1


def _inline(children: list[Token]) -> Token:
    tok = Token("inline", "", 0)
    tok.children = children
    return tok
