"""`sanitize_html: true`: digest bodies lose scripts, event handlers and script URLs.

For collections that accept contributions. The allow-list (ammonia, via nh3) keeps what digests
are written with: fancybox links and images, <video>/<audio>, <u>, tables, footnotes, code and
the math elements KaTeX typesets; URLs keep only http(s), mailto and relative targets.
"""

from __future__ import annotations

import re

import nh3

TAGS = nh3.ALLOWED_TAGS | {
    "video", "audio", "source", "track", "picture", "section", "figure", "figcaption", "iframe",
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
    "iframe": {"src", "allowfullscreen", "frameborder", "allow", "scrolling"},
    "input": {"type", "checked", "disabled"},  # task-list checkboxes
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type", "reversed"},
    "font": {"color", "face", "size"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Build-time math leaves "\x00N\x00" placeholders (mathrender.PLACEHOLDER) that an HTML parser would
# drop as NUL characters; they cross the sanitizer as private-use characters instead.
MATH_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
KEPT_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def sanitize_html(html: str) -> str:
    """The body without <script>/<style>, on* attributes and javascript:/data: URLs."""
    html = html.replace("\ue000", "").replace("\ue001", "")  # so no text can pose as a placeholder
    html = MATH_PLACEHOLDER.sub("\ue000\\1\ue001", html)
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        generic_attribute_prefixes={"data-", "aria-"},  # fancybox's data-fancybox, data-caption
        url_schemes=URL_SCHEMES,
        link_rel=None,  # keep the author's rel attributes as written
        strip_comments=True,
    )
    return KEPT_PLACEHOLDER.sub("\x00\\1\x00", clean)
