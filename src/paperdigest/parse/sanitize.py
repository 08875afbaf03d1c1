"""`sanitize_html: true`: digest bodies lose scripts, event handlers, script URLs, frames and
styles that could cover the page.

For collections that accept contributions. The allow-list (ammonia, via nh3) keeps what digests
are written with: fancybox links and images, <video>/<audio>, <u>, tables, footnotes, code and
the math elements KaTeX typesets; URLs keep only http(s), mailto and relative targets. No
<iframe>: a framed page can pose as the site. `style` attributes keep only the properties of
STYLE_PROPERTIES (nh3's filter_style_properties): colours, fonts, text layout, sizes, margins and
borders. No position, inset or z-index (a fixed, page-covering overlay), no transform, and none
of the properties that take a url(...) (background, background-image, list-style, cursor,
content, border-image, mask, filter), so a style can neither load nor run anything; nor can a
declaration that says `expression(` or `javascript:` (old IE ran both), even spelt with comments
or backslash escapes.

nh3 checks the schemes of src and href but not of srcset, which lists URLs: `srcset` is kept only
when every URL in it passes the same check.
"""

from __future__ import annotations

import re

import nh3

TAGS = nh3.ALLOWED_TAGS | {
    "video", "audio", "source", "track", "picture", "section", "figure", "figcaption",
    "font", "input", "label",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "id", "style", "title", "align", "width", "height", "lang", "dir"},
    "a": {"href", "target", "rel", "name"},
    "img": {"src", "alt", "loading", "referrerpolicy", "srcset", "sizes"},
    "video": {"src", "controls", "poster", "autoplay", "muted", "loop", "playsinline", "preload"},
    "audio": {"src", "controls", "autoplay", "muted", "loop", "preload"},
    "source": {"src", "type", "srcset", "media"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "input": {"type", "checked", "disabled"},  # task-list checkboxes
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},  # else what the author shows open is hidden
    "font": {"color", "face", "size"},
}
URL_SCHEMES = {"http", "https", "mailto"}
STYLE_PROPERTIES = {
    "color", "background-color", "opacity",
    "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
    "text-align", "text-decoration", "text-indent", "text-transform", "vertical-align",
    "white-space", "line-height", "letter-spacing", "word-break", "overflow-wrap", "word-wrap",
    "width", "height", "max-width", "max-height", "min-width", "min-height", "zoom", "object-fit",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left",
    "border-color", "border-style", "border-width", "border-radius", "border-collapse",
    "display", "float", "clear", "overflow", "list-style-type",
}  # fmt: skip
# A URL's scheme as a browser reads it: C0 controls and spaces around it, tabs and newlines in it
# are ignored (so "java\tscript:" is "javascript:").
URL_IGNORED = re.compile("^[\x00-\x20]+|[\t\n\r]+")
URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# CSS that could run script in some browser, once comments, escapes and spaces are gone.
STYLE_SCRIPT = ("expression(", "javascript:")
CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
# Build-time math leaves "\x00N\x00" placeholders (mathrender.PLACEHOLDER) that an HTML parser would
# drop as NUL characters; they cross the sanitizer as private-use characters instead.
MATH_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
KEPT_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def sanitize_html(html: str) -> str:
    """The body without <script>/<style>/<iframe>, on* attributes, javascript:/data: URLs (srcset's
    too) and style properties outside STYLE_PROPERTIES or that could run script."""
    html = html.replace("\ue000", "").replace("\ue001", "")  # so no text can pose as a placeholder
    html = MATH_PLACEHOLDER.sub("\ue000\\1\ue001", html)
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        generic_attribute_prefixes={"data-", "aria-"},  # fancybox's data-fancybox, data-caption
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
        link_rel=None,  # keep the author's rel attributes as written
        strip_comments=True,
        attribute_filter=filter_attribute,
    )
    return KEPT_PLACEHOLDER.sub("\x00\\1\x00", clean)


def filter_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's hook, called with each allowed attribute's value before its own style filter."""
    if name == "srcset":
        return value if safe_srcset(value) else None
    if name == "style":
        return safe_style(value)
    return value


def safe_url(url: str) -> bool:
    """Relative, or of a scheme in URL_SCHEMES (as nh3 checks src and href)."""
    scheme = URL_SCHEME.match(URL_IGNORED.sub("", url))
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


def safe_srcset(srcset: str) -> bool:
    """Every URL of `srcset` is safe. Each word between spaces and commas is checked as a URL: a
    browser's URL starts at one of them, and a descriptor (`2x`, `300w`) is a relative URL."""
    return all(safe_url(word) for word in re.findall(r"[^\s,]+", srcset))


def safe_style(style: str) -> str:
    """`style` less each declaration that could run script; nh3 then keeps STYLE_PROPERTIES.
    Comments go first: one may hide a `;` or split a word (`expr/**/ession(`)."""
    declarations = CSS_COMMENT.sub("", style).split(";")
    return ";".join(d for d in declarations if not runs_script(d))


def runs_script(declaration: str) -> bool:
    # Escapes are read as a browser reads them, so `\65 xpression(` is caught and an escaped font
    # name (`"\5FAE\8F6F\96C5\9ED1"`, 微软雅黑) kept.
    plain = re.sub(r"\s+", "", CSS_ESCAPE.sub(unescape, declaration)).lower()
    return any(word in plain for word in STYLE_SCRIPT)


def unescape(match: re.Match) -> str:
    if match[2] is not None:
        return match[2]
    code = int(match[1], 16)
    return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
