"""Keep a digest body's raw HTML from breaking the page around it.

An unclosed `<div>`, `<video>`, `<a>` or comment in a digest would otherwise swallow the
theme's footer and navigation; a stray `</div>` would close the theme's own elements. The body
is kept as written except that stray end tags are dropped and open elements are closed at its end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Elements whose end tag HTML lets authors leave out: an open one is no problem.
OPTIONAL_END = {
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
    "optgroup", "rb", "rt", "rp", "rtc", "colgroup", "caption", "html", "head", "body",
}  # fmt: skip
# Their content is fallback a browser does not show: left open, they would hide the rest of the
# digest, so they are closed right after their start tag.
FALLBACK_CONTENT = {"video", "audio", "iframe", "canvas", "object", "textarea", "noscript", "template"}
COMMENT_OPEN = re.compile(r"<!--")


@dataclass(frozen=True)
class HtmlIssue:
    kind: str  # "unclosed" | "stray" | "comment"
    tag: str
    raw: str  # the tag as written, to locate it in the source
    occurrence: int  # 1 for the first time `raw` appears in the HTML, 2 for the second...


class _Scanner(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.stack: list[tuple[str, str, int, int]] = []  # (tag, raw start tag, occurrence, its end)
        self.edits: list[tuple[int, int, str]] = []  # replace html[start:end] with text
        self.issues: list[HtmlIssue] = []
        self.seen: dict[str, int] = {}

    def position(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def count(self, raw: str) -> int:
        self.seen[raw] = self.seen.get(raw, 0) + 1
        return self.seen[raw]

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or f"<{tag}>"
        occurrence = self.count(raw)
        if tag not in VOID:
            self.stack.append((tag, raw, occurrence, self.position() + len(raw)))

    def handle_startendtag(self, tag, attrs):
        self.count(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag):
        start = self.position()
        end = self.html.find(">", start) + 1 or len(self.html)
        raw = self.html[start:end]
        occurrence = self.count(raw)
        if tag in VOID:
            return
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                # Elements opened inside and left open are closed here (browsers would carry an
                # open <a> or <u> on into the following paragraphs, footer included).
                for element in reversed(self.stack[depth + 1 :]):
                    self.close_element(element, start)
                del self.stack[depth:]
                return
        self.edits.append((start, end, ""))
        self.issues.append(HtmlIssue("stray", tag, raw, occurrence))

    def close_element(self, element: tuple[str, str, int, int], where: int) -> None:
        tag, raw, occurrence, start_tag_end = element
        if tag in OPTIONAL_END:
            return
        where = start_tag_end if tag in FALLBACK_CONTENT else where
        self.edits.append((where, where, f"</{tag}>"))
        self.issues.append(HtmlIssue("unclosed", tag, raw, occurrence))


def balance_html(html: str) -> tuple[str, list[HtmlIssue]]:
    """(the HTML with stray end tags dropped and open elements closed, what was wrong)."""
    if "<" not in html:
        return html, []
    issues: list[HtmlIssue] = []
    html, comment_issue = close_comment(html)
    if comment_issue:
        issues.append(comment_issue)
    scanner = _Scanner(html)
    scanner.feed(html)
    scanner.close()
    end = len(html.rstrip("\n"))
    for element in reversed(scanner.stack):
        scanner.close_element(element, end)
    return apply_edits(html, scanner.edits), issues + scanner.issues


def apply_edits(html: str, edits: list[tuple[int, int, str]]) -> str:
    """One pass; at one offset closing tags (in the order they were added) go before a removal."""
    pieces, last = [], 0
    for start, stop, text in sorted(edits, key=lambda edit: (edit[0], edit[1] > edit[0])):
        pieces += [html[last:start], text]
        last = stop
    pieces.append(html[last:])
    return "".join(pieces)


def close_comment(html: str) -> tuple[str, HtmlIssue | None]:
    """An unclosed `<!--` would hide the rest of the page, footer included."""
    pos, n = 0, 0
    while True:
        m = COMMENT_OPEN.search(html, pos)
        if not m:
            return html, None
        n += 1
        end = html.find("-->", m.end())
        if end < 0:
            return html + "-->\n", HtmlIssue("comment", "!--", "<!--", n)
        pos = end + 3
