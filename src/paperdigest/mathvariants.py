"""KaTeX's MathML as MathML Core browsers draw it: letter styles as characters, table columns
aligned with CSS.

KaTeX writes `\\mathbb{R}` as `<mi mathvariant="double-struck">R</mi>`; browsers that implement
MathML Core (Chromium, Firefox, Safari) honour only mathvariant="normal" and draw a plain R. The
same letter as a Unicode mathematical alphanumeric character (ℝ, 𝒙, 𝒩, 𝐖, 𝔤) is drawn as meant
everywhere, so `math.output: mathml` pages carry those instead of the attribute.

KaTeX leaves the thin spaces TeX sets around a named operator (`\\log`, `\\sin`, `\\operatorname`) to
the browser, and MathML Core sets none: they are written as <mspace>.

MathML Core also drops `columnalign` and `columnspacing`: an `align` environment's right and left
columns are drawn centred, with space between them, so the `=` signs do not line up. Each cell
gets the text-align and padding its table asks for instead (CSS, which those browsers honour;
Chromium 156 aligns a cell's math only by `-webkit-left` and `-webkit-right`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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


def for_mathml_core(mathml: str) -> str:
    """KaTeX's MathML with what MathML Core browsers ignore said in a way they draw."""
    mathml = unicode_variants(script_spacing(rows_for_tokens_of_elements(mathml)))
    mathml = stretchy_fences(
        aligned_columns(enclosures(padded(bar_delimiters(ellipses(colon_equals(mathml))))))
    )
    return operator_spaces(display_lines(tag_widths(mathml)))


# `\stackrel{\text{def}}{=}` and `\overset{a}{b}` are KaTeX's <mo> or <mi> around a <mover>, and
# `\bmod` an <mo> around the row of its letters. A token element holds text in MathML Core:
# Chromium drew the <mover> inside it as a row, 'x =def y' for x ≝ y. An <mrow> holds it as
# KaTeX meant (a row whose only element is an operator is that operator, spaced as one); spaces the
# token set on its sides become <mspace>s.
TOKEN_OF_ELEMENTS = re.compile(r"<(mo|mi)((?:\s[^>]*)?)>(?=<m)")
SIDE_SPACE = re.compile(r'\b(lspace|rspace)="([^"]*)"')


def rows_for_tokens_of_elements(mathml: str) -> str:
    at = 0
    while found := TOKEN_OF_ELEMENTS.search(mathml, at):
        tag, attrs = found.groups()
        end = element_end(mathml, found.start())
        inside = mathml[found.end() : end - len(f"</{tag}>")]
        spaces = dict(SIDE_SPACE.findall(attrs))
        before = f'<mspace width="{spaces["lspace"]}"/><mrow>' if "lspace" in spaces else "<mrow>"
        after = f'</mrow><mspace width="{spaces["rspace"]}"/>' if "rspace" in spaces else "</mrow>"
        mathml = mathml[: found.start()] + before + inside + after + mathml[end:]
        at = found.start() + len(before)  # the tokens inside come next
    return mathml


# \colorbox, \fcolorbox and the labels of \xrightarrow are KaTeX's <mpadded> grown by a relative
# width (`width="+6pt" lspace="3pt"`, height and voffset alike), which MathML Core does not accept:
# Chromium drew \colorbox{yellow}{x} as a yellow speck beside the x, and a label with no room on
# its sides, so the arrow under it was no longer than the label. The same room is CSS padding.
RELATIVE_PADDING = re.compile(
    r'<mpadded width="\+([^"]+)"(?: height="\+([^"]+)")? lspace="([^"]+)"(?: voffset="([^"]+)")?([^>]*)>'
)


def padded(mathml: str) -> str:
    if 'width="+' not in mathml:
        return mathml
    return RELATIVE_PADDING.sub(padding_style, mathml)


def padding_style(match: re.Match) -> str:
    rest = match.group(5)
    width, height, left, raised = (tex_length(v) if v else v for v in match.groups()[:4])
    top = f"calc({height} - {raised or '0em'})" if height else "0em"
    padding = f"padding:{top} calc({width} - {left}) {raised or '0em'} {left}"
    style = re.search(r'\sstyle="([^"]*)"', rest)
    if style:
        rest = rest.replace(style.group(0), "")
        padding += ";" + style.group(1)
    return f'<mpadded style="{padding}"{rest}>'


def tex_length(value: str) -> str:
    """A length as KaTeX's HTML draws it: a TeX point is a tenth of the em (TeX's 10pt font), not
    the CSS point KaTeX's MathML leaves it to."""
    return f"{float(value[:-2]) / 10:g}em" if value.endswith("pt") else value


# \boxed, \fbox, \cancel, \bcancel, \xcancel and \sout are KaTeX's <menclose>, which MathML Core
# left out: browsers draw its content as a row and nothing else, so `\boxed{E = mc^2}` lost its
# box and `\cancel{x}` its stroke. CSS, which browsers apply to any MathML element, draws them:
# a border for a box (KaTeX's \fboxsep of 0.3em inside), gradients for the strokes.
STROKE = "linear-gradient({}, transparent calc(50% - 0.03em), currentColor calc(50% - 0.03em), currentColor calc(50% + 0.03em), transparent calc(50% + 0.03em))"
ENCLOSURE_STYLES = {
    "box": "border:0.04em solid;padding:0.3em",
    # the middle line of `to top left` joins bottom left and top right
    "updiagonalstrike": STROKE.format("to top left"),
    "downdiagonalstrike": STROKE.format("to top right"),
    "horizontalstrike": STROKE.format("to top"),
    "actuarial": "border-top:0.04em solid;border-right:0.04em solid;padding:0 0.04em",
}
MENCLOSE = re.compile(r'<menclose notation="([a-z ]+)">')


def enclosures(mathml: str) -> str:
    if "<menclose" not in mathml:
        return mathml
    return MENCLOSE.sub(enclosure_style, mathml)


def enclosure_style(match: re.Match) -> str:
    """The <menclose> with a style drawing its notations (strokes as backgrounds over each other)."""
    notations = match.group(1).split()
    styles = [ENCLOSURE_STYLES[n] for n in notations if n in ENCLOSURE_STYLES]
    borders = [s for s in styles if not s.startswith("linear-gradient")]
    strokes = [s for s in styles if s.startswith("linear-gradient")]
    rules = borders + ([f"background:{','.join(strokes)}"] if strokes else [])
    return f'<menclose notation="{match.group(1)}" style="{";".join(rules)}">' if rules else match.group(0)


# `\lvert x \rvert`, `\lVert x \rVert` and `\left| x \right|` are KaTeX's <mo> ∣ and ∥, marked as
# delimiters (stretchy="false" or fence="true"; `\mid` is a bare <mo>∣</mo>). MathML Core's
# operator dictionary knows ∣ and ∥ only as relations (divides, parallel) and spaced them as one:
# '| x |'. TeX sets an opening or closing delimiter tight against what it encloses.
BAR_DELIMITER = re.compile(r'<mo((?: fence="true")?(?: stretchy="(?:true|false)")?)>([∣∥])</mo>')


def bar_delimiters(mathml: str) -> str:
    if "∣" not in mathml and "∥" not in mathml:
        return mathml
    return BAR_DELIMITER.sub(bar_delimiter, mathml)


def bar_delimiter(match: re.Match) -> str:
    attrs, bar = match.groups()
    return f"<mo{attrs}{NO_SPACE}>{bar}</mo>" if attrs else match.group(0)


# KaTeX marks the delimiters of \left..\right, \middle and \binom as fences and leaves their
# stretching to the operator dictionary, whose MathML Core version stretches ( [ { ⟨ ⌊ but not ∣,
# ∥ or /: `\left| \frac{a}{b} \right|`, a norm `\left\| x \right\|`, vmatrix and Vmatrix kept
# the height of a letter beside a fraction. A fence is meant to stretch: it says so.
FENCE = re.compile(r'<mo fence="true"(?![^>]*\sstretchy=)')


def stretchy_fences(mathml: str) -> str:
    return FENCE.sub('<mo fence="true" stretchy="true"', mathml)


# A formula with \tag is KaTeX's one-row table as wide as the line: glue cells of half its width
# each side of the formula, then the tag. MathML Core drops the width attribute, so the tag sat
# beside the formula in the middle of the line; as CSS it goes to the right margin, as in LaTeX.
WIDTH = re.compile(r'<(mtable|mtd) width="(\d+(?:\.\d+)?%)">')


def tag_widths(mathml: str) -> str:
    return WIDTH.sub(r'<\1 style="width:\2">', mathml)


# `\\` in display math outside an environment breaks the line: KaTeX's HTML draws each line
# centred under the one before; its MathML says it with <mspace linebreak="newline">, which MathML
# Core ignores, so `$$ a = b \\ c = d $$` was one line running off the side. Each line of the
# formula's top row becomes a row of a one-column table, which browsers draw.
NEWLINE = '<mspace linebreak="newline"></mspace>'
TOP_ROW = "<semantics><mrow>"
ANY_TAG = re.compile(r"<(/?)[a-zA-Z][^>]*?(/?)>")
LINE_CELL = '<mtr><mtd style="padding-left:0em;padding-right:0em"><mstyle displaystyle="true" scriptlevel="0"><mrow>{}</mrow></mstyle></mtd></mtr>'


def display_lines(mathml: str) -> str:
    if NEWLINE not in mathml or 'display="block"' not in mathml or TOP_ROW not in mathml:
        return mathml
    start = mathml.index(TOP_ROW)
    lines, last, depth = [], start + len(TOP_ROW), 0
    for tag in ANY_TAG.finditer(mathml, last):
        closing, empty = tag.groups()
        if closing and depth == 0:  # the top row's </mrow>
            break
        if depth == 0 and mathml.startswith(NEWLINE, tag.start()):
            lines.append(mathml[last : tag.start()])
            last = tag.start() + len(NEWLINE)
        depth += -1 if closing else 0 if empty else 1
    else:
        return mathml  # no end to the top row: not KaTeX's MathML
    if not lines:
        return mathml  # the line breaks are inside a part of the formula, not between its lines
    lines.append(mathml[last : tag.start()])
    rows = "".join(LINE_CELL.format(line) for line in lines if line.strip())
    return f"{mathml[:start]}<semantics><mtable>{rows}</mtable>{mathml[tag.end() :]}"


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


TABLE_TAG = re.compile(r"<(/?)(mtable|mtr|mtd)\b([^>]*)>")
ATTRIBUTE = re.compile(r'([a-z]+)\s*=\s*"([^"]*)"')
NOT_A_COLUMN = ("mtr-glue", "mml-eqn-num")  # KaTeX's centring glue and equation-number cells
EM = re.compile(r"^(\d*\.?\d+)em$")


@dataclass
class Table:
    aligns: list[str]
    spacings: list[float | None]  # between column i and i + 1, in em
    column: int = 0  # columns met so far in the current row


def aligned_columns(mathml: str) -> str:
    """Each cell of a table that sets columnalign or columnspacing with the style saying the same."""
    if "<mtable" not in mathml:
        return mathml
    tables: list[Table | None] = []

    def restyle(match: re.Match) -> str:
        closing, tag, attrs = match.groups()
        if tag == "mtable":
            if closing:
                tables.pop()
            else:
                found = dict(ATTRIBUTE.findall(attrs))
                aligns = found.get("columnalign", "").split()
                spacings = [em(v) for v in found.get("columnspacing", "").split()]
                tables.append(Table(aligns, spacings) if aligns or spacings else None)
            return match.group(0)
        table = tables[-1] if tables else None
        if table is None or closing:
            return match.group(0)
        if tag == "mtr":
            table.column = 0
            return match.group(0)
        found = dict(ATTRIBUTE.findall(attrs))
        if found.get("class") in NOT_A_COLUMN or "style" in found:
            return match.group(0)
        style = cell_style(table, table.column)
        table.column += 1
        return f'<mtd{attrs} style="{style}">' if style else match.group(0)

    return TABLE_TAG.sub(restyle, mathml)


def cell_style(table: Table, column: int) -> str:
    """text-align and padding of the cell in `column` (a list shorter than the columns repeats its
    last value, as MathML says)."""
    rules = []
    if table.aligns:
        align = table.aligns[min(column, len(table.aligns) - 1)]
        if align in ("left", "right"):  # Chromium aligns a cell's math by the -webkit- values only
            rules.append(f"text-align:{align};text-align:-webkit-{align}")
    if table.spacings:
        # columnspacing is the space between two columns, none before the first or after the last
        # (`\begin{pmatrix}` sits tight in its parentheses): each cell but the first has it on
        # its left, and no cell keeps the browser's own padding (MathML Core's 0.4em each side).
        before = table.spacings[min(column - 1, len(table.spacings) - 1)] if column else 0.0
        if before is not None:
            rules.append(f"padding-left:{before:g}em;padding-right:0em")
    return ";".join(rules)


def em(value: str) -> float | None:
    match = EM.match(value)
    return float(match.group(1)) if match else None


# A named operator is KaTeX's <mi>log</mi><mo>\u2061</mo> (U+2061, function application), inside
# the base of an <msub> or <munder> when it has limits. TeX sets a thin space (3mu) after it unless
# an opening bracket, another operator or the end of its group follows, and before it after a letter,
# number, group or closing bracket; MathML Core gives the invisible operator no space, so Chromium
# drew `\log n` as 'logn', `x\sin\theta` as 'xsinθ' and `O(n\log n)` as 'O(nlogn)'.
APPLY = "<mo>\u2061</mo>"
THIN = '<mspace width="0.1667em"></mspace>'
NAME_BEFORE = re.compile(r'<mi(?: mathvariant="normal")?>[^<]+</mi>$')
SCRIPTED = re.compile(r"<(msub|msup|msubsup|munder|mover|munderover)><mrow>$")
ORD_START = re.compile(
    r"<(?:mi|mn|mtext|mrow|msub|msup|msubsup|munder|mover|munderover|mfrac|msqrt|mroot|mstyle)\b"
)
ORD_END = re.compile(
    r"(?:</(?:mi|mn|mtext|mrow|msub|msup|msubsup|munder|mover|munderover|mfrac|msqrt|mroot|mstyle)>"
    r"|<mo\b[^>]*>[)\]}\u27e9\u230b\u2309]</mo>)$"
)


def operator_spaces(mathml: str) -> str:
    if APPLY not in mathml:
        return mathml
    spaces: set[int] = set()
    for found in re.finditer(re.escape(APPLY), mathml):
        name = NAME_BEFORE.search(mathml, max(0, found.start() - 200), found.start())
        if name is None:
            continue  # not after a name: nothing KaTeX writes for an operator
        start, end = name.start(), found.end()
        scripted = SCRIPTED.search(mathml, max(0, start - 30), start)
        if scripted and mathml.startswith("</mrow>", end):
            start, end = scripted.start(), element_end(mathml, scripted.start())
        if ORD_START.match(mathml, end):
            spaces.add(end)
        if ORD_END.search(mathml, max(0, start - 60), start):
            spaces.add(start)
    pieces, last = [], 0
    for at in sorted(spaces):
        pieces += [mathml[last:at], THIN]
        last = at
    return "".join(pieces) + mathml[last:]


def element_end(mathml: str, start: int) -> int:
    """Where the element that opens at `start` ends (after its closing tag)."""
    depth = 0
    for tag in ANY_TAG.finditer(mathml, start):
        closing, empty = tag.groups()
        depth += -1 if closing else 0 if empty else 1
        if depth == 0:
            return tag.end()
    return len(mathml)


# `a := b` and `b =: a` are KaTeX's <mo>:</mo><mo>=</mo>: two relations, which TeX sets together
# with a thick space outside them; MathML Core's dictionary spaces the colon as punctuation, so
# Chromium drew 'a: = b'. The pair is spaced as one relation.
COLON_EQUALS = re.compile(r"<mo>:</mo><mo>=</mo>|<mo>=</mo><mo>:</mo>")
THICK = "0.2778em"  # TeX's thick space (5mu), a relation's each side


def colon_equals(mathml: str) -> str:
    if "<mo>:</mo>" not in mathml:
        return mathml

    def pair(match: re.Match) -> str:
        first, second = match.group()[4], match.group()[-6]
        return (
            f'<mo lspace="{THICK}" rspace="0em">{first}</mo><mo lspace="0em" rspace="{THICK}">{second}</mo>'
        )

    return COLON_EQUALS.sub(pair, mathml)


# `\dots`, `\ldots` and `\cdots` are KaTeX's <mo>…</mo> and <mo>⋯</mo>, which MathML Core's
# dictionary spaces as operators: `x_1, \ldots, x_n` drew 0.43em after each comma. TeX sets an
# ellipsis as an inner atom: a thin space between it and a letter, group or punctuation, none of
# its own beside a binary operator or relation (theirs is set) or a comma before it (the comma's).
ELLIPSIS = re.compile(r"<mo>([…⋯])</mo>")
PUNCT_START = re.compile(r'<mo separator="true">')


def ellipses(mathml: str) -> str:
    if "<mo>…" not in mathml and "<mo>⋯" not in mathml:
        return mathml

    def spaced(match: re.Match) -> str:
        before = THIN if ORD_END.search(mathml, max(0, match.start() - 60), match.start()) else ""
        end = match.end()
        after = THIN if ORD_START.match(mathml, end) or PUNCT_START.match(mathml, end) else ""
        return f"{before}<mo{NO_SPACE}>{match.group(1)}</mo>{after}"

    return ELLIPSIS.sub(spaced, mathml)


# TeX sets no space around a relation, a binary operator or punctuation in a script or in an inline
# fraction (script style): `\sum_{i=1}^n`, `\mathbb{E}_{x\sim p}` and `\lim_{n\to\infty}` sit tight
# in KaTeX's HTML. MathML Core gives an operator its dictionary spaces at every script level, so
# Chromium drew 'i = 1', 'x ∼ p' and 'n → ∞' below a sum as wide as on the line. Each <mo> in
# script style gets no space, as in TeX, unless KaTeX set its spaces itself; a large operator keeps
# its thin spaces, which TeX keeps in scripts too.
TAG = re.compile(r"<(/?)([a-z]+)\b([^>]*?)(/?)>")
SCRIPTS_AFTER_BASE = ("msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts")
LARGE_OPERATORS = "∑∏∐∫∬∭∮⋀⋁⋂⋃⨀⨁⨂⨄⨆"
NO_SPACE = ' lspace="0em" rspace="0em"'


@dataclass
class Element:
    name: str
    script: bool  # in TeX's script or scriptscript style
    display: bool  # in TeX's display style
    children: int = 0


def script_spacing(mathml: str) -> str:
    if "<mo" not in mathml:
        return mathml
    open_elements: list[Element] = []

    def visit(match: re.Match) -> str:
        closing, name, attrs, empty = match.groups()
        if closing:
            if open_elements:
                open_elements.pop()
            return match.group(0)
        parent = open_elements[-1] if open_elements else None
        script, display = child_style(parent, name, attrs)
        if parent is not None:
            parent.children += 1
        if not empty:
            open_elements.append(Element(name, script, display))
        if name == "mo" and script and "space=" not in attrs and not starts_large(match.end()):
            return f"<mo{attrs}{NO_SPACE}{empty}>"
        return match.group(0)

    def starts_large(at: int) -> bool:
        return at < len(mathml) and mathml[at] in LARGE_OPERATORS

    return TAG.sub(visit, mathml)


def child_style(parent: Element | None, name: str, attrs: str) -> tuple[bool, bool]:
    """(script, display) style of an element opening in `parent`: a base keeps its parent's style;
    scripts, a root's index and the parts of an inline fraction are in script style; the parts of
    a display fraction in text style; <mstyle> says its own."""
    if parent is None or name == "math":  # KaTeX's <math> may sit in its <span class="katex">
        return False, 'display="block"' in attrs
    script, display = parent.script, parent.display
    if opens_a_script(parent):
        script, display = True, False
    elif parent.name == "mfrac":
        script, display = script or not display, False
    if name == "mstyle":
        found = dict(ATTRIBUTE.findall(attrs))
        display = found.get("displaystyle", "true" if display else "false") == "true"
        script = found.get("scriptlevel", "1" if script else "0") != "0"
    return script, display


def opens_a_script(parent: Element) -> bool:
    """Whether the next child of `parent` is a script (a sub- or superscript, a limit, an index)."""
    if parent.name == "mroot":
        return parent.children == 1
    return parent.name in SCRIPTS_AFTER_BASE and parent.children >= 1
