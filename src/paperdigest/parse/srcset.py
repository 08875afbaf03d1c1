"""The URLs of a `srcset` (`/a.png 1x, /b.png 2x`), rewritten one by one.

Read as the HTML standard's "parse a srcset attribute" does: candidates are separated by commas, a
URL runs to the next white space (it may hold commas: `w_1456,c_limit/x.png`), and a URL ending in
commas ends its candidate. Descriptors (`1x`, `480w`) are kept as written.
"""

from __future__ import annotations

from collections.abc import Callable


def map_srcset(value: str, change: Callable[[str], str]) -> str:
    """`value` with each candidate's URL replaced by `change(url)`; all else as written."""
    out, pos, end = [], 0, len(value)
    while pos < end:
        start = pos
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        out.append(value[start:pos])  # separators
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos].rstrip(",")
        if url:
            out.append(change(url))
        out.append(value[start + len(url) : pos])  # the commas that ended it, if any
        if value[start:pos].endswith(","):
            continue  # no descriptors: the commas ended this candidate
        start, depth = pos, 0  # descriptors run to the next comma outside parentheses
        while pos < end and (value[pos] != "," or depth > 0):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
        out.append(value[start:pos])
    return "".join(out)


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset, in order."""
    urls: list[str] = []

    def keep(url: str) -> str:
        urls.append(url)
        return url

    map_srcset(value, keep)
    return urls
