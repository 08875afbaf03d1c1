"""A static file server on 127.0.0.1 for browser tests of built sites (served under a base path)."""

from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from pathlib import Path


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return "/nonexistent"
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, *args):
        pass


@contextmanager
def serve_static(root: Path, base_path: str = "/"):
    """Yield the URL of `root` served at `base_path` on a free port of 127.0.0.1."""
    handler = type("H", (_Handler,), {"prefix": base_path})
    with serving(functools.partial(handler, directory=str(root))) as origin:
        yield origin + base_path


@contextmanager
def serving(handler):
    """Yield the origin (`http://127.0.0.1:PORT`) of a server of `handler` on a free port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
