"""`init`, `new` and `check` as a new user runs them: the real CLI in a subprocess, following the
README's quick start in fresh folders, with the arguments users paste."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys

import pytest

from conftest import REPO, run_cli, write_site
from paperdigest.install_spec import PLACEHOLDER

DATE = "2023-05-03"


@pytest.fixture
def site(tmp_path):
    """A site made by `paperdigest init` (with an install spec, so it prints no advice)."""
    root = tmp_path / "mysite"
    run_cli("init", str(root), "--install", "paperdigest==1.0.0", check=True)
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- --source that names nothing


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_a_source_folder_that_does_not_exist_exits_2_and_creates_nothing(tmp_path, command):
    """A misspelt --source used to build (and create) an empty site there and exit 0."""
    missing = tmp_path / "mysiet"
    args = [command, "--source", str(missing)]
    if command == "serve":
        args += ["--port", str(free_port())]
    proc = run_cli(*args, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{missing}: error: no such folder" in proc.stderr and "Traceback" not in proc.stderr
    assert not missing.exists()


def test_a_source_that_is_a_file_exits_2(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(notes))
    assert proc.returncode == 2 and f"{notes}: error: not a folder" in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


# ---------------------------------------------------------------- run from a subfolder of the site


def test_new_build_and_check_from_a_subfolder_work_on_the_site(site):
    """`cd digests && paperdigest new ID` wrote digests/digests/...; `build` made digests/_site."""
    inside = site / "digests"
    proc = run_cli("new", "--date", DATE, "2304.15004", cwd=inside)
    assert proc.returncode == 0, proc.stderr
    made = site / "digests" / f"{DATE}-paper-digest.md"
    assert made.is_file() and not (inside / "digests").exists()
    assert made.resolve() == (inside / proc.stdout.split("created ", 1)[1].strip()).resolve()

    proc = run_cli("check", "--format", "json", cwd=inside)
    paths = {p["path"] for p in json.loads(proc.stdout)}
    assert f"digests/{DATE}-paper-digest.md" in paths, proc.stdout  # the placeholder warnings

    proc = run_cli("build", "--base-url", "https://me.github.io/mysite/", cwd=inside)
    assert proc.returncode == 0, proc.stderr
    assert (site / "_site" / "digests" / f"{DATE}-paper-digest" / "index.html").is_file()
    assert sorted(p.name for p in inside.iterdir()) == sorted(
        [f"{DATE}-paper-digest.md", f"{dt.date.today() - dt.timedelta(days=1)}-paper-digest.md"]
    )


def test_an_explicit_source_is_used_as_given(site):
    """Only the default `.` looks upward: --source names the site folder, site.yaml or not."""
    inside = site / "digests"
    proc = run_cli("check", "--source", ".", "--format", "json", cwd=inside)
    assert proc.returncode == 0 and not (inside / "_site").exists()
    # A folder of no digests and no site.yaml: only the warning any site without base_url gets.
    assert [(p["path"], p["message"][:17]) for p in json.loads(proc.stdout)] == [
        ("site.yaml", "base_url is empty")
    ]


def test_new_outside_any_site_writes_nothing_and_says_what_to_do(tmp_path):
    """It used to create digests/ in whatever folder it ran in (the home folder, a download)."""
    proc = run_cli("new", "2304.15004", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr  # pointed at no site, as build and check
    assert "site.yaml" in proc.stderr and "paperdigest init" in proc.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- new: the ids users paste


@pytest.mark.parametrize(
    "pasted",
    [
        "2304.15004",
        "2304.15004v2",
        "arXiv:2304.15004v2",
        "arxiv: 2304.15004",
        "https://arxiv.org/abs/2304.15004",
        "https://arxiv.org/abs/2304.15004v3/",
        "https://arxiv.org/abs/2304.15004?context=cs",
        "https://arxiv.org/pdf/2304.15004.pdf",
        "https://arxiv.org/pdf/2304.15004v2.pdf",
        "https://arxiv.org/html/2304.15004v1#S2",
        "arxiv.org/abs/2304.15004",
        "https://doi.org/10.48550/arXiv.2304.15004",
    ],
)
def test_new_reads_every_form_of_one_id(site, pasted):
    proc = run_cli("new", "--date", DATE, pasted, cwd=site)
    assert proc.returncode == 0, proc.stderr
    text = (site / "digests" / f"{DATE}-paper-digest.md").read_text(encoding="utf-8")
    assert "> - URL：https://arxiv.org/abs/2304.15004\n" in text


@pytest.mark.parametrize(
    ("pasted", "canonical"),
    [("hep-th/9901001", "hep-th/9901001"), ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
     ("0704.0001", "0704.0001"), ("https://arxiv.org/abs/1412.6980", "1412.6980")],
)  # fmt: skip
def test_new_reads_old_style_and_four_digit_ids(site, pasted, canonical):
    proc = run_cli("new", "--date", DATE, pasted, cwd=site)
    assert proc.returncode == 0, proc.stderr
    text = (site / "digests" / f"{DATE}-paper-digest.md").read_text(encoding="utf-8")
    assert f"> - URL：https://arxiv.org/abs/{canonical}\n" in text


@pytest.mark.parametrize(
    "pasted",
    [
        "2304.150041",  # a digit too many: it made a card for 2304.15004, another paper
        "arXiv:2304.150041",
        "https://arxiv.org/abs/2304.150041",
        "https://arxiv.org/abs/2304.15004x",
        "arXiv:2304.15004 arXiv:2305.10601",  # two ids in one argument: the second was dropped
        "https://arxiv.org/abs/2304.15004,https://arxiv.org/abs/2305.10601",
        "2304.1500",  # a digit short: ids from 2015 on have five digits after the dot
        "https://arxiv.org/abs/2304.1500",
        "1412.69801",  # and those before, four
        "2313.00001",  # no month 13
        "0612.1234",  # new-style ids start in April 2007
        "hep-th/9913001",
    ],
)
def test_new_refuses_an_id_that_is_not_one_arxiv_id(site, pasted):
    proc = run_cli("new", "--date", DATE, "2305.10601", pasted, cwd=site)
    assert proc.returncode == 1, proc.stdout
    assert repr(pasted) in proc.stderr and "Traceback" not in proc.stderr
    assert not (site / "digests" / f"{DATE}-paper-digest.md").exists()


# ---------------------------------------------------------------- check --format json


@pytest.mark.parametrize(("config", "line"), [("title: x\nfoo: 1\n", 2), ("title: ok\nper_page: [1\n", 2)])
def test_check_json_reports_an_invalid_site_yaml_as_json(tmp_path, config, line):
    """A tool reading `check --format json` got an empty stdout when site.yaml was invalid."""
    (tmp_path / "site.yaml").write_text(config, encoding="utf-8")
    proc = run_cli("check", "--source", str(tmp_path), "--format", "json")
    assert proc.returncode == 2
    (problem,) = json.loads(proc.stdout)
    assert set(problem) == {"path", "line", "level", "message"}
    # Named from the site folder, as every other problem check lists.
    assert problem["path"] == "site.yaml" and problem["line"] == line
    assert problem["level"] == "error" and problem["message"] and ": error: " not in problem["message"]
    assert str(tmp_path / "site.yaml") in proc.stderr  # and the text, for a person


def test_check_json_of_a_missing_source_folder_is_json(tmp_path):
    proc = run_cli("check", "--source", str(tmp_path / "nope"), "--format", "json")
    assert proc.returncode == 2
    (problem,) = json.loads(proc.stdout)
    assert (problem["path"], problem["line"], problem["level"]) == (str(tmp_path / "nope"), None, "error")
    assert problem["message"].startswith("no such folder")


# ---------------------------------------------------------------- init's next step


def test_init_prints_a_next_command_that_works_in_a_shell(tmp_path):
    """`next: cd my site && ...` split the folder name in two in the user's shell."""
    proc = run_cli("init", "my site's digests", "--install", "paperdigest==1.0.0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith("next: ")]
    command = line.removeprefix("next: ").split(" && ")[0]
    shell = subprocess.run(["bash", "-c", f"{command} && pwd"], cwd=tmp_path, capture_output=True, text=True)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip() == str(tmp_path / "my site's digests")


def test_init_in_the_current_folder_prints_no_cd(tmp_path):
    proc = run_cli("init", "--install", "paperdigest==1.0.0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "next: paperdigest serve" in proc.stdout and "cd ." not in proc.stdout


# ---------------------------------------------------------------- the first push: what the workflow installs


def test_check_warns_while_requirements_txt_holds_the_placeholder_init_wrote(tmp_path):
    """`pip install .` from a clone (the quick start's other way) gives a requirements.txt whose
    last line the Pages workflow cannot install; init says so once, and check said nothing after."""
    root = tmp_path / "mysite"
    run_cli("init", str(root), "--install", PLACEHOLDER, check=True)
    requirements = root / "requirements.txt"
    lines = requirements.read_text(encoding="utf-8").splitlines()
    proc = run_cli("check", "--format", "json", cwd=root)
    found = [p for p in json.loads(proc.stdout) if p["path"] == "requirements.txt"]
    assert [(p["line"], p["level"]) for p in found] == [(len(lines), "warning")], proc.stdout
    assert "Install paperdigest" in found[0]["message"] and "paperdigest==" in found[0]["message"]
    assert proc.returncode == 0 and run_cli("check", "--strict", cwd=root).returncode == 1

    requirements.write_text("\n".join([*lines[:-1], "paperdigest==1.0.0"]) + "\n", encoding="utf-8")
    proc = run_cli("check", "--format", "json", cwd=root)
    assert [p for p in json.loads(proc.stdout) if p["path"] == "requirements.txt"] == []


# ---------------------------------------------------------------- init in a clone of a new GitHub repository

GITHUB_TEMPLATE = "# Byte-compiled / optimized / DLL files\n__pycache__/\n*.py[cod]\n\n.venv\n"


def test_init_in_a_clone_with_a_gitignore_adds_its_lines_to_it(tmp_path):
    """A repository made on GitHub with a .gitignore template, cloned: init refused the whole site
    ("not overwriting existing .gitignore") and wrote nothing."""
    clone = tmp_path / "mysite"
    clone.mkdir()
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    (clone / ".gitignore").write_text(GITHUB_TEMPLATE, encoding="utf-8")
    (clone / "README.md").write_text("# mysite\n", encoding="utf-8")
    proc = run_cli("init", str(clone), "--install", "paperdigest==1.0.0")
    assert proc.returncode == 0, proc.stderr
    assert (clone / "site.yaml").is_file() and (clone / ".github/workflows/pages.yml").is_file()
    assert f"updated {clone / '.gitignore'}" in proc.stdout
    text = (clone / ".gitignore").read_text(encoding="utf-8")
    assert text.startswith(GITHUB_TEMPLATE) and text.count("__pycache__/") == 1
    for path in ["_site/index.html", ".paperdigest-cache/x", "._site.tmp-1234/x"]:
        ignored = subprocess.run(["git", "-C", str(clone), "check-ignore", "-q", path])
        assert ignored.returncode == 0, path
    assert (clone / "README.md").read_text(encoding="utf-8") == "# mysite\n"


def test_init_leaves_a_gitignore_that_has_every_line_as_it_is(tmp_path):
    run_cli("init", str(tmp_path / "a"), "--install", "paperdigest==1.0.0", check=True)
    complete = (tmp_path / "a" / ".gitignore").read_bytes()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / ".gitignore").write_bytes(complete)
    proc = run_cli("init", str(tmp_path / "b"), "--install", "paperdigest==1.0.0")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "b" / ".gitignore").read_bytes() == complete and ".gitignore" not in proc.stdout


def test_output_piped_into_a_reader_that_stops_early_ends_without_a_traceback(tmp_path):
    """`paperdigest check --format json | head` ended with a BrokenPipeError traceback."""
    site = write_site(tmp_path, {"2024-01-01-a.md": "---\ntitle: A\n---\n\nText.\n"})
    read, write = os.pipe()
    os.close(read)  # the reader has gone before a line is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "paperdigest", "check", "--source", str(site), "--format", "json"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        )
    finally:
        os.close(write)
    assert proc.returncode == 141 and proc.stderr == "", proc.stderr
