"""A push built the way the Pages workflow builds it: a fresh checkout at the same path, the last
deploy's `.paperdigest-cache/` and `_site/` restored, `paperdigest build` in a new process.

actions/cache saves and restores with `tar --posix` (mtimes to the nanosecond); other ways of
restoring a folder (`cp -r`, another cache tool) give every file a new mtime. Either way the
restored site is the last build's output: only what the push changed is rendered and indexed."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, site_tree, write_site

BASE_URL = "https://example.github.io/repo/"
DIGEST = """\
---
title: {date}：论文速递
cate1: paper
---

### 1、{title}

> 《{title}》
>
> - URL：https://arxiv.org/abs/{arxiv}

{summary}
"""


def digest(date: str, title: str, summary: str) -> str:
    return DIGEST.format(
        date=date, title=title, arxiv=f"{date[2:4]}{date[5:7]}.0{date[8:]}01", summary=summary
    )


def sources(root: Path) -> Path:
    """Digests in two years: two search shards."""
    digests = {
        f"{date}-d.md": digest(date, f"Paper of {date}", "Tangerine marmalade keeps.")
        for date in ("2023-03-01", "2023-03-02", "2024-03-01", "2024-03-02")
    }
    return write_site(root, digests, f"title: CI site\nbase_url: {BASE_URL}\n")


def checkout(source: Path, workspace: Path) -> None:
    """A fresh checkout: the sources, neither the cache nor the site (both are git-ignored)."""
    shutil.rmtree(workspace, ignore_errors=True)
    shutil.copytree(source, workspace, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site"))


def save_cache(workspace: Path, archive: Path) -> None:
    """What actions/cache runs after a successful job."""
    subprocess.run(
        ["tar", "--posix", "-cf", archive, "-C", workspace, ".paperdigest-cache", "_site"], check=True
    )


def restore_cache(archive: Path, workspace: Path, keep_mtimes: bool) -> None:
    if keep_mtimes:  # actions/cache
        subprocess.run(["tar", "-xf", archive, "-C", workspace], check=True)
        return
    unpacked = workspace.parent / "unpacked"
    shutil.rmtree(unpacked, ignore_errors=True)
    unpacked.mkdir()
    subprocess.run(["tar", "-xf", archive, "-C", unpacked], check=True)
    for name in (".paperdigest-cache", "_site"):  # copied without their mtimes, like `cp -r`
        shutil.copytree(unpacked / name, workspace / name, copy_function=shutil.copyfile)


def spying_pagefind(folder: Path, monkeypatch) -> Path:
    """The real Pagefind for the builds (PAGEFIND_BINARY_PATH), each run's `--site` folder logged
    first in the file returned."""
    from pagefind_bin_extended import get_executable

    log, script = folder / "pagefind-runs.log", folder / "pagefind_extended"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$2" >> "{log}"\nexec "{get_executable()}" "$@"\n', encoding="utf-8"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script))
    return log


def indexed_shards(log: Path) -> list[str]:
    """The shards Pagefind indexed: each run reads `<scratch>/<shard>/pages`."""
    runs = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return sorted(Path(site).parent.name for site in runs)


def bundle(workspace: Path, shard: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (workspace / "_site/pagefind" / shard).rglob("*") if p.is_file()}


def ci_build(workspace: Path) -> tuple[int, int, int]:
    """`paperdigest build --base-url ...` as the workflow runs it: (files rendered, written, pages)."""
    proc = run_cli("build", "--base-url", BASE_URL, "--profile", cwd=workspace, check=True)
    found = re.search(r"files: (\d+) rendered, (\d+) written, (\d+) pages", proc.stdout + proc.stderr)
    assert found, proc.stdout + proc.stderr
    return int(found[1]), int(found[2]), int(found[3])


@pytest.mark.parametrize(
    "keep_mtimes, next_workspace",
    [(True, "runner/work/repo"), (False, "runner/work/repo"), (True, "runner/work/renamed")],
    ids=["tar --posix", "copied without mtimes", "another workspace path"],
)
def test_a_push_renders_and_indexes_only_what_it_changed(tmp_path, monkeypatch, keep_mtimes, next_workspace):
    """GitHub's runners check out at the same path every run; a renamed repository, another CI
    service or a container mounts the site elsewhere: the cache finds its output folder by its path
    in the site folder, and no fingerprint holds the folder's own path."""
    source = sources(tmp_path / "repo")
    workspace = tmp_path / "runner/work/repo"
    local = tmp_path / "local"  # the same pushes built on one machine, the output never leaving it
    archive = tmp_path / "cache.tar"
    log = spying_pagefind(tmp_path, monkeypatch)

    checkout(source, workspace)
    rendered, _, pages = ci_build(workspace)
    assert indexed_shards(log) == ["2023", "2024"] and rendered >= pages
    save_cache(workspace, archive)
    first_2023 = bundle(workspace, "2023")
    checkout(source, local)
    ci_build(local)

    edited = source / "digests/2024-03-02-d.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Tangerine", "Quince"), encoding="utf-8")
    shutil.copy(edited, local / "digests")
    log.unlink()
    rendered_locally, written_locally, _ = ci_build(local)
    assert indexed_shards(log) == ["2024"]
    log.unlink()
    shutil.rmtree(workspace)
    workspace = tmp_path / next_workspace
    checkout(source, workspace)
    restore_cache(archive, workspace, keep_mtimes)
    rendered, written, pages = ci_build(workspace)

    assert indexed_shards(log) == ["2024"]
    assert (rendered, written) == (rendered_locally, written_locally) and written < pages
    assert bundle(workspace, "2023") == first_2023
    fresh = tmp_path / "fresh"
    checkout(source, fresh)
    run_cli("build", "--base-url", BASE_URL, cwd=fresh, check=True)
    assert site_tree(workspace / "_site") == site_tree(fresh / "_site")
    assert b"Quince" in (workspace / "_site/digests/2024-03-02-d/index.html").read_bytes()


def test_a_restored_file_with_other_bytes_of_the_same_size_is_made_again(tmp_path, monkeypatch):
    """Same size, new mtime: the hash decides, so a copy that kept the size but not the bytes
    (a hand edit) is not taken for the last build's file."""
    source = sources(tmp_path / "repo")
    workspace = tmp_path / "runner/work/repo"
    log = spying_pagefind(tmp_path, monkeypatch)
    checkout(source, workspace)
    ci_build(workspace)
    page = workspace / "_site/digests/2023-03-01-d/index.html"
    clean = page.read_bytes()
    page.write_bytes(clean.replace(b"Tangerine", b"Tangelos!"))
    log.unlink()
    rendered, _, _ = ci_build(workspace)
    assert page.read_bytes() == clean and rendered >= 1
    assert indexed_shards(log) == []  # the index was made from the page as it is again
