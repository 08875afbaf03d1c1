"""Markdown and math edge cases as fixture files: 'title / . / input / . / expected / .'."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.parse.markdown import markdown_parser

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"


def read_fixtures(path: Path):
    """markdown-it-py's fixture layout: a title line, then input and expected separated by '.'."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        title, parts, i = lines[i], [], i + 1
        assert lines[i] == ".", f"{path.name}: '.' expected after title {title!r}"
        for _ in range(2):
            i += 1
            start = i
            while lines[i] != ".":
                i += 1
            parts.append("\n".join(lines[start:i]))
        i += 1
        cases.append(pytest.param(parts[0], parts[1], path.stem, id=f"{path.stem}: {title}"))
    return cases


CASES = [case for path in sorted(FIXTURES.glob("*.md")) for case in read_fixtures(path)]


@pytest.mark.parametrize("source, expected, kind", CASES)
def test_fixture(source: str, expected: str, kind: str):
    base_path = "/repo/" if kind == "base_path" else "/"
    html = markdown_parser().render(source + "\n", {"base_path": base_path})
    assert html.strip() == expected.strip()


def test_fixture_files_are_found():
    assert len(CASES) >= 15
