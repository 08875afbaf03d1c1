"""Paper cards of the 2023-05-02 shape, read from the markdown-it token stream.

    ### 1、Title                    <- a card starts at an h3 (an empty ### is not a paper)
    > translated title             <- optional, a plain blockquote before the 《》 one
    > 《Title》
    > - URL：https://arxiv.org/abs/2304.15004
    > - Official Code：...         <- KEY：VALUE, full-width or ASCII colon, any order

`## 更多` / `## 其他` start the "more" section; `## 参考` holds references, not papers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from paperdigest.model import MAIN, MORE, Card, Link
from paperdigest.parse import papers
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.tokens import closing

MORE_HEADINGS = re.compile(r"^\s*(更多|其他|其它|more|others?|more papers)\s*[:：]?\s*$", re.IGNORECASE)
REFERENCE_HEADINGS = re.compile(r"^\s*(参考|参考资料|参考文献|references?)\s*$", re.IGNORECASE)
FIELD = re.compile(r"^\s*([^:：\n]{1,40}?)\s*(?:：|:(?!//))\s*(.*)$", re.DOTALL)

KEY_ROLES = {
    "url": "url", "arxiv": "url", "paper": "url", "论文": "url", "论文地址": "url",
    "论文链接": "url", "文章地址": "url", "pdf": "url", "链接": "url", "地址": "url",
    "official code": "code", "code": "code", "代码": "code", "代码地址": "code",
    "github": "code", "开源代码": "code", "源码": "code", "官方代码": "code",
    "单位": "affiliations", "机构": "affiliations", "affiliation": "affiliations",
    "affiliations": "affiliations", "institution": "affiliations", "作者单位": "affiliations",
    "作者": "authors", "author": "authors", "authors": "authors",
    "会议": "venue", "venue": "venue", "conference": "venue", "期刊": "venue", "发表": "venue",
    "类型": "type", "文章类型": "type", "type": "type",
}  # fmt: skip


@dataclass
class CardDraft:
    title: str
    heading_index: int  # index of the heading_open token
    anchor: str
    line: int
    position: int
    section: str
    translated_title: str = ""
    url: str = ""
    code_value: str = ""
    affiliations: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    venue: str = ""
    type: str = ""
    links: list[Link] = field(default_factory=list)
    summary: str = ""
    seen_metadata: bool = False
    numbered: bool = False

    def freeze(self) -> Card:
        aid = papers.arxiv_id(self.url) or next(
            (papers.arxiv_id(link.url) for link in self.links if papers.arxiv_id(link.url)), ""
        )
        return Card(
            title=self.title,
            anchor=self.anchor,
            line=self.line,
            position=self.position,
            section=self.section,
            translated_title=self.translated_title,
            arxiv_id=aid,
            url=self.url,
            code_url=papers.code_url(self.code_value),
            affiliations=self.affiliations,
            authors=self.authors,
            venue=self.venue,
            type=self.type,
            links=tuple(self.links),
            summary=self.summary,
        )


def extract_cards(tokens: list[Token], line_offset: int) -> list[tuple[int, Card]]:
    """(heading token index, Card) for every card in document order."""
    drafts: list[CardDraft] = []
    section, current = MAIN, None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and tok.level == 0:
            text = plain_text(tokens[i + 1])
            level = int(tok.tag[1])
            if level <= 2:
                current = None
                if MORE_HEADINGS.match(text):
                    section = MORE
                elif REFERENCE_HEADINGS.match(text):
                    section = "references"
                elif level == 2 and section == "references":
                    section = MAIN
            elif level == 3:
                title = papers.strip_number(text)
                current = None
                if title and section != "references":
                    current = CardDraft(
                        title=title,
                        heading_index=i,
                        anchor=tok.attrGet("id") or "",
                        line=tok.map[0] + line_offset if tok.map else 0,
                        position=len(drafts) + 1,
                        section=section,
                        numbered=papers.NUMBER_PREFIX.match(text) is not None,
                    )
                    drafts.append(current)
        elif current is not None and tok.type == "blockquote_open" and tok.level == 0:
            end = closing(tokens, i)
            read_blockquote(current, tokens[i + 1 : end])
            i = end
        elif current is not None and tok.level == 0 and current.seen_metadata and not current.summary:
            # The first paragraph, or list (动机/方法/优势), after the metadata is the summary.
            if tok.type == "paragraph_open":
                current.summary = plain_text(tokens[i + 1])
            elif tok.type == "bullet_list_open":
                end = closing(tokens, i)
                current.summary = " ".join(plain_text(t) for t in tokens[i:end] if t.type == "inline")
                i = end
        i += 1
    # An unnumbered h3 with no 《》 or KEY：VALUE lines ("### 总结") is a plain heading, not a paper.
    papers_only = [d for d in drafts if d.seen_metadata or d.numbered]
    for position, draft in enumerate(papers_only, start=1):
        draft.position = position
    return [(d.heading_index, d.freeze()) for d in papers_only]


def read_blockquote(card: CardDraft, inner: list[Token]) -> None:
    """Fill the card from one blockquote: translated title, 《title》 and KEY：VALUE lines."""
    for k, tok in enumerate(inner):
        if tok.type != "inline":
            continue
        in_list = k >= 2 and inner[k - 2].type == "list_item_open"
        for line in tok.content.strip().split("\n"):
            read_card_line(card, line.strip(), in_list)


def read_card_line(card: CardDraft, line: str, in_list: bool) -> None:
    if not line:
        return
    if line.startswith("《") and line.rstrip().endswith("》"):
        card.seen_metadata = True
        full = line.strip()[1:-1].strip()
        if full:
            card.title = full
        return
    m = FIELD.match(line)
    # Unknown keys only count in list items, so "PMC-LLaMA: 用医学论文..." stays a title.
    if m and (m.group(1).strip().lower() in KEY_ROLES or (in_list and _looks_like_key(m.group(1)))):
        card.seen_metadata = True
        assign_field(card, m.group(1).strip(), m.group(2).strip())
        return
    if not card.seen_metadata and not card.translated_title:
        card.translated_title = line


def _looks_like_key(key: str) -> bool:
    return len(key) <= 24 and not re.search(r"[。，！？!?]", key)


def assign_field(card: CardDraft, key: str, value: str) -> None:
    role = KEY_ROLES.get(key.lower())
    if role == "url":
        url, note = papers.split_url_and_note(value)
        if card.url and url:
            card.links.append(Link(key, url, note))
        elif url:
            card.url = url
    elif role == "code":
        card.code_value = value
    elif role == "affiliations":
        card.affiliations = papers.split_affiliations(value)
    elif role == "authors":
        card.authors = papers.split_affiliations(value)
    elif role == "venue":
        card.venue = value
    elif role == "type":
        card.type = value
    elif value:
        url, note = papers.split_url_and_note(value)
        card.links.append(Link(key, url, note if url else value))
