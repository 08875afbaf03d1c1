"""Nothing from a digest can write outside the output folder: hostile slugs, permalinks and file
names are rejected with a warning, and every file the build writes lands inside the output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from paperdigest.write import UnsafePath, safe_relative

HOSTILE = [
    "../../evil",
    "../../../../../../tmp/evil",
    "/abs/evil",
    "%2e%2e/%2e%2e/evil",
    "%2e%2e%2f%2e%2e%2fevil",
    "..\\..\\evil",
    "C:\\evil",
    "a/../../evil",
    "..",
    ".",
    "~/evil",
]


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def test_hostile_slugs_permalinks_and_file_names_never_leave_the_output(tmp_path):
    base = tmp_path / "a" / "b"
    digests = {}
    for n, value in enumerate(HOSTILE):
        quoted = json.dumps(value)
        digests[f"slug{n}.md"] = f"---\ntitle: Slug {n}\nslug: {quoted}\n---\nBody {n}.\n"
        digests[f"permalink{n}.md"] = f"---\ntitle: Permalink {n}\npermalink: {quoted}\n---\nBody {n}.\n"
    # File names a digest could have on a POSIX disk (a backslash is an ordinary character here).
    for name in ["x\\..\\..\\evil.md", "%2e%2e%2fevil.md", "a..b.md", " .md", "-.md", "x..md"]:
        digests[name] = f"---\ntitle: File {name}\n---\nBody.\n"
    digests["tags.md"] = (
        '---\ntitle: Tags\ntags: ["../../evil", "/etc", "..\\\\x"]\n---\n### 1、../../evil\n\n> - 单位：x\n'
    )
    site = write_site(base / "site", digests)
    before = files_under(tmp_path)

    proc = run_cli("build", "--source", str(site), "--out", str(base / "out"))
    assert proc.returncode == 0, proc.stderr
    written = files_under(tmp_path) - before
    # The only other file a build writes is its own math cache beside site.yaml.
    outside = sorted(p for p in written if not p.startswith(("a/b/out/", "a/b/site/.paperdigest-cache/")))
    assert outside == [], "files written outside the output folder"
    assert not [p for p in files_under(tmp_path) if "evil" in Path(p).name and not p.startswith("a/b/site/")]

    for n, value in enumerate(HOSTILE):
        assert f"digests/slug{n}.md:3: warning: unsafe slug {value!r} ignored" in proc.stderr
        # Every hostile slug is refused, the digest lands at the slug of its file name.
        assert (base / "out" / "digests" / f"slug{n}" / "index.html").exists()
    for n, value in enumerate(HOSTILE):
        if value not in (".", "~/evil", "/abs/evil"):  # harmless: we never write to a permalink
            assert f"digests/permalink{n}.md:3: warning: unsafe permalink {value!r} ignored" in proc.stderr
        assert (base / "out" / "digests" / f"permalink{n}" / "index.html").exists()
    slugs = sorted(p.name for p in (base / "out" / "digests").iterdir() if p.is_dir())
    assert all(re.fullmatch(r"[\w][\w.\-]*", s) and ".." not in s for s in slugs), slugs
    assert len(slugs) == len(digests)


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "a/../../x", "a\\..\\x", "", "a/./../x", "x\x00"])
def test_writer_refuses_paths_that_leave_the_output(rel):
    with pytest.raises(UnsafePath):
        safe_relative(rel)
