"""The dev server answers what it is asked, quietly, and only to its own address; no file name can
forge a line of output. Real CLI in a subprocess, real HTTP on 127.0.0.1, raw sockets."""

from __future__ import annotations

import http.client
import re
import socket
import struct
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from serve_util import ServeProcess

CONFIG = "title: Hardening\n"
GOOD = "---\ntitle: Good\ndate: 2023-05-02\n---\nA good digest.\n"
# A file name that, printed as is, would end the line and print a fake red error of its own.
FORGING = "x\n\x1b[31mfake.md:1: error: forged.md"
NOISE = re.compile(r"Traceback|BrokenPipeError|ConnectionResetError|OSError")


@pytest.fixture
def site(tmp_path) -> Path:
    root = write_site(tmp_path / "site", {"good.md": GOOD}, CONFIG)
    (root / "static").mkdir()
    (root / "static/big.bin").write_bytes(b"x" * 8_000_000)  # more than a socket buffer holds
    return root


@pytest.fixture
def serve(site, tmp_path):
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as server:
        yield server


def get_with_host(server: ServeProcess, path: str, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_an_over_long_path_segment_gets_414_not_a_traceback(serve):
    response = serve.page("a" * 300)
    assert response.status == 414
    assert serve.page("/".join(["segment"] * 700)).status == 404  # longer than any path, short parts
    assert serve.page("digests/good/").status == 200
    _, output = serve.stop()
    assert not NOISE.search(output), output


def test_readers_that_go_away_mid_response_leave_no_traceback(serve):
    for _ in range(40):
        sock = socket.create_connection((serve.host, serve.port))
        sock.sendall(f"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:{serve.port}\r\n\r\n".encode())
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, unread
        sock.close()
    assert serve.page("digests/good/").status == 200  # after those 40 resets, still serving
    assert serve.page("big.bin").status == 200  # ... and all of them have been answered
    _, output = serve.stop()
    assert not NOISE.search(output), output


def test_a_request_naming_another_host_is_refused(serve):
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 must not read the
    preview or its error stream; the preview answers only to its own address and localhost."""
    port = serve.port
    for host in (
        f"evil.example:{port}",
        f"127.0.0.1.evil.example:{port}",
        f"127.0.0.1:{port + 1}",
        "localhost",
    ):
        for path in ("/digests/good/", "/__paperdigest__/events?since=0"):
            status, body = get_with_host(serve, path, host)
            assert status == 403, (host, path)
            assert b"good digest" not in body
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        status, body = get_with_host(serve, "/digests/good/", host)
        assert status == 200 and b"A good digest." in body, host


def forged_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "\x1b" in line or line.startswith("fake.md")]


def test_a_file_name_with_control_characters_cannot_forge_a_line_in_build_or_check(site):
    (site / "digests" / FORGING).write_text("---\ntitle: [broken\n---\nBody.\n", encoding="utf-8")
    built = run_cli("build", "--source", str(site), "--out", str(site / "_site"))
    checked = run_cli("check", "--source", str(site))
    shown = "digests/x\\n\\x1b[31mfake.md:1: error: forged.md:2: error: front matter:"
    for output in (built.stderr, checked.stdout):
        assert forged_lines(output) == [], output
        assert shown in output


def test_a_file_name_with_control_characters_cannot_forge_a_line_in_the_dev_server(serve, site):
    (site / "digests" / FORGING).write_text("---\ntitle: [broken\n---\nBody.\n", encoding="utf-8")
    serve.wait_for_line(re.compile(r"changed: "))
    _, output = serve.stop()
    assert forged_lines(output) == [], output
    assert "x\\n\\x1b[31mfake.md" in output


@pytest.mark.parametrize("base_url", ["https://u.github.io/论文/", "https://u.github.io/%E8%AE%BA%E6%96%87/"])
def test_a_base_path_with_non_ascii_letters_is_served_and_redirected_to(tmp_path, base_url):
    """A base_url naming a folder in Chinese, written as is or percent-encoded: / redirects to it
    (a Location header is latin-1: unencoded, the redirect failed with a traceback and no answer)
    and its pages are served (an encoded base path was compared with decoded requests: all 404)."""
    root = write_site(tmp_path / "site", {"good.md": GOOD}, f"title: Base\nbase_url: {base_url}\n")
    with ServeProcess(root, "--port", "0", "--out", str(tmp_path / "preview")) as server:
        assert server.base_path == "/%E8%AE%BA%E6%96%87/"  # the printed URL, ready to click
        response = server.get("/")
        assert response.status == 302
        assert response.headers["location"] == "/%E8%AE%BA%E6%96%87/"
        assert server.get("/%E8%AE%BA%E6%96%87/digests/good/").status == 200
        assert server.get("/digests/good/").status == 404
        _, output = server.stop()
    assert not NOISE.search(output), output


def raw_status(server: ServeProcess, head: str) -> int:
    """The status of a request sent byte for byte (http.client will not send two Host headers)."""
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.settimeout(30)
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n")
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1])


def test_a_host_header_is_this_server_only_when_it_says_nothing_more(serve):
    """Host is read whole, as name:port: no user info or path around this server's address, and
    one Host header only (with two, the first was checked; a proxy in front may forward the other)."""
    port = serve.port
    for host in (f"evil.example@127.0.0.1:{port}", f"127.0.0.1:{port}/evil", f"127.0.0.1:{port}#evil"):
        assert raw_status(serve, f"GET /digests/good/ HTTP/1.1\r\nHost: {host}\r\n") == 403, host
    two = f"Host: 127.0.0.1:{port}\r\nHost: evil.example:{port}\r\n"
    assert raw_status(serve, f"GET /digests/good/ HTTP/1.1\r\n{two}") == 403
    assert raw_status(serve, f"GET /__paperdigest__/events?since=0 HTTP/1.1\r\n{two}") == 403
    assert raw_status(serve, f"GET /digests/good/ HTTP/1.1\r\nHost:  127.0.0.1:{port} \r\n") == 200


def test_an_output_folder_holding_other_files_is_refused_not_emptied(site, tmp_path):
    """Each build replaces the output folder whole: `serve --out docs` on a hand-written folder
    deleted every file in it. Such a folder is refused, untouched; a new folder, or the preview's
    own output of an earlier run, is used."""
    docs = tmp_path / "docs"
    (docs / "notes").mkdir(parents=True)
    (docs / "thesis.tex").write_text("precious\n")
    (docs / "notes" / "a.md").write_text("mine\n")
    proc = run_cli("serve", "--source", str(site), "--port", "0", "--out", str(docs), timeout=30)
    assert proc.returncode == 2, proc.stdout
    assert "holds files paperdigest did not write" in proc.stderr
    assert (docs / "thesis.tex").read_text() == "precious\n"
    assert sorted(p.name for p in docs.rglob("*")) == ["a.md", "notes", "thesis.tex"]
    for _ in range(2):  # the second run finds the first one's output: fine
        with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as server:
            assert server.page("digests/good/").status == 200
