"""site.yaml: typed, validated, documented."""

from __future__ import annotations

import re

import pytest

from conftest import REPO, run_cli, site_tree, write_site
from paperdigest.config import base_url_problem, load_config
from paperdigest.errors import ConfigError
from update_readme import updated


def test_example_config_loads():
    config = load_config(REPO)
    assert config.base_path == "/paperdigest/"
    assert config.per_page == 10


def test_base_path_from_base_url(tmp_path):
    write_site(tmp_path, {}, "base_url: https://u.github.io/repo\n")
    assert load_config(tmp_path).base_path == "/repo/"
    assert load_config(tmp_path, base_url="https://x.org/").base_path == "/"


@pytest.mark.parametrize(
    "yaml_text, words",
    [
        ("titel: x\n", ["unknown key 'titel'", "site.yaml"]),
        ("per_page: ten\n", ["'per_page' must be int", "site.yaml"]),
        ("katex:\n  cdnn: x\n", ["unknown key 'katex.cdnn'"]),
        ("katex: 3\n", ["'katex' must be a mapping"]),
        ("title: [a, b]\n", ["'title' must be str"]),
        ("base_url: ftp://x\n", ["base_url must be an http(s) URL"]),
        ("title: x\n  bad: : indent\n", ["invalid YAML", "site.yaml:2"]),
        ("fields:\n  cod: [源码]\n", ["unknown field 'fields.cod'", "known fields: url, code"]),
        ("fields:\n  code: 3\n", ["'fields.code' must be a label or a list of labels"]),
        ("fields:\n  code: [源码, [x]]\n", ["'fields.code' must be a label or a list of labels"]),
        ("fields: [code]\n", ["'fields' must be dict"]),
        (
            "language: 'en\"><script>'\n",
            ["language must be a language tag like en or zh-CN, got 'en\"><script>'"],
        ),
        (
            "strings: " + "[" * 1000 + "]" * 1000 + "\n",
            ["site.yaml: error: invalid YAML: lists or mappings nested"],
        ),
        ("a: &a [*a]\n", ["'a' holds more than 10,000 values, counting each use of a YAML alias (*name)"]),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path, yaml_text, words):
    write_site(tmp_path, {}, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    for word in words:
        assert word in str(info.value)


def test_cli_exits_2_on_invalid_config(tmp_path):
    write_site(tmp_path, {"a.md": "# A\n"}, "per_page: 0\n")
    proc = run_cli("build", "--source", str(tmp_path))
    assert proc.returncode == 2
    assert "site.yaml" in proc.stderr and "per_page" in proc.stderr
    assert not (tmp_path / "_site").exists()


def test_readme_documents_every_key():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert updated(text) == text, "run `python tests/update_readme.py`"


def test_an_empty_base_url_is_a_warning_naming_what_it_breaks(tmp_path):
    write_site(tmp_path, {}, "title: Local\n")
    problem = base_url_problem(load_config(tmp_path))
    assert (problem.path, problem.level) == ("site.yaml", "warning")
    assert "sitemap.xml" in problem.message and "--base-url" in problem.message
    assert base_url_problem(load_config(tmp_path, base_url="https://u.github.io/repo/")) is None


def alias_bomb(levels: int) -> str:
    """katex.macros a0 ... a{levels}, each a list of ten aliases of the one before: a few hundred
    bytes that expand into 10 ** (levels + 1) values."""
    lines = ["katex:", "  macros:", "    a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"    a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "yaml_text, words",
    [
        ("title: [" + ", ".join(["x"] * 5000) + "]\n", "'title' must be str, got list ['x', 'x',"),
        ("fields:\n  code: [" + ", ".join(["[x]"] * 2000) + "]\n", "'fields.code' must be a label or a list"),
        (
            "strings:\n  search_placeholder: [" + ", ".join(["x"] * 5000) + "]\n",
            "'strings.search_placeholder'",
        ),
        ("base_url: ftp://" + "x" * 100_000 + "\n", "base_url must be an http(s) URL, got 'ftp://xxx"),
        (alias_bomb(7), "'katex' holds more than 10,000 values"),
    ],
)
def test_a_value_quoted_in_an_error_is_a_short_excerpt(tmp_path, yaml_text, words):
    write_site(tmp_path, {}, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert words in str(info.value) and len(str(info.value)) < 300 and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "bad",
    [
        "strings: " + "[" * 1000 + "]" * 1000 + "\n",
        "language: 'en\"><script>'\n",
        alias_bomb(7) + "title: *a7\n",  # was a 522 MB message
    ],
    ids=["nested", "language", "aliases"],
)
def test_cli_exits_2_and_touches_nothing_on_a_config_that_is_invalid(tmp_path, bad):
    root = write_site(tmp_path / "site", {"a.md": "# A\n"}, "title: Site\nsearch: false\n")
    run_cli("build", "--source", str(root), check=True)
    before = site_tree(root / "_site")
    (root / "site.yaml").write_text(bad, encoding="utf-8")
    proc = run_cli("build", "--source", str(root), timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert re.search(r"site\.yaml(:\d+)?: error: ", proc.stderr), proc.stderr  # the key's line, if any
    assert "Traceback" not in proc.stderr and len(proc.stderr) < 500
    assert site_tree(root / "_site") == before


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-8"])
def test_site_yaml_is_read_in_the_encodings_digests_are_read_in(tmp_path, codec):
    # Windows editors save UTF-16 with a byte-order mark; digests in it were read, site.yaml refused.
    text = "\ufefftitle: 论文速递\nper_page: 5\n"
    (tmp_path / "site.yaml").write_bytes(text.encode(codec))
    config = load_config(tmp_path)
    assert (config.title, config.per_page) == ("论文速递", 5)
