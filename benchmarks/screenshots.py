"""Screenshots of every page type of the example site, for the README (docs/screenshots/).

    python benchmarks/screenshots.py [--out docs/screenshots]

Builds the repository's example site, serves it on 127.0.0.1 under its base path and has
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) take each page at 1280 px
and 390 px wide, light and dark. One star is set first, so the starred page shows a list. The
README's table of them (between its screenshots markers) is written again.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from http_util import serve_static as served  # noqa: E402

PAGES = {  # name -> path under the site's base path
    "home": "",
    "digest": "digests/2023-05-02-paper-digest/",
    "paper": "papers/2304.14454/",
    "papers": "papers/",
    "archive": "archive/2023/05/",
    "category": "categories/paper/",
    "starred": "starred/",
    "search": "search/?q=LLaMA",
    "not-found": "404.html",
}
WIDTHS = {"desktop": (1280, 900), "mobile": (390, 844)}
SCHEMES = ("light", "dark")
STARRED = "2304.14454"


def build(out: Path) -> str:
    subprocess.run(
        [sys.executable, "-m", "paperdigest", "build", "--source", str(REPO), "--out", str(out)],
        check=True,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    config = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    return urlsplit(config.get("base_url") or "/").path or "/"


def take(site_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    taken = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for scheme in SCHEMES:
            for device, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height}, color_scheme=scheme, device_scale_factor=1
                )
                page = context.new_page()
                page.goto(site_url + PAGES["paper"])
                page.click(f"[data-star='{STARRED}']")
                for name, path in PAGES.items():
                    page.goto(site_url + path, wait_until="networkidle")
                    target = out / f"{name}-{device}-{scheme}.png"
                    page.screenshot(path=str(target))
                    taken.append(target)
                context.close()
        browser.close()
    return taken


def readme_table(folder: str) -> str:
    rows = [
        "| page | 1280 px, light | 1280 px, dark | 390 px, light | 390 px, dark |",
        "|---|---|---|---|---|",
    ]
    for name in PAGES:
        shots = [
            f'<img src="{folder}/{name}-{device}-{scheme}.png" width="{240 if device == "desktop" else 90}" alt="{name}, {device}, {scheme}">'
            for device in WIDTHS
            for scheme in SCHEMES
        ]
        rows.append(f"| {name} | " + " | ".join(shots) + " |")
    return "\n".join(rows)


def update_readme(folder: str) -> None:
    readme = REPO / "README.md"
    marker = re.compile(r"(<!-- screenshots:start -->\n).*?(<!-- screenshots:end -->)", re.DOTALL)
    text = readme.read_text(encoding="utf-8")
    readme.write_text(
        marker.sub(lambda m: m.group(1) + readme_table(folder) + "\n" + m.group(2), text), encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base_path = build(Path(tmp) / "_site")
        with served(Path(tmp) / "_site", base_path) as url:
            for path in take(url, args.out):
                print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    if args.out.resolve().is_relative_to(REPO):
        update_readme(args.out.resolve().relative_to(REPO).as_posix())


if __name__ == "__main__":
    main()
