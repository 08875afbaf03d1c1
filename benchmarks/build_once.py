"""One measured build, run by run.py in a fresh process; prints its BuildResult as JSON.

    python benchmarks/build_once.py SITE OUT [--jobs N] [--edit DIGEST]

With --edit, the site is first built (warm, from the cache), then DIGEST gets one more paragraph and
`Builder.rebuild({DIGEST})` runs: the incremental path the dev server takes. Then, the paragraph
undone, one card of DIGEST gets another affiliation and rebuild() runs again: an edit that changes a
paper (its page, its line in the papers list and papers.json). Each edit is undone after.
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
        builder.warm_up()  # what the dev server does after its first build
        original = args.edit.read_bytes()
        text = original.decode("utf-8")
        assert "单位：" in text, f"{args.edit} has no affiliation to edit"
        edits = {
            "rebuild": text + "\n新增的一段：编辑后的摘要。\n",
            "card_rebuild": text.replace("单位：", "单位：新机构、", 1),
        }
        data = {"build": data}
        try:
            for name, edited in edits.items():
                args.edit.write_text(edited, encoding="utf-8")
                started = time.perf_counter()
                result = builder.rebuild({args.edit})
                data[name] = report(result, time.perf_counter() - started)
                args.edit.write_bytes(original)
                builder.rebuild({args.edit})
        finally:
            args.edit.write_bytes(original)
    print(json.dumps(data, default=str))


if __name__ == "__main__":
    main()
