"""Paper cards of the 2023-05-02 shape, read from the markdown-it token stream.

    ### 1、Title                    <- a card starts at an h3 (an empty ### is not a paper)
    > translated title             <- optional, a plain blockquote before the 《》 one
    > 《Title》
    > - URL：https://arxiv.org/abs/2304.15004
    > - Official Code：...         <- KEY：VALUE in any spelling of parse/fields.py, any order

The metadata may also be a list or lines without `>` (`### 一、Title` then `- URL：...`).

`## 更多` / `## 其他` start the "more" section; `## 参考` holds references, not papers.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from paperdigest.model import MAIN, MORE, Card
from paperdigest.parse import papers
from paperdigest.parse.draft import (
    CardDraft,
    Context,
    heading_title,
    names_link_fields,
    names_paper_link,
    read_line,
    read_paper_link,
    set_title,
)
from paperdigest.parse.fields import read_field
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.tokens import closing

MORE_HEADINGS = re.compile(r"^\s*(更多|其他|其它|more|others?|more papers)\s*[:：]?\s*$", re.IGNORECASE)
REFERENCE_HEADINGS = re.compile(r"^\s*(参考|参考资料|参考文献|references?)\s*$", re.IGNORECASE)
# The parts of a note that are not papers, numbered like cards: "### 四、总结", "### 6、总结与展望".
_SECTION_WORDS = (
    r"总结|小结|结语|结论|结束语|写在最后|最后|展望|讨论|后记|致谢|附录|前言|引言|背景|概述|简介|目录|"
    r"conclusions?|summary|takeaways?|discussion|outlook|future work|acknowledge?ments?|appendix|"
    r"introduction|background|overview|preface|closing thoughts|final thoughts|wrap-up"
)
SECTION_TITLE = re.compile(
    rf"^\s*(?:{_SECTION_WORDS})(?:\s*(?:与|和|及|&|and|、|/)\s*(?:{_SECTION_WORDS}))*\s*[:：]?\s*$",
    re.IGNORECASE,
)
SUMMARY_BLOCKS = ("paragraph_open", "bullet_list_open")
PAPER_HEADING = "paper_heading"  # token.meta key of an h1/h2 that is a paper's card heading
CARD_FIELDS = "card_fields"  # token.meta key of a block that holds nothing but the card's fields
# Where a digest page shows card N (render.body_parts): data- attributes cross sanitize_html.
CARD_SLOT = re.compile(r'<div class="paper-card-slot" data-card="(\d+)"></div>\n?')


def card_slot(n: int) -> str:
    return f'<div class="paper-card-slot" data-card="{n}"></div>\n'


def extract_cards(tokens: list[Token], line_offset: int, context: Context) -> list[tuple[int, Card]]:
    """(heading token index, Card) for every card in document order."""
    drafts: list[CardDraft] = []
    section, current = MAIN, None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and tok.level == 0:
            text = plain_text(tokens[i + 1])
            level = int(tok.tag[1])
            if tok.meta.get(PAPER_HEADING):
                level = 3  # `## 1. Title` right above the paper's links (shapes/loose.py)
            if level <= 2:
                current = None
                if MORE_HEADINGS.match(text):
                    section = MORE
                elif REFERENCE_HEADINGS.match(text):
                    section = "references"
                elif level == 2 and section == "references":
                    section = MAIN
            elif level == 3:
                current = None
                title, title_html, title_tex = heading_title(tokens[i + 1], context.inline)
                if title and section != "references":
                    current = CardDraft(
                        title=title,
                        heading_index=i,
                        anchor=tok.attrGet("id") or "",
                        line=tok.map[0] + line_offset if tok.map else 0,
                        position=len(drafts) + 1,
                        section=section,
                        title_html=title_html,
                        title_tex=title_tex,
                        numbered=papers.NUMBER_PREFIX.match(text) is not None,
                    )
                    drafts.append(current)
        elif current is not None and tok.level == 0 and tok.nesting == 1:
            end = closing(tokens, i)
            block = tokens[i + 1 : end]
            # Before the summary any quote holds card lines; after it, only a quote of known fields
            # (`> - Code：...`): a `> **Note**：...` there is the author's, kept in the body.
            quoted = tok.type == "blockquote_open"
            if (quoted and not current.summary) or (
                (quoted or not current.summary) and holds_fields(block, context)
            ):
                if read_block(current, block, context):
                    tok.meta[CARD_FIELDS] = True  # the page shows it as the card (parse/digest.py)
                i = end
            elif current.seen_metadata and not current.summary and tok.type in SUMMARY_BLOCKS:
                # The first paragraph, or list (动机/方法/优势), after the metadata is the summary.
                current.summary = " ".join(plain_text(t) for t in block if t.type == "inline")
                i = end
        i += 1
    # An h3 with no 《》 or KEY：VALUE lines is a paper when numbered ("### 3、Title"), but not a
    # plain heading ("### 总结"); a part of the note ("### 四、总结", even with `- 类型：总结` under
    # it) is no paper unless it gives a URL.
    papers_only = [
        d
        for d in drafts
        if (d.seen_metadata or d.numbered) and not (SECTION_TITLE.match(d.title) and not d.url)
    ]
    for position, draft in enumerate(papers_only, start=1):
        draft.position = position
    return [(d.heading_index, d.freeze()) for d in papers_only]


def mark_paper_headings(tokens: list[Token], context: Context) -> None:
    """`## 1. Title` (or `## 2) Title`) directly followed by the paper's links (`[Paper](...) | [Code](...)`,
    `Paper: ...` lines, a bare arXiv URL) is that paper's card heading. A numbered h2 followed by prose
    (seed 004's `## 1) Tiny Titans: ...`, which cites its paper in a sentence) is a discussion."""
    for i, tok in enumerate(tokens):
        if (
            tok.type == "heading_open"
            and tok.level == 0
            and tok.tag == "h2"
            and paper_heading(tokens, i, context)
        ):
            tok.meta[PAPER_HEADING] = True


def paper_heading(tokens: list[Token], index: int, context: Context) -> bool:
    text = plain_text(tokens[index + 1])
    title = papers.strip_number(text)
    if not papers.NUMBER_PREFIX.match(text) or not title or SECTION_TITLE.match(title):
        return False  # `## 4. 总结` is a part of the note, even above a link
    after = closing(tokens, index) + 1
    if after >= len(tokens) or tokens[after].type not in (
        "paragraph_open",
        "bullet_list_open",
        "blockquote_open",
    ):
        return False
    first = next((t for t in tokens[after : closing(tokens, after)] if t.type == "inline"), None)
    return first is not None and names_paper_link(
        first.content.split("\n")[0], context.labels, context.inline.children
    )


def holds_fields(block: list[Token], context: Context) -> bool:
    """A block holds the card's metadata when a line of it names a known field (`- URL：...` under
    `### 一、Title`) or is a line of links whose text names one (`Links: [Paper](...) · [Code](...)`,
    `[Paper](...) | [Code](...)`, a bare arXiv URL).
    A `- 动机：...` list is the summary."""
    return any(
        (
            (found := read_field(line, context.labels)) is not None
            and (found.role or names_link_fields(found.value, context))
        )
        or names_paper_link(line, context.labels, context.inline.children)
        for tok in block
        if tok.type == "inline"
        for line in tok.content.split("\n")
    )


def read_block(card: CardDraft, inner: list[Token], context: Context) -> bool:
    """Fill the card from one block: translated title, 《title》 and KEY：VALUE lines. The lines of
    the first paragraph before any of those are the translated title, however many there are.
    True when every line of the block went into the card (the card shows all it said)."""
    whole = all(tok.type in CARD_BLOCK_TOKENS for tok in inner)
    for k, tok in enumerate(inner):
        if tok.type != "inline":
            continue
        in_list = k >= 2 and inner[k - 2].type == "list_item_open"
        whole = whole and not any(c.type in AUTHOR_MARKUP for c in tok.children or [])
        title_lines: list[str] = []
        for line in tok.content.strip().split("\n"):
            role = read_line(card, line.strip(), in_list, context)
            if role is not None:
                whole = whole and role != "summary"  # `TL;DR：...` is the author's: shown as written
                continue
            if read_paper_link(card, line.strip(), context):
                continue  # `[Paper](...) | [Code](...)`, a bare arXiv URL: the card's addresses
            if not card.seen_metadata and not card.translated_title and line.strip():
                title_lines.append(line.strip())
            elif line.strip():
                whole = False
        if title_lines:
            set_title(card, "translated_title", "\n".join(title_lines), context.inline)
    return whole


# What a block of card lines is made of; anything else (an image, code, a table) is the author's.
CARD_BLOCK_TOKENS = {
    "inline", "paragraph_open", "paragraph_close", "bullet_list_open", "bullet_list_close",
    "list_item_open", "list_item_close", "ordered_list_open", "ordered_list_close",
}  # fmt: skip
AUTHOR_MARKUP = {"image", "html_inline"}  # a picture or raw HTML among the lines: not card fields alone
