"""Paper titles that hold formulas (`When $k<n$: Sparse $\\ell_1$ Recovery`, `Q$^2$-Former`), everywhere
a title lands: BibTeX, search results, feeds, lists, the head of a page."""

from __future__ import annotations

import json
import shutil

import pybtex.database
import pytest
from pybtex import errors as pybtex_errors

from conftest import run_cli, site_tree, write_site

CARDS = """\
---
title: 2024-05-02：论文速递
date: 2024-05-02
cate1: paper
---

### 1、When $k<n$: Sparse $\\ell_1$ Recovery

> 当 $k<n$ 时：稀疏 $\\ell_1$ 恢复

> 《When $k<n$: Sparse $\\ell_1$ Recovery》
>
> - URL：https://arxiv.org/abs/2401.00001
> - 作者：Alice Smith, Bob Jones

Recovery when $k<n$.

### 2、$\\mathcal{O}(1)$ Memory Attention

> - URL：https://arxiv.org/abs/2401.00002

Constant memory.

### 3、Q$^2$-Former: 100% of_it & more

> - URL：https://arxiv.org/abs/2401.00003

Q squared.

### 4、$\\text{GPT}^2$ Scaling

> - URL：https://arxiv.org/abs/2401.00004

Bigger.
"""

# A one-paper note whose heading names what the note is before the paper's title.
NOTE = """\
# 论文笔记：$\\alpha$-entmax: Sparse Attention

- arXiv：https://arxiv.org/abs/2401.00005
- 会议：ICLR 2025

## 摘要

Sparse attention with $\\alpha$.
"""

EXPECTED_TITLES = {
    "2401.00001": r"{When $k<n$: Sparse $\ell_1$ Recovery}",
    "2401.00002": r"{$\mathcal{O}(1)$ Memory Attention}",
    "2401.00003": r"{Q$^2$-Former: 100\% of\_it \& more}",
    "2401.00004": r"{$\text{GPT}^2$ Scaling}",
    "2401.00005": r"{$\alpha$-entmax: Sparse Attention}",
}


def bib_titles(path) -> dict[str, str]:
    """eprint -> title of every entry, read by pybtex in strict mode (an error raises)."""
    pybtex_errors.set_strict_mode(True)
    entries = pybtex.database.parse_string(path.read_text(encoding="utf-8"), "bibtex").entries
    return {entry.fields["eprint"]: entry.fields["title"] for entry in entries.values()}


@pytest.fixture(scope="module")
def math_site(tmp_path_factory):
    root = write_site(
        tmp_path_factory.mktemp("titles"),
        {"2024-05-02-paper-digest.md": CARDS, "2024-05-03-alpha-entmax.md": NOTE},
    )
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


def test_bibtex_titles_keep_each_formula_as_tex(math_site):
    """papers.bib wrote `{When k<n: Sparse ℓ\\_1 Recovery}`: pdflatex rejects `ℓ` and prints `<` as
    `¡`. As arXiv's own export, the formula is kept as `$TeX$`, the text around it escaped."""
    assert bib_titles(math_site / "papers.bib") == EXPECTED_TITLES
    digest_bib = bib_titles(math_site / "digests" / "2024-05-02-paper-digest" / "papers.bib")
    assert digest_bib == {k: v for k, v in EXPECTED_TITLES.items() if k != "2401.00005"}
    assert "title_tex" not in (math_site / "papers.json").read_text(encoding="utf-8")  # BibTeX's own


def test_a_formula_bibtex_would_cut_short_leaves_the_title_as_text(tmp_path):
    """`\\{` counts as a brace for BibTeX: a formula with a lone one would end the field early."""
    root = write_site(
        tmp_path,
        {
            "2024-05-02-d.md": """\
            ---
            title: D
            date: 2024-05-02
            ---

            ### 1、Sets $\\{x$ Open

            > - URL：https://arxiv.org/abs/2401.00006

            Text.
            """
        },
    )
    run_cli("build", "--source", str(root), check=True)
    title = bib_titles(root / "_site" / "papers.bib")["2401.00006"]
    assert "$" not in title and title.startswith("{Sets ") and title.endswith(" Open}")


def test_papers_yaml_title_replaces_the_digests_formulas_in_bibtex(tmp_path):
    root = write_site(tmp_path, {"2024-05-02-paper-digest.md": CARDS})
    (root / "papers.yaml").write_text(
        "2401.00001:\n  title: 'Sparse Recovery, Revisited'\n", encoding="utf-8"
    )
    run_cli("build", "--source", str(root), check=True)
    assert bib_titles(root / "_site" / "papers.bib")["2401.00001"] == "{Sparse Recovery, Revisited}"


def test_editing_only_a_formulas_tex_rebuilds_bibtex_as_a_clean_build(tmp_path):
    """`\\text{GPT}` -> `\\mathrm{GPT}` reads the same as text; the incremental build must still
    write the new TeX, byte for byte as a clean build does."""
    root = write_site(tmp_path / "site", {"2024-05-02-paper-digest.md": CARDS})
    run_cli("build", "--source", str(root), check=True)
    digest = root / "digests" / "2024-05-02-paper-digest.md"
    digest.write_text(
        digest.read_text(encoding="utf-8").replace(r"\text{GPT}", r"\mathrm{GPT}"), encoding="utf-8"
    )
    run_cli("build", "--source", str(root), check=True)
    assert bib_titles(root / "_site" / "papers.bib")["2401.00004"] == r"{$\mathrm{GPT}^2$ Scaling}"
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_site", ".paperdigest-cache"))
    run_cli("build", "--source", str(clean), check=True)
    assert site_tree(root / "_site") == site_tree(clean / "_site")


# --- search results -----------------------------------------------------------------------------

SEARCH_DIGEST = """\
---
title: '$\\alpha$-散度：论文速递'
date: 2024-05-02
---

### 1、When $k<n$: Sparse $\\ell_1$ Recovery

> 当 $k<n$ 时：稀疏 $\\ell_1$ 恢复

> - URL：https://arxiv.org/abs/2401.00001

稀疏恢复的论文，讨论压缩感知。

### 2、稀疏 $\\mathcal{O}(1)$ 注意力

> - URL：https://arxiv.org/abs/2401.00002

常数内存的压缩感知注意力。
"""


@pytest.fixture(scope="module")
def search_site(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("search"), {"2024-05-02-paper-digest.md": SEARCH_DIGEST})
    run_cli("build", "--source", str(root), check=True)
    return root / "_site"


def search_results(browser, site, query: str) -> list[dict]:
    """Each result of `query` on the site's search page, as the reader sees it."""
    from http_util import serve_static

    with serve_static(site, "/") as url:
        page = browser.new_page()
        try:
            page.goto(f"{url}search/?q={query}")
            page.wait_for_function(
                "q => document.getElementById('search-status').textContent.includes(q)",
                arg=query,
                timeout=60000,
            )
            return page.eval_on_selector_all(
                "#search-results > li",
                """items => items.map(li => ({
                    title: li.querySelector('.search-title').innerText,
                    translated: li.querySelector('.search-translated')?.innerText ?? '',
                    subs: [...li.querySelectorAll('.search-sub a')].map(a => a.innerText),
                }))""",
            )
        finally:
            page.close()


@pytest.mark.browser
def test_search_results_name_papers_and_cards_by_readable_titles(browser, search_site):
    """A result's title showed the h1's formula as raw TeX (`When k<n: Sparse \\ell_1 Recovery`, the
    translated title too), and a card's sub-result lost its formulas (`1、When : Sparse Recovery`).
    The index still holds the TeX: a search for it finds the paper."""
    results = {r["title"]: r for r in search_results(browser, search_site, "压缩感知")}
    assert set(results) == {"When k<n: Sparse ℓ_1 Recovery", "稀疏 𝒪(1) 注意力", "α-散度：论文速递"}
    assert results["When k<n: Sparse ℓ_1 Recovery"]["translated"] == "当 k<n 时：稀疏 ℓ_1 恢复"
    assert results["α-散度：论文速递"]["subs"] == ["1、When k<n: Sparse ℓ_1 Recovery", "2、稀疏 𝒪(1) 注意力"]
    by_tex = search_results(browser, search_site, "mathcal")
    assert [r["title"] for r in by_tex if "𝒪" in r["title"]] == ["稀疏 𝒪(1) 注意力"]


# --- titles in the other digest shapes ------------------------------------------------------------

ARTICLE = """\
---
title: 2月份的论文
date: 2024-03-01
---

## 2月份其他有趣的研究论文

**$\\alpha$-entmax: Sparse Attention for All** by De, Smith, Fernando _et al._ (29 Feb), [https://arxiv.org/abs/2402.19427](https://arxiv.org/abs/2402.19427)

**\\* The Era of $1.58$-bit LLMs** by Ma, Wang _et al._ (27 Feb), [https://arxiv.org/abs/2402.17764](https://arxiv.org/abs/2402.17764)
"""

PLAIN_LIST = """\
本文总结了2024年5月第四周发表的一些最重要的LLM论文。
LLM发展与基准
1、$\\mathcal{O}(1)$ Memory Attention for LLMs
一些中文摘要。
https://arxiv.org/abs/2405.11157
2、When $k<n$: Sparse $\\ell_1$ Recovery
另一些中文摘要。
https://arxiv.org/abs/2405.10370
"""


CITING = """\
---
title: 读书笔记
date: 2024-06-01
---

我们读了 [$\\alpha$-Former: Attention](https://arxiv.org/abs/2406.00001)，很喜欢。
"""


def test_listed_and_plain_list_titles_keep_their_formulas(tmp_path):
    """`**$\\alpha$-entmax: ...** by ...` (an article's reading list) lost its formulas: the paper
    was titled '-entmax: Sparse Attention for All' everywhere. A plain-text weekly list's
    `1、$\\mathcal{O}(1)$ ...` was kept as readable text only: lists showed `𝒪(1)` untypeset and
    BibTeX wrote `𝒪(1)`; so was a paper cited by a link (`[$\\alpha$-Former: ...](arXiv URL)`)."""
    digests = {
        "2024-03-01-article.md": ARTICLE,
        "2024-05-25-weekly.md": PLAIN_LIST,
        "2024-06-01-notes.md": CITING,
    }
    root = write_site(tmp_path, digests)
    run_cli("build", "--source", str(root), check=True)
    site = root / "_site"
    papers = {p["id"]: p for p in json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]}
    assert {pid: p["title"] for pid, p in papers.items()} == {
        "2402.19427": "α-entmax: Sparse Attention for All",
        "2402.17764": "The Era of 1.58-bit LLMs",
        "2405.11157": "𝒪(1) Memory Attention for LLMs",
        "2405.10370": "When k<n: Sparse ℓ_1 Recovery",
        "2406.00001": "α-Former: Attention",
    }
    assert papers["2402.17764"]["mentions"][0]["starred"]  # the `\\*` still marks the pick
    assert all("<math" in p["title_html"] for p in papers.values())
    papers_list = (site / "papers" / "index.html").read_text(encoding="utf-8")
    assert '<annotation encoding="application/x-tex">\\mathcal{O}(1)</annotation>' in papers_list
    assert bib_titles(site / "papers.bib") == {
        "2402.19427": r"{$\alpha$-entmax: Sparse Attention for All}",
        "2402.17764": r"{The Era of $1.58$-bit LLMs}",
        "2405.11157": r"{$\mathcal{O}(1)$ Memory Attention for LLMs}",
        "2405.10370": r"{When $k<n$: Sparse $\ell_1$ Recovery}",
        "2406.00001": r"{$\alpha$-Former: Attention}",
    }
