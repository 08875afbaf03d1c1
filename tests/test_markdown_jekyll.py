"""Notes written for a Jekyll/kramdown site: its syntax is obeyed or dropped, never shown as text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from http_util import serve_static
from paperdigest.parse.digest import parse_digest
from paperdigest.parse.markdown import markdown_parser


def parse_text(tmp_path: Path, text: str):
    path = tmp_path / "digests" / "2024-05-01-note.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    result = parse_digest(path, tmp_path)
    assert result.digest is not None, result.problems
    return result


def test_kramdown_header_ids_name_the_toc_entries(tmp_path):
    digest = parse_text(
        tmp_path,
        """
        ---
        title: Note
        ---
        ## Overview {#overview}

        ## Methods {#m .wide}

        ## Results
        {: #res}

        ## Contents
        {: .no_toc}

        ## Overview {#overview}
        """,
    ).digest
    toc = [(entry.title, entry.anchor) for entry in digest.toc]
    assert toc == [("Overview", "overview"), ("Methods", "m"), ("Results", "res"), ("Overview", "overview-1")]
    assert "{#" not in digest.html and "{:" not in digest.html


def test_a_card_heading_with_a_header_id_is_anchored_there(tmp_path):
    digest = parse_text(
        tmp_path,
        """
        ---
        title: Note
        ---
        ### 1、Attention Is All You Need {#transformer}

        > 注意力就是一切
        >
        > 《Attention Is All You Need》
        >
        > - 论文地址：https://arxiv.org/abs/1706.03762
        """,
    ).digest
    (card,) = digest.cards
    assert card.title == "Attention Is All You Need"
    assert card.anchor == "transformer"


def test_liquid_tags_only_jekyll_can_run_are_dropped_with_a_located_warning(tmp_path):
    result = parse_text(
        tmp_path,
        """
        ---
        title: Note
        ---
        ## Intro

        Built with {{ site.title }}.

        {% include video id="x" provider="youtube" %}

        {% comment %}a draft{% endcomment %}
        {% include toc %}
        {% raw %}{{ kept }}{% endraw %}
        {% include figure.html image_path="/images/a.png" caption="A" %}
        """,
    )
    warnings = [(p.line, p.message) for p in result.problems if p.level == "warning"]
    assert warnings == [
        (6, "Jekyll's Liquid '{{ site.title }}' is not run here: dropped from the page"),
        (
            8,
            'Jekyll\'s Liquid \'{% include video id="x" provider="youtube" %}\' is not run here: dropped from the page',
        ),
    ]
    html = result.digest.html
    assert "{%" not in html and "site.title" not in html and "a draft" not in html
    assert "{{ kept }}" in html and '<figure><img src="/images/a.png"' in html


CALLOUTS = """\
---
title: Callouts
---
## Reading list

- [x] read the paper
- [ ] write notes

> [!NOTE]
> Useful information.

> [!TIP]
> A tip.

> [!IMPORTANT]
> Important.

> [!WARNING]
> Careful.

> [!CAUTION]
> Risky.

A notice as Minimal Mistakes writes it.
{: .notice--warning}

{: .notice--info}
Another, its attribute list first.
"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_task_lists_and_alerts_are_styled_and_accessible(browser, tmp_path, scheme):
    from axe_playwright_python.sync_playwright import Axe

    write_site(tmp_path, {"2024-05-01-callouts.md": CALLOUTS})
    run_cli("build", "--source", str(tmp_path), check=True)
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    with serve_static(tmp_path / "_site") as root:
        page.goto(root + "digests/2024-05-01-callouts/", wait_until="networkidle")
        items = page.locator(".task-list-item")
        assert items.count() == 2 and page.locator(".task-list-item input[disabled]").count() == 2
        assert items.first.evaluate("e => getComputedStyle(e).listStyleType") == "none"  # one marker
        assert "[x]" not in page.inner_text("article") and "[!" not in page.inner_text("article")
        rules, titles = set(), set()
        for alert in page.locator(".markdown-alert").all():
            rules.add(alert.evaluate("e => getComputedStyle(e).borderLeftColor"))
            title = alert.locator(".markdown-alert-title")
            titles.add(title.inner_text())
            assert title.evaluate("e => getComputedStyle(e).color") in rules  # the title in its colour
        assert titles == {"Note", "Tip", "Important", "Warning", "Caution"} and len(rules) == 5
        notices = [page.locator(f".notice--{kind}") for kind in ("warning", "info")]
        borders = [n.evaluate("e => getComputedStyle(e).borderLeftColor") for n in notices]
        assert borders[0] != borders[1] and set(borders) <= rules  # styled as the alert of its kind
        assert "{:" not in page.inner_text("article")
        violations = Axe().run(page).response["violations"]
        bad = [f"{v['id']} ({v['impact']})" for v in violations if v["impact"] in ("serious", "critical")]
        assert bad == []
    context.close()


@pytest.mark.parametrize(
    "piece",
    ["{% x\n", "a {% x ", "{% highlight py %}\nx\n", "a {% comment %} b ", "{% raw %} {{ site.x }} "],
    ids=["unclosed-lines", "unclosed-inline", "unended-highlights", "unended-comments", "raw-marks"],
)
def test_many_liquid_tags_are_read_in_linear_time(piece):
    """Each of these took the whole rest of the note per tag (quadratic: 30,000 of them a minute
    or more); on the old code this test ran past the minute we gave it. Unclosed tags stay text; nothing is lost."""
    html = markdown_parser().render(piece * 30_000, {})
    if piece.startswith("{% x") or piece.startswith("a {% x"):
        assert html.count("{% x") == 30_000
    assert len(html) > 30_000


@pytest.mark.parametrize(
    "text",
    ["text\n\\begin{equation}\n" * 30_000, "\\begin{equation}\n" * 30_000 + "\\end{equation} x\n"],
    ids=["never-closed", "closed-with-text-after"],
)
def test_many_unclosed_math_environments_are_read_in_linear_time(text):
    """Each `\\begin{equation}` looked for its end to the note's end (quadratic: a minute or more
    for these); on the old code this test ran past the minute we gave it. They stay text."""
    html = markdown_parser().render(text, {"base_path": "/"})
    assert html.count("\\begin{equation}") == 30_000


@pytest.mark.parametrize(
    "text", ["$$ x\n\n" * 30_000, "a {: " * 30_000], ids=["unclosed-display-math", "unclosed-attribute-lists"]
)
def test_many_unclosed_display_formulas_or_attribute_lists_are_read_in_linear_time(text):
    """Each `$$` line looked for its closing line, each `{:` for its `}`, to the note's end
    (quadratic); on the old code this test ran past the minute we gave it. They stay text."""
    html = markdown_parser().render(text, {"base_path": "/"})
    assert html.count("$$ x") + html.count("{:") == 30_000


def test_many_unclosed_summaries_are_read_in_linear_time():
    """Each `<summary>` of a raw block looked for its `</summary>` to the block's end (quadratic:
    43 s for 30,000, some 8 minutes for these 100,000). The block stays as written."""
    html = markdown_parser().render("<details>\n" + "<summary>a\n" * 100_000, {"base_path": "/"})
    assert html.count("<summary>a") == 100_000
