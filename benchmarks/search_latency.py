"""Search latency in Chromium: how long the search page takes to show results, for built sites.

    python benchmarks/search_latency.py LABEL=SITE_DIR [LABEL=SITE_DIR ...] [--base /bench/] [--runs 5]

Each site (the output folder of a build published under --base) is served on 127.0.0.1 and opened
in headless Debian Chromium (Playwright, /usr/bin/chromium). For every query of QUERIES it times,
in a fresh browser context (empty HTTP cache): `first`, opening search/?q=QUERY until the results
are shown (loading Pagefind, its index shards and the results); and `next`, typing another query
into the same page until its results are shown (the index already loaded; includes the search
box's 150 ms debounce); `refine`, adding the next query's words to the typed one; and `filter`,
ticking the first category until the results are shown again. Prints the median over queries and
runs, per site.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from http_util import serve_static as served  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
QUERIES = ["涌现能力", "Transformer", "斯坦福大学", "Diffusion Policy", "残差块", "机器翻译", "Memory"]
SHOWN = "q => document.getElementById('search-status').textContent.includes(q)"
COUNTED = "() => document.getElementById('search-status').hasAttribute('data-count')"


def time_site(browser, url: str, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"first": [], "next": [], "refine": [], "filter": []}
    for _ in range(runs):
        for query, following in zip(QUERIES, QUERIES[1:] + QUERIES[:1], strict=True):
            context = browser.new_context()
            page = context.new_page()
            started = time.perf_counter()
            page.goto(f"{url}search/?q={quote(query)}")
            page.wait_for_function(SHOWN, arg=query, timeout=120000)
            times["first"].append(time.perf_counter() - started)
            started = time.perf_counter()
            page.fill("#search-input", following)
            page.wait_for_function(SHOWN, arg=following, timeout=120000)
            times["next"].append(time.perf_counter() - started)
            refined = f"{following} {query}"
            started = time.perf_counter()
            page.fill("#search-input", refined)
            page.wait_for_function(SHOWN, arg=refined, timeout=120000)
            times["refine"].append(time.perf_counter() - started)
            started = time.perf_counter()
            page.locator("#search-filters input[name='category']").first.check()
            page.wait_for_function(COUNTED, timeout=120000)
            times["filter"].append(time.perf_counter() - started)
            context.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="+", help="LABEL=SITE_DIR")
    parser.add_argument("--base", default="/bench/", help="base path the sites were built for")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        print(
            "| site | first query (open search/?q=) | next query (typed) | a word added | a filter ticked |"
        )
        print("|---|---:|---:|---:|---:|")
        for label, folder in (site.split("=", 1) for site in args.sites):
            with served(Path(folder), args.base) as url:
                times = time_site(browser, url, args.runs)
            cells = " | ".join(f"{statistics.median(times[k]) * 1000:.0f} ms" for k in times)
            print(f"| {label} | {cells} |", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
