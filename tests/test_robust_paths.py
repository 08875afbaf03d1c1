"""Nothing from a digest can write outside the output folder: hostile slugs, permalinks and file
names are rejected with a warning, and every file the build writes lands inside the output."""

from __future__ import annotations

import json
import os
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


def test_a_file_name_that_is_not_utf8_is_an_error_not_a_crash(tmp_path):
    """Names in GBK, as a ZIP made on Windows unpacks on Linux: Python reads their bytes as
    surrogates, which no page, papers.json, message or the build cache can hold. The build ended
    in a traceback (UnicodeEncodeError) and published nothing; each such file or folder is now a
    located error, its bytes shown escaped, and the rest of the site is published."""
    site = write_site(tmp_path / "site", {"2024-01-01-ok.md": "# Fine\n\nhttps://arxiv.org/abs/2304.15004\n"})
    digests, static = os.fsencode(site / "digests"), os.fsencode(site / "static")
    with open(digests + b"/2024-01-02-\xd6\xd0\xce\xc4.md", "wb") as f:  # 中文 in GBK
        f.write(b"# Not read\n")
    os.makedirs(digests + b"/\xc2\xdb\xce\xc4")  # 论文
    os.makedirs(static + b"/img")
    with open(static + b"/img/\xb1\xed\xb8\xf1.png", "wb") as f:  # 表格
        f.write(b"png")
    with open(static + b"/kept.txt", "wb") as f:
        f.write(b"kept")
    for command in ("build", "check"):  # the second build starts from the first one's cache
        args = ("--out", str(tmp_path / "out")) if command == "build" else ()
        for _ in range(2 if command == "build" else 1):
            proc = run_cli(command, "--source", str(site), *args)
            assert proc.returncode == 1, proc.stderr
            assert "Traceback" not in proc.stderr
            for shown in (
                r"digests/2024-01-02-\xd6\xd0\xce\xc4.md",
                r"digests/\xc2\xdb\xce\xc4",
                r"static/img/\xb1\xed\xb8\xf1.png",
            ):
                assert f"{shown}: error: the name is not UTF-8" in proc.stdout + proc.stderr, shown
    out = tmp_path / "out"
    assert (out / "digests/2024-01-01-ok/index.html").is_file() and (out / "kept.txt").read_bytes() == b"kept"
    assert [p for p in out.rglob("*") if not os.fsdecode(p).isprintable()] == []
    json.loads((out / "papers.json").read_text(encoding="utf-8"))
