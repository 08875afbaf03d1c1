"""Property: whatever text and front matter a digest holds, the parser returns a record or
located problems, and never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperdigest.errors import Problem
from paperdigest.model import Digest
from paperdigest.parse.balance import balance_html
from paperdigest.parse.digest import parse_digest, parse_source
from paperdigest.parse.source import SourceText, decode, split_front_matter

# Pieces digests are made of, so random text often looks like a real (broken) digest.
FRAGMENTS = [
    "---\n", "### 1、", "## 更多\n", "## 参考\n", "> ", "《", "》", "- URL：", "https://arxiv.org/abs/2304.15004",
    "javascript:alert(1)", "$$", "$", "\\(", "\\[", "<div>", "</div>", "<video src=x>", "<!--", "<a href=",
    "{: style=\"x\"}", "\n\n", "\r\n", "\r", "\ufeff", "```", "~~~", "- ", "1. ", "|a|b|\n|-|-|\n", "[^1]",
    "<script>", "\x00", "单位：", "`", "*", "_", "#", "\\", "\"", "'", ":", "[x](/papers/)", "![i](/a.png)",
    "【1】", "【论文地址】", "论文地址：", "Title: ", "arXiv:2401.01234v2 [cs.CL]", "| Title | Paper | Code |\n|---|---|---|\n", "| ",
    "**", " (ICLR 2024)", "[[paper](https://arxiv.org/abs/2401.01234)]", "代码：", "  - ", "<br>", "# 论文笔记：", "## 1. ",
]  # fmt: skip
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map("".join)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30), st.dates()
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10)  # fmt: skip
KEYS = st.sampled_from(["title", "date", "slug", "permalink", "tags", "categories", "cate1", "keywords", "draft", "description", "x"])  # fmt: skip
FRONT_MATTER = st.one_of(
    st.dictionaries(KEYS, VALUES, max_size=6).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    TEXT,  # not YAML at all, or YAML that is not a mapping
)


def check(result, rel: str) -> None:
    assert result.digest is None or isinstance(result.digest, Digest)
    for problem in result.problems:
        assert isinstance(problem, Problem) and problem.path == rel
        assert problem.level in ("error", "warning", "note")
        assert problem.line is None or problem.line >= 1
    if result.digest is None:
        assert result.problems, "no record and no reason"


def source_of(raw: bytes, rel: str = "digests/x.md") -> SourceText:
    """What read_source does, without the file."""
    text, problems = decode(raw, rel)
    meta, body, body_line, fm_problems = split_front_matter(text, rel)
    return SourceText(Path(rel), rel, meta, body, body_line, problems + fm_problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=FRONT_MATTER, body=TEXT, sanitize=st.booleans())
def test_any_front_matter_and_body_gives_records_or_located_problems(front, body, sanitize):
    raw = f"---\n{front}---\n{body}".encode("utf-8", errors="surrogatepass")
    check(parse_source(source_of(raw), sanitize=sanitize), "digests/x.md")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=300) | TEXT.map(lambda t: t.encode("utf-8", errors="surrogatepass")))
def test_any_file_gives_records_or_located_problems(raw):
    """Through parse_digest: the bytes are a real file, read and decoded as a build does."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "digests").mkdir()
        (root / "digests" / "x.md").write_bytes(raw)
        check(parse_digest(root / "digests" / "x.md", root), "digests/x.md")


HTML_PIECES = ["<div>", "</div>", "<p>", "</p>", "<a href=x>", "</a>", "<video src=v>", "</video>", "<u>", "</u>",
               "<!--", "-->", "<br>", "</br>", "<img src=i>", "<script>", "</script>", "<table>", "<td>", "</table>",
               "text", "\n", "<", ">", "&", "</span>"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(HTML_PIECES) | st.text(max_size=5), max_size=30).map("".join))
def test_balanced_html_needs_no_further_fixing(html):
    fixed, _ = balance_html(html)
    assert balance_html(fixed) == (fixed, [])
