"""Where each digest lives in the site's repository, and when it was last committed (repo_url).

Read with git when the site is a checkout; digest pages get it in their context as plain values
(SourceFile), so a new commit re-renders exactly the pages whose dates changed.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

GIT_TIMEOUT = 60  # seconds; a history that takes longer to read goes without dates


@dataclass(frozen=True, slots=True)
class SourceFile:
    edit_url: str  # the file in the repository's web editor
    updated: str  # ISO date of the last commit that changed it; '' when never committed


@dataclass(frozen=True)
class SourceHistory:
    edit_base: str = ""  # e.g. https://github.com/u/r/edit/main/site/; '' without repo_url
    updated: dict[str, str] = field(default_factory=dict)  # site-relative path -> ISO date

    def source(self, rel: str) -> SourceFile | None:
        if not self.edit_base:
            return None
        return SourceFile(self.edit_base + quote(rel), self.updated.get(rel, ""))


def read_history(root: Path, repo_url: str) -> SourceHistory:
    """One `git log` over the site folder: the newest commit date of every file in it. Outside a
    checkout (or without git) the edit links assume the site is the repository's root folder."""
    if not repo_url:
        return SourceHistory()
    prefix = git(root, "rev-parse", "--show-prefix")
    branch = git(root, "symbolic-ref", "--short", "HEAD") or "main"
    base = f"{repo_url.rstrip('/')}/{edit_path(repo_url)}/{quote(branch)}/{quote(prefix or '')}"
    log = git(root, "log", "--format=%x00%cs", "--name-only", "--no-renames", "--relative", "--", ".")
    return SourceHistory(base, last_dates(log or ""))


def edit_path(repo_url: str) -> str:
    """The web editor's path segment: GitLab's `-/edit`, Gitea's and Forgejo's `_edit`, else GitHub's."""
    host = urlsplit(repo_url).netloc.lower()
    if "gitlab" in host:
        return "-/edit"
    if "gitea" in host or "codeberg" in host or "forgejo" in host:
        return "_edit"
    return "edit"


def last_dates(log: str) -> dict[str, str]:
    """`git log --format=%x00%cs --name-only` (newest first) -> path -> date of its newest commit."""
    dates: dict[str, str] = {}
    for commit in log.split("\x00")[1:]:
        date, *paths = commit.strip().split("\n")
        for path in paths:
            if path and path not in dates:
                dates[path] = date
    return dates


def git(root: Path, *args: str) -> str | None:
    """The command's output without its final newline, or None when git fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.rstrip("\n") if done.returncode == 0 else None
