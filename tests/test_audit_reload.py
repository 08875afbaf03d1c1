"""`paperdigest serve` as editors save files: the real CLI in a subprocess, real HTTP on 127.0.0.1,
real file operations the way editors do them, and a real Chromium tab following along."""

from __future__ import annotations

import socket

import pytest

from conftest import KATEX_LOCAL, write_site
from serve_util import ServeProcess
from test_serve import digest

WAIT_MS = 60_000  # generous on a loaded machine; never a timing assertion
CONFIG = f"title: Reload audit\nbase_url: https://u.github.io/repo/\nkatex:\n  local_dir: {KATEX_LOCAL}\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.browser
def test_a_tab_left_open_while_serve_restarts_reloads_once_the_server_is_back(browser, tmp_path):
    """Stop `serve`, edit, start it again: the open tab reconnects and shows the edit by itself. The
    new run counts its builds from 0 again, so the tab's build number (from the earlier run) is no
    reason to ignore the reload it is told to do."""
    site = write_site(tmp_path / "src", {"2024-01-01-first.md": digest(1, "Before the restart.")}, CONFIG)
    port = str(free_port())
    with ServeProcess(site, "--port", port) as serve:
        page = browser.new_page()
        page.goto(serve.url + "digests/2024-01-01-first/")
        assert "Before the restart." in page.inner_text("main")
        url = page.url
    (site / "digests" / "2024-01-01-first.md").write_text(
        digest(1, "Written while stopped."), encoding="utf-8"
    )
    with ServeProcess(site, "--port", port) as serve:
        assert serve.url + "digests/2024-01-01-first/" == url, "the port was taken in between"
        page.wait_for_selector("text=Written while stopped.", timeout=WAIT_MS)
        assert page.url == url
        page.close()
