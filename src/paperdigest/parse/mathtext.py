"""Formulas as readable text, with the macros in effect where they stand.

Where HTML cannot typeset (`<title>`, feeds, papers.json, search titles), a formula is read as text
by pylatexenc. pylatexenc knows LaTeX, not the macros the formula is typeset with: KaTeX's own
(`\\R`, `\\argmax`, `\\gt`, ...), the site's (`math.macros`) and those the digest defines above it
(`\\newcommand`, `\\def`, `\\DeclareMathOperator`, ...). They are expanded in the TeX first, as
KaTeX expands them (arguments #1..#9, an optional first argument, at most MAX_EXPANSIONS), so
`\\E[X]` with `\\E: \\mathbb{E}` reads `𝔼[X]`. A control sequence nobody defines reads as written
(`\\norm{v}`), as the page shows a formula KaTeX rejects: never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property, lru_cache

from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db

# A formula that defines macros for the formulas after it (mathrender typesets them so too): the
# defining commands, \global (\global\def); not followed by a letter (\define is none).
DEFINES = re.compile(
    r"\\(?:newcommand|renewcommand|providecommand|DeclareMathOperator|[gex]?def|global|let|futurelet)(?![A-Za-z@])"
)
MAX_EXPANSIONS = 1000  # KaTeX's maxExpand: past it KaTeX refuses the formula (a macro that calls itself)
MAX_LENGTH = 10_000  # an expansion this long is an explosion (\def\a{\b\b}\def\b{\c\c}...), not a title
TOKEN = re.compile(r"\\([A-Za-z]+|.)|(.)", re.DOTALL)
PARAMETER = re.compile(r"#([1-9#])")


@dataclass(frozen=True)
class Macro:
    """A macro as \\newcommand makes it: `params` arguments, the first optional (in `[...]`,
    `default` when absent) when `default` is not None; `star`: a `*` after the name is ignored."""

    body: str
    params: int = 0
    default: str | None = None
    star: bool = False


def macro(body: str) -> Macro:
    """A macro written as KaTeX's `macros` option takes one: its arguments are the #n it uses."""
    numbers = [int(n) for n in PARAMETER.findall(body) if n != "#"]
    return Macro(body, max(numbers, default=0))


def operator(word: str) -> str:
    """A named operator: the upright word, set apart as one operator (spaced() reads \\mathop so)."""
    return rf"\mathop{{\mathrm{{{word}}}}}"


# KaTeX's named operators that pylatexenc does not know, by the word each is set as.
OPERATOR_WORDS = {
    "operatorname": "#1", "operatornamewithlimits": "#1", "argmax": r"arg\,max", "argmin": r"arg\,min",
    "arg": "arg", "det": "det", "ker": "ker", "gcd": "gcd", "deg": "deg", "dim": "dim", "hom": "hom",
    "Pr": "Pr", "lg": "lg", "sec": "sec", "csc": "csc", "cot": "cot", "coth": "coth", "cosec": "cosec",
    "cotg": "cotg", "ctg": "ctg", "cth": "cth", "sh": "sh", "ch": "ch", "tg": "tg", "arctg": "arctg",
    "arcctg": "arcctg", "plim": "plim", "injlim": r"inj\,lim", "projlim": r"proj\,lim",
    "varliminf": r"lim\,inf", "varlimsup": r"lim\,sup", "varinjlim": r"inj\,lim",
    "varprojlim": r"proj\,lim",
}  # fmt: skip

# KaTeX's own macros and commands that pylatexenc does not know, as the TeX they read as (KaTeX's
# macros.js for most). Sizes, styles, spacing and colours read as nothing; a command's text argument
# as itself.
KATEX_MACROS: dict[str, Macro] = {
    name: macro(body)
    for name, body in {
        # letters and sets
        "R": r"\mathbb{R}", "N": r"\mathbb{N}", "Z": r"\mathbb{Z}", "Reals": r"\mathbb{R}",
        "reals": r"\mathbb{R}", "natnums": r"\mathbb{N}", "Complex": r"\mathbb{C}",
        "cnums": r"\mathbb{C}", "Bbb": r"\mathbb{#1}", "bold": r"\mathbf{#1}", "frak": r"\mathfrak{#1}",
        "Bbbk": "𝕜", "Re": "ℜ", "Im": "ℑ", "real": "ℜ", "image": "ℑ", "alef": "ℵ", "alefsym": "ℵ",
        "weierp": "℘", "imath": "ı", "jmath": "ȷ", "Game": "⅁", "Finv": "Ⅎ", "thetasym": "ϑ",
        "varGamma": r"\Gamma", "varDelta": r"\Delta", "varTheta": r"\Theta", "varLambda": r"\Lambda",
        "varXi": r"\Xi", "varPi": r"\Pi", "varSigma": r"\Sigma", "varUpsilon": r"\Upsilon",
        "varPhi": r"\Phi", "varPsi": r"\Psi", "varOmega": r"\Omega", "empty": r"\emptyset",
        # operators: KaTeX typesets them upright, as words
        **{name: operator(word) for name, word in OPERATOR_WORDS.items()},
        "bmod": r"\mathrm{\ mod\ }", "mod": r"\mathrm{\ mod\ }#1", "pmod": r"\mathrm{\ (mod\ }#1)",
        "pod": r"\mathrm{\ (}#1)",
        # relations, arrows and symbols
        "gt": ">", "lt": "<", "ne": r"\neq", "iff": r"\Longleftrightarrow", "implies": r"\Longrightarrow",
        "impliedby": r"\Longleftarrow", "gets": r"\leftarrow", "land": r"\wedge", "lor": r"\vee",
        "neg": r"\lnot", "bot": r"\perp", "models": "⊨", "vDash": "⊨", "owns": r"\ni", "isin": r"\in",
        "infin": r"\infty", "plusmn": r"\pm", "sub": r"\subset", "sube": r"\subseteq",
        "supe": r"\supseteq", "lang": r"\langle", "rang": r"\rangle", "Dagger": "‡", "ddag": "‡",
        "ddagger": "‡", "degree": "°", "bull": "•", "sdot": r"\cdot", "cdotp": r"\cdot",
        "centerdot": r"\cdot", "ldotp": ".", "colon": ":", "ratio": ":", "coloneqq": "≔",
        "coloneq": "≔", "colonequals": "≔", "Coloneqq": "∷=", "Coloneq": "∷=", "eqqcolon": "≕",
        "eqcolon": "≕", "equalscolon": "≕", "dblcolon": "∷", "coloncolon": "∷", "approxcolon": "≈:",
        "simcolon": "∼:", "minuscolon": "-:", "ncong": "≇", "nsim": "≁",
        "checkmark": "✓", "yen": "¥", "pounds": "£", "mathsterling": "£", "copyright": "©",
        "circledR": "®", "maltese": "✠", "S": "§", "sect": "§", "P": "¶", "hearts": "♥",
        "heartsuit": "♥", "spades": "♠", "spadesuit": "♠", "clubs": "♣", "clubsuit": "♣",
        "diamonds": "♢", "diamondsuit": "♢", "Box": "□", "Diamond": "◊", "triangle": "△",
        "lll": "⋘", "llless": "⋘", "ggg": "⋙", "gggtr": "⋙", "lhd": "⊲", "rhd": "⊳", "unlhd": "⊴",
        "unrhd": "⊵", "leadsto": "⇝", "uarr": "↑", "darr": "↓", "larr": "←", "rarr": "→",
        "harr": "↔", "lrarr": "↔", "uArr": "⇑", "dArr": "⇓", "lArr": "⇐", "rArr": "⇒", "hArr": "⇔",
        "lrArr": "⇔", "Uarr": "⇑", "Darr": "⇓", "Larr": "⇐", "Rarr": "⇒", "Harr": "⇔", "Lrarr": "⇔",
        "varpropto": r"\propto", "smallint": r"\int", "intop": r"\int", "bigstar": "★",
        "mathellipsis": "…", "lbrack": "[", "rbrack": "]", "lparen": "(", "rparen": ")",
        "lBrace": "⦃", "rBrace": "⦄", "lgroup": "⟮", "rgroup": "⟯", "llbracket": "⟦", "rrbracket": "⟧",
        "textbar": "|", "textbardbl": "‖", "textless": "<", "textgreater": ">", "textbraceleft": r"\{",
        "textbraceright": r"\}", "textunderscore": "_", "lq": "‘", "rq": "’", "TeX": "TeX",
        "LaTeX": "LaTeX", "KaTeX": "KaTeX", "|": r"\Vert",
        # fractions and stacked
        "dfrac": r"\frac{#1}{#2}", "tfrac": r"\frac{#1}{#2}", "cfrac": r"\frac{#1}{#2}",
        "binom": r"(#1 \text{ choose } #2)", "dbinom": r"(#1 \text{ choose } #2)",
        "tbinom": r"(#1 \text{ choose } #2)", "overset": "#2", "underset": "#2", "stackrel": "#2",
        "substack": "#1",
        # a text or formula argument, shown as itself in another style or box
        "texttt": r"\text{#1}", "textsf": r"\text{#1}", "textup": r"\text{#1}", "textmd": r"\text{#1}",
        "textnormal": r"\text{#1}", "mbox": r"\text{#1}", "hbox": r"\text{#1}", "fbox": r"\text{#1}",
        "boxed": "#1", "bm": r"\mathbf{#1}", "boldsymbol": r"\mathbf{#1}", "pmb": r"\mathbf{#1}",
        "mathnormal": "#1", "mathsfit": r"\mathsf{#1}", "mathbin": "#1", "mathrel": "#1",
        "mathord": "#1", "mathopen": "#1", "mathclose": "#1", "mathpunct": "#1", "mathinner": "#1",
        "cancel": "#1", "bcancel": "#1", "xcancel": "#1", "sout": "#1", "underbar": r"\underline{#1}",
        "utilde": r"\tilde{#1}", "widecheck": r"\check{#1}", "mathring": r"\mathring{#1}",
        "smash": "#1", "llap": "#1", "rlap": "#1", "clap": "#1", "mathllap": "#1", "mathrlap": "#1",
        "mathclap": "#1", "textcircled": "#1", "htmlClass": "#2", "htmlId": "#2", "htmlStyle": "#2",
        "htmlData": "#2", "colorbox": "#2",
        # what only changes the look: sizes, styles, spacing, colours, numbering
        "displaystyle": "", "textstyle": "", "scriptstyle": "", "scriptscriptstyle": "", "limits": "",
        "nolimits": "", "left": "", "right": "", "middle": "", "big": "", "Big": "", "bigg": "",
        "Bigg": "", "bigl": "", "Bigl": "", "biggl": "", "Biggl": "", "bigr": "", "Bigr": "",
        "biggr": "", "Biggr": "", "bigm": "", "Bigm": "", "biggm": "", "Biggm": "", "nonumber": "",
        "notag": "", "allowbreak": "", "nobreak": "", "relax": "", "mathstrut": "", "strut": "",
        "tiny": "", "scriptsize": "", "footnotesize": "", "small": "", "normalsize": "", "large": "",
        "Large": "", "LARGE": "", "huge": "", "Huge": "", "rm": "", "bf": "", "it": "", "sf": "",
        "tt": "", "cal": "", "begingroup": "", "endgroup": "", "bgroup": "", "egroup": "",
        "enspace": " ", "thinspace": " ", "medspace": " ", "thickspace": " ", "space": " ",
        "nobreakspace": " ", "negthinspace": "", "negmedspace": "", "negthickspace": "",
        "newline": " ", "cr": " ", "hline": "", "hdashline": "", "DOTSB": "", "DOTSI": "", "DOTSX": "",
        "noexpand": "", "expandafter": "", "long": "",
    }.items()
}  # fmt: skip
KATEX_MACROS |= {
    "operatorname": Macro(r"\mathop{\mathrm{#1}}", 1, star=True),  # \operatorname*{arg\,max}
    "operatornamewithlimits": Macro(r"\mathop{\mathrm{#1}}", 1),
    # what their argument sets, not text: a colour, an equation's number, a label, a space's size
    "color": Macro("", 1), "tag": Macro("", 1, star=True), "label": Macro("", 1),
    "phantom": Macro(" ", 1), "hphantom": Macro(" ", 1), "vphantom": Macro("", 1),
}  # fmt: skip
# Extensible arrows: the label over the arrow (an optional one under it) reads as its superscript.
ARROWS = {
    "xrightarrow": "→", "xleftarrow": "←", "xRightarrow": "⇒", "xLeftarrow": "⇐", "xleftrightarrow": "↔",
    "xLeftrightarrow": "⇔", "xmapsto": "↦", "xlongequal": "=", "xhookrightarrow": "↪",
    "xhookleftarrow": "↩", "xtwoheadrightarrow": "↠", "xtwoheadleftarrow": "↞",
}  # fmt: skip
KATEX_MACROS |= {name: Macro(arrow + "^{#2}", 2, default="") for name, arrow in ARROWS.items()}
# A sized delimiter written `.` is none: `\left.` reads as nothing, not as a full stop.
NULL_DELIMITER = re.compile(r"\\(?:left|right|middle|[bB]igg?[lrm]?)\s*\.")


class MacroScope:
    """The macros in effect for a formula (name without backslash -> Macro): KaTeX's own, the
    site's over them, then a digest's definitions in order. Immutable and hashable, so that the
    text of a formula is cached by (TeX, scope)."""

    def __init__(self, macros: Mapping[str, Macro]):
        self.macros = dict(macros)

    @cached_property
    def _key(self) -> tuple:
        return tuple(sorted(self.macros.items()))

    @cached_property
    def _hash(self) -> int:  # hashed once: the text cache looks a scope up for every formula
        return hash(self._key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MacroScope) and (self is other or self._key == other._key)

    def after(self, tex: str) -> MacroScope:
        """The scope after a formula: its definitions added (a formula defining nothing, itself)."""
        if not DEFINES.search(tex):
            return self
        macros = dict(self.macros)
        with suppress(TooMuch):  # what it defined before it went on without end stays, as in KaTeX
            Expander(macros).expand(tex)
        return MacroScope(macros)


KATEX_SCOPE = MacroScope(KATEX_MACROS)

# KaTeX's own macros that LaTeX with amsmath and amssymb lacks, as the TeX they mean there: a title's
# `$\R^n$` in a .bib file must typeset in a paper that never defined \R (KaTeX's macros.js).
LATEX_LACKS: dict[str, Macro] = {
    name: macro(body)
    for name, body in {
        "R": r"\mathbb{R}", "Reals": r"\mathbb{R}", "reals": r"\mathbb{R}", "N": r"\mathbb{N}",
        "natnums": r"\mathbb{N}", "Z": r"\mathbb{Z}", "Complex": r"\mathbb{C}", "cnums": r"\mathbb{C}",
        "Bbb": r"\mathbb{#1}", "bold": r"\mathbf{#1}", "frak": r"\mathfrak{#1}", "bm": r"\boldsymbol{#1}",
        "argmax": r"\operatorname*{arg\,max}", "argmin": r"\operatorname*{arg\,min}",
        "gt": ">", "lt": "<", "empty": r"\emptyset", "alef": r"\aleph", "alefsym": r"\aleph",
        "real": r"\Re", "image": r"\Im", "weierp": r"\wp", "thetasym": r"\vartheta", "exist": r"\exists",
        "isin": r"\in", "infin": r"\infty", "plusmn": r"\pm", "sub": r"\subset", "sube": r"\subseteq",
        "supe": r"\supseteq", "lang": r"\langle", "rang": r"\rangle", "Dagger": r"\ddagger",
        "bull": r"\bullet", "sdot": r"\cdot", "clubs": r"\clubsuit", "hearts": r"\heartsuit",
        "spades": r"\spadesuit", "diamonds": r"\diamondsuit",
        "uarr": r"\uparrow", "darr": r"\downarrow", "larr": r"\leftarrow", "rarr": r"\rightarrow",
        "harr": r"\leftrightarrow", "lrarr": r"\leftrightarrow", "uArr": r"\Uparrow", "Uarr": r"\Uparrow",
        "dArr": r"\Downarrow", "Darr": r"\Downarrow", "lArr": r"\Leftarrow", "Larr": r"\Leftarrow",
        "rArr": r"\Rightarrow", "Rarr": r"\Rightarrow", "hArr": r"\Leftrightarrow",
        "Harr": r"\Leftrightarrow", "lrArr": r"\Leftrightarrow", "Lrarr": r"\Leftrightarrow",
    }.items()
}  # fmt: skip


@lru_cache(maxsize=64)
def site_scope(macros: tuple[tuple[str, str], ...]) -> MacroScope:
    """KaTeX's macros with the site's (`math.macros`: `\\name` -> TeX) over them."""
    return MacroScope({**KATEX_MACROS, **{name.lstrip("\\"): macro(body) for name, body in macros}})


class TooMuch(Exception):
    """An expansion past MAX_EXPANSIONS or MAX_LENGTH: KaTeX refuses such a formula too."""


class Expander:
    """Expands the macros of `macros` in TeX and adds the definitions it meets to `macros`, as
    KaTeX does with one macros object for a page (MathJax keeps definitions for the rest of it)."""

    def __init__(self, macros: dict[str, Macro], *, drop_null_delimiters: bool = True):
        self.macros = macros
        self.expansions = 0
        # Text drops `\left.` (it reads as nothing); LaTeX needs it to pair with its `\right`.
        self.drop_null_delimiters = drop_null_delimiters

    def expand(self, tex: str) -> str:
        out: list[str] = []
        rest, pos = tex, 0
        while pos < len(rest):
            m = TOKEN.match(rest, pos)
            name = m.group(1)
            if name is None or (name not in self.macros and name not in DEFINERS):
                out.append(m.group())
                pos = m.end()
                continue
            if name in DEFINERS:
                pos = DEFINERS[name](self, rest, m.end())
                continue
            called = self.call(self.macros[name], rest, m.end())
            if called is None:  # an argument missing at the formula's end: KaTeX refuses it too
                out.append(m.group())
                pos = m.end()
                continue
            body, end = called
            rest, pos = joined(body, rest[end:]), 0  # expanded again, as TeX reads a macro's expansion
            self.expansions += 1
            if self.expansions > MAX_EXPANSIONS or len(rest) > MAX_LENGTH:
                raise TooMuch
        return "".join(out)

    def call(self, found: Macro, text: str, pos: int) -> tuple[str, int] | None:
        """The body of `found` with its arguments read from text[pos:], and where the call ends."""
        if found.star and text.startswith("*", pos):
            pos += 1
        args: list[str] = []
        for number in range(found.params):
            if number == 0 and found.default is not None:
                optional = read_optional(text, pos)
                arg, pos = optional if optional else (found.default, pos)
            else:
                read = read_argument(text, pos)
                if read is None:
                    return None
                arg, pos = read
            args.append(arg)
        pieces, last = [], 0
        for p in PARAMETER.finditer(found.body):
            pieces += [found.body[last : p.start()], "#" if p.group(1) == "#" else argument(args, p.group(1))]
            last = p.end()
        body = ""
        for piece in [*pieces, found.body[last:]]:
            body = joined(body, piece)
        return (NULL_DELIMITER.sub("", body) if self.drop_null_delimiters else body), pos

    # --- definitions: each reads its command's arguments from pos, defines, returns where it ends

    def newcommand(self, text: str, pos: int, provide: bool = False) -> int:
        """`\\newcommand{\\name}[n][default]{body}` (MathJax's: it redefines too, as \\renewcommand)."""
        pos = skip_star(text, pos)
        named = read_argument(text, pos)
        if named is None:
            return pos
        name, pos = named
        params = read_optional(text, pos)
        count, pos = (int(params[0]), params[1]) if params and params[0].strip().isdigit() else (0, pos)
        default = read_optional(text, pos) if count else None
        if default:
            pos = default[1]
        body = read_argument(text, pos)
        if body is None:
            return pos
        key = name.strip().lstrip("\\")
        if key and not (provide and key in self.macros):
            self.macros[key] = Macro(body[0], min(count, 9), default[0] if default else None)
        return body[1]

    def providecommand(self, text: str, pos: int) -> int:
        return self.newcommand(text, pos, provide=True)

    def declare_operator(self, text: str, pos: int) -> int:
        """`\\DeclareMathOperator*{\\Tr}{Tr}`: \\Tr reads as the upright word Tr."""
        pos = skip_star(text, pos)
        named = read_argument(text, pos)
        word = read_argument(text, named[1]) if named else None
        if word is None:
            return pos
        key = named[0].strip().lstrip("\\")
        if key:
            self.macros[key] = Macro(operator(word[0]))
        return word[1]

    def define(self, text: str, pos: int) -> int:
        """`\\def\\name#1#2{body}` (\\gdef, \\edef, \\xdef alike); parameter text that delimits an
        argument is read as undelimited ones."""
        named = CONTROL_NAME.match(text, skip_spaces(text, pos))
        brace = text.find("{", named.end()) if named else -1
        if brace < 0:
            return pos
        body = read_argument(text, brace)
        if body is None:
            return pos
        params = [int(n) for n in PARAMETER.findall(text[named.end() : brace]) if n != "#"]
        self.macros[named.group(1)] = Macro(body[0], max(params, default=0))
        return body[1]

    def let(self, text: str, pos: int) -> int:
        """`\\let\\a\\b` or `\\let\\a=\\b`: \\a means what \\b means now."""
        named = CONTROL_NAME.match(text, skip_spaces(text, pos))
        if named is None:
            return pos
        at = skip_spaces(text, named.end())
        at = skip_spaces(text, at + 1) if text.startswith("=", at) else at
        other = TOKEN.match(text, at) if at < len(text) else None
        if other is None:
            return named.end()
        meant = self.macros.get(other.group(1)) if other.group(1) else None
        self.macros[named.group(1)] = meant or Macro(other.group())
        return other.end()

    def ignore(self, text: str, pos: int) -> int:
        return pos


DEFINERS = {
    "newcommand": Expander.newcommand,
    "renewcommand": Expander.newcommand,
    "providecommand": Expander.providecommand,
    "DeclareMathOperator": Expander.declare_operator,
    "def": Expander.define,
    "gdef": Expander.define,
    "edef": Expander.define,
    "xdef": Expander.define,
    "let": Expander.let,
    "global": Expander.ignore,
    "futurelet": Expander.ignore,
}
CONTROL_NAME = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


def joined(before: str, after: str) -> str:
    """Two pieces of TeX one after the other, as tokens: `\\Vert` then `x` is `\\Vert x`, not the
    control word `\\Vertx`."""
    if after[:1].isalpha() and ENDS_IN_CONTROL_WORD.search(before):
        return f"{before} {after}"
    return before + after


ENDS_IN_CONTROL_WORD = re.compile(r"(?<!\\)(?:\\\\)*\\[A-Za-z]+$")


def argument(args: list[str], number: str) -> str:
    index = int(number) - 1
    return args[index] if index < len(args) else ""


def skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def skip_star(text: str, pos: int) -> int:
    at = skip_spaces(text, pos)
    return at + 1 if text.startswith("*", at) else pos


def read_argument(text: str, pos: int) -> tuple[str, int] | None:
    """An undelimited argument as TeX reads one: a braced group (without its braces), else one
    token (a control sequence or a character); None at the end of the text."""
    pos = skip_spaces(text, pos)
    if pos >= len(text):
        return None
    if text[pos] == "{":
        end = group_end(text, pos)
        return (text[pos + 1 : end - 1], end) if end is not None else None
    token = TOKEN.match(text, pos)
    return token.group(), token.end()


def read_optional(text: str, pos: int) -> tuple[str, int] | None:
    """`[...]` at pos (after spaces), its `]` outside braces; None when there is none."""
    pos = skip_spaces(text, pos)
    if not text.startswith("[", pos):
        return None
    depth = 0
    for token in TOKEN.finditer(text, pos + 1):
        char = token.group(2)
        depth += char == "{"
        depth -= char == "}"
        if char == "]" and depth == 0:
            return text[pos + 1 : token.start()], token.end()
    return None


def group_end(text: str, pos: int) -> int | None:
    """Where the group opened by the `{` at pos ends (after its `}`); None when it never closes."""
    depth = 0
    for token in TOKEN.finditer(text, pos):
        char = token.group(2)
        depth += char == "{"
        depth -= char == "}"
        if depth == 0:
            return token.end()
    return None


# --- TeX -> text ------------------------------------------------------------------------------

TEXT_MACROS = get_default_latex_context_db()
STRUCTURE = {"begin", "end"}  # environments: pylatexenc reads them itself


def known_to_text(name: str) -> bool:
    return name in STRUCTURE or TEXT_MACROS.get_macro_spec(name) is not None


def as_written(tex: str) -> str:
    """The TeX with each control word pylatexenc does not know kept as written, `\\norm{v}`
    (pylatexenc drops an unknown macro: `\\E[X]` would read `[X]`), the braces of the groups right
    after it kept too."""
    out: list[str] = []
    pos = 0
    while pos < len(tex):
        m = TOKEN.match(tex, pos)
        pos = m.end()
        if m.group(1) is None or not m.group(1).isalpha() or known_to_text(m.group(1)):
            out.append(m.group())
            continue
        out.append(rf"\textbackslash{{}}{m.group(1)}")
        for group, end in groups_after(tex, pos):
            out.append(rf"\{{{as_written(group)}\}}")
            pos = end
    return "".join(out)


def groups_after(tex: str, pos: int) -> Iterator[tuple[str, int]]:
    """The braced groups right after pos (their contents, and where each ends)."""
    while tex.startswith("{", pos):
        end = group_end(tex, pos)
        if end is None:
            return
        yield tex[pos + 1 : end - 1], end
        pos = end


# pylatexenc drops every space after a control word, as TeX does, but TeX spaces what it sets
# itself: a relation, an arrow or a binary operator has a space each side (`a\\ne b` is set 'a ≠ b',
# `x \\in \\R^n` 'x ∈ ℝ^n', which read 'a ≠b' and 'x ∈ℝ^n'), and a named operator is set apart from
# the letters beside it (`n\\log n` is 'n log n', not 'nlogn'). The empty group keeps the space.
SPACED_SYMBOLS = (
    "ne|neq|le|leq|ge|geq|ll|gg|in|notin|ni|subset|subseteq|supset|supseteq|approx|sim|simeq|cong|"
    "equiv|propto|mid|perp|parallel|models|vdash|to|rightarrow|leftarrow|Rightarrow|Leftarrow|"
    "leftrightarrow|Leftrightarrow|longrightarrow|Longrightarrow|mapsto|implies|iff|times|cdot|pm|mp|"
    "div|circ|oplus|otimes|cup|cap|setminus|wedge|vee|land|lor"
)
SPACED_SYMBOL = re.compile(rf"\s*(?<!\\)\\(?:{SPACED_SYMBOLS})(?![A-Za-z])\s*")
# Named operators: those pylatexenc reads itself, and `\mathop{\mathrm{..}}`, which the others
# (`\det`, `\argmax`) and `\operatorname` (what `\DeclareMathOperator` defines) expand to above.
OPERATORS = (
    r"(?:\\(?:log|ln|exp|sin|cos|tan|sinh|cosh|tanh|arcsin|arccos|arctan|max|min|sup|inf|lim|liminf|"
    r"limsup)(?![A-Za-z])|\\mathop\{\\mathrm\{[^{}]*\}\})"
)
OPERATOR_AFTER_LETTER = re.compile(rf"(?<=[A-Za-z0-9)\]}}])({OPERATORS})")
# A braced argument is read apart too: `\exp{x}` reads 'exp x' as TeX sets it, not 'expx'.
OPERATOR_BEFORE_LETTER = re.compile(rf"({OPERATORS})\s*(?=[A-Za-z0-9\\{{])")


SCRIPT = re.compile(r"(?<!\\)[_^]\s*\{")
MATHOP = re.compile(r"\\mathop(?![A-Za-z])\s*")  # its group is read as any group (pylatexenc lacks it)


def spaced(tex: str) -> str:
    """The formula with those spaces kept; a sub- or superscript is set tight by TeX and read so
    (`\\lim_{n\\to\\infty}` reads 'lim_n→∞', not 'lim_n → ∞')."""
    scripts = script_groups(tex)

    def in_script(m: re.Match) -> bool:
        return any(start <= m.start() < end for start, end in scripts)

    tex = SPACED_SYMBOL.sub(
        lambda m: f"{m.group().strip()}{{}}" if in_script(m) else f" {m.group().strip()}{{}} ", tex
    )
    scripts = script_groups(tex)
    tex = OPERATOR_AFTER_LETTER.sub(lambda m: m.group() if in_script(m) else f" {m.group()}", tex)
    scripts = script_groups(tex)
    tex = OPERATOR_BEFORE_LETTER.sub(lambda m: m.group() if in_script(m) else f"{m.group(1)}{{}} ", tex)
    return MATHOP.sub("", tex)


def script_groups(tex: str) -> list[tuple[int, int]]:
    """(start, end) of each braced sub- or superscript (`_{...}`, `^{...}`), outermost only."""
    groups: list[tuple[int, int]] = []
    for script in SCRIPT.finditer(tex):
        if groups and script.start() < groups[-1][1]:
            continue  # inside the one before
        groups.append((script.start(), group_end(tex, script.end() - 1) or len(tex)))
    return groups


@lru_cache(maxsize=8192)
def as_latex(tex: str, scope: MacroScope = KATEX_SCOPE) -> str:
    """A formula as TeX that a LaTeX document with amsmath and amssymb typesets (BibTeX's titles):
    the macros the site and the digest define (those of `scope` that KaTeX has not, or has
    otherwise) and KaTeX's own that LaTeX lacks expanded (`\\R^n` -> `\\mathbb{R}^n`), the rest
    as written; its comments (`50%`: KaTeX and LaTeX end the formula's text there) left out, as a
    `%` would end the line of the .bbl the title lands on, and the title's closing brace with it."""
    own = {name: m for name, m in scope.macros.items() if KATEX_MACROS.get(name) != m}
    try:
        return Expander({**LATEX_LACKS, **own}, drop_null_delimiters=False).expand(without_comments(tex))
    except TooMuch:  # KaTeX refuses it too: the page shows it as written
        return without_comments(tex)


def without_comments(tex: str) -> str:
    """TeX without its comments: from a `%` (not `\\%`) to the end of its line."""
    out, pos = [], 0
    for token in TOKEN.finditer(tex):
        if token.start() < pos:
            continue
        if token.group(2) == "%":
            end = tex.find("\n", token.end())
            pos = len(tex) if end < 0 else end
            continue
        out.append(token.group())
    return "".join(out)


@lru_cache(maxsize=8192)
def readable(tex: str, scope: MacroScope = KATEX_SCOPE) -> str:
    """A formula as readable text, its macros expanded with those of `scope`: `\\textit{New News}`
    -> 'New News', `\\alpha^2` -> 'α^2', `\\R^n` -> 'ℝ^n'. A formula whose macros expand without
    end, or that pylatexenc cannot read, stays as written (as the page shows what KaTeX refuses)."""
    try:
        expanded = Expander(dict(scope.macros)).expand(NULL_DELIMITER.sub("", tex))
        text = LatexNodes2Text(math_mode="text", strict_latex_spaces=True).latex_to_text(
            as_written(spaced(expanded))
        )
    except Exception:  # TooMuch, or pylatexenc's own: a formula must never break a build
        return " ".join(tex.split())
    return " ".join(text.split())
