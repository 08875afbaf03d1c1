"""Digests whose body HTML stays in the build cache until a template reads it.

The body HTML is most of a parsed digest's memory (about 30 KB of a 45 KB record for a 6 KB
digest with CJK text). A StoredDigest is a Digest whose `html` is read from the cache on access,
so a 10,000-digest site keeps only titles, dates, cards and the like in memory, and any template
that does read `html` (of any digest, on any page) still gets it.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from paperdigest.model import Digest


@dataclass
class BodyStore:
    """Body HTML by parse key, in the cache's SQLite file; a connection per process (render
    workers are forked, and a SQLite connection must not cross a fork)."""

    path: Path
    connections: dict[int, sqlite3.Connection] = field(default_factory=dict, repr=False)

    def load(self, key: str) -> str:
        row = self.connection().execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:  # the cache may have been deleted and made anew since this connection opened
            self.connections.pop(os.getpid()).close()
            row = self.connection().execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise LookupError(f"body of digest {key} missing from the build cache {self.path}")
        return row[0].decode("utf-8", "surrogatepass")

    def connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        if pid not in self.connections:
            self.connections[pid] = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        return self.connections[pid]

    def close(self) -> None:
        connection = self.connections.pop(os.getpid(), None)
        if connection is not None:
            connection.close()


@dataclass(frozen=True, slots=True)
class StoredBody:
    """Where a digest's body is: its parse key in a BodyStore."""

    store: BodyStore
    key: str


class StoredDigest(Digest):
    """A Digest whose `html` is a StoredBody until read; otherwise the same record."""

    @property
    def html(self) -> str:
        held = self.__dict__["html"]
        return held.store.load(held.key) if isinstance(held, StoredBody) else held

    @html.setter
    def html(self, value: str) -> None:  # dataclasses.replace() builds a new record with its html
        self.__dict__["html"] = value


def stored(digest: Digest, body: StoredBody | str) -> StoredDigest:
    """The light form of `digest`: its html is `body`, read from the store when it is a StoredBody."""
    record = object.__new__(StoredDigest)
    record.__dict__.update({f.name: getattr(digest, f.name) for f in dataclasses.fields(digest)}, html=body)
    return record
