"""Files a digest names by a relative path, as GitHub, Typora, Hugo page bundles and Jekyll read them.

![](images/a.png), ![](./2023-05-02/a.png), <img src="x.png" style="zoom:50%">, [slides](slides.pdf)

A relative path is read from the digest file's own folder. The build publishes the file at its
path in the site folder (`digests/images/a.png`; a file under static/ where static/ puts it), so
the page links to it site-absolutely (`/digests/images/a.png`, the base path added where every
site-absolute URL gets it) and it resolves from the digest's page, the feeds and any other page.

Which file a path names is read from the text alone, never from the disk: the parse stays a
function of the file (it is cached by its bytes), and the build looks for the files each time
(paperdigest.digest_files: copied when there, a located warning when not).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from html import escape, unescape
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from paperdigest.model import LocalFile
from paperdigest.parse.srcset import map_srcset

IMAGE, FILE = "image", "file"  # what messages call a missing file: what the page shows it as
# An opening tag of raw HTML, and its attributes that load or link to a file, as HTML reads them:
# any case, quoted or not.
HTML_TAG = re.compile(r"<([a-zA-Z][\w-]*)(\s[^<>]*)>")
URL_ATTR = re.compile(r"""(\s(src|href|poster|srcset)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
IMAGE_TAGS = {"img", "picture", "source", "video", "input"}


def output_path(path: str, static_folder: str | None) -> str:
    """Where the site file at `path` (relative to the site folder) is published: static/'s files
    at the site root, as static/ is copied; any other at its own path, as Jekyll copies it."""
    if static_folder and path.startswith(static_folder + "/"):
        return path[len(static_folder) + 1 :]
    return path


def named_file(url: str, folder: str) -> tuple[str, str] | None:
    """(the path in the site folder that a relative `url` names from a digest in `folder`, what
    follows the path: `?query#fragment`), or None when `url` is no relative path (external, a
    scheme, site-absolute, an anchor on the page). A path that leaves the site folder is '..'."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith(("/", "\\")):
        return None
    if parts.path.endswith("/") or posixpath.basename(parts.path) in (".", ".."):
        return None  # a folder or page (`../`, `./`), not a file: left as written
    target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if target == ".." or target.startswith("../"):
        target = ".."
    rest = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return target, rest


def site_absolute(url: str) -> str | None:
    """The path in the site that a site-absolute `url` names ('' for the site itself), else None."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or url.startswith("//"):
        return None
    path = posixpath.normpath(unquote(parts.path)).lstrip("/")
    return "" if path in (".", "..") or path.startswith("../") else path


def rewritten(url: str, kind: str, line: int | None, env: dict) -> str:
    """The site-absolute URL of the file `url` names, recorded in env['local_files']; `url` itself
    when it names none, or one outside the site folder (recorded, for its warning)."""
    if (path := site_absolute(url)) is not None:
        if path and not hidden(path):
            env.setdefault("local_files", []).append(LocalFile(line, url, path, path, kind, absolute=True))
        return url
    found = named_file(url, env["site_folder"])
    if found is None:
        return url
    path, rest = found
    published = "" if path == ".." or hidden(path) else output_path(path, env.get("static_folder"))
    env.setdefault("local_files", []).append(LocalFile(line, url, path, published, kind))
    if not published:
        return url
    return "/" + quote(published, safe="/-_.~!$&'()*+,;=:@") + rest


def hidden(path: str) -> bool:
    """A hidden file or one in a hidden folder (.git/, .paperdigest-cache/) is never published."""
    return any(part.startswith(".") for part in path.split("/"))


def local_files_rule(state: StateCore) -> None:
    """After inline parsing and digest links: relative images and links in Markdown and raw HTML
    name files of the site (see the module's docstring)."""
    env = state.env if isinstance(state.env, dict) else {}
    if env.get("site_folder") is None:
        return  # a digest outside the site folder, or text that is no digest's (a title)
    if state.inlineMode:
        # A fragment read again (a card's title or summary, parse/values.py) has no line of its own:
        # its files are recorded where the body shows them, once, at their line.
        env = {**env, "local_files": []}
    for token in state.tokens:
        line = token.map[0] if token.map else None
        if token.type == "html_block":
            token.meta["html"] = raw_html_files(token.content, line, env)
        for child in token.children or []:
            if child.type == "image":
                child.attrSet("src", rewritten(str(child.attrGet("src") or ""), IMAGE, line, env))
            elif child.type == "link_open":
                child.attrSet("href", rewritten(str(child.attrGet("href") or ""), FILE, line, env))
            elif child.type == "html_inline":
                # What the page writes (markdown.raw_html); the token's content stays as written,
                # as a title or a field's value reads it as text.
                child.meta["html"] = raw_html_files(child.content, line, env)
            elif child.type in ("softbreak", "hardbreak") and line is not None:
                line += 1  # the line of a paragraph's later images and links


def raw_html_files(html: str, line: int | None, env: dict) -> str:
    """Raw HTML whose relative src, href, poster and srcset name the site's files."""

    def tag(m: re.Match) -> str:
        name = m.group(1).lower()
        at = None if line is None else line + html.count("\n", 0, m.start())

        def attribute(a: re.Match) -> str:
            kind = IMAGE if name in IMAGE_TAGS and a.group(2).lower() != "href" else FILE
            written = unescape(next(v for v in a.group(3, 4, 5) if v is not None))
            if a.group(2).lower() == "srcset":
                value = map_srcset(written, lambda url: rewritten(url, kind, at, env))
            else:
                value = rewritten(written, kind, at, env)
            return a.group(0) if value == written else f'{a.group(1)}"{escape(value)}"'

        return f"<{m.group(1)}{URL_ATTR.sub(attribute, m.group(2))}>"

    return HTML_TAG.sub(tag, html) if "=" in html else html


def local_files_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("digest_links", "local_files", local_files_rule)


def found_in(env: dict, offset: int) -> tuple[LocalFile, ...]:
    """The files the digest parsed with `env` names, in order, once per line; `offset`: the file's
    line of the body's first line, so that each file's line is the file's (1-based)."""
    files = (
        replace(found, line=None if found.line is None else found.line + offset)
        for found in env.get("local_files", ())
    )
    return tuple(dict.fromkeys(files))
