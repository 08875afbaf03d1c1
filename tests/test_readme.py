"""README.md: every link to one of its sections lands on a heading, file links name files, and the
KaTeX version it names is the one paperdigest bundles."""

from __future__ import annotations

import re

from conftest import REPO
from paperdigest.config import KATEX_VERSION

README = (REPO / "README.md").read_text(encoding="utf-8")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def headings(markdown: str) -> list[str]:
    """The ATX headings outside fenced code blocks (the digest example holds `###` lines)."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.+)", line)):
            found.append(m.group(1).strip())
    return found


def links(markdown: str) -> list[str]:
    """The targets of the Markdown links in prose (not in code blocks or `code spans`)."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return LINK.findall(re.sub(r"`[^`\n]*`", "", prose))


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_every_section_link_lands_on_a_heading():
    anchors = {github_anchor(h) for h in headings(README)}
    sections = [url[1:] for url in links(README) if url.startswith("#")]
    assert len(sections) >= 6
    assert [section for section in sections if section not in anchors] == []


def test_the_sections_users_look_for_exist():
    found = set(headings(README))
    for section in (
        "Publish on GitHub Pages",
        "Customise the theme",
        "Guarantees and paperdigest check",
        "Math at build time",
        "Releasing paperdigest",
    ):
        assert section in found, section


def test_file_links_name_files_of_the_repository():
    files = [url for url in links(README) if not url.startswith(("#", "http://", "https://"))]
    assert "benchmarks/README.md" in files
    assert [f for f in files if not (REPO / f.split("#")[0]).exists()] == []


def test_the_katex_version_named_is_the_bundled_one():
    named = set(re.findall(r"KaTeX (\d+\.\d+\.\d+)", README))
    assert named == {KATEX_VERSION}


def test_readers_are_sent_to_serve_not_to_files_on_disk():
    assert "paperdigest serve" in README.split("## Commands")[0]  # the quick start
    assert "Open `_site/index.html`" not in README


def test_the_template_context_table_names_what_each_template_gets():
    """README, "What each template gets": each template's row names exactly the keys of the
    context its pages are given (those of every page of that template, the example site's)."""
    from paperdigest.build import Builder
    from paperdigest.render import site_pages

    gathered = Builder(REPO).gather()
    given: dict[str, set[str]] = {}
    for page in site_pages(gathered.index, gathered.config):
        if page.template:
            given.setdefault(page.template, set()).update(page.context)
    table = README.split("<!-- template-context:start -->")[1].split("<!-- template-context:end -->")[0]
    documented = {}
    for row in table.strip().splitlines()[2:]:
        template, context = (cell.strip() for cell in row.strip("|").split("|"))
        names = (
            set()
            if context == "nothing more"
            else {m.group(1) for m in re.finditer(r"(?:^|, )`(\w+)`", context)}
        )
        documented[template.strip("`")] = names
    given.setdefault("sitemap-index.xml", {"parts"})  # written past 50,000 URLs only
    assert documented == given
