"""The example site built under the /digests/ base path, shared by the search and publishing tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import KATEX_LOCAL, REPO, run_cli

BASE_URL = "https://example.github.io/digests/"
BASE_PATH = "/digests/"


def build_example(tmp: Path, *, extra_config: str = "") -> Path:
    """Copy the repository's example site to `tmp`, build it with BASE_URL; returns the output folder."""
    src, out = tmp / "src", tmp / "_site"
    src.mkdir(parents=True, exist_ok=True)
    for name in ("site.yaml", "digests", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name)
        elif (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    config = (
        (src / "site.yaml").read_text(encoding="utf-8").replace('local_dir: ""', f"local_dir: {KATEX_LOCAL}")
    )
    (src / "site.yaml").write_text(config + extra_config, encoding="utf-8")
    proc = run_cli("build", "--source", str(src), "--out", str(out), "--base-url", BASE_URL, check=True)
    # A failed index is a build warning, not an exit code: say so here, not in a browser timeout.
    shards = json.loads((out / "pagefind" / "shards.json").read_text())["shards"]
    assert shards and all((out / "pagefind" / s / "pagefind-entry.json").is_file() for s in shards), (
        proc.stderr
    )
    return out
