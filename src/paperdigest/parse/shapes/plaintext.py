"""Plain-text digests (no Markdown structure, one thought per line) as Markdown paragraphs.

Copy-pasted web pages put every title, byline and paragraph on its own line without blank lines;
read as Markdown that would be one huge paragraph. Here each line becomes its own paragraph, while
blocks that really span lines stay whole: fenced code, `$$` math, `\\begin{..}...\\end{..}`
(wrapped in `$$` so KaTeX shows it) and runs of list or quote lines. The line map keeps every
message pointing at the line of the original file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

FENCE = re.compile(r"^\s*(```|~~~)")
BEGIN_ENV = re.compile(r"^\s*\\begin\{(\w+\*?)\}")
LIST_OR_QUOTE = re.compile(r"^\s*(?:[-*+]\s|\d{1,3}[.)]\s|>)")


def as_paragraphs(
    body: str, split_line: Callable[[str], list[str]] | None = None
) -> tuple[str, tuple[int, ...]]:
    """(markdown text, line map: markdown line -> body line) with a paragraph per source line."""
    out: list[str] = []
    line_map: list[int] = []

    def emit(text: str, source_line: int) -> None:
        out.append(text)
        line_map.append(source_line)

    lines = body.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line) or line.strip() == "$$":
            end = _block_end(lines, i, FENCE if FENCE.match(line) else re.compile(r"^\s*\$\$\s*$"))
            for k in range(i, end + 1):
                emit(lines[k], k)
            i = end + 1
        elif BEGIN_ENV.match(line):
            env = re.escape(BEGIN_ENV.match(line).group(1))
            end = _block_end(lines, i, re.compile(rf"\\end\{{{env}\}}"), same_line_ok=True)
            emit("$$", i)
            for k in range(i, end + 1):
                emit(lines[k], k)
            emit("$$", end)
            i = end + 1
        elif LIST_OR_QUOTE.match(line):
            while i < len(lines) and LIST_OR_QUOTE.match(lines[i]):
                emit(lines[i], i)
                i += 1
            emit("", i - 1)
            continue
        else:
            for part in split_line(line) if split_line else [line]:
                emit(part, i)
                emit("", i)
            i += 1
            continue
        emit("", i - 1)
    return "\n".join(out), tuple(line_map)


def _block_end(lines: list[str], start: int, closer: re.Pattern, same_line_ok: bool = False) -> int:
    first = start if same_line_ok else start + 1
    for k in range(first, len(lines)):
        if closer.search(lines[k]) if same_line_ok else closer.match(lines[k]):
            return k
    return len(lines) - 1
