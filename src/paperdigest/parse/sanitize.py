"""`sanitize_html: true`: digest bodies lose scripts, event handlers and script URLs.

For collections that accept contributions. The allow-list (ammonia, via nh3) keeps what digests
are written with: fancybox links and images, <video>/<audio>, <u>, tables, footnotes, code and
the math elements KaTeX typesets; URLs keep only http(s), mailto and relative targets.
"""

from __future__ import annotations

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


def sanitize_html(html: str) -> str:
    """The body without <script>/<style>, on* attributes and javascript:/data: URLs."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        generic_attribute_prefixes={"data-", "aria-"},  # fancybox's data-fancybox, data-caption
        url_schemes=URL_SCHEMES,
        link_rel=None,  # keep the author's rel attributes as written
        strip_comments=True,
    )
