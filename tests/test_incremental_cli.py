"""Edits as a user makes them, each followed by `paperdigest build` in a new process with the last
build's `.paperdigest-cache/` and `_site/` kept, compared with a clean build of the same sources
into a fresh folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import clean_build_tree, run_cli, site_tree, write_site

DIGEST = """\
---
title: {title}
cate1: paper
---

### 1、{title}

> 《{title}》
>
> - URL：https://arxiv.org/abs/{arxiv}

A summary.
"""


@pytest.fixture
def site(tmp_path) -> Path:
    root = write_site(
        tmp_path / "site",
        {
            "2024-01-01-a.md": DIGEST.format(title="Alpha", arxiv="2401.00001"),
            "2024-01-02-b.md": DIGEST.format(title="Beta", arxiv="2401.00002"),
        },
        "title: CLI edits\nbase_url: https://example.org/\nsearch: false\n",
    )
    (root / "static").mkdir()
    return root


def build(root: Path):
    return run_cli("build", "--source", str(root))


def leftovers(root: Path) -> list[str]:
    """Temporary or undo folders a build left beside its output."""
    return sorted(p.name for p in root.glob("._site.*"))


@pytest.mark.parametrize("with_digest_edit", [False, True], ids=["alone", "with-a-digest-edit"])
def test_a_static_folder_replaced_by_a_file_of_its_name_is_published(site, tmp_path, with_digest_edit):
    """static/img/ (a folder) turned into the file static/img: the commit removes img/a.png and
    replaces the folder img by a file. Both were moved aside to one place, so the build failed
    with `_site/img: error: cannot write the site: Directory not empty` (a traceback when no
    digest changed), and published nothing until the next build."""
    (site / "static/img").mkdir()
    (site / "static/img/a.png").write_bytes(b"an image")
    build(site).check_returncode()
    shutil.rmtree(site / "static/img")
    (site / "static/img").write_text("now a file\n")
    if with_digest_edit:
        (site / "digests/2024-01-01-a.md").write_text(DIGEST.format(title="Alpha 2", arxiv="2401.00001"))
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (site / "_site/img").read_text() == "now a file\n"
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)
    assert leftovers(site) == []


def test_a_static_file_replaced_by_a_folder_of_its_name_is_published(site, tmp_path):
    (site / "static/files").write_text("a file\n")
    build(site).check_returncode()
    (site / "static/files").unlink()
    (site / "static/files").mkdir()
    (site / "static/files/x.txt").write_text("in a folder\n")
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)
    assert leftovers(site) == []


def test_a_static_file_over_a_page_is_published_and_its_removal_brings_the_page_back(site, tmp_path):
    """A static file is copied over the page of its name, as a clean build does. Added while
    nothing else changed, the unchanged-site path kept the page instead; removed, it deleted
    robots.txt from the site (that path renders no page)."""
    build(site).check_returncode()
    (site / "static/robots.txt").write_text("User-agent: *\nDisallow: /\n")
    assert build(site).returncode == 0
    assert (site / "_site/robots.txt").read_text() == "User-agent: *\nDisallow: /\n"
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)
    (site / "static/robots.txt").unlink()
    assert build(site).returncode == 0
    assert "Sitemap:" in (site / "_site/robots.txt").read_text()
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)


def test_a_static_file_named_as_a_folder_of_pages_fails_and_keeps_the_site(site):
    """static/papers (a file) where the site has papers/<id>/index.html: a clean build fails
    (writing both cannot be done). An incremental build moved the folder papers/ aside for the
    file and published a site without its paper pages, with exit code 0."""
    build(site).check_returncode()
    before = site_tree(site / "_site")
    (site / "static/papers").write_text("a file\n")
    proc = build(site)
    assert proc.returncode == 1
    assert "_site/papers: error: cannot write the site" in proc.stderr and "Traceback" not in proc.stderr
    assert site_tree(site / "_site") == before
    assert leftovers(site) == []


def test_a_static_file_rewritten_within_its_mtime_granularity_is_copied_again(site, tmp_path):
    """A static file is known by its size and mtime; a file system keeps mtimes to a clock tick
    (1 s on HFS+ or a network share, 2 s on FAT), so a file rewritten with as many bytes within
    the tick of its copy looks unchanged, and stayed stale in every later build. Here both
    writes get one mtime no older than the copy, as such a file system (or a file server whose
    clock is ahead) gives them."""
    data = site / "static/data.txt"
    tick = time.time_ns() + 60 * 10**9
    data.write_text("AAAA")
    os.utime(data, ns=(tick, tick))
    build(site).check_returncode()
    data.write_text("BBBB")
    os.utime(data, ns=(tick, tick))
    assert build(site).returncode == 0
    assert (site / "_site/data.txt").read_text() == "BBBB"
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)


@pytest.mark.parametrize("jobs", ["2", "1"], ids=["checked-by-a-worker", "one-process"])
def test_an_older_output_restored_over_a_newer_cache_loses_what_the_newer_build_removed(site, tmp_path, jobs):
    """The output folder put back as an older build left it (a cache step restoring `_site` of
    another run, an output folder committed to git and checked out), while the cache holds the
    newer build: the pages of a digest deleted since stayed published, since an incremental build
    removed only the files its manifest listed."""
    (site / "digests/2024-01-03-c.md").write_text(DIGEST.format(title="Gamma", arxiv="2401.00003"))
    run_cli("build", "--source", str(site), "--jobs", jobs, check=True)
    older = tmp_path / "older"
    shutil.copytree(site / "_site", older)
    (site / "digests/2024-01-03-c.md").unlink()
    run_cli("build", "--source", str(site), "--jobs", jobs, check=True)
    shutil.rmtree(site / "_site")
    shutil.copytree(older, site / "_site")
    (site / "_site/.git").mkdir()  # the user's own, as when the output folder is a checkout
    (site / "_site/.git/HEAD").write_text("ref: refs/heads/gh-pages\n")
    proc = run_cli("build", "--source", str(site), "--jobs", jobs)
    assert proc.returncode == 0, proc.stderr
    tree = site_tree(site / "_site")
    assert not (site / "_site/papers/2401.00003").exists()
    assert {rel: data for rel, data in tree.items() if not rel.startswith(".git/")} == clean_build_tree(
        site, tmp_path
    )
    assert (site / "_site/.git/HEAD").is_file()


def test_a_clean_build_that_cannot_write_names_the_output_folder_not_its_staging_folder(site):
    """The same conflict in a first build: the message named `._site.tmp-<pid>/papers`, a folder
    the user never sees (it is gone when the build exits)."""
    (site / "static/papers").write_text("a file\n")
    proc = build(site)
    assert proc.returncode == 1
    assert "_site/papers: error: cannot write the site" in proc.stderr, proc.stderr
    assert ".tmp-" not in proc.stderr
    assert not (site / "_site").exists() and leftovers(site) == []


@pytest.mark.parametrize("jobs", ["2", "1"], ids=["checked-by-a-worker", "one-process"])
def test_a_file_put_in_the_output_by_hand_goes_when_nothing_else_changed(site, tmp_path, jobs):
    """A build with nothing to do only checked the files it wrote: one put beside them stayed
    published, where a clean build has none."""
    run_cli("build", "--source", str(site), "--jobs", jobs, check=True)
    (site / "_site/digests/by-hand.html").write_text("not the site's\n")
    run_cli("build", "--source", str(site), "--jobs", jobs, check=True)
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)
