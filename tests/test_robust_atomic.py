"""Builds are atomic: an interrupted or failed build leaves the previous output exactly as it was
and no temporary folder behind; stale pages go; two builds of one input are byte-identical."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, like_a_terminal, run_cli, write_site

DIGESTS = 200


def digest(n: int) -> str:
    return f"""\
---
title: Digest {n}
date: 2023-{1 + n % 12:02d}-{1 + n % 28:02d}
tags: [topic-{n % 5}, all]
---
### 1、Paper {n} first

> 第 {n} 篇
>
> 《Paper {n} first》
>
> - URL：https://arxiv.org/abs/2301.{n:05d}
> - 单位：Lab {n % 7}、University {n % 3}

Math $x_{n}$ and `code` and a [link](/digests/d{n:03d}/).

### 2、Shared paper

> - URL：https://arxiv.org/abs/2302.00001
"""


def make_site(root: Path) -> Path:
    write_site(root, {f"d{n:03d}.md": digest(n) for n in range(1, DIGESTS + 1)})
    return root


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def without_index(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind writes some of its index files in varying order from one run to the next
    (upstream Pagefind/pagefind#638), so comparisons across builds leave pagefind/ out."""
    return {rel: data for rel, data in files.items() if not rel.startswith("pagefind/")}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("._site."))


def build(root: Path, *args: str):
    return run_cli("build", "--source", str(root), "--out", str(root / "_site"), *args)


def hold_rendering_at(root: Path, slug: str) -> None:
    """The digest page of `slug` spins (for hours) so the build is midway until the test acts."""
    theme = (REPO / "templates" / "digest.html").read_text(encoding="utf-8")
    held = theme.replace(
        '<div class="digest-body">',
        f"{{% if digest.slug == '{slug}' %}}{{% for _ in range(10**12) %}}{{% endfor %}}{{% endif %}}"
        '<div class="digest-body">',
    )
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "digest.html").write_text(held, encoding="utf-8")


def wait_for_pages(root: Path, proc: subprocess.Popen, count: int) -> None:
    """Until the running build has written `count` digest pages into its temporary folder."""
    deadline = time.monotonic() + 120  # a guard against hanging forever, not a timing assertion
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for tmp in root.glob("._site.tmp-*"):
            if len(list(tmp.glob("digests/*/index.html"))) >= count:
                return
        time.sleep(0.05)
    raise AssertionError("the build never got midway")


@pytest.mark.parametrize(
    "sig,code",
    [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["SIGTERM", "Ctrl-C", "SIGKILL"],
)
def test_killed_build_leaves_old_output_intact(tmp_path, sig, code):
    make_site(tmp_path)
    assert build(tmp_path).returncode == 0
    before = tree(tmp_path / "_site")
    assert len(before) > DIGESTS

    hold_rendering_at(tmp_path, "d100")  # digests render newest first: d200 ... d101 are written
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paperdigest",
            "build",
            "--source",
            str(tmp_path),
            "--out",
            str(tmp_path / "_site"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        preexec_fn=like_a_terminal,
    )
    try:
        wait_for_pages(tmp_path, proc, 100)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, stderr
    assert tree(tmp_path / "_site") == before, "the previous output changed"
    if sig == signal.SIGKILL:
        assert leftovers(tmp_path), "SIGKILL gives no chance to clean up"
    else:
        assert "previous output is unchanged" in stderr
        assert leftovers(tmp_path) == []

    shutil.rmtree(tmp_path / "templates")
    assert build(tmp_path).returncode == 0
    assert leftovers(tmp_path) == [], "the next build removes what a killed one left"
    assert without_index(tree(tmp_path / "_site")) == without_index(before)


def test_exception_midway_leaves_old_output_intact(tmp_path):
    make_site(tmp_path)
    assert build(tmp_path).returncode == 0
    before = tree(tmp_path / "_site")
    theme = (REPO / "templates" / "digest.html").read_text(encoding="utf-8")
    broken = theme.replace(
        "</article>", "{% if digest.slug == 'd050' %}{{ digest.no_such_field }}{% endif %}</article>"
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.html").write_text(broken, encoding="utf-8")
    proc = build(tmp_path)
    assert proc.returncode == 1
    assert "templates/digest.html" in proc.stderr and "no_such_field" in proc.stderr
    assert tree(tmp_path / "_site") == before
    assert leftovers(tmp_path) == []


def test_swap_interrupted_between_its_renames_is_undone(tmp_path):
    """A build killed between moving the old site aside and moving the new one in."""
    make_site(tmp_path)
    assert build(tmp_path).returncode == 0
    before = tree(tmp_path / "_site")
    os.replace(tmp_path / "_site", tmp_path / "._site.old-4242")
    (tmp_path / "._site.search-4242/shard-2023").mkdir(parents=True)  # Pagefind's, when killed indexing
    (tmp_path / "._site.search-4242/shard-2023/pagefind-entry.json").write_text("{}", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.html").write_text("{% if %}", encoding="utf-8")  # this build fails
    assert build(tmp_path).returncode == 1
    assert tree(tmp_path / "_site") == before
    assert leftovers(tmp_path) == []


def test_pages_of_removed_digests_are_gone_after_next_build(tmp_path):
    write_site(tmp_path, {"keep.md": digest(1), "drop.md": digest(2)})
    (tmp_path / "_site").mkdir()
    (tmp_path / "_site" / "by-hand.html").write_text("stale", encoding="utf-8")
    assert build(tmp_path).returncode == 0
    assert (tmp_path / "_site/digests/drop/index.html").exists()
    assert (tmp_path / "_site/papers/2301.00002/index.html").exists()
    (tmp_path / "digests" / "drop.md").unlink()
    assert build(tmp_path).returncode == 0
    assert (tmp_path / "_site/digests/keep/index.html").exists()
    assert not (tmp_path / "_site/digests/drop").exists()
    assert not (tmp_path / "_site/papers/2301.00002").exists()
    assert not (tmp_path / "_site/by-hand.html").exists()
    assert "drop" not in (tmp_path / "_site/papers.json").read_text(encoding="utf-8")


def test_two_builds_are_byte_identical(tmp_path):
    site = make_site(tmp_path / "site")
    for name in ("digests", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name, dirs_exist_ok=True)
    # Separate processes: a different hash seed each, so any set or dict ordering would show.
    assert run_cli("build", "--source", str(site), "--out", str(tmp_path / "one")).returncode == 0
    assert run_cli("build", "--source", str(site), "--out", str(tmp_path / "two")).returncode == 0
    one = without_index(tree(tmp_path / "one"))
    assert one == without_index(tree(tmp_path / "two"))
    assert run_cli("build", "--source", str(site), "--out", str(tmp_path / "one")).returncode == 0
    assert without_index(tree(tmp_path / "one")) == one
    assert len(one) > 2 * DIGESTS


@pytest.mark.parametrize("out", [".", "..", "digests/.."])
def test_output_folder_holding_the_sources_is_refused(tmp_path, out):
    site = write_site(tmp_path / "site", {"keep.md": digest(1)})
    proc = run_cli("build", "--source", str(site), "--out", str(site / out))
    assert proc.returncode == 1
    assert "the output folder must not contain the site's sources" in proc.stderr
    assert (site / "digests" / "keep.md").exists() and (site / "site.yaml").exists()
