"""Digests as researchers keep them, beyond the seeds: Hexo front matter, lists and dumps of several
papers, reposts. Each test is one shape that paperdigest once read wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

from paperdigest.model import CITED, Card, Digest
from paperdigest.parse.digest import parse_digest


def parse_text(tmp_path: Path, text: str, name: str = "note.md") -> Digest:
    path = tmp_path / "digests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    result = parse_digest(path, tmp_path)
    assert result.digest is not None, result.problems
    return result.digest


def listed(digest: Digest) -> list[Card]:
    return [c for c in digest.cards if c.section != CITED]


def test_hexo_nested_categories_are_each_a_category(tmp_path):
    # Hexo writes a category path as a list inside the list; the digest was refused with an error.
    digest = parse_text(
        tmp_path,
        """
        ---
        title: 五月第二周论文阅读
        date: 2024/05/12 20:30:00
        categories:
        - [论文, 周报]
        - LLM
        tags:
        - 推理
        ---
        本周阅读清单。
        """,
    )
    assert digest.categories == ("论文", "周报", "LLM", "推理")
    assert str(digest.date) == "2024-05-12"
