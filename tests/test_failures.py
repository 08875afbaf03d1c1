"""One failure rule for build, check and serve: an error excludes its digest (whose last good
version stays published) and fails the build; configuration that points at nothing exits 2 and
touches nothing; the published folder changes all at once or not at all."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli, site_tree, write_site
from paperdigest.build import Builder, BuildError
from paperdigest.incremental import output as output_module
from paperdigest.incremental.output import SiteOutput, Undo


def digest(title: str, body: str, arxiv: str = "2401.00001") -> str:
    return (
        f"---\ntitle: {title}\n---\n\n### 1、A Paper\n\n> 《A Paper》\n>\n"
        f"> - URL：https://arxiv.org/abs/{arxiv}\n\n{body}\n"
    )


@pytest.fixture
def site(tmp_path) -> Path:
    return write_site(
        tmp_path / "site",
        {
            "2024-01-01-a.md": digest("First", "First body."),
            "2024-01-02-b.md": digest("Second", "Second body.", "2401.00002"),
        },
        "title: Failures\nsearch: false\n",
    )


def page(site: Path, slug: str) -> str:
    return (site / "_site" / "digests" / slug / "index.html").read_text(encoding="utf-8")


BROKEN = "---\ntitle: [unclosed\n---\n\nBroken body.\n"


def test_a_digest_with_an_error_fails_the_build_and_keeps_its_last_good_pages(site):
    run_cli("build", "--source", str(site), check=True)
    (site / "digests/2024-01-01-a.md").write_text(BROKEN)
    (site / "digests/2024-01-02-b.md").write_text(digest("Second", "Second body, edited.", "2401.00002"))
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1
    assert "digests/2024-01-01-a.md:2: error: front matter" in proc.stderr
    assert ", 1 errors, " in proc.stdout
    assert "First body." in page(site, "2024-01-01-a") and "Broken body." not in page(site, "2024-01-01-a")
    assert "Second body, edited." in page(site, "2024-01-02-b")  # the rest of the site is built

    checked = run_cli("check", "--source", str(site))  # check gives it the same level
    assert checked.returncode == 1 and "digests/2024-01-01-a.md:2: error: front matter" in checked.stdout

    (site / "digests/2024-01-01-a.md").write_text(digest("First", "Fixed body."))
    assert run_cli("build", "--source", str(site)).returncode == 0
    assert "Fixed body." in page(site, "2024-01-01-a")


def test_a_digest_that_never_built_cleanly_is_left_out_and_fails_the_build(site):
    (site / "digests/2024-01-03-c.md").write_text(BROKEN)
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1
    assert not (site / "_site/digests/2024-01-03-c").exists()
    assert "First body." in page(site, "2024-01-01-a")


def test_the_dev_server_builder_keeps_the_last_good_version_in_memory(site):
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    path = site / "digests/2024-01-01-a.md"
    path.write_text(BROKEN)
    result = builder.rebuild({path})
    assert result.errors == 1 and "First body." in page(site, "2024-01-01-a")


@pytest.mark.parametrize(
    "config",
    [
        "digests_dir: digest\n",  # a typo
        "templates_dir: my-templates\n",
        "static_dir: assets-missing\n",
        "katex:\n  local_dir: /nonexistent/katex\n",
        "math:\n  katex_js: nowhere/katex.min.js\n",
    ],
)
def test_configuration_that_points_at_nothing_exits_2_and_touches_nothing(site, config):
    run_cli("build", "--source", str(site), check=True)
    before = site_tree(site / "_site")
    (site / "site.yaml").write_text("title: Failures\nsearch: false\n" + config)
    proc = run_cli("build", "--source", str(site), "--strict")
    assert proc.returncode == 2, proc.stderr
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert site_tree(site / "_site") == before


def test_an_emptied_digests_folder_does_not_replace_the_published_site(site):
    run_cli("build", "--source", str(site), check=True)
    before = site_tree(site / "_site")
    for path in (site / "digests").iterdir():
        path.unlink()
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 2 and "the last build had 2" in proc.stderr
    assert site_tree(site / "_site") == before


def test_a_failure_while_moving_files_into_place_leaves_the_previous_output_byte_for_byte(site, monkeypatch):
    Builder(site, site / "_site", jobs=1).build()
    before = site_tree(site / "_site")
    for path in (site / "digests").iterdir():
        path.write_text(path.read_text().replace("body.", "body, edited."))
    (site / "digests/2024-01-03-c.md").write_text(digest("Third", "New.", "2401.00003"))
    replace = os.replace

    def failing(src, dst, *args, **kwargs):  # as if papers/ could not be written
        if "/papers/" in str(dst) and ".tmp-" in str(src):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(output_module.os, "replace", failing)
    with pytest.raises(BuildError) as failure:
        Builder(site, site / "_site", jobs=1).build()
    assert "Permission denied" in str(failure.value) and "previous output is unchanged" in str(failure.value)
    assert site_tree(site / "_site") == before
    assert not list(site.glob(".*_site.*-*"))  # no temporary or undo folder left
    monkeypatch.undo()
    Builder(site, site / "_site", jobs=1).build()
    assert "body, edited." in page(site, "2024-01-02-b")


def test_a_commit_killed_halfway_is_undone_before_the_next_build_writes(site, monkeypatch):
    Builder(site, site / "_site", jobs=1).build()
    before = site_tree(site / "_site")
    for path in (site / "digests").iterdir():
        path.write_text(path.read_text().replace("body.", "body, edited."))
    moves = []
    replace = os.replace

    def killed(src, dst, *args, **kwargs):  # the process dies after a few moves: nothing is undone
        if len(moves) == 3:
            raise SystemExit(137)
        moves.append(dst)
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(output_module.os, "replace", killed)
    monkeypatch.setattr(Undo, "roll_back", lambda self: None)
    with pytest.raises(SystemExit):
        Builder(site, site / "_site", jobs=1).build()
    assert site_tree(site / "_site") != before  # half moved
    monkeypatch.undo()
    with SiteOutput(site / "_site", None):  # what the next build does first
        assert site_tree(site / "_site") == before


@pytest.mark.parametrize("killed", [False, True], ids=["failed", "killed"])
@pytest.mark.parametrize("moves", range(5))
def test_a_commit_that_turns_files_into_folders_and_back_is_undone_at_any_move(
    site, monkeypatch, moves, killed
):
    """static/img/a.png removed and a file static/img written; the file static/f removed and
    static/f/g written. The commit's five moves (two aside, one aside and in, two in) are
    interrupted after `moves` of them: a failure puts the old files back at once, a killed build
    leaves that to the next one. Either way the old output comes back, files and folders as
    they were (when both went to one place aside, the move of the folder img failed)."""
    (site / "static/img").mkdir(parents=True)
    (site / "static/img/a.png").write_text("a")
    (site / "static/f").write_text("f")
    Builder(site, site / "_site", jobs=1).build()
    before = site_tree(site / "_site")
    shutil.rmtree(site / "static/img")
    (site / "static/img").write_text("now a file")
    (site / "static/f").unlink()
    (site / "static/f").mkdir()
    (site / "static/f/g").write_text("g")
    done = []
    replace = os.replace

    def interrupted(src, dst, *args, **kwargs):
        if len(done) == moves:
            raise SystemExit(137) if killed else OSError(errno.ENOSPC, "No space left on device", str(dst))
        done.append(dst)
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(output_module.os, "replace", interrupted)
    if killed:
        monkeypatch.setattr(Undo, "roll_back", lambda self: None)
    with pytest.raises(SystemExit if killed else BuildError):
        Builder(site, site / "_site", jobs=1).build()
    monkeypatch.undo()
    with SiteOutput(site / "_site", None):  # what the next build does first
        assert site_tree(site / "_site") == before
    assert not list(site.glob(".*_site.undo-*"))
    Builder(site, site / "_site", jobs=1).build()
    assert (site / "_site/img").read_text() == "now a file" and (site / "_site/f/g").read_text() == "g"


def test_an_output_folder_that_cannot_be_made_is_one_message(site, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run_cli("build", "--source", str(site), "--out", str(blocker / "site"))
    assert proc.returncode == 1
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr


def test_builds_into_one_folder_at_the_same_time_take_turns(site, tmp_path):
    """Each build holds the folder's lock while it prepares and moves its files: neither removes
    the other's temporary folder, and the result is what one build writes."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "paperdigest", "build", "--source", str(site), "--jobs", "1"]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(4)]
    outcomes = [(run.wait(timeout=300), run.stderr.read().decode()) for run in runs]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    clean = tmp_path / "clean"
    Builder(site, clean, jobs=1).build()
    assert site_tree(site / "_site") == site_tree(clean)


def test_slugs_that_differ_only_in_case_get_their_own_folders_with_a_warning(tmp_path):
    site = write_site(
        tmp_path / "site",
        {"x-dup.md": digest("One", "One."), "x-DUP.md": digest("Two", "Two.", "2401.00002")},
        "title: Case\nsearch: false\n",
    )
    proc = run_cli("build", "--source", str(site))
    assert "differs only in case" in proc.stderr
    folders = sorted(p.name for p in (site / "_site/digests").iterdir() if p.is_dir())
    assert len({name.lower() for name in folders}) == len(folders) == 2


@pytest.mark.parametrize(
    "named, words",
    [
        ("notkatex.js", "is no KaTeX script (it names no KaTeX version)"),
        ("kdir", "holds no katex.min.js"),
    ],
)
def test_a_katex_js_that_is_no_katex_exits_2_and_touches_nothing(site, named, words):
    """The bundled KaTeX typeset the site without a word in place of the one site.yaml named."""
    run_cli("build", "--source", str(site), check=True)
    before = site_tree(site / "_site")
    (site / "notkatex.js").write_text("console.log('not KaTeX');\n", encoding="utf-8")
    (site / "kdir").mkdir()
    (site / "site.yaml").write_text(f"title: Failures\nsearch: false\nmath:\n  katex_js: {named}\n")
    for command in ("build", "check"):
        proc = run_cli(command, "--source", str(site))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"site.yaml:4: error: math.katex_js: {site / named}" in proc.stdout + proc.stderr
        assert words in proc.stdout + proc.stderr
    assert site_tree(site / "_site") == before
