"""BibTeX for a paper: an arXiv-style @misc entry (eprint, title, authors when known, year)."""

from __future__ import annotations

import re
import unicodedata

from paperdigest.model import Paper

NEW_STYLE_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")  # YYMM.NNNNN (2007 onwards)
OLD_STYLE_ID = re.compile(r"^[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})\d{5}$")  # archive/YYMMNNN
# Characters that mean something to (La)TeX inside a field value.
TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
               "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
STOP_WORDS = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "is", "are", "with", "via", "towards"}


def paper_year(paper: Paper) -> str:
    """The year an arXiv id was issued (YYMM.NNNNN, or archive/YYMMNNN), else the first mention's year."""
    for pattern in (NEW_STYLE_ID, OLD_STYLE_ID):
        m = pattern.match(paper.arxiv_id)
        if m:
            yy = int(m.group(1))
            return str(2000 + yy if yy < 91 else 1900 + yy)  # arXiv started in 1991
    return str(paper.first_date.year) if paper.first_date else ""


def tex_escape(text: str) -> str:
    return "".join(TEX_SPECIAL.get(ch, ch) for ch in text)


def ascii_word(text: str) -> str:
    """Letters and digits of `text` folded to ASCII (Schäffer -> schaffer), lower case."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def citation_key(paper: Paper, year: str) -> str:
    """Google-Scholar-like key: first author's surname, year, first significant title word."""
    surname = ascii_word(paper.authors[0].split()[-1]) if paper.authors and paper.authors[0].split() else ""
    words = [ascii_word(w) for w in re.split(r"[\s:\-]+", paper.title)]
    word = next((w for w in words if w and w not in STOP_WORDS), "")
    key = f"{surname}{year}{word}"
    if not surname or not word:
        key = ascii_word(paper.arxiv_id) and f"arxiv{ascii_word(paper.arxiv_id)}" or key
    return key or ascii_word(paper.id) or "paper"


def bibtex_entry(paper: Paper) -> str:
    """The entry as arXiv's own 'Export BibTeX citation' writes it, minus what we cannot know."""
    year = paper_year(paper)
    fields = [("title", tex_escape(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(tex_escape(a) for a in paper.authors)))
    if year:
        fields.append(("year", year))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv"), ("url", paper.arxiv_url)]
    elif paper.url:
        fields.append(("url", paper.url))
    if paper.venue:
        fields.append(("note", tex_escape(paper.venue)))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@misc{{{citation_key(paper, year)},\n{body}}}\n"
