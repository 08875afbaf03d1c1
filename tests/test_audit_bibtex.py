"""BibTeX and COinS as a user takes them away: papers.bib and a digest's .bib put into a LaTeX paper
(a real pdflatex and bibtex run), entries read by pybtex, COinS read as OpenURL KEV."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

import pybtex.database
import pytest
from bs4 import BeautifulSoup

from conftest import clean_build_tree, run_cli, site_tree, write_site

SITE = """\
title: Citing test
base_url: https://example.org/
math:
  macros:
    \\E: \\mathbb{E}
"""

CARDS = """\
---
title: Cite
date: 2024-05-02
---

$$\\newcommand{\\norm}[1]{\\left\\|#1\\right\\|}$$

### 1、Bounds on $\\E[\\norm{x}]$ in $\\R^n$ via $\\argmax$

> - URL：https://arxiv.org/abs/2401.00001
> - 作者：Alice Smith

Text.

### 2、Growth of $50%$ Data

> - URL：https://arxiv.org/abs/2401.00002
> - 作者：Bob Jones

Text.

### 3、When a < b | c > d: Order Without Math

> - URL：https://arxiv.org/abs/2401.00003
> - 作者：Carol King
> - 会议：Workshop <Order> | 2024

Text.

### 4、word2vec

> - 作者：Tomas Mikolov
> - 会议：ICLR 2013

A title that is its own id.

### 5、Deep Residual Learning for Image Recognition

> - URL：https://openaccess.thecvf.com/content_cvpr_2016/papers/He_Deep_Residual_Learning_CVPR_2016_paper.pdf
> - 作者：Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun
> - 会议：CVPR 2016
> - 发布日期：2016-06-27
> - DOI：10.1109/CVPR.2016.90

An old paper, digested in 2024.

### 6、Learning Representations by Back-Propagating Errors

> - URL：https://doi.org/10.1038/323533a0
> - 作者：David Rumelhart, Geoffrey Hinton, Ronald Williams
> - 发布日期：1986-10-09

A paper known by its DOI.
"""

# A LaTeX paper that cites everything in refs.bib: amsmath and amssymb, as papers load them, and
# none of the site's macros.
PAPER = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


def read_bib(path: Path) -> dict[str, pybtex.database.Entry]:
    return dict(pybtex.database.parse_string(path.read_text(encoding="utf-8"), "bibtex").entries)


def typeset(bib: Path, folder: Path) -> tuple[list[str], str]:
    """The LaTeX errors of a paper citing every entry of `bib` (pdflatex, bibtex, pdflatex), and the
    text of its references as the PDF shows them."""
    for tool in ("pdflatex", "bibtex", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: .ci/run installs texlive-latex-base and poppler-utils")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(bib, folder / "refs.bib")
    (folder / "paper.tex").write_text(PAPER, encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    subprocess.run(latex, cwd=folder, capture_output=True, timeout=120)
    subprocess.run(["bibtex", "paper"], cwd=folder, capture_output=True, timeout=60)
    subprocess.run(latex, cwd=folder, capture_output=True, timeout=120)
    log = (folder / "paper.log").read_text(encoding="latin-1")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    if not (folder / "paper.pdf").exists():
        return errors or ["no PDF"], ""
    text = subprocess.run(
        ["pdftotext", "paper.pdf", "-"], cwd=folder, capture_output=True, text=True, timeout=60
    ).stdout
    return errors, " ".join(text.split())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_site(tmp_path_factory.mktemp("cite"), {"2024-05-02-cite.md": CARDS}, SITE)
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


def test_macros_in_a_title_are_expanded_for_a_paper_that_lacks_them(site, tmp_path):
    """`$\\R^n$` went into papers.bib as written: a LaTeX paper citing it stopped at `Undefined
    control sequence` (\\R is KaTeX's, \\E the site's math.macros, \\norm the digest's \\newcommand)."""
    entry = read_bib(site / "papers.bib")["smith2024bounds"]
    assert entry.fields["title"] == (
        r"{Bounds on $\mathbb{E}[\left\|x\right\|]$ in $\mathbb{R}^n$ via $\operatorname*{arg\,max}$}"
    )
    errors, text = typeset(site / "papers.bib", tmp_path / "tex")
    assert errors == []
    assert "Bounds on" in text and "Alice Smith" in text


def test_a_percent_sign_in_a_formula_cannot_comment_out_the_rest_of_the_entry(site, tmp_path):
    """`$50%$`: KaTeX reads `%` as a comment (the page shows 50). Written as is, it ended the .bbl's
    line, and with it the formula and the title's brace: the paper citing it failed to build."""
    entry = read_bib(site / "papers.bib")["jones2024growth"]
    assert entry.fields["title"] == "{Growth of $50$ Data}"
    digest_bib = read_bib(site / "digests/2024-05-02-cite/papers.bib")
    assert digest_bib["jones2024growth"].fields == entry.fields
    errors, text = typeset(site / "digests/2024-05-02-cite/papers.bib", tmp_path / "tex")
    assert errors == []
    assert "Growth of 50 Data" in text


def test_the_paper_page_shows_the_entry_papers_bib_holds(site):
    html = (site / "papers/2401.00001/index.html").read_text(encoding="utf-8")
    shown = BeautifulSoup(html, "html.parser").find(id="bibtex").get_text()
    whole = (site / "papers.bib").read_text(encoding="utf-8")
    assert shown.startswith("@misc{smith2024bounds,") and shown in whole
    assert r"$\mathbb{R}^n$" in shown


def test_a_changed_macro_rewrites_the_titles_that_use_it_as_a_clean_build_does(tmp_path):
    root = write_site(tmp_path / "site", {"2024-05-02-cite.md": CARDS}, SITE)
    run_cli("build", "--source", str(root), check=True)
    (root / "site.yaml").write_text(SITE.replace(r"\mathbb{E}", r"\operatorname{E}"), encoding="utf-8")
    run_cli("build", "--source", str(root), check=True)
    title = read_bib(root / "_site/papers.bib")["smith2024bounds"].fields["title"]
    assert title.startswith(r"{Bounds on $\operatorname{E}[\left\|x\right\|]$")
    assert site_tree(root / "_site") == clean_build_tree(root, tmp_path)


def test_less_than_greater_than_and_bar_in_text_print_as_themselves(site, tmp_path):
    """LaTeX's default font encoding (OT1) has no `<`, `>` or `|`: written as is, the paper's
    references read `When a ¡ b — c ¿ d`."""
    errors, text = typeset(site / "papers.bib", tmp_path / "tex")
    assert errors == []
    assert "When a < b | c > d: Order Without Math" in text
    assert "Workshop <Order> | 2024" in text


def coins(page: Path) -> dict[str, list[str]]:
    """The OpenURL ContextObject of the page's one COinS span, as a KEV parser reads it."""
    span = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("span.Z3988")
    return parse_qs(span["title"], strict_parsing=True)


def by_author(bib: Path, surname: str) -> pybtex.database.Entry:
    return next(e for e in read_bib(bib).values() if e.persons["author"][0].last_names == [surname])


def test_a_paper_titled_as_its_own_id_keeps_its_title(site):
    """A paper without an arXiv id is known by a slug of its title: `word2vec` is both, and was
    taken for a paper no digest titled. papers.bib and the COinS span left the title out."""
    entry = by_author(site / "papers.bib", "Mikolov")
    assert entry.fields["title"] == "{word2vec}"
    assert coins(site / "papers/word2vec/index.html")["rft.atitle"] == ["word2vec"]


def test_a_paper_without_an_arxiv_id_is_dated_by_its_own_date_not_the_digests(site):
    """ResNet, `发布日期：2016-06-27`, digested in 2024: its page said 2016-06-27, its BibTeX
    `year = {2024}` under the key he2024deep, its COinS 2024."""
    entry = by_author(site / "papers.bib", "He")
    assert (entry.key, entry.fields["year"], entry.fields["month"]) == ("he2016deep", "2016", "June")
    page = site / "papers/deep-residual-learning-for-image-recognition/index.html"
    assert coins(page)["rft.date"] == ["2016-06"]
    undated = by_author(site / "papers.bib", "Mikolov")  # no date of its own: its first mention's year
    assert undated.fields["year"] == "2024" and "month" not in undated.fields


@pytest.mark.parametrize(
    ("surname", "page", "doi"),
    [
        ("He", "deep-residual-learning-for-image-recognition", "10.1109/CVPR.2016.90"),  # `DOI：` as text
        ("Rumelhart", "learning-representations-by-back-propagating-errors", "10.1038/323533a0"),  # its URL
    ],
)
def test_a_doi_a_digest_gives_is_cited_and_offered_to_reference_managers(site, surname, page, doi):
    """The DOI is what reference managers and publishers match a citation by: BibTeX's `doi` field,
    and an `info:doi/` identifier in the COinS (Zotero fetches the full record from it)."""
    entry = by_author(site / "papers.bib", surname)
    assert entry.fields["doi"] == doi
    assert f"info:doi/{doi}" in coins(site / "papers" / page / "index.html")["rft_id"]
