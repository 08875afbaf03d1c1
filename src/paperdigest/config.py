"""SiteConfig: the typed, validated form of site.yaml."""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import yaml

from paperdigest.errors import ConfigError, Problem, did_you_mean, excerpt
from paperdigest.i18n import StringsError, site_strings
from paperdigest.parse.fields import FIELD_NAMES
from paperdigest.parse.front_date import time_zone
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


# A TeX control sequence as KaTeX's lexer reads one: a backslash and letters, or a backslash and one
# other character. `\\\\R` (what '\\\\R' in single quotes is) is two tokens and never expands.
MACRO_NAME = re.compile(r"\\(?:[a-zA-Z@]+|[^a-zA-Z@])")
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
        "TeX macros for every formula in both modes, e.g. `\\R: \\mathbb{R}`; merged over katex.macros.",
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
    timezone: str = doc(
        "The time zone of a front-matter time written without an offset (`date: 2023-05-02 10:00`), "
        "e.g. Asia/Shanghai, as Jekyll's `timezone`. Empty: UTC, never the building machine's zone.",
        "",
    )
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
        "More labels for paper fields, by field, e.g. {code: [实现, Implementation]}; added to the built-in ones "
        f"(README, *Field labels*). Fields: {', '.join(FIELD_NAMES)}. Case, spaces and full-width "
        "letters do not matter.",
        factory=dict,
    )

    # Where site.yaml lives, and which keys it sets; not keys of the file.
    root: Path = field(default=Path("."), repr=False, metadata={"internal": True})
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False, metadata={"internal": True})

    @property
    def base_path(self) -> str:
        """'/repo/' for https://user.github.io/repo/, '/' when unset. Percent-encoded once, as the
        rest of every URL is: /论文/ and /%E8%AE%BA%E6%96%87/ are one folder and make one site, and
        the sitemap and feeds (which take URLs, not IRIs) get no raw space or non-ASCII letter."""
        path = unquote(urlsplit(self.base_url).path if self.base_url else "/").strip("/")
        return "/" + quote(path, safe="/") + "/" if path else "/"

    @property
    def site_url(self) -> str:
        """Absolute URL of the site root without a trailing slash ('' when base_url is unset)."""
        return self.base_url.rstrip("/")

    def path(self, name: str) -> Path:
        return self.root / getattr(self, name)


@dataclass(frozen=True)
class ConfigSource:
    """site.yaml and the line of each key in it, so that an error about a key names its line."""

    path: Path
    lines: dict[str, int] = field(default_factory=dict)  # 'title', 'katex.cdn', ... -> line

    def error(self, key: str, message: str) -> ConfigError:
        """An error at `key` (dotted), or at the key it is under when it has no line of its own."""
        while key and key not in self.lines:
            key = key.rpartition(".")[0]
        return ConfigError(self.path, message, self.lines.get(key))


def load_config(root: Path, *, base_url: str | None = None) -> SiteConfig:
    """Read `root/site.yaml` (absent file = defaults) and validate every key. `base_url` is
    --base-url: it replaces site.yaml's, and an error in it names the option, not the file."""
    if not root.is_dir():  # a misspelt --source: building there would create an empty site
        why = "not a folder" if root.exists() else "no such folder"
        raise ConfigError(root, f"{why} (--source names the site folder, where site.yaml is)")
    path = root / CONFIG_NAME
    data, lines = read_config(path) if path.exists() else ({}, {})
    where = ConfigSource(path, lines)
    if base_url is not None:
        problem = base_url_error(base_url)
        if problem:
            raise ConfigError("--base-url", problem)
        data = {**data, "base_url": base_url}
    config = _build(SiteConfig, data, where, prefix="")
    config = dataclasses.replace(
        config,
        root=root,
        given=frozenset(data),
        fields=field_labels_of(config.fields, where),
        strings=strings_of(config, where),
    )
    for key, macros in (("katex.macros", config.katex.macros), ("math.macros", config.math.macros)):
        problem = macros_error(key, macros)
        if problem:
            raise where.error(key, problem)
    for key in ("per_page", "papers_per_page", "digests_per_page"):
        if getattr(config, key) < 1:
            raise where.error(key, f"{key} must be at least 1")
    if config.math.render not in ("build", "browser"):
        message = f"math.render must be 'build' or 'browser', got {excerpt(config.math.render)}"
        raise where.error("math.render", message)
    if config.math.output not in MATH_OUTPUTS:
        choices = ", ".join(repr(o) for o in MATH_OUTPUTS)
        message = f"math.output must be one of {choices}, got {excerpt(config.math.output)}"
        raise where.error("math.output", message)
    if base_url is None and base_url_error(config.base_url):
        raise where.error("base_url", base_url_error(config.base_url))
    if config.repo_url and urlsplit(config.repo_url).scheme not in ("http", "https"):
        raise where.error("repo_url", f"repo_url must be an http(s) URL, got {excerpt(config.repo_url)}")
    if config.cname and not HOSTNAME.fullmatch(config.cname):
        message = f"cname must be a bare domain like papers.example.org, got {excerpt(config.cname)}"
        raise where.error("cname", message)
    # Written into every page's <html lang="...">, and checked as a digest's `lang:` is.
    # An empty one (`language:`) would give pages lang="" and og:locale "": say so.
    if not LANGUAGE_TAG.fullmatch(config.language):
        default = SiteConfig.__dataclass_fields__["language"].default
        got = excerpt(config.language) if config.language else f"nothing (leave the key out for {default})"
        message = f"language must be a language tag like en or zh-CN, got {got}"
        raise where.error("language", message)
    if config.timezone and not time_zone(config.timezone):
        message = (
            f"timezone must be an IANA time zone like Asia/Shanghai or UTC, got {excerpt(config.timezone)}"
        )
        raise where.error("timezone", message)
    return config


def macros_error(key: str, macros: dict) -> str | None:
    """What is wrong with katex.macros or math.macros, or None. Each is `\\name: TeX`: a name
    without its backslash redefines a letter of every formula (`R: \\mathbb{R}` never ends
    expanding), and a value that is not text would reach KaTeX as Python's None, True or [...]."""
    for name, value in macros.items():
        if not isinstance(name, str) or not MACRO_NAME.fullmatch(name):
            hint = " (one backslash: \\R unquoted)" if str(name).startswith("\\\\") else ""
            return f"{key}: a macro's name is a backslash and letters, like \\R; got {excerpt(name)}{hint}"
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return f"{key}: macro {name} must be TeX text, like \\mathbb{{R}}; got {excerpt(value)}"
    return None


def base_url_error(base_url: str) -> str | None:
    """What is wrong with a base_url (site.yaml's or --base-url's), or None."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        return f"base_url must be an http(s) URL, got {excerpt(base_url)}"
    if not parts.hostname:  # feeds and the sitemap would say https:///...
        return f"base_url has no host name (https://HOST/...), got {excerpt(base_url)}"
    if not host_name_ok(parts):  # feeds and the sitemap write the host as a URI's (IDNA, a number port)
        return f"base_url has no valid host name and port, got {excerpt(base_url)}"
    if parts.username is not None or parts.password is not None:  # every page would publish them
        return f"base_url must not hold a user name or password (user:token@), got {excerpt(redacted(parts))}"
    if parts.query or parts.fragment:  # every URL of the site is made from the path alone
        return f"base_url must be the site's folder, without ?query or #fragment, got {excerpt(base_url)}"
    return None


def redacted(parts) -> str:
    """The URL with its password starred, for an error message that may land in a CI log."""
    if parts.password is None:
        return parts.geturl()
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def host_name_ok(parts) -> bool:
    """Whether a URL's host is a name (in any letters: IDNA encodes it) and its port a number."""
    try:
        parts.hostname.encode("idna")
        parts.port  # noqa: B018 -- raises ValueError on `:abc` or a port past 65535
    except (UnicodeError, ValueError):
        return False
    return True


def find_site_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds site.yaml (None when none does): the
    site a command run from one of its subfolders (digests/, templates/) is about, as git finds
    its repository."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents) if (folder / CONFIG_NAME).is_file()), None)


def read_config(path: Path) -> tuple[dict, dict[str, int]]:
    """site.yaml's keys and values, and the line of each key (nested keys dotted). Read as digests
    are: UTF-8, or UTF-16/UTF-32 with a byte-order mark (what some Windows editors save); the YAML
    nested or aliased beyond reason is an error, and so is a key given twice (YAML would keep the
    last silently)."""
    raw = path.read_bytes()
    try:
        data, lines = load_yaml(raw.decode(encoding_of(raw)), path)
    except yaml.YAMLError as exc:
        # The construct that failed (e.g. an unclosed quote) is where the user must look.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        reason = ", ".join(filter(None, (getattr(exc, "context", None), getattr(exc, "problem", None))))
        raise ConfigError(path, f"invalid YAML: {reason or exc}", mark.line + 1 if mark else None) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 (nor UTF-16/UTF-32 with a byte-order mark): {exc}") from None
    except RecursionError:  # PyYAML composes nested collections by recursion
        raise ConfigError(path, "invalid YAML: lists or mappings nested too deeply") from None
    if data is None:  # an empty file, or only comments
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError(path, "site.yaml must be a mapping of keys to values")
    for key, value in data.items():
        if expands_beyond(value, MAX_VALUES):
            raise ConfigSource(path, lines).error(str(key), too_many_values(f"'{key}'"))
    return data, lines


def load_yaml(text: str, path: Path) -> tuple[object, dict[str, int]]:
    """What yaml.safe_load makes of `text`, and the line of each key, read from the node tree
    before the values are made (a `<<: *merge` rewrites the tree while they are)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines = key_lines(node, path) if isinstance(node, yaml.MappingNode) else {}
        return (loader.construct_document(node) if node is not None else None), lines
    finally:
        loader.dispose()


def key_lines(node: yaml.MappingNode, path: Path) -> dict[str, int]:
    """The line of every key of site.yaml and of the mappings right under them (katex.cdn,
    strings.search_placeholder): deeper keys are values, not settings. A key written twice in one
    mapping is an error at its second line."""
    lines: dict[str, int] = {}
    for key_node, value_node in own_keys(node):
        key = str(key_node.value)
        add_line(lines, key, key_node, path)
        if isinstance(value_node, yaml.MappingNode):
            for sub_node, _ in own_keys(value_node):
                add_line(lines, f"{key}.{sub_node.value}", sub_node, path)
    return lines


def own_keys(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's key and value nodes, less `<<: *name` (whose keys are written elsewhere)."""
    return [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]


def add_line(lines: dict[str, int], key: str, node: yaml.Node, path: Path) -> None:
    line = node.start_mark.line + 1
    if key in lines:
        message = f"'{key}' is given twice (lines {lines[key]} and {line}); keep one"
        raise ConfigError(path, message, line)
    lines[key] = line


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
            _, lines = read_config(path)
            raise ConfigSource(path, lines).error(name, f"{name}: {target} does not exist")
    if config.math.katex_js and (problem := katex_js_problem(config)):
        _, lines = read_config(path)
        raise ConfigSource(path, lines).error("math.katex_js", problem)


def katex_js_problem(config: SiteConfig) -> str | None:
    """What is wrong with the script math.katex_js names (it exists), or None. One that is no
    katex.min.js (a folder without it, another script) was passed over for the bundled KaTeX
    without a word, so the site was typeset by another KaTeX than the one it asked for."""
    from paperdigest.katex_engine import configured_katex, read_script  # it imports this module

    script = configured_katex(config)[0]
    if not script.exists():  # math.katex_js names a folder (a KaTeX dist) without it
        return f"math.katex_js: {script.parent} holds no katex.min.js"
    try:
        stat = script.stat()
        version, _ = read_script(script, stat.st_size, stat.st_mtime_ns)
    except OSError as exc:
        return f"math.katex_js: cannot read {script}: {exc.strerror or exc}"
    if version is None:
        return f"math.katex_js: {script} is no KaTeX script (it names no KaTeX version)"
    return None


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


def strings_of(config: SiteConfig, where: ConfigSource) -> dict:
    """`strings:` checked against the theme's keys and placeholders (i18n/)."""
    try:
        site_strings(config.language, config.strings)
    except StringsError as exc:
        raise where.error(exc.key, str(exc)) from None
    return {str(k): v for k, v in config.strings.items()}


def field_labels_of(fields: dict, where: ConfigSource) -> dict[str, tuple[str, ...]]:
    """`fields:` checked: known field names, each with a label or a list of labels."""
    checked = {}
    for name, labels in fields.items():
        if name not in FIELD_NAMES:
            message = f"unknown field 'fields.{name}'{did_you_mean(name, FIELD_NAMES)} (known fields: {', '.join(FIELD_NAMES)})"
            raise where.error(f"fields.{name}", message)
        values = [labels] if isinstance(labels, str) else labels
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            message = f"'fields.{name}' must be a label or a list of labels, got {excerpt(labels)}"
            raise where.error(f"fields.{name}", message)
        checked[str(name)] = tuple(v.strip() for v in values)
    return checked


def _build(cls, data: dict, where: ConfigSource, prefix: str):
    hints = typing.get_type_hints(cls)
    public = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    values = {}
    for key, value in data.items():
        if key not in public:
            known = ", ".join(sorted(public))
            message = f"unknown key '{prefix}{key}'{did_you_mean(str(key), public)} (known keys: {known})"
            raise where.error(f"{prefix}{key}", message)
        values[key] = _check(hints[key], value, where, prefix + key)
    return cls(**values)


def _check(kind, value, where: ConfigSource, key: str):
    """`value` converted to the field's type, or a ConfigError naming the key."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise where.error(key, f"'{key}' must be a mapping")
        return _build(kind, value, where, prefix=key + ".")
    if value is None and kind in (str, dict):
        return kind()  # `key:` with nothing after it means empty
    if typing.get_origin(kind) in (list, tuple):
        if not isinstance(value, list):
            _type_error(where, key, kind, value)
        return tuple(str(v) for v in value)
    valid = {
        str: lambda v: isinstance(v, (str, int, float)) and not isinstance(v, bool),
        int: lambda v: isinstance(v, int) and not isinstance(v, bool),
        float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        bool: lambda v: isinstance(v, bool),
        dict: lambda v: isinstance(v, dict),
    }[kind]
    if not valid(value):
        _type_error(where, key, kind, value)
    return str(value) if kind is str else value


def _type_error(where: ConfigSource, key: str, kind, value):
    name = getattr(kind, "__name__", str(kind))
    raise where.error(key, f"'{key}' must be {name}, got {type(value).__name__} {excerpt(value)}")


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
