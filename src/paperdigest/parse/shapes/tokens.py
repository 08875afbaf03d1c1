"""Small operations on the markdown-it token stream shared by the shape parsers.

Shapes add anchors and structure through tokens (never by rewriting rendered HTML): a paragraph
becomes a heading, a link or a phrase gets an id, a bare URL becomes a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from paperdigest.parse.markdown import heading_slug, plain_text


@dataclass(frozen=True)
class Lines:
    """Maps token line numbers back to the digest file (plain-text shapes parse a rewritten text)."""

    offset: int  # 1-based file line of the body's first line
    line_map: tuple[int, ...] = ()  # parsed-text line (0-based) -> body line (0-based); empty = same

    def file_line(self, parsed_line: int) -> int:
        if self.line_map:
            parsed_line = self.line_map[min(parsed_line, len(self.line_map) - 1)]
        return self.offset + parsed_line

    def of(self, tok: Token) -> int:
        return self.file_line(tok.map[0]) if tok.map else 0

    def of_child(self, inline: Token, child_index: int) -> int:
        """Line of one inline child: the block's first line plus the line breaks before it."""
        if not inline.map:
            return 0
        return self.file_line(inline.map[0] + breaks_before(inline)[child_index])


def breaks_before(inline: Token) -> list[int]:
    """The line breaks before each child of `inline`, counted once for its current children (a
    count per call was quadratic in a long paragraph of citations)."""
    children = inline.children or []
    kept = inline.meta.get("breaks_before")
    if kept is None or kept[0] is not children:
        counts = accumulate((c.type in ("softbreak", "hardbreak") for c in children), initial=0)
        kept = inline.meta["breaks_before"] = (children, list(counts))
    return kept[1]


def closing(tokens: list[Token], start: int) -> int:
    """Index of the token that closes the block opened at `start`."""
    depth = 0
    for k in range(start, len(tokens)):
        depth += tokens[k].nesting
        if depth == 0:
            return k
    return len(tokens) - 1


class UsedIds(set):
    """The ids a page has, and for each base of unique_id the next suffix to try: a thousand
    entries of one title take a thousand steps, not half a million."""

    def __init__(self) -> None:
        super().__init__()
        self.next_suffix: dict[str, int] = {}


def used_ids(tokens: list[Token]) -> UsedIds:
    ids = UsedIds()
    for t in tokens:
        if found := t.attrs.get("id"):
            ids.add(str(found))
        for child in t.children or ():
            if found := child.attrs.get("id"):
                ids.add(str(found))
    return ids


def unique_id(base: str, used: UsedIds) -> str:
    base = re.sub(r"[^\w.\-]+", "-", base).strip("-") or "entry"
    candidate, n = base, used.next_suffix.get(base, 2)
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    used.add(candidate)
    used.next_suffix[base] = n
    return candidate


def to_heading(tokens: list[Token], index: int, level: int, used: UsedIds) -> str:
    """Turn the top-level paragraph opened at `index` into an h`level` with an id; returns the id."""
    open_, inline, close = tokens[index], tokens[index + 1], tokens[index + 2]
    anchor = unique_id(heading_slug(plain_text(inline))[:80], used)
    for tok, kind in ((open_, "heading_open"), (close, "heading_close")):
        tok.type, tok.tag, tok.markup = kind, f"h{level}", "#" * level
    open_.attrSet("id", anchor)
    return anchor


def set_id(tok: Token, base: str, used: UsedIds) -> str:
    """The token's id, giving it a fresh one when it has none."""
    if tok.attrGet("id"):
        return str(tok.attrGet("id"))
    anchor = unique_id(base, used)
    tok.attrSet("id", anchor)
    return anchor


def link_tokens(href: str, text: str) -> list[Token]:
    link_open = Token("link_open", "a", 1)
    link_open.attrSet("href", href)
    body = Token("text", "", 0)
    body.content = text
    return [link_open, body, Token("link_close", "a", -1)]


def span_tokens(anchor: str, text: str, css_class: str) -> list[Token]:
    start, body, end = Token("html_inline", "", 0), Token("text", "", 0), Token("html_inline", "", 0)
    start.content = f'<span class="{css_class}" id="{escapeHtml(anchor)}">'
    body.content, end.content = text, "</span>"
    return [start, body, end]


HTML_A_OPEN = re.compile(r"<a[\s>]", re.IGNORECASE)
HTML_A_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)


def replace_in_text(
    inline: Token, pattern: re.Pattern, make: Callable[[re.Match], list[Token] | None]
) -> None:
    """Replace matches of `pattern` in the plain text children (outside links, Markdown's or raw
    `<a>...</a>`) by `make(match)`."""
    children, result, in_link = inline.children or [], [], 0
    for child in children:
        in_link += (child.type == "link_open") - (child.type == "link_close")
        if child.type == "html_inline":
            in_link += bool(HTML_A_OPEN.match(child.content)) - bool(HTML_A_CLOSE.match(child.content))
        if child.type != "text" or in_link or not pattern.search(child.content):
            result.append(child)
            continue
        pos = 0
        for m in pattern.finditer(child.content):
            made = make(m)
            if made is None:
                continue
            result.append(_text(child.content[pos : m.start()]))
            result.extend(made)
            pos = m.end()
        result.append(_text(child.content[pos:]))
    inline.children = [c for c in result if c.type != "text" or c.content]


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


# A URL ends at a space, a bracket, quote or Chinese character (`详见https://x.org/a。`), and
# not on the punctuation of the sentence around it.
BARE_URL = re.compile(
    r"https?://[^\s<>\"'()\[\]\u3000-\u9fff\uff00-\uffef]+[^\s<>\"'()\[\]\u3000-\u9fff\uff00-\uffef.,;:!?]"
)


def linkify(tokens: list[Token]) -> None:
    """Bare http(s) URLs in text become links, as on GitHub (and plain-text digests write URLs on
    lines of their own)."""
    for tok in tokens:
        if tok.type == "inline" and "http" in tok.content:
            replace_in_text(tok, BARE_URL, lambda m: link_tokens(m.group(0), m.group(0)))


SENTENCE_END = re.compile(r"[。！？!?；;]|(?<![A-Z])\.(?=\s)")  # "S. Kim" is not a sentence end


def sentence_around(inline: Token, first: int, last: int, limit: int = 400) -> str:
    """The sentence of a paragraph that holds children first..last (a citation's context)."""
    children = inline.children or []
    # Raw content (TeX, markup) is longer than the plain text it makes: four times the limit.
    start, stop = _reach(children, first, -1, 4 * limit), _reach(children, last, 1, 4 * limit)
    before = plain_text(_with_children(children[start:first]))
    middle = plain_text(_with_children(children[first : last + 1]))
    after = plain_text(_with_children(children[last + 1 : stop]))
    starts = [m.end() for m in SENTENCE_END.finditer(before)]
    head = before[starts[-1] :] if starts else before
    end = SENTENCE_END.search(after)
    tail = after[: end.end()] if end else after
    space_before = " " if first and _spaced(children[first - 1].content[-1:]) else ""
    space_after = " " if last + 1 < len(children) and _spaced(children[last + 1].content[:1]) else ""
    sentence = f"{head}{space_before}{middle}{space_after}{tail}".strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _reach(children: list[Token], index: int, step: int, limit: int) -> int:
    """How far from child `index` (back for step -1, on for +1) the sentence can reach: as far as
    `limit` characters of content go, past where a sentence is cut anyway. Without it, a paragraph
    of thousands of citations made each one's sentence from the whole paragraph (quadratic)."""
    seen, k = 0, index + step
    while 0 <= k < len(children) and seen <= limit:
        seen += len(children[k].content)
        k += step
    return k + 1 if step < 0 else k


def _spaced(char: str) -> bool:
    """plain_text trims each part: the space the author wrote beside a link is put back."""
    return char.isspace()


def _with_children(children: list[Token]) -> Token:
    tok = Token("inline", "", 0)
    tok.children = [c if c.type != "link_open" else _text("") for c in children]
    return tok
