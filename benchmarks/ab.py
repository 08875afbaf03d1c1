"""Two versions of paperdigest measured interleaved on the same corpus.

    python benchmarks/ab.py BASE [HEAD] [--size 10000] [--rounds 4] [--jobs N] [--work benchmarks/out]

On a shared machine whose speed drifts (twice as slow from one session to the next here), figures
taken hours apart cannot be compared; builds taken turn about can. Each revision's `src/` and
`templates/` are taken with `git archive` (HEAD defaults to the working tree's commit) and
compiled to bytecode, as installed, and each gets its own copy of the generated corpus (search
on, as users build) and so its own cache. Both are built cold first; then each round runs, for
each revision in turn (the order swapped every round, so drift weighs on both alike), a new
`paperdigest build --profile` after editing one digest, one with nothing changed and one after
adding a digest, then puts the corpus back and builds it again (not timed). It prints the wall
time of each build as median and range, the ratio HEAD/BASE of the medians, and the median of
each stage.
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import corpus_of, edit_file, measure, next_digest  # noqa: E402

BUILDS = ("edit", "warm", "add")
STAGE = re.compile(r"^(parse|group|plan|render|write|search|total)\s+([\d.]+)\s", re.MULTILINE)


def checkout(rev: str, work: Path) -> tuple[str, Path]:
    """(short commit, folder holding its src/ and templates/ compiled to bytecode)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = work / f"ab-code-{sha}"
    if not (folder / "src").is_dir():
        tar = subprocess.run(
            ["git", "archive", sha, "src", "templates"], cwd=REPO, capture_output=True, check=True
        )
        with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as archive:
            archive.extractall(folder, filter="data")
    compileall.compile_dir(folder / "src", quiet=1)
    return sha, folder


class Version:
    """One revision: its code and its own copy of the corpus."""

    def __init__(self, label: str, sha: str, code: Path, corpus: Path, work: Path, jobs: int | None):
        self.sha, self.jobs = sha, jobs
        self.env = {**os.environ, "PYTHONPATH": str(code / "src")}
        self.site = work / f"ab-site-{label}"
        shutil.rmtree(self.site, ignore_errors=True)
        shutil.copytree(corpus, self.site, ignore=shutil.ignore_patterns(".paperdigest-cache", ".complete-*"))
        self.walls: dict[str, list[float]] = {name: [] for name in BUILDS}
        self.stages: dict[str, list[dict[str, float]]] = {name: [] for name in BUILDS}

    def build(self, name: str | None = None) -> None:
        cmd = [sys.executable, "-m", "paperdigest", "build", "--profile", "--source", str(self.site)]
        cmd += ["--out", str(self.site / "_site")] + (["--jobs", str(self.jobs)] if self.jobs else [])
        wall, _, stdout = measure(cmd, env=self.env)
        if name is not None:
            self.walls[name].append(wall)
            self.stages[name].append({stage: float(s) for stage, s in STAGE.findall(stdout)})

    def round(self, n: int, number: int) -> None:
        edited = sorted((self.site / "digests").glob("*.md"))[n // 2 + number]
        original = edited.read_bytes()
        added, text = next_digest(self.site, n, later=number)
        try:
            edit_file(edited, number)
            self.build("edit")
            self.build("warm")
            added.write_text(text, encoding="utf-8")
            self.build("add")
        finally:
            edited.write_bytes(original)
            added.unlink(missing_ok=True)
        self.build()


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def report(base: Version, head: Version, n: int, rounds: int) -> None:
    print(f"\n{n:,} digests, {rounds} rounds interleaved, search on; wall time, median (range):")
    print(f"| build | {base.sha} (base) | {head.sha} (head) | head / base |")
    print("|---|---:|---:|---:|")
    labels = {"edit": "edit + build", "warm": "nothing changed", "add": "add + build"}
    for name in BUILDS:
        ratio = statistics.median(head.walls[name]) / statistics.median(base.walls[name])
        print(f"| {labels[name]} | {spread(base.walls[name])} | {spread(head.walls[name])} | {ratio:.2f} |")
    print("\nStages, median seconds:")
    for name in BUILDS:
        for version in (base, head):
            runs = version.stages[name]
            stages = " ".join(f"{s} {statistics.median([r.get(s, 0.0) for r in runs]):.2f}" for s in runs[0])
            print(f"  {labels[name]:<16} {version.sha}: {stages}")


def main() -> None:
    parser = argparse.ArgumentParser(description="two revisions, interleaved (see module docstring)")
    parser.add_argument("base", help="the revision to compare with, e.g. a commit or HEAD~3")
    parser.add_argument("head", nargs="?", default="HEAD")
    parser.add_argument("--size", type=int, default=10000, help="digests in the corpus")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=None, help="paperdigest --jobs (default: all cores)")
    parser.add_argument("--work", type=Path, default=HERE / "out", help="corpora and outputs (git-ignored)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_of(args.size, args.work)
    versions = []
    for label, rev in (("base", args.base), ("head", args.head)):
        sha, code = checkout(rev, args.work)
        versions.append(Version(label, sha, code, corpus, args.work, args.jobs))
        versions[-1].build()  # cold, not compared: it is the same work for both
    for number in range(args.rounds):
        for version in versions if number % 2 == 0 else versions[::-1]:
            version.round(args.size, number)
        print(f"  round {number + 1}/{args.rounds} done", file=sys.stderr)
    report(*versions, args.size, args.rounds)


if __name__ == "__main__":
    main()
