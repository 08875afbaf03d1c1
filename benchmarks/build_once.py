"""One measured build, run by run.py in a fresh process; prints its BuildResult as JSON.

    python benchmarks/build_once.py SITE OUT [--jobs N] [--edit DIGEST]

With --edit, the site is first built (warm, from the cache), then DIGEST gets one more paragraph and
`Builder.rebuild({DIGEST})` runs: the incremental path the dev server takes; the edit is undone after.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperdigest.build import Builder  # noqa: E402


def report(result, seconds: float) -> dict:
    data = {k: v for k, v in vars(result).items() if k not in ("problems", "math")}
    data["math"] = dataclasses.asdict(result.math)
    data["wall"] = seconds
    data["problems"] = len(result.problems)
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--edit", type=Path, default=None)
    args = parser.parse_args()
    builder = Builder(args.site, args.out, jobs=args.jobs)
    started = time.perf_counter()
    result = builder.build()
    data = report(result, time.perf_counter() - started)
    if args.edit:
        builder.rebuild(set())  # what a dev server holds after its first rebuild: records in memory
        original = args.edit.read_bytes()
        try:
            args.edit.write_bytes(original + "\n新增的一段：编辑后的摘要。\n".encode())
            started = time.perf_counter()
            result = builder.rebuild({args.edit})
            data = {"build": data, "rebuild": report(result, time.perf_counter() - started)}
        finally:
            args.edit.write_bytes(original)
            builder.rebuild({args.edit})
    print(json.dumps(data, default=str))


if __name__ == "__main__":
    main()
