"""Digests whose body HTML stays in the build cache until a template reads it.

The body HTML is most of a parsed digest's memory (about 30 KB of a 45 KB record for a 6 KB
digest with CJK text). A StoredDigest is a Digest whose `html` is read from the cache on access,
so a 10,000-digest site keeps only titles, dates, cards and the like in memory, and any template
that does read `html` (of any digest, on any page) still gets it. It also carries fingerprints of
each of its fields and cards, computed once when the digest was parsed, so that deciding which
pages changed never has to load or compare bodies.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

from paperdigest.cache import digest_of
from paperdigest.model import Digest


class StoredDigest(Digest):
    """A Digest with `html` loaded on demand from `HtmlStore`; otherwise the same record."""

    @property
    def html(self) -> str:
        held = self.__dict__.get("_html")
        if held is not None:
            return held
        return HtmlStore.load(self.__dict__["_store"], self.__dict__["_key"])

    @html.setter
    def html(self, value: str) -> None:  # dataclasses.replace() builds a new record with its html
        self.__dict__["_html"] = value


def field_fingerprints(digest: Digest) -> dict[str, str]:
    """One fingerprint per field (by repr), and one per card: fingerprints of a page need no bodies."""
    fps = {f.name: digest_of(repr(getattr(digest, f.name))) for f in dataclasses.fields(digest)}
    fps["#cards"] = [digest_of(repr(card)) for card in digest.cards]
    return fps


def stored(digest: Digest, store: Path, key: str, fps: dict, *, held: str | None = None) -> StoredDigest:
    """The light form of `digest`, whose html was put in `store` under `key` (or is `held` in memory)."""
    record = object.__new__(StoredDigest)
    values = {f.name: getattr(digest, f.name) for f in dataclasses.fields(digest) if f.name != "html"}
    record.__dict__.update(values, _store=store, _key=key, _fps=fps, _html=held)
    return record


class HtmlStore:
    """Body HTML by parse key, in the cache's SQLite file; one connection per process."""

    _connections: dict[tuple[int, Path], sqlite3.Connection] = {}

    @classmethod
    def connection(cls, path: Path) -> sqlite3.Connection:
        key = (os.getpid(), path)  # a forked worker opens its own
        if key not in cls._connections:
            cls._connections[key] = sqlite3.connect(path, timeout=60, check_same_thread=False)
        return cls._connections[key]

    @classmethod
    def load(cls, path: Path, key: str) -> str:
        row = cls.connection(path).execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:  # the cache may have been deleted and made anew since this connection opened
            cls._connections.pop((os.getpid(), path)).close()
            row = cls.connection(path).execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise LookupError(f"body of digest {key} missing from the build cache {path}")
        return row[0].decode("utf-8", "surrogatepass")
