"""Math with kramdown semantics on top of mdit-py-plugins' dollarmath and texmath.

`$$..$$` inside a paragraph is inline, `$$` on lines of its own is display math (blank lines
allowed), `$..$` is inline by pandoc's rule (so `$10-$20` stays text), `\\(..\\)` and `\\[..\\]`
too. As MathJax does on such pages, a `\\begin{align}` .. `\\end{align}` block without `$$` is
display math, and the formulas in the text of raw HTML blocks are math. The TeX is kept verbatim
(HTML-escaped) in an element that KaTeX typesets in the browser; Markdown never touches it. When
the render `env` carries a "math" collector (build-time typesetting, see paperdigest.mathrender),
each formula is handed to it with its source line and the collector's placeholder goes into the
HTML instead.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from html import unescape

from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table as gfm_table
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_block_dollar, math_inline_dollar
from mdit_py_plugins.texmath.index import make_block_func, make_inline_func
from mdit_py_plugins.texmath.index import rules as texmath_rules

from paperdigest.parse.mathtext import DEFINES, KATEX_SCOPE, as_latex, readable
from paperdigest.parse.offsets import first_at_or_after


def render_math(tex: str, display: bool) -> str:
    tag, kind = ("div", "display") if display else ("span", "inline")
    return f'<{tag} class="math {kind}">{escapeHtml(tex.strip())}</{tag}>'


def kramdown_math_inline():
    """`$$..$$` as before (spaces inside allowed); `$..$` by pandoc's rule: no space right after the
    opening `$` or right before the closing one, and no digit right after the closing one, so text
    with dollar amounts (`$10-$20`, a lone `$`, `US$5`) is not taken for a formula."""
    double = math_inline_dollar(allow_space=True, allow_digits=False, allow_double=True)
    single = math_inline_dollar(allow_space=False, allow_digits=False, allow_double=False)

    def rule(state: StateInline, silent: bool) -> bool:
        if state.src.startswith("$$", state.pos):
            return double(state, silent)
        return single(state, silent)

    return rule


def kramdown_math_block():
    """dollarmath's block rule, except that `$$a$$ and $$b$$` on one line is a paragraph, and that
    a `$$` line opening a closed block ends the paragraph, quote or list above it (`$$` on lines
    of its own is display math even with no blank line before it)."""
    block = math_block_dollar(allow_labels=False, allow_blank_lines=True)

    def rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        begin, line_end = state.bMarks[start] + state.tShift[start], state.eMarks[start]
        if not state.src.startswith("$$", begin, line_end):  # as dollarmath says, without a copy of each line
            return False
        line = state.src[begin:line_end].strip()
        one_line = len(line) > 2 and line.endswith("$$")
        if not one_line and not closes(state, start, end):
            return False  # never closed: dollarmath would scan each `$$ x` line to the note's end
        if silent:  # asked whether this line interrupts a paragraph; dollarmath would push a token
            return line == "$$"
        if len(line) > 4 and line.endswith("$$") and "$$" in line[2:-2]:
            return False
        return block(state, start, end, silent)

    return rule


LINE_END_DOLLARS = re.compile(r"\$\$[ \t]*$", re.MULTILINE)


def closes(state: StateBlock, start: int, end: int) -> bool:
    """A line after `start`, before `end`, ends with `$$`, as dollarmath's block rule looks for one."""
    at = first_at_or_after(state.src, LINE_END_DOLLARS, state.eMarks[start] + 1)
    return at is not None and at < state.eMarks[end - 1]


# LaTeX's display environments, which MathJax typesets where they stand (no `$$` around them).
ENVIRONMENT = re.compile(r"\\begin\{((?:equation|align|gather|multline|eqnarray|alignat|flalign)\*?)\}")
# KaTeX 0.16 has no flalign; align is the same environment without the stretch to the margins.
# (multline and eqnarray have no equivalent as simple: KaTeX shows them as a marked error.)
KATEX_ENVIRONMENT = {"flalign": "align", "flalign*": "align*"}


def environment_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line that starts with `\\begin{align}` (and the like), up to the line that ends with its
    `\\end{align}`, blank lines allowed: display math with its environment kept. Like a `$$`
    line, it may interrupt a paragraph, quote or list. One that is never closed stays text and is
    recorded in env["unclosed_environments"] (line -> name) for a located warning; one closed
    with text after `\\end{..}` on its line stays text too, as a `$$` line with text after it."""
    if state.is_code_block(start):
        return False
    begin, line_end = state.bMarks[start] + state.tShift[start], state.eMarks[start]
    if not state.src.startswith("\\begin{", begin, line_end):  # the cheap test: tried on every line
        return False
    opened = ENVIRONMENT.match(state.src, begin, line_end)
    if not opened:
        return False
    name = opened.group(1)
    last, at_line_end = closing_line(state, start, end, name, opened.end())
    if last is None:
        state.env.setdefault("unclosed_environments", {})[start] = name
    if last is None or not at_line_end:
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = katex_environment(state.getLines(start, last + 1, state.blkIndent, False), name)
    token.markup = name
    token.map = [start, last + 1]
    state.line = last + 1
    return True


def closing_line(state: StateBlock, start: int, end: int, name: str, after: int) -> tuple[int | None, bool]:
    """The first line from `start` with `\\end{name}`, and whether the line ends there (`after`:
    where the text after `\\begin{name}` starts on the first line). Found by bisection in the
    note's `\\end{name}` offsets, so that many unclosed environments stay linear."""
    closing = f"\\end{{{name}}}"
    at = first_at_or_after(state.src, re.compile(re.escape(closing)), after)
    if at is None:
        return None, False
    line = bisect_left(state.eMarks, at + len(closing), start, end)  # the line holding it
    if line >= end:
        return None, False
    first = state.bMarks[line] + state.tShift[line] if line > start else after
    return line, state.src[first : state.eMarks[line]].rstrip().endswith(closing)


def katex_environment(tex: str, name: str) -> str:
    """The environment KaTeX typesets for `name`: its own, or the one it stands for."""
    other = KATEX_ENVIRONMENT.get(name)
    if other is None:
        return tex
    tex = tex.replace(f"\\begin{{{name}}}", f"\\begin{{{other}}}", 1)
    head, _, tail = tex.rpartition(f"\\end{{{name}}}")
    return f"{head}\\end{{{other}}}{tail}"


def math_plugin(md: MarkdownIt) -> None:
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=True,
        allow_digits=False,
        allow_blank_lines=True,
        double_inline=True,
    )
    md.inline.ruler.at("math_inline", kramdown_math_inline())
    # Like a fence, a display block may start right under a line of text, in a quote or a list.
    interrupts = {"alt": ["paragraph", "reference", "blockquote", "list"]}
    md.block.ruler.at("math_block", kramdown_math_block(), interrupts)
    md.block.ruler.after("math_block", "math_environment", environment_block, interrupts)
    # \(..\) and \[..\]: texmath's rules, placed as its plugin places them (its token types are
    # dollarmath's), each tried only where its closing mark follows.
    for rule in texmath_rules["brackets"]["inline"]:
        md.inline.ruler.before("escape", rule["name"], closed_inline(rule))
    for rule in texmath_rules["brackets"]["block"]:
        md.block.ruler.before("fence", rule["name"], closed_block(rule))
    md.core.ruler.push("math_lines", math_lines_rule)
    md.core.ruler.after("math_lines", "math_macros", math_macros_rule)
    rules = md.add_render_rule
    rules("math_inline", lambda self, t, i, o, e: math_html(t[i], False, e))
    # kramdown: $$..$$ inside a paragraph is inline math, not a display block.
    rules("math_inline_double", lambda self, t, i, o, e: math_html(t[i], False, e))
    rules("math_block", lambda self, t, i, o, e: math_html(t[i], True, e) + "\n")
    # texmath's `\[x\] (1)`: display math numbered as written, the number typeset by KaTeX's \tag.
    rules("math_block_eqno", lambda self, t, i, o, e: math_html(numbered(t[i]), True, e) + "\n")


def table_math_pipes(md: MarkdownIt) -> None:
    """GFM splits a table row at every `|` before inline parsing, so `$|x|$`, `$$O(|E|)$$` or
    `$\\|x\\|$` in a cell would be cut into cells (and the cells past the header's count dropped).
    kramdown parses a row's spans first and splits only the text between them: nothing inside math
    is touched by Markdown. The table rule here reads its rows with each `|` inside a formula
    masked; outside math GFM's rules stay (`\\|` is a pipe in text, code spans and raw HTML)."""

    def table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if start + 2 > end or not DELIMITER_ROW.match(
            state.src, state.bMarks[start + 1] + state.tShift[start + 1]
        ):
            return False  # not a table: the cheap test, as this rule is tried on every paragraph line
        if not gfm_table_masked(state, start, start + 1, end, True):
            return False
        if silent:
            return True
        return gfm_table_masked(state, start, table_end(state, start, end), end, False)

    md.block.ruler.at("table", table, {"alt": ["paragraph", "reference"]})  # as markdown-it has it


# GFM's delimiter row (`|---|:--:|`): only these characters, as markdown-it's table rule checks.
DELIMITER_ROW = re.compile(r"[-:|][-:| \t]*$", re.MULTILINE)
PIPE = "\ue000"  # stands for a `|` inside a formula while the table rule splits the row


def table_end(state: StateBlock, start: int, end: int) -> int:
    """The line after the last that may be a row: a table ends at a blank line at the latest."""
    line = start + 2
    while line < end and state.bMarks[line] + state.tShift[line] < state.eMarks[line]:
        line += 1
    return line


def gfm_table_masked(state: StateBlock, start: int, stop: int, end: int, silent: bool) -> bool:
    """markdown-it's table rule on the source with the `|` inside formulas masked (the same
    length, so every line offset holds) when lines start..stop have any; the cells get their `|`
    back."""
    source = state.src
    region = source[state.bMarks[start] : state.eMarks[stop - 1]]
    masked = None
    if "|" in region and ("$" in region or "\\(" in region):
        masked = masked_source(state)
    if masked is None:
        return gfm_table(state, start, end, silent)
    first = len(state.tokens)
    state.src = masked
    try:
        found = gfm_table(state, start, end, silent)
    finally:
        state.src = source
    for token in state.tokens[first:]:
        if token.type == "inline":
            token.content = token.content.replace(PIPE, "|")
    return found


def masked_source(state: StateBlock) -> str | None:
    """The source with each `|` of a formula as PIPE, line by line, made once per source (a
    digest's tables, its quotes' and its lists' share it: a copy per table was quadratic); None
    when the text holds PIPE itself, which could not be told apart."""
    cached = state.env.get("math_pipes_masked")
    if cached is not None and cached[0] is state.src:
        return cached[1]
    masked = None if PIPE in state.src else "".join(map(masked_line, state.src.splitlines(keepends=True)))
    state.env["math_pipes_masked"] = (state.src, masked)
    return masked


def masked_line(line: str) -> str:
    if "|" not in line or ("$" not in line and "\\(" not in line):
        return line
    pieces, last = [], 0
    for span_start, span_end in math_spans(line):
        pieces += [line[last:span_start], line[span_start:span_end].replace("|", PIPE)]
        last = span_end
    return "".join(pieces) + line[last:]


def math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each formula in a line of inline text, found by the inline math rules
    themselves (code spans are code, as in a paragraph)."""
    env: dict = {"math_spans": []}
    parser = math_span_parser()
    parser.inline.parse(text, parser, env, [])
    return env["math_spans"]


@lru_cache(maxsize=1)
def math_span_parser() -> MarkdownIt:
    """Only code spans and the inline math rules, each formula's offsets recorded in env."""
    md = MarkdownIt("zero")
    md.enable("backticks")
    md.inline.ruler.push("math_dollars", recorded(kramdown_math_inline()))
    md.inline.ruler.push("math_parens", recorded(closed_inline(BRACKETS[0])))
    return md


def recorded(rule):
    def record(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, silent):
            return False
        state.env["math_spans"].append((start, state.pos))
        return True

    return record


def numbered(token: Token) -> Token:
    tagged = Token("math_block", "math", 0, map=token.map, meta=dict(token.meta))
    tagged.content = f"{token.content.strip()} \\tag{{{token.info}}}"
    return tagged


def math_html(token, display: bool, env: dict) -> str:
    collector = env.get("math")
    if collector is None:
        return render_math(token.content, display)
    return collector.formula(token.content.strip(), display, token.meta.get("line"))


# In raw HTML a formula is in text only: not in a tag or comment, nor inside these elements.
RAW_TEXT_ELEMENT = re.compile(r"<(pre|code|script|style|textarea)(?=[\s/>])", re.IGNORECASE)
# texmath's rule for \\(..\\), and the same for \\[..\\], which Markdown only has as a block.
BRACKETS = [
    {"name": "math_inline", "rex": re.compile(r"^\\\((.+?)\\\)", re.DOTALL), "tag": "\\("},
    {"name": "math_display", "rex": re.compile(r"^\\\[(.+?)\\\]", re.DOTALL), "tag": "\\["},
]


@lru_cache(maxsize=1)
def html_text_parser() -> MarkdownIt:
    """Finds the formulas of raw HTML's text as MathJax does on a kramdown page (kramdown leaves
    raw HTML alone): `$..$` by the pandoc rule of Markdown text and `\\(..\\)` inline, `$$..$$`
    and `\\[..\\]` display. Nothing else: the rest of the text is HTML, kept as written."""
    md = MarkdownIt("zero")
    md.inline.ruler.push("math_dollars", kramdown_math_inline())
    for rule in BRACKETS:
        md.inline.ruler.push(rule["name"], closed_inline(rule))
    return md


# The closing mark of each texmath delimiter. texmath's regexes run on a copy of the rest of the
# text from each opening mark and scan it to the end when no closing mark comes: a line of many
# unclosed `\(`, or a note whose lines start with `\[1] Author` (as pandoc escapes a reference's
# bracket), was quadratic (2,000 such lines above 4 MB of text: 103 s). The rules below look the
# closing mark up once per text first (parse.offsets), and call texmath's only when one follows.
CLOSING = {"\\(": re.compile(r"\\\)"), "\\[": re.compile(r"\\\]")}


def closed_inline(rule: dict):
    """texmath's inline rule for `rule`, tried only where its closing mark comes later in the text
    (after at least one character: the regex's `.+?`)."""
    texmath = make_inline_func(rule)
    tag, closing = rule["tag"], CLOSING[rule["tag"]]

    def inline(state: StateInline, silent: bool) -> bool:
        if not state.src.startswith(tag, state.pos):
            return False
        if first_at_or_after(state.src, closing, state.pos + len(tag) + 1) is None:
            return False
        return texmath(state, silent)

    return inline


def closed_block(rule: dict):
    """texmath's block rule for `rule`, tried only where its closing mark comes in the block (a
    quote or list item, or the note) that the line is in: texmath accepts no other."""
    texmath = make_block_func(rule)
    tag, closing = rule["tag"], CLOSING[rule["tag"]]

    def block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        begin = state.bMarks[start] + state.tShift[start]
        if not state.src.startswith(tag, begin):
            return False
        at = first_at_or_after(state.src, closing, begin + len(tag) + 1)
        if at is None or at + len(tag) - 1 > state.eMarks[end - 1]:
            return False
        return texmath(state, start, end, silent)

    return block


def html_math(html: str, line: int | None, env: dict) -> str:
    """Raw HTML (an html_block starting on `line`) with the formulas of its text typeset, or kept
    for KaTeX.js, as formulas in Markdown are."""
    if "$" not in html and "\\(" not in html and "\\[" not in html:
        return html
    parts = []
    for piece, is_text in html_pieces(html):
        parts.append(text_math(piece, line, env) if is_text else piece)
        line = line + piece.count("\n") if line is not None else None
    return "".join(parts)


def html_pieces(html: str):
    """(piece, is_text) in order: text, and what holds no formula (a tag, a comment, an element
    from RAW_TEXT_ELEMENT with all it holds)."""
    pos = 0
    while pos < len(html):
        tag = HTML_TAG_RE.search(html, pos)
        start = tag.start() if tag else len(html)
        comment = html.find("<!--", pos, start)
        if comment >= 0:  # a comment the tag pattern did not take is never closed: the rest is in it
            yield html[pos:comment], True
            yield html[comment:], False
            return
        yield html[pos:start], True
        if tag is None:
            return
        end = tag.end()
        raw = RAW_TEXT_ELEMENT.match(tag.group())
        if raw:
            close = re.compile(rf"</{raw.group(1)}\s*>", re.IGNORECASE).search(html, end)
            end = close.end() if close else len(html)
        yield html[start:end], False
        pos = end


def text_math(text: str, line: int | None, env: dict) -> str:
    """Text of raw HTML with its formulas typeset; their TeX is what a browser reads (`&lt;` is `<`)."""
    if "$" not in text and "\\" not in text:
        return text
    parts = []
    for child in html_text_parser().parseInline(text)[0].children or []:
        if child.type == "text":
            parts.append(child.content)
        else:
            formula = Token(child.type, "", 0, content=unescape(child.content), meta={"line": line})
            parts.append(math_html(formula, child.type != "math_inline", env))
        line = line + child.content.count("\n") if line is not None else None
    return "".join(parts)


MATH_TYPES = ("math_inline", "math_inline_double", "math_block", "math_block_eqno")


def math_lines_rule(state: StateCore) -> None:
    """Record each formula's 0-based source line in token.meta, for located KaTeX errors."""
    for token in state.tokens:
        if token.type in MATH_TYPES:
            token.meta["line"] = token.map[0] if token.map else None
        if token.type != "inline" or not token.map:
            continue
        line = token.map[0]
        for child in token.children or []:
            if child.type in MATH_TYPES:
                child.meta["line"] = line
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            else:
                line += child.content.count("\n")


@dataclass(frozen=True)
class FormulaAt:
    """A formula of a digest where its macros are concerned: its place and TeX, and its token
    (None for one in raw HTML, which is never read as text)."""

    line: int | None
    order: int
    tex: str
    token: Token | None = None


def math_macros_rule(state: StateCore) -> None:
    """Give each formula the macros in effect where it stands (token.meta["macros"], a MacroScope),
    for its readable text: the site's (env["site_macros"]), then the definitions of the formulas
    before it in the digest, in the order mathrender typesets them with (by line, then as met).
    A fragment read on its own (a title, a field: parsed inline) has no place in the body: it gets
    every definition of its digest (env["digest_macros"]), as it is typeset with them."""
    env = state.env
    site = env.get("site_macros") or KATEX_SCOPE
    if state.inlineMode:
        scope = env.get("digest_macros") or site
        for token in state.tokens:
            for child in token.children or []:
                if child.type in MATH_TYPES:
                    child.meta["macros"] = scope
        return
    scope = site
    for met in sorted(digest_formulas(state.tokens), key=lambda m: (m.line is None, m.line or 0, m.order)):
        if met.token is not None:
            met.token.meta["macros"] = scope
        if DEFINES.search(met.tex):
            scope = scope.after(met.tex)
    env["digest_macros"] = scope


def digest_formulas(tokens: list[Token]) -> list[FormulaAt]:
    """Every formula of a digest's tokens, in Markdown, and in the text of raw HTML blocks when it
    defines (`<div style="display:none">$$\\newcommand...$$</div>`, as MathJax users hide them)."""
    found: list[FormulaAt] = []
    for token in tokens:
        if token.type in MATH_TYPES:
            found.append(FormulaAt(token.meta.get("line"), len(found), token.content, token))
        elif token.type == "html_block" and DEFINES.search(token.content):
            line = token.map[0] if token.map else None
            found += [
                FormulaAt(at, len(found) + k, tex)
                for k, (at, tex) in enumerate(html_formulas(token.content, line))
            ]
        for child in token.children or []:
            if child.type in MATH_TYPES:
                found.append(FormulaAt(child.meta.get("line"), len(found), child.content, child))
    return found


def html_formulas(html: str, line: int | None) -> list[tuple[int | None, str]]:
    """(line, TeX) of each formula in the text of raw HTML, as html_math finds them."""
    found = []
    for piece, is_text in html_pieces(html):
        if is_text and ("$" in piece or "\\" in piece):
            at = line
            for child in html_text_parser().parseInline(piece)[0].children or []:
                if child.type != "text":
                    found.append((at, unescape(child.content)))
                at = at + child.content.count("\n") if at is not None else None
        line = line + piece.count("\n") if line is not None else None
    return found


def formula_text(token: Token) -> str:
    """A formula token as readable text, with the macros in effect where it stands."""
    return readable(token.content, token.meta.get("macros") or KATEX_SCOPE)


def formula_latex(token: Token) -> str:
    """A formula token as TeX for a LaTeX document, the macros in effect where it stands expanded."""
    return as_latex(token.content, token.meta.get("macros") or KATEX_SCOPE)
