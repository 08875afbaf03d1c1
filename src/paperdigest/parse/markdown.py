"""The Markdown stage: one configured markdown-it instance and the rules that adapt it to digests.

Rendering a digest gives HTML, a table of contents and the token stream that `cards.py` reads.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import unique_slug
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from paperdigest.parse.cjk import cjk_friendly_plugin
from paperdigest.parse.digest_links import digest_links_plugin
from paperdigest.parse.jekyll import jekyll_plugin
from paperdigest.parse.liquid import liquid_plugin
from paperdigest.parse.local_files import local_files_plugin
from paperdigest.parse.math import formula_latex, formula_text, html_math, math_plugin, table_math_pipes
from paperdigest.parse.obsidian import obsidian_plugin
from paperdigest.parse.srcset import map_srcset

# kramdown inline attribute lists: `{: style="width:50%" .center #id}`.
# No `{` inside: each try stops at the next one. The spaces after `{:` are the list's (parse_ial skips
# them): a `\s*` of their own before the list took every split of a run of spaces never closed.
IAL = re.compile(r"\{:([^{}]*)\}")
# Written after a heading's text: kramdown's `{#id}`, or an attribute list `{#id .class}` / `{: #id}`.
# The spaces before it start where a run of them starts, not again at each of its spaces (quadratic).
HEADING_ATTRS = re.compile(r"(?<![ \t])[ \t]*\{(?::|(?=[#.]))([^{}]*)\}[ \t]*$")
# A key starts where a word starts: tried at every letter of a long word, it was quadratic.
IAL_ATTR = re.compile(r"""([#.])([\w-]+)|(?<![\w-])([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
LEAF_BLOCKS = ("fence", "code_block", "math_block", "html_block", "hr")
SAFE_IAL_KEYS = {"style", "width", "height", "alt", "title", "align", "class", "id"}
# Where raw HTML names a site-absolute URL (`/images/x.png`), as HTML reads attributes: any case,
# quoted or not, spaces around `=`; and in a srcset, or a `url()` in a style attribute.
SITE_ABSOLUTE = re.compile(r"""(\s(?:src|href|poster|action)\s*=\s*["']?)/(?!/)""", re.IGNORECASE)
SRCSET_ATTR = re.compile(r"""(\ssrcset\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
STYLE_ATTR = re.compile(r"""(\sstyle\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
CSS_URL = re.compile(r"""(\burl\(\s*(?:["']|&quot;|&#39;)?)/(?!/)""", re.IGNORECASE)
# Lists and quotes nested deeper than this are cut off (with a warning) instead of recursing on.
MAX_NESTING = 100
# The text stops at the next summary tag: a lazy `.*?` ran each unclosed <summary> to the end.
SUMMARY = re.compile(r"(<summary\b[^>]*>)((?:(?!</?summary\b).)*)(</summary\s*>)", re.IGNORECASE | re.DOTALL)
RAW_IMG = re.compile(r"<img\b(?![^>]*\bloading=)", re.IGNORECASE)
CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
CJK_LINE_BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")


def heading_slug(text: str) -> str:
    """GitHub-style ids that keep CJK and other letters: '1、PMC-LLaMA: x' -> '1pmc-llama-x'. As on
    GitHub (and kramdown), each space is a hyphen: 'Pros & Cons' -> 'pros--cons', the id authors
    link to (`[see](#pros--cons)`)."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-") or "section"


@lru_cache(maxsize=256)
def code_lexer(name: str):
    """Looked up once per language: Pygments' lookup scans its plugin registry every time."""
    try:
        return get_lexer_by_name(name) if name else None
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def code_formatter() -> HtmlFormatter:
    return HtmlFormatter(nowrap=True)


def highlight_code(code: str, lang: str, _attrs: str) -> str:
    lexer = code_lexer(lang.strip().split()[0] if lang.strip() else "")
    if lexer is None:
        return f'<pre class="highlight"><code>{escapeHtml(code)}</code></pre>\n'
    body = highlight(code, lexer, code_formatter())
    return f'<pre class="highlight"><code class="language-{escapeHtml(lang)}">{body}</code></pre>\n'


def parse_ial(text: str) -> list[tuple[str, str]]:
    attrs = []
    for m in IAL_ATTR.finditer(text):
        if m.group(1):
            attrs.append(("id" if m.group(1) == "#" else "class", m.group(2)))
        else:
            key, value = m.group(3).lower(), m.group(4) or m.group(5) or m.group(6) or ""
            if key in SAFE_IAL_KEYS:
                attrs.append((key, value))
    return attrs


def apply_attrs(token: Token, attrs: list[tuple[str, str]]) -> None:
    for key, value in attrs:
        if key == "class" and token.attrGet("class"):
            value = f"{token.attrGet('class')} {value}"
        token.attrSet(key, value)


def kramdown_ial_rule(state: StateCore) -> None:
    """Apply `{: ...}` to the element before it and never show it as text."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "inline" or "{:" not in token.content:
            continue
        whole = IAL.fullmatch(token.content.strip())
        if whole and i >= 2 and tokens[i - 1].type == "paragraph_open":
            # A block IAL on its own line: attach to the block before and drop the paragraph.
            target = _previous_block_open(tokens, i - 1)
            if target is not None:
                apply_attrs(target, parse_ial(whole.group(1)))
            _remove(tokens[i - 1 : i + 2])
            continue
        if i >= 1 and tokens[i - 1].type == "paragraph_open" and _strip_trailing_ial(token, tokens[i - 1]):
            continue
        if i >= 1 and tokens[i - 1].type == "paragraph_open":
            _strip_leading_ial(token, tokens[i - 1])
        for j, child in enumerate(token.children or []):
            if child.type == "text" and "{:" in child.content:
                prev = token.children[j - 1] if j else None
                for m in IAL.finditer(child.content):
                    if prev is not None and m.start() == 0 and prev.type in ("image", "link_close"):
                        target = prev if prev.type == "image" else _link_open_before(token.children, j)
                        if target is not None:
                            apply_attrs(target, parse_ial(m.group(1)))
                child.content = IAL.sub("", child.content)


def heading_attrs_rule(state: StateCore) -> None:
    """Before `anchor`: attributes written after a heading, or on the line below it, apply to the
    heading and leave its text (so its TOC entry and card title). A written id is made unique the
    way generated ones are (-1, -2); `anchor` then keeps it and generates ids that avoid it."""
    tokens = state.tokens
    written: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        apply_attrs(tok, _trailing_heading_attrs(tokens[i + 1]) + _ial_paragraph_at(tokens, i + 3))
        if tok.attrGet("id"):
            tok.attrSet("id", unique_slug(str(tok.attrGet("id")), written))


def _trailing_heading_attrs(inline: Token) -> list[tuple[str, str]]:
    children = inline.children or []
    if not children or children[-1].type != "text":
        return []
    m = HEADING_ATTRS.search(children[-1].content)
    attrs = parse_ial(m.group(1)) if m else []
    if attrs:
        children[-1].content = children[-1].content[: m.start()]
        inline.content = HEADING_ATTRS.sub("", inline.content)
    return attrs


def _ial_paragraph_at(tokens: list[Token], index: int) -> list[tuple[str, str]]:
    """`{: ...}` alone on the line after a heading: its attributes, the paragraph removed."""
    if index + 2 >= len(tokens) or tokens[index].type != "paragraph_open":
        return []
    whole = IAL.fullmatch(tokens[index + 1].content.strip())
    if not whole:
        return []
    _remove(tokens[index : index + 3])
    return parse_ial(whole.group(1))


def _remove(tokens: list[Token]) -> None:
    for t in tokens:
        t.hidden, t.type, t.children, t.content = True, "ial_removed", [], ""


def _strip_trailing_ial(inline: Token, paragraph: Token) -> bool:
    """`text\n{: ...}`: an attribute list on the paragraph's last line belongs to the paragraph."""
    children = inline.children or []
    if len(children) < 2 or children[-1].type != "text" or children[-2].type != "softbreak":
        return False
    m = IAL.fullmatch(children[-1].content.strip())
    if not m:
        return False
    apply_attrs(paragraph, parse_ial(m.group(1)))
    inline.children = children[:-2]
    return True


def _strip_leading_ial(inline: Token, paragraph: Token) -> None:
    """`{: .notice--info}\ntext`: an attribute list on the paragraph's first line is the paragraph's
    (kramdown gives a block IAL with no block right before it to the block after it)."""
    children = inline.children or []
    if len(children) < 2 or children[0].type != "text" or children[1].type != "softbreak":
        return
    m = IAL.fullmatch(children[0].content.strip())
    if m:
        apply_attrs(paragraph, parse_ial(m.group(1)))
        inline.children = children[2:]


def _previous_block_open(tokens: list[Token], index: int) -> Token | None:
    depth = 0
    for k in range(index - 1, -1, -1):
        t = tokens[k]
        depth += t.nesting == -1
        depth -= t.nesting == 1
        if depth == 0 and (t.nesting == 1 or t.type in LEAF_BLOCKS):
            return t
    return None


def _link_open_before(children: list[Token], index: int) -> Token | None:
    for k in range(index - 1, -1, -1):
        if children[k].type == "link_open":
            return children[k]
    return None


def _prefix_site_absolute(url: str, base_path: str) -> str:
    if url.startswith("/") and not url.startswith("//") and base_path != "/":
        return base_path.rstrip("/") + url
    return url


def formula_as_text(token: Token) -> Token:
    if token.type not in ("math_inline", "math_inline_double"):
        return token
    return Token("text", "", 0, content=formula_text(token))


def with_base_path(html: str, base_path: str) -> str:
    """Raw HTML whose site-absolute URLs have the base path, in every attribute a browser loads or
    follows; the path is escaped, as it lands inside an attribute value."""
    if base_path == "/":
        return html
    base = escape(base_path.rstrip("/"))

    def in_srcset(m: re.Match) -> str:
        value = map_srcset(m.group(3), lambda url: _prefix_site_absolute(url, base + "/"))
        return m.group(1) + m.group(2) + value + m.group(2)

    def in_style(m: re.Match) -> str:
        value = CSS_URL.sub(lambda url: url.group(1) + base + "/", m.group(3))
        return m.group(1) + m.group(2) + value + m.group(2)

    html = SITE_ABSOLUTE.sub(lambda m: m.group(1) + base + "/", html)
    return STYLE_ATTR.sub(in_style, SRCSET_ATTR.sub(in_srcset, html))


def link_rules(md: MarkdownIt) -> None:
    """Site-absolute links and images get the base path; images lazy-load with no referrer; the
    formulas in the text of raw HTML blocks are typeset."""

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        # The alt text is the description's text: markdown-it's takes text tokens only, so a
        # formula in it (`![$\alpha$ 的影响](x.png)`) was left out; it is read as text instead.
        token.children = [formula_as_text(child) for child in token.children or []]
        token.attrSet("src", _prefix_site_absolute(token.attrGet("src") or "", env["base_path"]))
        token.attrSet("loading", "lazy")
        token.attrSet("referrerpolicy", "no-referrer")
        return self.image(tokens, idx, options, env)

    def link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        token.attrSet("href", _prefix_site_absolute(token.attrGet("href") or "", env["base_path"]))
        return self.renderToken(tokens, idx, options, env)

    def raw_html(self, tokens, idx, options, env):
        token = tokens[idx]
        html = with_base_path(token.meta.get("html", token.content), env["base_path"])
        return RAW_IMG.sub('<img loading="lazy" referrerpolicy="no-referrer"', html)

    def html_block(self, tokens, idx, options, env):
        # markdown-it passes raw HTML through: the formulas in its text are typeset here.
        line = tokens[idx].map[0] if tokens[idx].map else None
        return html_math(raw_html(self, tokens, idx, options, env), line, env)

    md.add_render_rule("image", image)
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("html_block", html_block)
    md.add_render_rule("html_inline", raw_html)


def summary_markdown_rule(state: StateCore) -> None:
    """`<summary>The **fast** path</summary>` in a raw <details> block: its text is Markdown, as the
    author meant; the rest of the block stays raw HTML. Runs before `inline`, which parses it."""
    tokens: list[Token] = []
    for tok in state.tokens:
        if tok.type != "html_block" or not SUMMARY.search(tok.content):
            tokens.append(tok)
            continue
        pos = counted = 0
        line = tok.map[0] if tok.map else None
        for m in SUMMARY.finditer(tok.content):
            tokens.append(_html_piece(tok, tok.content[pos : m.end(1)]))
            if line is not None:  # counted on from the last summary, not from the block's start
                line, counted = line + tok.content.count("\n", counted, m.start(2)), m.start(2)
            text = Token("inline", "", 0, content=m.group(2), level=tok.level, children=[])
            text.map = [line, line + 1] if line is not None else None
            tokens.append(text)
            pos = m.start(3)
        tokens.append(_html_piece(tok, tok.content[pos:]))
    state.tokens = tokens


def _html_piece(block: Token, content: str) -> Token:
    return Token("html_block", "", 0, content=content, map=block.map, level=block.level, block=True)


# The character each of these block rules needs first on a line (after its indentation) to take
# it. Every block rule is tried on each line that starts a block, and again on each line of a
# paragraph to see whether it ends there: 1,650 calls a digest, of which 170 take a line, each
# call logging a debug line on its way in. A look at the line's first character spares the rest.
BLOCK_STARTS = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}


def gate_block_rules(md: MarkdownIt) -> None:
    """Each rule of BLOCK_STARTS is called only for a line that starts with one of its characters:
    for any other line it returns False at once, as the rule itself would have."""
    ruler = md.block.ruler
    for name, starts in BLOCK_STARTS.items():
        rule = ruler.__rules__[ruler.__find__(name)]
        ruler.at(name, _gated(rule.fn, frozenset(starts)), {"alt": list(rule.alt)})


def _gated(original, starts: frozenset[str]):
    def gated(state, start_line, end_line, silent):
        first = state.bMarks[start_line] + state.tShift[start_line]
        if state.src[first : first + 1] not in starts:  # '' at the end of the text: in none
            return False
        return original(state, start_line, end_line, silent)

    gated.__wrapped__ = original  # the rule as markdown-it (or the plugin) has it
    return gated


def limit_nesting(md: MarkdownIt, name: str) -> None:
    """Past MAX_NESTING levels a list or quote marker stays text: markdown-it would otherwise
    drop everything from there to the end of the digest. env['too_deep'] keeps the first line."""
    ruler = md.block.ruler
    rule = ruler.__rules__[ruler.__find__(name)]
    original = rule.fn

    def guarded(state, start_line, end_line, silent):
        if state.level >= MAX_NESTING:
            state.env.setdefault("too_deep", start_line)
            return False
        return original(state, start_line, end_line, silent)

    ruler.at(name, guarded, {"alt": list(rule.alt)})


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """Built once per process: CommonMark + tables, strikethrough, footnotes, math, anchors, and
    emphasis that opens and closes beside CJK punctuation as Chinese authors mean it. GitHub's alerts
    (`> [!NOTE]`) are markdown-it-py's own (4.1+), as mdit-py-plugins' gfm_plugin enables them; task
    lists come from mdit-py-plugins, whose checkboxes (disabled) sit in a <label> with the item's
    text: a checkbox without one has no accessible name."""
    options = {"html": True, "highlight": highlight_code, "typographer": False, "alerts": True}
    md = MarkdownIt("commonmark", options)
    md.options["maxNesting"] = MAX_NESTING + 10
    md.enable(["table", "strikethrough"])
    md.use(cjk_friendly_plugin)
    md.use(math_plugin)
    md.use(table_math_pipes)
    md.use(footnote_plugin)
    md.use(tasklists_plugin, label=True)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_slug)
    md.use(jekyll_plugin)
    md.use(liquid_plugin)
    md.use(obsidian_plugin)
    md.use(digest_links_plugin)
    md.use(local_files_plugin)  # after digest links: a link to a digest file leads to its page
    md.core.ruler.before("anchor", "kramdown_heading_attrs", heading_attrs_rule)
    md.core.ruler.before("inline", "summary_markdown", summary_markdown_rule)
    md.core.ruler.push("kramdown_ial", kramdown_ial_rule)
    gate_block_rules(md)  # after the plugins: footnote_def is theirs
    for name in ("list", "blockquote"):
        limit_nesting(md, name)  # around the gate: any line that deep is recorded, as before
    link_rules(md)
    return md


@lru_cache(maxsize=1)
def title_parser() -> MarkdownIt:
    """Front-matter titles: text and math only. Jekyll shows them as text and MathJax typesets their
    formulas, so `*` or `<` in them is what the author means to show."""
    md = MarkdownIt("zero").use(math_plugin)
    md.enable("escape")
    return md


def plain_text(inline: Token) -> str:
    """The visible text of an inline token: formulas as readable text (`$\\alpha$` -> α), and lines
    joined with a space, or with nothing between two CJK characters (a wrapped Chinese sentence)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("math_inline", "math_inline_double"):
            parts.append(formula_text(child))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    joined = CJK_LINE_BREAK.sub("", "".join(parts))
    return re.sub(r"\s+", " ", joined).strip()


def formula_parts(inline: Token) -> tuple[str, ...]:
    """The visible text of an inline token split at its formulas: (text, TeX, text, ..., TeX, text),
    the text as plain_text reads it and each formula's TeX, with the site's and the digest's macros
    expanded (mathtext.as_latex); () when it holds no formula. Where LaTeX is written (BibTeX), a
    formula is kept as `$TeX$`, as arXiv's own export does: its readable text (`ℓ_1`, `k<n`) is no
    LaTeX, and a paper that cites it has none of the site's macros."""
    parts: list[str] = []
    text: list[str] = []
    for child in inline.children or []:
        if child.type in ("math_inline", "math_inline_double"):
            parts += ["".join(text), formula_latex(child)]
            text = []
        elif child.type in ("text", "code_inline"):
            text.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            text.append("\n")
    if not parts:
        return ()
    parts.append("".join(text))
    spaced = [re.sub(r"\s+", " ", CJK_LINE_BREAK.sub("", part)) for part in parts]
    spaced[0], spaced[-1] = spaced[0].lstrip(), spaced[-1].rstrip()
    spaced[1::2] = [tex.strip() for tex in spaced[1::2]]
    return tuple(spaced)
