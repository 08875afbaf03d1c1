"""A paper's card while its lines are read, and what each field line puts into it.

Shared by the card shape (`### N、Title` + metadata) and one-paper notes (`# Title` + field lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it.token import Token

from paperdigest.model import Card, Link
from paperdigest.parse import papers
from paperdigest.parse.affiliations import split_affiliations
from paperdigest.parse.fields import FieldLine, Labels, read_field, strip_block_markers
from paperdigest.parse.values import InlineReader, ValueLink
from paperdigest.parse.when import find_when

BRACKETED_TITLE = re.compile(r"^《(.*)》$", re.DOTALL)
LINK_ROLES = ("url", "code")
AUTOLINK = re.compile(r"<https?://[^>\s]+>")
BARE_URL_LINE = re.compile(r"<?https?://\S+")


@dataclass(frozen=True)
class Context:
    """What reading a digest's papers needs besides its tokens."""

    inline: InlineReader
    labels: Labels
    title: str = ""  # the digest's title: the paper's title when the whole note is about one paper
    title_html: str = ""
    title_tex: tuple[str, ...] = ()


@dataclass
class CardDraft:
    title: str
    heading_index: int | None  # index of the heading_open token the card hangs on, if any
    anchor: str
    line: int
    position: int
    section: str
    title_html: str = ""
    translated_title: str = ""
    translated_title_html: str = ""
    title_tex: tuple[str, ...] = ()
    url: str = ""
    code_url: str = ""
    affiliations: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    venue: str = ""
    type: str = ""
    links: list[Link] = field(default_factory=list)
    summary: str = ""
    published: str = ""
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
            code_url=self.code_url,
            affiliations=self.affiliations,
            authors=self.authors,
            venue=self.venue,
            type=self.type,
            links=tuple(dict.fromkeys(self.links)),
            summary=self.summary,
            published=self.published,
            title_html=self.title_html,
            translated_title_html=self.translated_title_html,
            title_tex=self.title_tex,
        )


def read_line(draft: CardDraft, line: str, in_list: bool, context: Context) -> str | None:
    """A `《Title》` or field line read into the draft: the field it set ('title', 'url', ..., '' for
    a label the table does not know); any other line: None."""
    bracketed = BRACKETED_TITLE.match(line.strip())
    if bracketed:
        draft.seen_metadata = True
        set_title(draft, "title", bracketed.group(1), context.inline)
        return "title"
    found = read_field(line, context.labels)
    if found is None or not (found.counts(in_list) or names_link_fields(found.value, context)):
        return None
    draft.seen_metadata = True
    assign_field(draft, found, context)
    return found.role


def names_link_fields(value: str, context: Context) -> bool:
    """`[Paper](...) · [Code](...)`: a link whose text is the label of the paper's or its code's URL."""
    if "](" not in value:
        return False
    links = context.inline.links(context.inline.children(value))
    return any(context.labels.role(link.text) in LINK_ROLES for link in links)


def names_paper_link(line: str, labels: Labels, children_of: Callable[[str], list[Token]]) -> bool:
    """The line gives the paper's or its code's address and nothing else: a field (`Paper: ...`,
    `- 代码：...`), links named as those fields (`[Paper](...) | [Code](...)`) or a bare arXiv URL.
    `children_of` parses a line's inline Markdown (no regex for links: theirs was quadratic)."""
    line = strip_block_markers(line).strip()
    found = read_field(line, labels)
    if found is not None and found.role in LINK_ROLES:
        return True
    if BARE_URL_LINE.fullmatch(line):
        return bool(papers.arxiv_id(line))
    return "](" in line and links_only(children_of(line), labels)


def links_only(children: list[Token], labels: Labels) -> bool:
    """Links and separators, one link named as the paper's or its code's (`📄 [Paper](...) · [Code](...)`)."""
    named, depth, text = False, 0, []
    for child in children:
        if child.type == "link_open":
            depth, text = depth + 1, []
        elif child.type == "link_close":
            depth -= 1
            named = named or labels.role("".join(text).strip("[] ")) in LINK_ROLES
        elif depth:
            text.append(child.content)
        elif child.type not in ("text", "softbreak") or re.search(r"\w", child.content):
            return False
    return named


def read_paper_link(draft: CardDraft, line: str, context: Context) -> bool:
    """A line of links naming the paper's fields, or a bare arXiv URL, read into the draft."""
    if not names_paper_link(line, context.labels, context.inline.children):
        return False
    bare = strip_block_markers(line).strip()
    if BARE_URL_LINE.fullmatch(bare):
        draft.url = draft.url or bare.strip("<>")
    else:
        read_links_line(draft, line, context)
    draft.seen_metadata = True
    return True


def assign_field(draft: CardDraft, line: FieldLine, context: Context) -> None:
    reader = context.inline
    children = reader.children(line.value)
    role = line.role
    if role in LINK_ROLES:
        put_links(draft, role, line.label, reader.links(children, bare_ids=role == "url"))
    elif role in ("affiliations", "authors"):
        setattr(draft, role, split_affiliations(reader.plain(children)))
    elif role in ("venue", "type", "summary"):
        setattr(draft, role, reader.plain(children))
    elif role in ("title", "translated_title"):
        set_title(draft, role, line.value, reader)
    elif role == "published":
        text = reader.plain(children)
        when = find_when(text)
        draft.published = when.date.isoformat() if when else text
    else:
        keep_other(draft, line.label, children, context)


def set_title(draft: CardDraft, role: str, text: str, reader: InlineReader) -> None:
    """Plain text in `role`, its inline HTML in `role`_html (an empty value changes nothing); the
    title's formulas in title_tex."""
    children = reader.children(text.strip())
    plain = reader.plain(children)
    if plain:
        setattr(draft, role, plain)
        setattr(draft, f"{role}_html", reader.title_html(children))
        if role == "title":
            draft.title_tex = reader.title_tex(children)


def put_links(draft: CardDraft, role: str, label: str, links: list[ValueLink]) -> None:
    """The first URL is the paper's (or its code's); every further one is kept as a link."""
    for link in links:
        if role == "url" and not draft.url:
            draft.url = link.url
        elif role == "code" and not draft.code_url:
            draft.code_url = link.url
        else:
            draft.links.append(Link(link_label(label, link, len(links) > 1), link.url, link.note))


def keep_other(draft: CardDraft, label: str, children: list[Token], context: Context) -> None:
    """A label the table does not know (项目主页, Demo, ...): its links, else its text, under the label.
    In `Links: [Paper](...) · [Code](...)` each link's text may name a field itself."""
    links = context.inline.links(children)
    if not links:
        text = context.inline.plain(children)
        if text.strip().lower() not in papers.NO_CODE:  # `项目主页：无` says there is none
            draft.links.append(Link(label, "", text))
        return
    for link in links:
        role = context.labels.role(link.text)
        if role in LINK_ROLES:
            put_links(draft, role, link.text, [link])
        elif label or link.text:
            draft.links.append(Link(link_label(label, link, len(links) > 1), link.url, link.note))


def link_label(label: str, link: ValueLink, several: bool) -> str:
    """A link's own text names it among several (`[PDF](...)`), unless that text is its URL."""
    if (several or not label) and link.text and "://" not in link.text and link.text != link.url:
        return link.text
    return label


def read_links_line(draft: CardDraft, line: str, context: Context) -> None:
    """A line of links without a label (`[Paper](...) | [Code](...)`): links whose text names a field."""
    keep_other(draft, "", context.inline.children(line), context)


def heading_title(inline: Token, reader: InlineReader) -> tuple[str, str, tuple[str, ...]]:
    """(plain, html, formula parts) of a card heading without its number or 《》: `### 1、$\\alpha$-Net`."""
    children = list(inline.children or [])
    if children and children[0].type == "text":
        children[0] = _text(papers.NUMBER_PREFIX.sub("", children[0].content, count=1).lstrip("《"))
    if children and children[-1].type == "text":
        children[-1] = _text(children[-1].content.rstrip().removesuffix("》"))
    plain = papers.strip_number(reader.plain(list(inline.children or [])))
    return plain, reader.title_html(children), reader.title_tex(children)


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok
