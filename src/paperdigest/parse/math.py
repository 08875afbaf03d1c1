"""Math with kramdown semantics on top of mdit-py-plugins' dollarmath and texmath.

`$$..$$` inside a paragraph is inline, `$$` on lines of its own is display math (blank lines
allowed), `$..$` is inline, `\\(..\\)` and `\\[..\\]` too. The TeX is kept verbatim (HTML-escaped)
in an element that KaTeX typesets; Markdown never touches it.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_block_dollar
from mdit_py_plugins.texmath import texmath_plugin


def render_math(tex: str, display: bool) -> str:
    tag, kind = ("div", "display") if display else ("span", "inline")
    return f'<{tag} class="math {kind}">{escapeHtml(tex.strip())}</{tag}>'


def kramdown_math_block():
    """dollarmath's block rule, except that `$$a$$ and $$b$$` on one line is a paragraph."""
    block = math_block_dollar(allow_labels=False, allow_blank_lines=True)

    def rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]].strip()
        if len(line) > 4 and line.startswith("$$") and line.endswith("$$") and "$$" in line[2:-2]:
            return False
        return block(state, start, end, silent)

    return rule


def math_plugin(md: MarkdownIt) -> None:
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=True,
        allow_digits=False,
        allow_blank_lines=True,
        double_inline=True,
    )
    md.block.ruler.at("math_block", kramdown_math_block())
    # \(..\) and \[..\]; texmath emits the same token types as dollarmath.
    texmath_plugin(md, delimiters="brackets")
    rules = md.add_render_rule
    rules("math_inline", lambda self, t, i, o, e: render_math(t[i].content, False))
    # kramdown: $$..$$ inside a paragraph is inline math, not a display block.
    rules("math_inline_double", lambda self, t, i, o, e: render_math(t[i].content, False))
    rules("math_block", lambda self, t, i, o, e: render_math(t[i].content, True) + "\n")
