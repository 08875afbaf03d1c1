"""`paperdigest init` and `paperdigest new`, through the real CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from conftest import REPO, run_cli, write_site
from paperdigest.config import KATEX_VERSION, SiteConfig, load_config
from paperdigest.parse import parse_digest

INIT_FILES = [
    "site.yaml",
    "templates/.gitkeep",
    ".gitignore",
    "requirements.txt",
    ".github/workflows/pages.yml",
]


@pytest.fixture(scope="module")
def new_site(tmp_path_factory) -> Path:
    """`paperdigest init` in an empty folder, then `paperdigest build` in it."""
    root = tmp_path_factory.mktemp("init") / "mysite"
    proc = run_cli("init", str(root), "--title", "我的论文速递", check=True)
    assert "created" in proc.stdout
    run_cli("build", "--strict", "--base-url", "https://me.github.io/mysite/", cwd=root, check=True)
    return root


def test_init_writes_the_site_files(new_site):
    for rel in INIT_FILES:
        assert (new_site / rel).is_file(), rel
    digests = list((new_site / "digests").glob("*.md"))
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert [d.name for d in digests] == [f"{yesterday.isoformat()}-paper-digest.md"]
    assert [p.name for p in (new_site / "templates").iterdir()] == [".gitkeep"]
    ignored = (new_site / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "_site/" in ignored and ".paperdigest-cache/" in ignored


def test_site_yaml_is_commented_and_loads_as_the_defaults(new_site):
    text = (new_site / "site.yaml").read_text(encoding="utf-8")
    assert "# Where the site is published" in text and "# Custom domain for GitHub Pages" in text
    assert f"bundled KaTeX {KATEX_VERSION}" in text  # the version that really typesets and styles
    config = load_config(new_site)
    expected = dataclasses.replace(SiteConfig(), title="我的论文速递", root=new_site)
    assert config == expected


def test_workflow_builds_with_the_pages_url_and_deploys(new_site):
    workflow = yaml.safe_load((new_site / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in build]
    assert uses[:3] == ["actions/checkout", "actions/setup-python", "actions/configure-pages"]
    assert uses[-1] == "actions/upload-pages-artifact" and build[-1]["with"]["path"] == "_site"
    pages_id = next(s["id"] for s in build if s.get("uses", "").startswith("actions/configure-pages"))
    runs = [step["run"] for step in build if "run" in step]
    assert "python -m pip install -r requirements.txt" in runs
    python = next(s for s in build if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip" and python["with"]["cache-dependency-path"] == "requirements.txt"
    cache = next(s for s in build if s.get("uses", "").startswith("actions/cache"))
    # The output too: without the last build's site, every push renders and indexes every page.
    assert cache["with"]["path"].split() == [".paperdigest-cache", "_site"]
    assert "hashFiles(" in cache["with"]["key"]
    assert all(f"'{d}/**'" in cache["with"]["key"] for d in ("digests", "templates", "static"))
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])
    install, restore, build_step = (
        next(i for i, s in enumerate(build) if s.get("name") == name)
        for name in ("Install paperdigest", "Restore the build cache", "Build")
    )
    assert install < restore < build_step
    assert any(
        r.startswith("paperdigest build --base-url") and f"steps.{pages_id}.outputs.base_url" in r
        for r in runs
    )
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    assert deploy["steps"][0]["id"] == "deployment"


def test_init_then_build_gives_a_working_site(new_site):
    out = new_site / "_site"
    papers = json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert [(p["id"], p["translated_title"]) for p in papers] == [("1706.03762", "注意力就是你所需要的一切")]
    assert papers[0]["affiliations"] == ["Google Brain", "Google Research", "多伦多大学"]
    page = (out / "papers/1706.03762/index.html").read_text(encoding="utf-8")
    assert "Attention Is All You Need" in page and "@misc{" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "我的论文速递" in index
    for rel in (
        "search/index.html",
        "pagefind/shards.json",
        "feed.xml",
        "categories/paper/feed.xml",
        ".nojekyll",
    ):
        assert (out / rel).is_file(), rel


def test_init_the_current_folder_by_default(tmp_path):
    run_cli("init", cwd=tmp_path, check=True)
    assert (tmp_path / "site.yaml").is_file() and (tmp_path / ".github/workflows/pages.yml").is_file()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "site.yaml").write_text("title: Mine\n", encoding="utf-8")
    proc = run_cli("init", str(tmp_path))
    assert proc.returncode == 1
    assert "not overwriting existing site.yaml" in proc.stderr
    assert (tmp_path / "site.yaml").read_text(encoding="utf-8") == "title: Mine\n"
    assert not (tmp_path / ".github").exists() and not (tmp_path / "digests").exists()


def test_init_install_option_goes_into_the_requirements(tmp_path):
    run_cli("init", str(tmp_path), "--install", "git+https://github.com/me/paperdigest", check=True)
    assert requirement_line(tmp_path) == "git+https://github.com/me/paperdigest"


def parsed_papers(path: Path, root: Path) -> list[tuple[str, str]]:
    result = parse_digest(path, root)
    assert result.digest is not None, result.problems
    return [(card.arxiv_id, card.url) for card in result.digest.cards]


def test_new_writes_a_digest_that_parses_into_the_given_papers(tmp_path):
    root = write_site(tmp_path, {})
    ids = ["2304.15004", "https://arxiv.org/abs/2304.14802v2", "arXiv:2304.14454", "hep-th/9901001v1"]
    proc = run_cli("new", "--date", "2023-05-03", *ids, cwd=root, check=True)
    path = root / "digests/2023-05-03-paper-digest.md"
    assert str(path.relative_to(root)) in proc.stdout
    assert parsed_papers(path, root) == [
        ("2304.15004", "https://arxiv.org/abs/2304.15004"),
        ("2304.14802", "https://arxiv.org/abs/2304.14802"),
        ("2304.14454", "https://arxiv.org/abs/2304.14454"),
        ("hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001"),
    ]
    digest = parse_digest(path, root).digest
    assert digest.date == dt.date(2023, 5, 3) and digest.title == "2023-05-03：论文速递"
    assert digest.categories == ("paper",)
    text = path.read_text(encoding="utf-8")
    assert "### 1、" in text and "> - URL：https://arxiv.org/abs/2304.15004" in text and "> - 单位：" in text
    build = run_cli("build", "--strict", "--base-url", "https://me.github.io/mysite/", cwd=root, check=True)
    assert "4 papers" in build.stdout


def test_new_defaults_to_today_and_the_configured_folder(tmp_path):
    root = write_site(tmp_path, {}, "title: T\ndigests_dir: notes\n")
    run_cli("new", cwd=root, check=True)
    path = root / f"notes/{dt.date.today().isoformat()}-paper-digest.md"
    assert path.is_file()
    assert parse_digest(path, root).digest.cards == ()


def test_new_refuses_to_overwrite(tmp_path):
    root = write_site(tmp_path, {"2023-05-03-paper-digest.md": "my notes\n"})
    proc = run_cli("new", "--date", "2023-05-03", "2304.15004", cwd=root)
    assert proc.returncode == 1 and "already exists, not overwriting" in proc.stderr
    assert (root / "digests/2023-05-03-paper-digest.md").read_text(encoding="utf-8") == "my notes\n"


def test_new_rejects_bad_ids_and_dates_without_writing(tmp_path):
    root = write_site(tmp_path, {})
    proc = run_cli("new", "--date", "2023-05-03", "2304.15004", "not-an-id", cwd=root)
    assert proc.returncode == 1 and "not an arXiv id or URL: 'not-an-id'" in proc.stderr
    proc = run_cli("new", "--date", "May 3", cwd=root)
    assert proc.returncode == 2 and "not a YYYY-MM-DD date" in proc.stderr
    assert list((root / "digests").iterdir()) == []


# ---------------------------------------------------------------- which paperdigest the workflow installs


def requirement_line(site: Path) -> str:
    """The line requirements.txt gives pip (the workflow runs pip install -r requirements.txt)."""
    lines = (site / "requirements.txt").read_text(encoding="utf-8").splitlines()
    (line,) = [line for line in lines if line.strip() and not line.startswith("#")]
    return line


def init_installed_as(tmp_path: Path, direct_url: dict | None, version: str = "0.3.1"):
    """`paperdigest init` where the installed paperdigest's metadata (a dist-info folder as pip
    writes it, first on the path) says it came from an index (no direct_url.json) or `direct_url`."""
    packages = tmp_path / "site-packages"
    info = packages / f"paperdigest-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: paperdigest\nVersion: {version}\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    site = tmp_path / "mysite"
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest", "init", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(packages), str(REPO / "src")])},
    )
    assert proc.returncode == 0, proc.stderr
    return site, proc


def test_installed_from_an_index_pins_that_version(tmp_path):
    site, proc = init_installed_as(tmp_path, None)
    assert requirement_line(site) == "paperdigest==0.3.1"
    assert "installs paperdigest==0.3.1 (requirements.txt)" in proc.stdout
    assert "WARNING" not in proc.stderr


def test_installed_from_git_pins_the_url_and_commit(tmp_path):
    commit = "4f2c9e1b7d3a5f60718293a4b5c6d7e8f9012345"
    direct = {"url": "https://github.com/me/paperdigest.git", "vcs_info": {"vcs": "git", "commit_id": commit}}
    site, proc = init_installed_as(tmp_path, direct)
    line = requirement_line(site)
    assert line == f"paperdigest @ git+https://github.com/me/paperdigest.git@{commit}"
    requirement = Requirement(line)  # valid PEP 508, as pip reads it
    assert (requirement.name, requirement.url) == ("paperdigest", line.split(" @ ")[1])
    assert f"installs {line}" in proc.stdout


def test_installed_from_a_wheel_url_installs_that_url(tmp_path):
    url = "https://files.example.org/paperdigest-0.3.1-py3-none-any.whl"
    site, _ = init_installed_as(tmp_path, {"url": url, "archive_info": {}})
    assert requirement_line(site) == f"paperdigest @ {url}"


def test_editable_checkout_writes_a_marked_placeholder_and_says_so(tmp_path):
    checkout = tmp_path / "src" / "paperdigest"
    direct = {"url": checkout.as_uri(), "dir_info": {"editable": True}}
    site, proc = init_installed_as(tmp_path, direct)
    text = (site / "requirements.txt").read_text(encoding="utf-8")
    assert "PLACEHOLDER" in text and str(checkout) in text
    assert "paperdigest @ git+https://github.com/OWNER/REPO@COMMIT" in text
    assert "WARNING" in proc.stderr and str(checkout) in proc.stderr and "PLACEHOLDER" in proc.stderr
    # The first deploy fails at the install step, quoting the line to replace (no index asked).
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "-r", "requirements.txt"],
        cwd=site,
        capture_output=True,
        text=True,
    )
    assert pip.returncode != 0 and f"Invalid requirement: '{requirement_line(site)}'" in pip.stderr


# ---------------------------------------------------------------- init, then new


def test_new_right_after_init_makes_the_next_digest(tmp_path):
    site = tmp_path / "mysite"
    run_cli("init", str(site), check=True)
    proc = run_cli("new", "2304.15004", "2305.10601", cwd=site)
    assert proc.returncode == 0, proc.stderr
    today = site / f"digests/{dt.date.today().isoformat()}-paper-digest.md"
    assert str(today.relative_to(site)) in proc.stdout
    assert sorted(p.name for p in (site / "digests").iterdir()) == sorted(
        [today.name, f"{(dt.date.today() - dt.timedelta(days=1)).isoformat()}-paper-digest.md"]
    )
    assert "3 papers" in run_cli("build", cwd=site, check=True).stdout  # the example's and the two new


def test_the_title_is_shown_once(tmp_path):
    site = tmp_path / "mysite"
    run_cli("init", str(site), check=True)
    run_cli("new", "2304.15004", cwd=site, check=True)
    for path in (site / "digests").glob("*.md"):
        digest = parse_digest(path, site).digest
        assert not re.search(r"^#{1,2} ", path.read_text(encoding="utf-8"), re.M), path.name
        assert digest.title.endswith("：论文速递")
        assert all(entry.title != digest.title for entry in digest.toc), digest.toc


# ---------------------------------------------------------------- init and new stay inside the site folder


def test_init_where_digests_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "digests").write_text("not a folder\n", encoding="utf-8")
    proc = run_cli("init", str(tmp_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "digests is a file, not a folder" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digests"]


def test_init_does_not_write_through_a_dangling_symlink(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    site.mkdir()
    (site / ".gitignore").symlink_to(outside / "gitignore")
    proc = run_cli("init", str(site))
    assert proc.returncode == 1 and ".gitignore is a symbolic link" in proc.stderr
    assert not outside.exists() and sorted(p.name for p in site.iterdir()) == [".gitignore"]


def test_init_does_not_write_into_a_linked_folder_outside(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    site.mkdir()
    outside.mkdir()
    (site / ".github").symlink_to(outside, target_is_directory=True)
    proc = run_cli("init", str(site))
    assert proc.returncode == 1 and ".github is a symbolic link" in proc.stderr
    assert list(outside.iterdir()) == [] and not (site / "site.yaml").exists()


def test_init_into_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x\n", encoding="utf-8")
    proc = run_cli("init", str(tmp_path / "notes.txt"))
    assert proc.returncode == 1 and "not a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_new_with_a_missing_source_folder_creates_nothing(tmp_path):
    missing = tmp_path / "nonexistent"
    proc = run_cli("new", "--source", str(missing), "2304.15004")
    assert proc.returncode == 2 and f"{missing}: no such folder" in proc.stderr  # as build's
    assert not missing.exists()
