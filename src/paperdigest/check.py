"""`paperdigest check`: lint a collection without writing a site.

Runs the build's own parse and group stages and renders every page in memory (so template errors
surface too), then looks at what a build does not complain about: cards without a URL, internal
links and local images that point nowhere, anchors used twice, a Pages workflow that does not
restore the last deploy's site, and the placeholder requirements.txt `init` writes that it cannot install.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2

from paperdigest.boundary import outside_folder_notes
from paperdigest.build import Builder, BuildError, problem_of
from paperdigest.config import SiteConfig, base_url_problem
from paperdigest.errors import Problem
from paperdigest.group import SiteIndex
from paperdigest.install_spec import requirement_problems
from paperdigest.model import Digest
from paperdigest.parse.source import DIGEST_SUFFIXES, decode, key_lines, split_front_matter
from paperdigest.parse.srcset import srcset_urls
from paperdigest.publish import rfc3339
from paperdigest.render import Urls, http_url, site_pages, theme_dir
from paperdigest.scaffold import CARD_NOTE, PLACEHOLDER_TITLE
from paperdigest.workflow_check import workflow_problems
from paperdigest.write import visible_files

LEVELS = ("error", "warning", "note")
DIGEST_PAGE = re.compile(r"/digests/([^/#?]+)/")
LINK_ATTRS = {"href", "src", "poster"}
EMPTY_NEW_FIELD = re.compile(r"^>\s*-\s*(Official Code|单位)\s*[：:]\s*$")  # as `paperdigest new` writes them
NEW_FIELD_HINTS = {
    "Official Code": " (a URL, or 未开源 when there is none)",
    "单位": " (the authors' affiliations)",
}


@dataclass(frozen=True)
class CheckResult:
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)


def check_site(root: Path, *, drafts: bool = True, now: dt.datetime | None = None) -> CheckResult:
    """Every problem of the collection at `root`, sorted by file and line. Raises ConfigError.
    `now`: the moment digests dated after it are in the future (default: this one).

    The site is parsed and grouped by the build's own pipeline (Builder.gather), so every problem
    has the level a build gives it; then its pages are rendered in memory and thrown away."""
    try:
        gathered = Builder(root, drafts=drafts).gather()
    except BuildError as exc:  # e.g. a template that links outside the site: nothing else to check
        return CheckResult((exc.problem,))
    config, index = gathered.config, gathered.index
    problems = list(gathered.problems)
    pages, render_problems = rendered_paths(gathered.env, index, config)
    problems += render_problems
    problems += card_url_problems(index)
    problems += future_problems(index, config.root, now or dt.datetime.now().astimezone())
    static, refused = static_paths(config)
    problems += refused + outside_folder_notes(config) + workflow_problems(config.root)
    problems += requirement_problems(config.root)
    problems += filter(None, [base_url_problem(config)])  # as `build` warns, so that --strict agrees
    targets = pages | static | gathered.files.outputs()  # a missing file has the build's warning
    for digest in index.digests:
        source = read_text(config.root / digest.source)
        problems += digest_link_problems(digest, source, index, config, targets)
        problems += placeholder_problems(digest, source)
    unique = sorted(set(problems), key=lambda p: (p.path, p.line or 0, LEVELS.index(p.level), p.message))
    return CheckResult(tuple(unique))


def rendered_paths(
    env: jinja2.Environment, index: SiteIndex, config: SiteConfig
) -> tuple[set[str], list[Problem]]:
    """Output paths of every page, rendered in memory; a template error is reported, not raised.
    A page whose template failed is still a page of the site (a build that fails writes none, and
    one that succeeds writes it), so links to it are no error; a template that failed once is not
    rendered again, and the other templates still are, so that one check reports each error."""
    paths: set[str] = set()
    problems: list[Problem] = []
    failed: set[str] = set()
    for page in site_pages(index, config):
        paths.add(page.out)
        if page.template in failed:
            continue
        try:
            page.render(env, index)
        except Exception as exc:
            problem = problem_of(exc, page.out)
            if problem is None:
                raise
            problems.append(problem)
            failed.add(page.template)
    return paths, problems


def static_paths(config: SiteConfig) -> tuple[set[str], list[Problem]]:
    """Files the build copies to the site (theme and user assets, then static/ at the root), and
    the errors of those it refuses because they link outside the site."""
    found: set[str] = set()
    refused: list[Problem] = []
    folders = [
        (theme_dir() / "assets", "assets/"),
        (config.path("templates_dir") / "assets", "assets/"),
        (config.path("static_dir"), ""),
    ]
    for folder, prefix in folders:
        if not folder.is_dir():
            continue
        for path in visible_files(folder, config.root, refused):
            found.add(prefix + path.relative_to(folder).as_posix())
    return found, refused


def card_url_problems(index: SiteIndex) -> list[Problem]:
    problems = []
    for digest in index.digests:
        for card in digest.cards:
            has_url = card.arxiv_id or http_url(card.url) or any(http_url(link.url) for link in card.links)
            if not has_url:
                msg = f"card {card.title!r} has no arXiv or other URL"
                problems.append(Problem(digest.source, card.line, "warning", msg))
    return problems


def future_problems(index: SiteIndex, root: Path, now: dt.datetime) -> list[Problem]:
    """Digests dated after `now`. Jekyll and Hugo hold them back until their day; a build here
    publishes them at once, at the top of the lists and feeds (what it writes never depends on
    the day it runs, so an incremental build stays a clean build's bytes): the author hears of it
    here. A date without a time of day is in the future from the day after it on (`now`'s day)."""
    problems = []
    for digest in index.digests:
        ahead = digest.time > now if digest.time else digest.date is not None and digest.date > now.date()
        if ahead:
            shown = rfc3339(digest.time) if digest.time else digest.date.isoformat()
            message = f"dated in the future ({shown}): published now, at the top of the lists and feeds"
            line = date_line(read_text(root / digest.source))
            problems.append(Problem(digest.source, line, "warning", message))
    return problems


def date_line(text: str) -> int | None:
    """The line of the front matter's `date:`, None when the date comes from elsewhere."""
    _, _, body_line, _ = split_front_matter(text, "")
    return key_lines(text, body_line).get("date")


def placeholder_problems(digest: Digest, source: str) -> list[Problem]:
    """Cards that still hold what `paperdigest new` wrote: its placeholder title, and, while its note
    is still in the card, the code and 单位 it left empty (in a finished card an empty code line just
    means no code). `source` is the digest file's text."""
    lines = source.split("\n")  # not splitlines(): a U+2028 or form feed ends no line for markdown-it
    starts = sorted(card.line for card in digest.cards)
    problems = []
    for card in digest.cards:
        if card.title.startswith(PLACEHOLDER_TITLE):
            msg = f"card title {card.title!r} is the placeholder written by paperdigest new"
            problems.append(Problem(digest.source, card.line, "warning", msg))
        end = next((start for start in starts if start > card.line), len(lines) + 1)
        body = lines[card.line - 1 : end - 1]
        if not any(CARD_NOTE in text for text in body):
            continue
        for number, text in enumerate(body, start=card.line):
            empty = EMPTY_NEW_FIELD.match(text.strip())
            if empty:
                msg = f"{empty.group(1)} is still empty, as paperdigest new left it{NEW_FIELD_HINTS[empty.group(1)]}"
                problems.append(Problem(digest.source, number, "warning", msg))
    return problems


class _LinkCollector(HTMLParser):
    """(attribute, URL) of every link and media source, and every id, in a digest body."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in LINK_ATTRS and value is not None:
                self.links.append((f"{tag} {name}", value))
            elif name == "srcset" and value:
                self.links.extend((f"{tag} {name}", url) for url in srcset_urls(value))
            elif name == "id" and value:
                self.ids.append(value)

    handle_startendtag = handle_starttag


def digest_link_problems(
    digest: Digest, source: str, index: SiteIndex, config: SiteConfig, targets: set[str]
) -> list[Problem]:
    """Links and images of the digest (`source`: its file's text) that point nowhere, anchors used twice."""
    collector = _LinkCollector()
    collector.feed(digest.html)
    collector.close()
    own_ids = set(collector.ids)
    problems = []
    for anchor, count in Counter(collector.ids).items():
        if count > 1:
            msg = f"anchor #{anchor} is used {count} times on this page"
            problems.append(Problem(digest.source, line_of(source, anchor), "error", msg))
    here = Urls.digest(digest.slug)
    # A relative path that names no file the build publishes has the build's own warning.
    told = {found.written for found in digest.files if not found.absolute}
    for kind, url in collector.links:
        if url in told:
            continue
        missing = missing_target(url, here, config.base_path, targets, own_ids, index)
        if missing:
            what = "image" if kind.startswith(("img", "video", "source", "audio")) else "link"
            written = unbased(url, config.base_path)
            msg = f"{what} {written} points nowhere ({missing})"
            line = line_of(source, written) or line_of_digest_link(source, written)
            problems.append(Problem(digest.source, line, "error", msg))
    return problems


def missing_target(
    url: str, here: str, base_path: str, targets: set[str], own_ids: set[str], index: SiteIndex
) -> str:
    """Why an internal URL leads nowhere ('' when it is fine or not internal)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//"):
        return ""  # external (or mailto:, data:): not ours to check
    if not parts.path:
        anchor = unquote(parts.fragment)
        return "" if not anchor or anchor in own_ids else f"no element with id {anchor!r} on this page"
    if parts.path.startswith("/"):
        if not parts.path.startswith(base_path):
            return f"outside the site's base path {base_path}"
        path = parts.path[len(base_path) :]
    else:
        path = posixpath.join(here, parts.path)
    path = posixpath.normpath(unquote(path)).lstrip("/")
    path = "" if path == "." else path
    candidates = [path, posixpath.join(path, "index.html")] if path else ["index.html"]
    if not any(c in targets for c in candidates):
        return f"no page or file {path or '/'} in the site"
    anchor = unquote(parts.fragment)
    if anchor and path.startswith("digests/"):
        slug = path[len("digests/") :].strip("/")
        target = next((d for d in index.digests if d.slug == slug), None)
        if target is not None and not re.search(rf'\bid="{re.escape(anchor)}"', target.html):
            return f"no anchor #{anchor} in digests/{slug}/"
    return ""


def unbased(url: str, base_path: str) -> str:
    """The URL as the author wrote it: the build put the base path in front of site-absolute ones."""
    if base_path != "/" and url.startswith(base_path):
        return "/" + url[len(base_path) :]
    return url


def line_of_digest_link(text: str, url: str) -> int | None:
    """The line of a link the build made a digest's page from (`other.md#x`, `{% post_url other %}`),
    found by the file name it was written with."""
    m = DIGEST_PAGE.match(url)
    if not m:
        return None
    slug = unquote(m.group(1))
    for written in [f"{slug}{suffix}" for suffix in sorted(DIGEST_SUFFIXES)] + [slug]:
        line = line_of(text, written)
        if line:
            return line
    return None


def read_text(path: Path) -> str:
    """A digest file's text as the build read it (parse.source.decode: a byte-order mark dropped,
    UTF-16 and UTF-32 decoded, newlines made \\n), so that lines found in it are the build's lines."""
    try:
        return decode(path.read_bytes(), "")[0]
    except OSError:
        return ""


def line_of(text: str, needle: str) -> int | None:
    pos = text.find(needle)
    return text[:pos].count("\n") + 1 if pos >= 0 and needle else None
