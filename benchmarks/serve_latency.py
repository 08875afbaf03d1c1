"""Time from saving one digest to the reload event of `paperdigest serve`, at corpus sizes.

    python benchmarks/serve_latency.py                      # 1,000 digests
    python benchmarks/serve_latency.py --digests 1000 10000 --saves 5
    python benchmarks/serve_latency.py --corpus DIR         # an existing site (edits a copy)
    python benchmarks/serve_latency.py --edit card          # edit a card's affiliation instead

For each size: generates a corpus (or copies --corpus), starts the real `paperdigest serve` on a
free port of 127.0.0.1, opens the live-reload event stream like a browser tab, then saves one
digest --saves times (a new paragraph, or with --edit card another affiliation in its first card,
which changes that card's paper) and measures save -> reload event (the moment a browser would reload, with
the new page already served). Prints the first build time and the median/min/max latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
CATEGORIES = ["paper", "llm", "vision", "speech", "robotics", "theory", "systems", "rl"]
UNITS = ["斯坦福大学", "MIT", "清华大学", "Google", "Meta", "北京大学", "CMU", "上海交通大学"]


def card(number: int, arxiv: str, rng: random.Random) -> str:
    return (
        f"### {number}、A study of topic {arxiv}\n\n> 关于 {arxiv} 的研究\n\n> 《A study of topic {arxiv}》\n>\n"
        f"> - URL：https://arxiv.org/abs/{arxiv}\n> - Official Code：https://github.com/x/{arxiv}\n"
        f"> - 单位：{rng.choice(UNITS)}、{rng.choice(UNITS)}\n\n"
        f"We show that $$O(n \\log n)$$ holds for {arxiv}, with $x_i^2$ and a table.\n\n"
        "$$\n\\begin{align}\na &= b + c \\\\\nd &= e\n\\end{align}\n$$\n\n"
    )


def digest_text(index: int, rng: random.Random, marker: str = "") -> str:
    day = 18000 + index // 3  # about three digests a day, spread over years
    date = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    cards = [card(n + 1, f"{2000 + index % 500:04d}.{rng.randrange(100000):05d}", rng) for n in range(5)]
    return (
        f"---\ntitle: {date}：论文速递 {index}\ndate: {date}\ncate1: {rng.choice(CATEGORIES)}\n"
        f"cate2: {rng.choice(CATEGORIES)}\ndescription: Digest {index}\nkeywords: paper\n---\n\n"
        f"{marker}\n\n" + "".join(cards) + "## 更多\n\n" + card(1, f"2301.{index:05d}", rng)
    )


def generate(root: Path, count: int) -> list[Path]:
    digests = root / "digests"
    digests.mkdir(parents=True)
    (root / "site.yaml").write_text(
        "title: Benchmark\nbase_url: https://u.github.io/bench/\n", encoding="utf-8"
    )
    rng = random.Random(count)
    paths = []
    for index in range(count):
        path = digests / f"digest-{index:05d}.md"
        path.write_text(digest_text(index, rng), encoding="utf-8")
        paths.append(path)
    return paths


class Serve:
    def __init__(self, source: Path, out: Path):
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "paperdigest",
                "serve",
                "--source",
                str(source),
                "--port",
                "0",
                "--out",
                str(out),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONUTF8": "1"},
        )
        for line in self.proc.stdout:
            if found := re.match(r"^Serving .* at (http://\S+)$", line.strip()):
                break
        else:
            raise SystemExit("paperdigest serve did not start")
        self.first_build = time.perf_counter() - started
        self.rebuilds: queue.Queue[float] = queue.Queue()  # rebuild seconds, as serve reports them
        threading.Thread(target=self._read, daemon=True).start()
        url = urlsplit(found[1])
        self.host, self.port, self.base = url.hostname, url.port, url.path

    def _read(self) -> None:
        for line in self.proc.stdout:
            print(f"  serve: {line.rstrip()}", file=sys.stderr, flush=True)
            if found := re.search(r": rebuilt in ([\d.]+)s", line):
                self.rebuilds.put(float(found[1]))

    def get(self, path: str) -> str:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        conn.request("GET", self.base + path)
        body = conn.getresponse().read().decode()
        conn.close()
        return body

    def events(self, page: str):
        generation, server = re.search(r'\(\{"generation": (\d+), "server": "(\w+)"', page).groups()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        conn.request("GET", f"/__paperdigest__/events?since={generation}&server={server}")
        response = conn.getresponse()  # kept: dropping it would close the stream
        while True:
            line = response.fp.readline().decode()
            if line.startswith("data: "):
                yield json.loads(line[6:])

    def stop(self) -> None:
        # SIGTERM, not SIGINT: a benchmark started in the background (`cmd &` in a script) ignores
        # SIGINT, and so would the server it starts. serve stops the same way on either.
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def edited_text(original: str, marker: str, kind: str) -> str:
    if kind == "card":
        return original.replace("单位：", f"单位：{marker}、", 1)
    return original.replace("\n\n", f"\n\n{marker}\n\n", 1)


def measure(source: Path, edited: Path, saves: int, kind: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="serve-bench-out-"))
    serve = Serve(source, out / "site")
    try:
        slug = edited.stem
        events = serve.events(serve.get(f"digests/{slug}/"))
        original = edited.read_text(encoding="utf-8")
        latencies, rebuilds = [], []
        for n in range(saves):
            marker = f"Benchmark edit number {n}"
            started = time.perf_counter()
            edited.write_text(edited_text(original, marker, kind), encoding="utf-8")
            update = next(events)
            latencies.append(time.perf_counter() - started)
            rebuilds.append(serve.rebuilds.get(timeout=60))
            assert update["action"] == "reload", update
            assert marker in serve.get(f"digests/{slug}/"), "reload event before the new page was served"
        return {"first_build": serve.first_build, "latencies": latencies, "rebuilds": rebuilds}
    finally:
        serve.stop()
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--digests", type=int, nargs="+", default=[1000], help="corpus sizes (default: 1000)")
    parser.add_argument("--corpus", type=Path, help="an existing site folder instead of generated corpora")
    parser.add_argument("--saves", type=int, default=5, help="saves measured per size (default: 5)")
    parser.add_argument(
        "--edit", choices=("paragraph", "card"), default="paragraph", help="what each save changes"
    )
    args = parser.parse_args()

    print(
        f"{'digests':>8}  {'first build':>11}  {'save->reload median':>19}  {'min':>7}  {'max':>7}  "
        f"{'of which Builder.rebuild':>24}"
    )
    sizes = [None] if args.corpus else args.digests
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
            source = Path(tmp) / "site"
            if args.corpus:
                shutil.copytree(args.corpus, source, ignore=shutil.ignore_patterns("_site", ".git"))
                paths = sorted((source / "digests").rglob("*.md"))
            else:
                paths = generate(source, size)
            result = measure(source, paths[len(paths) // 2], args.saves, args.edit)
            lat = result["latencies"]
            print(
                f"{len(paths):>8}  {result['first_build']:>10.2f}s  {statistics.median(lat):>18.3f}s  "
                f"{min(lat):>6.3f}s  {max(lat):>6.3f}s  {statistics.median(result['rebuilds']):>23.3f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
