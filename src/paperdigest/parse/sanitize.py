"""`sanitize_html: true`: digest bodies lose scripts, event handlers, script URLs, frames and
styles that could cover the page.

For collections that accept contributions. The allow-list (ammonia, via nh3) keeps what digests
are written with: fancybox links and images, <video>/<audio>, <u>, tables, footnotes, code and
the math elements KaTeX typesets; URLs keep only http(s), mailto and relative targets. No
<iframe>: a framed page can pose as the site. `style` attributes keep only the properties of
STYLE_PROPERTIES (nh3's filter_style_properties): colours, fonts, text layout, sizes, margins and
borders. No position, inset or z-index (a fixed, page-covering overlay), no transform, and none
of the properties that take a url(...) (background, background-image, list-style, cursor,
content, border-image, mask, filter), so a style can neither load nor run anything.
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
# Build-time math leaves "\x00N\x00" placeholders (mathrender.PLACEHOLDER) that an HTML parser would
# drop as NUL characters; they cross the sanitizer as private-use characters instead.
MATH_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
KEPT_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def sanitize_html(html: str) -> str:
    """The body without <script>/<style>/<iframe>, on* attributes, javascript:/data: URLs and style
    properties outside STYLE_PROPERTIES."""
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
    )
    return KEPT_PLACEHOLDER.sub("\x00\\1\x00", clean)
