"""`paperdigest serve` end to end: the real CLI in a subprocess, real HTTP, real file edits."""

from __future__ import annotations

import filecmp
import json
import re
import socket
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from serve_util import ServeProcess

SEARCH_DIR = "pagefind"
CONFIG = "title: Serve test\nbase_url: https://u.github.io/repo/\n"


def digest(day: int, body: str, title: str | None = None) -> str:
    title = title or f"Digest {day}"
    return (
        f"---\ntitle: {title}\ndate: 2024-01-{day:02d}\ncate1: paper\n---\n\n"
        f"### 1、Paper of day {day}\n\n> 《Paper of day {day}》\n>\n"
        f"> - URL：https://arxiv.org/abs/2401.{day:05d}\n> - 单位：MIT\n\n{body}\n"
    )


@pytest.fixture
def site(tmp_path) -> Path:
    return write_site(
        tmp_path / "src",
        {
            "2024-01-01-first.md": digest(1, "First body text."),
            "2024-01-02-second.md": digest(2, "Second body."),
        },
        CONFIG,
    )


@pytest.fixture
def serve(site, tmp_path):
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as server:
        yield server


def edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_each_save_gives_exactly_one_reload_after_the_new_page_is_served(site, serve):
    page = serve.page("digests/2024-01-01-first/")
    assert page.status == 200 and "First body text." in page.text
    generation, server = page.generation()
    path = site / "digests" / "2024-01-01-first.md"
    with serve.events(generation, server) as events:
        edit(path, digest(1, "Edited once."))
        update = events.next()
        assert (update["action"], update["generation"]) == ("reload", generation + 1)
        # The event comes only once the new page is in place: a reload now shows the edit.
        assert "Edited once." in serve.page("digests/2024-01-01-first/").text

        # An editor's burst of writes (truncate, partial write, final write) is one save.
        path.write_text("", encoding="utf-8")
        path.write_text(digest(1, "Half"), encoding="utf-8")
        path.write_text(digest(1, "Edited twice."), encoding="utf-8")
        update = events.next()
        assert (update["action"], update["generation"]) == ("reload", generation + 2)
        assert "Edited twice." in serve.page("digests/2024-01-01-first/").text

        # Numbered generations show nothing came in between: the next save is the next event.
        edit(path, digest(1, "Edited thrice."))
        update = events.next()
        assert (update["action"], update["generation"]) == ("reload", generation + 3)
        assert "Edited thrice." in serve.page("digests/2024-01-01-first/").text

    # A page served after the last build is told nothing more (no reload loop): its stream
    # stays silent until the next save.
    reloaded = serve.page("digests/2024-01-01-first/")
    assert reloaded.generation() == (generation + 3, server)
    with serve.events(*reloaded.generation()) as events:
        edit(site / "digests" / "2024-01-02-second.md", digest(2, "Other digest edited."))
        assert events.next()["generation"] == generation + 4


def test_a_page_that_missed_a_build_reloads_at_once_and_a_restarted_server_reloads_pages(site, serve):
    generation, server = serve.page("").generation()
    edit(site / "digests" / "2024-01-02-second.md", digest(2, "Changed."))
    serve.wait_for_line(re.compile(r"rebuilt"))
    with serve.events(generation, server) as events:  # connects after the build: still told
        update = events.next()
        assert "digests/2024-01-02-second/index.html" in update.pop("pages")  # the pages it reloads
        assert update == {
            "generation": generation + 1,
            "action": "reload",
            "errors": [],
            "server": server,
        }
    with serve.events(generation + 1, "an-earlier-run") as events:
        assert events.next()["action"] == "reload"


def test_deleting_a_digest_removes_its_page(site, serve):
    assert serve.page("digests/2024-01-02-second/").status == 200
    generation, server = serve.page("").generation()
    with serve.events(generation, server) as events:
        (site / "digests" / "2024-01-02-second.md").unlink()
        assert events.next()["action"] == "reload"
    gone = serve.page("digests/2024-01-02-second/")
    assert gone.status == 404
    assert "2024-01-02-second" not in serve.page("").text
    assert "Second body." not in serve.page("digests/").text


def test_a_folder_of_digests_with_a_dot_in_its_name_moved_away_removes_its_pages(site, serve, tmp_path):
    """A folder moved out of digests/ is reported as its own path alone, which no longer exists:
    one named like a file (v1.0) was taken for a non-digest file and ignored, and its digests'
    pages stayed served."""
    made = tmp_path / "v1.0"
    made.mkdir()
    edit(made / "2024-01-05-dotted.md", digest(5, "In a dotted folder."))
    folder = made.rename(site / "digests" / "v1.0")  # one event: the folder moved in
    serve.wait_for_line(re.compile(r"^digests/v1\.0 changed: rebuilt"))
    assert "In a dotted folder." in serve.page("digests/2024-01-05-dotted/").text
    folder.rename(tmp_path / "moved-away")
    serve.wait_for_line(re.compile(r"^digests/v1\.0 changed: rebuilt"))  # else none comes
    assert serve.page("digests/2024-01-05-dotted/").status == 404
    assert "2024-01-05-dotted" not in serve.page("").text


def test_a_broken_digest_shows_the_overlay_keeps_the_last_good_page_and_fixing_clears_it(site, serve):
    generation, server = serve.page("digests/2024-01-01-first/").generation()
    path = site / "digests" / "2024-01-01-first.md"
    with serve.events(generation, server) as events:
        edit(path, "---\ntitle: [unclosed\ndate: 2024-01-01\n---\n\nBroken body text.\n")
        update = events.next()
        assert update["action"] == "errors"
        [problem] = update["errors"]
        assert problem["path"] == "digests/2024-01-01-first.md"
        assert problem["level"] == "error" and problem["line"] >= 2 and problem["message"]

        page = serve.page("digests/2024-01-01-first/")
        assert page.status == 200
        assert "First body text." in page.text and "Broken body text." not in page.text  # last good
        assert page.overlay_errors() == update["errors"]  # a reload keeps showing why
        assert serve.page("digests/2024-01-02-second/").status == 200  # the server stays up

        edit(path, digest(1, "Fixed body text."))
        update = events.next()
        assert (update["action"], update["errors"]) == ("reload", [])
    fixed = serve.page("digests/2024-01-01-first/")
    assert "Fixed body text." in fixed.text and fixed.overlay_errors() == []


def test_template_and_config_errors_show_the_overlay_and_keep_serving(site, serve):
    generation, server = serve.page("").generation()
    template = site / "templates" / "digest.html"
    template.parent.mkdir()
    with serve.events(generation, server) as events:
        edit(template, '{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n')
        update = events.next()
        assert update["action"] == "errors"
        assert [(e["path"], e["line"]) for e in update["errors"]] == [("templates/digest.html", 3)]
        assert "First body text." in serve.page("digests/2024-01-01-first/").text

        edit(template, '{% extends "base.html" %}\n{% block content %}<p>Custom template</p>{% endblock %}\n')
        update = events.next()
        assert (update["action"], update["errors"]) == ("reload", [])
        assert "Custom template" in serve.page("digests/2024-01-01-first/").text

        edit(site / "site.yaml", CONFIG + "no_such_key: 1\n")
        update = events.next()
        assert update["action"] == "errors"
        assert update["errors"][0]["path"].endswith("site.yaml")
        assert "no_such_key" in update["errors"][0]["message"]
        assert serve.page("").status == 200

        edit(site / "site.yaml", CONFIG.replace("Serve test", "Renamed site"))
        update = events.next()
        assert (update["action"], update["errors"]) == ("reload", [])
        assert "Renamed site" in serve.page("").text


def test_a_stylesheet_change_swaps_styles_without_a_reload(site, tmp_path):
    assets = site / "templates" / "assets"
    assets.mkdir(parents=True)
    serve = ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview"))
    generation, server = serve.page("").generation()
    with serve, serve.events(generation, server) as events:
        edit(assets / "style.css", "body { color: rgb(1, 2, 3); }\n")
        update = events.next()
        assert update["action"] == "css"
        assert "rgb(1, 2, 3)" in serve.page("assets/style.css").text
        edit(assets / "site.js", "console.log('changed');\n")
        assert events.next()["action"] == "reload"  # scripts need the page to load again


def test_serves_only_the_output_at_the_base_path_and_rejects_traversal(site, serve, tmp_path):
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    (site / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    attempts = [
        "/repo/../secret.txt",
        "/repo/../../secret.txt",
        "/repo/..%2f..%2fsecret.txt",
        "/repo/%2e%2e/%2e%2e/secret.txt",
        "/repo/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/repo/..\\..\\secret.txt",
        "/repo/%5c..%5c..%5csecret.txt",
        "/..%2f..%2fsecret.txt",
        "/repo/%252e%252e/%252e%252e/secret.txt",
        "/repo//etc/passwd",
        "/repo/%2fetc%2fpasswd",
        "/repo/index.html%00.txt",
        "/repo/./../secret.txt",
        "//etc/passwd",
    ]
    for path in attempts:
        response = serve.get(path)
        assert response.status in (400, 404), path
        assert b"TOP SECRET" not in response.body and b"root:" not in response.body, path

    assert serve.get("/").status == 302 and serve.get("/").headers["location"] == "/repo/"
    assert serve.get("/repo").headers["location"] == "/repo/"
    assert serve.get("/repo/digests").headers["location"] == "/repo/digests/"
    assert serve.get("//repo/digests").headers["location"] == "/repo/digests/"  # not to host "repo"
    assert serve.get("/index.html").status == 404  # outside the base path, as on GitHub Pages
    missing = serve.get("/repo/no/such/page/")
    assert missing.status == 404 and "<html" in missing.text  # the site's own 404.html
    assert missing.generation()  # with live reload: the page comes back once it exists
    head = serve.get("/repo/", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 0


def test_content_types(site, tmp_path):
    static = site / "static"
    static.mkdir()
    for name in ("a.webp", "f.woff2", "data.json", "x.svg", "clip.mp4", "doc.pdf"):
        (static / name).write_bytes(b"\x00\x01")
    (site / "digests" / "2024-01-05-论文.md").write_text(digest(5, "CJK slug."), encoding="utf-8")
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        expected = {
            "": "text/html; charset=utf-8",
            "assets/style.css": "text/css; charset=utf-8",
            "assets/site.js": "text/javascript; charset=utf-8",
            "feed.xml": "application/xml; charset=utf-8",
            "sitemap.xml": "application/xml; charset=utf-8",
            "papers.json": "application/json; charset=utf-8",
            "data.json": "application/json; charset=utf-8",
            "a.webp": "image/webp",
            "f.woff2": "font/woff2",
            "x.svg": "image/svg+xml; charset=utf-8",
            "clip.mp4": "video/mp4",
            "doc.pdf": "application/pdf",
        }
        for rel, kind in expected.items():
            response = serve.page(rel)
            assert (response.status, response.headers["content-type"]) == (200, kind), rel
        assert serve.page("a.webp").body == b"\x00\x01"  # binary files are served untouched
        assert "CJK slug." in serve.page("digests/2024-01-05-%E8%AE%BA%E6%96%87/").text
        assert b"paperdigest-livereload" not in serve.page("papers.json").body


def test_incremental_rebuilds_equal_a_clean_build(site, tmp_path):
    preview = tmp_path / "preview"
    digests = site / "digests"
    with ServeProcess(site, "--port", "0", "--out", str(preview)) as serve:
        generation, server = serve.page("").generation()
        steps = [
            lambda: edit(digests / "2024-01-01-first.md", digest(1, "Edited.", title="New title")),
            lambda: edit(digests / "2024-02-03-third.md", digest(3, "A new digest.")),
            lambda: (digests / "2024-01-02-second.md").unlink(),
            lambda: (digests / "2024-02-03-third.md").rename(digests / "2024-02-04-renamed.md"),
            lambda: (site / "static").mkdir(),
            lambda: edit(site / "static" / "note.txt", "static file\n"),
            lambda: (site / "templates" / "assets").mkdir(parents=True),
            lambda: edit(site / "templates" / "assets" / "style.css", "body { margin: 0; }\n"),
            lambda: (tmp_path / "incoming").rename(digests / "incoming"),  # a folder of digests moved in
            lambda: edit(digests / "incoming" / "2024-03-01-moved.md", digest(5, "Edited after the move.")),
            lambda: digests.rename(tmp_path / "away"),  # the whole folder goes...
            lambda: (tmp_path / "away").rename(digests),  # ...and comes back: watched again
            lambda: edit(digests / "2024-01-01-first.md", digest(1, "After the folder came back.")),
            lambda: edit(site / "papers.yaml", "# paper metadata: watched too\n"),
            lambda: edit(site / "site.yaml", CONFIG + "per_page: 1\n"),
        ]
        (tmp_path / "incoming").mkdir()
        edit(tmp_path / "incoming" / "2024-03-01-moved.md", digest(5, "Moved in."))
        with serve.events(generation, server) as events:
            for step in steps:
                step()
                update = events.next()
                assert update["errors"] == [], update
        assert serve.page("note.txt").text == "static file\n"
        assert serve.page("digests/2024-02-04-renamed/").status == 200
        assert serve.page("digests/2024-02-03-third/").status == 404
        assert "Edited after the move." in serve.page("digests/2024-03-01-moved/").text
        assert "After the folder came back." in serve.page("digests/2024-01-01-first/").text
    clean = tmp_path / "clean"
    run_cli("build", "--source", str(site), "--out", str(clean), check=True)
    assert_same_tree(preview, clean)


def assert_same_tree(left: Path, right: Path) -> None:
    """Same files, same bytes. Pagefind's index (pagefind/) differs between two clean builds of
    the same files (its hashes vary run to run), so it is compared by what it indexed."""

    def files(root: Path) -> set[str]:
        found = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        return {f for f in found if not f.startswith(f"{SEARCH_DIR}/")}

    assert files(left) == files(right)
    _, mismatch, errors = filecmp.cmpfiles(left, right, sorted(files(left)), shallow=False)
    assert (mismatch, errors) == ([], [])
    indexed = [
        {
            entry.parent.name: sum(
                i["page_count"] for i in json.loads(entry.read_text())["languages"].values()
            )
            for entry in (root / SEARCH_DIR).glob("*/pagefind-entry.json")
        }
        for root in (left, right)
    ]
    assert indexed[0] == indexed[1]


def test_a_taken_port_is_reported_and_the_next_free_one_used_and_ctrl_c_stops_cleanly(site, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = ServeProcess(site, "--port", str(port), "--out", str(tmp_path / "preview"))
        try:
            assert serve.port != port
            assert f"port {port} is in use" in "\n".join(serve.lines)
            assert serve.page("").status == 200
        finally:
            code, output = serve.stop()
    assert code == 0, output
    assert "Stopped." in output and "Traceback" not in output


def test_a_restarted_preview_loads_its_records_after_serving_so_the_first_save_is_incremental(site, tmp_path):
    preview = tmp_path / "preview"
    with ServeProcess(site, "--port", "0", "--out", str(preview)) as serve:
        serve.wait_for_line(re.compile("Watching for changes"))
    with ServeProcess(site, "--port", "0", "--out", str(preview)) as serve:  # its output is up to date
        serve.wait_for_line(re.compile(r"2 digests held in memory"))
        edit(site / "digests" / "2024-01-01-first.md", digest(1, "Edited after a restart."))
        serve.wait_for_line(re.compile("rebuilt"))
        assert "Edited after a restart." in serve.page("digests/2024-01-01-first/").text


def site_files(site: Path) -> list[Path]:
    """The site folder's files, less the build cache (which a preview fills like a build)."""
    return sorted(p.relative_to(site) for p in site.rglob("*") if ".paperdigest-cache" not in p.parts)


def test_by_default_the_preview_writes_nothing_into_the_site_folder(site):
    before = site_files(site)
    with ServeProcess(site, "--port", "0") as serve:
        assert serve.page("").status == 200
        edit(site / "digests" / "2024-01-01-first.md", digest(1, "Edited."))
        serve.wait_for_line(re.compile("rebuilt"))
        assert "Edited." in serve.page("digests/2024-01-01-first/").text
    assert site_files(site) == before and not (site / "_site").exists()


def test_open_shows_the_printed_url_in_the_browser(site, tmp_path, monkeypatch):
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    monkeypatch.setenv("BROWSER", f"{sys.executable} {recorder} %s")
    with ServeProcess(site, "--port", "0", "--open", "--out", str(tmp_path / "preview")) as serve:
        serve.wait_for_line(re.compile("Watching for changes"))
        for _ in range(600):
            if opened.exists() and opened.read_text():
                break
            time.sleep(0.1)
        assert opened.read_text() == serve.url


@pytest.mark.parametrize("out", ["digests/preview", "static/preview", "."])
def test_an_output_inside_a_watched_folder_is_refused(site, out):
    (site / "static").mkdir()
    proc = run_cli("serve", "--source", str(site), "--port", "0", "--out", str(site / out), timeout=60)
    assert proc.returncode == 2
    assert "cannot be inside" in proc.stderr and "each build would trigger the next" in proc.stderr


def test_an_output_inside_the_site_folder_is_fine_when_digests_live_elsewhere(site, tmp_path):
    with ServeProcess(site, "--port", "0", "--out", str(site / "_preview")) as serve:
        generation, server = serve.page("").generation()
        with serve.events(generation, server) as events:
            edit(site / "digests" / "2024-01-01-first.md", digest(1, "Edited."))
            assert events.next()["generation"] == generation + 1
        # Building into _preview/ triggered nothing more: the next event is the next save's.
        with serve.events(generation + 1, server) as events:
            edit(site / "digests" / "2024-01-01-first.md", digest(1, "Edited again."))
            assert events.next()["generation"] == generation + 2
