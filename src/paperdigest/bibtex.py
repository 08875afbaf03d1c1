"""BibTeX for papers: arXiv-style @misc entries, as arXiv's own "Export BibTeX citation" writes them.

Only what is known is written: no title when no digest gave one (never the arXiv id as a title),
no author field without authors, `and others` for a list that ends in "et al.". Titles are
brace-protected so that styles keep their capitals (LLaMA, not llama); year and month come from
the arXiv id (2304.15004: April 2023), else the paper's own date as a digest gives it, else the year
of the first mention.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import unquote

from paperdigest.model import Paper
from paperdigest.parse.when import arxiv_month

OLD_STYLE_ID = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?)/\d{7}$")  # archive(.SUBJECT)/YYMMNNN
# Characters that mean something to (La)TeX inside a field value, and those LaTeX's default font
# encoding (OT1) has no glyph for: it prints `a < b | c` as `a ¡ b — c`.
TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
               "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
               "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}  # fmt: skip
LONE_BRACE = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}  # balanced braces, as BibTeX needs
STOP_WORDS = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "is", "are", "with", "via", "towards"}
# How digests and papers.yaml cut an author list short: BibTeX reads these as a person's name.
ET_AL = re.compile(r"^(?:et\.?\s*al\.?|others|等人?|\.\.\.|…)$", re.IGNORECASE)
ET_AL_SUFFIX = re.compile(r"\s+(?:et\.?\s*al\.?|等人?)$", re.IGNORECASE)
TITLE_WORD = re.compile(r"[\s:\-]+")
# Paper.published: ISO when a date was read in it (`2016-06-27`), else its text (`2016`, ...).
PUBLISHED = re.compile(r"^(\d{4}(?:-(?:0[1-9]|1[0-2]))?)(?:-\d{2})?$")
# A DOI as digests give one: at doi.org (the paper's URL or a link), or written bare (`DOI：10.1109/...`).
DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def title_known(paper: Paper) -> bool:
    """A paper no digest titled is titled by its arXiv id (group.merge_one): that is no title. A
    paper without one is known by a slug of its title (`word2vec` is both): it always has one."""
    return bool(paper.title) and paper.title != paper.arxiv_id


def arxiv_issue(paper: Paper) -> dt.date | None:
    """The first day of the month the paper's arXiv id was issued (2304.15004: 2023-04-01)."""
    return arxiv_month(paper.arxiv_id) if paper.arxiv_id else None


def issue_date(paper: Paper) -> str:
    """When the paper came out, as precisely as known: `YYYY-MM` of its arXiv id, else its own date
    as a digest gives it (`published`: `2016-06-27` -> `2016-06`, `2016`), else the year of its
    first mention ('' undated). A digest's date says when it was digested, not when it came out."""
    if issued := arxiv_issue(paper):
        return f"{issued.year}-{issued.month:02d}"
    if own := PUBLISHED.match(paper.published):
        return own.group(1)
    return str(paper.first_date.year) if paper.first_date else ""


def paper_year(paper: Paper) -> str:
    return issue_date(paper)[:4]


def paper_month(paper: Paper) -> str:
    """The BibTeX month macro (jan ... dec) of the paper's issue date, else ''."""
    month = issue_date(paper)[5:7]
    return MONTHS[int(month) - 1] if month else ""


def paper_doi(paper: Paper) -> str:
    """The paper's DOI when a digest gives one (its URL, a link's URL, or a link's text), else ''."""
    for given in (paper.url, *(link.url or link.note for link in paper.links)):
        if found := DOI.match(given.strip()):
            return unquote(found.group(1))
    return ""


def primary_class(arxiv_id: str) -> str:
    """An old-style id names its archive (hep-th/9901001, math.GT/0309136); a new-style id does not."""
    m = OLD_STYLE_ID.match(arxiv_id)
    return m.group(1) if m else ""


def author_names(authors: Iterable[str]) -> tuple[list[str], bool]:
    """(the named authors, whether the list was cut short with et al.)."""
    names, more = [], False
    for author in authors:
        author = author.strip()
        if ET_AL.match(author):
            more = True
            continue
        cut = ET_AL_SUFFIX.sub("", author)
        more = more or cut != author
        if cut:
            names.append(cut)
    return names, more


def tex_escape(text: str) -> str:
    """`text` as a field value. BibTeX counts braces even after a backslash, so a `\\}` without
    its `\\{` ends the value early (and what follows, `@misc(evil, ...)`, is read as an entry of
    its own): a brace that pairs up is written `\\{` / `\\}`, a lone one as a command."""
    paired = paired_braces(text)
    return "".join(
        LONE_BRACE[ch] if ch in LONE_BRACE and i not in paired else TEX_SPECIAL.get(ch, ch)
        for i, ch in enumerate(text)
    )


def title_value(paper: Paper) -> str:
    """The title as LaTeX: each formula as `$TeX$`, as arXiv's own export writes it (the readable
    text in `title` is no LaTeX: pdflatex rejects `ℓ` and prints `<` as `¡`), the text around it
    escaped. A formula whose braces do not pair up would end BibTeX's value early: the title is
    then written as text."""
    parts = paper.title_tex
    if not parts or not all(braces_pair(tex) for tex in parts[1::2]):
        return tex_escape(paper.title)
    return "".join(f"${part}$" if i % 2 else tex_escape(part) for i, part in enumerate(parts))


def braces_pair(tex: str) -> bool:
    """Every brace of `tex` pairs up as BibTeX counts them (a `\\{` counts too)."""
    depth = 0
    for ch in tex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def paired_braces(text: str) -> set[int]:
    """Positions of the braces of `text` that open and close a pair, nested or not."""
    opened: list[int] = []
    paired: set[int] = set()
    for i, ch in enumerate(text):
        if ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            paired.update((opened.pop(), i))
    return paired


def url_value(url: str) -> str:
    """A URL as BibTeX's url field takes it: verbatim (styles typeset it with \\url), braces encoded."""
    return url.replace("{", "%7B").replace("}", "%7D")


def ascii_word(text: str) -> str:
    """Letters and digits of `text` folded to ASCII (Schäffer -> schaffer), lower case."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def citation_key(paper: Paper) -> str:
    """Google-Scholar-like key: first author's surname, year, first significant title word;
    `arxiv` and the id when the surname or the title is unknown."""
    names, _ = author_names(paper.authors[:2])  # the first author, unless the list is only "et al."
    surname = ascii_word(names[0].split()[-1]) if names and names[0].split() else ""
    words = (ascii_word(w) for w in TITLE_WORD.split(paper.title)) if surname and title_known(paper) else ()
    word = next((w for w in words if w and w not in STOP_WORDS), "")
    if surname and word:
        return f"{surname}{paper_year(paper)}{word}"
    if paper.arxiv_id:
        return f"arxiv{ascii_word(paper.arxiv_id)}"
    return ascii_word(paper.id) or "paper"


def citation_keys(papers: Iterable[Paper], key_of: Callable[[Paper], str] = citation_key) -> dict[str, str]:
    """Paper id -> a key no other paper of the site has: the first paper (in the order given,
    oldest first, so an existing key does not change as the site grows) keeps its key, the next
    ones with the same key get -2, -3, ..."""
    keys: dict[str, str] = {}
    taken: dict[str, int] = {}
    for paper in papers:
        key = key_of(paper)
        n = taken.get(key, 0) + 1
        taken[key] = n
        keys[paper.id] = key if n == 1 else f"{key}-{n}"
    return keys


def bibtex_entry(paper: Paper, key: str | None = None) -> str:
    """One @misc entry; `key` as citation_keys gave it (default: the paper's own citation_key)."""
    fields: list[tuple[str, str]] = []
    if title_known(paper):
        fields.append(("title", "{{" + title_value(paper) + "}}"))
    names, more = author_names(paper.authors)
    if names:
        fields.append(
            ("author", "{" + " and ".join(tex_escape(a) for a in [*names, *["others"] * more]) + "}")
        )
    if year := paper_year(paper):
        fields.append(("year", "{" + year + "}"))
    if month := paper_month(paper):
        fields.append(("month", month))  # a macro, unbraced: styles print it in their own language
    if paper.arxiv_id:
        fields += [("eprint", "{" + paper.arxiv_id + "}"), ("archivePrefix", "{arXiv}")]
        if primary := primary_class(paper.arxiv_id):
            fields.append(("primaryClass", "{" + primary + "}"))
        fields.append(("url", "{" + paper.arxiv_url + "}"))
    elif paper.url:
        fields.append(("url", "{" + url_value(paper.url) + "}"))
    if doi := paper_doi(paper):
        fields.append(("doi", "{" + url_value(doi) + "}"))  # verbatim too: styles set it with \url or \doi
    if paper.venue:
        fields.append(("note", "{" + tex_escape(paper.venue) + "}"))
    body = "".join(f"  {name} = {value},\n" for name, value in fields)
    return f"@misc{{{key or citation_key(paper)},\n{body}}}\n"


def bibliography(
    papers: tuple[Paper, ...],
    keys: tuple[str, ...],
    entries: Callable[[tuple[Paper, ...], tuple[str, ...]], list[str]],
) -> bytes:
    """A .bib file: the papers' entries (`entries` makes them), one blank line apart; `keys` in the
    order of `papers`."""
    return "\n".join(entries(papers, keys)).encode("utf-8")
