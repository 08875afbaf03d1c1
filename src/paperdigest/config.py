"""SiteConfig: the typed, validated form of site.yaml."""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from paperdigest.errors import ConfigError, Problem, excerpt
from paperdigest.i18n import StringsError, site_strings
from paperdigest.parse.fields import FIELD_NAMES
from paperdigest.parse.front_matter import MAX_VALUES, expands_beyond, too_many_values
from paperdigest.parse.language import LANGUAGE_TAG
from paperdigest.parse.source import encoding_of

CONFIG_NAME = "site.yaml"
HOSTNAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}", re.IGNORECASE
)
# The KaTeX bundled in src/paperdigest/katex/ (scripts/vendor_katex.py): it typesets the formulas
# and its CSS and fonts are copied into every site, so they always match.
KATEX_VERSION = "0.16.22"
KATEX_CDN = f"https://cdn.jsdelivr.net/npm/katex@{KATEX_VERSION}/dist"
# Subresource-integrity hashes of that release's unmodified dist files, as the CDN serves them.
KATEX_INTEGRITY = {
    "katex.min.js": "sha384-cMkvdD8LoxVzGF/RPUKAcvmm49FQ0oxwDF3BGKtDXcEc+T1b2N+teh/OJfpU0jr6",
    "katex.min.css": "sha384-5TcZemv2l/9On385z///+d7MSYlvIEw9FuZTIdZ14vJLqWphw7e7ZPuOiCHJcFCP",
}


MATH_OUTPUTS = ("mathml", "htmlAndMathml", "html")  # KaTeX's `output` option


def doc(text: str, default=dataclasses.MISSING, factory=dataclasses.MISSING):
    """A dataclass field carrying its own documentation (shown in errors and the README)."""
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class KatexConfig:
    use_cdn: bool = doc(
        "Load KaTeX's CSS and fonts (and in browser mode its script) from katex.cdn instead of the "
        "site's own copy in assets/katex/. Off by default: the site's copy works offline and where "
        "the CDN is blocked.",
        False,
    )
    cdn: str = doc(
        "Base URL of the KaTeX dist folder used when use_cdn is on. A jsDelivr KaTeX URL is pointed "
        "at the version that typesets the formulas and loads with integrity hashes.",
        KATEX_CDN,
    )
    local_dir: str = doc(
        "A KaTeX dist folder (katex.min.js, katex.min.css, fonts/; e.g. Debian's "
        f"/usr/share/javascript/katex) used instead of the bundled KaTeX {KATEX_VERSION}: it "
        "typesets the formulas and its CSS and fonts are copied into the site.",
        "",
    )
    macros: dict = doc("TeX macros for every formula, e.g. `\\R: \\mathbb{R}`.", factory=dict)


@dataclass(frozen=True)
class MathConfig:
    render: str = doc(
        "Where formulas are typeset: 'build' (KaTeX's output, as math.output says, written into the "
        "pages at build time, no math script for readers; falls back to 'browser' with a warning when "
        "no KaTeX engine is found) or 'browser' (KaTeX runs in the reader's browser).",
        "build",
    )
    macros: dict = doc(
        "TeX macros for every formula in both modes, e.g. {'\\\\R': '\\\\mathbb{R}'}; "
        "merged over katex.macros.",
        factory=dict,
    )
    output: str = doc(
        "What build-time KaTeX writes for a formula: 'mathml' (MathML, which the browser draws with "
        "its math font: the smallest pages), 'htmlAndMathml' (KaTeX's HTML drawn with its own fonts, "
        "the same in every browser, plus MathML for screen readers: about 2.5 times the bytes of a "
        "digest page with formulas) or 'html' (KaTeX's HTML alone: screen readers get no formula). "
        "README, *Math output*, compares them.",
        "mathml",
    )
    katex_js: str = doc(
        "katex.min.js (or the folder holding it, e.g. node_modules/katex/dist) that typesets the "
        f"formulas; default: katex.local_dir, then the KaTeX {KATEX_VERSION} bundled with paperdigest. "
        "The katex.min.css and fonts/ beside it are copied into the site.",
        "",
    )


@dataclass(frozen=True)
class SiteConfig:
    title: str = doc("Site name, shown in the header and in the title of every page.", "Paper Digest")
    description: str = doc("One sentence about the site, for the home page and feeds.", "")
    author: str = doc("Who writes the digests; used in feeds and meta tags.", "")
    base_url: str = doc(
        "Where the site is published, e.g. https://user.github.io/repo/; its path is the base path "
        "of every internal link.",
        "",
    )
    language: str = doc("BCP 47 language tag of the content, e.g. zh-CN.", "zh-CN")
    digests_dir: str = doc("Folder of digest Markdown files, relative to site.yaml.", "digests")
    templates_dir: str = doc("Folder of template overrides, relative to site.yaml.", "templates")
    static_dir: str = doc("Folder copied as-is to the site root (images, files).", "static")
    per_page: int = doc(
        "Digests per page on the home page and category pages (the first page takes the newest "
        "`per_page` to `2 * per_page - 1`, so that a new digest leaves the older pages as they are).",
        10,
    )
    papers_per_page: int = doc("Papers per page of the papers list (papers/, newest first).", 200)
    digests_per_page: int = doc("Digests per page of the list of every digest (digests/, newest first).", 200)
    katex: KatexConfig = doc("KaTeX settings (see katex.*).", factory=KatexConfig)
    sanitize_html: bool = doc(
        "Strip script, style and iframe elements, event-handler attributes (onclick=...) and "
        "javascript:/data: URLs from digest bodies, for collections that accept contributions. `style` "
        "attributes keep only colours, fonts, text layout, sizes, margins, padding and borders: no "
        "position, inset, z-index or transform (no page-covering overlay) and no property that takes "
        "a url(...) such as background. Off: raw HTML is kept as written.",
        False,
    )
    search: bool = doc("Build a Pagefind full-text index (Chinese and English) and show a search box.", True)
    cname: str = doc("Custom domain for GitHub Pages, e.g. papers.example.org; written to CNAME.", "")
    math: MathConfig = doc("Math typesetting (see math.*).", factory=MathConfig)
    strings: dict = doc(
        "The theme's words, by key, over those of the site's language (src/paperdigest/i18n/: "
        "zh-CN, en), e.g. {search_placeholder: 'LoRA, 扩散模型 ...', paper_count: {one: '{count} paper', "
        "other: '{count} papers'}}; counts take CLDR plural forms (zero, one, two, few, many, other).",
        factory=dict,
    )
    repo_url: str = doc(
        "The site's source repository on GitHub, GitLab or Gitea, e.g. https://github.com/user/repo: "
        "digest pages link to their file there (edit this digest) and, in a git checkout, show the "
        "date of their last commit.",
        "",
    )
    fields: dict = doc(
        "More labels for paper fields, by field, e.g. {code: [源码, Repo]}; added to the built-in ones "
        f"(README, *Field labels*). Fields: {', '.join(FIELD_NAMES)}. Case, spaces and full-width "
        "letters do not matter.",
        factory=dict,
    )

    # Where site.yaml lives, and which keys it sets; not keys of the file.
    root: Path = field(default=Path("."), repr=False, metadata={"internal": True})
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False, metadata={"internal": True})

    @property
    def base_path(self) -> str:
        """'/repo/' for https://user.github.io/repo/, '/' when unset."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    @property
    def site_url(self) -> str:
        """Absolute URL of the site root without a trailing slash ('' when base_url is unset)."""
        return self.base_url.rstrip("/")

    def path(self, name: str) -> Path:
        return self.root / getattr(self, name)


def load_config(root: Path, *, base_url: str | None = None) -> SiteConfig:
    """Read `root/site.yaml` (absent file = defaults) and validate every key."""
    if not root.is_dir():  # a misspelt --source: building there would create an empty site
        why = "not a folder" if root.exists() else "no such folder"
        raise ConfigError(root, f"{why} (--source names the site folder, where site.yaml is)")
    path = root / CONFIG_NAME
    data = read_config(path) if path.exists() else {}
    if base_url is not None:
        data = {**data, "base_url": base_url}
    config = _build(SiteConfig, data, path, prefix="")
    config = dataclasses.replace(
        config,
        root=root,
        given=frozenset(data),
        fields=field_labels_of(config.fields, path),
        strings=strings_of(config, path),
    )
    for key in ("per_page", "papers_per_page", "digests_per_page"):
        if getattr(config, key) < 1:
            raise ConfigError(path, f"{key} must be at least 1")
    if config.math.render not in ("build", "browser"):
        raise ConfigError(
            path, f"math.render must be 'build' or 'browser', got {excerpt(config.math.render)}"
        )
    if config.math.output not in MATH_OUTPUTS:
        choices = ", ".join(repr(o) for o in MATH_OUTPUTS)
        raise ConfigError(path, f"math.output must be one of {choices}, got {excerpt(config.math.output)}")
    if config.base_url and urlsplit(config.base_url).scheme not in ("http", "https"):
        raise ConfigError(path, f"base_url must be an http(s) URL, got {excerpt(config.base_url)}")
    if config.repo_url and urlsplit(config.repo_url).scheme not in ("http", "https"):
        raise ConfigError(path, f"repo_url must be an http(s) URL, got {excerpt(config.repo_url)}")
    if config.cname and not HOSTNAME.fullmatch(config.cname):
        raise ConfigError(
            path, f"cname must be a bare domain like papers.example.org, got {excerpt(config.cname)}"
        )
    # Written into every page's <html lang="...">, and checked as a digest's `lang:` is.
    if config.language and not LANGUAGE_TAG.fullmatch(config.language):
        raise ConfigError(
            path, f"language must be a language tag like en or zh-CN, got {excerpt(config.language)}"
        )
    return config


def find_site_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds site.yaml (None when none does): the
    site a command run from one of its subfolders (digests/, templates/) is about, as git finds
    its repository."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents) if (folder / CONFIG_NAME).is_file()), None)


def read_config(path: Path) -> dict:
    """site.yaml's keys and values. Read as digests are: UTF-8, or UTF-16/UTF-32 with a byte-order
    mark (what some Windows editors save); the YAML nested or aliased beyond reason is an error."""
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode(encoding_of(raw))) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(path, f"invalid YAML: {exc}", mark.line + 1 if mark else None) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 (nor UTF-16/UTF-32 with a byte-order mark): {exc}") from None
    except RecursionError:  # PyYAML composes nested collections by recursion
        raise ConfigError(path, "invalid YAML: lists or mappings nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(path, "site.yaml must be a mapping of keys to values")
    for key, value in data.items():
        if expands_beyond(value, MAX_VALUES):
            raise ConfigError(path, too_many_values(f"'{key}'"))
    return data


def check_named_paths(config: SiteConfig) -> None:
    """A folder or file that site.yaml names (other than a default folder spelt out) must exist:
    a typo would otherwise build a site without its digests, templates or static files, and
    publish it in place of the last one. Raises ConfigError."""
    path, defaults = config.root / CONFIG_NAME, SiteConfig()
    named = [
        (key, config.path(key))
        for key in ("digests_dir", "templates_dir", "static_dir")
        if key in config.given and getattr(config, key) != getattr(defaults, key)
    ]
    if config.katex.local_dir:
        named.append(("katex.local_dir", config.root / Path(config.katex.local_dir).expanduser()))
    if config.math.katex_js:
        named.append(("math.katex_js", config.root / Path(config.math.katex_js).expanduser()))
    for name, target in named:
        if not target.exists():
            raise ConfigError(path, f"{name}: {target} does not exist")


def base_url_problem(config: SiteConfig) -> Problem | None:
    """A build without base_url writes relative URLs where absolute ones are required: sitemap.xml
    (`<loc>/</loc>` is invalid), robots.txt's Sitemap line and the feeds' ids and links."""
    if config.base_url:
        return None
    message = (
        "base_url is empty: sitemap.xml, robots.txt and the feeds get relative URLs; set it in "
        "site.yaml or pass --base-url https://USER.github.io/REPO/ (the Pages workflow does)"
    )
    return Problem(CONFIG_NAME, None, "warning", message)


def strings_of(config: SiteConfig, path: Path) -> dict:
    """`strings:` checked against the theme's keys and placeholders (i18n/)."""
    try:
        site_strings(config.language, config.strings)
    except StringsError as exc:
        raise ConfigError(path, str(exc)) from None
    return {str(k): v for k, v in config.strings.items()}


def field_labels_of(fields: dict, path: Path) -> dict[str, tuple[str, ...]]:
    """`fields:` checked: known field names, each with a label or a list of labels."""
    checked = {}
    for name, labels in fields.items():
        if name not in FIELD_NAMES:
            raise ConfigError(path, f"unknown field 'fields.{name}' (known fields: {', '.join(FIELD_NAMES)})")
        values = [labels] if isinstance(labels, str) else labels
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            message = f"'fields.{name}' must be a label or a list of labels, got {excerpt(labels)}"
            raise ConfigError(path, message)
        checked[str(name)] = tuple(v.strip() for v in values)
    return checked


def _build(cls, data: dict, path: Path, prefix: str):
    hints = typing.get_type_hints(cls)
    public = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    values = {}
    for key, value in data.items():
        if key not in public:
            known = ", ".join(sorted(public))
            raise ConfigError(path, f"unknown key '{prefix}{key}' (known keys: {known})")
        values[key] = _check(hints[key], value, path, prefix + key)
    return cls(**values)


def _check(kind, value, path: Path, key: str):
    """`value` converted to the field's type, or a ConfigError naming the key."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(path, f"'{key}' must be a mapping")
        return _build(kind, value, path, prefix=key + ".")
    if value is None and kind in (str, dict):
        return kind()  # `key:` with nothing after it means empty
    if typing.get_origin(kind) in (list, tuple):
        if not isinstance(value, list):
            _type_error(path, key, kind, value)
        return tuple(str(v) for v in value)
    valid = {
        str: lambda v: isinstance(v, (str, int, float)) and not isinstance(v, bool),
        int: lambda v: isinstance(v, int) and not isinstance(v, bool),
        float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        bool: lambda v: isinstance(v, bool),
        dict: lambda v: isinstance(v, dict),
    }[kind]
    if not valid(value):
        _type_error(path, key, kind, value)
    return str(value) if kind is str else value


def _type_error(path: Path, key: str, kind, value):
    name = getattr(kind, "__name__", str(kind))
    raise ConfigError(path, f"'{key}' must be {name}, got {type(value).__name__} {excerpt(value)}")


def config_reference() -> list[tuple[str, str, object]]:
    """(key, doc, default) for every key, nested keys dotted; used to document site.yaml."""
    rows = []

    def walk(cls, prefix):
        for f in dataclasses.fields(cls):
            if f.metadata.get("internal"):
                continue
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            if dataclasses.is_dataclass(default):
                walk(type(default), prefix + f.name + ".")
            else:
                rows.append((prefix + f.name, f.metadata.get("doc", ""), default))

    walk(SiteConfig, "")
    return rows


def reference_table() -> str:
    """The site.yaml reference as a Markdown table (README.md embeds it; a test keeps it in sync)."""
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for key, text, default in config_reference():
        shown = "`" + repr(default) + "`" if default not in ("", {}) else "(empty)"
        meaning = text.replace("|", "\\|")
        lines.append(f"| `{key}` | {shown} | {meaning} |")
    return "\n".join(lines)
