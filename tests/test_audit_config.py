"""site.yaml and papers.yaml as users edit them: every mistake is an error at its file and line."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from conftest import run_cli, site_tree, write_site
from paperdigest.config import load_config
from paperdigest.errors import ConfigError

DIGEST = {
    "2024-01-02-a.md": """\
        ---
        title: Day one
        date: 2024-01-02
        ---

        ### 1、Attention Is All You Need

        > - 论文地址：https://arxiv.org/abs/1706.03762
        > - 会议：NeurIPS 2017
        """
}


def config_error(tmp_path, yaml_text: str, **options) -> str:
    (tmp_path / "site.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, **options)
    return str(info.value)


@pytest.mark.parametrize(
    "yaml_text, expected",
    [
        # An error about a key names the line of that key, nested keys included.
        ("title: T\nsearch: false\nper_page: ten\n", "site.yaml:3: error: 'per_page' must be int"),
        ("title: T\nmath:\n  render: bild\n", "site.yaml:3: error: math.render must be 'build' or 'browser'"),
        ("title: T\n\nlanguage: 'en us'\n", "site.yaml:3: error: language must be a language tag"),
        # An empty language wrote lang="" and og:locale "" into every page.
        (
            "title: T\nlanguage:\n",
            "site.yaml:2: error: language must be a language tag like en or zh-CN, got nothing",
        ),
        ("title: T\nfields:\n  code: 3\n", "site.yaml:3: error: 'fields.code' must be a label"),
        (
            "title: T\nstrings:\n  search_placeholder: [x]\n",
            "site.yaml:3: error: 'strings.search_placeholder'",
        ),
        ("katex: 3\n", "site.yaml:1: error: 'katex' must be a mapping"),
        # A misspelt key says which key was meant.
        ("search: false\ntitel: x\n", "site.yaml:2: error: unknown key 'titel': did you mean 'title'?"),
        ("math:\n  rendr: build\n", "site.yaml:2: error: unknown key 'math.rendr': did you mean 'render'?"),
        ("fields:\n  cod: [源码]\n", "site.yaml:2: error: unknown field 'fields.cod': did you mean 'code'?"),
        (
            "strings:\n  serch_placeholder: x\n",
            "site.yaml:2: error: unknown key 'strings.serch_placeholder': did you mean 'search_placeholder'?",
        ),
    ],
)
def test_an_error_about_a_key_names_its_line(tmp_path, yaml_text, expected):
    assert expected in config_error(tmp_path, yaml_text)


def test_an_unknown_key_far_from_every_key_suggests_nothing(tmp_path):
    message = config_error(tmp_path, "colour: blue\n")
    assert "site.yaml:1: error: unknown key 'colour' (known keys: author," in message


@pytest.mark.parametrize(
    "yaml_text, expected",
    [
        ("title: A\nsearch: false\ntitle: B\n", "site.yaml:3: error: 'title' is given twice (lines 1 and 3)"),
        ("katex:\n  cdn: a\n  cdn: b\n", "site.yaml:3: error: 'katex.cdn' is given twice (lines 2 and 3)"),
        ("math:\n  render: build\nmath:\n  output: html\n", "site.yaml:3: error: 'math' is given twice"),
    ],
)
def test_a_key_given_twice_is_an_error_not_the_last_one_silently(tmp_path, yaml_text, expected):
    # YAML keeps the last of two equal keys without a word: `math:` twice drops the first's settings.
    assert expected in config_error(tmp_path, yaml_text)


@pytest.mark.parametrize(
    "yaml_text, expected",
    [
        (
            "title: x\n\tsearch: false\n",
            "site.yaml:2: error: invalid YAML: while scanning for the next token, found character '\\t' that "
            "cannot start any token",
        ),
        (
            'search: false\ntitle: "Paper\n',
            "site.yaml:2: error: invalid YAML: while scanning a quoted scalar, found unexpected end of stream",
        ),
    ],
)
def test_broken_yaml_is_one_short_line_at_the_construct_that_failed(tmp_path, yaml_text, expected):
    message = config_error(tmp_path, yaml_text)
    # PyYAML's own text spans lines and quotes '<unicode string>'; printed escaped it was one long line.
    assert message.endswith(expected)
    assert "\\n" not in message and "unicode string" not in message


def test_a_document_that_is_not_a_mapping_is_an_error(tmp_path):
    assert "site.yaml must be a mapping" in config_error(tmp_path, "false\n")
    (tmp_path / "site.yaml").write_text("# only a comment\n", encoding="utf-8")
    assert load_config(tmp_path).title == "Paper Digest"


def test_a_named_folder_that_does_not_exist_is_reported_at_its_line(tmp_path):
    root = write_site(tmp_path, DIGEST, "title: T\nsearch: false\ndigests_dir: digest\n")
    proc = run_cli("build", "--source", str(root))
    assert proc.returncode == 2 and "site.yaml:3: error: digests_dir: " in proc.stderr, proc.stderr
    assert not (root / "_site").exists()


@pytest.mark.parametrize(
    "base_url, words",
    [
        ("/repo", "base_url must be an http(s) URL, got '/repo'"),
        ("https://", "base_url has no host name"),
        ("https:///repo/", "base_url has no host name"),
        ("https://u.github.io/repo/?v=2", "without ?query or #fragment"),
        ("https://u.github.io/repo/#top", "without ?query or #fragment"),
        # The feeds write the host as IDNA and the port as a number: these crashed the build.
        ("https://例子..中国/repo/", "no valid host name and port"),
        ("https://u.github.io:abc/repo/", "no valid host name and port"),
        ("https://u.github.io:99999/repo/", "no valid host name and port"),
        # Every page, feed and the sitemap would publish the credentials.
        ("https://me:s3cret@u.github.io/repo/", "must not hold a user name or password"),
        ("https://token@u.github.io/repo/", "must not hold a user name or password"),
    ],
)
def test_a_base_url_that_makes_no_site_address_is_an_error(tmp_path, base_url, words):
    # Without a host the feeds and the sitemap said https:///...; a query or fragment was dropped.
    message = config_error(tmp_path, f"title: T\nbase_url: '{base_url}'\n")
    assert "site.yaml:2: error: base_url " in message and words in message
    assert "s3cret" not in message  # the error may land in a public CI log


@pytest.mark.parametrize(
    "base_url, base_path",
    [
        ("https://u.github.io/repo", "/repo/"),
        ("http://localhost:4000/x/", "/x/"),
        ("https://U.github.io/", "/"),
        ("https://u.github.io/repo#", "/repo/"),
        ("https://例子.中国:8080/论文/", "/%E8%AE%BA%E6%96%87/"),
    ],
)
def test_base_urls_users_write_are_accepted(tmp_path, base_url, base_path):
    (tmp_path / "site.yaml").write_text(f"base_url: '{base_url}'\n", encoding="utf-8")
    assert load_config(tmp_path).base_path == base_path


def test_a_bad_base_url_option_is_blamed_on_the_option_not_on_site_yaml(tmp_path):
    root = write_site(tmp_path, DIGEST, "title: T\nsearch: false\nbase_url: https://u.github.io/repo/\n")
    run_cli("build", "--source", str(root), check=True)
    before = site_tree(root / "_site")
    proc = run_cli("build", "--source", str(root), "--base-url", "/repo")
    assert proc.returncode == 2
    assert proc.stderr.startswith("--base-url: error: base_url must be an http(s) URL, got '/repo'")
    assert "site.yaml" not in proc.stderr
    assert site_tree(root / "_site") == before
    # The option replaces site.yaml's base_url, which is then not used and not checked.
    (root / "site.yaml").write_text("title: T\nsearch: false\nbase_url: /repo\n", encoding="utf-8")
    run_cli("build", "--source", str(root), "--base-url", "https://u.github.io/repo/", check=True)


def test_a_key_that_overrides_a_yaml_merge_is_not_given_twice(tmp_path):
    # `<<: *name` copies the alias's keys in while the values are made: no key is written twice.
    yaml_text = "katex: &k\n  macros: {'\\a': x}\nmath:\n  <<: *k\n  macros: {'\\a': y}\n"
    (tmp_path / "site.yaml").write_text(yaml_text, encoding="utf-8")
    assert load_config(tmp_path).math.macros == {"\\a": "y"}


@pytest.mark.parametrize(
    "macro, words",
    [
        ("RR: \\mathbb{R}", "a macro's name is a backslash and letters, like \\R; got 'RR'"),
        ("'\\\\RR': '\\mathbb{R}'", "got '\\\\\\\\RR' (one backslash: \\R unquoted)"),
        ("\\RR: null", "macro \\RR must be TeX text, like \\mathbb{R}; got None"),
        ("\\RR: true", "macro \\RR must be TeX text"),
        ("\\RR: [a, b]", "macro \\RR must be TeX text"),
    ],
)
def test_a_math_macro_that_cannot_work_is_an_error_at_its_line(tmp_path, macro, words):
    # They reached KaTeX as the text 'None', 'True' or "['a', 'b']", or as a macro no formula can use
    # ('\\RR' in single quotes is two backslashes), or redefined the letters R of every formula.
    for key in ("math", "katex"):
        message = config_error(tmp_path, f"title: T\n{key}:\n  macros:\n    {macro}\n")
        assert f"site.yaml:3: error: {key}.macros: " in message and words in message, message


def test_math_macros_as_the_reference_writes_them_typeset(tmp_path):
    digest = {"2024-01-03-m.md": "---\ntitle: M\ndate: 2024-01-03\n---\n\nText $\\RR + \\one$ end.\n"}
    config = "title: T\nsearch: false\nbase_url: https://x.org/\nmath:\n  macros:\n    \\RR: \\mathbb{R}\n    \\one: 1\n"
    root = write_site(tmp_path, digest, config)
    proc = run_cli("build", "--source", str(root), check=True)
    assert "warning" not in proc.stderr, proc.stderr
    page = (root / "_site/digests/2024-01-03-m/index.html").read_text(encoding="utf-8")
    assert "<mi>ℝ</mi><mo>+</mo><mn>1</mn>" in page


def papers_site(root, papers_yaml: str):
    """A two-paper site with papers.yaml; the built papers by id and the build's stderr."""
    second = "\n### 2、Second Paper\n\n> - 论文地址：https://arxiv.org/abs/2402.00838\n"
    digest = {"2024-01-02-a.md": textwrap.dedent(DIGEST["2024-01-02-a.md"]) + second}
    write_site(root, digest, "title: T\nsearch: false\nbase_url: https://example.org/\n")
    (root / "papers.yaml").write_text(papers_yaml, encoding="utf-8")
    return root


def built_papers(root, expect_rc: int):
    proc = run_cli("build", "--source", str(root))
    assert proc.returncode == expect_rc, proc.stderr
    papers = json.loads((root / "_site/papers.json").read_text(encoding="utf-8"))["papers"]
    return {p["id"]: p for p in papers}, proc.stderr


@pytest.mark.parametrize(
    "papers_yaml, error",
    [
        # An entry given twice: YAML kept the last one and dropped the first without a word.
        (
            "1706.03762:\n  title: Kept\n2402.00838:\n  venue: ICLR\n1706.03762:\n  venue: Lost\n",
            "papers.yaml:5: error: paper 1706.03762 is given twice (lines 1 and 5); this entry is not applied",
        ),
        (
            "1706.03762:\n  title: Kept\n2402.00838:\n  venue: ICLR\nhttps://arxiv.org/abs/1706.03762v2:\n  venue: Lost\n",
            "papers.yaml:5: error: paper 1706.03762 is given twice (lines 1 and 5)",
        ),
        (
            "1706.03762:\n  title: Kept\n  title: Lost\n2402.00838:\n  venue: ICLR\n",
            "papers.yaml:3: error: paper 1706.03762: title is given twice (lines 2 and 3); the first is kept",
        ),
        # A value of the wrong type is an error, as in front matter, not a warning the build passes.
        (
            "1706.03762:\n  title: Kept\n  venue: [a, b]\n2402.00838:\n  venue: ICLR\n",
            "papers.yaml:3: error: paper 1706.03762: venue must be text",
        ),
        (
            "1706.03762:\n  title: Kept\n  links: https://x.org\n2402.00838:\n  venue: ICLR\n",
            "papers.yaml:3: error: paper 1706.03762: links must map labels to URLs",
        ),
        # An empty title made a paper page whose heading and list entries had no text.
        (
            "1706.03762:\n  title: Kept\n  translated_title:\n2402.00838:\n  venue: ICLR\n  title:\n",
            "papers.yaml:6: error: paper 2402.00838: title is empty",
        ),
        (
            "1706.03762:\n  title: Kept\n2402.00838: a venue\n",
            "papers.yaml:3: error: paper 2402.00838: expected a mapping of fields",
        ),
    ],
)
def test_a_malformed_papers_yaml_entry_is_a_located_error_and_the_rest_applies(tmp_path, papers_yaml, error):
    papers, stderr = built_papers(papers_site(tmp_path, papers_yaml), expect_rc=1)
    assert error in stderr
    assert papers["1706.03762"]["title"] == "Kept"
    assert papers["1706.03762"]["venue"] == "NeurIPS 2017"  # from the digest: the bad value is left out
    if "ICLR" in papers_yaml:
        assert papers["2402.00838"]["venue"] == "ICLR"
        assert papers["2402.00838"]["title"] == "Second Paper"


def test_an_unquoted_null_in_papers_yaml_clears_a_field(tmp_path):
    papers_yaml = "1706.03762:\n  venue: null\n  affiliations: ~\n  authors: [Ashish Vaswani, null, 'null']\n"
    papers, stderr = built_papers(papers_site(tmp_path, papers_yaml), expect_rc=0)
    paper = papers["1706.03762"]
    # Read as text, `null` was a venue 'null' and an affiliation 'null' on the paper's page.
    assert (paper["venue"], paper["affiliations"]) == ("", [])
    assert paper["authors"] == ["Ashish Vaswani", "null"]  # quoted, it is the text null


def test_a_misspelt_papers_yaml_field_says_which_field_was_meant(tmp_path):
    papers, stderr = built_papers(papers_site(tmp_path, "1706.03762:\n  veneu: ICML\n"), expect_rc=0)
    assert "papers.yaml:2: warning: paper 1706.03762: unknown field 'veneu': did you mean 'venue'?" in stderr


def test_a_base_path_written_as_is_or_percent_encoded_makes_one_site_of_valid_urls(tmp_path):
    # /论文/ was written raw into every link, the sitemap and the feeds (a URL there may hold no
    # space or non-ASCII letter), while the same folder written encoded made another site.
    trees = []
    for n, base_url in enumerate(
        ["https://u.github.io/论文 集/", "https://u.github.io/%E8%AE%BA%E6%96%87%20%E9%9B%86/"]
    ):
        root = write_site(tmp_path / str(n), DIGEST, f"title: T\nsearch: false\nbase_url: '{base_url}'\n")
        run_cli("build", "--source", str(root), check=True)
        trees.append(site_tree(root / "_site"))
    assert trees[0] == trees[1]
    sitemap = trees[0]["sitemap.xml"].decode("utf-8")
    locs = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    assert locs and all(loc.isascii() and " " not in loc for loc in locs), locs
    assert "https://u.github.io/%E8%AE%BA%E6%96%87%20%E9%9B%86/digests/2024-01-02-a/" in locs
    page = trees[0]["digests/2024-01-02-a/index.html"].decode("utf-8")
    assert 'href="/%E8%AE%BA%E6%96%87%20%E9%9B%86/papers/1706.03762/"' in page


def test_check_as_json_reports_a_site_yaml_error_as_json(tmp_path):
    # The error went to stderr as text and stdout stayed empty: a tool reading the JSON got nothing.
    root = write_site(tmp_path, DIGEST, "title: T\nsearch: false\ntitel: x\n")
    proc = run_cli("check", "--format", "json", cwd=root)
    assert proc.returncode == 2
    [problem] = json.loads(proc.stdout)
    assert (problem["path"], problem["line"], problem["level"]) == ("site.yaml", 3, "error")
    assert problem["message"].startswith("unknown key 'titel': did you mean 'title'?")


def test_the_dev_server_follows_papers_yaml_and_site_yaml_saves_and_shows_their_errors(tmp_path):
    from serve_util import ServeProcess

    root = papers_site(tmp_path / "site", "")
    config = "title: T\nsearch: false\nbase_url: https://example.org/\n"
    with ServeProcess(root, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        generation, server = serve.page("").generation()
        with serve.events(generation, server) as events:
            (root / "papers.yaml").write_text("1706.03762:\n  title: Saved Title\n", encoding="utf-8")
            assert events.next()["action"] == "reload"
            assert "Saved Title" in serve.page("papers/1706.03762/").text

            (root / "papers.yaml").write_text(
                "1706.03762:\n  title: Saved Title\n  title: B\n", encoding="utf-8"
            )
            update = events.next()
            assert [(e["path"], e["line"]) for e in update["errors"]] == [("papers.yaml", 3)]
            assert "Saved Title" in serve.page("papers/1706.03762/").text  # the first is kept

            (root / "site.yaml").write_text(config + "title: Again\n", encoding="utf-8")
            update = events.next()
            assert update["action"] == "errors"
            assert (update["errors"][0]["path"], update["errors"][0]["line"]) == ("site.yaml", 4)
            assert "'title' is given twice (lines 1 and 4)" in update["errors"][0]["message"]

            (root / "papers.yaml").write_text("1706.03762:\n  venue: null\n", encoding="utf-8")
            (root / "site.yaml").write_text(config.replace("title: T", "title: Renamed"), encoding="utf-8")
            while (update := events.next())["errors"]:
                pass  # the two saves may be one rebuild or two
            assert update["action"] == "reload"
            assert "Renamed" in serve.page("").text
            paper = serve.page("papers/1706.03762/").text
            assert "Attention Is All You Need" in paper and "NeurIPS 2017" not in paper
