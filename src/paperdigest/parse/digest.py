"""One digest file -> one Digest record (or located problems explaining why not)."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from paperdigest.boundary import leaves, link_problem, named_inside, shown_path
from paperdigest.errors import Problem, excerpt
from paperdigest.model import DAY, Card, Digest, TocEntry
from paperdigest.parse import papers, shapes
from paperdigest.parse.balance import HtmlIssue, balance_html, balance_once
from paperdigest.parse.cards import CARD_FIELDS, card_slot
from paperdigest.parse.digest_links import safe_slug
from paperdigest.parse.fields import field_labels, strip_block_markers
from paperdigest.parse.front_date import UPDATED_KEYS, front_matter_when, time_zone, updated_date
from paperdigest.parse.front_matter import CATEGORY_KEYS, LANGUAGE_KEYS, checked_fields, names_of
from paperdigest.parse.language import detect_language
from paperdigest.parse.liquid import dropped_tags
from paperdigest.parse.local_files import found_in
from paperdigest.parse.markdown import MAX_NESTING, markdown_parser, plain_text, title_parser
from paperdigest.parse.math import MATH_TYPES
from paperdigest.parse.mathtext import site_scope
from paperdigest.parse.sanitize import sanitize_html
from paperdigest.parse.shapes.tokens import closing
from paperdigest.parse.source import SourceText, read_source
from paperdigest.parse.values import InlineReader
from paperdigest.parse.when import When, find_when, impossible_day, when_from_arxiv_ids

KNOWN_KEYS = {
    "title", "date", "slug", "description", "keywords", "categories", "category", "tags",
    "cate1", "cate2", "draft", "layout", "mathjax", "permalink", "lang", "language", *UPDATED_KEYS,
}  # fmt: skip
SAFE_SLUG = re.compile(r"^[\w][\w.\-]*$")
# A `$` left in text after math parsing opened a formula that never closed ($5 is a price, and
# `$ ` cannot open one: pandoc's rule).
LONE_DOLLAR = re.compile(r"\$(?![\d\s])")
HTML_REPORTS = 20  # unbalanced tags reported one by one per digest; the rest are counted
PAPER_PAGE_LINK = '<a class="paper-page-link"'
RAW_IMG_ADDED = ' loading="lazy" referrerpolicy="no-referrer"'  # what markdown.RAW_IMG puts into <img


@dataclass
class ParseResult:
    digest: Digest | None
    problems: list[Problem] = field(default_factory=list)


def parse_digest(
    path: Path,
    root: Path,
    base_path: str = "/",
    math=None,
    *,
    sanitize: bool = False,
    fields: Mapping[str, Sequence[str]] | None = None,
    digests_dir: Path | None = None,
    timezone: str = "",
    static_dir: Path | None = None,
    macros: Mapping[str, str] | None = None,
) -> ParseResult:
    """`math`: a paperdigest.mathrender.MathRenderer that typesets this digest's formulas at build time;
    `macros`: the site's TeX macros (`\\name` -> TeX), which formulas read as text are expanded with;
    `fields`: site.yaml's extra field labels (field name -> labels), see parse/fields.py;
    `digests_dir`: the digests folder, where a relative link to a digest file leads to its page
    (parse/digest_links.py); `timezone`: site.yaml's, for a time written without an offset;
    `static_dir`: the folder copied to the site root, whose files a relative path names where
    they are published (parse/local_files.py). A file with an error (broken front matter, a
    link out of the site, ...) gives no digest."""
    if named_inside(path, root) and leaves(path, root.resolve()):  # replaced by a link since discovery
        return ParseResult(None, [link_problem(path, root)])
    try:
        source = read_source(path, root)
    except OSError as exc:
        message = f"cannot read: {exc.strerror or exc}"
        return ParseResult(None, [Problem(shown_path(path, root), None, "error", message)])
    folder = folder_in(path, digests_dir)
    files = FileFolders(site_folder_of(path, root), site_folder_of(static_dir, root, parent=False))
    return parse_source(
        source,
        base_path,
        math,
        sanitize=sanitize,
        fields=fields,
        digest_folder=folder,
        timezone=timezone,
        files=files,
        macros=macros,
    )


@dataclass(frozen=True)
class FileFolders:
    """Where a digest's relative paths are read from (its folder, relative to the site folder) and
    where static/ is, when both are inside the site folder (see parse/local_files.py)."""

    digest: str | None = None
    static: str | None = None


def site_folder_of(path: Path | None, root: Path, parent: bool = True) -> str | None:
    """The folder of a file (or, with `parent` False, the folder itself) relative to the site
    folder `root`, '' at its top; None when it is not inside it."""
    if path is None or not named_inside(path, root):
        return None
    folder = os.path.relpath(os.path.abspath(path.parent if parent else path), os.path.abspath(root))
    return "" if folder == "." else Path(folder).as_posix()


def folder_in(path: Path, digests_dir: Path | None) -> str | None:
    """The folder of a digest file inside the digests folder ('' at its top), None when not in it."""
    if digests_dir is None or not path.is_relative_to(digests_dir):
        return None
    folder = path.parent.relative_to(digests_dir).as_posix()
    return "" if folder == "." else folder


def parse_source(
    source: SourceText,
    base_path: str = "/",
    math=None,
    *,
    sanitize: bool = False,
    fields: Mapping[str, Sequence[str]] | None = None,
    digest_folder: str | None = None,
    timezone: str = "",
    files: FileFolders | None = None,
    macros: Mapping[str, str] | None = None,
) -> ParseResult:
    """Never raises on any text or front matter: problems are returned, located. A digest whose front
    matter cannot be read or has a value of the wrong type is not made: publishing it without its
    front matter (no date, a title from the body, not a draft) would be a guess."""
    rel = source.rel
    meta, field_problems = checked_fields(source.metadata, rel, source.key_lines)
    problems = source.problems + field_problems
    if any(problem.level == "error" for problem in problems):
        return ParseResult(None, problems)
    if not source.body.strip() and not meta:
        problems.append(Problem(rel, None, "warning", "empty file, skipped"))
        return ParseResult(None, problems)

    md = markdown_parser()
    files = files or FileFolders()
    env = {"base_path": base_path, "digest_folder": digest_folder}
    env |= {"site_folder": files.digest, "static_folder": files.static, "digest_stem": Path(rel).stem}
    env["site_macros"] = site_scope(tuple(sorted((macros or {}).items())))  # for formulas read as text
    labels = field_labels(fields)
    shape = shapes.detect_shape(source.body, labels)
    text, line_map = shapes.prepare(shape, source.body)
    tokens = md.parse(text, env)
    offset = source.body_line
    if math is not None:
        env["math"] = math.page(rel, offset)
    reader = InlineReader(md, env)
    # Before shapes turn lines into headings.
    title, title_html, title_tex = digest_title(meta, tokens, source, reader)
    headed = has_heading(tokens)
    context = shapes.Context(reader, labels, title, title_html, title_tex)
    found = shapes.extract(shape, tokens, shapes.Lines(offset, line_map), context)
    cards = [card for _, card in found.cards]
    raw_html = not raw_html_balanced(tokens)
    link_cards_to_paper_pages(tokens, [(i, c) for i, c in found.cards if i is not None])
    problems += math_problems(tokens, rel, offset)
    problems += environment_problems(env, rel, offset)
    problems += nesting_problems(env, rel, offset)
    problems += liquid_problems(tokens, rel, offset)
    problems += duplicate_card_problems(cards, rel)
    problems += impossible_id_problems(source.body, rel, offset)
    demote_headings(tokens)
    shown = card_slots(tokens, [(i, n) for n, (i, _) in enumerate(found.cards) if i is not None])
    html = md.renderer.render(shown, md.options, env)
    if raw_html:  # Markdown's own output is balanced; only the author's raw HTML can break the page
        html, issues = balance_html(html)
        problems += [html_problem(issue, source) for issue in issues[:HTML_REPORTS]]
        if len(issues) > HTML_REPORTS:
            more = f"{len(issues) - HTML_REPORTS} more unbalanced HTML tags, fixed the same way"
            problems.append(Problem(rel, None, "warning", more))
    if sanitize:
        html = sanitize_html(html)

    if not title or (meta and not str(meta.get("title") or "").strip() and not headed):
        fallback = title or Path(rel).stem
        msg = f"no title: add `title:` to the front matter (using {fallback!r})"
        problems.append(Problem(rel, 1, "warning", msg))
        title, title_html = fallback, ""
    zone = time_zone(timezone) or dt.timezone.utc  # site.yaml's was checked when it was read
    when = digest_when(meta, Path(rel).stem, title, source.body, found, rel, problems, source.key_lines, zone)
    updated = updated_date(meta, rel, source.key_lines, when, problems, zone)
    slug = digest_slug(meta, Path(rel), rel, problems, source.key_lines.get("slug", 2))
    check_permalink(meta, rel, problems, source.key_lines.get("permalink", 2))
    description = description_text(str(meta.get("description") or "").strip(), reader.env)
    if env.get("math") is not None:  # every formula met: each is typeset after the definitions above it
        env["math"].close()
    digest = Digest(
        source=rel,
        slug=slug,
        title=title,
        title_html=title_html,
        date=when.date if when else None,
        categories=categories(meta),
        description=description,
        keywords=keywords(meta.get("keywords")),
        html=html,
        toc=table_of_contents(tokens),  # after demote_headings: the levels the page shows
        cards=tuple(cards),
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
        draft=bool(meta.get("draft", False)),
        date_precision=when.precision if when else DAY,
        date_end=when.end if when else None,
        time=when.time if when else None,
        updated=updated,
        entries=tuple(found.entries) if len(found.entries) > 1 else (),
        shape=shape,
        author=str(meta.get("author") or "").strip() or found.author,
        source_url=found.source_url,
        language=written_language(meta) or detect_language(title, source.body),
        files=found_in(env, offset),
    )
    return ParseResult(digest, problems)


def written_language(meta: dict) -> str:
    """`lang:` or `language:` of the front matter (checked_fields made sure it is a tag)."""
    return next((str(meta[k]).strip() for k in LANGUAGE_KEYS if meta.get(k)), "")


def paper_id(card: Card) -> str:
    return card.arxiv_id or papers.title_slug(card.title)


def paper_page_link(card: Card) -> str:
    """The start of the link from a card's heading to its paper's page; the body's HTML gets the
    base path before it (markdown.with_base_path), as every site-absolute URL does."""
    return f'{PAPER_PAGE_LINK} href="{paper_page_path(card)}"'


def paper_page_path(card: Card) -> str:
    """The site-absolute path of a card's paper page, as the link's href holds it (HTML-escaped)."""
    return f"/papers/{escapeHtml(papers.paper_path_id(paper_id(card)))}/"


def link_cards_to_paper_pages(tokens: list[Token], cards: list[tuple[int, Card]]) -> None:
    """Each card heading ends with a link to the paper's own page."""
    for index, card in cards:
        inline = tokens[index + 1]
        link = Token("html_inline", "", 0)
        link.content = f" {paper_page_link(card)}>↗</a>"  # named by the theme (theme.body_parts)
        inline.children = [*(inline.children or []), link]
        tokens[index].attrJoin("class", "paper-heading")


def card_slots(tokens: list[Token], cards: list[tuple[int, int]]) -> list[Token]:
    """The tokens the page shows: the blocks that hold nothing but a card's fields (marked by
    parse/cards.py) give way to one slot, where the page puts the card (render.body_parts)."""
    card_at = dict(cards)  # heading index -> index of the card in Digest.cards
    shown: list[Token] = []
    current, slotted = None, False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and tok.level == 0:
            current, slotted = card_at.get(i), False
        if current is not None and tok.level == 0 and tok.meta.get(CARD_FIELDS):
            if not slotted:
                slot = Token("html_block", "", 0)
                slot.content = card_slot(current)
                shown.append(slot)
                slotted = True
            i = closing(tokens, i) + 1
            continue
        shown.append(tok)
        i += 1
    return shown


def demote_headings(tokens: list[Token]) -> None:
    """The page's title is its only h1: a body that has h1s moves every heading one level down
    (h6 stays h6), so a weekly note's `# Week 32` sections are h2s under the title."""
    if not any(t.type == "heading_open" and t.tag == "h1" for t in tokens):
        return
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = f"h{min(int(tok.tag[1]) + 1, 6)}"


def digest_title(
    meta: dict, tokens: list[Token], source: SourceText, reader: InlineReader
) -> tuple[str, str, tuple[str, ...]]:
    """(plain text, inline HTML or '', formula parts) of the front matter's title, else the first
    h1/h2, else the first line. Front matter is written for Jekyll, whose pages show it as text and
    typeset its math."""
    if str(meta.get("title") or "").strip():
        front = InlineReader(title_parser(), reader.env)
        children = front.children(str(meta["title"]).strip())
        return front.plain(children), front.title_html(children), front.title_tex(children)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            children = tokens[i + 1].children or []
            return plain_text(tokens[i + 1]), reader.title_html(children), reader.title_tex(children)
    for line in source.body.splitlines():
        if line.strip():
            return (
                first_line_title(reader.plain(reader.children(strip_block_markers(line).lstrip("# ")))),
                "",
                (),
            )
    return "", "", ()


def description_text(description: str, env: dict) -> str:
    """The front matter's description, which goes into meta tags and feed summaries as text: its
    formulas as readable text, as the title's (`$\\alpha$-散度` -> 'α-散度'); written without math,
    it is kept as written."""
    front = InlineReader(title_parser(), env)
    children = front.children(description)
    if not any(child.type in MATH_TYPES for child in children):
        return description
    return front.plain(children)


def first_line_title(text: str, limit: int = 120) -> str:
    """A long first line is cut after its first sentence: '本文总结了...论文。这些...' -> '本文总结了...论文。'."""
    end = re.search(r"[。！？!?]", text)
    if end and 8 <= end.end() < len(text):
        text = text[: end.end()]
    return text[:limit]


def digest_when(meta, stem, title, body, found: shapes.Found, rel, problems, key_lines, zone) -> When | None:
    """Front matter, then the file name, then the newest entry, then the text, then the arXiv ids."""
    written = meta.get("date")
    line = key_lines.get("date", 2)
    if written not in (None, "") and (when := front_matter_when(written, rel, line, problems, zone)):
        return when
    if impossible := impossible_day(stem):
        message = f"the file name's {impossible} is not a date, so it does not date the digest"
        problems.append(Problem(rel, None, "warning", message))
    dated = [e for e in found.entries if e.date]
    newest = max(dated, key=lambda e: e.date) if len(found.entries) > 1 and dated else None
    return (
        find_when(stem)
        or (When(newest.date, newest.date_precision, newest.date_end) if newest else None)
        or find_when(title)
        or find_when(body[:2000])
        or when_from_arxiv_ids(c.arxiv_id for _, c in found.cards if c.arxiv_id)
    )


def digest_slug(meta: dict, path: Path, rel: str, problems: list[Problem], line: int = 2) -> str:
    wanted = str(meta.get("slug") or "").strip()
    if wanted:
        if SAFE_SLUG.match(wanted) and ".." not in wanted:
            return wanted
        problems.append(Problem(rel, line, "warning", f"unsafe slug {excerpt(wanted)} ignored"))
    return safe_slug(path.stem)


def check_permalink(meta: dict, rel: str, problems: list[Problem], line: int = 2) -> None:
    """Pages live at digests/<slug>/; a permalink that tries to leave the site is called out."""
    value = meta.get("permalink")
    if value in (None, ""):
        return
    text = unquote(str(value))
    if "\\" in text or "\x00" in text or any(part == ".." for part in text.split("/")):
        problems.append(Problem(rel, line, "warning", f"unsafe permalink {excerpt(value)} ignored"))


def as_list(value, spaced: bool = False) -> list[str]:
    """A front-matter list, or a string of items separated by commas; with `spaced`, a string
    without commas is split at spaces, as Jekyll reads `categories: papers daily`."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        names = names_of(list(value), nested=True)  # checked_fields let only CATEGORY_KEYS nest
        return [str(v).strip() for v in names if v is not None and str(v).strip()]
    text = str(value)
    separators = r"\s+" if spaced and not re.search(r"[,，]", text) else r"[,，]"
    return [p.strip() for p in re.split(separators, text) if p.strip()]


def categories(meta: dict) -> tuple[str, ...]:
    # Jekyll's plural keys take several names in one string; `category: Machine Learning` is one.
    found = [c for key in CATEGORY_KEYS for c in as_list(meta.get(key), spaced=key in ("categories", "tags"))]
    return tuple(dict.fromkeys(map(category_name, found)))


def category_name(name: str) -> str:
    """A category as readers see it: composed (NFC: a `café` pasted decomposed is the `café` typed
    elsewhere) and each run of spaces, tabs or newlines one space (`Machine  Learning`). Names that
    differ only so were two categories that look alike, with a page and feed each."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def keywords(value) -> tuple[str, ...]:
    return tuple(dict.fromkeys(as_list(value)))


def table_of_contents(tokens: list[Token]) -> tuple[TocEntry, ...]:
    """h2-h4, except those marked `{: .no_toc}` (kramdown leaves them out of its TOC too) and empty
    ones (`### `)."""
    entries = (
        TocEntry(int(tok.tag[1]), plain_text(tokens[i + 1]), tok.attrGet("id") or "")
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
        and tok.tag in ("h2", "h3", "h4")
        and "no_toc" not in str(tok.attrGet("class") or "").split()
    )
    return tuple(entry for entry in entries if entry.title.strip())


def math_problems(tokens: list[Token], rel: str, offset: int) -> list[Problem]:
    """A `$` or `$$` left in text after parsing means a formula was never closed."""
    found = []
    for tok in tokens:
        if tok.type != "inline" or "$" not in tok.content:
            continue
        escaped = tok.content.count("\\$")  # \$ is a literal dollar, also text after parsing
        texts = [c.content for c in tok.children or [] if c.type == "text" and "$" in c.content]
        if sum(len(LONE_DOLLAR.findall(t)) for t in texts) <= escaped:
            continue
        text = next(t for t in texts if LONE_DOLLAR.search(t))
        delimiter = "$$" if "$$" in text else "$"
        start = max(tok.content.find(text), 0) + LONE_DOLLAR.search(text).start()
        line = tok.map[0] + offset + tok.content[:start].count("\n") if tok.map else None
        found.append(Problem(rel, line, "warning", f"unclosed {delimiter}: the formula is shown as text"))
    return found


def environment_problems(env: dict, rel: str, offset: int) -> list[Problem]:
    """A `\\begin{align}` line (parse/math.py) whose `\\end{align}` never comes."""
    unclosed = sorted(env.get("unclosed_environments", {}).items())
    return [
        Problem(rel, line + offset, "warning", f"unclosed \\begin{{{name}}}: the formula is shown as text")
        for line, name in unclosed
    ]


def nesting_problems(env: dict, rel: str, offset: int) -> list[Problem]:
    """Lists and quotes stop nesting at MAX_NESTING levels (deeper markers are shown as text)."""
    if "too_deep" not in env:
        return []
    msg = f"lists or quotes nested more than {MAX_NESTING} levels deep: deeper markers are shown as text"
    return [Problem(rel, env["too_deep"] + offset, "warning", msg)]


def impossible_id_problems(body: str, rel: str, offset: int) -> list[Problem]:
    """A reference to an arXiv id arXiv cannot have given is no paper's (parse/papers.canonical_id):
    the author hears of the typo, once per line and id (a link and its text often repeat it)."""
    found: dict[tuple[int, str], Problem] = {}
    for position, written, why in papers.impossible_references(body):
        line = body.count("\n", 0, position) + offset
        msg = f"{written!r} is not an arXiv id ({why}): no paper is made of it"
        found.setdefault((line, written), Problem(rel, line, "warning", msg))
    return list(found.values())


def liquid_problems(tokens: list[Token], rel: str, offset: int) -> list[Problem]:
    """Liquid tags that only Jekyll could run (parse/liquid.py) are dropped: the author hears which."""
    found = []
    for line, tag in dropped_tags(tokens):
        shown = tag if len(tag) <= 60 else tag[:57] + "..."
        msg = f"Jekyll's Liquid {shown!r} is not run here: dropped from the page"
        found.append(Problem(rel, line + offset if line is not None else None, "warning", msg))
    return found


def raw_html_balanced(tokens: list[Token]) -> bool:
    """The author's raw HTML closes what it opens: the HTML blocks together, and the inline HTML of
    each paragraph on its own. Then the page needs no balancing pass over all of its HTML."""
    fragments = ["".join(t.content for t in tokens if t.type == "html_block")]
    fragments += [
        "".join(c.content for c in t.children or [] if c.type == "html_inline")
        for t in tokens
        if t.type == "inline"
    ]
    return not any(balance_once(fragment)[1] for fragment in fragments if fragment)


def has_heading(tokens: list[Token]) -> bool:
    return any(tok.type == "heading_open" and tok.tag in ("h1", "h2") for tok in tokens)


def html_problem(issue: HtmlIssue, source: SourceText) -> Problem:
    """Locate the offending tag in the source by its text (the n-th time it is written)."""
    body, pos = source.body, -1
    written = issue.raw.replace(RAW_IMG_ADDED, "")  # the tag as in the source
    for _ in range(issue.occurrence):
        pos = body.find(written, pos + 1)
        if pos < 0:
            break
    if pos < 0:
        pos = body.lower().find(("</" if written.startswith("</") else "<") + issue.tag)
    line = source.body_line + body[:pos].count("\n") if pos >= 0 else None
    if issue.kind == "stray":
        msg = f"stray {issue.raw} without an opening tag, removed"
    elif issue.kind == "unfinished":
        shown = written if len(written) <= 40 else written[:37] + "..."
        msg = f"unfinished tag {shown!r}: its '<' is shown as text"
    elif issue.kind == "comment":
        msg = "unclosed HTML comment <!--, closed at the end of the digest"
    else:
        msg = f"unclosed <{issue.tag}>, closed so the rest of the page is not swallowed"
    return Problem(source.rel, line, "warning", msg)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def duplicate_card_problems(cards: list[Card], rel: str) -> list[Problem]:
    seen: dict[tuple[str, str], Card] = {}
    found = []
    for card in cards:
        key = (card.entry, paper_id(card))  # a paper may come back in another week of a notebook
        same_title = key in seen and _alnum(card.title) == _alnum(seen[key].title)
        if same_title:  # different titles are reported as a title conflict when grouping
            msg = f"paper {key[1]} appears twice in this digest (first at line {seen[key].line})"
            found.append(Problem(rel, card.line, "warning", msg))
        seen.setdefault(key, card)
    return found
