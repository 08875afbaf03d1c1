"""CJK-friendly emphasis: the CommonMark amendment that `markdown-it-cjk-friendly` brings to markdown-it.

CommonMark's flanking rules treat `（）“”，。` as punctuation, so `**LLaVA（大型语言与视觉助手）**的模型`
never closes: the `**` has punctuation inside and a letter outside. The amendment (commonmark-spec
issue 650) lets `*`/`**` (and `~~`) open or close beside a CJK character whatever stands on the other
side. Latin text is unaffected: a run is treated differently only when a CJK character touches it.

Ported from markdown-it-cjk-friendly 3.0.0 (MIT, Tatsunori Uchino): its `scanDelims` replaces
markdown-it's for the emphasis and strikethrough rules only.
"""

from __future__ import annotations

import unicodedata
from functools import partial

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Scanned

# Wide characters that are emoji (Emoji_Presentation) rather than CJK: Python's unicodedata has no
# emoji property, these blocks hold nearly all of them.
EMOJI_BLOCKS = ((0x2300, 0x2BFF), (0x1F000, 0x1FAFF))
HANGUL_BLOCKS = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xFFA0, 0xFFDC))
VARIATION_SELECTORS = range(0xFE00, 0xFE0F)  # U+FE00..FE0E; FE0F asks for emoji presentation
IDEOGRAPHIC_VARIATION_SELECTORS = range(0xE0100, 0xE01F0)
CURLY_QUOTES = {"‘", "’", "“", "”"}


def _in(cp: int, blocks: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in blocks)


def cjk_base(ch: str) -> bool | None:
    """True for a CJK character, False for any other, None when ambiguous (decided by its neighbours)."""
    cp = ord(ch)
    if cp < 0x1100:
        return False
    width = unicodedata.east_asian_width(ch)
    if width in ("F", "H"):
        return True
    if width == "W":
        return not _in(cp, EMOJI_BLOCKS)
    if width == "A":
        return None
    return width == "N" and _in(cp, HANGUL_BLOCKS)


def previous_is_cjk(ch: str) -> bool:
    base = cjk_base(ch)
    return base if base is not None else ord(ch) in IDEOGRAPHIC_VARIATION_SELECTORS


def two_previous_is_cjk(ch: str, selector: str) -> bool:
    """The character before a variation selector: a curly quote with U+FE01 is the CJK-width quote."""
    base = cjk_base(ch)
    return base if base is not None else (ord(selector) == 0xFE01 and ch in CURLY_QUOTES)


def next_is_cjk(ch: str) -> bool:
    return bool(cjk_base(ch))


def is_punctuation(ch: str) -> bool:
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch)


def cjk_scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    """markdown-it's scanDelims with the amendment: a CJK neighbour makes a run flanking."""
    src, maximum = state.src, state.posMax
    marker = src[start]
    last = src[start - 1] if start > 0 else " "  # the start of the line counts as a space
    last_main, two_previous = last, None
    if ord(last) in VARIATION_SELECTORS and start > 1:
        two_previous = src[start - 2]
        if unicodedata.category(two_previous) != "Zs":
            last_main = two_previous
    pos = start
    while pos < maximum and src[pos] == marker:
        pos += 1
    count = pos - start
    following = src[pos] if pos < maximum else " "

    last_space, next_space = isWhiteSpace(ord(last_main)), isWhiteSpace(ord(following))
    if last_space or next_space:
        return Scanned(not next_space, not last_space, count)
    last_punct, next_punct = is_punctuation(last_main), is_punctuation(following)
    left_flanking, right_flanking = last_punct, next_punct
    if can_split_word:
        either_cjk = next_is_cjk(following) or (
            two_previous_is_cjk(two_previous, last) if two_previous is not None else previous_is_cjk(last)
        )
        left_flanking = left_flanking or either_cjk or not next_punct
        right_flanking = right_flanking or either_cjk or not last_punct
    return Scanned(left_flanking, right_flanking, count)


def cjk_friendly_plugin(md: MarkdownIt) -> None:
    """Emphasis and strikethrough scan their delimiter runs with `cjk_scan_delims`."""
    for name in ("emphasis", "strikethrough"):
        ruler = md.inline.ruler
        rule = ruler.__rules__[ruler.__find__(name)]
        ruler.at(name, _with_cjk_scan(rule.fn), {"alt": list(rule.alt)})


def _with_cjk_scan(tokenize):
    def rule(state: StateInline, silent: bool) -> bool:
        state.scanDelims = partial(
            cjk_scan_delims, state
        )  # this state only: markdown-it's class is left alone
        return tokenize(state, silent)

    return rule
