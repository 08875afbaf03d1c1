"""`init`, `new` and `check` as a new user runs them: the real CLI in a subprocess, following the
README's quick start in fresh folders, with the arguments users paste."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess

import pytest

from conftest import run_cli

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
