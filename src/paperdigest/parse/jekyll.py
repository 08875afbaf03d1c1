"""What notes written for a Jekyll site (GitHub Pages) leave behind, made to work here.

![fig]({{ site.baseurl }}/images/x.png)     -> the site's own file, under the site's base path
<img src="{{ site.url }}{{ site.baseurl }}/x.png">   (also `{{ '/x.png' | relative_url }}`)
[see]({{ site.baseurl }}{% post_url 2023-05-01-paper-digest %})  -> that digest's page
[see]({% link _posts/2023-05-01-paper-digest.md %})              -> the same; another file: /its/path
* content                                   -> kramdown's table of contents: the page shows its
{:toc}                                         own beside the text, so the list is dropped
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from paperdigest.parse.digest_links import digest_url
from paperdigest.parse.source import DIGEST_SUFFIXES

# Where a URL starts: a Markdown link or image destination, or an HTML URL attribute.
URL_START = r"""(\]\(\s*<?|\b(?:src|href|poster|data-src)\s*=\s*["']?)"""
SITE_ROOT = re.compile(URL_START + r"(?:\{\{\s*site\.(?:url|baseurl)\s*\}\})+/?")
URL_FILTER = re.compile(
    URL_START + r"""\{\{\s*["']/?([^"'{}]*)["']\s*\|\s*(?:relative_url|absolute_url)\s*\}\}"""
)
# Jekyll's post_url tag names a post by its file name (in a folder or not), its link tag a file by
# its path in the site; both output its URL.
POST_URL = re.compile(
    URL_START + r"(?:\{\{\s*site\.(?:url|baseurl)\s*\}\})*\{%-?\s*(post_url|link)\s+([^\s{}%]+)\s*-?%\}"
)
TOC_MARK = re.compile(r"^\s*\{:\s*toc\s*\}\s*$")
LISTS = ("bullet_list_open", "ordered_list_open")


def site_urls_rule(state: StateCore) -> None:
    """Before inline parsing: `{{ site.baseurl }}/x.png` -> `/x.png`, which gets the base path when
    rendered (markdown.link_rules). `{{ site.url }}` means the same site, so the same root. A
    `{% post_url name %}` or `{% link path %}` where a URL starts is what it names (its
    `{{ site.baseurl }}` too): Liquid would otherwise drop it, and leave `[text]()` on the page."""
    for tok in state.tokens:
        if tok.type in ("inline", "html_block") and ("{{" in tok.content or "{%" in tok.content):
            text = POST_URL.sub(lambda m: m.group(1) + tag_url(m.group(2), m.group(3)), tok.content)
            text = SITE_ROOT.sub(lambda m: m.group(1) + "/", text)
            tok.content = URL_FILTER.sub(lambda m: f"{m.group(1)}/{m.group(2)}", text)


def tag_url(tag: str, name: str) -> str:
    """What `{% post_url name %}` or `{% link path %}` outputs, as a site-absolute URL: a digest's
    page, or (for `link` to another file) the file at that path of the site."""
    if tag == "link" and PurePosixPath(name).suffix.lower() not in DIGEST_SUFFIXES:
        return "/" + name.lstrip("/")
    return digest_url(name)


def leftovers_rule(state: StateCore) -> None:
    """`{:toc}` right under a list (or after it, a paragraph of its own) drops that list. (Liquid's
    `{% raw %}` marks and other tags: parse/liquid.py.)"""
    tokens = state.tokens
    dropped: set[tuple[int, int]] = set()
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or "{:" not in tok.content:
            continue
        lines = tok.content.split("\n")
        if not TOC_MARK.match(lines[-1]):
            continue
        if len(lines) > 1:
            start = enclosing_list(tokens, i)
        else:
            start = previous_list(tokens, i - 1)
            dropped.add((i - 1, i + 1))  # the `{:toc}` paragraph itself
        if start is not None:
            dropped.add((start, matching_close(tokens, start)))
    for start, end in sorted(dropped, reverse=True):
        del tokens[start : end + 1]


def enclosing_list(tokens: list[Token], index: int) -> int | None:
    """The outermost list that holds the token at `index`."""
    found, skipped = None, 0
    for k in range(index - 1, -1, -1):
        if tokens[k].nesting == -1:
            skipped += 1  # a block closed before `index`: its opener does not hold it
        elif tokens[k].nesting == 1 and skipped:
            skipped -= 1
        elif tokens[k].nesting == 1 and tokens[k].type in LISTS:
            found = k
    return found


def previous_list(tokens: list[Token], index: int) -> int | None:
    """The list that ends right before the token at `index`, if the block before it is one."""
    if index < 1 or tokens[index - 1].type not in ("bullet_list_close", "ordered_list_close"):
        return None
    depth = 0
    for k in range(index - 1, -1, -1):
        depth += tokens[k].nesting
        if depth == 0:
            return k
    return None


def matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for k in range(start, len(tokens)):
        depth += tokens[k].nesting
        if depth == 0:
            return k
    return len(tokens) - 1


def jekyll_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "jekyll_site_urls", site_urls_rule)
    md.core.ruler.after("inline", "jekyll_leftovers", leftovers_rule)
