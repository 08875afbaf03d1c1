"""Reading a field's value or a title: Markdown parsed by the digest's own parser.

Records keep plain text (no `**`, formulas as readable text); where a page shows a field, its rendered
inline HTML is kept beside it. Links come from Markdown links, autolinks, bare URLs, bare arXiv ids
(in paper fields) and bare host names (`gorilla.cs.berkeley.edu` -> https://gorilla.cs.berkeley.edu).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from paperdigest.parse import papers
from paperdigest.parse.markdown import formula_parts, plain_text
from paperdigest.parse.math import MATH_TYPES

PLAIN_TYPES = {"text", "softbreak", "hardbreak"}
# A title is shown inside links (lists, archive): its own links and images would nest or clutter.
UNWRAPPED = {"link_open", "link_close", "image"}
PIECE_SEPARATORS = re.compile(r"[\s,，、;；|｜]+")
NORMALIZED = re.compile(r"[\r\0]")  # what markdown-it's normalize rule rewrites
# Characters that end markdown-it's text rule but start no inline rule of the digest parser (no
# linkify, typographer, `==mark==` or `++ins++`; `{` starts the Jekyll and kramdown rules, `^[` an
# inline footnote): a value holding no other ends one text token, as URLs (`:`) and most values do.
INERT = frozenset(":-=#+%>]@}")


@dataclass(frozen=True)
class ValueLink:
    text: str  # the link's own text ("" for a URL written bare)
    url: str
    note: str = ""  # e.g. the "（检测数据集）" after a URL


class InlineReader:
    """Markdown fragments read with the digest's parser and env (its references and formulas)."""

    def __init__(self, md: MarkdownIt, env: dict):
        self.md, self.env = md, env
        # markdown-it's first inline rule takes any run of characters up to one of these: a value
        # without them is one text token, which most values are (affiliations, venues, titles).
        rules = md.inline.ruler.get_active_rules()
        self.plain_text = md.inline.terminator_re if rules[:1] == ["text"] else None

    def children(self, text: str) -> list[Token]:
        """`text` as inline tokens. A fragment has no line of its own: its formulas are located where
        the body shows them, so a formula KaTeX rejects is reported once, at its line."""
        if not text.strip():
            return []
        if self.one_text(text):
            return [Token("text", "", 0, content=text)]  # what parseInline gives, in a sixth of the time
        children = self.md.parseInline(text, self.env)[0].children or []
        for child in children:
            if child.type in MATH_TYPES:
                child.meta["line"] = None
        return children

    def one_text(self, text: str) -> bool:
        """parseInline would give `text` as one text token: no character starts an inline rule."""
        if self.plain_text is None or NORMALIZED.search(text):
            return False
        return all(end.group() in INERT for end in self.plain_text.finditer(text))

    def plain(self, children: list[Token]) -> str:
        """Text without Markdown; raw HTML stays as the author typed it, shown as text, never run."""
        return plain_text(_inline([_as_text(c) if c.type == "html_inline" else c for c in children]))

    def title_html(self, children: list[Token]) -> str:
        """A title as inline HTML without its links, or '' when it is plain text (escaped text then
        says the same): `**自监督**` -> '<strong>自监督</strong>', a formula typeset."""
        shown = [_as_text(c) if c.type == "html_inline" else c for c in children if c.type not in UNWRAPPED]
        if all(c.type in PLAIN_TYPES for c in shown):
            return ""
        return self.md.renderer.renderInline(shown, self.md.options, self.env).strip()

    def title_tex(self, children: list[Token]) -> tuple[str, ...]:
        """A title split at its formulas (markdown.formula_parts), read as `plain` reads it."""
        return formula_parts(_inline([_as_text(c) if c.type == "html_inline" else c for c in children]))

    def links(self, children: list[Token], *, bare_ids: bool = False) -> list[ValueLink]:
        """Every link of a value, in order; `bare_ids`: '2306.00005' alone is that arXiv paper."""
        found: list[ValueLink] = []
        i = 0
        while i < len(children):
            child = children[i]
            if child.type == "link_open":
                end = _link_close(children, i)
                following = children[end + 1] if end + 1 < len(children) else None
                note = (
                    papers.URL_NOTE.match(following.content)
                    if following and following.type == "text"
                    else None
                )
                text = self.plain(children[i + 1 : end])
                href = str(child.attrGet("href") or "")
                found.append(ValueLink(text, href, note.group(1).strip() if note else ""))
                i = end + 1
                continue
            if child.type == "text":
                found += urls_in_text(child.content, bare_ids)
            i += 1
        return found


def urls_in_text(text: str, bare_ids: bool) -> list[ValueLink]:
    """URLs written as text, each with the bracketed note after it; then bare ids and host names."""
    found = []
    for m in papers.URL.finditer(text):
        note = papers.URL_NOTE.match(text[m.end() :])
        found.append(ValueLink("", m.group(0), note.group(1).strip() if note else ""))
    for piece in PIECE_SEPARATORS.split(papers.URL.sub(" ", text)):
        aid = papers.bare_arxiv_id(piece) if bare_ids else ""
        url = papers.arxiv_abs_url(aid) if aid else papers.bare_domain_url(piece)
        if url:
            found.append(ValueLink("", url))
    return found


def _link_close(children: list[Token], start: int) -> int:
    for k in range(start + 1, len(children)):
        if children[k].type == "link_close":
            return k
    return len(children) - 1


def _as_text(tok: Token) -> Token:
    text = Token("text", "", 0)
    text.content = tok.content
    return text


def _inline(children: list[Token]) -> Token:
    tok = Token("inline", "", 0)
    tok.children = children
    return tok
