"""The preview's pure parts: what kind a change is, which request paths are refused, what a page
that missed builds is told."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from paperdigest.config import load_config
from paperdigest.errors import Problem
from paperdigest.serve.livereload import ReloadHub, client_script, inject
from paperdigest.serve.server import BadPath, content_type, request_parts, under_base
from paperdigest.serve.watcher import Kind, SourcePaths


def test_changes_are_classified_by_kind_and_editor_leftovers_ignored(tmp_path):
    (tmp_path / "site.yaml").write_text("static_dir: files\n", encoding="utf-8")
    (tmp_path / "files").mkdir()
    (tmp_path / "digests").mkdir()
    (tmp_path / "digests/image.png").write_bytes(b"an image")
    paths = SourcePaths.of(load_config(tmp_path))
    root = tmp_path.resolve()
    expected = {
        "digests/2024-01-01.md": Kind.CONTENT,
        "digests/week/notes.txt": Kind.CONTENT,
        "digests/newfolder": Kind.LAYOUT,
        "digests": Kind.LAYOUT,
        "templates/paper.html": Kind.TEMPLATE,
        "templates/assets/style.css": Kind.STATIC,
        "files/images/a.webp": Kind.STATIC,
        "site.yaml": Kind.CONFIG,
        "papers.yaml": Kind.PAPERS,
        "digests/.2024-01-01.md.swp": None,
        "digests/2024-01-01.md~": None,
        "digests/4913": None,
        "digests/.#2024-01-01.md": None,
        "digests/_drafts/x.md": None,
        "digests/image.png": Kind.STATIC,  # a digest may name it: it is published
        "digests/v1.0": Kind.LAYOUT,  # gone: it may have been a folder of digests, moved away
        "static/x.css": None,  # not the static folder of this site
        "_site/index.html": None,
        "README.md": None,
    }
    assert {rel: paths.kind_of(root / rel) for rel in expected} == expected


@pytest.mark.parametrize(
    "path",
    [
        "/../x",
        "/a/%2e%2e/x",
        "/a/..%2fx",
        "/a/%2E%2E%2Fx",
        "/a\\..\\x",
        "/a/%5c..%5cx",
        "/a/%00",
        "/./x",
        "x",
    ],
)
def test_traversal_attempts_are_bad_paths(path):
    with pytest.raises(BadPath):
        request_parts(path)


def test_paths_below_the_base_path():
    assert under_base(request_parts("/repo/digests/x/"), "/repo/") == ["digests", "x"]
    assert under_base(request_parts("/repo%2fdigests/"), "/repo/") == ["digests"]
    assert under_base(request_parts("/other/x"), "/repo/") is None
    assert under_base(request_parts("/repository/x"), "/repo/") is None
    assert under_base(request_parts("/x"), "/") == ["x"]
    assert under_base(request_parts("/%E8%AE%BA%E6%96%87/x"), "/论文/") == ["x"]
    assert under_base(request_parts("/论文/x"), "/%E8%AE%BA%E6%96%87/") == ["x"]


def test_content_types_of_output_files():
    assert content_type(Path("a.webp")) == "image/webp"
    assert content_type(Path("f.WOFF2")) == "font/woff2"
    assert content_type(Path("papers.json")) == "application/json; charset=utf-8"
    assert content_type(Path("feed.xml")) == "application/xml; charset=utf-8"
    assert content_type(Path("no-suffix")) == "application/octet-stream"


def test_a_page_is_told_the_strongest_action_of_the_builds_it_missed():
    hub = ReloadHub()
    error = Problem("digests/a.md", 3, "error", "front matter: bad")
    hub.publish("errors", [error])  # 1
    hub.publish("css", [])  # 2
    assert hub.wait_after(1, hub.server_id, 0).action == "css"
    update = hub.wait_after(0, hub.server_id, 0)
    assert (update.generation, update.action, update.errors) == (2, "css", ())
    hub.publish("reload", [error])  # 3
    assert hub.wait_after(2, hub.server_id, 0).action == "reload"
    assert hub.wait_after(1, hub.server_id, 0).action == "reload"
    assert hub.wait_after(3, hub.server_id, 0) is None  # up to date: nothing to do
    assert hub.wait_after(3, "earlier-run", 0).action == "reload"


def test_a_waiting_page_is_woken_by_the_next_build_only():
    hub = ReloadHub()
    got = []
    waiter = threading.Thread(target=lambda: got.append(hub.wait_after(0, hub.server_id, 30)))
    waiter.start()
    hub.publish("reload", [])
    waiter.join(30)
    assert [u.generation for u in got] == [1]


def test_the_script_goes_before_the_last_body_end_and_cannot_be_closed_by_a_message():
    hub = ReloadHub()
    update = hub.publish("errors", [Problem("a.md", 1, "error", "</script><b>x")])
    script = client_script(update)
    assert b"</script><b>" not in script and script.count(b"</script>") == 1
    page = inject(b"<html><body><p>x</p></BODY></html>", script)
    assert page.index(script) < page.index(b"</BODY>")
    assert inject(b"plain", script) == b"plain" + script
