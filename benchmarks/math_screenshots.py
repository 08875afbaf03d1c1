"""How formulas look in Chromium under each `math.output`, and what each costs in bytes.

    python benchmarks/math_screenshots.py [--out benchmarks/screenshots]

Builds one digest of typical formulas (inline and display, fractions, sums, matrices, aligned
equations, blackboard and bold symbols) once per math.output, opens each page in headless Debian
Chromium (/usr/bin/chromium, Playwright) at 800 px, saves a screenshot of the digest's text as
OUT/math-<output>.png and prints the page's size and the size of its formula markup.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from search_latency import served  # noqa: E402

OUTPUTS = ("mathml", "htmlAndMathml", "html")
DIGEST = r"""
---
title: Formulas
date: 2024-05-01
---

Inline: given $N$ residual blocks, the output has shape $R^{n\times d}$; $x_k^f$ is normalised
$N-k$ times, $\alpha + \beta \in \mathbb{R}$ and $\boldsymbol{w}_k \sim \mathcal{N}(0, \sigma^2)$.

$$
\mathcal{L} = -\sum_{i} \log \frac{e^{s_i/\tau}}{\sum_j e^{s_j/\tau}}
$$

$$
\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V
$$

$$
\begin{align}
\boldsymbol{x}_k^a &= \boldsymbol{x}_k^{ln} + f_k(\boldsymbol{x}_k^{ln};\boldsymbol{w}_k) \\
\boldsymbol{x}_{k+1}^{ln} &= \operatorname{LN}(\boldsymbol{x}_k^a)
\end{align}
$$

$$
\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}, \qquad
W = \begin{pmatrix} a & b \\ c & d \end{pmatrix}
$$
"""


def build(output: str, work: Path) -> Path:
    site = work / output
    (site / "digests").mkdir(parents=True)
    config = f"title: Formulas\nbase_url: https://example.org/\nsearch: false\nmath:\n  output: {output}\n"
    (site / "site.yaml").write_text(config, encoding="utf-8")
    (site / "digests/2024-05-01-formulas.md").write_text(textwrap.dedent(DIGEST).lstrip(), encoding="utf-8")
    command = [sys.executable, "-m", "paperdigest", "build", "--source", str(site)]
    subprocess.run(
        command, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    )
    return site / "_site"


def formula_bytes(html: str) -> int:
    """Bytes of the typeset formulas: every `<span class="math ...">` / `<div class="math ...">`."""
    total = 0
    for match in re.finditer(r'<(span|div) class="math (?:inline|display)"', html):
        depth, tag = 0, match.group(1)
        for part in re.finditer(rf"<(/?){tag}\b", html[match.start() :]):
            depth += -1 if part.group(1) else 1
            if depth == 0:
                total += len(html[match.start() : match.start() + part.end()].encode())
                break
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        print("| math.output | page | formulas |")
        print("|---|---:|---:|")
        for output in OUTPUTS:
            out = build(output, Path(tmp))
            page_file = out / "digests/2024-05-01-formulas/index.html"
            html = page_file.read_text(encoding="utf-8")
            print(f"| `{output}` | {len(html.encode()):,} B | {formula_bytes(html):,} B |")
            page = browser.new_page(viewport={"width": 800, "height": 900})
            with served(out, "/") as url:
                page.goto(f"{url}digests/2024-05-01-formulas/")
                page.evaluate("document.fonts.ready")
                page.locator(".digest-body").screenshot(path=str(args.out / f"math-{output}.png"))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
