"""KaTeX's MathML letter styles as the characters MathML Core browsers draw.

KaTeX writes `\\mathbb{R}` as `<mi mathvariant="double-struck">R</mi>`; browsers that implement
MathML Core (Chromium, Firefox, Safari) honour only mathvariant="normal" and draw a plain R. The
same letter as a Unicode mathematical alphanumeric character (ℝ, 𝒙, 𝒩, 𝐖, 𝔤) is drawn as meant
everywhere, so `math.output: mathml` pages carry those instead of the attribute.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# mathvariant -> the style words of the Unicode character names ("MATHEMATICAL BOLD ITALIC SMALL X").
STYLES = {
    "bold": "BOLD",
    "italic": "ITALIC",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
    "monospace": "MONOSPACE",
}
# Letters encoded before the mathematical block, in Letterlike Symbols, under other names.
OLDER_NAMES = {"FRAKTUR": "BLACK-LETTER", "ITALIC SMALL H": "PLANCK CONSTANT"}
# Text (\textbf, \textit) stays text, styled by CSS, which browsers apply to <mtext>.
TEXT_STYLES = {
    "bold": "font-weight:bold",
    "italic": "font-style:italic",
    "bold-italic": "font-weight:bold;font-style:italic",
    "monospace": "font-family:monospace",
    "sans-serif": "font-family:sans-serif",
}
STYLED = re.compile(r'<(mi|mn) mathvariant="([a-z-]+)">([^<&]*)</\1>')
STYLED_TEXT = re.compile(r'<mtext mathvariant="([a-z-]+)">')


@lru_cache(maxsize=4096)
def styled(char: str, style: str) -> str | None:
    """`char` in `style` (a STYLES value) as one character, or None when Unicode has none."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    kind = name.removeprefix("LATIN ").removeprefix("GREEK ").replace(" LETTER ", " ").replace("LETTER ", "")
    older = OLDER_NAMES.get(f"{style} {kind}") or f"{OLDER_NAMES.get(style, style)} {kind}"
    for candidate in (f"MATHEMATICAL {style} {kind}", older):
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return None


def unicode_variants(mathml: str) -> str:
    """KaTeX's MathML with each styled letter or digit as its mathematical character (an element
    holding any character without one keeps its attribute) and styled text as CSS."""

    def replace(match: re.Match) -> str:
        tag, variant, text = match.groups()
        style = STYLES.get(variant)
        chars = [c if c.isspace() else styled(c, style) for c in text] if style else [None]
        if None in chars:
            return match.group(0)
        return f"<{tag}>{''.join(chars)}</{tag}>"

    def restyle(match: re.Match) -> str:
        style = TEXT_STYLES.get(match.group(1))
        return f'<mtext style="{style}">' if style else match.group(0)

    return STYLED_TEXT.sub(restyle, STYLED.sub(replace, mathml))
