"""`paperdigest init` (a new site folder) and `paperdigest new` (today's digest file)."""

from __future__ import annotations

import datetime as dt
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from paperdigest.config import CONFIG_NAME, config_reference, load_config
from paperdigest.install_spec import REQUIREMENTS, InstallSpec, requirements_txt
from paperdigest.parse import papers

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
# What may follow the id in one reference: a version, `.pdf`, a slash, a query or a fragment.
REFERENCE_END = re.compile(r"(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?", re.IGNORECASE)


class ScaffoldError(Exception):
    """A file would be overwritten, or an argument is not usable; nothing was written."""


class NotASite(ScaffoldError):
    """The folder named is missing or holds no site.yaml: a command pointed at nothing (exit 2)."""


@dataclass(frozen=True)
class NewFile:
    rel: str  # path relative to the site folder
    text: str


# Files a folder may hold already: a repository made on GitHub with a .gitignore template, then
# cloned. init adds the lines it is missing instead of refusing to make the site there.
MERGED = frozenset({".gitignore"})


# ---------------------------------------------------------------- init


def init_site(root: Path, spec: InstallSpec, *, title: str = "Paper Digest") -> list[tuple[str, Path]]:
    """Write a new site into `root`, returning what it did to which file ('created', 'updated');
    refuses (writing nothing) if any of its files but a MERGED one already exists, or if writing
    one would go through a symbolic link or a file where a folder should be."""
    if os.path.lexists(root) and not root.is_dir():
        raise ScaffoldError(f"{root}: not a folder")
    example_date = dt.date.today() - dt.timedelta(days=1)  # `paperdigest new` then makes today's
    files = [
        NewFile(CONFIG_NAME, site_yaml(title)),
        NewFile(f"digests/{example_date.isoformat()}-paper-digest.md", example_digest(example_date)),
        NewFile("templates/.gitkeep", ""),
        NewFile(".gitignore", GITIGNORE),
        NewFile(REQUIREMENTS, requirements_txt(spec)),
        NewFile(".github/workflows/pages.yml", PAGES_WORKFLOW),
    ]
    refusals = [why for f in files if (why := unwritable(root, f.rel, may_exist=f.rel in MERGED))]
    if refusals:
        raise ScaffoldError(f"{root}: " + "; ".join(refusals))
    written = []
    for f in files:
        path = root / f.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if f.rel in MERGED and path.exists():
            if add_missing_lines(path, f.text):
                written.append(("updated", path))
            continue
        with open(path, "x", encoding="utf-8") as out:  # "x": never through a link made meanwhile
            out.write(f.text)
        written.append(("created", path))
    return written


def add_missing_lines(path: Path, text: str) -> bool:
    """Append to the file at `path` the lines of `text` it lacks (comments only with them); the
    lines it has stay as they are. False when it lacks none."""
    have = {line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()}
    missing = [line for line in text.splitlines() if line.strip() and line.strip() not in have]
    if not any(not line.startswith("#") for line in missing):
        return False
    ends_open = path.stat().st_size and not path.read_bytes().endswith(b"\n")
    block = ("\n" if ends_open else "") + "\n" + "\n".join(missing) + "\n"
    # O_NOFOLLOW: never through a link made since unwritable() looked (as "x" mode for new files).
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    with open(fd, "a", encoding="utf-8") as out:
        out.write(block)
    return True


def unwritable(root: Path, rel: str, *, may_exist: bool = False) -> str:
    """Why `root/rel` cannot be written as a file inside `root` ('' when it can): it must be new,
    or, `may_exist`, a regular file."""
    path = root
    for part in PurePosixPath(rel).parts:
        path = path / part
        shown = path.relative_to(root).as_posix()
        if path.is_symlink():
            return f"{shown} is a symbolic link; init writes only real files inside the site folder"
        if path == root / rel:
            mergeable = may_exist and path.is_file()
            return f"not overwriting existing {shown}" if path.exists() and not mergeable else ""
        if path.exists() and not path.is_dir():
            return f"{shown} is a file, not a folder"
    return ""


def site_yaml(title: str) -> str:
    """Every key of site.yaml with its documentation as a comment and its default value."""
    lines = [
        "# paperdigest site settings. Every key is optional; the values below are the defaults.",
        '# Reference: the README section "site.yaml reference".',
    ]
    section = ""
    for key, doc, default in config_reference():
        parent, _, name = key.rpartition(".")
        indent = "  " if parent else ""
        if parent and parent != section:
            lines += ["", f"{parent}:"]
        section = parent
        if not parent:
            lines.append("")
        value = title if key == "title" else default
        if key == "base_url":
            doc += " The GitHub Pages workflow passes the repository's Pages URL with --base-url."
        lines += [f"{indent}# {line}" for line in textwrap.wrap(doc, 96, break_on_hyphens=False)]
        dumped = yaml.safe_dump({name: value}, allow_unicode=True, default_flow_style=True, width=1000)
        lines.append(indent + dumped.strip()[1:-1])  # '{key: value}' -> 'key: value'
    return "\n".join(lines) + "\n"


def example_digest(date: dt.date) -> str:
    card = textwrap.dedent("""\
        ### 1、Attention Is All You Need

        > 注意力就是你所需要的一切

        > 《Attention Is All You Need》
        >
        > - URL：https://arxiv.org/abs/1706.03762
        >
        > - Official Code：https://github.com/tensorflow/tensor2tensor
        >
        > - 单位：Google Brain、Google Research、多伦多大学

        Transformer 完全基于注意力机制，去掉了循环和卷积。核心是缩放点积注意力：

        $$
        \\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right) V
        $$

        每个卡片以 `###` 标题开始，引用块里依次是中文译名、《原标题》和 `- 键：值` 行。
        用 `paperdigest new 2304.15004` 生成今天的摘要文件。
        """)
    return digest_text(date, [card])


GITIGNORE = """\
# paperdigest build output and the temporary folders of interrupted builds
_site/
.*.tmp-*/
.*.old-*/
.*.undo-*/
.*.search-*/
__pycache__/
# parsed digests and typeset formulas, kept between builds (the Pages workflow caches it and _site)
.paperdigest-cache/
"""


# Action versions that run on Node 24 (actionlint flags those still on Node 20, whose removal from
# GitHub's runners was scheduled for 2026-09-23); tests/test_workflows.py runs actionlint on this.
PAGES_WORKFLOW = """\
# Builds the site with paperdigest and publishes it to GitHub Pages on every push to main.
# One-time setup: repository Settings -> Pages -> Build and deployment -> Source: GitHub Actions.
name: Deploy to GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

# One deployment at a time; a newer push waits instead of cancelling a running deployment.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Check out
        uses: actions/checkout@v5
      - name: Set up Python
        uses: actions/setup-python@v6
        with:
          python-version: "3.12"
          cache: pip  # pip's downloads, reused while requirements.txt stays the same
          cache-dependency-path: requirements.txt
      - name: Configure Pages
        id: pages
        uses: actions/configure-pages@v6
      - name: Install paperdigest
        # requirements.txt names the paperdigest to install: upgrading is changing that line.
        run: python -m pip install -r requirements.txt
      - name: Restore the build cache
        # The last deploy's parsed digests, typeset formulas and built site (_site): a push that
        # adds one digest parses, renders and indexes for search only what it changed, not the
        # whole site again. A new key whenever the sources change (digests/** is digests_dir,
        # templates/** templates_dir, static/** static_dir); restore-keys start from the newest
        # cache. A new paperdigest ignores the old entries.
        uses: actions/cache@v5
        with:
          path: |
            .paperdigest-cache
            _site
          key: paperdigest-${{ runner.os }}-${{ hashFiles('requirements.txt', 'site.yaml', 'papers.yaml', 'digests/**', 'templates/**', 'static/**') }}
          restore-keys: paperdigest-${{ runner.os }}-
      - name: Build
        # base_url is https://USER.github.io/REPO (or your custom domain): every link gets its path.
        run: paperdigest build --base-url "${{ steps.pages.outputs.base_url }}/"
      - name: Upload artifact
        uses: actions/upload-pages-artifact@v4
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v5
"""


# ---------------------------------------------------------------- new


def normalise_arxiv_id(value: str) -> str:
    """'2304.15004', '2304.15004v2', 'arXiv:2304.15004' or an arxiv.org URL -> '2304.15004'.

    The argument must be one reference to one possible id: papers.arxiv_id() finds an id in any
    text, so '2304.150041' (a digit too many) gave 2304.15004, another paper, and
    'arXiv:2304.15004 arXiv:2305.10601' one card, for the first."""
    value = value.strip()
    found, end = papers.id_as_written(value)
    if not found and (m := ARXIV_ID.match(value)):
        found, end = m.group(1), m.end(1)
    if not found or not REFERENCE_END.fullmatch(value[end:]):
        raise ScaffoldError(f"not an arXiv id or URL: {value!r} (expected one per argument, e.g. 2304.15004)")
    why = papers.impossible_id(found)
    if why:
        raise ScaffoldError(f"not an arXiv id: {value!r} ({why})")
    return papers.canonical_id(found)


# What `new` writes for the user to replace; `paperdigest check` warns while they are still there.
PLACEHOLDER_TITLE = "Title of arXiv:"
CARD_NOTE = "<!-- 替换标题，在《》引用块前加一行“> 中文译名”，填写代码和单位，然后在这里写摘要。 -->"


def card_skeleton(number: int, arxiv_id: str) -> str:
    placeholder = f"{PLACEHOLDER_TITLE}{arxiv_id}"
    return textwrap.dedent(f"""\
        ### {number}、{placeholder}

        > 《{placeholder}》
        >
        > - URL：https://arxiv.org/abs/{arxiv_id}
        >
        > - Official Code：
        >
        > - 单位：

        {CARD_NOTE}
        """)


def digest_text(date: dt.date, cards: list[str]) -> str:
    """A digest in the 2023-05-02 format: front matter (the page shows its title), then the cards."""
    head = textwrap.dedent(f"""\
        ---
        title: {date.isoformat()}：论文速递
        date: {date.isoformat()}
        cate1: paper
        cate2:
        description:
        keywords: paper
        ---
        """)
    return head + "".join("\n" + card for card in cards)


def new_digest(root: Path, date: dt.date, ids: list[str]) -> Path:
    """Create the digest file of `date` under the site's digests folder; never overwrites."""
    normalised = list(dict.fromkeys(normalise_arxiv_id(i) for i in ids))
    if not root.is_dir():
        raise NotASite(f"{root}: no such folder (--source names the site folder, where site.yaml is)")
    if not (root / CONFIG_NAME).is_file():  # else digests/ appears in whatever folder this ran in
        raise NotASite(
            f"no {CONFIG_NAME} in {root.resolve()}: `paperdigest new` adds a digest to a site; "
            f"run it in the site's folder or one below it (or pass --source), or make a site first "
            f"with `paperdigest init`"
        )
    config = load_config(root)
    path = config.path("digests_dir") / f"{date.isoformat()}-paper-digest.md"
    if path.exists():
        raise ScaffoldError(f"{path}: already exists, not overwriting")
    text = digest_text(date, [card_skeleton(n, aid) for n, aid in enumerate(normalised, start=1)])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as f:  # "x": a file created meanwhile is not overwritten
        f.write(text)
    return path
