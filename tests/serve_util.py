"""Helpers for testing `paperdigest serve`: the real CLI in a subprocess, raw HTTP, the event stream."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from conftest import REPO, like_a_terminal

SERVING = re.compile(r"^Serving .* at (http://\S+)$")
PAGE_STATE = re.compile(r'\(\{"generation": (\d+), "server": "(\w+)"')
EVENT_TIMEOUT = 60  # seconds; generous for a loaded 2-core machine, never a timing assertion


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def generation(self) -> tuple[int, str]:
        """(build generation, server id) that the injected live-reload script was served with."""
        found = PAGE_STATE.search(self.text)
        assert found, "no live-reload script in the page"
        return int(found[1]), found[2]

    def overlay_errors(self) -> list[dict]:
        found = re.search(r'"errors": (\[.*?\])\}\);\n</script>', self.text, re.S)
        assert found, "no live-reload script in the page"
        return json.loads(found[1].replace("\\u003c", "<"))


class ServeProcess:
    """`paperdigest serve` running in a subprocess; stop() sends Ctrl-C (SIGINT)."""

    def __init__(self, source: Path, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "paperdigest", "serve", "--source", str(source), *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(REPO / "src")},
            preexec_fn=like_a_terminal,
        )
        self.lines: list[str] = []
        self.stopped: tuple[int, str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for_line(SERVING)[1]
        parts = urlsplit(self.url)
        self.host, self.port, self.base_path = parts.hostname, parts.port, parts.path

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for_line(self, pattern: re.Pattern, timeout: float = EVENT_TIMEOUT) -> re.Match:
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern.pattern}; output:\n" + "\n".join(self.lines)
                ) from None
            if line is None:
                raise AssertionError("paperdigest serve exited; output:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if found := pattern.search(line):
                return found

    def get(self, path: str, method: str = "GET") -> Response:
        """A raw request: the path is sent exactly as given (no client-side normalisation)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=EVENT_TIMEOUT)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            conn.endheaders()
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def page(self, rel: str) -> Response:
        return self.get(self.base_path + rel)

    def events(self, since: int, server: str) -> EventStream:
        return EventStream(self.host, self.port, since, server)

    def stop(self) -> tuple[int, str]:
        """Ctrl-C; returns (exit code, whole output). Stopping again returns the same."""
        if self.stopped is not None:
            return self.stopped
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        while (line := self._lines.get(timeout=10)) is not None:
            self.lines.append(line)
        self.stopped = (self.proc.returncode, "\n".join(self.lines))
        return self.stopped

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class EventStream:
    """The Server-Sent Events stream a page listens to, read one message at a time."""

    def __init__(self, host: str, port: int, since: int, server: str):
        self.conn = http.client.HTTPConnection(host, port, timeout=EVENT_TIMEOUT)
        self.conn.request("GET", f"/__paperdigest__/events?since={since}&server={server}")
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.getheader("Content-Type").startswith("text/event-stream")

    def next(self) -> dict:
        """The next data message (keep-alive comments skipped), within EVENT_TIMEOUT: the socket's
        own timeout starts again with each keep-alive comment, so alone it would wait forever."""
        data = []
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"no event within {EVENT_TIMEOUT} s")
            line = self.resp.fp.readline().decode()
            if not line:
                raise AssertionError("event stream closed")
            line = line.rstrip("\n")
            if line.startswith("data: "):
                data.append(line[len("data: ") :])
            elif line == "" and data:
                return json.loads("\n".join(data))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
