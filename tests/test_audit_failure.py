"""Failure semantics, tried from outside with the real CLI: a failed or misconfigured build never
publishes the wrong thing, never loses a source file, and says what went wrong in one located
message (no traceback); the next build writes what a clean build writes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, clean_build_tree, run_cli, site_tree, write_site
from paperdigest import katex_engine
from paperdigest.build import Builder, BuildError
from paperdigest.incremental.cache import BuildCache
from test_robust_atomic import hold_rendering_at, wait_for_pages
from test_robust_workers import alive, processes_below


def digest(title: str, body: str, arxiv: str = "2401.00001") -> str:
    return (
        f"---\ntitle: {title}\n---\n\n### 1、A Paper\n\n> 《A Paper》\n>\n"
        f"> - URL：https://arxiv.org/abs/{arxiv}\n\n{body}\n"
    )


DIGESTS = {
    "2024-01-01-a.md": digest("First", "First body."),
    "2024-01-02-b.md": digest("Second", "Second body.", "2401.00002"),
}


def sources(site: Path) -> dict[str, bytes]:
    """Every file of the site folder but the build's own (cache, output)."""
    return {
        rel: data
        for rel, data in site_tree(site).items()
        if not rel.startswith((".paperdigest-cache/", "_site/"))
    }


@pytest.mark.parametrize(
    "setting,folder",
    [
        ("digests_dir: _site", "_site"),
        ("digests_dir: _site/notes", "_site/notes"),
        ("static_dir: _site", "_site"),
        ("templates_dir: _site/theme", "_site/theme"),
    ],
)
def test_a_source_folder_inside_the_output_folder_is_refused_and_kept(tmp_path, setting, folder):
    """The output folder is replaced by each build: a source folder inside it was deleted with the
    old output by the first build (`digests_dir: _site` lost every digest, exit code 0)."""
    site = write_site(tmp_path / "site", {}, f"title: T\nsearch: false\n{setting}\n")
    (site / folder).mkdir(parents=True)
    for name, text in DIGESTS.items():
        (site / folder / name).write_text(text, encoding="utf-8")
    before = sources(site)
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1, proc.stderr
    key = setting.split(":")[0]
    assert f"error: the output folder must not contain the site's sources ({key}: " in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sources(site) == before, "a source file was deleted"


@pytest.mark.parametrize("out", ["digests/www", "static/www", "templates/www", "digests/sub/www"])
def test_an_output_folder_inside_a_source_folder_is_refused(tmp_path, out):
    """An output inside a source folder was read back as sources by the next build: static/www
    copied the last site into the new one (growing with every build), templates/www warned about
    every page as an unused template, digests/www listed every page as a file that is no digest."""
    site = write_site(tmp_path / "site", DIGESTS, "title: T\nsearch: false\n")
    (site / "static").mkdir()
    (site / "templates").mkdir()
    (site / "digests/sub").mkdir()
    before = sources(site)
    for _ in range(2):
        proc = run_cli("build", "--source", str(site), "--out", str(site / out))
        assert proc.returncode == 1, proc.stderr
        assert "error: the output folder must not be inside " in proc.stderr
        assert f"{out.split('/')[0]}_dir" in proc.stderr
        assert not (site / out).exists()
        assert sources(site) == before


def test_digests_at_the_site_root_still_build_into_its_own_output_folder(tmp_path):
    """`digests_dir: .`: the output folder `_site` is inside the digests folder, but finding
    digests skips `_` and hidden folders, so the build never reads it back."""
    site = write_site(tmp_path / "site", {}, "title: T\nsearch: false\ndigests_dir: .\n")
    for name, text in DIGESTS.items():
        (site / name).write_text(text, encoding="utf-8")
    for _ in range(2):
        proc = run_cli("build", "--source", str(site))
        assert proc.returncode == 0, proc.stderr
    assert (site / "_site/digests/2024-01-01-a/index.html").exists()
    assert not (site / "_site/digests/_site").exists()


def test_a_search_index_that_failed_is_made_by_the_next_build(tmp_path, monkeypatch):
    """Pagefind failed (a warning; the rest of the site is published), and the next build, with
    Pagefind working, found nothing changed: it published no search index and repeated the old
    warning, build after build, until a digest changed."""
    site = write_site(tmp_path / "site", DIGESTS, "title: T\nbase_url: https://example.org/\n")
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'pagefind: out of memory' >&2\nexit 3\n", encoding="utf-8")
    failing.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing))
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stderr
    assert "warning: search index not built: RuntimeError: pagefind: out of memory" in proc.stderr
    assert json.loads((site / "_site/pagefind/shards.json").read_text(encoding="utf-8"))["shards"] == []

    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stderr
    assert "search index not built" not in proc.stderr
    shards = json.loads((site / "_site/pagefind/shards.json").read_text(encoding="utf-8"))
    assert shards["shards"], "no search index was made"
    for name in shards["shards"]:
        assert (site / "_site/pagefind" / name / "pagefind-entry.json").is_file()
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)


def test_a_render_worker_killed_midway_is_one_message_and_keeps_the_old_output(tmp_path):
    """A render worker killed (the kernel's out-of-memory killer) stopped the build with a
    traceback (`RuntimeError: a render worker died (exit code -9)`), not the one-line error of
    every other failure."""
    site = write_site(
        tmp_path / "site",
        {
            f"2024-01-{n % 28 + 1:02}-d{n:03}.md": digest(f"D {n}", f"Body {n}.", f"2401.{n:05}")
            for n in range(80)
        },
        "title: T\nsearch: false\nbase_url: https://example.org/\n",
    )
    assert run_cli("build", "--source", str(site)).returncode == 0
    before = site_tree(site / "_site")
    for path in (site / "digests").iterdir():
        path.write_text(path.read_text(encoding="utf-8").replace("Body", "Edited body"), encoding="utf-8")
    hold_rendering_at(site, "2024-01-01-d000")  # its worker renders it for hours
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "build", "--source", str(site), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    try:
        wait_for_pages(site, proc, 10)
        workers, _ = processes_below(proc.pid)
        assert workers, "no render worker"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, stderr
    assert "error: a render worker died (killed by SIGKILL, e.g. for lack of memory)" in stderr
    assert "Traceback" not in stderr
    assert site_tree(site / "_site") == before
    assert not [pid for pid in workers if alive(pid)]

    shutil.rmtree(site / "templates")
    assert run_cli("build", "--source", str(site)).returncode == 0
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)


def test_a_corrupt_build_cache_is_one_message_and_keeps_the_old_output(tmp_path):
    """A cache file damaged (a CI cache restored cut short, a disk error) stopped the build with a
    traceback of SQLite's `database disk image is malformed`; a full disk did the same with `disk
    I/O error`. One located message now says what failed and how to start afresh."""
    site = write_site(tmp_path / "site", DIGESTS, "title: T\nsearch: false\n")
    assert run_cli("build", "--source", str(site)).returncode == 0
    before = site_tree(site / "_site")
    database = site / ".paperdigest-cache/cache.sqlite"
    damaged = bytearray(database.read_bytes())
    for page in range(4096, len(damaged), 4096):  # every page but the first (the schema) overwritten
        damaged[page : page + 100] = b"\xff" * 100
    database.write_bytes(damaged)
    (site / "digests/2024-01-01-a.md").write_text(digest("First", "Edited."), encoding="utf-8")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1, proc.stderr
    assert (
        ".paperdigest-cache/cache.sqlite: error: the build cache failed: database disk image is malformed"
        in proc.stderr
    )
    assert "Traceback" not in proc.stderr
    assert site_tree(site / "_site") == before

    shutil.rmtree(site / ".paperdigest-cache")  # as the message says
    assert run_cli("build", "--source", str(site)).returncode == 0
    assert "Edited." in (site / "_site/digests/2024-01-01-a/index.html").read_text(encoding="utf-8")


def test_a_cache_that_cannot_record_a_committed_build_fails_it_and_the_next_build_mends(
    tmp_path, monkeypatch
):
    """The disk fills up after the new site was moved into place, while the cache records it: the
    site is whole and new, the build fails with one message (not a traceback), and the next build,
    finding no record of it, writes what a clean build writes."""
    site = write_site(tmp_path / "site", DIGESTS, "title: T\nsearch: false\n")
    Builder(site, jobs=1).build()
    (site / "digests/2024-01-01-a.md").write_text(digest("First", "Edited."), encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(BuildCache, "put_manifest", disk_full)
    result = Builder(site, jobs=1).build()
    assert [str(p) for p in result.problems if p.level == "error"] == [
        ".paperdigest-cache/cache.sqlite: error: the build cache could not record this build: disk I/O error;"
        " the site was written, the next build checks it all"
    ]
    assert "Edited." in (site / "_site/digests/2024-01-01-a/index.html").read_text(encoding="utf-8")
    monkeypatch.undo()
    assert Builder(site, jobs=1).build().errors == 0
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)


def as_user(*args: str) -> subprocess.CompletedProcess:
    """`paperdigest ARGS` as a user without the right to read every file: root (as in CI's
    containers) reads a file of mode 000, unless the command runs without CAP_DAC_OVERRIDE."""
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*drop, sys.executable, "-m", "paperdigest", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(REPO / "src")},
    )


def test_an_unreadable_image_is_an_error_at_its_line_and_the_rest_of_the_site_builds(tmp_path):
    """An image a digest names that cannot be read failed a clean build whole (`digests/images/a.png:
    error: cannot write the site: Permission denied`: no line, a read called a write, no digest
    published), while an incremental build kept the old copy and exited 0. It is an error at the
    digest's line in both, and in check; the rest of the site is built."""
    text = "---\ntitle: Figures\n---\n\nSee the figure.\n\n![plot](images/a.png)\n"
    site = write_site(tmp_path / "site", {**DIGESTS, "2024-01-03-c.md": text}, "title: T\nsearch: false\n")
    image = site / "digests/images/a.png"
    image.parent.mkdir()
    image.write_bytes(b"\x89PNG\r\n")
    assert as_user("build", "--source", str(site)).returncode == 0
    image.chmod(0)
    (site / "digests/2024-01-03-c.md").write_text(text.replace("See the", "See this"), encoding="utf-8")
    (site / "digests/2024-01-01-a.md").write_text(digest("First", "Edited."), encoding="utf-8")
    expected = "digests/2024-01-03-c.md:7: error: image images/a.png cannot be read (Permission denied): not published"

    built = as_user("build", "--source", str(site))
    assert built.returncode == 1, built.stderr
    assert expected in built.stderr.splitlines() and "Traceback" not in built.stderr
    assert "See this figure." in (site / "_site/digests/2024-01-03-c/index.html").read_text(encoding="utf-8")
    assert "Edited." in (site / "_site/digests/2024-01-01-a/index.html").read_text(encoding="utf-8")
    checked = as_user("check", "--source", str(site))
    assert checked.returncode == 1 and expected in checked.stdout.splitlines()
    fresh = tmp_path / "fresh"  # a clean build (CI without a cache) says the same and builds the same
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site"))
    clean = as_user("build", "--source", str(fresh))
    assert clean.returncode == 1 and expected in clean.stderr.splitlines()
    assert site_tree(fresh / "_site") == site_tree(site / "_site")

    image.chmod(0o644)
    assert as_user("build", "--source", str(site)).returncode == 0
    assert (site / "_site/digests/images/a.png").read_bytes() == b"\x89PNG\r\n"


def test_a_katex_engine_that_fails_publishes_nothing_and_poisons_no_cache(tmp_path, monkeypatch):
    """V8 failing (out of memory, a KaTeX that does not load) left every formula of the digests
    parsed meanwhile as source with a warning per formula, exit 0, and cached those digests so:
    later builds, the engine well again, published them untypeset until each digest was edited.
    Now the build stops with one error, and the next one typesets every formula."""
    math = "---\ntitle: Math\n---\n\nEnergy $E = mc^2$ and\n\n$$\\int_0^1 x\\,dx$$\n"
    site = write_site(tmp_path / "site", {**DIGESTS, "2024-01-03-m.md": math}, "title: T\nsearch: false\n")
    Builder(site, jobs=1).build()
    before = site_tree(site / "_site")
    (site / "digests/2024-01-03-m.md").write_text(
        math.replace("Energy $E = mc^2$", "Mass-energy $E_0 = mc^2$"), encoding="utf-8"
    )

    def out_of_memory(script):
        raise RuntimeError("V8: out of memory\n<anonymous>:1 (the script's source)")

    monkeypatch.setattr(katex_engine, "load_katex", out_of_memory)
    monkeypatch.setattr(katex_engine, "_engines", {})  # not the engine kept from the first build
    with pytest.raises(BuildError) as failure:
        Builder(site, jobs=1).build()
    assert str(failure.value).startswith("site.yaml: error: the KaTeX engine failed (")
    assert str(failure.value).endswith("katex.min.js): V8: out of memory; the previous output is unchanged")
    assert site_tree(site / "_site") == before
    monkeypatch.undo()

    result = Builder(site, jobs=1).build()
    assert (result.errors, result.warnings) == (0, 0), result.problems
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)
    page = (site / "_site/digests/2024-01-03-m/index.html").read_text(encoding="utf-8")
    assert "Mass-energy" in page and "<math" in page


@pytest.mark.parametrize("out", ["notes.txt", "_site"])
def test_an_output_folder_that_is_a_file_is_refused_and_the_file_kept(tmp_path, out):
    """`--out notes.txt` naming a file (or a file called _site): the build moved the file aside,
    put the site in its place and exited 0; the file was left hidden as `.notes.txt.old-<pid>`."""
    site = write_site(tmp_path / "site", DIGESTS, "title: T\nsearch: false\n")
    (site / out).write_text("my notes\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(site), "--out", str(site / out))
    assert proc.returncode == 1, proc.stderr
    assert f"{site / out}: error: the output folder is a file" in proc.stderr
    assert (site / out).read_text(encoding="utf-8") == "my notes\n"
    assert not list(site.glob(f".{out}.*"))
