"""Milliseconds per formula for the ways of running KaTeX in-process (README "Math at build time").

    python benchmarks/math_engines.py [--katex-js PATH] [--count N]

mini-racer (V8) runs through paperdigest's own Engine, one formula per call and in batches of
mathrender.BATCH; pykatex (QuickJS with KaTeX built in) is measured too when it is installed. Each
figure is the best of three runs after a warm-up, so that JIT warm-up and a busy machine count less.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperdigest.config import SiteConfig  # noqa: E402
from paperdigest.katex_engine import Engine, KatexScript, find_katex, script_version  # noqa: E402
from paperdigest.mathrender import BATCH  # noqa: E402

OUTPUT = SiteConfig().math.output  # what a site typesets by default

ALIGN = (
    "\\begin{{align}}\n\\boldsymbol{{x}}_{{{i}}}^a &= \\boldsymbol{{x}}_k^{{ln}} + f_k(\\overrightarrow{{x}}_k) \\\\\n"
    "\\quad y_{{{i}}} &= \\operatorname{{LN}}\\left(\\sum_{{k=1}}^N \\frac{{x_k^f}}{{\\sqrt{{d}}}}\\right)\n\\end{{align}}"
)


def formulas(count: int) -> dict[str, list[tuple[str, bool]]]:
    return {
        "inline": [(f"x_{{{i}}} + \\alpha^{{{i}}} \\in R^{{n\\times d}}", False) for i in range(count)],
        "align": [(ALIGN.format(i=i), True) for i in range(count)],
    }


def best_ms(run, items, repeat: int = 3) -> float:
    run(items[:20])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run(items)
        best = min(best, time.perf_counter() - started)
    return best / len(items) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--katex-js", type=Path, help="katex.min.js to load (default: what a build would use)"
    )
    parser.add_argument("--count", type=int, default=300, help="formulas of each kind")
    args = parser.parse_args()
    if args.katex_js:
        script = KatexScript(args.katex_js, script_version(args.katex_js, args.katex_js.stat().st_mtime))
    else:
        script = find_katex(SiteConfig())
    started = time.perf_counter()
    engine = Engine(script)
    print(
        f"KaTeX {script.version} from {script.path}; V8 start + load: {(time.perf_counter() - started) * 1000:.0f} ms"
    )

    def one_by_one(items):
        for item in items:
            engine.render([item], {}, OUTPUT)

    def batched(items):
        for i in range(0, len(items), BATCH):
            engine.render(items[i : i + BATCH], {}, OUTPUT)

    engines = {"mini-racer, 1 per call": one_by_one, f"mini-racer, {BATCH} per call": batched}
    try:
        import pykatex

        engines["pykatex (QuickJS)"] = lambda items: [
            pykatex.renderToString(t, displayMode=d) for t, d in items
        ]
    except ImportError:
        print("pykatex not installed: not measured")
    kinds = formulas(args.count)
    print(f"{'engine':28} {'ms/inline':>10} {'ms/align':>10}")
    for name, run in engines.items():
        print(f"{name:28} {best_ms(run, kinds['inline']):10.3f} {best_ms(run, kinds['align']):10.3f}")
    engine.close()


if __name__ == "__main__":
    main()
