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
FALLBACK_CONTENT = {
    "video",
    "audio",
    "iframe",
    "canvas",
    "object",
    "noscript",
    "template",
    "noembed",
    "noframes",
}
COMMENT_OPEN = re.compile(r"<!--")
# Elements whose content is text up to their end tag, so a '<' inside is not markup.
RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
TAG_NAME = re.compile(r"</?([a-zA-Z][^\s/>]*)")
UNFINISHED_PASSES = 50  # each pass fixes one unfinished tag; a digest with more is hopeless anyway


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
        start_tag_end = self.position() + len(raw)
        element = (tag, raw, occurrence, start_tag_end)
        if tag in RAW_TEXT and tag in FALLBACK_CONTENT and not end_tag_after(self.html, tag, start_tag_end):
            self.close_element(element, start_tag_end)  # its text would swallow the rest
            return
        if tag not in VOID:
            self.stack.append(element)
        if tag in RAW_TEXT:
            self.set_cdata_mode(tag)  # as browsers read them: text up to the end tag

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
    issues: list[HtmlIssue] = []
    for _ in range(3):  # dropping a stray end tag can make new markup of its neighbours: '<</b>?'
        html, found = balance_once(html)
        issues += found
        if not found:
            break
    return html, issues


def balance_once(html: str) -> tuple[str, list[HtmlIssue]]:
    if "<" not in html:
        return html, []
    issues: list[HtmlIssue] = []
    html, comment_issue = close_comment(html)
    if comment_issue:
        issues.append(comment_issue)
    for _ in range(UNFINISHED_PASSES):
        start = unfinished_markup(html)
        if start is None:
            break
        # A tag never finished (`<img src="x.png>`, `<?`) would swallow what follows, footer included.
        raw = html[start : start + 200].split("\n", 1)[0]
        issues.append(
            HtmlIssue("unfinished", TAG_NAME.match(raw).group(1) if TAG_NAME.match(raw) else "", raw, 1)
        )
        html = html[:start] + "&lt;" + html[start + 1 :]
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


def unfinished_markup(html: str) -> int | None:
    """Where a tag, `<!...>` or `<?...>` starts that the end of the HTML leaves unfinished."""
    i = 0
    while (i := html.find("<", i)) >= 0:
        following = html[i + 1 : i + 3]
        if html.startswith("<!--", i):
            end = html.find("-->", i + 4)
            end = end + 3 if end >= 0 else -1
        elif following[:1] in ("!", "?") or (following[:1] == "/" and not following[1:].isalpha()):
            end = html.find(">", i + 2) + 1 or -1  # bogus comment, doctype or </ without a name
        elif following[:1].isalpha() or following[:1] == "/":
            end = tag_end(html, i)
            name = TAG_NAME.match(html, i)
            if end >= 0 and name and not following.startswith("/") and name.group(1).lower() in RAW_TEXT:
                close = end_tag_after(html, name.group(1), end)
                end = close.start() if close else len(html)
        else:
            end = i + 1  # a lone '<' is text
        if end < 0:
            return i
        i = end
    return None


def end_tag_after(html: str, tag: str, start: int) -> re.Match | None:
    return re.compile(rf"</{re.escape(tag)}[\s/>]", re.IGNORECASE).search(html, start)


def tag_end(html: str, start: int) -> int:
    """Position after the '>' that ends the tag at `start`, as browsers read it; -1 if none."""
    i, n = start + 1, len(html)
    while i < n:
        ch = html[i]
        if ch == ">":
            return i + 1
        if ch in "\"'" and html[start:i].rstrip().endswith("="):
            i = html.find(ch, i + 1)  # a quoted attribute value may hold '>'
            if i < 0:
                return -1
        i += 1
    return -1
