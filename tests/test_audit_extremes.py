"""Inputs at the extremes: encodings, line separators, and lines that regexes must not choke on.

Each test compares what the real CLI (or the parse function) makes of an extreme input with what it
makes of the same digest in clean UTF-8 with LF line endings, or asserts that a pathological line
is read at all (the old code took minutes on it; figures are in the commit messages)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, write_site

SITE = "title: Extremes\nbase_url: https://example.org/\nsearch: false\n"


def check_problems(root: Path) -> list[dict]:
    proc = run_cli("check", "--source", str(root), "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def new_digest(root: Path) -> Path:
    """The digest `paperdigest new` writes (placeholders and all), dated in the future so that
    check also reports the line of its `date:`; plus a link that points nowhere."""
    write_site(root, {}, SITE)
    run_cli("new", "--date", "2099-01-01", "--source", str(root), "2304.15004", check=True)
    path = root / "digests" / "2099-01-01-paper-digest.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nSee [the figure](/nowhere/x.png).\n", encoding="utf-8"
    )
    return path


def test_check_reads_a_digest_in_any_encoding_the_build_reads(tmp_path):
    """check read each digest file again as plain UTF-8: for a UTF-16 file it found no line of the
    date or the dead link and none of new's placeholders; after a byte-order mark, no `date:` line."""
    clean = new_digest(tmp_path / "clean")
    expected = check_problems(tmp_path / "clean")
    text = clean.read_text(encoding="utf-8")
    assert {p["line"] for p in expected} >= {3, 16, 18} and None not in {p["line"] for p in expected}
    for name, raw in [
        ("utf-8-bom", b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("utf-16-le", text.replace("\n", "\r\n").encode("utf-16")),  # with its BOM, as Notepad saves
        ("utf-16-be", b"\xfe\xff" + text.encode("utf-16-be")),
        ("utf-32", text.encode("utf-32")),
    ]:
        root = tmp_path / name
        new_digest(root).write_bytes(raw)
        assert check_problems(root) == expected, name


def test_check_counts_lines_as_the_build_does_past_unicode_line_separators(tmp_path):
    """Text pasted from web pages holds U+2028 and form feeds, which str.splitlines() takes for line
    ends and markdown-it does not: check put new's placeholder warnings two lines too low."""
    path = new_digest(tmp_path / "clean")
    text = path.read_text(encoding="utf-8").replace(
        "### 1、", "Pasted from a page:\u2028one\x0ctwo\x85three.\n\n### 1、"
    )
    path.write_text(text.replace("\u2028", " ").replace("\x0c", " ").replace("\x85", " "), encoding="utf-8")
    expected = check_problems(tmp_path / "clean")
    assert any("still empty" in p["message"] for p in expected)
    root = tmp_path / "separators"
    new_digest(root).write_text(text, encoding="utf-8")
    assert check_problems(root) == expected
