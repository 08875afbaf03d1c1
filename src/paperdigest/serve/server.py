"""The preview's HTTP server: files under the output only, at the production base path, with the
live-reload script added to HTML responses (never to the files) and a Server-Sent Events stream."""

from __future__ import annotations

import errno
import http.server
import ipaddress
import mimetypes
import re
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

from paperdigest.serve.livereload import ENDPOINT, ReloadHub, client_script, inject

KEEPALIVE_SECONDS = 15  # an SSE comment this often notices closed tabs and keeps proxies open
BUILD_WAIT_SECONDS = 120  # a page missing mid-rebuild is looked for again once the build is done
PORT_ATTEMPTS = 20
NAME_MAX = 255  # bytes in one file name: a longer path segment names no file
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}
HOST_HEADER = re.compile(
    r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[0-9]{1,5}))?"
)
TEXT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".svg": "image/svg+xml",
    ".csv": "text/csv",
}
BINARY_TYPES = {
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".wasm": "application/wasm",
}


NOT_FOUND_PAGE = b"<!doctype html>\n<title>404 Not Found</title>\n<body><h1>404 Not Found</h1></body>\n"


class BadPath(ValueError):
    """A request path that tries to leave the output (.., backslashes, NUL), encoded or not."""


@dataclass
class ServedSite:
    """What the handler serves; base_path follows site.yaml when it changes."""

    out_dir: Path
    base_path: str
    hub: ReloadHub


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in TEXT_TYPES:
        return TEXT_TYPES[suffix] + "; charset=utf-8"
    guessed = BINARY_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    return guessed or "application/octet-stream"


def request_parts(raw_path: str) -> list[str]:
    """The decoded path segments of a request; raises BadPath for any attempt to climb out."""
    if not raw_path.startswith("/"):
        raise BadPath(raw_path)
    decoded = unquote(raw_path, errors="strict") if "%" in raw_path else raw_path
    for text in (raw_path, decoded):
        if "\\" in text or "\x00" in text:
            raise BadPath(raw_path)
        if any(part in (".", "..") for part in text.split("/")):
            raise BadPath(raw_path)
    return [part for part in decoded.split("/") if part]


def under_base(parts: list[str], base_path: str) -> list[str] | None:
    """The segments below the base path, or None when the request is outside it. The base path
    comes from base_url, percent-encoded (/%E8%AE%BA%E6%96%87/) or not (/论文/): compared decoded,
    as the request's segments are."""
    base = [unquote(part) for part in base_path.split("/") if part]
    return parts[len(base) :] if parts[: len(base)] == base else None


def url_path(path: str) -> str:
    """A path as it may be sent in a Location header or printed: ASCII, percent-encoded once.
    A base_url with a space or non-ASCII letters would otherwise make the redirect from / fail
    (headers are latin-1) and print a URL that a terminal cuts at the space."""
    return quote(unquote(path), safe="/")


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "paperdigest-serve"
    timeout = 300  # an idle keep-alive connection gives its thread back after this many seconds

    def do_GET(self) -> None:
        self.respond(head=False)

    def do_HEAD(self) -> None:
        self.respond(head=True)

    def log_message(self, format, *args) -> None:
        pass  # one line per request would bury the build messages

    def respond(self, head: bool) -> None:
        if not self.server.answers_to(self.host_header()):
            # A page of another site whose name was made to resolve to 127.0.0.1 (DNS rebinding)
            # would send its own name: it must not read the preview or its error stream.
            return self.send_text(403, "403 this preview answers only to its own address\n", head)
        raw_path, _, query = self.path.partition("?")
        if raw_path == ENDPOINT and not head:
            return self.stream_events(query)
        site = self.server.site
        try:
            parts = request_parts(raw_path)
        except (BadPath, UnicodeDecodeError):
            return self.send_text(400, "400 bad request path\n", head)
        if any(len(part.encode()) > NAME_MAX for part in parts):
            return self.send_text(414, "414 a path segment is longer than a file name can be\n", head)
        rel = under_base(parts, site.base_path)
        if rel is None:
            if not parts:
                return self.redirect(url_path(site.base_path))
            return self.not_found(head)
        target = self.find(site, rel, trailing_slash=raw_path.endswith("/"))
        if target is None:
            site.hub.wait_until_built(BUILD_WAIT_SECONDS)  # it may be in the build being swapped in
            target = self.find(site, rel, trailing_slash=raw_path.endswith("/"))
        if target == "redirect":
            # Rebuilt from the checked segments: "//host/folder" must not redirect to another site.
            location = "/" + "".join(quote(part) + "/" for part in parts)
            return self.redirect(location + (f"?{query}" if query else ""))
        if target is None:
            return self.not_found(head, asked_for(rel, trailing_slash=raw_path.endswith("/")))
        self.send_file(200, target, head)

    def host_header(self) -> str | None:
        """The Host header; "" (refused) when there are several: which one counts would depend on
        the reader, and a proxy reading the last could forward what this server checked the first
        of (RFC 9112: a request with more than one Host is answered 400)."""
        hosts = self.headers.get_all("Host") or []
        return hosts[0] if len(hosts) == 1 else ("" if hosts else None)

    def find(self, site: ServedSite, rel: list[str], trailing_slash: bool) -> Path | str | None:
        out = site.out_dir.resolve()
        target = out.joinpath(*rel)
        try:
            if target.is_dir():
                if not trailing_slash:
                    return "redirect"
                target = target / "index.html"
            resolved = target.resolve(strict=True)
        except (OSError, RuntimeError):  # e.g. a path longer than the system allows
            return None
        if not resolved.is_relative_to(out) or not resolved.is_file():
            return None  # a symlink out of the output is not followed
        return resolved

    def not_found(self, head: bool, wanted: tuple[str, ...] = ()) -> None:
        """The site's 404 page; it reloads when the page asked for (`wanted`) appears."""
        page = self.server.site.out_dir / "404.html"
        if page.is_file():
            return self.send_file(404, page, head, wanted)
        # No site yet (the first build failed): a page that shows the errors and reloads when fixed.
        script = client_script(self.server.site.hub.current, wanted)
        self.send_bytes(404, "text/html; charset=utf-8", inject(NOT_FOUND_PAGE, script), head)

    def send_file(self, status: int, path: Path, head: bool, wanted: tuple[str, ...] = ()) -> None:
        hub = self.server.site.hub
        update = hub.current  # read before the file: a build finishing in between reloads it once more
        try:
            handle = path.open("rb")
        except OSError:
            return self.send_text(404, "404 not found\n", head)
        with handle:
            kind = content_type(path)
            if kind.startswith("text/html"):
                shown = (output_file(self.server.site.out_dir, path), *wanted)
                body = inject(handle.read(), client_script(update, shown))
                return self.send_bytes(status, kind, body, head)
            size = handle.seek(0, 2)
            handle.seek(0)
            self.send_response(status)
            self.send_common_headers(kind, size)
            if not head:
                shutil.copyfileobj(handle, self.wfile)

    def send_text(self, status: int, text: str, head: bool) -> None:
        self.send_bytes(status, "text/plain; charset=utf-8", text.encode(), head)

    def send_bytes(self, status: int, kind: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_common_headers(kind, len(body))
        if not head:
            self.wfile.write(body)

    def send_common_headers(self, kind: str, length: int) -> None:
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")  # a reload must never show a cached page
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def stream_events(self, query: str) -> None:
        """Server-Sent Events: one message per build that the page has not seen yet."""
        params = parse_qs(query)
        since = max(as_int(params.get("since", [""])[0]), as_int(self.headers.get("Last-Event-ID", "")))
        server_id = params.get("server", [""])[0]
        hub = self.server.site.hub
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not self.server.closing:
                update = hub.wait_after(since, server_id, KEEPALIVE_SECONDS)
                if update is None:
                    self.wfile.write(b": keepalive\n\n")
                else:
                    self.wfile.write(f"id: {update.generation}\ndata: {update.as_json()}\n\n".encode())
                    since, server_id = update.generation, hub.server_id
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the tab was closed or reloaded


def asked_for(rel: list[str], trailing_slash: bool) -> tuple[str, ...]:
    """The output files a request for the path segments `rel` (below the base path) would be
    answered with, once they exist: a folder's index.html, or a file of that name."""
    path = "/".join(rel)
    if not rel or trailing_slash:
        return (f"{path}/index.html".lstrip("/"),)
    return (path, f"{path}/index.html")


def output_file(out_dir: Path, path: Path) -> str:
    """`path` as the builds name output files: relative to the output folder, with slashes."""
    out = out_dir.resolve()
    return path.relative_to(out).as_posix() if path.is_relative_to(out) else path.name


def as_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep Ctrl-C waiting

    def __init__(self, address: tuple[str, int], site: ServedSite):
        self.site = site
        self.closing = False
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)
        self.host_names = LOCAL_NAMES | {address[0].strip("[]").lower(), self.server_address[0]}
        self.any_address = address[0] in ("", "0.0.0.0", "::")

    def answers_to(self, host: str | None) -> bool:
        """A Host header naming this server: localhost, the address it listens on (any IP address
        when it listens on all of them, never a domain name) and its port. No header (HTTP/1.0
        clients) is fine: browsers always send one."""
        if host is None:
            return True
        # Exactly name:port, nothing around it: urlsplit alone would read "evil.example@127.0.0.1:P"
        # (user info) or "127.0.0.1:P/x" as this server.
        found = HOST_HEADER.fullmatch(host.strip(" \t"))
        if found is None:
            return False
        name = (found["ipv6"] or found["name"]).lower()
        if int(found["port"] or 80) != self.server_address[1]:
            return False
        return name in self.host_names or (self.any_address and is_ip_address(name))

    def handle_error(self, request, client_address) -> None:
        """A reader that went away mid-response (a closed tab, an aborted request) is not an error."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def close(self) -> None:
        self.closing = True
        self.site.hub.close()
        self.shutdown()
        self.server_close()


def bind(host: str, port: int, site: ServedSite, say=print) -> PreviewServer:
    """A server on `port`, or on the next free port after it (saying so); port 0 lets the OS pick."""
    last_error: OSError | None = None
    for candidate in range(port, port + PORT_ATTEMPTS) if port else [0]:
        try:
            return PreviewServer((host, candidate), site)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last_error = exc
            say(f"port {candidate} is in use; trying {candidate + 1}")
    raise OSError(errno.EADDRINUSE, f"ports {port}-{port + PORT_ATTEMPTS - 1} are all in use") from last_error


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return all(info[4][0].startswith("127.") or info[4][0] == "::1" for info in infos)
