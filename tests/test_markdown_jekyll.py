"""Notes written for a Jekyll/kramdown site: its syntax is obeyed or dropped, never shown as text."""

from __future__ import annotations

import textwrap
from pathlib import Path

from paperdigest.parse.digest import parse_digest


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
