"""Benchmark: paperdigest on N generated digests, and Hugo on the same Markdown when installed.

    python benchmarks/run.py --sizes 1000 10000 [--runs 3] [--jobs N] [--no-search] [--no-hugo] [--no-jekyll]

For each N it generates the corpus (benchmarks/corpus.py, deterministic) and builds it as a user
does (paperdigest compiled to bytecode first, as pip installs it), search index on (`--no-search`
leaves it out, as Hugo has none, and the table says so). It prints, as medians of --runs runs: the
cold build (no cache, no output) and its search stage, the warm build (nothing changed), a build
after editing one digest and one after adding a digest (each a new `paperdigest build` with the
cache and output of the last build, as in CI, which restores both), the output's bytes and files,
`Builder.rebuild()` after editing one digest (the dev server's path), peak memory of the whole
process tree (sum of PSS), digests/s, files rendered and written, and the same Markdown built by a
minimal Hugo site with the ratio paperdigest/Hugo from the same run. `Builder.rebuild()` is timed
twice: after a paragraph is added to a digest, and after one of its cards gets another affiliation
(the card's paper changes). Last, the least any cold build of the corpus can take with markdown-it-py
(benchmarks/markdown_floor.py, ideal use of every core). When `jekyll` is installed (Debian
package), the same digests are also built as the posts of a minimal Jekyll site, cold (no
`.jekyll-cache`) and warm (a second build with its cache). Math time and math cache hit rate are
shown when the build reports them.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import START, digest_text, generate, new_paper  # noqa: E402

HUGO_CONFIG = """\
baseURL = "https://example.github.io/bench/"
title = "Benchmark digests"
contentDir = "{content}"
disableKinds = ["RSS"]
[taxonomies]
category = "cate1"
[markup.goldmark.renderer]
unsafe = true
"""
HUGO_SINGLE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>
"""
HUGO_LIST = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1><ul>{{ range (.Paginate .Pages).Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>
"""


def tree_memory_kb(pid: int) -> int:
    """Memory of a process and all its descendants (kB): the sum of their PSS, from /proc.

    PSS counts a page shared by n processes (forked workers share the parent's records) as 1/n in
    each, so the sum is what the process tree really occupies; a sum of RSS would count it n times.
    """
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    pending += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak memory of the process tree in MB, stdout) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_memory_kb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, peak[0] / 1024, out


def paperdigest(
    site: Path, out: Path, jobs: int | None, edit: Path | None = None
) -> tuple[float, float, dict]:
    cmd = [sys.executable, str(HERE / "build_once.py"), str(site), str(out)]
    cmd += ["--jobs", str(jobs)] if jobs else []
    cmd += ["--edit", str(edit)] if edit else []
    wall, rss, stdout = measure(cmd)
    return wall, rss, json.loads(stdout.strip().splitlines()[-1])


def folder_bytes(folder: Path) -> tuple[int, int]:
    """(bytes, files) of a built site: what a host stores and serves."""
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
    return sum(sizes), len(sizes)


def edit_file(path: Path, n: int) -> None:
    path.write_bytes(path.read_bytes() + f"\n第 {n} 次编辑：新增的一段。\n".encode())


def hugo_site(corpus: Path, work: Path) -> Path:
    site = work / "hugo-site"
    (site / "layouts/_default").mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(HUGO_CONFIG.format(content=(corpus / "digests").resolve()))
    (site / "layouts/_default/single.html").write_text(HUGO_SINGLE)
    (site / "layouts/_default/list.html").write_text(HUGO_LIST)
    (site / "layouts/index.html").write_text(HUGO_LIST)
    return site


JEKYLL_CONFIG = """\
title: Benchmark digests
markdown: kramdown
permalink: /digests/:year/:month/:day/:title/
defaults:
  - scope: {path: ""}
    values: {layout: default}
"""
JEKYLL_LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body><h1>{{ page.title }}</h1>{{ content }}
{% if page.previous %}<a href="{{ page.previous.url }}">{{ page.previous.title }}</a>{% endif %}
{% if page.next %}<a href="{{ page.next.url }}">{{ page.next.title }}</a>{% endif %}</body></html>
"""
JEKYLL_INDEX = """---
title: Digests
---
<ul>{% for post in site.posts %}<li><a href="{{ post.url }}">{{ post.title }}</a></li>{% endfor %}</ul>
"""


def jekyll_site(corpus: Path, work: Path) -> Path:
    """The corpus's digests (named YYYY-MM-DD-*.md) as the posts of a minimal Jekyll site."""
    site = work / "jekyll-site"
    shutil.rmtree(site, ignore_errors=True)
    (site / "_layouts").mkdir(parents=True)
    (site / "_posts").symlink_to((corpus / "digests").resolve())
    (site / "_config.yml").write_text(JEKYLL_CONFIG)
    (site / "_layouts/default.html").write_text(JEKYLL_LAYOUT)
    (site / "index.html").write_text(JEKYLL_INDEX)
    return site


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def math_summary(result: dict) -> str:
    """What build-time KaTeX did in this build: formulas, how many KaTeX typeset, cache hit rate."""
    math = result.get("math") or {}
    if not math.get("formulas"):
        return f"mode {math.get('mode', '?')}: no formula typeset (digests came from the parse cache)"
    looked_up = math["cache_hits"] + math["rendered"]
    rate = math["cache_hits"] / looked_up if looked_up else 0.0
    return (
        f"KaTeX {math['katex_version']}: {math['formulas']} formulas ({math['unique']} distinct per "
        f"process), {math['rendered']} typeset in {math['seconds']:.2f} s of worker CPU, "
        f"cache hit rate {rate:.0%}"
    )


def corpus_of(n: int, work: Path, search: bool = True) -> Path:
    """The generated corpus of n digests (made once, kept in `work`), search on or off."""
    corpus = work / f"corpus-{n}"
    if not (corpus / f".complete-{n}").exists():
        generate(n, corpus)
        (corpus / f".complete-{n}").write_text("")
    # Search is on unless --no-search: what a user's build does (Hugo builds no search index).
    config = (corpus / "site.yaml").read_text().replace("search: false\n", "")
    (corpus / "site.yaml").write_text(config + ("" if search else "search: false\n"))
    return corpus


def next_digest(corpus: Path, n: int, later: int = 0) -> tuple[Path, str]:
    """(path, text) of a new digest `later` days after the day after the corpus's last one."""
    date = START + dt.timedelta(days=n + later)
    rng = random.Random(n + later)
    papers = [new_paper(rng, date, (n + later) * 10 + k) for k in range(7)]
    return corpus / "digests" / f"{date.isoformat()}-paper-digest.md", digest_text(rng, date, papers)


def bench_size(n: int, args, work: Path) -> dict:
    corpus = corpus_of(n, work, args.search)
    out = work / f"site-{n}"
    edited = sorted((corpus / "digests").iterdir())[n // 2]
    original = edited.read_bytes()
    added, added_text = next_digest(corpus, n)  # the next one a user writes; removed after each run
    rows: dict[str, list[float]] = {
        k: []
        for k in (
            "cold",
            "cold_search",
            "warm",
            "edit",
            "edit_search",
            "add",
            "rebuild",
            "card",
            "rss",
            "hugo",
            "hugo_rss",
            "bytes",
            "files",
            "hugo_bytes",
            "hugo_files",
            "jekyll",
            "jekyll_warm",
        )
    }
    last: dict = {}
    try:
        for run in range(args.runs):
            shutil.rmtree(corpus / ".paperdigest-cache", ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            wall, rss, cold = paperdigest(corpus, out, args.jobs)
            rows["cold"].append(wall)
            rows["cold_search"].append(cold["timings"].get("search", 0.0))
            rows["rss"].append(rss)
            rows["bytes"].append(folder_bytes(out)[0])
            rows["files"].append(folder_bytes(out)[1])
            wall, rss, warm = paperdigest(corpus, out, args.jobs)
            rows["warm"].append(wall)
            rows["rss"].append(rss)
            edit_file(edited, run)
            wall, rss, after_edit = paperdigest(corpus, out, args.jobs)
            rows["edit"].append(wall)
            rows["edit_search"].append(after_edit["timings"].get("search", 0.0))
            added.write_text(added_text, encoding="utf-8")
            wall, _, after_add = paperdigest(corpus, out, args.jobs)
            added.unlink()
            rows["add"].append(wall)
            paperdigest(corpus, out, args.jobs)  # the site without the added digest again
            _, rss, probe = paperdigest(corpus, out, args.jobs, edit=edited)
            rows["rebuild"].append(probe["rebuild"]["wall"])
            rows["card"].append(probe["card_rebuild"]["wall"])
            rows["rss"].append(rss)
            last = {
                "cold": cold,
                "warm": warm,
                "edit": after_edit,
                "add": after_add,
                "rebuild": probe["rebuild"],
            }
            last["card rebuild"] = probe["card_rebuild"]
            if args.hugo:
                site = hugo_site(corpus, work)
                shutil.rmtree(work / "hugo-out", ignore_errors=True)
                cmd = ["hugo", "--quiet", "--source", str(site), "--destination", str(work / "hugo-out")]
                wall, rss, _ = measure(cmd)
                rows["hugo"].append(wall)
                rows["hugo_rss"].append(rss)
                hugo_bytes, hugo_files = folder_bytes(work / "hugo-out")
                rows["hugo_bytes"].append(hugo_bytes)
                rows["hugo_files"].append(hugo_files)
            if args.jekyll:
                site = jekyll_site(corpus, work)
                cmd = [
                    "jekyll",
                    "build",
                    "--quiet",
                    "--source",
                    str(site),
                    "--destination",
                    str(work / "jekyll-out"),
                ]
                rows["jekyll"].append(measure(cmd)[0])
                rows["jekyll_warm"].append(measure(cmd)[0])
            print(f"  N={n} run {run + 1}/{args.runs}: cold {rows['cold'][-1]:.1f}s", file=sys.stderr)
    finally:
        edited.write_bytes(original)
        added.unlink(missing_ok=True)
    floor = json.loads(measure([sys.executable, str(HERE / "markdown_floor.py"), str(corpus)])[2])
    medians = {k: median(v) for k, v in rows.items()}
    return {"n": n, **medians, "max_rss": max(rows["rss"]), "last": last, "floor_ms": floor["ms_per_digest"]}


def print_table(results: list[dict], args) -> None:
    cores = os.cpu_count()
    print(
        f"\npaperdigest benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, {cores} cores, ", end=""
    )
    print(
        f"Python {platform.python_version()}, medians of {args.runs} runs, jobs={args.jobs or cores}", end=""
    )
    print(
        ", search index on (the default)"
        if args.search
        else ", WITHOUT the search index (--no-search, as Hugo)"
    )
    head = (
        "| digests | cold | of which search | warm | edit + build | of which search | add + build | rebuild() "
        "| rebuild(), card edit | peak memory | output | files | Hugo cold | Hugo output | ratio |"
    )
    print(head)
    print("|" + "---:|" * (head.count("|") - 1))
    for r in results:
        hugo = f"{r['hugo']:.1f} s" if args.hugo else "-"
        hugo_rss = f"{r['hugo_rss']:.0f} MB" if args.hugo else "-"
        ratio = f"{r['cold'] / r['hugo']:.2f}" if args.hugo else "-"
        hugo_out = f"{r['hugo_bytes'] / 1e6:.0f} MB, {r['hugo_files']:,.0f} files" if args.hugo else "-"
        print(
            f"| {r['n']:,} | {r['cold']:.1f} s | {r['cold_search']:.1f} s | {r['warm']:.2f} s "
            f"| {r['edit']:.2f} s | {r['edit_search']:.2f} s | {r['add']:.2f} s | {r['rebuild']:.2f} s "
            f"| {r['card']:.2f} s | {r['max_rss']:.0f} MB | {r['bytes'] / 1e6:.0f} MB | {r['files']:,.0f} "
            f"| {hugo} ({hugo_rss}) | {hugo_out} | {ratio} |"
        )
    if args.jekyll:
        print(
            "\n| digests | paperdigest cold | Jekyll cold | Jekyll warm (its cache) | paperdigest cold / Jekyll warm |"
        )
        print("|---:|---:|---:|---:|---:|")
        for r in results:
            print(
                f"| {r['n']:,} | {r['cold']:.1f} s | {r['jekyll']:.1f} s | {r['jekyll_warm']:.1f} s "
                f"| {r['cold'] / r['jekyll_warm']:.2f} |"
            )
    print(
        "\nThe least a cold build can take with markdown-it-py: the digests' Markdown parsed and rendered"
        f" (benchmarks/markdown_floor.py), spread perfectly over {cores} cores, nothing else done."
    )
    print("| digests | markdown-it-py a digest | Markdown alone, ideal | paperdigest cold | 2x Hugo cold |")
    print("|---:|---:|---:|---:|---:|")
    for r in results:
        ideal = r["n"] * r["floor_ms"] / 1000 / cores
        hugo = f"{2 * r['hugo']:.1f} s" if args.hugo else "-"
        print(f"| {r['n']:,} | {r['floor_ms']:.2f} ms | {ideal:.1f} s | {r['cold']:.1f} s | {hugo} |")
    print()
    for r in results:
        last = r["last"]
        print(f"N={r['n']:,}:")
        for name in ("cold", "warm", "edit", "add", "rebuild", "card rebuild"):
            res = last[name]
            stages = " ".join(f"{k} {v:.2f}" for k, v in res["timings"].items())
            print(
                f"  {name:<12} parsed {res['parsed']:>6}, rendered {res['rendered']:>6}, "
                f"written {res['written']:>6}; stages (s): {stages}"
            )
        print(f"  math: {math_summary(last['cold'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description="paperdigest build benchmark (see module docstring)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="paperdigest --jobs (default: all cores)")
    parser.add_argument(
        "--no-search", dest="search", action="store_false", help="leave the search index out (as Hugo)"
    )
    parser.add_argument("--no-hugo", dest="hugo", action="store_false", help="skip Hugo even if installed")
    parser.add_argument(
        "--no-jekyll", dest="jekyll", action="store_false", help="skip Jekyll even if installed"
    )
    parser.add_argument("--work", type=Path, default=HERE / "out", help="corpora and outputs (git-ignored)")
    args = parser.parse_args()
    args.hugo = args.hugo and shutil.which("hugo") is not None
    args.jekyll = args.jekyll and shutil.which("jekyll") is not None
    args.work.mkdir(parents=True, exist_ok=True)
    # Bytecode as an installed wheel has it (pip compiles on install): an editable checkout run
    # with PYTHONDONTWRITEBYTECODE would otherwise compile every module in every measured build.
    compileall.compile_dir(HERE.parent / "src", quiet=1)
    results = [bench_size(n, args, args.work) for n in args.sizes]
    print_table(results, args)


if __name__ == "__main__":
    main()
