"""No digest vanishes without a word: front-matter values of the wrong type are located errors (never
a guess such as `draft: 'no'` hiding the digest), a digest with an error is not published half
parsed, UTF-16 and UTF-32 files with a byte-order mark are read, and an impossible date in a file
name is a warning. `build` and `check` report the same problem at the same level. Real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli, write_site

GOOD = "---\ntitle: Good\ndate: 2023-05-02\n---\nA good digest.\n"
BAD = {
    "draft.md": "---\ntitle: Draft\ndraft: 'no'\n---\nDraft body.\n",
    "list-title.md": "---\ntitle: [a, {b: c}]\ndate: 2023-05-03\n---\nBody.\n",
    "map-categories.md": "---\ntitle: Cats\ncategories: {a: 1}\n---\nBody.\n",
    "unclosed.md": "---\ntitle: Unclosed\ndate: 2023-05-04\n\nThe body, never reached.\n",
    "broken.md": "---\ntitle: [oops\n---\nBody of a broken digest.\n",
}
ERRORS = {
    "draft.md": "digests/draft.md:3: error: draft must be true or false (without quotes), got the text 'no'",
    "list-title.md": "digests/list-title.md:2: error: title must be text, got a list ['a', {'b': 'c'}]",
    "map-categories.md": (
        "digests/map-categories.md:3: error: categories must be a name or a list of names, got a mapping {'a': '1'}"
    ),
    "unclosed.md": "digests/unclosed.md:1: error: front matter: the --- on line 1 is never closed",
    "broken.md": "digests/broken.md:2: error: front matter: ",
}
FINE = {
    "number-title.md": "---\ntitle: 2023\ndate: 2023-05-05\n---\nA title YAML reads as a number.\n",
    "names.md": "---\ntitle: Names\ndate: 2023-05-06\ntags: [ml, 2023]\n---\nTagged.\n",
    "rule.md": "---\n\n# Ruled\n\nA digest that starts with a horizontal rule, dated 2023-05-08.\n",
    "2023-02-30-feb.md": "---\ntitle: February\n---\nNo such day.\n",
    "bad-time.md": "---\ntitle: Bad time\ndate: 2023-01-01T25:99:00\n---\nAn impossible time.\n",
}
# Text fields keep a number as written: YAML would read 2024.10 as 2024.1, 0x1F as 31, 1_000 as
# 1000, 12:30:00 as 45000 (sexagesimal), 1.0e+400 as inf, .nan as nan and 010 as 8.
AS_WRITTEN = ["2024.10", "0x1F", "1_000", "12:30:00", "1.0e+400", ".nan"]
FINE.update(
    {
        f"written-{i}.md": f"---\ntitle: {text}\ndescription: {text}\nauthor: {text}\nkeywords: [{text}]\n---\nBody.\n"
        for i, text in enumerate(AS_WRITTEN)
    }
)
FINE["written-categories.md"] = "---\ntitle: Categories\ncategories: [1.10, 010]\n---\nBody.\n"
WIDE = {
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "utf-32-le": "utf-32-le",
    "utf-32-be": "utf-32-be",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_site(tmp_path_factory.mktemp("front") / "site", {"good.md": GOOD, **BAD, **FINE})
    for name, codec in WIDE.items():
        text = f"---\ntitle: 宽字符 {name}\ndate: 2023-05-07\n---\n正文 {name}.\n"
        (root / "digests" / f"{name}.md").write_bytes("\ufeff".encode(codec) + text.encode(codec))
    return root


@pytest.fixture(scope="module")
def built(site):
    return run_cli("build", "--source", str(site), "--out", str(site / "_site"))


@pytest.fixture(scope="module")
def checked(site):
    return run_cli("check", "--source", str(site))


def page(site: Path, slug: str) -> Path:
    return site / "_site" / "digests" / slug / "index.html"


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_front_matter_error_is_located_and_the_digest_is_not_published(site, built, name):
    assert ERRORS[name] in built.stderr
    assert not page(site, Path(name).stem).parent.exists(), "published without its front matter"
    assert "A good digest." in page(site, "good").read_text(encoding="utf-8")


def test_build_and_check_report_front_matter_errors_alike(built, checked):
    assert checked.returncode == 1
    for message in ERRORS.values():
        assert message in checked.stdout and message in built.stderr


def test_a_draft_that_is_not_true_or_false_is_not_silently_hidden(site, built):
    # `draft: 'no'` used to be truthy text: the digest vanished from the site with no message.
    assert ERRORS["draft.md"] in built.stderr
    assert "Draft body." not in "".join(
        p.read_text(encoding="utf-8") for p in (site / "_site").rglob("*.html")
    )


def test_text_that_yaml_reads_as_a_number_is_taken_as_text(site, built):
    assert "<h1>2023</h1>" in page(site, "number-title").read_text(encoding="utf-8")
    assert (site / "_site/categories/ml/index.html").exists()
    assert (site / "_site/categories/2023/index.html").exists()
    assert "number-title.md" not in built.stderr and "names.md" not in built.stderr


def test_a_horizontal_rule_at_the_top_is_not_taken_for_unclosed_front_matter(site, built):
    assert "rule.md" not in built.stderr
    assert "starts with a horizontal rule" in page(site, "rule").read_text(encoding="utf-8")


def test_an_impossible_date_in_a_file_name_is_a_warning_naming_the_file(site, built, checked):
    message = "digests/2023-02-30-feb.md: warning: the file name's 2023-02-30 is not a date"
    assert message in built.stderr and message in checked.stdout
    assert "No such day." in page(site, "2023-02-30-feb").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(WIDE))
def test_utf16_and_utf32_digests_with_a_byte_order_mark_are_read(site, built, name):
    assert f"digests/{name}.md" not in built.stderr  # no "binary file, ignored"
    html = page(site, name).read_text(encoding="utf-8")
    assert f"<h1>宽字符 {name}</h1>" in html and f"正文 {name}." in html


@pytest.mark.parametrize("i", range(len(AS_WRITTEN)))
def test_a_number_in_a_text_field_is_published_as_written(site, built, i):
    html, text = page(site, f"written-{i}").read_text(encoding="utf-8"), AS_WRITTEN[i]
    assert f"<h1>{text}</h1>" in html
    assert f'<meta name="description" content="{text}">' in html
    assert f'<span class="author">{text}</span>' in html
    assert f'<meta name="keywords" content="{text}">' in html
    assert f"written-{i}.md" not in built.stderr


def test_number_like_categories_are_published_as_written(site, built):
    categories = {p.name for p in (site / "_site/categories").iterdir()}
    assert {"1-10", "010"} <= categories and not {"1-1", "8"} & categories


def test_an_impossible_time_is_a_located_warning_and_the_day_still_dates_the_digest(site, built, checked):
    message = (
        "digests/bad-time.md:3: warning: date '2023-01-01T25:99:00': 25:99:00 is not a time of day "
        "(the digest is dated 2023-01-01)"
    )
    assert message in built.stderr and message in checked.stdout
    assert '<time datetime="2023-01-01">' in page(site, "bad-time").read_text(encoding="utf-8")


def alias_bomb(levels: int) -> str:
    """Front-matter lines a0 ... a{levels}, each a list of ten aliases of the one before: a few
    hundred bytes that YAML expands into 10 ** (levels + 1) values."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, levels + 1)]
    return "\n".join(lines)


# Each digest builds cleanly, then gets a value that aliases expand (key, levels, the message).
ALIASED = {
    "title": (7, "title must be text, got a list [[[["),
    "description": (5, "description must be text, got a list [[[["),
    "author": (5, "author must be text, got a list [[[["),
    "tags": (7, "tags must be a name or a list of names, got a list [[[["),
    "date": (7, "date holds more than 10,000 values, counting each use of a YAML alias (*name)"),
    "notes": (7, "notes holds more than 10,000 values, counting each use of a YAML alias (*name)"),
}


def test_values_that_yaml_aliases_expand_are_bounded_located_errors_keeping_the_last_good_pages(tmp_path):
    # Before, `title: *a7` gave a 522 MB message and `description: *a5` a 26 MB page.
    good = {f"{key}.md": f"---\ntitle: Good {key}\n---\nGood body of {key}.\n" for key in ALIASED}
    root = write_site(
        tmp_path / "site", good, "title: Aliases\nbase_url: https://example.org/\nsearch: false\n"
    )
    run_cli("build", "--source", str(root), "--out", str(root / "_site"), check=True)
    for key, (levels, _) in ALIASED.items():
        text = f"---\n{alias_bomb(levels)}\n{key}: *a{levels}\n---\nBad body.\n"
        (root / "digests" / f"{key}.md").write_text(text, encoding="utf-8")
    proc = run_cli("build", "--source", str(root), "--out", str(root / "_site"), timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(proc.stderr) < 5000 and all(len(line) < 200 for line in lines), "a message of any size"
    for key, (levels, message) in ALIASED.items():
        assert f"digests/{key}.md:{levels + 3}: error: {message}" in proc.stderr
        html = page(root, key).read_text(encoding="utf-8")
        assert f"Good body of {key}." in html and "Bad body." not in html, "not its last good page"
    assert max(p.stat().st_size for p in (root / "_site").rglob("*") if p.is_file()) < 1_000_000
