"""One digest file -> one Digest record (or located problems explaining why not)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from paperdigest.errors import Problem
from paperdigest.model import Card, Digest, TocEntry
from paperdigest.parse import papers
from paperdigest.parse.cards import extract_cards
from paperdigest.parse.dates import find_date, parse_date_value
from paperdigest.parse.markdown import markdown_parser, plain_text
from paperdigest.parse.source import SourceText, read_source

KNOWN_KEYS = {
    "title", "date", "slug", "description", "keywords", "categories", "category", "tags",
    "cate1", "cate2", "draft", "layout", "mathjax", "permalink",
}  # fmt: skip
CATEGORY_KEYS = ("cate1", "cate2", "categories", "category", "tags")
SAFE_SLUG = re.compile(r"^[\w][\w.\-]*$")


@dataclass
class ParseResult:
    digest: Digest | None
    problems: list[Problem] = field(default_factory=list)


def parse_digest(path: Path, root: Path, base_path: str = "/", math=None) -> ParseResult:
    """`math`: a paperdigest.mathrender.MathRenderer that typesets this digest's formulas at build time."""
    try:
        source = read_source(path, root)
    except OSError as exc:
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        return ParseResult(None, [Problem(rel, None, "error", f"cannot read: {exc.strerror or exc}")])
    return parse_source(source, base_path, math)


def parse_source(source: SourceText, base_path: str = "/", math=None) -> ParseResult:
    problems = list(source.problems)
    meta, rel = source.metadata, source.rel
    if not source.body.strip() and not meta:
        problems.append(Problem(rel, None, "warning", "empty file, skipped"))
        return ParseResult(None, problems)

    md = markdown_parser()
    env = {"base_path": base_path}
    tokens = md.parse(source.body, env)
    offset = source.body_line
    if math is not None:
        env["math"] = math.page(rel, offset)
    found = extract_cards(tokens, offset)
    cards = [card for _, card in found]
    link_cards_to_paper_pages(tokens, found)
    problems += math_problems(tokens, rel, offset)
    problems += duplicate_card_problems(cards, rel)
    html = md.renderer.render(tokens, md.options, env)

    title = digest_title(meta, tokens, source)
    if not title:
        problems.append(Problem(rel, 1, "warning", "no title: add `title:` to the front matter"))
        title = Path(rel).stem
    date = digest_date(meta, Path(rel).stem, title, source.body, rel, problems)
    slug = digest_slug(meta, Path(rel), rel, problems)
    digest = Digest(
        source=rel,
        slug=slug,
        title=title,
        date=date,
        categories=categories(meta),
        description=str(meta.get("description") or "").strip(),
        keywords=keywords(meta.get("keywords")),
        html=html,
        toc=table_of_contents(tokens),
        cards=tuple(cards),
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
        draft=bool(meta.get("draft", False)),
    )
    return ParseResult(digest, problems)


def paper_id(card: Card) -> str:
    return card.arxiv_id or papers.title_slug(card.title)


def link_cards_to_paper_pages(tokens: list[Token], cards: list[tuple[int, Card]]) -> None:
    """Each card heading ends with a link to the paper's own page."""
    for index, card in cards:
        inline = tokens[index + 1]
        href = f"/papers/{escapeHtml(papers.paper_path_id(paper_id(card)))}/"  # base path added on render
        link = Token("html_inline", "", 0)
        link.content = f' <a class="paper-page-link" href="{href}" title="Paper page">📄</a>'
        inline.children = [*(inline.children or []), link]
        tokens[index].attrJoin("class", "paper-heading")


def digest_title(meta: dict, tokens: list[Token], source: SourceText) -> str:
    if str(meta.get("title") or "").strip():
        return str(meta["title"]).strip()
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            return plain_text(tokens[i + 1])
    for line in source.body.splitlines():
        if line.strip():
            return line.strip().lstrip("#>*- ").strip()[:120]
    return ""


def digest_date(meta, stem, title, body, rel, problems):
    if "date" in meta and meta["date"] not in (None, ""):
        date = parse_date_value(meta["date"])
        if date:
            return date
        problems.append(Problem(rel, 2, "warning", f"date {meta['date']!r} is not a date"))
    return find_date(stem) or find_date(title) or find_date(body[:2000])


def digest_slug(meta: dict, path: Path, rel: str, problems: list[Problem]) -> str:
    wanted = str(meta.get("slug") or "").strip()
    if wanted:
        if SAFE_SLUG.match(wanted) and ".." not in wanted:
            return wanted
        problems.append(Problem(rel, 2, "warning", f"unsafe slug {wanted!r} ignored"))
    return safe_slug(path.stem)


def safe_slug(stem: str) -> str:
    slug = re.sub(r"[^\w.\-]+", "-", stem.strip()).strip("-.") or "digest"
    return slug.replace("..", ".")


def as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [p.strip() for p in re.split(r"[,，]", str(value)) if p.strip()]


def categories(meta: dict) -> tuple[str, ...]:
    found = [c for key in CATEGORY_KEYS for c in as_list(meta.get(key))]
    return tuple(dict.fromkeys(found))


def keywords(value) -> tuple[str, ...]:
    return tuple(dict.fromkeys(as_list(value)))


def table_of_contents(tokens: list[Token]) -> tuple[TocEntry, ...]:
    return tuple(
        TocEntry(int(tok.tag[1]), plain_text(tokens[i + 1]), tok.attrGet("id") or "")
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.tag in ("h2", "h3", "h4")
    )


def math_problems(tokens: list[Token], rel: str, offset: int) -> list[Problem]:
    """`$$` left in text after parsing means a formula was never closed."""
    found = []
    for tok in tokens:
        if tok.type != "inline" or "$$" not in tok.content:
            continue
        if any(c.type == "text" and "$$" in c.content for c in tok.children or []):
            line = tok.map[0] + offset if tok.map else None
            found.append(Problem(rel, line, "warning", "unclosed $$: the formula is shown as text"))
    return found


def duplicate_card_problems(cards: list[Card], rel: str) -> list[Problem]:
    seen: dict[str, Card] = {}
    found = []
    for card in cards:
        key = paper_id(card)
        if key in seen:
            msg = f"paper {key} appears twice in this digest (first at line {seen[key].line})"
            found.append(Problem(rel, card.line, "warning", msg))
        seen.setdefault(key, card)
    return found
