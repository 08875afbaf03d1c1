"""Worker processes never hang a build and never outlive it: they do not inherit the CLI's SIGTERM
handler, are stopped with a deadline, and die with the main process even after kill -9 (also when
a fork server started them, as in the dev server). Real CLI processes, observed through /proc."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, write_site
from paperdigest.parallel import MIN_PARALLEL

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")

HELPERS = ("multiprocessing.forkserver import main", "multiprocessing.resource_tracker import main")
WORKER_DEADLINE = 2.0  # seconds a worker may outlive a killed main process
HELPER_DEADLINE = 10.0  # multiprocessing's fork server and resource tracker exit on their own
BUILD_DEADLINE = 90.0  # a build that takes longer than this under the stress test has hung


def digests(count: int, math: bool = False) -> dict[str, str]:
    """`count` one-card digests; with math, each typesets a formula (KaTeX threads in the workers)."""
    found = {}
    for i in range(count):
        formula = f" with $x^{{{i}}} + \\alpha_{{{i}}}$" if math else ""
        found[f"d{i:03}.md"] = (
            f"---\ntitle: Digest {i}\ndate: 2023-01-{i % 28 + 1:02}\n---\n"
            f"### 1、Paper {i}\n\n> - URL：https://arxiv.org/abs/2301.{i:05}\n\n"
            f"Text {i}{formula}.\n\n```python\nprint({i})\n```\n"
        )
    return found


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "paperdigest", *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(REPO / "src")},
    )


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), None once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def signal_status(pid: int) -> dict[str, str] | None:
    """The fields of /proc/PID/status (SigCgt, SigIgn...), None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return dict(line.split(":\t", 1) for line in text.splitlines())


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := proc_stat(int(entry))) and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def processes_below(pid: int) -> tuple[list[int], list[int]]:
    """(workers, helpers) among the descendants of `pid`: multiprocessing's own fork server and
    resource tracker are its direct children; every other descendant is a worker."""
    workers, helpers, todo = [], [], [pid]
    while todo:
        parent = todo.pop()
        for child in children(parent):
            is_helper = parent == pid and any(h in command(child) for h in HELPERS)
            (helpers if is_helper else workers).append(child)
            todo.append(child)
    return workers, helpers


def alive(pid: int) -> bool:
    fields = proc_stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has ended; its parent just has not reaped it


def wait_for_workers(proc: subprocess.Popen, count: int, timeout: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the command ended before its workers were seen"
        workers, _ = processes_below(proc.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.02)
    raise AssertionError("no worker processes appeared")


def survivors(pids: list[int], deadline: float) -> list[int]:
    """The processes still alive `deadline` seconds from now (or fewer, once all have ended)."""
    end = time.monotonic() + deadline
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < end:
        time.sleep(0.02)
    return left


def kill_and_watch(proc: subprocess.Popen, min_workers: int) -> None:
    wait_for_workers(proc, min_workers)
    time.sleep(0.3)  # let them get busy with their first chunk
    workers, helpers = processes_below(proc.pid)
    proc.kill()
    try:
        assert survivors(workers, WORKER_DEADLINE) == [], "workers outlived the killed build"
        assert survivors(helpers, HELPER_DEADLINE) == []
    finally:
        proc.wait()
        for pid in workers + helpers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_killing_a_build_with_sigkill_leaves_no_worker_behind(tmp_path):
    site = write_site(tmp_path / "site", digests(400, math=True))
    kill_and_watch(start("build", "--source", str(site), "--jobs", "2"), min_workers=2)


def test_killing_a_build_with_sigkill_leaves_no_search_indexer_behind(tmp_path, monkeypatch):
    """Pagefind, an external command, went on running after the build was killed, and wrote into
    a folder beside the output that the next build had already cleaned up (left there until the
    build after). Here the indexer is a command that says its process id and waits."""
    site = write_site(tmp_path / "site", digests(3))
    said = tmp_path / "indexer.pid"
    indexer = tmp_path / "pagefind"
    indexer.write_text(f"#!/bin/sh\necho $$ > {said}.part && mv {said}.part {said}\nexec sleep 300\n")
    indexer.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(indexer))
    proc = start("build", "--source", str(site), "--jobs", "1")
    try:
        deadline = time.monotonic() + BUILD_DEADLINE
        while not said.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the indexer never started"
            time.sleep(0.02)
        pid = int(said.read_text())
        proc.kill()
        left = survivors([pid], WORKER_DEADLINE)
        if left:
            os.kill(pid, signal.SIGKILL)
        assert left == [], "the search indexer outlived the killed build"
    finally:
        proc.kill()
        proc.wait()


def test_killing_the_dev_server_with_sigkill_leaves_no_fork_server_worker_behind(tmp_path):
    # The dev server runs threads, so its parse workers come from a fork server: their parent is
    # that server, not the killed process.
    site = write_site(tmp_path / "site", digests(400, math=True))
    proc = start("serve", "--source", str(site), "--port", "0", "--out", str(tmp_path / "preview"))
    workers = wait_for_workers(proc, 2)
    parents = {int(fields[1]) for pid in workers if (fields := proc_stat(pid))}
    assert proc.pid not in parents, "expected workers forked by a fork server"
    kill_and_watch(proc, min_workers=2)


def test_build_workers_do_not_inherit_the_cli_sigterm_handler(tmp_path):
    """A Python handler runs only in a process's main thread: a worker whose SIGTERM lands on one of
    its KaTeX threads while its main thread waits would never end. Workers keep the default action
    for SIGTERM (it ends them whatever thread receives it) and leave Ctrl-C to the main process."""
    site = write_site(tmp_path / "site", digests(400, math=True))
    proc = start("build", "--source", str(site), "--jobs", "2")
    try:
        seen: dict[int, dict[str, str]] = {}
        while len(seen) < 2:  # a short-lived worker (BackgroundCheck) may end before it is read
            for pid in wait_for_workers(proc, 2):
                if pid not in seen and (status := signal_status(pid)) is not None:
                    seen[pid] = status
        for pid, status in seen.items():
            caught, ignored = int(status["SigCgt"], 16), int(status["SigIgn"], 16)
            assert not caught & 1 << (signal.SIGTERM - 1), f"worker {pid} catches SIGTERM"
            assert ignored & 1 << (signal.SIGINT - 1), f"worker {pid} does not leave Ctrl-C to the build"
        assert proc.wait(timeout=BUILD_DEADLINE) == 0
    finally:
        proc.kill()
        proc.wait()


def test_fifty_parallel_builds_under_cpu_load_all_finish(tmp_path):
    """The hang seen once in about 110 builds on a loaded machine (a worker that never ended, the
    build waiting for it forever): 50 cold builds of a site of parallel.MIN_PARALLEL digests (enough
    so each starts a pool of two workers), six at a time: some 18 processes compete for the cores.
    Each build must end by its deadline."""
    template = write_site(tmp_path / "template", digests(MIN_PARALLEL), "title: Stress\nsearch: false\n")
    sites = []
    for n in range(50):
        sites.append(tmp_path / f"site{n}")
        shutil.copytree(template, sites[-1])

    def build(site: Path) -> int | None:
        proc = start("build", "--source", str(site), "--jobs", "2")
        try:
            return proc.wait(timeout=BUILD_DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None

    with ThreadPoolExecutor(6) as pool:
        codes = dict(zip((site.name for site in sites), pool.map(build, sites), strict=True))
    assert [name for name, code in codes.items() if code is None] == [], f"hung past {BUILD_DEADLINE}s"
    assert [name for name, code in codes.items() if code != 0] == []
    for site in sites:
        assert (site / "_site" / "digests" / f"d{MIN_PARALLEL - 1:03}" / "index.html").exists()
