"""Shared test helpers: example-site builds, the real CLI in a subprocess, headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The five seed digests, byte for byte as given in shared/seeds/: a clone must test on its own.
SEEDS = REPO / "tests" / "fixtures" / "seeds"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KATEX_LOCAL = Path("/usr/share/javascript/katex")


def like_a_terminal() -> None:
    """preexec_fn of a command a test stops with Ctrl-C: SIGINT raises KeyboardInterrupt in it, as
    in a terminal, even when the tests run as a background job of a non-interactive shell (which
    starts them with SIGINT ignored, and Python keeps an ignored SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(
    *args: str, cwd: Path | None = None, check: bool = False, timeout: float = 120, src: Path = REPO / "src"
):
    """`paperdigest ARGS` as a user runs it: a real subprocess of this Python, with the package
    in `src` (the repository's unless told)."""
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest", *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(src)},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"paperdigest {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def site_tree(folder: Path) -> dict[str, bytes]:
    """Every output file and its bytes, less pagefind/: Pagefind writes some index files in varying
    order from run to run (upstream Pagefind/pagefind#638), so build comparisons leave it out."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in files
        if p.relative_to(folder).parts[0] != "pagefind"
    }


def clean_build_tree(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """The oracle of incremental builds: what `paperdigest build` writes from a fresh copy of the
    site's sources (no cache, no output), in `tmp_path/clean`."""
    fresh = tmp_path / "clean"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site"))
    run_cli("build", "--source", str(fresh), check=True)
    return site_tree(fresh / "_site")


def write_site(
    root: Path, digests: dict[str, str], config: str = "title: Test site\nbase_url: https://example.org/\n"
) -> Path:
    """A small site folder: site.yaml and digests/NAME -> text (dedented). By default published at
    the root of https://example.org/ (without a base_url a build warns about relative URLs)."""
    (root / "digests").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    for name, text in digests.items():
        path = root / "digests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def copy_example_source(dest: Path) -> Path:
    """The repository's example site's sources (site.yaml, papers.yaml, digests/, templates/,
    static/) copied into `dest`."""
    for name in ("site.yaml", "papers.yaml", "digests", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
        elif (REPO / name).exists():
            shutil.copy(REPO / name, dest / name)
    return dest


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """The repository's example site, built once with KaTeX from Debian's libjs-katex copy."""
    out = tmp_path_factory.mktemp("example") / "_site"
    src = copy_example_source(tmp_path_factory.mktemp("example-src"))
    config = (src / "site.yaml").read_text(encoding="utf-8")
    config = config.replace('local_dir: ""', f"local_dir: {KATEX_LOCAL}")
    (src / "site.yaml").write_text(config, encoding="utf-8")
    run_cli("build", "--source", str(src), "--out", str(out), check=True)
    return out


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run installs it with apt-get")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
