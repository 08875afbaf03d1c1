"""site.yaml: typed, validated, documented."""

from __future__ import annotations

import pytest

from conftest import REPO, run_cli, write_site
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
