"""The wheel carries the default theme (one source of truth, the repository's templates/) and the
bundled KaTeX."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import REPO
from paperdigest.katex_engine import BUNDLED_KATEX


def test_wheel_contains_the_theme_and_katex(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("paperdigest-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {
        p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()
    }
    assert theme and {f"paperdigest/theme/{name}" for name in theme} <= names
    assert "paperdigest/cli.py" in names
    katex = {p.relative_to(BUNDLED_KATEX).as_posix() for p in BUNDLED_KATEX.rglob("*") if p.is_file()}
    assert {"katex.min.js", "katex.min.css", "LICENSE", "fonts/KaTeX_Main-Regular.woff2"} <= katex
    assert {f"paperdigest/katex/{name}" for name in katex} <= names
