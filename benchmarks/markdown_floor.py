"""The least time any build of these digests can take with markdown-it-py: parsing and rendering
their Markdown to HTML with paperdigest's parser (CommonMark, tables, footnotes, anchors, math),
nothing else — no files written, no cards, no templates, no KaTeX.

    python benchmarks/markdown_floor.py CORPUS [--sample 1000]

Prints JSON: median milliseconds a digest over three passes on one core, over up to --sample of the
corpus's digests (spread over the whole corpus).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperdigest.parse.markdown import markdown_parser  # noqa: E402
from paperdigest.parse.source import read_source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    paths = sorted((args.corpus / "digests").glob("*.md"))
    step = max(1, len(paths) // args.sample)
    bodies = [read_source(p, args.corpus).body for p in paths[::step][: args.sample]]
    md = markdown_parser()
    passes = []
    for _ in range(3):
        started = time.perf_counter()
        for body in bodies:
            md.render(body, {"base_path": "/"})
        passes.append((time.perf_counter() - started) / len(bodies) * 1000)
    print(json.dumps({"digests": len(bodies), "ms_per_digest": statistics.median(passes)}))


if __name__ == "__main__":
    main()
