"""Plain-text weekly lists (seed 002): no front matter, no headings, one item per line.

本文总结了2024年5月第四周发表的...          <- intro naming the period (the digest's date)
LLM发展与基准                               <- a category line: short, right before a numbered title
1、Towards Modular LLMs by ...             <- a paper title (becomes an h3 with an anchor)
summary lines ...
https://arxiv.org/abs/2405.11157           <- the paper's arXiv address on its own line ends the item
                                               (`arxiv.org/abs/...` without https:// or `arXiv:2405.11157` too)
...
https://avoid.overfit.cn/post/...          <- after the last paper: the source URL
作者：Youssef Hosni                         <- and the author
"""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it.token import Token

from paperdigest.model import MAIN
from paperdigest.parse import papers
from paperdigest.parse.draft import CardDraft, Context, heading_title, read_line
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.base import Found, Scope
from paperdigest.parse.shapes.tokens import Lines, UsedIds, closing, to_heading

NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[、.．)）]\s*(\S.*)$")
URL_LINE = re.compile(r"^\s*<?(https?://\S+?)>?\s*$")
WORD_LINE = re.compile(r"^\s*<?(\S+?)>?\s*$")  # one word: an arXiv address may come without its scheme
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
AUTHOR_LINE = re.compile(r"^\s*(?:作者|原作者|author|by)\s*[:：]\s*(.+)$", re.IGNORECASE)
SENTENCE_PUNCTUATION = re.compile(r"[。，,！？!?；;：:]|\.\s|\.$")
CATEGORY_MAX = 40


def detect(body: str) -> bool:
    """No Markdown headings, and a numbered line followed by an arXiv URL line before the next one."""
    lines = body.split("\n")
    if any(MARKDOWN_HEADING.match(line) for line in lines):
        return False
    numbered = [i for i, line in enumerate(lines) if NUMBERED.match(line)]
    if not numbered:
        return False
    for start, end in zip(numbered, [*numbered[1:], len(lines)], strict=True):
        if any(_arxiv_url_line(line) for line in lines[start + 1 : end]):
            return True
    return False


def _arxiv_url_line(text: str) -> str:
    """The arXiv id of a line that is an arXiv address and nothing else, or ''."""
    m = WORD_LINE.match(text)
    return papers.arxiv_id(m.group(1)) if m else ""


def blocks_of(tokens: list[Token]) -> list[tuple[int, int]]:
    """(open index, close index) of every top-level block."""
    blocks, i = [], 0
    while i < len(tokens):
        if tokens[i].level == 0 and tokens[i].nesting == 1:
            end = closing(tokens, i)
            blocks.append((i, end))
            i = end + 1
        else:
            i += 1
    return blocks


def block_text(tokens: list[Token], block: tuple[int, int]) -> str:
    return " ".join(plain_text(t) for t in tokens[block[0] : block[1] + 1] if t.type == "inline")


def extract(tokens: list[Token], lines: Lines, used: UsedIds, context: Context) -> Found:
    found = Found()
    blocks = blocks_of(tokens)
    texts = [block_text(tokens, b) for b in blocks]
    is_paragraph = [tokens[b[0]].type == "paragraph_open" for b in blocks]
    category, last_item_end = "", -1
    k = 0
    while k < len(blocks):
        m = NUMBERED.match(texts[k]) if is_paragraph[k] else None
        url_at = _item_end(texts, is_paragraph, k) if m else None
        if m is None or url_at is None:
            k += 1
            continue
        if k - 1 > last_item_end and is_category(texts[k - 1], is_paragraph[k - 1]):
            category = texts[k - 1]
            to_heading(tokens, blocks[k - 1][0], 2, used)
            found.scopes.append(Scope(blocks[k - 1][0], "", category))
        open_index = blocks[k][0]
        anchor = to_heading(tokens, open_index, 3, used)
        aid = _arxiv_url_line(texts[url_at])
        draft = CardDraft(m.group(2).strip(), open_index, anchor, lines.of(tokens[open_index]), 0, MAIN)
        # The title's formulas typeset in lists and kept as TeX for BibTeX, as a card heading's.
        plain, title_html, title_tex = heading_title(tokens[open_index + 1], context.inline)
        if plain == draft.title:
            draft.title_html, draft.title_tex = title_html, title_tex
        summary = [
            text
            for j, text in enumerate(texts[k + 1 : url_at], k + 1)
            if not field_line(draft, tokens, blocks[j], context)
        ]
        card = replace(
            draft.freeze(),
            position=len(found.cards) + 1,
            arxiv_id=aid,
            url=papers.arxiv_abs_url(aid),
            summary=draft.summary or " ".join(summary),
            category=category,
        )
        found.cards.append((open_index, card))
        last_item_end, k = url_at, url_at + 1
    read_footer(found, texts[last_item_end + 1 :] if found.cards else [])
    return found


def field_line(draft: CardDraft, tokens: list[Token], block: tuple[int, int], context: Context) -> bool:
    """A line of the item that is a known field (`代码：https://github.com/...`, `单位：...`) goes into
    the card; it stayed in the summary, and the paper had no code."""
    inline = tokens[block[0] + 1]
    return tokens[block[0]].type == "paragraph_open" and read_line(
        draft, inline.content.strip(), False, context
    ) not in (None, "")


def _item_end(texts: list[str], is_paragraph: list[bool], start: int) -> int | None:
    """Index of the arXiv URL line that ends the item starting at `start` (before the next title)."""
    for k in range(start + 1, len(texts)):
        if is_paragraph[k] and _arxiv_url_line(texts[k]):
            return k
        if is_paragraph[k] and NUMBERED.match(texts[k]):
            return None
    return None


def is_category(text: str, is_paragraph: bool) -> bool:
    return (
        is_paragraph
        and 0 < len(text) <= CATEGORY_MAX
        and not URL_LINE.match(text)
        and not _arxiv_url_line(text)
        and not NUMBERED.match(text)
        and not SENTENCE_PUNCTUATION.search(text)
    )


def read_footer(found: Found, texts: list[str]) -> None:
    """After the last paper: the page it was copied from and its author."""
    for text in texts:
        url = URL_LINE.match(text)
        author = AUTHOR_LINE.match(text)
        if url and not found.source_url:
            found.source_url = url.group(1)
        elif author and not found.author and len(author.group(1)) <= 60:
            found.author = author.group(1).strip()
