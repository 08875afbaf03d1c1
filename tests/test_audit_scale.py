"""Publishing at scale: what a reader and a crawler meet on a site of 10,000-30,000 digests.

The real limits (GitHub Pages' 1 GB, the sitemap protocol's 50,000 URLs) cannot be reached in a
test: they are module constants, set small here on small sites built by the real Builder.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from conftest import write_site
from paperdigest import publish
from paperdigest.build import Builder

CARD = """\
### 1、{title}

> 《{title}》
>
> - URL：https://arxiv.org/abs/{arxiv}
"""


def digest(day: int, papers: int = 3) -> str:
    cards = "\n".join(
        CARD.format(title=f"Paper {day} {n}", arxiv=f"2305.{day:02d}{n:03d}") for n in range(papers)
    )
    return f"---\ntitle: Digest {day}\ndate: 2023-05-{day:02d}\ncategories: [nlp]\n---\n\n{cards}"


def biggest_parts(out: Path) -> str:
    """The three largest parts of a built site as a reader of the warning wants them named: a
    folder by its name and `/`, a file at the top by its own name (worked out from the files on
    disk, not from the build's manifest)."""
    sizes: Counter[str] = Counter()
    for path in out.rglob("*"):
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            sizes[rel.split("/", 1)[0] + "/" if "/" in rel else rel] += path.stat().st_size
    return ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in sizes.most_common(3))


@pytest.mark.parametrize(
    ("settings", "hints"),
    [
        ("search: false\n", []),
        ("search: true\n", ["search: false leaves the index out"]),
        (
            "search: true\nmath: {output: html}\n",
            ["math: {output: mathml} writes the smallest formulas", "search: false leaves the index out"],
        ),
    ],
)
def test_the_pages_size_warning_names_big_files_and_only_advice_that_applies(
    tmp_path, monkeypatch, settings, hints
):
    """At 10,000 digests with `search: false` the build said "... files at the top 122 MB (math:
    {output: mathml} writes the smallest formulas, search: false leaves the index out)": advice
    the site already followed, and no name for the 102 MB papers.json. A file at the top (here a
    PDF under static/) is named, and only settings not already so are suggested."""
    root = write_site(
        tmp_path / "site",
        {f"2023-05-{day:02d}.md": digest(day) for day in (1, 2)},
        f"title: T\nbase_url: https://example.org/\n{settings}",
    )
    (root / "static").mkdir()
    (root / "static/slides.pdf").write_bytes(bytes(range(256)) * 12_000)  # 3 MB
    out = tmp_path / "_site"
    monkeypatch.setattr(publish, "PAGES_LIMIT", 1_000_000)
    result = Builder(root, out, jobs=1).build()
    assert result.errors == 0, [str(p) for p in result.problems]
    [warning] = [p for p in result.problems if "GitHub Pages" in p.message]
    expected = biggest_parts(out)
    assert "slides.pdf 3 MB" in expected  # the file at the top is among the biggest parts
    advice = f" ({', '.join(hints)})" if hints else ""
    assert warning.level == "warning"
    assert warning.message.endswith(f"; most of it is {expected}{advice}"), warning.message
