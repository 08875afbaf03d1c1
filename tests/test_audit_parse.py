"""The parse stage made cheaper must find what it found before (audit of a cold build's parse cost)."""

from __future__ import annotations

import re

import pytest

from paperdigest.parse import papers
from paperdigest.parse.shapes import mentions


def top_level_alternatives(pattern: str) -> list[str]:
    """`a|(?:b|c)d|e` -> ['a', '(?:b|c)d', 'e']: the pattern split at the `|`s outside groups (the
    host lists escape no parenthesis)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(pattern):
        depth += (ch == "(") - (ch == ")")
        if ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


def first_letters(pattern: str) -> set[str]:
    """The letters an alternative of a host list can start with: its first character, or those of a
    leading group's alternatives (`(?:huggingface|hf)`), and when the group is optional
    (`(?:www\\.|export\\.)?arxiv`) the one after it too."""
    letters = set()
    for alternative in top_level_alternatives(pattern):
        group = re.match(r"\(\?:([^()]*)\)(\?)?", alternative)
        if group:
            letters |= first_letters(group.group(1))
            if not group.group(2):
                continue
            alternative = alternative[group.end() :]
        assert alternative[:1].isalpha(), f"{alternative!r} does not start with a letter"
        letters.add(alternative[0].lower())
    return letters


@pytest.mark.parametrize("hosts", [papers.OWN_PAGES, papers.READER_PAGES])
def test_every_arxiv_host_starts_with_a_host_letter(hosts):
    # The patterns are tried only where one of HOST_LETTERS stands: a host added to the lists with
    # another first letter would never be found.
    assert first_letters(hosts) <= set(papers.HOST_LETTERS)


REFERENCES = [
    ("https://arxiv.org/abs/2301.00001v2", "2301.00001"),
    ("HTTP://WWW.ARXIV.ORG/PDF/2301.00002", "2301.00002"),
    ("https://Export.arXiv.org/abs/hep-th/9901001", "hep-th/9901001"),
    ("https://ar5iv.labs.arxiv.org/html/2301.00003", "2301.00003"),
    ("https://www.alphaxiv.org/overview/2301.00004", "2301.00004"),
    ("https://HuggingFace.co/papers/2301.00005", "2301.00005"),
    ("https://hf.co/papers/2301.00006", "2301.00006"),
    ("https://papers.cool/arxiv/2301.00007", "2301.00007"),
    ("https://arxiv-vanity.com/papers/2301.00008", "2301.00008"),
    ("https://ſemanticscholar.org/arxiv/2301.00009", "2301.00009"),  # ſ is an s to IGNORECASE
    ("https://doi.org/10.48550/arXiv.2301.00010", "2301.00010"),
    ("ARXIV：2301.00011", "2301.00011"),
    ('<div data-ARXIV-id="2301.00012">', "2301.00012"),
]


@pytest.mark.parametrize(("written", "aid"), REFERENCES)
def test_references_in_any_case_are_found(written, aid):
    text = f"见 {written}，以及"
    assert papers.arxiv_id(text) == aid
    found = mentions.ARXIV_IN_HTML if written.startswith("<") else mentions.ARXIV_IN_TEXT
    assert [papers.arxiv_id(m.group(0)) for m in found.finditer(text)] == [aid]


def test_impossible_references_in_any_case_are_found():
    text = (
        "HTTPS://HuggingFace.co/papers/2304.150041 和 ARXIV:2304.1500 和 ſemanticscholar.org/arxiv/1313.00001"
    )
    assert [written for _, written, _ in papers.impossible_references(text)] == [
        "2304.150041",
        "2304.1500",
        "1313.00001",
    ]


ID_PIECES = [
    "arXiv:", "arxiv：", "ARXIV : ", "https://arxiv.org/abs/", "hf.co/papers/", "doi.org/10.48550/arXiv.",
    "2304.15004", "2304.150041", "2304.1500", "1313.00001", "0612.0001", "12345.678", "1000.5", "v2",
    ".", "/", " ", "x", "1", "２０２３.１２３４５", "中文",
]  # fmt: skip


def test_impossible_references_found_as_by_the_whole_scan():
    # impossible_references skips the scan for references when no id-like number in the text is
    # impossible (ID_LIKE); whatever the text, it must find what the scan finds.
    import random

    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(ID_PIECES) for _ in range(rng.randint(1, 8)))
        scanned = [
            (m.start(1), m.group(1), why)
            for m in papers.WRITTEN_NEW_ID.finditer(text)
            if (why := papers.impossible_id(m.group(1)))
        ]
        assert list(papers.impossible_references(text)) == scanned, text


# Lines of every kind a block rule takes or declines, to be put together at random.
LINE_STARTS = [
    "", "text", "中文的一行", "-foo", "- item", "* item", "+ item", "1. one", "2) two", "1234567890. x",
    "1.5 apples", "***", "---", "___", "- - -", "*  *  *", "# h", "###### h", "####### no", "#5",
    "```", "```py", "~~~", "`inline`", "$$", "$$x$$", "\\[", "\\]", "\\begin{align}", "\\end{align}",
    "<div>", "</div>", "<!-- c -->", "<https://a.b>", "[x]: /url", "[x]", "[^1]: note", "[^1]",
    "===", "| a | b |", "|---|---|", "{% raw %}", "{: .c}", ">", "> quoted", ">> deep", "*emph*",
    "> - in a quote", "    indented", "\tTab",
]  # fmt: skip
INDENTS = ["", "", "", " ", "  ", "   ", "    ", "  > ", "- ", "1. "]


def random_documents(count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    return [
        "\n".join(rng.choice(INDENTS) + rng.choice(LINE_STARTS) for _ in range(rng.randint(1, 14)))
        for _ in range(count)
    ]


def test_block_rules_gated_by_first_character_parse_as_markdown_it(monkeypatch):
    # markdown_parser tries markdown-it's block rules only on lines that start with a character
    # they take (BLOCK_STARTS); the same parser without those gates must read every text alike.
    from paperdigest.parse import markdown

    gated = markdown.markdown_parser.__wrapped__()
    monkeypatch.setattr(markdown, "BLOCK_STARTS", {})
    plain = markdown.markdown_parser.__wrapped__()
    # Nested to the limit and past it, with a line that no gate lets through where the limit is met.
    deep = [marker * n + "x" for n in range(95, 105) for marker in ("> ", "- ", "> - ")]
    for text in [*deep, *random_documents(3000, seed=15)]:
        envs = [{"base_path": "/"}, {"base_path": "/"}]
        assert [t.as_dict() for t in gated.parse(text, envs[0])] == [
            t.as_dict() for t in plain.parse(text, envs[1])
        ], text
        assert envs[0] == envs[1], text
        assert gated.render(text, {"base_path": "/"}) == plain.render(text, {"base_path": "/"}), text
