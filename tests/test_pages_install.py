"""DONE MEANS (issue 16): a site made with `init`, `new` and `build`, in a fresh venv that holds only
what the Pages workflow installs, by running the workflow's own install and build commands.

`init` runs from this checkout, so requirements.txt gets the placeholder; it is replaced, as `init`
tells, by a wheel built from this checkout (standing for a release). Slow: a venv, and paperdigest's
dependencies installed from PyPI (a minute or two).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_cli
from paperdigest import __version__

pytestmark = pytest.mark.slow
PAGES_URL = "https://example.github.io/mysite"  # what actions/configure-pages outputs as base_url


def workflow_commands(site: Path) -> dict[str, str]:
    """The `run:` of each named step of the generated workflow's build job."""
    workflow = yaml.safe_load((site / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    return {s["name"]: s["run"] for s in workflow["jobs"]["build"]["steps"] if "run" in s}


def in_fresh_venv(command: str, fresh: Path, cwd: Path) -> subprocess.CompletedProcess:
    """A workflow command with the venv's python and scripts first on PATH, as setup-python leaves
    them; nothing from this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{fresh / 'bin'}{os.pathsep}{env['PATH']}"
    proc = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_init_new_build_with_what_the_pages_workflow_installs(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("paperdigest-*.whl")

    site = tmp_path / "mysite"
    run_cli("init", str(site), check=True)
    requirements = site / "requirements.txt"
    lines = requirements.read_text(encoding="utf-8").splitlines()
    assert lines[-1].startswith("<REPLACE ME")  # init ran from a checkout: the line to replace
    requirements.write_text(
        "\n".join([*lines[:-1], f"paperdigest @ {wheel.as_uri()}"]) + "\n", encoding="utf-8"
    )

    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=True)
    commands = workflow_commands(site)
    in_fresh_venv(commands["Install paperdigest"], fresh, site)
    installed = in_fresh_venv("python -m pip list --format freeze", fresh, site).stdout.lower()
    assert f"paperdigest=={__version__}" in installed
    assert "sphinx" not in installed and "docutils" not in installed  # no docs toolchain
    assert "pytest" not in installed and "hypothesis" not in installed  # nor the test extras

    assert in_fresh_venv("paperdigest --version", fresh, site).stdout.strip() == f"paperdigest {__version__}"
    in_fresh_venv("paperdigest new 2304.15004", fresh, site)
    build = commands["Build"].replace("${{ steps.pages.outputs.base_url }}", PAGES_URL)
    in_fresh_venv(build, fresh, site)

    out = site / "_site"
    # init's example digest (the day before the one `new` made) is the one with formulas; glob
    # order is the file system's, so pick it by date
    example = min((out / "digests").glob("*-paper-digest/index.html"))
    digest = example.read_text(encoding="utf-8")
    assert 'class="katex"' in digest and 'href="/mysite/assets/katex/katex.min.css"' in digest
    assert (out / "assets/katex/fonts/KaTeX_Main-Regular.woff2").is_file()
    assert (out / "papers/1706.03762/index.html").is_file() and (
        out / "papers/2304.15004/index.html"
    ).is_file()
    assert f"<loc>{PAGES_URL}/</loc>" in (out / "sitemap.xml").read_text(encoding="utf-8")
