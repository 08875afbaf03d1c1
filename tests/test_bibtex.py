"""BibTeX entries of papers, and the copy button on the paper page."""

from __future__ import annotations

import datetime as dt

import pybtex.database
import pytest
from pybtex import errors as pybtex_errors

from http_util import serve_static
from paperdigest.bibtex import bibtex_entry, citation_keys, paper_year
from paperdigest.model import Mention, Paper


def paper(**fields) -> Paper:
    values = dict(
        id="2304.15004", title="Are Emergent Abilities of Large Language Models a Mirage?", translated_title="",
        arxiv_id="2304.15004", arxiv_url="https://arxiv.org/abs/2304.15004",
        pdf_url="https://arxiv.org/pdf/2304.15004", url="https://arxiv.org/abs/2304.15004", code_url="",
        affiliations=(), authors=(), venue="", type="", links=(), mentions=(),
    )  # fmt: skip
    values.update(fields)
    return Paper(**values)


def mention(date: dt.date) -> Mention:
    return Mention("d", "D", date, "a", "main", 1, "T", "", "", "digests/d.md")


def test_arxiv_entry_with_authors():
    entry = bibtex_entry(paper(authors=("Rylan Schaeffer", "Brando Miranda", "Sanmi Koyejo")))
    assert entry == (
        "@misc{schaeffer2023emergent,\n"
        "  title = {{Are Emergent Abilities of Large Language Models a Mirage?}},\n"
        "  author = {Rylan Schaeffer and Brando Miranda and Sanmi Koyejo},\n"
        "  year = {2023},\n"
        "  month = apr,\n"
        "  eprint = {2304.15004},\n"
        "  archivePrefix = {arXiv},\n"
        "  url = {https://arxiv.org/abs/2304.15004},\n"
        "}\n"
    )


def test_without_authors_the_key_is_the_arxiv_id():
    entry = bibtex_entry(paper())
    assert entry.startswith("@misc{arxiv230415004,\n")
    assert "author" not in entry


def test_et_al_is_and_others_never_a_person():
    for authors in (
        ("Wang", "Ma", "Meng", "et al."),
        ("Wang", "Ma", "Meng et al"),
        ("Wang", "Ma", "Meng", "等"),
    ):
        assert "  author = {Wang and Ma and Meng and others},\n" in bibtex_entry(paper(authors=authors))
    assert "author" not in bibtex_entry(paper(authors=("et al.",)))


def test_a_paper_no_digest_titled_has_no_title_field():
    untitled = paper(id="2403.03853", title="2403.03853", arxiv_id="2403.03853",
                     arxiv_url="https://arxiv.org/abs/2403.03853", pdf_url="https://arxiv.org/pdf/2403.03853")  # fmt: skip
    entry = bibtex_entry(untitled)
    assert "title" not in entry and entry.startswith("@misc{arxiv240303853,")
    assert "  month = mar,\n" in entry and "  year = {2024},\n" in entry


def test_old_style_ids_name_their_archive():
    entry = bibtex_entry(paper(arxiv_id="hep-th/9901001", arxiv_url="https://arxiv.org/abs/hep-th/9901001"))
    assert "  primaryClass = {hep-th},\n" in entry and "  month = jan,\n" in entry
    assert "primaryClass" not in bibtex_entry(paper())  # a new-style id does not say its category


def test_year_comes_from_the_arxiv_id_then_the_first_mention():
    assert paper_year(paper(arxiv_id="0704.0001")) == "2007"
    assert paper_year(paper(arxiv_id="hep-th/9901001")) == "1999"
    assert paper_year(paper(arxiv_id="math.GT/0309136")) == "2003"
    later = (mention(dt.date(2024, 8, 1)), mention(dt.date(2023, 1, 5)))
    assert paper_year(paper(arxiv_id="", mentions=later)) == "2023"
    assert paper_year(paper(arxiv_id="")) == ""


def test_tex_specials_are_escaped_and_non_arxiv_papers_keep_their_url():
    entry = bibtex_entry(
        paper(id="gpt-4-report", title="GPT-4 & 100% {fun}_x", arxiv_id="", arxiv_url="", pdf_url="",
              url="https://openai.com/research/gpt_4?a=1&b=%20", venue="NeurIPS 2023", authors=("Zoë Müller",),
              mentions=(mention(dt.date(2023, 3, 15)),))
    )  # fmt: skip
    assert r"title = {{GPT-4 \& 100\% \{fun\}\_x}}," in entry
    assert "eprint" not in entry and "month" not in entry
    assert "url = {https://openai.com/research/gpt_4?a=1&b=%20}," in entry  # verbatim, as \url takes it
    assert entry.startswith("@misc{muller2023gpt,")  # like Google Scholar: achiam2023gpt
    assert "note = {NeurIPS 2023}," in entry


@pytest.mark.parametrize(
    "title",
    [
        'Mirage}} @misc(evil, title="Injected", url="https://evil.example") @comment(',
        "Mirage{ and more",
        "}{ {nested {pairs}} and } a {lone one",
    ],
)
def test_a_title_with_lone_braces_cannot_end_its_entry_or_start_another(title):
    """BibTeX counts braces even after a backslash: an escaped lone `}` ended the title, and what
    followed was read as an entry of its own (`evil`), the paper's own fields swallowed."""
    pybtex_errors.set_strict_mode(False)  # recover as BibTeX does, and so show what it would read
    try:
        entries = pybtex.database.parse_string(
            bibtex_entry(paper(title=title, venue=title)), "bibtex"
        ).entries
    finally:
        pybtex_errors.set_strict_mode(True)
    assert list(entries) == ["arxiv230415004"]
    fields = entries["arxiv230415004"].fields
    assert fields["url"] == "https://arxiv.org/abs/2304.15004" and fields["eprint"] == "2304.15004"
    shown = fields["title"].replace(r"\textbraceleft{}", "{").replace(r"\textbraceright{}", "}")
    assert shown.replace("\\{", "{").replace("\\}", "}") == "{" + title + "}"


def test_citation_keys_are_unique_and_the_first_paper_keeps_its_own():
    first = paper(authors=("Yu Wang",), title="Large Models")
    second = paper(id="2305.00001", arxiv_id="2305.00001", authors=("Li Wang",), title="Large Language")
    third = paper(id="2306.00001", arxiv_id="2306.00001", authors=("Wang",), title="Large")
    assert citation_keys([first, second, third]) == {
        "2304.15004": "wang2023large", "2305.00001": "wang2023large-2", "2306.00001": "wang2023large-3",
    }  # fmt: skip


@pytest.mark.browser
def test_copy_button_puts_the_entry_on_the_clipboard(browser, example_site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    with serve_static(example_site, "/paperdigest/") as url:
        page.goto(url + "papers/2304.14802/")
        page.click("button[data-copy='bibtex']")
        copied_word = page.get_attribute("button[data-copy='bibtex']", "data-copied")
        assert copied_word == "已复制"  # the example site is zh-CN
        page.wait_for_function(
            "w => document.querySelector('button[data-copy]').textContent === w", arg=copied_word
        )
        copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert copied == page_bibtex(example_site)
    assert copied.startswith("@misc{") and "eprint = {2304.14802}" in copied


def page_bibtex(site) -> str:
    from bs4 import BeautifulSoup

    html = (site / "papers/2304.14802/index.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser").find(id="bibtex").get_text()
