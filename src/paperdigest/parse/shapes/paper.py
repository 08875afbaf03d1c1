"""One-paper notes: a whole file about one paper, its facts in the lines under the title.

    # Sparse Attention Decoupling for Long Context       <- the paper's title (or front matter's)
    **会议**: ICLR 2026                                  <- field lines, in any spelling of fields.py,
    **arXiv**: [2601.16736](https://arxiv.org/abs/...)      plain, bold, quoted or listed, anywhere
    - 代码：https://github.com/a/b                          before the first section
    ## 摘要                                              <- the first section: its first paragraph
    ...                                                     is the summary; other arXiv links are cited

The note is that paper's primary mention (section main). Without an arXiv field, the first arXiv
reference before the first section (a badge, a `[Paper](...)` link) gives the paper's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

from paperdigest.model import MAIN, Link
from paperdigest.parse import papers
from paperdigest.parse.draft import CardDraft, Context, heading_title, read_line, read_links_line
from paperdigest.parse.fields import Labels, read_field, strip_block_markers
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.base import Found
from paperdigest.parse.shapes.tokens import Lines, UsedIds

HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
IDENTIFYING = {"url", "code", "title"}
CARD_HEADINGS = 2  # this many headings each followed by field lines: a digest of several papers
LOOKAHEAD = 4  # lines after a heading where a card's fields start
# What a note's heading says it is, before the paper's name: "论文笔记：", "【论文解读】", "[论文阅读]",
# "精读 | ", "Paper notes: ", "Reading notes - ".
_NOTE_WORDS = r"(?:(?:论文)?(?:阅读)?(?:笔记|阅读|解读|精读|速读|分享)|paper\s+(?:notes?|reading|review)|reading\s+notes?)"
NOTE_LABEL = re.compile(
    rf"^\s*(?:【\s*{_NOTE_WORDS}\s*】|\[\s*{_NOTE_WORDS}\s*\]|{_NOTE_WORDS}\s*[：:｜|\-–—])\s*", re.IGNORECASE
)
AUTOLINK = re.compile(r"<https?://[^>\s]+>")


def detect(body: str, labels: Labels) -> bool:
    """Two or more known field lines before the first section, and the paper named there (a URL, code
    or title field, an arXiv reference, a `[Paper](...)` link); not a digest whose headings each
    carry fields of their own."""
    lines = unfenced_lines(body)
    head = head_lines(lines)
    found = [f for f in (read_field(strip_block_markers(line), labels) for line in head) if f and f.role]
    if len(found) < 2:
        return False
    named = {f.role for f in found} & IDENTIFYING or any(names_the_paper(line, labels) for line in head)
    return bool(named) and card_headings(lines, labels) < CARD_HEADINGS and not several_papers(head, labels)


def several_papers(head: list[str], labels: Labels) -> bool:
    """The field lines name two papers: two arXiv ids (`arXiv:2401.01234 [cs.CL]` lines of a daily
    dump, `论文地址：` lines of a repost, arXiv URLs on lines of their own in a plain list) or two
    titles (`Title:` lines). Such a file lists papers; read as one note, it made one paper of them
    all, titled by the file's first line."""
    ids, titles = set(), set()
    for line in head:
        line = strip_block_markers(line)
        field = read_field(line, labels)
        if field and field.role == "title":
            titles.add(field.value)
        elif (
            (field and field.role == "url")
            or papers.bare_arxiv_id(line)
            or papers.URL.fullmatch(line.strip())
        ):
            ids.add(papers.arxiv_id(line))
    return len(ids - {""}) > 1 or len(titles) > 1


def names_the_paper(line: str, labels: Labels) -> bool:
    """An arXiv reference, or a link labelled as the paper or its code: `[Paper](...) | [Code](...)`."""
    links = papers.MARKDOWN_LINK.findall(line)
    return bool(papers.arxiv_id(line)) or any(labels.role(text) in ("url", "code") for text, _ in links)


def unfenced_lines(body: str) -> list[str]:
    """The body's lines with fenced code blanked, so that `# comment` in code is no heading."""
    out, fenced = [], False
    for line in body.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        out.append("" if fenced or FENCE.match(line) else line)
    return out


def head_lines(lines: list[str]) -> list[str]:
    """Lines before the first section: the first heading may be an h1, the title, skipped."""
    head: list[str] = []
    for k, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading and (len(heading.group(1)) > 1 or any(HEADING.match(x) for x in lines[:k])):
            break
        if not heading:
            head.append(line)
    return head


def card_headings(lines: list[str], labels: Labels) -> int:
    def has_fields(k: int) -> bool:
        near = (strip_block_markers(x) for x in lines[k + 1 : k + 1 + LOOKAHEAD] if x.strip())
        return any((f := read_field(x, labels)) and f.role for x in near)

    return sum(1 for k, line in enumerate(lines) if HEADING.match(line) and has_fields(k))


@dataclass(frozen=True)
class Head:
    title_index: int | None  # the h1's heading_open, when the note has one
    end: int  # index of the first section's heading_open (or len(tokens))


def find_head(tokens: list[Token]) -> Head:
    title_index = None
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open" or tok.level != 0:
            continue
        if tok.tag == "h1" and title_index is None and not any_heading_before(tokens, i):
            title_index = i
            continue
        return Head(title_index, i)
    return Head(title_index, len(tokens))


def any_heading_before(tokens: list[Token], index: int) -> bool:
    return any(t.type == "heading_open" for t in tokens[:index])


def extract(tokens: list[Token], lines: Lines, _used: UsedIds, context: Context) -> Found:
    head = find_head(tokens)
    draft = CardDraft(
        title=context.title,
        heading_index=head.title_index,
        anchor="",
        line=0,
        position=1,
        section=MAIN,
        title_html=context.title_html,
        title_tex=context.title_tex,
    )
    if head.title_index is not None:
        heading = tokens[head.title_index]
        draft.title, draft.title_html, draft.title_tex = heading_title(
            tokens[head.title_index + 1], context.inline
        )
        draft.anchor, draft.line = str(heading.attrGet("id") or ""), lines.of(heading)
    draft.title, draft.title_html, draft.title_tex = without_note_label(
        draft.title, draft.title_html, draft.title_tex
    )
    h1_title, h1_html = draft.title, draft.title_html
    read_head(draft, tokens[: head.end], context, lines)
    if (
        draft.title != h1_title
        and h1_title
        and not draft.translated_title
        and not names_short(h1_title, draft.title)
    ):
        draft.translated_title, draft.translated_title_html = h1_title, h1_html  # `**Title**:` named it
    if not any(papers.arxiv_id(url) for url in (draft.url, *(link.url for link in draft.links))):
        found = first_arxiv_reference(tokens[: head.end])
        if found and draft.url:
            draft.links.append(Link("arXiv", found))
        elif found:
            draft.url = found
    if not draft.summary:
        draft.summary = first_paragraph(tokens, head.end)
    return Found(cards=[(head.title_index, draft.freeze())])


def without_note_label(
    title: str, title_html: str, title_tex: tuple[str, ...]
) -> tuple[str, str, tuple[str, ...]]:
    """'论文笔记：DoRA: Weight-Decomposed ...' -> 'DoRA: Weight-Decomposed ...': the label says what the
    note is, and was kept in the paper's title (which then differed from every other digest's)."""
    label = NOTE_LABEL.match(title)
    if not label or not title[label.end() :].strip():
        return title, title_html, title_tex
    cut = title[: label.end()]
    html = title_html[label.end() :] if title_html.startswith(cut) else ""
    tex = (
        (title_tex[0][label.end() :].lstrip(), *title_tex[1:])
        if title_tex[:1] and title_tex[0].startswith(cut)
        else ()
    )
    return title[label.end() :].strip(), html.strip(), tex


def names_short(h1: str, title: str) -> bool:
    """The h1 is the paper's short name ('Mamba' for 'Mamba: Linear-Time ...'), not a translation."""
    return title.casefold().startswith(h1.casefold())


def read_head(draft: CardDraft, tokens: list[Token], context: Context, lines: Lines) -> None:
    """Every field line before the first section; lines of bare links add those naming a field."""
    for k, tok in enumerate(tokens):
        if tok.type != "inline" or tokens[k - 1].type == "heading_open":
            continue
        in_list = any(t.type == "list_item_open" for t in tokens[max(0, k - 2) : k])
        for line in tok.content.split("\n"):
            if read_line(draft, line.strip(), in_list, context) is not None:
                draft.line = draft.line or lines.of(tok)
            elif is_links_line(line):
                read_links_line(draft, line, context)


def is_links_line(line: str) -> bool:
    """Links and separators only (`📄 [Paper](...) | [Code](...)`), not a sentence that holds a link."""
    rest = AUTOLINK.sub("", papers.MARKDOWN_LINK.sub("", line))
    return rest != line and not re.search(r"\w", rest)


def first_arxiv_reference(tokens: list[Token]) -> str:
    for tok in tokens:
        for child in tok.children or []:
            aid = papers.arxiv_id(str(child.attrGet("href") or "")) or (
                papers.arxiv_id(child.content) if child.type in ("text", "html_inline") else ""
            )
            if aid:
                return papers.arxiv_abs_url(aid)
        if tok.type == "html_block" and papers.arxiv_id(tok.content):
            return papers.arxiv_abs_url(papers.arxiv_id(tok.content))
    return ""


def first_paragraph(tokens: list[Token], start: int) -> str:
    """The summary: the first top-level paragraph of the note's sections."""
    for i in range(start, len(tokens)):
        if tokens[i].type == "paragraph_open" and tokens[i].level == 0:
            return plain_text(tokens[i + 1])
    return ""
