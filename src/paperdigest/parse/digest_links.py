"""Links from one digest to another, written the way GitHub and GitHub Pages read them.

[see](2023-05-01-paper-digest.md#method)   -> /digests/2023-05-01-paper-digest/#method
[up](../other.md), [down](sub/note.md)      -> the page of that file, when it lies in the digests folder
[post]({% post_url 2023-05-01-paper-digest %})  (with or without `{{ site.baseurl }}` before it)

GitHub links a `.md` file to the file itself, GitHub Pages (jekyll-relative-links, on by default)
to the page made from it, and Jekyll's `post_url` tag names a post by its file name: here that page
is digests/<slug>/, the slug made from the file name as for every digest. The result is
site-absolute, so it gets the base path where every site-absolute link does (markdown.link_rules).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from paperdigest.parse.source import DIGEST_SUFFIXES


def safe_slug(stem: str) -> str:
    """A digest's slug from its file name (without the suffix): also its folder under digests/."""
    slug = re.sub(r"[^\w.\-]+", "-", stem.strip()).strip("-.") or "digest"
    return slug.replace("..", ".")


def digest_url(name: str) -> str:
    """The site-absolute URL of the digest whose file is `name` (a path; the folders do not count,
    as they do not for the slug)."""
    stem = PurePosixPath(name).name
    if PurePosixPath(stem).suffix.lower() in DIGEST_SUFFIXES:
        stem = PurePosixPath(stem).stem
    return "/" + quote(f"digests/{safe_slug(stem)}/", safe="/%.-_~")


def digest_link(href: str, folder: str | None) -> str | None:
    """The page a relative link to a digest file leads to, or None when `href` is no such link.
    `folder` is the linking digest's folder inside the digests folder ('' at its top), None when
    unknown: then no relative link is read as a digest's."""
    parts = urlsplit(href)
    if folder is None or parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if target == ".." or target.startswith("../"):
        return None  # out of the digests folder: no digest (a README, a page of another site)
    if PurePosixPath(target).suffix.lower() not in DIGEST_SUFFIXES:
        return None
    return digest_url(target) + (f"#{parts.fragment}" if parts.fragment else "")


def digest_links_rule(state: StateCore) -> None:
    """After inline parsing: Markdown links (inline or reference) to a digest file lead to its page."""
    folder = state.env.get("digest_folder") if isinstance(state.env, dict) else None
    if folder is None:
        return
    for token in state.tokens:
        for child in token.children or []:
            if child.type == "link_open":
                page = digest_link(str(child.attrGet("href") or ""), folder)
                if page is not None:
                    child.attrSet("href", page)


def digest_links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("inline", "digest_links", digest_links_rule)
