"""Which paperdigest a site's GitHub Pages workflow installs: the one `paperdigest init` runs from.

Where it came from is in its installed metadata (PEP 610): no `direct_url.json` means a package
index; `vcs_info` a VCS URL at a commit; `archive_info` a wheel or sdist URL; a `file:` URL a folder
or file on this machine, which no GitHub runner can reach.
"""

from __future__ import annotations

import importlib.metadata
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from paperdigest import __version__
from paperdigest.errors import Problem

PACKAGE = "paperdigest"
REQUIREMENTS = "requirements.txt"
# Starts with '<' so that pip rejects it by quoting it, and no package of that name can exist.
PLACEHOLDER = "<REPLACE ME: the paperdigest to install, see the comment above>"


@dataclass(frozen=True)
class InstallSpec:
    """The requirements.txt line that installs paperdigest, and where it came from: 'index', 'vcs',
    'url', 'option' (init --install) or 'local' (a placeholder; `local` is the folder or file)."""

    requirement: str
    origin: str
    local: str = ""


def spec_of(dist: importlib.metadata.Distribution | None) -> InstallSpec:
    """The spec of an installed paperdigest (None: running from a source tree, not installed)."""
    if dist is None:
        return InstallSpec(PLACEHOLDER, "local", str(Path(__file__).resolve().parents[2]))
    text = dist.read_text("direct_url.json")
    if text is None:
        return InstallSpec(f"{PACKAGE}=={dist.version}", "index")
    direct = json.loads(text)
    url = direct["url"]
    if urlsplit(url).scheme == "file":
        return InstallSpec(PLACEHOLDER, "local", url2pathname(urlsplit(url).path))
    if "vcs_info" in direct:
        vcs = direct["vcs_info"]
        subdirectory = f"#subdirectory={direct['subdirectory']}" if direct.get("subdirectory") else ""
        return InstallSpec(f"{PACKAGE} @ {vcs['vcs']}+{url}@{vcs['commit_id']}{subdirectory}", "vcs")
    return InstallSpec(f"{PACKAGE} @ {url}", "url")


def running_spec() -> InstallSpec:
    """The spec of the paperdigest this process runs."""
    try:
        return spec_of(importlib.metadata.distribution(PACKAGE))
    except importlib.metadata.PackageNotFoundError:
        return spec_of(None)


def requirements_txt(spec: InstallSpec) -> str:
    head = textwrap.dedent("""\
        # The paperdigest that .github/workflows/pages.yml installs (pip install -r requirements.txt).
        # To upgrade, change the line below, e.g. to paperdigest==X.Y.Z.
        """)
    if spec.origin == "local":
        head += textwrap.dedent(f"""\
            #
            # PLACEHOLDER: `paperdigest init` ran from {spec.local},
            # a copy on that machine that GitHub's runners cannot install. Replace the last line with
            # a release on PyPI:            {PACKAGE}=={__version__}
            # or a commit pushed to GitHub: {PACKAGE} @ git+https://github.com/OWNER/REPO@COMMIT
            """)
    return head + spec.requirement + "\n"


def install_advice(spec: InstallSpec) -> str:
    """What `init` tells about the install step of the workflow it wrote."""
    if spec.origin != "local":
        return f"The Pages workflow installs {spec.requirement} ({REQUIREMENTS})."
    return textwrap.dedent(f"""\
        WARNING: paperdigest runs from {spec.local}, a local copy that GitHub's runners cannot install.
        {REQUIREMENTS} holds a PLACEHOLDER, so the first deploy would fail at "Install paperdigest".
        Replace its last line with what the runners should install: a release on PyPI,
            {PACKAGE}=={__version__}
        or a commit pushed to GitHub,
            {PACKAGE} @ git+https://github.com/OWNER/REPO@COMMIT""")


def requirement_problems(root: Path) -> list[Problem]:
    """`check`: a warning while the site's requirements.txt still holds the placeholder `init`
    wrote (it ran from a local copy): the Pages workflow's install step fails on it, so the first
    push would publish nothing. `init` says so once; this keeps saying it until it is replaced."""
    path = root / REQUIREMENTS
    if not path.resolve().is_relative_to(root.resolve()):
        return []  # a link out of the site folder: not read (the trust boundary)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    message = (
        f"the placeholder `paperdigest init` wrote is still here: the Pages workflow's \"Install "
        f'paperdigest" step fails on it; replace it with a release on PyPI ({PACKAGE}=={__version__}) '
        f"or a commit pushed to GitHub ({PACKAGE} @ git+https://github.com/OWNER/REPO@COMMIT)"
    )
    return [
        Problem(REQUIREMENTS, number, "warning", message)
        for number, line in enumerate(lines, start=1)
        if line.strip() == PLACEHOLDER
    ]
