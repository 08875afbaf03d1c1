"""`paperdigest serve` as editors save files: the real CLI in a subprocess, real HTTP on 127.0.0.1,
real file operations the way editors do them, and a real Chromium tab following along."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from conftest import KATEX_LOCAL, write_site
from paperdigest.errors import Problem
from paperdigest.serve.livereload import ReloadHub
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


@pytest.mark.browser
def test_a_saved_digest_reloads_the_pages_it_changed_and_leaves_the_others_as_the_reader_left_them(
    browser, tmp_path
):
    """Editing one digest must not wipe the search another tab is typing, nor take its focus;
    a save that changes nothing (touch) reloads nothing; a 404 tab reloads when its page appears."""
    site = write_site(
        tmp_path / "src",
        # Each text long enough to be read as English in every version (a neighbour's language,
        # marked on its link, would otherwise change with a few words and rightly reload the page).
        {
            "2024-01-01-first.md": digest(1, "First text."),
            "2024-01-02-second.md": digest(2, "Second text of the note."),
        },
        CONFIG,
    )
    first, second = site / "digests" / "2024-01-01-first.md", site / "digests" / "2024-01-02-second.md"
    # The digest written last is the neighbour of the second (its "next" link), not of the first.
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        context = browser.new_context()
        edited, other, missing = context.new_page(), context.new_page(), context.new_page()
        other.goto(serve.url + "digests/2024-01-01-first/")
        edited.goto(serve.url + "digests/2024-01-02-second/")
        assert missing.goto(serve.url + "digests/2024-01-03-third/").status == 404
        other.click("[data-search-input]")
        other.keyboard.type("half a query")
        for page in (edited, other, missing):
            page.evaluate("window.notReloaded = true")

        second.write_text(digest(2, "Second text of the note, edited."), encoding="utf-8")
        edited.wait_for_selector("text=Second text of the note, edited.", timeout=WAIT_MS)
        serve.wait_for_line(re.compile(r"^digests/2024-01-02-second\.md changed: rebuilt"))
        first.touch()  # saved unchanged: nothing to show again
        serve.wait_for_line(re.compile(r"^digests/2024-01-01-first\.md changed: rebuilt"))
        (site / "digests" / "2024-01-03-third.md").write_text(digest(3, "Third text."), encoding="utf-8")
        missing.wait_for_selector("text=Third text.", timeout=WAIT_MS)
        serve.wait_for_line(re.compile(r"^digests/2024-01-03-third\.md changed: rebuilt"))

        # A digest broken, then fixed: the overlay comes and goes on the other page too, no reload.
        second.write_text("---\ntitle: [unclosed\n---\n\nBroken.\n", encoding="utf-8")
        other.wait_for_selector("#paperdigest-errors", timeout=WAIT_MS)
        second.write_text(digest(2, "Second text of the note, fixed."), encoding="utf-8")
        edited.wait_for_selector("text=Second text of the note, fixed.", timeout=WAIT_MS)
        other.wait_for_selector("#paperdigest-errors", state="detached", timeout=WAIT_MS)

        assert other.evaluate("window.notReloaded") is True
        assert other.input_value("[data-search-input]") == "half a query"
        assert other.evaluate("document.activeElement.matches('[data-search-input]')")
        context.close()


def test_a_page_that_missed_builds_is_told_every_page_they_reloaded():
    """The builds a tab missed (it reconnects) add up: the pages of each reload, all pages once a
    stylesheet swap or an unnamed reload is among them; an overlay update reloads none."""
    hub = ReloadHub()
    first, second = frozenset({"digests/a/index.html"}), frozenset({"digests/b/index.html", "index.html"})
    hub.publish("reload", [], first)  # 1
    hub.publish("errors", [Problem("digests/c.md", 1, "error", "front matter: bad")])  # 2
    hub.publish("reload", [], second)  # 3
    assert hub.wait_after(2, hub.server_id, 0).pages == second
    assert hub.wait_after(0, hub.server_id, 0).pages == first | second
    assert json.loads(hub.wait_after(0, hub.server_id, 0).as_json())["pages"] == sorted(first | second)
    hub.publish("css", [])  # 4
    hub.publish("reload", [], first)  # 5
    merged = hub.wait_after(3, hub.server_id, 0)
    assert (merged.action, merged.pages) == ("reload", None)
    hub.publish("reload", [])  # 6: every page
    assert hub.wait_after(5, hub.server_id, 0).pages is None
    assert hub.wait_after(6, "earlier-run", 0).pages is None


@pytest.mark.browser
def test_the_page_being_edited_reloads_where_the_reader_was_reading(browser, tmp_path):
    """Editing a long digest: each save shows the new text without sending the reader to the top."""
    body = "\n\n".join(f"Paragraph {n} of a long digest." for n in range(300))
    site = write_site(tmp_path / "src", {"2024-01-01-long.md": digest(1, body)}, CONFIG)
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.goto(serve.url + "digests/2024-01-01-long/")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
        page.wait_for_function("window.scrollY > 1000", timeout=WAIT_MS)
        where = page.evaluate("window.scrollY")
        (site / "digests" / "2024-01-01-long.md").write_text(
            digest(1, body + "\n\nA last paragraph, just saved."), encoding="utf-8"
        )
        page.wait_for_selector("text=A last paragraph, just saved.", state="attached", timeout=WAIT_MS)
        # The browser puts the reloaded page back where it was once it has loaded.
        page.wait_for_function(f"Math.abs(window.scrollY - {where}) < 50", timeout=WAIT_MS)
        assert page.evaluate("window.scrollY") > 1000
        page.close()
