"""Papers of a card digest written without a `### ` card heading, as lists and reposts have them.

    【1】InstantID: Zero-shot ...            <- a numbered title line, then field lines in the
    论文地址：https://arxiv.org/abs/...          blocks after it: the line becomes the card's h3

    arXiv:2401.01234v2 [cs.CL] 3 Jan 2024    <- one paragraph of field lines naming a title and
    Title: Mixture of Experts ...               the paper (an arXiv daily dump, a `【论文标题】`
    Authors: Alice Zhang, Bob Li                block): a card anchored at the paragraph

    1. **Self-RAG: Learning to ...**         <- a list item whose nested list holds the paper's
       - 论文：https://arxiv.org/abs/...         fields (a weekly list): a card anchored at the item
       - 代码：https://github.com/...

    - **GPTQ: ...**. *Frantar et al.* ICLR 2023. [[paper](...)] [[code](...)]
                                             <- a paper on one line of a list (shapes/listed.py)

Lists under `## 参考` hold references, not papers; `## 更多` starts the more section, as for cards.
Without these, such papers were only bare citations: no title, code, affiliations or venue.
"""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it.token import Token

from paperdigest.model import MAIN, MORE, Card
from paperdigest.parse import papers
from paperdigest.parse.affiliations import split_affiliations
from paperdigest.parse.cards import MORE_HEADINGS, REFERENCE_HEADINGS
from paperdigest.parse.draft import CardDraft, Context, assign_field, heading_title, read_line
from paperdigest.parse.fields import FieldLine, read_field
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.listed import one_line_card
from paperdigest.parse.shapes.tokens import Lines, UsedIds, closing, set_id, to_heading

PAPER_ROLES = ("url", "code")
REFERENCES = "references"
# The first line of a paper in arXiv's listings, copied: "[1] arXiv:2401.01234 (replaced) [pdf, other]".
LISTING_LINE = re.compile(
    rf"^\s*(?:\[\d+\]\s*)?arXiv\s*[:：]\s*({papers.NEW_ID})(?:v\d+)?(?:\s|$)", re.IGNORECASE
)
# "(ICLR 2024)", "(NeurIPS 2023 Oral)" after a bold title: the venue, not part of the title.
VENUE_AFTER = re.compile(
    r"^\s*[（(]\s*([A-Z][A-Za-z&\-]*(?:\s+[A-Z][A-Za-z&\-]*)*\s*['’]?\d{2,4}\b[^()（）]*)[)）]\s*$"
)


def promote_numbered_titles(tokens: list[Token], used: UsedIds, context: Context) -> None:
    """`【1】Title` or `1、Title` alone on a line, right before a block of the paper's fields, is that
    paper's card heading (the card shape reads the fields under it). Never inside an authored
    `### ` card, where numbered lines are the author's steps."""
    in_card = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and tok.level == 0:
            in_card = tok.tag not in ("h1", "h2") and not tok.meta.get("promoted")
        elif tok.type == "paragraph_open" and tok.level == 0 and not in_card:
            after = closing(tokens, i) + 1
            if numbered_line(tokens[i + 1]) and after < len(tokens) and names_paper(tokens, after, context):
                to_heading(tokens, i, 3, used)
                tok.meta["promoted"] = True
        i = closing(tokens, i) + 1 if tok.nesting == 1 and tok.level == 0 else i + 1


def numbered_line(inline: Token) -> bool:
    text = inline.content.strip()
    return (
        "\n" not in text and papers.NUMBER_PREFIX.match(text) is not None and bool(papers.strip_number(text))
    )


def names_paper(tokens: list[Token], start: int, context: Context) -> bool:
    """The block opened at `start` holds a field giving the paper's or its code's URL."""
    tok = tokens[start]
    if tok.nesting != 1 or tok.type == "heading_open":
        return False
    block = tokens[start + 1 : closing(tokens, start)]
    return any(role in PAPER_ROLES for role in field_roles(block, context))


def field_roles(block: list[Token], context: Context) -> list[str]:
    return [
        found.role
        for tok in block
        if tok.type == "inline"
        for line in tok.content.split("\n")
        if (found := read_field(line, context.labels)) is not None and found.role
    ]


def loose_cards(
    tokens: list[Token], lines: Lines, used: UsedIds, context: Context, taken: set[int]
) -> list[tuple[int, Card]]:
    """Field paragraphs and list items outside any card (`taken`: card heading indices) that name a
    paper; (index of the paragraph that ends with the paper-page link, card) each."""
    found: list[tuple[int, Card]] = []
    in_card, section = False, MAIN
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        end = closing(tokens, i) if tok.nesting == 1 else i
        if tok.type == "heading_open" and tok.level == 0:
            in_card = i in taken
            section = section_after(tok, tokens[i + 1], section)
        elif tok.level != 0 or in_card or section == REFERENCES:
            pass  # a `## 参考` list holds references, not papers
        elif tok.type == "paragraph_open":
            card = field_paragraph(tokens, i, lines, used, context)
            found += [(i, replace(card, section=section))] if card else []
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            found += list_item_cards(tokens, i, end, lines, used, context, section)
        elif tok.type == "table_open":
            found += [
                (k, replace(c, section=section)) for k, c in table_cards(tokens, i, end, lines, used, context)
            ]
        i = end + 1 if tok.level == 0 and tok.nesting == 1 else i + 1
    return found


def section_after(heading: Token, inline: Token, section: str) -> str:
    """The section an h1/h2 starts, as the card shape reads it: `## 更多` the more section, `## 参考`
    the references; any other h2 ends the references."""
    if heading.tag not in ("h1", "h2"):
        return section
    text = plain_text(inline)
    if MORE_HEADINGS.match(text):
        return MORE
    if REFERENCE_HEADINGS.match(text):
        return REFERENCES
    return MAIN if section == REFERENCES else section


def field_paragraph(
    tokens: list[Token], index: int, lines: Lines, used: UsedIds, context: Context
) -> Card | None:
    """A paragraph of field lines giving both a title and the paper (`Title:` + `arXiv:` lines), or
    an arXiv listing: `[1] arXiv:2401.01234 [pdf, other]`, then the title and the authors' line."""
    inline = tokens[index + 1]
    roles = field_roles([inline], context)
    texts = inline.content.split("\n")
    listing = LISTING_LINE.match(texts[0])
    if not listing and ("title" not in roles or not any(role in PAPER_ROLES for role in roles)):
        return None
    draft = CardDraft("", index, "", lines.of(tokens[index]), 0, MAIN)
    unread = read_lines(draft, texts, context)
    if listing:
        draft.url = draft.url or papers.arxiv_abs_url(listing.group(1))
        unread = [line for line in unread if not LISTING_LINE.match(line)]
        if not draft.title and unread:
            draft.title = context.inline.plain(context.inline.children(unread.pop(0).strip()))
        if not draft.authors and unread and "," in unread[0] and len(unread[0]) < 300:
            draft.authors = split_affiliations(unread[0])
    if not draft.title:
        return None
    draft.anchor = set_id(tokens[index], f"paper-{papers.title_slug(draft.title, 60)}", used)
    return draft.freeze()


def read_lines(draft: CardDraft, texts: list[str], context: Context) -> list[str]:
    """Read the field lines into the draft; the lines that are no field. An `Abstract:` copied from
    arXiv wraps over several lines: the lines after it are the rest of the summary."""
    unread: list[str] = []
    in_summary = False
    for line in (text.strip() for text in texts):
        role = read_line(draft, line, False, context)
        if role is None and in_summary and line:
            draft.summary = f"{draft.summary} {context.inline.plain(context.inline.children(line))}"
        elif role is None and line:
            unread.append(line)
        in_summary = role == "summary" or (in_summary and role is None)
    return unread


def list_item_cards(
    tokens: list[Token], start: int, end: int, lines: Lines, used: UsedIds, context: Context, section: str
) -> list[tuple[int, Card]]:
    """Items of the list at `start`, nested ones too (an awesome-list's topic bullets hold the papers):
    a title line with the paper's fields in a nested list, or a paper on one line (shapes/listed.py).
    The items inside a paper's item are its own lines."""
    cards = []
    k = start + 1
    while k < end:
        if tokens[k].type == "list_item_open":
            card = list_item_card(tokens, k, lines, used, context) or one_line_card(
                tokens, k, lines, used, context, section
            )
            if card:
                cards.append((card[0], replace(card[1], section=section)))
                k = closing(tokens, k)
        k += 1
    return cards


def list_item_card(tokens: list[Token], item: int, lines: Lines, used: UsedIds, context: Context):
    item_end = closing(tokens, item)
    first = item + 1
    if tokens[first].type != "paragraph_open":
        return None
    nested = [k for k in range(first, item_end) if tokens[k].type == "bullet_list_open"]
    if not nested:
        return None
    fields = tokens[nested[0] + 1 : closing(tokens, nested[0])]
    if not any(role in PAPER_ROLES for role in field_roles(fields, context)):
        return None
    inline = tokens[first + 1]
    title, title_html, title_tex = heading_title(bold_title(inline), context.inline)
    if not title:
        return None
    draft = CardDraft(
        title, first, "", lines.of(tokens[item]), 0, MAIN, title_html=title_html, title_tex=title_tex
    )
    draft.venue = venue_after(inline)
    for tok in fields:
        if tok.type == "inline":
            for line in tok.content.split("\n"):
                read_line(draft, line.strip(), True, context)
    draft.anchor = set_id(tokens[item], f"paper-{papers.title_slug(draft.title, 60)}", used)
    return first, draft.freeze()


def table_cards(
    tokens: list[Token], start: int, end: int, lines: Lines, used: UsedIds, context: Context
) -> list[tuple[int, Card]]:
    """A table of papers (Papers with Code, a survey's summary): its header cells are field labels
    (`Title | Paper | Code`, `论文 | 会议 | 论文链接 | 代码 | 单位`) and each row with a title is a card."""
    rows = table_rows(tokens, start, end)
    if len(rows) < 2:
        return []
    header = [context.labels.role(plain_text(tokens[k + 1])) for k in rows[0]]
    if not any(role in PAPER_ROLES for role in header):
        return []
    title_column = title_column_of(tokens, rows[1:], header)
    if title_column is None:
        return []
    cards = []
    for row in rows[1:]:
        title_cell = tokens[row[title_column] + 1]
        title, title_html, title_tex = heading_title(title_cell, context.inline)
        if not title or len(row) != len(header):
            continue
        draft = CardDraft(
            title,
            row[title_column],
            "",
            lines.of(title_cell),
            0,
            MAIN,
            title_html=title_html,
            title_tex=title_tex,
        )
        for column, role in enumerate(header):
            value = tokens[row[column] + 1].content.strip()
            if role and column != title_column and value:
                label = plain_text(tokens[rows[0][column] + 1])
                assign_field(draft, FieldLine(label, role, value, True), context)
        if not draft.url:  # `[Mamba: ...](https://arxiv.org/abs/...)` in the title's own cell
            links = context.inline.links(title_cell.children or [])
            draft.url = links[0].url if links else ""
        if draft.url or draft.code_url:
            draft.anchor = set_id(tokens[row[0] - 1], f"paper-{papers.title_slug(title, 60)}", used)
            cards.append((row[title_column], draft.freeze()))
    return cards


def table_rows(tokens: list[Token], start: int, end: int) -> list[list[int]]:
    """The indices of each row's cell openings (th_open/td_open), the header row first."""
    rows: list[list[int]] = []
    for k in range(start, end):
        if tokens[k].type == "tr_open":
            rows.append([])
        elif tokens[k].type in ("th_open", "td_open") and rows:
            rows[-1].append(k)
    return rows


def title_column_of(tokens: list[Token], rows: list[list[int]], header: list[str]) -> int | None:
    """The column labelled as the title; else the first whose cells are text, not links or numbers
    (`论文` heads the titles when `论文链接` holds the links)."""
    if "title" in header:
        return header.index("title")
    for column, role in enumerate(header):
        if role not in ("", "url"):
            continue
        cells = [tokens[row[column] + 1] for row in rows if column < len(row)]
        texts = [plain_text(cell) for cell in cells]
        if all(not papers.URL.search(t) and not t.isdigit() for t in texts) and any(texts):
            return column
    return None


def bold_title(inline: Token) -> Token:
    """`**Title** (ICLR 2024)` -> the bold part; any other line as it is."""
    children = written(inline)
    if children and children[0].type == "strong_open":
        close = next((k for k, c in enumerate(children) if c.type == "strong_close"), None)
        if close is not None:
            bold = Token("inline", "", 0)
            bold.children = children[1:close]
            bold.content = plain_text(bold)
            return bold
    return inline


def venue_after(inline: Token) -> str:
    children = written(inline)
    if not children or children[0].type != "strong_open":
        return ""
    close = next((k for k, c in enumerate(children) if c.type == "strong_close"), len(children))
    rest = "".join(c.content for c in children[close + 1 :] if c.type == "text")
    m = VENUE_AFTER.match(rest)
    return m.group(1).strip() if m else ""


def written(inline: Token) -> list[Token]:
    """Inline children without the empty text tokens markdown-it leaves around emphasis."""
    return [c for c in inline.children or [] if c.type != "text" or c.content]
