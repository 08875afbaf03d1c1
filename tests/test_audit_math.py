"""Math as researchers' notes write it, built by the real CLI: tables of complexities, and what the
default MathML output must draw as KaTeX's HTML does (line breaks, tags, fences, matrices)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from conftest import run_cli, write_site


def build(tmp_path: Path, body: str, config: str | None = None) -> tuple[str, str]:
    """(the digest page's HTML, the build's output) of one digest dated 2024-03-01."""
    digest = f"---\ntitle: 公式\ndate: 2024-03-01\n---\n\n{body}"
    site = write_site(tmp_path, {"2024-03-01-math.md": digest}, *([config] if config else []))
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (site / "_site" / "digests" / "2024-03-01-math" / "index.html").read_text(encoding="utf-8")
    return page, proc.stdout + proc.stderr


def annotations(html: str) -> list[str]:
    """The TeX of every typeset formula, in order (KaTeX keeps it in the MathML annotation)."""
    found = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', html, re.DOTALL)
    return [unescape(tex) for tex in found]


def test_pipes_inside_math_in_a_table_stay_in_the_formula(tmp_path):
    """`$O(|V|+|E|)$` in a results table is one formula in one cell: the row was cut at each `|`,
    the formula reported unclosed and the cells past the header's count silently dropped."""
    page, output = build(
        tmp_path,
        """\
        | 方法 | 复杂度 | 备注 |
        | --- | --- | --- |
        | GCN | $O(|V|+|E|)$ | 稀疏 |
        | 注意力 | $$O(|V|^2)$$ | $\\|W\\|_2$ 约束 |
        """.replace("        ", ""),
    )
    assert "unclosed" not in output, output
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
    assert [len(re.findall(r"<t[dh]\b", row)) for row in rows] == [3, 3, 3]
    assert annotations(page) == ["O(|V|+|E|)", "O(|V|^2)", "\\|W\\|_2"]
    assert "稀疏" in rows[1] and "约束" in rows[2]
