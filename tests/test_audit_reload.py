"""`paperdigest serve` as editors save files: the real CLI in a subprocess, real HTTP on 127.0.0.1,
real file operations the way editors do them, and a real Chromium tab following along."""

from __future__ import annotations

import re
import socket
from pathlib import Path

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


def jetbrains_save(path: Path, text: str) -> None:
    """How IntelliJ, PyCharm, WebStorm... save with "safe write" on (their default)."""
    temp, old = path.with_name(path.name + "___jb_tmp___"), path.with_name(path.name + "___jb_old___")
    temp.write_text(text, encoding="utf-8")
    path.rename(old)
    temp.rename(path)
    old.unlink()


def test_a_jetbrains_safe_write_is_one_save_of_that_file(tmp_path):
    """The IDE's two temporary files, gone when the change is looked at, are not taken for folders
    of digests moved away (a rebuild of the whole site on every save, 10x slower at 3,000 digests)
    nor, beside a stylesheet, for other static files (a reload instead of a swap of the styles)."""
    site = write_site(tmp_path / "src", {"2024-01-01-first.md": digest(1, "Original text.")}, CONFIG)
    style = site / "static" / "extra.css"
    style.parent.mkdir()
    style.write_text("body { color: black; }\n", encoding="utf-8")
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        generation, server = serve.page("digests/2024-01-01-first/").generation()
        with serve.events(generation, server) as events:
            jetbrains_save(site / "digests" / "2024-01-01-first.md", digest(1, "Saved by the IDE."))
            assert events.next()["action"] == "reload"
            line = serve.wait_for_line(re.compile(r" changed: "))
            assert line.string.startswith("digests/2024-01-01-first.md changed: rebuilt in ")
            assert "Saved by the IDE." in serve.page("digests/2024-01-01-first/").text

            jetbrains_save(style, "body { color: navy; }\n")
            assert events.next()["action"] == "css"
            line = serve.wait_for_line(re.compile(r" changed: "))
            assert line.string.startswith("static/extra.css changed: rebuilt in ")
            assert serve.page("extra.css").text == "body { color: navy; }\n"
