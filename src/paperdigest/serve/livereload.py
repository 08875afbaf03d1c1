"""Live reload: a build generation counter that pages wait on, and the script injected into them.

Every finished rebuild attempt advances the generation by one and says what the open pages should
do: `reload` (the output changed), `css` (only stylesheets changed: swap them in place) or
`errors` (the build failed; the last good pages stay, the overlay shows why). A page is served
with the generation current when it was read, so it reloads only for a build that finished after
it, never for the one it already shows, and never twice for one build.

A `reload` may name the pages it reloads (output files, e.g. `digests/x/index.html`): a save of a
digest changes its own page and the lists showing it, and the other open pages had better keep
what the reader was doing there (a search typed, the focus). A page is served knowing the output
files it shows (`page` in the script's data).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import threading
from dataclasses import dataclass
from importlib import resources

from paperdigest.errors import Problem

ENDPOINT = "/__paperdigest__/events"
HISTORY = 200  # generations remembered to tell a client what it missed
STRENGTH = {"errors": 0, "css": 1, "reload": 2}


@dataclass(frozen=True)
class Update:
    generation: int
    action: str  # "reload" | "css" | "errors"
    errors: tuple[Problem, ...]
    server: str  # this run of the preview: pages from an earlier run reload
    pages: frozenset[str] | None = None  # the pages a reload is for; None: every page

    def but(self, action: str, pages: frozenset[str] | None = None) -> Update:
        return Update(self.generation, action, self.errors, self.server, pages)

    def reloads(self) -> frozenset[str] | None:
        """The pages that must load again for this update; None: every page (a stylesheet swap
        missed by a page is caught up by a reload too)."""
        if self.action == "errors":
            return frozenset()
        return self.pages if self.action == "reload" else None

    def as_json(self) -> str:
        return json.dumps(
            {
                "generation": self.generation,
                "action": self.action,
                "errors": [p.as_dict() for p in self.errors],
                "server": self.server,
                "pages": None if self.pages is None else sorted(self.pages),
            },
            ensure_ascii=False,
        )


class ReloadHub:
    """The current generation and errors; HTTP handler threads wait here for the next build."""

    def __init__(self):
        self.server_id = secrets.token_hex(8)
        self._changed = threading.Condition()
        self._history: list[Update] = [Update(0, "reload", (), self.server_id)]
        self._building = False
        self._closed = False

    @property
    def current(self) -> Update:
        with self._changed:
            return self._history[-1]

    def publish(self, action: str, errors: list[Problem], pages: frozenset[str] | None = None) -> Update:
        """Called once a rebuild attempt has finished and its output (if any) is in place."""
        with self._changed:
            generation = self._history[-1].generation + 1
            update = Update(generation, action, tuple(errors), self.server_id, pages)
            self._history = [*self._history[-HISTORY:], update]
            self._building = False
            self._changed.notify_all()
            return update

    def set_building(self, building: bool) -> None:
        with self._changed:
            self._building = building
            self._changed.notify_all()

    def wait_until_built(self, timeout: float) -> None:
        """Block while a rebuild runs (a page asked for mid-build may be about to appear)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._building or self._closed, timeout)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_after(self, since: int, server_id: str, timeout: float) -> Update | None:
        """The update a page at generation `since` must apply, once there is one; None on timeout
        or shutdown. A page from another server run (restarted preview) reloads at once."""
        with self._changed:
            if server_id != self.server_id:
                return self._history[-1].but("reload")
            self._changed.wait_for(lambda: self._history[-1].generation > since or self._closed, timeout)
            if self._closed or self._history[-1].generation <= since:
                return None
            return self._missed(since)

    def _missed(self, since: int) -> Update:
        """One update standing for every generation after `since`: the strongest action wins."""
        latest = self._history[-1]
        missed = [u for u in self._history if u.generation > since]
        if missed[0].generation != since + 1:
            return latest.but("reload")  # older than what is remembered: every page
        action = max((u.action for u in missed), key=STRENGTH.__getitem__)
        reloads = [u.reloads() for u in missed]
        return latest.but(action, None if None in reloads else frozenset().union(*reloads))


@functools.cache
def client_code() -> str:
    return resources.files(__package__).joinpath("livereload.js").read_text(encoding="utf-8")


def client_script(update: Update, page: tuple[str, ...] = ()) -> bytes:
    """The <script> injected into served HTML pages (never written to the output). `page`: the
    output files the page shows, whose change reloads it (a 404 page: also the one asked for)."""
    config = {
        "generation": update.generation,
        "server": update.server,
        "events": ENDPOINT,
        "page": list(page),
        "errors": [p.as_dict() for p in update.errors],
    }
    # "<" escaped so that no message can close the script element early.
    data = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script id="paperdigest-livereload">\n"use strict";\n({client_code()})({data});\n</script>\n'.encode()


BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def inject(html: bytes, script: bytes) -> bytes:
    """Insert the script before the last </body>, or at the end of a page without one."""
    ends = list(BODY_END.finditer(html))
    if not ends:
        return html + script
    at = ends[-1].start()
    return html[:at] + script + html[at:]
