"""Where a pattern starts in a note, found once per note.

A rule that looks ahead for its closing mark (`$$`, `\\end{align}`, `{% endcomment %}`) asks here
instead of scanning on from every line that opens one: with many unclosed openers that scan was
quadratic. The cache holds the last notes' offsets; a str keeps its hash, so a lookup is cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache


@lru_cache(maxsize=32)
def offsets(src: str, pattern: re.Pattern[str]) -> tuple[int, ...]:
    """Where each match of `pattern` in `src` starts, in order."""
    return tuple(m.start() for m in pattern.finditer(src))


def first_at_or_after(src: str, pattern: re.Pattern[str], pos: int) -> int | None:
    """Where the first match of `pattern` that starts at `pos` or later starts, if any."""
    found = offsets(src, pattern)
    k = bisect_left(found, pos)
    return found[k] if k < len(found) else None
