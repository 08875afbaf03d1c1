"""A small site whose whole build is compared, file by file, with committed expected output.

After an intended change of output, regenerate and review the diff:
    PAPERDIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import run_cli, site_tree

GOLDEN = Path(__file__).parent / "golden"


def test_golden_site(tmp_path):
    src = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", src)
    run_cli("build", "--source", str(src), "--out", str(tmp_path / "out"), check=True)
    built = site_tree(tmp_path / "out")
    expected_dir = GOLDEN / "expected"
    if os.environ.get("PAPERDIGEST_UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        # pagefind/ (the search index) is not reproducible; tests/test_search_browser.py covers it.
        shutil.copytree(tmp_path / "out", expected_dir, ignore=shutil.ignore_patterns("pagefind"))
    expected = site_tree(expected_dir)
    assert sorted(built) == sorted(expected)
    for name, data in expected.items():
        assert built[name] == data, f"{name} differs from tests/golden/expected/{name}"
