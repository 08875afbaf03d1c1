"""`paperdigest init` and `paperdigest new`, through the real CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from conftest import run_cli, write_site
from paperdigest.config import SiteConfig, load_config
from paperdigest.parse import parse_digest

INIT_FILES = ["site.yaml", "templates/.gitkeep", ".gitignore", ".github/workflows/pages.yml"]


@pytest.fixture(scope="module")
def new_site(tmp_path_factory) -> Path:
    """`paperdigest init` in an empty folder, then `paperdigest build` in it."""
    root = tmp_path_factory.mktemp("init") / "mysite"
    proc = run_cli("init", str(root), "--title", "我的论文速递", check=True)
    assert "created" in proc.stdout
    run_cli("build", "--strict", cwd=root, check=True)
    return root


def test_init_writes_the_site_files(new_site):
    for rel in INIT_FILES:
        assert (new_site / rel).is_file(), rel
    digests = list((new_site / "digests").glob("*.md"))
    assert [d.name for d in digests] == [f"{dt.date.today().isoformat()}-paper-digest.md"]
    assert [p.name for p in (new_site / "templates").iterdir()] == [".gitkeep"]
    assert "_site/" in (new_site / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_site_yaml_is_commented_and_loads_as_the_defaults(new_site):
    text = (new_site / "site.yaml").read_text(encoding="utf-8")
    assert "# Where the site is published" in text and "# Custom domain for GitHub Pages" in text
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
    assert any("pip install" in r and "paperdigest==" in r for r in runs)
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
        "pagefind/pagefind.js",
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


def test_init_install_option_goes_into_the_workflow(tmp_path):
    run_cli("init", str(tmp_path), "--install", "git+https://github.com/me/paperdigest", check=True)
    workflow = (tmp_path / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    assert 'pip install "git+https://github.com/me/paperdigest"' in workflow


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
    build = run_cli("build", "--strict", cwd=root, check=True)
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
