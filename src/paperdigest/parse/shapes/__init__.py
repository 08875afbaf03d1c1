"""Digest shapes: which layout a file uses, and the parser that turns it into cards and entries.

    weekly     dated h1/h2 sections, topic bullets, inline arXiv links (seed 001)
    bloglist   title line + `By author | date | ...` byline + excerpt, repeated (seed 003)
    plainlist  plain text: category lines, `1、Title`, summary, arXiv URL line (seed 002)
    paper      one paper per file: `# Title` then `**Key**: value` field lines (one-paper notes)
    weekly     ...
    article    `## 1) Title` discussions and a `**Title** by Authors (date), url` list (seed 004)
    cards      `### N、Title` + blockquote metadata (seed 000), also the fallback

Whatever the shape, every arXiv link the shape did not claim becomes a mention (mentions.py).
"""

from __future__ import annotations

from dataclasses import replace

from markdown_it.token import Token

from paperdigest.model import Card
from paperdigest.parse.cards import extract_cards, mark_paper_headings
from paperdigest.parse.draft import Context
from paperdigest.parse.fields import Labels, field_labels
from paperdigest.parse.shapes import article, bloglist, loose, paper, plainlist, weekly
from paperdigest.parse.shapes.base import Found, Scope
from paperdigest.parse.shapes.mentions import link_mentions
from paperdigest.parse.shapes.plaintext import as_paragraphs
from paperdigest.parse.shapes.tokens import Lines, linkify, used_ids

__all__ = ["Context", "Found", "Lines", "Scope", "detect_shape", "extract", "prepare"]

DETECTORS = (
    ("weekly", weekly.detect),
    ("bloglist", bloglist.detect),
    ("plainlist", plainlist.detect),
    ("article", article.detect),
)
EXTRACTORS = {
    "paper": paper.extract,
    "weekly": weekly.extract,
    "bloglist": bloglist.extract,
    "plainlist": plainlist.extract,
    "article": article.extract,
}


def detect_shape(body: str, labels: Labels | None = None) -> str:
    """One-paper notes first: their sections may look like an article's or a week's."""
    if paper.detect(body, labels or field_labels()):
        return "paper"
    labels = labels or field_labels()
    # An article's numbered sections are discussions: `## 1. Title` above the paper's links is a card.
    return next(
        (name for name, detect in DETECTORS if (detect(body, labels) if name == "article" else detect(body))),
        "cards",
    )


def prepare(shape: str, body: str) -> tuple[str, tuple[int, ...]]:
    """The Markdown text to parse for this shape and its line map (empty when the body is used as is)."""
    if shape == "bloglist":
        return as_paragraphs(body, bloglist.split_byline)
    if shape == "plainlist":
        return as_paragraphs(body)
    return body, ()


def extract(shape: str, tokens: list[Token], lines: Lines, context: Context) -> Found:
    """Cards (in document order, numbered), entries and digest facts; tokens get their anchors."""
    used = used_ids(tokens)
    linkify(tokens)
    if shape in EXTRACTORS:
        found = EXTRACTORS[shape](tokens, lines, used, context)
    else:
        found = Found(cards=cards_shape(tokens, lines, used, context))
    cited = link_mentions(tokens, lines, found, used, linkify=shape != "cards", reader=context.inline)
    ordered = sorted([*found.cards, *((None, c) for c in cited)], key=lambda ic: ic[1].line)
    found.cards = [(i, renumber(c, n)) for n, (i, c) in enumerate(ordered, start=1)]
    return found


def cards_shape(tokens: list[Token], lines: Lines, used, context: Context) -> list[tuple[int, Card]]:
    """`### ` cards, and the papers written without that heading (shapes/loose.py), in order."""
    mark_paper_headings(tokens, context)
    loose.promote_numbered_titles(tokens, used, context)
    cards = extract_cards(tokens, lines.offset, context)
    taken = {index for index, _ in cards}
    return sorted(
        [*cards, *loose.loose_cards(tokens, lines, used, context, taken)], key=lambda ic: ic[1].line
    )


def renumber(card: Card, position: int) -> Card:
    return card if card.position == position else replace(card, position=position)
