"""The persistent build cache in `<site>/.paperdigest-cache/`: parsed digests and output manifests.

A parsed digest is stored under a key made of the file's bytes, its path, the code of paperdigest
and its Markdown libraries, and the settings that change parsing (the base path). An unchanged
digest is therefore never parsed twice, and any change to one of those inputs misses the cache.
One SQLite file holds it all: readers and writers in other processes (a dev server beside a
build) are serialised by SQLite's own locking, and a killed build leaves the last commit intact.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from paperdigest import __version__
from paperdigest.config import SiteConfig
from paperdigest.katex_engine import math_setup

CACHE_DIR = ".paperdigest-cache"
SCHEMA = 3
# Keys of site.yaml that only change how pages look, never how a digest is parsed. Every other key
# (present or added later, e.g. math settings) is part of the parse key, to be safe.
# Not static_dir: a digest's relative path to a file under it names where static/ publishes it.
RENDER_ONLY_KEYS = {
    "title", "description", "author", "language", "templates_dir", "per_page", "papers_per_page",
    "base_url", "root", "given", "digests_dir", "search", "cname", "strings", "repo_url",
}  # fmt: skip
# Libraries whose versions change what a build writes, besides every requirement paperdigest declares.
LIBRARIES = (
    "markdown-it-py",
    "mdit-py-plugins",
    "pygments",
    "pyyaml",
    "jinja2",
    "markupsafe",
    "nh3",
    "pagefind",
)


def digest_of(*parts: str | bytes) -> str:
    """The hash of the parts, each followed by a NUL byte (as Hashing streams them)."""
    if not parts:
        return hashlib.sha256().hexdigest()[:40]
    try:  # one encode and one update: fingerprinting calls this hundreds of thousands of times
        data = ("\x00".join(parts) + "\x00").encode("utf-8", "surrogatepass")
    except TypeError:  # some parts are bytes
        data = b"".join(
            [(p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass")) + b"\x00" for p in parts]
        )
    return hashlib.sha256(data).hexdigest()[:40]


class Hashing:
    """digest_of(data) of bytes that come in chunks: update() with each, then hexdigest(). SHA-256,
    cut to 160 bits: twice as fast as BLAKE2 on the 100 MB papers.json where the CPU has SHA
    instructions, as fast on the short strings of fingerprints."""

    def __init__(self):
        self.h = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self.h.update(chunk)

    def hexdigest(self) -> str:
        self.h.update(b"\x00")
        return self.h.hexdigest()[:40]


def file_digest(path: Path) -> str | None:
    """digest_of(the file's bytes), read in chunks; None if it cannot be read."""
    hashing = Hashing()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                hashing.update(chunk)
    except OSError:
        return None
    return hashing.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The generator's version: __version__, the bytes of every file of the package (its modules,
    the bundled KaTeX, the packaged theme), its libraries' versions.

    Hashing them (a few MB) means an edited checkout never reuses stale records or pages.
    """
    parts: list[str | bytes] = [__version__, str(SCHEMA)]
    for rel, path in package_files():
        parts += [rel, path.read_bytes()]
    for name in sorted(set(LIBRARIES) | declared_requirements()):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=?")
    return digest_of(*parts)


PACKAGE = Path(__file__).resolve().parents[1]  # src/paperdigest, or site-packages/paperdigest


def package_files() -> list[tuple[str, Path]]:
    """(path in the package, path) of every file of the installed paperdigest, compiled code left out."""
    return [
        (path.relative_to(PACKAGE).as_posix(), path)
        for path in sorted(PACKAGE.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
    ]


def declared_requirements() -> set[str]:
    """The names of the libraries paperdigest's installed metadata requires (extras left out)."""
    try:
        requires = metadata.requires("paperdigest") or []
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return set()
    return {REQUIREMENT_NAME.match(r).group(0).lower() for r in requires if "extra ==" not in r}


REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def parse_settings(config: SiteConfig) -> str:
    """What a parsed digest depends on beyond its file: the base path, every key of site.yaml that is
    not render-only, and the KaTeX that typesets formulas into the records."""
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    kept = {k: v for k, v in values.items() if k not in RENDER_ONLY_KEYS}
    return repr((config.base_path, sorted(kept.items()), katex_identity(config)))


def katex_identity(config: SiteConfig) -> tuple:
    """The KaTeX that typesets formulas, by its bytes: not by its path, which changes when the site
    or paperdigest is installed somewhere else (another virtualenv, CI runner or checkout)."""
    setup = math_setup(config)
    return (setup.mode, setup.script.digest) if setup.script else (setup.mode,)


def parse_key(raw: bytes, rel: str, settings: str) -> str:
    return digest_of(code_fingerprint(), settings, rel, raw)


class Entry(NamedTuple):
    """One output file in a manifest (one row of the cache's `files` table)."""

    fp: str  # what the file is made from
    sha: str  # hash of its bytes
    size: int
    mtime_ns: int
    static: bool = False  # copied or written by copy_static, not a planned page


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the cache database: write-ahead log, commits without waiting for the disk
    (a cache can lose its last writes in a power cut, never its consistency)."""
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


class BuildCache:
    """Parsed digests by key, and the manifest of each output folder. Disabled if not writable."""

    def __init__(self, root: Path):
        self.root = root
        self.dir = root / CACHE_DIR
        self.db: sqlite3.Connection | None = None
        try:
            self.dir.mkdir(exist_ok=True)
            (self.dir / ".gitignore").write_text("*\n")  # never committed, even without our .gitignore
            self.db = connect(self.dir / "cache.sqlite")
            self.db.execute("CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, value BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS manifest (out TEXT PRIMARY KEY, value BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS html (key TEXT PRIMARY KEY, value BLOB)")
            # Page groups' output paths and fingerprints by what they are made from (Fingerprints.group_key).
            self.db.execute("CREATE TABLE IF NOT EXISTS plans (key TEXT PRIMARY KEY, value TEXT)")
            # papers.json lines by what their paper is made from (memo.StoredLines).
            self.db.execute("CREATE TABLE IF NOT EXISTS lines (key TEXT PRIMARY KEY, value BLOB)")
            # What Pagefind can take from a page, by the page's bytes (search.IndexedParts).
            self.db.execute("CREATE TABLE IF NOT EXISTS indexed (key TEXT PRIMARY KEY, value TEXT)")
            # The parse key of each digest file's last parse without errors (a digest with an
            # error publishes that version until the error is fixed).
            self.db.execute("CREATE TABLE IF NOT EXISTS good (source TEXT PRIMARY KEY, key TEXT)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS files (out TEXT, rel TEXT, fp TEXT, sha TEXT, size INTEGER,"
                " mtime_ns INTEGER, static INTEGER, PRIMARY KEY (out, rel))"
            )
        except (OSError, sqlite3.Error):
            self.db = None  # a read-only site still builds, just without a cache

    def close(self) -> None:
        """Ends the build's use of the cache. What the build wrote to the write-ahead log (a cold
        build: every digest's body, hundreds of MB) goes into the database now: left there, it
        would be copied by the next commit, in the middle of the dev server's first rebuild."""
        if self.db is not None:
            close_lines_connection(self.path)
            with contextlib.suppress(sqlite3.Error):  # e.g. another build holds it: its close will do
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.close()
            self.db = None

    def get_parsed(self, keys: list[str]) -> dict[str, object]:
        """The cached parse results among `keys` (misses are absent)."""
        found: dict[str, object] = {}
        if self.db is None or not keys:
            return found
        for key, value in rows_of(self.db, "parsed", keys):
            try:
                found[key] = pickle.loads(value)
            except Exception:  # a corrupt or incompatible row is a miss
                continue
        return found

    @property
    def path(self) -> Path:
        return self.dir / "cache.sqlite"

    def templates_folder(self) -> Path | None:
        """Where compiled templates are kept (render.CompiledTemplates): a folder of this version
        of the code, the folders of other versions removed. None without a cache."""
        if self.db is None:
            return None
        folder = self.dir / f"templates-{code_fingerprint()[:16]}"
        for old in self.dir.glob("templates-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        return folder

    def lock_path(self, out_dir: Path) -> Path | None:
        """The file builds into `out_dir` lock while they write it (none without a cache)."""
        return self.dir / "locks" / f"{digest_of(str(out_dir))}.lock" if self.db is not None else None

    def get_good(self, source: str) -> str | None:
        """The parse key of `source`'s last parse without errors."""
        if self.db is None:
            return None
        row = self.db.execute("SELECT key FROM good WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def put_good(self, keys: dict[str, str]) -> None:
        if self.db is None or not keys:
            return
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO good VALUES (?, ?)", keys.items())

    def prune(self, used: set[str]) -> None:
        """Forget parses no build uses any more (nor keeps as a file's last good version), once
        they outnumber the live ones."""
        kept = "SELECT key FROM good"
        self.forget_stale("parsed", lambda: used | {key for (key,) in self.db.execute(kept)}, "html")

    def get_plan(self, key: str) -> str | None:
        """The stored plan of a page group (Fingerprints.group_record) under `key`."""
        if self.db is None:
            return None
        row = self.db.execute("SELECT value FROM plans WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_plans(self, plans: dict[str, str], used: set[str]) -> None:
        """Store the groups planned in a build; forget the plans no build uses any more once they
        outnumber the live ones (`used`: the keys of this build's groups)."""
        if self.db is None:
            return
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO plans VALUES (?, ?)", plans.items())
        self.forget_stale("plans", lambda: used)

    def forget_stale(
        self, table: str, live: Callable[[], set[str]], *also: str, most: int | None = None
    ) -> None:
        """Forget the rows of `table` (and of the tables `also`, keyed alike) that this build did not
        use, once they outnumber the live ones (`live()`: this build's keys, worked out only then;
        `most`: as many as there can be, which spares working them out while the rows are few)."""
        if self.db is None:
            return
        (count,) = self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        if count <= 100 or (most is not None and count <= 2 * most + 100):
            return
        if count <= 2 * len(keys := live()) + 100:
            return
        with self.transaction():
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM live")
            self.db.executemany("INSERT INTO live VALUES (?)", ((k,) for k in keys))
            for name in (table, *also):
                self.db.execute(f"DELETE FROM {name} WHERE key NOT IN (SELECT key FROM live)")

    def get_indexed(self, keys: list[str]) -> dict[str, str]:
        return dict(rows_of(self.db, "indexed", keys))

    def put_indexed(self, digests: dict[str, str]) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO indexed VALUES (?, ?)", digests.items())

    def get_manifest(self, out_dir: Path, *, static_only: bool = False) -> dict[str, Entry] | None:
        """What the last committed build wrote into `out_dir`: output path -> Entry (`static_only`:
        of the files copy_static wrote)."""
        if self.manifest_token(out_dir) is None:
            return None
        rows = self.db.execute(
            "SELECT rel, fp, sha, size, mtime_ns, static FROM files WHERE out = ?"
            + (" AND static" if static_only else ""),
            (self.out_key(out_dir),),
        )
        return {rel: Entry(fp, sha, size, mtime, bool(static)) for rel, fp, sha, size, mtime, static in rows}

    def page_stamps(self, out_dir: Path) -> list[tuple[str, int, int]] | None:
        """(output path, size, mtime) of each file the last committed build rendered or indexed
        into `out_dir`: all a build that changes nothing checks (150,000 at 10,000 digests)."""
        if self.manifest_token(out_dir) is None:
            return None
        query = "SELECT rel, size, mtime_ns FROM files WHERE out = ? AND NOT static"
        return self.db.execute(query, (self.out_key(out_dir),)).fetchall()

    def out_key(self, out_dir: Path) -> str:
        """What an output folder's manifest and records are stored under: its path relative to the
        site folder when it is inside it, so that the site folder restored or checked out at
        another path (another CI workspace, a renamed repository) finds them; else its path."""
        try:
            return Path(out_dir).resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError):
            return str(out_dir)

    def manifest_token(self, out_dir: Path) -> str | None:
        """Changes with every stored manifest; None while there is none (or a build is committing)."""
        token = self.get_record(self.out_key(out_dir))
        return token if isinstance(token, str) else None

    def forget_manifest(self, out_dir: Path) -> None:
        """Until put_manifest: a build killed meanwhile leaves no manifest, so the next starts afresh."""
        self.put_record(self.out_key(out_dir), None)

    def put_manifest(self, out_dir: Path, manifest: dict[str, Entry], *, rows: dict | None = None) -> str:
        """Store the manifest of `out_dir` and return its token. `rows`: the manifest the cache holds
        for it now (as get_manifest returned it), so that only the difference is written: a dev
        server's rebuild changes a few entries of 70,000."""
        if self.db is None:
            return ""
        out = self.out_key(out_dir)
        with self.transaction():
            if rows is None:
                self.db.execute("DELETE FROM files WHERE out = ?", (out,))
                changed = manifest.items()
            else:
                gone = [(out, rel) for rel in rows.keys() - manifest.keys()]
                self.db.executemany("DELETE FROM files WHERE out = ? AND rel = ?", gone)
                changed = [
                    (rel, e) for rel, e in manifest.items() if (o := rows.get(rel)) is not e and o != e
                ]
            self.db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((out, rel, *entry) for rel, entry in changed),
            )
            token = os.urandom(8).hex()
            self.write_record(out, token)
        return token

    def get_record(self, name: str):
        return record_of(self.db, name) if self.db is not None else None

    def put_record(self, name: str, record) -> None:
        """Store a picklable record under `name`; None forgets it."""
        if self.db is None:
            return
        with self.transaction():
            self.write_record(name, record)

    def write_record(self, name: str, record) -> None:
        """put_record inside a transaction the caller holds."""
        self.db.execute("DELETE FROM manifest WHERE out = ?", (name,))
        if record is not None:
            blob = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
            self.db.execute("INSERT INTO manifest VALUES (?, ?)", (name, blob))

    def get_build(self, out_dir: Path):
        """What the last build into `out_dir` recorded: (fingerprint of its inputs, counts, problems)."""
        return self.get_record(f"build:{self.out_key(out_dir)}")

    def put_build(self, out_dir: Path, record) -> None:
        self.put_record(f"build:{self.out_key(out_dir)}", record)

    def transaction(self):
        return _Transaction(self.db)


def rows_of(db: sqlite3.Connection, table: str, keys: list[str]) -> Iterator[tuple[str, object]]:
    """(key, value) of the rows of `table` among `keys` (misses are absent)."""
    for start in range(0, len(keys), 900):  # SQLite's limit on query parameters
        chunk = keys[start : start + 900]
        marks = ",".join("?" * len(chunk))
        yield from db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", chunk)


def record_of(db: sqlite3.Connection, name: str):
    """The record stored under `name` (BuildCache.put_record); None if absent or unreadable."""
    row = db.execute("SELECT value FROM manifest WHERE out = ?", (name,)).fetchone()
    try:
        return pickle.loads(row[0]) if row else None
    except Exception:
        return None


def read_stamps(path: Path, out_key: str) -> tuple[str | None, list[tuple[str, int, int]]]:
    """(manifest token, (output path, size, mtime) of every file) of the manifest stored under
    `out_key` (BuildCache.out_key), read at once from any process; (None, []) while there is none."""
    db = connect(path)
    try:
        db.execute("BEGIN")  # a read transaction: the token and the rows of one manifest
        token = record_of(db, out_key)
        if not isinstance(token, str):
            return None, []
        query = "SELECT rel, size, mtime_ns FROM files WHERE out = ?"
        return token, db.execute(query, (out_key,)).fetchall()
    finally:
        db.close()  # ends the transaction


def read_lines(path: Path, keys: list[str]) -> dict[str, bytes]:
    """Stored papers.json lines and BibTeX entries among `keys`, from any process (render workers
    call it once per digest page)."""
    return dict(rows_of(lines_connection(path), "lines", keys))


def write_lines(path: Path, lines: list[tuple[str, bytes]]) -> None:
    db = lines_connection(path)
    with _Transaction(db):
        db.executemany("INSERT OR REPLACE INTO lines VALUES (?, ?)", lines)


_lines_connections: dict[tuple[Path, int], tuple[sqlite3.Connection, int]] = {}


def lines_connection(path: Path) -> sqlite3.Connection:
    """This process's connection to the cache at `path` (opening one costs ten times a query, and
    a connection must not cross a fork), opened again when the file was replaced (a user deleted
    the cache between two builds of a dev server)."""
    inode = os.stat(path).st_ino
    key = (path, os.getpid())
    held = _lines_connections.get(key)
    if held is None or held[1] != inode:
        if held is not None:
            held[0].close()
        held = _lines_connections[key] = (connect(path), inode)
    return held[0]


def close_lines_connection(path: Path) -> None:
    held = _lines_connections.pop((path, os.getpid()), None)
    if held is not None:
        held[0].close()


def write_parsed(
    path: Path, items: dict[str, tuple[object, str]], db: sqlite3.Connection | None = None
) -> None:
    """Store parse results in the cache at `path` (from any process: parse workers call it too)."""
    rows = [(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, (v, _) in items.items()]
    bodies = [(k, html.encode("utf-8", "surrogatepass")) for k, (_, html) in items.items()]
    own = db is None
    db = db or connect(path)
    try:
        with _Transaction(db):
            db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)", rows)
            db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", bodies)
    finally:
        if own:
            db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
