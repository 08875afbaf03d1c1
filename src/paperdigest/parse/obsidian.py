"""Obsidian's embeds of files, as Obsidian shows them:

![[figure 1.png]]        -> <img src="figure%201.png" alt="figure 1.png">
![[figure 1.png|300]]    -> the same, 300 px wide (`|300x200`: 300 wide, 200 high)
![[figure 1.png|说明]]   -> the same, with that text as its description
![[paper.pdf]]           -> a link to the file

The path is read from the digest's folder like any relative path (parse/local_files.py). An
embedded note (`![[other note]]`, no file suffix) is left as written.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

EMBED = re.compile(r"!\[\[([^\[\]|\n]+)(?:\|([^\[\]\n]*))?\]\]")
SIZE = re.compile(r"\s*(\d+)(?:\s*x\s*(\d+))?\s*")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".avif", ".tif", ".tiff"}


def embed_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("![[", state.pos):
        return False
    m = EMBED.match(state.src, state.pos)
    if m is None:
        return False
    name = m.group(1).strip()
    suffix = PurePosixPath(name.split("#")[0]).suffix.lower()
    if not suffix:
        return False  # a note, which only Obsidian can embed
    if not silent:
        url = state.md.normalizeLink(name)
        label = (m.group(2) or "").strip()
        size = SIZE.fullmatch(label)
        text = name if size or not label else label  # what the file is, without a description
        if suffix in IMAGE_SUFFIXES:
            push_image(state, url, text, size)
        else:
            link = state.push("link_open", "a", 1)
            link.attrs = {"href": url}
            state.push("text", "", 0).content = text
            state.push("link_close", "a", -1)
    state.pos = m.end()
    return True


def push_image(state: StateInline, url: str, alt: str, size: re.Match | None) -> None:
    image = state.push("image", "img", 0)
    image.attrs = {"src": url, "alt": ""}
    image.content = alt
    image.children = [Token("text", "", 0, content=alt)]
    if size:
        image.attrs["width"] = size.group(1)
        if size.group(2):
            image.attrs["height"] = size.group(2)


def obsidian_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("image", "obsidian_embed", embed_rule)
