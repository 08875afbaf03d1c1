"""A small site whose whole build is compared, file by file, with committed expected output.

After an intended change of output, regenerate and review the diff:
    PAPERDIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import run_cli

GOLDEN = Path(__file__).parent / "golden"


def tree(root: Path) -> dict[str, bytes]:
    # pagefind/ (the search index) is not byte-for-byte reproducible; tests/test_search_browser.py covers it.
    files = (p for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != "pagefind")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def test_golden_site(tmp_path):
    src = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", src)
    run_cli("build", "--source", str(src), "--out", str(tmp_path / "out"), check=True)
    built = tree(tmp_path / "out")
    expected_dir = GOLDEN / "expected"
    if os.environ.get("PAPERDIGEST_UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(tmp_path / "out", expected_dir)
    expected = tree(expected_dir)
    assert sorted(built) == sorted(expected)
    for name, data in expected.items():
        assert built[name] == data, f"{name} differs from tests/golden/expected/{name}"
