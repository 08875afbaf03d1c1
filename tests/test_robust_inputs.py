"""One bad digest never takes the site down: each bad input gets a located message, the other
digests build, and --strict turns warnings into a non-zero exit. Built with the real CLI."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli, write_site

GOOD = """\
    ---
    title: Good digest
    date: 2023-05-02
    ---
    ### 1、A good paper

    > 《A good paper》
    >
    > - URL：https://arxiv.org/abs/2304.15004
    """


def build(root: Path, *args: str):
    return run_cli("build", "--source", str(root), "--out", str(root / "_site"), *args)


def put(root: Path, name: str, content: str | bytes) -> Path:
    path = root / "digests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return path


def assert_good_digest_built(root: Path) -> None:
    page = root / "_site" / "digests" / "good" / "index.html"
    assert "A good paper" in page.read_text(encoding="utf-8")
    assert (root / "_site" / "papers" / "2304.15004" / "index.html").exists()


# (case, bad file content, message that must appear on stderr)
BAD_INPUTS = [
    ("malformed-yaml", "---\ntitle: [oops\n---\nBody.\n", r"digests/bad\.md:2: error: front matter: "),
    ("yaml-not-mapping", "---\n- a\n- b\n---\nBody.\n", r"digests/bad\.md:2: error: front matter is a list, not a mapping"),
    ("yaml-scalar", "---\njust a sentence\n---\nBody.\n", r"digests/bad\.md:2: error: front matter is a str, not a mapping"),
    ("impossible-date", "---\ntitle: T\ndate: 2023-13-45\n---\nBody.\n", r"digests/bad\.md:3: warning: date '2023-13-45' is not a date"),
    ("impossible-time", "---\ntitle: T\ndate: 2023-01-01T25:99:00\n---\nBody.\n", r"digests/bad\.md:3: warning: date '2023-01-01T25:99:00': 25:99:00 is not a time of day"),
    ("word-date", "---\ntitle: T\ndraft: false\ndate: someday\n---\nBody.\n", r"digests/bad\.md:4: warning: date 'someday' is not a date"),
    ("not-utf8", b"---\ntitle: Latin-1\n---\n\ncaf\xe9 au lait\n", r"digests/bad\.md:5: warning: bytes that are not UTF-8 were replaced"),
    ("empty", "", r"digests/bad\.md: warning: empty file, skipped"),
    ("whitespace-only", "\n  \n\t\n", r"digests/bad\.md: warning: empty file, skipped"),
    ("missing-title", "---\ndate: 2023-05-03\n---\nJust a line of text.\n", r"digests/bad\.md:1: warning: no title: add `title:`"),
    ("unclosed-double-dollar", "---\ntitle: M\n---\nFine $$a$$ here.\n\nThe sum $$a+b is never closed.\n", r"digests/bad\.md:6: warning: unclosed \$\$"),
    ("unclosed-display-math", "---\ntitle: M\n---\nText.\n\n$$\n\\begin{align} x\n", r"digests/bad\.md:6: warning: unclosed \$\$"),
    ("unclosed-dollar", "---\ntitle: M\n---\nIt costs $5, and $x$ is fine.\n\nSecond line\nthe formula $x + y never ends.\n", r"digests/bad\.md:7: warning: unclosed \$:"),
    ("unclosed-div", "---\ntitle: H\n---\nIntro.\n\n<div class=\"box\">\n\nText.\n", r"digests/bad\.md:6: warning: unclosed <div>"),
    ("stray-end-tag", "---\ntitle: H\n---\nIntro.\n\n</div>\n\nText.\n", r"digests/bad\.md:6: warning: stray </div>"),
    ("unfinished-tag", "---\ntitle: H\n---\nIntro.\n\n<p><img src=\"x.png></p>\n\nText.\n", r"digests/bad\.md:6: warning: unfinished tag '<img src=\"x\.png></p>'"),
    ("unclosed-comment", "---\ntitle: H\n---\nIntro.\n\n<!-- a note\n\nText.\n", r"digests/bad\.md:6: warning: unclosed HTML comment"),
    ("same-paper-twice", "---\ntitle: Twice\n---\n### 1、One\n\n> - URL：https://arxiv.org/abs/2301.00001\n\n### 2、One\n\n> - URL：https://arxiv.org/abs/2301.00001v2\n", r"digests/bad\.md:8: warning: paper 2301\.00001 appears twice in this digest \(first at line 4\)"),
    ("unsafe-slug", "---\ntitle: S\nslug: ../../escape\n---\nBody.\n", r"digests/bad\.md:3: warning: unsafe slug '\.\./\.\./escape' ignored"),
]  # fmt: skip


@pytest.mark.parametrize("content,message", [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_located_and_the_rest_builds(tmp_path, content, message):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "bad.md", content)
    proc = build(tmp_path, "--strict")
    assert re.search(message, proc.stderr), proc.stderr
    assert proc.returncode == 1, "--strict must fail on a warning or error"
    assert "Traceback" not in proc.stderr
    assert_good_digest_built(tmp_path)


def test_errors_fail_the_build_warnings_only_under_strict_and_the_rest_builds(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    for name, content, _ in BAD_INPUTS:
        put(tmp_path, f"{name}.md", content)
    proc = build(tmp_path)
    errors = {name for name, _, message in BAD_INPUTS if ": error: " in message}
    assert errors and proc.returncode == 1, proc.stderr
    assert_good_digest_built(tmp_path)
    for name, *_ in BAD_INPUTS:
        assert f"digests/{name}.md" in proc.stderr, f"no message for {name}"
    # A digest whose front matter cannot be read is not published half-parsed; the undecodable byte is shown.
    for name in ("malformed-yaml", "yaml-not-mapping", "yaml-scalar"):
        assert not (tmp_path / f"_site/digests/{name}").exists()
    assert "caf\ufffd au lait" in (tmp_path / "_site/digests/not-utf8/index.html").read_text(encoding="utf-8")
    for name in errors:
        (tmp_path / f"digests/{name}.md").unlink()
    assert build(tmp_path).returncode == 0
    assert build(tmp_path, "--strict").returncode == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbf---\ntitle: Endings\n---\n### 1\xe3\x80\x81Card\n\n> - URL\xef\xbc\x9ahttps://arxiv.org/abs/2301.00002\n",
        b"---\r\ntitle: Endings\r\n---\r\n### 1\xe3\x80\x81Card\r\n\r\n> - URL\xef\xbc\x9ahttps://arxiv.org/abs/2301.00002\r\n",
        b"---\rtitle: Endings\r---\r### 1\xe3\x80\x81Card\r\r> - URL\xef\xbc\x9ahttps://arxiv.org/abs/2301.00002\r",
        b"\xef\xbb\xbf---\r\ntitle: Endings\r\n---\r\n### 1\xe3\x80\x81Card\r\n\r\n> - URL\xef\xbc\x9ahttps://arxiv.org/abs/2301.00002\r\n",
    ],
    ids=["bom", "crlf", "cr", "bom-crlf"],
)
def test_bom_and_line_endings_just_work(tmp_path, raw):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "endings.md", raw)
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "_site/digests/endings/index.html").read_text(encoding="utf-8")
    assert "<h1>Endings</h1>" in page and "\r" not in page
    assert (tmp_path / "_site/papers/2301.00002/index.html").exists()


def test_editor_backups_and_other_files_are_ignored_with_a_note(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "figure.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    put(tmp_path, ".good.md.swp", b"b0VIM 8.2\x00\x00" + GOOD.encode())
    put(tmp_path, "good.md~", GOOD)
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 0, "notes are not warnings: --strict still passes\n" + proc.stderr
    for name, why in [
        ("figure.png", "not a digest file, ignored"),
        (".good.md.swp", "editor backup or hidden file, ignored"),
        ("good.md~", "editor backup or hidden file, ignored"),
    ]:
        assert f"digests/{name}: note: {why}" in proc.stderr
    built = sorted(p.name for p in (tmp_path / "_site/digests").iterdir() if p.is_dir())
    assert built == ["good"]
    assert_good_digest_built(tmp_path)


def test_a_digest_turned_binary_is_an_error_and_its_last_good_version_stays(tmp_path):
    write_site(
        tmp_path, {"good.md": GOOD, "notes.md": "---\ntitle: Notes\n---\nFirst line.\n\nSecond line.\n"}
    )
    assert build(tmp_path).returncode == 0
    put(tmp_path, "notes.md", "---\ntitle: Notes\n---\nFirst line.\n\nSecond\x00 line.\n")
    put(tmp_path, "utf16.md", "---\ntitle: Wide\n---\nText.\n".encode("utf-16-le"))  # no byte-order mark
    put(tmp_path, "picture.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    proc = build(tmp_path)
    assert proc.returncode == 1
    assert "digests/notes.md:6: error: binary content (a NUL byte), not a text digest" in proc.stderr
    assert "digests/utf16.md:1: error: binary content" in proc.stderr and "byte-order mark" in proc.stderr
    assert "digests/picture.md:3: error: binary content" in proc.stderr
    kept = (tmp_path / "_site/digests/notes/index.html").read_text(encoding="utf-8")
    assert "Second line." in kept  # the last good version, not nothing
    assert (
        not (tmp_path / "_site/digests/picture").exists() and not (tmp_path / "_site/digests/utf16").exists()
    )
    assert_good_digest_built(tmp_path)


def test_duplicate_slugs_both_kept_at_distinct_urls(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "a.md", "---\ntitle: First of two\nslug: same\n---\nOne.\n")
    put(tmp_path, "b.md", "---\ntitle: Second of two\nslug: same\n---\nTwo.\n")
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 1
    assert (
        "digests/b.md: warning: slug 'same' is also used by digests/a.md; this digest is at digests/same-2/"
        in proc.stderr
    )
    assert "First of two" in (tmp_path / "_site/digests/same/index.html").read_text(encoding="utf-8")
    assert "Second of two" in (tmp_path / "_site/digests/same-2/index.html").read_text(encoding="utf-8")
    assert_good_digest_built(tmp_path)


def test_symlink_loop_is_reported_and_walked_once(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    os.symlink(".", tmp_path / "digests" / "loop")
    os.symlink("..", tmp_path / "digests" / "up")  # points at the site root: walked once, not forever
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 1
    assert "digests/loop: warning: symlink loop, skipped" in proc.stderr
    assert_good_digest_built(tmp_path)


def test_unreadable_files_are_reported(tmp_path):
    # Tests may run as root, where chmod 000 does not stop reading: use files no one can read.
    write_site(tmp_path, {"good.md": GOOD})
    os.symlink("missing.md", tmp_path / "digests" / "dangling.md")
    os.mkfifo(tmp_path / "digests" / "pipe.md")  # opening it would block the build forever
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 1
    assert "digests/dangling.md: error: cannot read: No such file or directory" in proc.stderr
    assert "digests/pipe.md: error: not a regular file" in proc.stderr
    assert_good_digest_built(tmp_path)


def test_a_five_megabyte_digest_builds(tmp_path):
    paragraph = "Words with math $x_i + y$ and **bold**, a [link](https://example.com). " * 12 + "\n\n"
    cards = [
        f"### {n}、Paper {n}\n\n> - URL：https://arxiv.org/abs/2301.{n:05d}\n\n" + paragraph * 25
        for n in range(1, 251)
    ]
    text = "---\ntitle: Huge\ndate: 2023-01-01\n---\n" + "".join(cards)
    assert len(text.encode()) > 5 * 1024 * 1024
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "huge.md", text)
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "_site/digests/huge/index.html").read_text(encoding="utf-8")
    assert page.count('class="paper-heading"') == 250
    assert (tmp_path / "_site/papers/2301.00250/index.html").exists()


def nested(depth: int) -> str:
    lists = "".join("  " * i + "- item\n" for i in range(min(depth, 300))) + "- " * depth + "deep list\n"
    quotes = "> " * depth + "deep quote\n"
    html = "<div>" * depth + "deep html" + "</div>" * depth + "\n"
    inline = (
        "*" * depth + "deep emphasis" + "*" * depth + "\n\n" + "[" * depth + "deep brackets" + "]" * depth
    )
    return "---\ntitle: Nested\n---\nIntro.\n\n" + "\n\n".join([lists, quotes, html, inline]) + "\n"


def test_deeply_nested_lists_and_quotes_are_shown(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "nested.md", nested(40))
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "_site/digests/nested/index.html").read_text(encoding="utf-8")
    for text in ("deep list", "deep quote", "deep html", "deep emphasis", "deep brackets"):
        assert text in page


def test_absurdly_nested_lists_and_quotes_do_not_crash(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "nested.md", nested(5000))
    proc = build(tmp_path, "--strict")
    assert "RecursionError" not in proc.stderr and "Traceback" not in proc.stderr
    assert re.search(
        r"digests/nested\.md:\d+: warning: lists or quotes nested more than 100 levels deep: deeper markers are shown as text",
        proc.stderr,
    )
    assert proc.returncode == 1
    page = (tmp_path / "_site/digests/nested/index.html").read_text(encoding="utf-8")
    for text in (
        "deep list",
        "deep quote",
        "deep html",
        "deep emphasis",
        "deep brackets",
        'class="site-footer"',
    ):
        assert text in page, "no text is lost past the nesting limit"
    assert_good_digest_built(tmp_path)


def test_unknown_front_matter_keys_reach_templates(tmp_path):
    write_site(tmp_path, {"good.md": GOOD})
    put(tmp_path, "extra.md", "---\ntitle: Extra\nmood: curious\nreviewers: [ann, bo]\n---\nBody.\n")
    template = (Path(__file__).resolve().parents[1] / "templates" / "digest.html").read_text(encoding="utf-8")
    template = template.replace(
        '<div class="digest-body">',
        '{% if digest.extra.mood is defined %}<p class="mood">{{ digest.extra.mood }} / '
        '{{ digest.extra.reviewers|join("+") }}</p>{% endif %}<div class="digest-body">',
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.html").write_text(template, encoding="utf-8")
    proc = build(tmp_path, "--strict")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "_site/digests/extra/index.html").read_text(encoding="utf-8")
    assert '<p class="mood">curious / ann+bo</p>' in page


@pytest.mark.parametrize(
    "template,line,message",
    [
        (
            "{% extends 'base.html' %}\n{% block content %}\n{% if digest.title %}\n{% endblock %}\n",
            4,
            "endblock",
        ),
        (
            "{% extends 'base.html' %}\n{% block content %}\n<p>{{ digest.no_such_field }}</p>\n{% endblock %}\n",
            3,
            "no_such_field",
        ),
        (
            "{% extends 'base.html' %}\n{% block content %}\n\n<p>{{ 1 / 0 }}</p>\n{% endblock %}\n",
            4,
            "division by zero",
        ),
        (
            "{% extends 'base.html' %}\n{% block content %}\n<p>{{ digest.title + 1 }}</p>\n{% endblock %}\n",
            3,
            "concatenate",
        ),
        (
            "{% macro again(n) %}{{ again(n + 1) }}{% endmacro %}\n{{ again(0) }}\n",
            1,
            "recursion",
        ),
        ("{% extends 'digest.html' %}\n", 1, "recursion"),
    ],
    ids=["syntax", "runtime", "python-error", "type-error", "recursive-macro", "extends-itself"],
)
def test_template_error_names_template_and_line_and_keeps_old_site(tmp_path, template, line, message):
    write_site(tmp_path, {"good.md": GOOD})
    assert build(tmp_path).returncode == 0
    before = (tmp_path / "_site/digests/good/index.html").read_bytes()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.html").write_text(template, encoding="utf-8")
    proc = build(tmp_path)
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[0]
    assert re.search(rf"templates/digest\.html:{line}: error: .*{message}", first), proc.stderr
    assert "previous output is unchanged" in proc.stderr
    assert (tmp_path / "_site/digests/good/index.html").read_bytes() == before
    assert not list(tmp_path.glob("._site.*"))
