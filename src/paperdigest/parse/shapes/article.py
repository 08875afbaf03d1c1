"""Articles that discuss papers and end with a reading list (seed 004).

> 翻译转载自: [https://magazine...](https://magazine...)      <- the source URL
## 1) Tiny Titans: ...                                        <- numbered sections discussing papers;
在这篇[Tiny Titans论文](https://arxiv.org/abs/2402.00841)中...     their arXiv links are cited mentions
## 2月份其他有趣的研究论文                                        <- the list's heading is its category
**\\* Title** by Authors _et al._ (29 Feb), [url](url)          <- a listed paper; `*` = a pick
* one-line summary                                             <- its summary
"""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt
from markdown_it.token import Token

from paperdigest.model import MAIN, Card
from paperdigest.parse import papers
from paperdigest.parse.cards import PAPER_HEADING, extract_cards, mark_paper_headings
from paperdigest.parse.draft import Context, names_paper_link
from paperdigest.parse.fields import Labels, field_labels
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.math import MATH_TYPES, formula_text
from paperdigest.parse.shapes.base import Found, Scope
from paperdigest.parse.shapes.plainlist import block_text, blocks_of
from paperdigest.parse.shapes.tokens import Lines, UsedIds, set_id
from paperdigest.parse.values import InlineReader
from paperdigest.parse.when import paper_date

INLINE = MarkdownIt("commonmark")
PAREN_GROUP = re.compile(r"\([^()]*\)")
NUMBERED_SECTION = re.compile(r"^##\s+\d+[).、]\s")
SOURCE_LINE = re.compile(r"(转载自|翻译自|译自|来源|原文|source|translated from)\s*[:：]", re.IGNORECASE)
SECTION_NUMBER = re.compile(r"^\s*\d+\s*[).、]\s*")
PAREN_DATE = re.compile(r"\(([^()]*)\)\s*,?\s*$")
# Starts only at a comma or an "and" (a leading `\s*` was quadratic on a run of spaces); names are stripped.
AUTHOR_SPLIT = re.compile(r",\s*(?:and\s+)?|(?<=\s)and(?=\s)")
ET_AL = re.compile(r"(?:[ea]t\.?\s{0,3}[ae]l\.?|等)$", re.IGNORECASE)  # also the "at el." typos


def detect(body: str, labels: Labels | None = None) -> bool:
    lines = body.split("\n")
    return any(is_list_line(line) for line in lines) or any(
        NUMBERED_SECTION.match(line) and not above_paper_links(lines, k, labels or field_labels())
        for k, line in enumerate(lines)
    )


def above_paper_links(lines: list[str], index: int, labels: Labels) -> bool:
    """`## 1. Title` whose next line is the paper's links (`[Paper](...) | [Code](...)`): a paper's
    card heading (shapes/loose.py), not a section of an article discussing papers."""
    after = next((line for line in lines[index + 1 : index + 3] if line.strip()), "")
    return names_paper_link(after, labels, inline_children)


def inline_children(text: str) -> list[Token]:
    """A line's inline tokens, before the digest's own parser exists (shape detection reads text)."""
    return INLINE.parseInline(text)[0].children or []


def is_list_line(text: str) -> bool:
    """`**Title** by Authors (date), https://arxiv.org/...`: a bold start, then a parenthesis on the
    bold's line and an arXiv URL after it. Found with plain searches, not one regex, whose nested
    `.*` took cubic time on a long line of `**()`."""
    text = text.lstrip()
    close = text.find("**", 3) if text.startswith("**") else -1
    if close < 0 or "\n" in text[:close]:
        return False
    arxiv = text.lower().rfind("arxiv.org/")
    line_end = text.find("\n", close)
    group = PAREN_GROUP.search(text, close + 2, min(arxiv, line_end) if line_end >= 0 else arxiv)
    return arxiv > close and group is not None


def extract(tokens: list[Token], lines: Lines, used: UsedIds, context: Context) -> Found:
    found = Found()
    mark_paper_headings(tokens, context)
    blocks = blocks_of(tokens)
    category = ""
    for k, (start, _end) in enumerate(blocks):
        tok = tokens[start]
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            # A paper's own `## 2. Title` ends the section before it and starts none.
            category = (
                "" if tok.meta.get(PAPER_HEADING) else SECTION_NUMBER.sub("", plain_text(tokens[start + 1]))
            )
            found.scopes.append(Scope(start, "", category))
        elif (
            tok.type == "blockquote_open"
            and not found.source_url
            and SOURCE_LINE.search(block_text(tokens, blocks[k]))
        ):
            found.source_url = first_url(tokens[start : blocks[k][1]])
        elif tok.type == "paragraph_open":
            card = listed_paper(tokens[start + 1], lines, category, context.inline)
            if card is None:
                continue
            anchor = set_id(tok, f"arxiv-{papers.paper_path_id(card.arxiv_id)}", used)
            tok.attrJoin("class", "paper-citation")  # not the lists' .paper-item, a flex row
            summary = (
                block_text(tokens, blocks[k + 1])
                if k + 1 < len(blocks) and _is_list(tokens, blocks[k + 1])
                else ""
            )
            position = len(found.cards) + 1
            found.cards.append((start, replace(card, anchor=anchor, summary=summary, position=position)))
    # `### 1、Title` cards with blockquote metadata may sit in an article too.
    for index, card in extract_cards(tokens, lines.offset, context):
        found.cards.append((index, replace(card, category=card.category or found.scope_at(index).category)))
    return found


def _is_list(tokens: list[Token], block: tuple[int, int]) -> bool:
    return tokens[block[0]].type == "bullet_list_open"


def first_url(tokens: list[Token]) -> str:
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "link_open":
                return str(child.attrGet("href") or "")
    return ""


def listed_paper(inline: Token, lines: Lines, category: str, reader: InlineReader) -> Card | None:
    """`**Title** by Authors (date), [url](url)` -> a Card, or None for any other paragraph."""
    children = [c for c in inline.children or [] if c.type != "text" or c.content]
    if not children or children[0].type != "strong_open" or not is_list_line(inline.content):
        return None
    close = next((k for k, c in enumerate(children) if c.type == "strong_close"), None)
    aid = next(
        (papers.arxiv_id(str(c.attrGet("href") or "")) for c in children if c.type == "link_open"), ""
    ) or papers.arxiv_id(inline.content)
    if close is None or not aid:
        return None
    bold = raw_text(children[1:close])
    after = raw_text(children[close + 1 :])
    # "**...Adaptatio**n by" splits a word: the letters glued after the bold belong to the title.
    glued = re.match(r"^\w+", after) if bold and not bold[-1].isspace() else None
    if glued:
        bold, after = bold + glued.group(0), after[glued.end() :]
    starred = bold.lstrip().startswith("*")
    bold = bold.strip().lstrip("*").strip()
    title, byline = split_title(bold, after)
    byline = byline.split("http")[0]
    date = PAREN_DATE.search(byline.strip())
    authors_text = byline[: date.start()] if date else byline
    title_html, title_tex = typeset_title(children[1:close], title, reader)
    return Card(
        title=title,
        title_html=title_html,
        title_tex=title_tex,
        anchor="",
        line=lines.of(inline),
        position=0,
        section=MAIN,
        arxiv_id=aid,
        url=papers.arxiv_abs_url(aid),
        authors=split_authors(authors_text),
        category=category,
        starred=starred,
        published=paper_date(date.group(1), aid) if date else "",
    )


def typeset_title(bold: list[Token], title: str, reader: InlineReader) -> tuple[str, tuple[str, ...]]:
    """(title_html, title_tex) of a bold title that holds a formula, when the title is the whole
    bold less its `*` (no byline inside it, no word glued after it); else ('', ()): the readable
    text then stands alone, as for a title without formulas."""
    if not any(c.type in MATH_TYPES for c in bold):
        return "", ()
    if bold[0].type == "text":  # the pick's `\\*`
        star = Token("text", "", 0)
        star.content = bold[0].content.lstrip().lstrip("*")
        bold = [star, *bold[1:]]
    if reader.plain(bold) != title:
        return "", ()
    return reader.title_html(bold), reader.title_tex(bold)


def split_title(bold: str, after: str) -> tuple[str, str]:
    """The title and the 'Authors (date), url' text, wherever the author put the bold's end."""
    if " by " in bold:  # "**Title by Muennighoff**, Su, ..."
        title, _, first_authors = bold.rpartition(" by ")
        return title.strip(), f"{first_authors}{after}"
    if bold.endswith(" by"):
        return bold[:-3].strip(), after
    return bold, after


def split_authors(text: str) -> tuple[str, ...]:
    text = re.sub(r"^\s*(?:by\s+)+", "", text.strip().rstrip(","), flags=re.IGNORECASE)
    text, et_al = without_et_al(text)
    names = [n.strip() for n in AUTHOR_SPLIT.split(text) if n.strip()]
    return (*names, "et al.") if names and et_al else tuple(names)


def without_et_al(text: str) -> tuple[str, bool]:
    """'A, B, et al.' -> ('A, B', True): matched at the end of the stripped text (a pattern that
    allowed spaces before it took cubic time on a run of spaces)."""
    text = text.rstrip()
    m = ET_AL.search(text)
    return (text[: m.start()].rstrip().rstrip(",").rstrip(), True) if m else (text, False)


def raw_text(children: list[Token]) -> str:
    """Text of inline children with its spaces kept (the bold's end may fall mid-word)."""
    parts = {
        "text": lambda c: c.content,
        "code_inline": lambda c: c.content,
        "softbreak": lambda c: " ",
        "math_inline": formula_text,  # a title's formula: the title's own text
        "math_inline_double": formula_text,
    }
    return "".join(parts[c.type](c) for c in children if c.type in parts)
