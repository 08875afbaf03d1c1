"""BuildMemo: everything a Builder remembers from one build to the next, in one typed object.

Owned by one Builder (the dev server keeps one alive); never shared between builders or kept in
module globals, so two builders in one process, or a library caller building twice, cannot see
each other's state. Every entry is keyed by what it was made from, so a stale entry is a miss,
never a wrong answer; `forget()` drops it all when the parse settings change.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from paperdigest.config import SiteConfig
from paperdigest.group import SiteIndex
from paperdigest.incremental.bodies import BodyStore
from paperdigest.incremental.cache import Entry, digest_of, read_lines, write_lines
from paperdigest.incremental.fingerprint import FingerprintMemo
from paperdigest.incremental.grouping import GroupMemo
from paperdigest.model import Paper
from paperdigest.parse.digest import ParseResult
from paperdigest.parse.source import Discovered
from paperdigest.render import BibEntries, PaperLines, Urls


@dataclass
class Parsed:
    """One digest file as last read: its parse key and what parsing made of it."""

    key: str
    result: ParseResult

    @property
    def failed(self) -> bool:
        """An error: the file is not published as it is (its last good version is)."""
        return self.result.digest is None or any(p.level == "error" for p in self.result.problems)


@dataclass
class KeptEnvironment:
    """The compiled templates, while the configuration and every template source stay the same."""

    env: jinja2.Environment
    config_key: str
    templates: str  # fingerprint of every template's source


@dataclass
class KeptManifest:
    """The manifest this builder stored last, and the cache's token for it."""

    token: str
    entries: dict[str, Entry]


@dataclass
class LastSite:
    """What the last build grouped, for warm_up."""

    index: SiteIndex
    config: SiteConfig


@dataclass
class StoredLines:
    """A paper's papers.json line or BibTeX entry (`kind`) in the cache at `path`, for the next
    process: keyed by what the site is made from (`site`: code and configuration), the paper's
    fingerprint (`fingerprint_of`, None for a paper without one: it is made again) and what else the
    line is made from (`also`: an entry's citation key)."""

    path: Path
    site: str
    fingerprint_of: Callable[[Paper], str | None]
    kind: str = "papers.json"

    def key(self, paper: Paper, *also: str) -> str | None:
        fp = self.fingerprint_of(paper)
        return None if fp is None else digest_of(self.kind, self.site, fp, *also)


class RememberedLines(PaperLines):
    """papers.json lines by paper identity: a rebuild encodes only the papers that changed. Keyed by
    the base path too, the one setting a line depends on besides its paper. With `stored`, lines
    this process has not encoded are read from the cache (a new process, in CI)."""

    def __init__(self):
        self.base_path: str | None = None
        self.last: dict[int, tuple[Paper, bytes]] = {}
        self.now: dict[int, tuple[Paper, bytes]] = {}
        self.stored: StoredLines | None = None

    def lines(self, papers: tuple[Paper, ...], urls: Urls) -> list[bytes]:
        if urls.base_path != self.base_path:
            self.base_path, self.last, self.now = urls.base_path, {}, {}
        if self.stored is None:
            return super().lines(papers, urls)
        keys = {id(p): self.stored.key(p) for p in papers if self.held(p) is None}
        found = read_lines(self.stored.path, [k for k in keys.values() if k is not None]) if keys else {}
        new = []
        for paper in papers:
            key = keys.get(id(paper))
            if key in found:
                self.now[id(paper)] = (paper, found[key])
            elif key is not None:
                new.append((key, self.line(paper, urls)))
        if new:
            write_lines(self.stored.path, new)
        return [self.line(paper, urls) for paper in papers]

    def held(self, paper: Paper) -> tuple[Paper, bytes] | None:
        hit = self.now.get(id(paper)) or self.last.get(id(paper))
        return hit if hit is not None and hit[0] is paper else None

    def start(self) -> None:
        """A new papers.json: only the lines it uses are kept for the next one."""
        self.last, self.now = self.now or self.last, {}

    def line(self, paper: Paper, urls: Urls) -> bytes:
        if urls.base_path != self.base_path:
            self.base_path, self.last, self.now = urls.base_path, {}, {}
        hit = self.held(paper) or (paper, super().line(paper, urls))
        self.now[id(paper)] = hit
        return hit[1]


class RememberedBib(BibEntries):
    """Citation keys and BibTeX entries by paper identity: a rebuild works out only the papers
    that changed (keys and entries of 60,000 papers take seconds)."""

    def __init__(self):
        self.last: dict[int, tuple[Paper, str, dict[str, str]]] = {}
        self.now: dict[int, tuple[Paper, str, dict[str, str]]] = {}
        self.site_keys: tuple[tuple[Paper, ...], tuple[str, ...]] = ((), ())
        self.stored: StoredLines | None = None  # entries this process has not made: in the cache

    def start(self) -> None:
        self.last, self.now = self.now or self.last, {}

    def keys(self, papers: tuple[Paper, ...]) -> tuple[str, ...]:
        """Last build's keys, the very same tuple, when the papers are the very same ones (a key
        depends on its paper and the papers before it): pages compare it by identity."""
        was, keys = self.site_keys
        if len(was) != len(papers) or not all(map(operator.is_, was, papers)):
            keys = super().keys(papers)
        else:
            self.now.update(self.last)  # the same papers: their keys and entries stay remembered
        self.site_keys = (papers, keys)
        return keys

    def remembered(self, paper: Paper) -> tuple[Paper, str, dict[str, str]]:
        hit = self.now.get(id(paper)) or self.last.get(id(paper))
        if hit is None or hit[0] is not paper:
            hit = (paper, super().key(paper), {})
        self.now[id(paper)] = hit
        return hit

    def key(self, paper: Paper) -> str:
        return self.remembered(paper)[1]

    def entry(self, paper: Paper, key: str) -> str:
        entries = self.remembered(paper)[2]  # by key: a paper's key changes when another takes it
        if key not in entries:
            entries[key] = super().entry(paper, key)
        return entries[key]

    def entries(self, papers: tuple[Paper, ...], keys: tuple[str, ...]) -> list[str]:
        if self.stored is not None:
            missing = [
                (p, key) for p, key in zip(papers, keys, strict=True) if key not in self.remembered(p)[2]
            ]
            stored = {(id(p), key): self.stored.key(p, key) for p, key in missing}
            found = (
                read_lines(self.stored.path, [k for k in stored.values() if k is not None]) if stored else {}
            )
            new = []
            for paper, key in missing:
                if (hit := stored[id(paper), key]) in found:
                    self.remembered(paper)[2][key] = found[hit].decode("utf-8")
                elif hit is not None:
                    new.append((hit, self.entry(paper, key).encode("utf-8")))
            if new:
                write_lines(self.stored.path, new)
        return super().entries(papers, keys)


@dataclass
class BuildMemo:
    parse_settings: str | None = None  # what the parsed records were made with
    parsed: dict[Path, Parsed] = field(default_factory=dict)  # digest file -> last parse
    good: dict[Path, Parsed] = field(default_factory=dict)  # digest file -> last parse without errors
    discovered: Discovered | None = None  # digest files and notes of the last walk
    environment: KeptEnvironment | None = None
    grouping: GroupMemo = field(default_factory=GroupMemo)
    fingerprints: FingerprintMemo = field(default_factory=FingerprintMemo)
    paper_lines: RememberedLines = field(default_factory=RememberedLines)
    bib: RememberedBib = field(default_factory=RememberedBib)
    manifest: KeptManifest | None = None
    site: LastSite | None = None
    bodies: BodyStore | None = None  # where the parsed digests' bodies are read from

    def forget(self) -> None:
        """Start over: new parse settings make every record stale."""
        if self.bodies is not None:
            self.bodies.close()
        self.__dict__.update(BuildMemo().__dict__)
