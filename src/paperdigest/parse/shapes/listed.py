"""One-line list items of papers, as awesome-lists and weekly lists write them:

    - **GPTQ: Accurate Post-Training ...**. *Frantar et al.* ICLR 2023. [[paper](arxiv)] [[code](github)]
    - [SmoothQuant: Accurate ...](arxiv) - Xiao et al. (ICML 2023) [code](github)
    - Let's Verify Step by Step [[paper]](arxiv)
    1. Dense Passage Retrieval for ... — Karpukhin et al., EMNLP 2020. https://arxiv.org/abs/...
    * 2023.05 | Direct Preference Optimization ... | [paper](arxiv) | [code](github)

The title is the bold text, the link's own text when it reads as a title, or the text before the
first link, dash or `. Authors` part; the code is a `code`/`代码`/`github` link, the venue an acronym
and year (`ICLR 2023`, `(NeurIPS 2023)`), the authors an italic `*X et al.*` or an `X et al.` part.
Without this, such papers were bare citations (an id, at best a title from the link text).

An item is a listed paper only when it names one paper and says nothing else: besides its title
and links it holds authors, venue, years and separators, no sentence. A prose item that cites
`[1](https://arxiv.org/...)` or "另见 https://arxiv.org/... 的讨论" stays a citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from paperdigest.model import Card
from paperdigest.parse import papers
from paperdigest.parse.draft import CardDraft, Context, heading_title
from paperdigest.parse.fields import read_field
from paperdigest.parse.markdown import plain_text
from paperdigest.parse.shapes.article import split_authors
from paperdigest.parse.shapes.mentions import CJK, title_from_link_text
from paperdigest.parse.shapes.tokens import Lines, UsedIds, set_id

MAX_ITEM = 800  # characters: a longer item is a paragraph of its own, not a line of a list
# "2023.05 |", "[2024/01]", "2023-05-12 -" before the title: when the paper came out, not its title.
DATE_PREFIX = re.compile(
    r"^\s*[\[【(（]?\d{4}(?:[./\-年]\d{1,2}(?:[./\-月]\d{1,2}日?)?)?[\]】)）]?\s*(?:[|｜:：\-—–]\s*)?"
)
LEADING_TAG = re.compile(r"^\s*[\[【(（]([^\[\]【】()（）\n]{1,40})[\]】)）]\s*(?:[|｜:：\-—–]\s*)?")
# What the other links of a listed paper are called (`[[project](...)]`), besides the field labels.
LINK_WORDS = {
    "pdf", "abs", "html", "project", "project page", "website", "homepage", "page", "blog", "demo",
    "slides", "video", "poster", "bib", "bibtex", "dataset", "data", "model", "models", "weights",
    "openreview", "huggingface", "hf", "colab", "zhihu", "知乎", "项目", "主页", "项目主页", "博客",
    "数据集", "模型", "解读", "视频", "hugging face", "space", "spaces", "leaderboard", "twitter",
    "tweet", "github repo", "code & data", "supplementary", "appendix", "talk", "press",
}  # fmt: skip
# Where a plain title ends and its authors or links begin.
TITLE_ENDS = (" | ", " ｜ ", " — ", " – ", " - ", " —— ", "——")
SEPARATORS = "[]()（）【】|｜,，.;:：·•-—–/*_\"'“”‘’《》<>"
# Lower-case words of an authors' or venue part: "Xiao et al.", "by A and B", "van der Berg", arXiv.
METADATA_WORDS = {
    "by", "and", "et", "al", "van", "von", "der", "den", "de", "da", "di", "du", "del", "la", "le",
    "of", "arxiv", "preprint", "in", "at", "&", "等",
}  # fmt: skip
VENUE_WORD = re.compile(r"^[A-Za-z][A-Za-z\-]*$")
SHORT_YEAR_VENUE = re.compile(r"^([A-Za-z][A-Za-z\-]*)['’](\d{2})$")  # ICLR'23
YEAR = re.compile(r"^(?:19|20)\d{2}$")
VENUE_SUFFIXES = {"oral", "spotlight", "poster", "workshop", "findings", "demo"}
ET_AL = re.compile(r"\bet\s?al\b\.?")
STOPS = re.compile(r"[。！？；，]")  # a sentence, not a title


@dataclass
class Item:
    """An item's first line, cut into its title and the rest (links, and the text around them)."""

    title: Token | None = None  # inline token holding the title's children
    rest: list[Token] = field(default_factory=list)  # children after the title
    before: str = ""  # plain text after a plain title, before the first link ("— Karpukhin et al.")


def one_line_card(
    tokens: list[Token], item: int, lines: Lines, used: UsedIds, context: Context, section: str
) -> tuple[int, Card] | None:
    """The list item at `item` as a listed paper, or None when it is not one."""
    first = item + 1
    if tokens[first].type != "paragraph_open":
        return None
    inline = tokens[first + 1]
    if len(inline.content) > MAX_ITEM or inline.content.count("\n") > 2 or field_line(inline, context):
        return None
    children, tags = without_leading_tags([c for c in inline.children or [] if c.type != "text" or c.content])
    links = link_spans(children)
    paper_url = the_paper(links, context)
    others = links[1:] if links and links[0].start == 0 else links  # besides a title's own link
    if not paper_url or not all(label_like(link, context) for link in others):
        return None  # "See also [Mamba](...)": a link named by a paper's name is a citation
    parts = cut_title(children, links, context)
    if parts is None or parts.title is None:
        return None
    title, title_html, title_tex = heading_title(parts.title, context.inline)
    rest = f"{tags} {rest_text(parts, context)}"
    if not title or not says_nothing_else(rest, context):
        return None
    draft = CardDraft(
        title, first, "", lines.of(tokens[item]), 0, section, title_html=title_html, title_tex=title_tex
    )
    draft.url = paper_url
    draft.code_url = code_link(links, context)
    draft.venue = find_venue(rest)
    draft.authors = italic_authors(parts.rest) or et_al_authors(rest)
    draft.anchor = set_id(tokens[item], f"paper-{papers.title_slug(title, 60)}", used)
    return first, draft.freeze()


def field_line(inline: Token, context: Context) -> bool:
    """`- 论文：https://...` is a field line (of a card around it), not a paper of its own."""
    found = read_field(inline.content.split("\n")[0], context.labels)
    return found is not None and bool(found.role)


@dataclass(frozen=True)
class Span:
    start: int  # index of link_open among the children
    end: int  # index of its link_close
    href: str
    text: str  # the link's text without the brackets around it: "[paper]" -> "paper"


def link_spans(children: list[Token]) -> list[Span]:
    spans, k = [], 0
    while k < len(children):
        if children[k].type == "link_open":
            end = next(
                (j for j in range(k + 1, len(children)) if children[j].type == "link_close"), len(children)
            )
            text = plain_text(_inline(children[k + 1 : end])).strip().strip("[]【】 ")
            spans.append(Span(k, end, str(children[k].attrGet("href") or ""), text))
            k = end
        k += 1
    return spans


def without_leading_tags(children: list[Token]) -> tuple[list[Token], str]:
    """`[ICLR'24] **Title**`, `2023.05 | Title`: the tags before the title, taken off its first text."""
    if not children or children[0].type != "text":
        return children, ""
    text, tags = children[0].content, []
    while m := (DATE_PREFIX.match(text) or LEADING_TAG.match(text)):
        if not m.group(0) or not says_nothing_else(m.group(0), None):
            break
        tags.append(m.group(0))
        text = text[m.end() :]
    rest = [_text(text)] if text.strip() else []
    return [*rest, *children[1:]], " ".join(tags)


def label_like(link: Span, context: Context) -> bool:
    """A link named by what it is (`[paper]`, `[代码]`, `[PDF]`, its URL), not by a paper's name."""
    text = link.text.casefold()
    return bool(
        not text
        or context.labels.role(link.text)
        or text in LINK_WORDS
        or "://" in text
        or papers.arxiv_id(text)
        or not any(c.isalpha() for c in text)
    )


def the_paper(links: list[Span], context: Context) -> str:
    """The paper's URL: its one arXiv link, else a link labelled as the paper (`[paper](openreview)`).
    Two arXiv papers in one item are a line of citations, not a listed paper."""
    ids = {papers.arxiv_id(link.href) for link in links} - {""}
    if len(ids) > 1:
        return ""
    if ids:
        return next(link.href for link in links if papers.arxiv_id(link.href))
    return next((link.href for link in links if context.labels.role(link.text) == "url"), "")


def code_link(links: list[Span], context: Context) -> str:
    """A link labelled as code (`[code]`, `[代码]`, `[github]`), else a GitHub URL written as such."""
    labelled = [link.href for link in links if context.labels.role(link.text) == "code"]
    bare = [link.href for link in links if "github.com/" in link.href and link.text in ("", link.href)]
    return next(iter(labelled + bare), "")


def cut_title(children: list[Token], links: list[Span], context: Context) -> Item | None:
    """The title as written first in the item: bold, the paper's link text, or plain text."""
    if children and children[0].type == "strong_open":
        close = next((k for k, c in enumerate(children) if c.type == "strong_close"), None)
        after = children[close + 1 :] if close is not None else []
        if close is None or (
            after and after[0].type == "text" and after[0].content.lstrip().startswith((":", "："))
        ):
            return None  # `**Note**: ...` is a label
        return Item(_inline(children[1:close]), after)
    if links and links[0].start == 0:
        first = links[0]
        if not title_from_link_text(first.text):
            return None
        return Item(_inline(children[1 : first.end]), children[first.end + 1 :])
    return plain_title(children, links, context)


def plain_title(children: list[Token], links: list[Span], context: Context) -> Item | None:
    """The text before the first link, without a date before it and the authors' part after it."""
    stop = links[0].start if links else len(children)
    text = plain_text(_inline(children[:stop])).replace("\n", " ")
    title, before = text, ""
    for mark in TITLE_ENDS:
        if mark in text:
            title, _, before = text.partition(mark)
            break
    else:
        title, before = cut_at_authors(text)
    title, authors = without_leading_authors(title.strip().rstrip("[(（【 "))
    title, tail = without_trailing_tag(title)
    if title.endswith((":", "：")) or not title_from_link_text(title.rstrip(".,，|｜-—– ")):
        return None  # "Related work: [...]", "另见 ...", "We show that [...]": no title but prose
    if context.labels.role(title):
        return None  # "原文链接 https://...": a label
    return Item(_inline([_text(title.rstrip(".,，|｜-—– "))]), children[stop:], f"{authors} {tail} {before}")


def without_leading_authors(title: str) -> tuple[str, str]:
    """'Vaswani et al. Attention Is All You Need' (a reference's order) -> the title, the authors."""
    m = ET_AL.search(title)
    if m and title_from_link_text(title[m.end() :].strip(" .,")):
        return title[m.end() :].strip(" .,"), title[: m.end()]
    return title, ""


def without_trailing_tag(title: str) -> tuple[str, str]:
    """'Mixtral of Experts (arXiv 2024)' -> the title, '(arXiv 2024)': a venue or year, not the title's."""
    if not title.endswith((")", "）")):
        return title, ""
    start = max(title.rfind("("), title.rfind("（"))
    tag = title[start:]
    if (
        start > 0
        and says_nothing_else(tag, None)
        and (find_venue(tag) or any(YEAR.match(w) for w in words(tag)))
    ):
        return title[:start].rstrip(), tag
    return title, ""


def cut_at_authors(text: str) -> tuple[str, str]:
    """'Title. Frantar et al. ICLR 2023.' -> ('Title', 'Frantar et al. ICLR 2023.'): cut at the first
    '. ' after which only authors, a venue or a year follow."""
    start = 0
    while (dot := text.find(". ", start)) >= 0:
        after = text[dot + 2 :]
        if (ET_AL.search(after) or find_venue(after) or any(YEAR.match(w) for w in words(after))) and (
            says_nothing_else(after, None)
        ):
            return text[:dot], after
        start = dot + 2
    return text, ""


def rest_text(parts: Item, context: Context) -> str:
    """What the item says besides its title, without the links' own texts (they are labels)."""
    pieces, depth = [parts.before], 0
    for child in parts.rest:
        depth += (child.type == "link_open") - (child.type == "link_close")
        if depth == 0 and child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
    return " ".join(pieces)


def words(text: str) -> list[str]:
    return [w for w in (raw.strip(SEPARATORS) for raw in text.split()) if w]


def says_nothing_else(text: str, context: Context | None) -> bool:
    """Only authors, venue, years and separators: capitalised names, acronyms, `et al.`, numbers."""
    found = words(text)
    if len(found) > 40:
        return False
    return all(metadata_word(w, context) for w in found)


def metadata_word(word: str, context: Context | None) -> bool:
    if CJK.search(word):
        return word in METADATA_WORDS or bool(context and context.labels.role(word))
    core = word.strip("0123456789.'’")
    return not core or core[0].isupper() or core.casefold() in METADATA_WORDS


def find_venue(text: str) -> str:
    """'ICLR 2023', 'NeurIPS 2023 Oral', "ICML'23": an acronym (two capitals or more) and a year."""
    found = words(text)
    for k, word in enumerate(found):
        short = SHORT_YEAR_VENUE.match(word)
        if short and sum(c.isupper() for c in short.group(1)) >= 2:
            return word
        acronym = VENUE_WORD.match(word) and sum(c.isupper() for c in word) >= 2
        if acronym and k + 1 < len(found) and YEAR.match(found[k + 1]):
            suffix = found[k + 2] if k + 2 < len(found) and found[k + 2].casefold() in VENUE_SUFFIXES else ""
            prefix = "Findings of " if found[max(0, k - 2) : k] == ["Findings", "of"] else ""
            return f"{prefix}{word} {found[k + 1]} {suffix}".strip()
    return ""


def italic_authors(rest: list[Token]) -> tuple[str, ...]:
    """`*Frantar et al.*` after the title: the authors, when every part reads as a name."""
    for k, child in enumerate(rest):
        if child.type == "em_open":
            end = next((j for j in range(k, len(rest)) if rest[j].type == "em_close"), len(rest))
            names = split_authors(plain_text(_inline(rest[k + 1 : end])))
            if names and all(name_like(n) for n in names):
                return names
    return ()


def et_al_authors(rest: str) -> tuple[str, ...]:
    """'Karpukhin et al., EMNLP 2020.' -> ('Karpukhin', 'et al.'): authors written with et al."""
    m = ET_AL.search(rest)
    if not m:
        return ()
    head = rest[: m.start()].strip().lstrip("".join(TITLE_ENDS) + " .|(")
    names = split_authors(f"{head} et al.")
    return names if all(name_like(n) for n in names) else ()


def name_like(name: str) -> bool:
    parts = name.split()
    return name == "et al." or (
        0 < len(parts) <= 5
        and not any(c.isdigit() for c in name)
        and all(p[0].isupper() for p in parts if p not in METADATA_WORDS)
    )


def _inline(children: list[Token]) -> Token:
    tok = Token("inline", "", 0)
    tok.children = children
    tok.content = "".join(c.content for c in children)
    return tok


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok
