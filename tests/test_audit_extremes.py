"""Inputs at the extremes: encodings, line separators, and lines that regexes must not choke on.

Each test compares what the real CLI (or the parse function) makes of an extreme input with what it
makes of the same digest in clean UTF-8 with LF line endings, or asserts that a pathological line
is read at all (the old code took minutes on it; figures are in the commit messages)."""

from __future__ import annotations

import json
import re
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


CARD = """\
---
title: Long runs
date: 2023-05-02
---

### 1、A paper

> 《A paper》
>
> - URL：https://arxiv.org/abs/2304.15004
> - 单位：Stanford University{spaces}、MIT
> - **Note{spaces}a bold mark never closed
> - __{spaces}x
> - Just words{spaces}and no colon
> - 代码：https://github.com/a/b{breaks}
> - Breaks{breaks}then text
"""


def papers_of(root: Path) -> list[dict]:
    return json.loads((root / "_site" / "papers.json").read_text(encoding="utf-8"))["papers"]


def test_card_lines_with_long_runs_of_spaces_or_breaks_are_read_in_linear_time(tmp_path):
    """A card line is tried as `**Label**: value` and `Label: value`. The regexes did that with `\\s*`
    beside a lazy label, and took `<br>`s off the end of the line with a search of `(?:<br>\\s*)+$`: a
    line of 1,000 spaces after `**` took 4 s, one of 2,000 spaces 19 s to build, 4,000 minutes (cubic
    and worse); each read of a line of 30,000 spaces without a colon took 12 s, of 10,000 `<br>`s
    before text 10 s (quadratic). The card reads as it does with one space and one `<br>`."""
    clean = write_site(
        tmp_path / "clean", {"2023-05-02-runs.md": CARD.format(spaces=" ", breaks="<br>")}, SITE
    )
    run_cli("build", "--source", str(clean), check=True)
    long_runs = CARD.format(spaces=" " * 30_000, breaks="<br>" * 10_000)
    root = write_site(tmp_path / "long", {"2023-05-02-runs.md": long_runs}, SITE)
    proc = run_cli("build", "--source", str(root), timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert papers_of(root) == papers_of(clean)
    [paper] = papers_of(root)
    assert paper["code_url"] == "https://github.com/a/b" and paper["affiliations"] == [
        "Stanford University",
        "MIT",
    ]


ATTRIBUTE_LISTS = """\
---
title: Attribute lists
date: 2023-05-02
---

## Overview{spaces}x {{#overview}}

{{:{spaces}never closed

## Methods {{:{spaces}x {{#methods}}

Text.
{{:{spaces}.wide}}
"""


def spaces_as_one(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_kramdown_attribute_lists_after_long_runs_of_spaces_are_read_in_linear_time(tmp_path):
    """`{: ...}` and a heading's `{#id}` were found with `\\s*` before a list that may start with
    spaces itself, and a heading's attributes were looked for again from each space before them:
    at 20,000 spaces an unclosed `{:` took 3.7 s and a heading 4.3 s, each time they were tried
    (quadratic). The page is the page the same digest gives with one space."""
    name = "2023-05-02-ial.md"
    clean = write_site(tmp_path / "clean", {name: ATTRIBUTE_LISTS.format(spaces=" ")}, SITE)
    run_cli("build", "--source", str(clean), check=True)
    root = write_site(tmp_path / "long", {name: ATTRIBUTE_LISTS.format(spaces=" " * 100_000)}, SITE)
    proc = run_cli("build", "--source", str(root), timeout=240)
    assert proc.returncode == 0, proc.stderr
    page = "_site/digests/2023-05-02-ial/index.html"
    html = (root / page).read_text(encoding="utf-8")
    assert spaces_as_one(html) == spaces_as_one((clean / page).read_text(encoding="utf-8"))
    assert 'id="overview"' in html and 'id="methods"' in html and 'class="wide"' in html
    assert "{: never closed" in spaces_as_one(html)


INVISIBLE = """\
---
title: Copied from a web page
date: 2023-05-02
---

### 1、A paper

> 《A paper》
>
> - {zwsp}URL：https://arxiv.org/abs/2304.15004
> - 单位{zwsp}：斯坦福大学、MIT
> - Official{shy} Code{nbsp}：https://github.com/a/b
> - 会{zwj}议：ICML 2023
> - 类型{bom}：Poster
> - 项目主页{lrm}：https://example.org/project
"""


def test_field_labels_with_invisible_characters_name_their_fields(tmp_path):
    """Labels copied from web pages carry zero-width spaces and joiners, soft hyphens, direction
    marks and byte-order marks. Only spaces (NBSP too) were ignored in a label: `单位\\u200b：` was
    an unknown label, its affiliations a link. The card reads as the same card typed clean."""
    name = "2023-05-02-invisible.md"
    marks = {
        "zwsp": "\u200b",
        "shy": "\u00ad",
        "nbsp": "\u00a0",
        "zwj": "\u200d",
        "bom": "\ufeff",
        "lrm": "\u200e",
    }
    clean = write_site(tmp_path / "clean", {name: INVISIBLE.format(**dict.fromkeys(marks, ""))}, SITE)
    run_cli("build", "--source", str(clean), check=True)
    root = write_site(tmp_path / "copied", {name: INVISIBLE.format(**marks)}, SITE)
    run_cli("build", "--source", str(root), check=True)
    assert papers_of(root) == papers_of(clean)
    [paper] = papers_of(root)
    assert paper["affiliations"] == ["斯坦福大学", "MIT"] and paper["venue"] == "ICML 2023"


def escaped_brackets(escape: str) -> str:
    """A long note whose reference list escapes its brackets as pandoc writes them (`\\[1] ...`),
    and a paragraph of escaped parentheses; `escape` is the backslash, or '' for the same text."""
    references = "".join(f"{escape}[{n}] Author {n}, A title. 2023.\n\n" for n in range(1, 8001))
    body = "A line of the note's text, long enough to make the note large.\n" * 32_000
    parentheses = f"Parentheses: {f'{escape}( ' * 20_000}end.\n"
    return f"---\ntitle: Escaped brackets\ndate: 2023-05-02\n---\n\n{references}{parentheses}\n{body}"


def test_many_unclosed_math_brackets_are_text_in_linear_time(tmp_path):
    """`\\[` at a line's start opens display math, `\\(` inline math, and texmath's regex looked for
    the closing mark from each one to the end of the note (or paragraph): 2,000 `\\[n] Author` lines
    above 4 MB of text took 103 s to parse, a paragraph of 10,000 `\\(` 0.65 s and of 40,000 10 s.
    The escaped brackets are text, as the same note written without the escapes shows them."""
    name = "2023-05-02-refs.md"
    clean = write_site(tmp_path / "clean", {name: escaped_brackets("")}, SITE)
    run_cli("build", "--source", str(clean), check=True, timeout=240)
    root = write_site(tmp_path / "escaped", {name: escaped_brackets("\\")}, SITE)
    proc = run_cli("build", "--source", str(root), timeout=120)
    assert proc.returncode == 0, proc.stderr
    page = "_site/digests/2023-05-02-refs/index.html"
    html = (root / page).read_text(encoding="utf-8")
    assert html == (clean / page).read_text(encoding="utf-8")
    assert "<p>[8000] Author 8000, A title. 2023.</p>" in html and "<math" not in html


FULL_WIDTH_ID = """\
---
title: Typed in full width
date: 2023-05-03
---

### 1、Are Emergent Abilities a Mirage?

> 《Are Emergent Abilities a Mirage?》
>
> - 论文：arXiv：{card_id}

又见 arXiv：{text_id} 与 arXiv:{other_id}。
"""
EARLIER = """\
---
title: Earlier
date: 2023-05-02
---

### 1、Another paper

> - URL：https://arxiv.org/abs/2305.10601
"""


def test_arxiv_ids_typed_with_full_width_digits_are_the_same_papers(tmp_path):
    """A Chinese input method types full-width digits, which `\\d` matches: `arXiv：２３０４.１５００４`
    was the paper `２３０４.１５００４` (a page of its own beside 2304.15004's, and an arXiv link that
    leads nowhere), and `２３０４.１５００４ｖ２` in a card's 论文 no paper at all. Written so, the
    digest gives the papers that it gives written with ASCII digits."""
    ascii_ids = {"card_id": "2304.15004v2", "text_id": "2304.15004", "other_id": "2305.10601"}
    full_width = {key: value.translate(FULL_WIDTH) for key, value in ascii_ids.items()}
    for name, ids in (("ascii", ascii_ids), ("full-width", full_width)):
        digests = {"2023-05-02-earlier.md": EARLIER, "2023-05-03-typed.md": FULL_WIDTH_ID.format(**ids)}
        run_cli("build", "--source", str(write_site(tmp_path / name, digests, SITE)), check=True)
    expected = papers_without_summaries(tmp_path / "ascii")
    assert sorted(paper["id"] for paper in expected) == ["2304.15004", "2305.10601"]
    assert papers_without_summaries(tmp_path / "full-width") == expected
    assert sorted(p.name for p in (tmp_path / "full-width/_site/papers").iterdir()) == [
        "2304.15004",
        "2305.10601",
        "index.html",
    ]


FULL_WIDTH = str.maketrans("0123456789v", "０１２３４５６７８９ｖ")


def papers_without_summaries(root: Path) -> list[dict]:
    """papers.json's papers, less their summaries (the sentence as written, digits and all)."""
    papers = papers_of(root)
    for paper in papers:
        paper.pop("summary")
        for mention in paper["mentions"]:
            mention.pop("summary")
    return papers


PAPERS_YAML = (
    "# Corrections, saved by Notepad\n2304.15004:\n  title: Corrected – a title\n  venue: ICML 2023\n"
)


def test_papers_yaml_is_read_in_the_encodings_digests_and_site_yaml_are_read_in(tmp_path):
    """Digests and site.yaml are read as UTF-8 or as UTF-16/UTF-32 with a byte-order mark, as
    Windows editors save them; papers.yaml only as UTF-8 (`invalid YAML: 'utf-8' codec can't
    decode byte 0xff in position 0`, no line). It gives the papers that the UTF-8 file gives, and
    bytes of another encoding (Latin-1) are an error at their line."""
    digest = {"2023-05-02-card.md": GOOD_CARD}
    clean = write_site(tmp_path / "clean", digest, SITE)
    (clean / "papers.yaml").write_text(PAPERS_YAML, encoding="utf-8")
    run_cli("build", "--source", str(clean), check=True)
    assert papers_of(clean)[0]["title"] == "Corrected – a title"
    for name, raw in [
        ("utf-16-le", PAPERS_YAML.replace("\n", "\r\n").encode("utf-16")),
        ("utf-16-be", b"\xfe\xff" + PAPERS_YAML.encode("utf-16-be")),
        ("utf-32", PAPERS_YAML.encode("utf-32")),
    ]:
        root = write_site(tmp_path / name, digest, SITE)
        (root / "papers.yaml").write_bytes(raw)
        proc = run_cli("build", "--source", str(root))
        assert proc.returncode == 0, proc.stderr
        assert papers_of(root) == papers_of(clean), name
    latin = write_site(tmp_path / "latin-1", digest, SITE)
    (latin / "papers.yaml").write_bytes(PAPERS_YAML.replace("–", "é").encode("latin-1"))
    proc = run_cli("build", "--source", str(latin))
    assert proc.returncode == 1
    assert "papers.yaml:3: error: not UTF-8 text (byte 0xe9): save papers.yaml as UTF-8" in proc.stderr


GOOD_CARD = """\
---
title: A card
date: 2023-05-02
---

### 1、Are Emergent Abilities of Large Language Models a Mirage?

> 《Are Emergent Abilities of Large Language Models a Mirage?》
>
> - URL：https://arxiv.org/abs/2304.15004
"""
