"""Liquid, the template language Jekyll runs over a note before Markdown: never shown as text.

{% highlight python linenos %} ... {% endhighlight %}  -> a code block, highlighted as ```python is
{% include figure.html image_path="/x.png" alt=".." caption=".." %}  -> <figure> (Minimal Mistakes)
{% comment %} ... {% endcomment %}                     -> nothing
{% raw %} ... {% endraw %}                             -> what is between, as written
{% include toc %}                                      -> nothing: the page shows its own TOC
{% asset_img a.png 标题 %}, {% asset_link a.pdf 标题 %}    -> Hexo's post asset folder: the image, a
                                                          link, of <the note's name>/a.png beside it
any other tag, `{{ site.title }}` and kin              -> nothing, and a warning (dropped_tags)

A tag that fills its line is a block of its own, as Jekyll's output (HTML or nothing) would be;
one inside text is an inline token. Both render nothing unless they are one of the above.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from paperdigest.parse.offsets import first_at_or_after, offsets

TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.DOTALL)
# `{{` also opens TeX and prose: only Jekyll's variables or a filtered string are output tags.
OUTPUT = re.compile(
    r"""\{\{-?\s*(?:(?:site|page|layout|include|paginator|jekyll|content)\b|["'][^"'{}]*["']\s*\|)[^{}]*\}\}"""
)
END_TAG = {
    "highlight": re.compile(r"\{%-?\s*endhighlight\s*-?%\}"),
    "comment": re.compile(r"\{%-?\s*endcomment\s*-?%\}"),
}
RAW_OPEN = re.compile(r"\{%-?\s*raw\s*-?%\}")
RAW_MARK = re.compile(r"\{%-?\s*(?:raw|endraw)\s*-?%\}")
RAW_LINE = re.compile(r"^[ \t]*\{%-?\s*(?:raw|endraw)\s*-?%\}[ \t]*\n", re.MULTILINE)
PARAM = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
QUIET = {"raw", "endraw", "comment"}
HEXO_ASSETS = {"asset_img", "asset_link"}
HEXO_WORD = re.compile(r""""([^"]*)"|'([^']*)'|(\S+)""")  # a word, or a quoted text
HEXO_SIZE = re.compile(r"\d+(?:px|%)?")  # dropped as the author meant: no warning
# A tag is short: a `{%` whose `%}` is further away is text. Bounds each try, so that a note of
# many unclosed `{%` is read in linear time, not each try to the end of the note.
MAX_TAG = 2000


def liquid_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line that starts with a tag ending on it (or a later line, for a tag written over several
    lines); highlight and comment run to their end tag, which starts a line of its own. Without
    one, only the tag is dropped (and warned about)."""
    if state.is_code_block(start):
        return False
    pos = state.bMarks[start] + state.tShift[start]
    limit = min(state.eMarks[end - 1], pos + MAX_TAG)
    tag = TAG.match(state.src, pos, limit) if state.src.startswith("{%", pos) else None
    if tag is None or BLANK_LINE.search(tag.group(0)):
        return False  # a tag never spans a blank line: that `%}` closes something else
    last = start
    while state.eMarks[last] < tag.end():
        last += 1
    if state.src[tag.end() : state.eMarks[last]].strip():
        return False  # text follows the tag: it is inline
    name, args = tag.group(1), tag.group(2).strip()
    close = closing_line(state, name, last + 1, end) if name in END_TAG else None
    if silent:
        return True
    first = len(state.tokens)
    if name == "highlight" and close is not None:
        code = state.getLines(last + 1, close, state.sCount[start], True)
        token = state.push("fence", "code", 0)
        token.info, token.content, token.markup = (args.split() or [""])[0], without_raw_marks(code), "{%"
    elif name in HEXO_ASSETS and (asset := hexo_asset(state.md, name, args, state.env)):
        state.push("paragraph_open", "p", 1)
        state.push("inline", "", 0).children = asset
        state.push("paragraph_close", "p", -1)
    elif not (is_figure(name, args) and figure_tokens(state, include_params(args))):
        token = state.push("liquid", "", 0)
        token.content, token.info = tag.group(0), name
        unclosed = name in END_TAG and close is None  # dropped with a warning, what follows is text
        token.meta = {"quiet": quiet(name, args) and not unclosed}
    state.line = (close if close is not None else last) + 1
    for token in state.tokens[first:]:
        token.map = [start, state.line]
    return True


def closing_line(state: StateBlock, name: str, first: int, end: int) -> int | None:
    """The first line from `first` that starts with the end tag of `name`. Only the lines holding
    one of the note's end tags are looked at (parse/offsets.py), so that many unclosed tags stay
    linear."""
    starts = offsets(state.src, END_TAG[name])
    line = first
    for at in starts[bisect_left(starts, state.bMarks[first]) :]:
        while line < end and state.eMarks[line] < at:
            line += 1
        if line >= end:
            return None
        if at == state.bMarks[line] + state.tShift[line] and END_TAG[name].match(
            state.src, at, state.eMarks[line]
        ):
            return line
    return None


@lru_cache(maxsize=16)
def raw_marks(src: str) -> tuple[tuple[int, ...], tuple[bool, ...]]:
    """(where each raw or endraw mark ends, whether it is a raw mark) in a note, found once."""
    marks = list(RAW_MARK.finditer(src))
    return tuple(m.end() for m in marks), tuple(RAW_OPEN.fullmatch(m.group(0)) is not None for m in marks)


def without_raw_marks(code: str) -> str:
    """`{% raw %}` inside a highlight block keeps Liquid off the code: only the code is shown."""
    return RAW_MARK.sub("", RAW_LINE.sub("", code))


def is_figure(name: str, args: str) -> bool:
    return name == "include" and args.split()[:1] in (["figure"], ["figure.html"])


def include_params(args: str) -> dict[str, str]:
    return {m.group(1): m.group(2) or m.group(3) or m.group(4) or "" for m in PARAM.finditer(args)}


def figure_tokens(state: StateBlock, params: dict[str, str]) -> bool:
    """Minimal Mistakes' figure include: the image, and its caption written in Markdown."""
    url = state.md.normalizeLink(params.get("image_path", ""))
    if not params.get("image_path") or not state.md.validateLink(url):
        return False
    state.push("figure_open", "figure", 1)
    image = Token("image", "img", 0, attrs={"src": url, "alt": ""}, content=params.get("alt", ""))
    image.children = [Token("text", "", 0, content=image.content)]  # the alt text, as Markdown's
    state.push("inline", "", 0).children = [image]
    if params.get("caption"):
        state.push("figcaption_open", "figcaption", 1)
        state.push("inline", "", 0).content = params["caption"]
        state.push("figcaption_close", "figcaption", -1)
    state.push("figure_close", "figure", -1)
    return True


def hexo_asset(md: MarkdownIt, name: str, args: str, env) -> list[Token] | None:
    """Hexo's `{% asset_img [classes] a.png [width [height]] [title [alt]] %}` and
    `{% asset_link a.pdf [title] %}`: a file of the post's asset folder, the folder named as the
    note's file (`2023-05-02-x.md` -> `2023-05-02-x/a.png`), beside it. None when the tag names no
    file or the note's name is unknown."""
    stem = env.get("digest_stem") if isinstance(env, dict) else None
    words = [next(w for w in m.groups() if w is not None) for m in HEXO_WORD.finditer(args)]
    at = next((i for i, word in enumerate(words) if "." in word), None)
    if not stem or at is None:
        return None
    url = md.normalizeLink(f"{stem}/{words[at]}")
    rest = words[at + 1 :]
    size = []
    while rest and HEXO_SIZE.fullmatch(rest[0]) and len(size) < 2 and name == "asset_img":
        size.append(rest.pop(0))
    title = " ".join(rest) if len(rest) != 2 or name != "asset_img" else rest[0]
    if name == "asset_link":
        link = Token("link_open", "a", 1, attrs={"href": url})
        return [link, Token("text", "", 0, content=title or words[at]), Token("link_close", "a", -1)]
    alt = rest[1] if len(rest) == 2 else title
    image = Token("image", "img", 0, attrs={"src": url, "alt": ""}, content=alt or words[at])
    image.children = [Token("text", "", 0, content=image.content)]
    for key, value in [
        ("class", " ".join(words[:at])),
        ("title", title),
        *zip(("width", "height"), size, strict=False),
    ]:
        if value:
            image.attrSet(key, value)
    return [image]


def liquid_inline(state: StateInline, silent: bool) -> bool:
    """A tag or output tag inside text; a comment runs to its end tag. Inside raw, only the
    endraw mark is Liquid."""
    src, pos = state.src, state.pos
    if not src.startswith(("{%", "{{"), pos):
        return False
    tag = TAG.match(src, pos, pos + MAX_TAG) or OUTPUT.match(src, pos, pos + MAX_TAG)
    if tag is None:
        return False
    name = tag.group(1) if tag.re is TAG else ""
    if name not in ("raw", "endraw") and inside_raw(src, pos):
        return False
    stop = tag.end()
    closed = first_end_tag(src, "comment", stop) if name == "comment" else None
    if closed:
        stop = closed.end()
    asset = hexo_asset(state.md, name, tag.group(2), state.env) if name in HEXO_ASSETS else None
    if asset and not silent:
        if state.pending:  # the text before the tag comes first
            state.pushPending()
        state.tokens += asset
    elif not silent:
        token = state.push("liquid", "", 0)
        token.content, token.info = src[pos:stop], name
        args = tag.group(2) if name else ""
        token.meta = {"pos": pos, "quiet": quiet(name, args) and (name != "comment" or bool(closed))}
    state.pos = stop
    return True


def first_end_tag(src: str, name: str, pos: int) -> re.Match | None:
    at = first_at_or_after(src, END_TAG[name], pos)
    return END_TAG[name].match(src, at) if at is not None else None


def inside_raw(src: str, pos: int) -> bool:
    """The last raw or endraw mark that ends before `pos` is a raw mark."""
    ends, opens = raw_marks(src)
    k = bisect_right(ends, pos)
    return k > 0 and opens[k - 1]


def quiet(name: str, args: str) -> bool:
    return name in QUIET or (name == "include" and args.split()[:1] == ["toc"])


def bare_paragraphs_rule(state: StateCore) -> None:
    """A paragraph of nothing but tags is no <p>: hidden, as a tight list's are (the tags stay
    tokens, for dropped_tags)."""
    tokens = state.tokens
    for i in range(1, len(tokens) - 1):
        if tokens[i - 1].type == "paragraph_open" and only_tags(tokens[i].children or []):
            tokens[i - 1].hidden = tokens[i + 1].hidden = True


def only_tags(children: list[Token]) -> bool:
    shown = [c for c in children if c.type != "softbreak" and (c.type != "text" or c.content.strip())]
    return bool(shown) and all(c.type == "liquid" for c in shown)


def dropped_tags(tokens: list[Token]) -> list[tuple[int | None, str]]:
    """(line in the parsed text, tag) of each tag dropped without the author asking for it."""
    found = []
    for tok in tokens:
        if tok.type == "liquid" and not tok.meta["quiet"]:
            found.append((tok.map[0] if tok.map else None, tok.content))
        line, counted = (tok.map[0] if tok.map else None), 0
        for child in tok.children or []:
            if child.type == "liquid" and not child.meta["quiet"]:
                if line is not None:  # counted on from the last tag, not from the block's start
                    line, counted = (
                        line + tok.content.count("\n", counted, child.meta["pos"]),
                        child.meta["pos"],
                    )
                found.append((line, child.content))
    return found


def liquid_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before(
        "fence", "liquid", liquid_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.inline.ruler.before("escape", "liquid", liquid_inline)
    md.core.ruler.after("inline", "liquid_bare_paragraphs", bare_paragraphs_rule)
    md.add_render_rule("liquid", lambda self, tokens, idx, options, env: "")
