"""README.md read from the outside: the names it gives a theme override exist (and none is left
unnamed), the modules and scripts it names are files, the problem lines it quotes are the ones a
build prints for those inputs, its Commands table gives every option of every command, and its
`fields:` example does what it says."""

from __future__ import annotations

import json
import re

import jinja2
import yaml

from conftest import REPO, run_cli, write_site
from paperdigest.config import load_config
from paperdigest.parse.fields import FIELD_LABELS
from paperdigest.render import make_environment

README = (REPO / "README.md").read_text(encoding="utf-8")
# Names every page is rendered with (render.Page.render), besides the environment's globals.
RENDER_ARGUMENTS = {"page_path", "index"}


def paragraph(starting: str) -> str:
    """The README paragraph that starts with `starting`, its lines joined."""
    start = README.index(starting)
    end = README.find("\n\n", start)
    return " ".join(README[start:end].split())


def named(text: str) -> set[str]:
    """The names in `name` or `name(args)` code spans (not `urls.digest(slug)`, a method)."""
    return {m.group(1) for m in re.finditer(r"`(\w+)(?:\([^`]*\))?`", text)}


def environment() -> jinja2.Environment:
    return make_environment(load_config(REPO))


def test_every_filter_a_theme_override_can_use_is_named_and_exists():
    """The theme calls `link_href`, `language_of` and `text_dir`; an override copied from it needs
    them, and the README did not name them."""
    documented = named(paragraph("Filters the theme uses besides Jinja's:"))
    ours = set(environment().filters) - set(jinja2.Environment().filters)
    assert documented == ours


def test_every_global_a_template_can_use_is_named_and_exists():
    documented = named(paragraph("Every template can use"))
    ours = set(environment().globals) - set(jinja2.Environment().globals) | RENDER_ARGUMENTS
    assert documented == ours


def code_spans(markdown: str) -> list[str]:
    """The text of every code span and fenced block, a span broken across lines joined."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    spans = re.findall(r"`([^`]+)`", prose)
    return [" ".join(s.split()) for s in spans] + fenced


def test_every_python_file_the_readme_names_is_one():
    """The Development section named `cache.py`, `output.py` and `depends.py` as modules of the
    package: the first two live in incremental/, the last is no file at all."""
    python_files = {p for p in REPO.rglob("*.py") if ".git" not in p.parts}
    names = {name for span in code_spans(README) for name in re.findall(r"[\w./-]+\.py\b", span)}
    assert len(names) > 15  # modules, benchmarks, scripts, tests
    missing = [
        name
        for name in sorted(names)
        if not (REPO / name).is_file()
        and not (REPO / "src" / "paperdigest" / name).is_file()
        and not any(p.as_posix().endswith("/" + name) for p in python_files)
    ]
    assert missing == []


def quoted_problems() -> list[str]:
    """The `path:line: level: message` lines the README quotes for a real file (not a `file:line`
    pattern), each as one line."""
    flat = " ".join(README.split())
    quoted = re.findall(r"`((?:[\w/.-]+\.md|site\.yaml)[^`]*?: (?:warning|error|note): [^`]*)`", flat)
    # The size note needs a site of nearly 1 GB (tests/test_audit_scale.py checks it by its parts).
    return [line for line in quoted if "of GitHub Pages' limit" not in line]


def test_the_problem_lines_quoted_are_what_a_build_prints(tmp_path):
    """Two quotes had lost their ends (`: no paper is made of it`, `; both kept as mentions`) and
    gave paths as `b.md` where every message says `digests/b.md`."""
    outside = tmp_path / "shared"
    outside.mkdir()
    # The line numbers are the README's: a card at line 4 of a.md and line 12 of b.md, the
    # reference at line 8, the image at line 12 of x.md.
    site = write_site(
        tmp_path / "site",
        {
            "a.md": """\
                ---
                date: 2024-01-01
                ---
                ### 1、Y

                > 《Y》
                >
                > - URL：https://arxiv.org/abs/2402.07610
                """,
            "b.md": """\
                ---
                title: B
                date: 2024-01-02
                ---

                Some text.

                See arXiv:2304.150041 for details.

                More text.

                ### 1、X

                > 《X》
                >
                > - URL：https://arxiv.org/abs/2402.07610
                """,
            "x.md": "---\ndate: 2024-01-03\n---\n" + "\ntext\n" * 4 + "![](images/a.png)\n",
        },
        config=f"title: T\nbase_url: https://example.org/\nstatic_dir: {outside}\n",
    )
    (site / "digests" / "passwd.md").symlink_to("/etc/passwd")
    printed = run_cli("build", "--source", str(site)).stderr.splitlines()
    quotes = [q.replace("/srv/shared", str(outside)) for q in quoted_problems()]
    assert len(quotes) == 5, quotes
    assert [q for q in quotes if q not in printed] == [], "\n".join(printed)


def commands_table() -> dict[str, set[str]]:
    """README, *Commands*: each command's options, from its synopsis in the table's first column."""
    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    found = {}
    for synopsis in re.findall(r"^\| `paperdigest (\w+)([^`]*)` \|", table, flags=re.M):
        command, options = synopsis
        found[command] = set(re.findall(r"--[\w-]+", options))
    return found


def test_every_command_and_option_is_in_the_commands_table():
    """The table's synopses against `paperdigest COMMAND --help`, both ways."""
    documented = commands_table()
    top = run_cli("--help", check=True).stdout
    commands = set(re.search(r"\{([\w,]+)\}", top).group(1).split(","))
    assert set(documented) == commands
    for command in sorted(commands):
        usage = run_cli(command, "--help", check=True).stdout.split("\n\n", 1)[0]
        assert documented[command] == set(re.findall(r"--[\w-]+", usage)) - {"--help"}, command


def test_the_fields_example_adds_labels_and_they_name_the_field(tmp_path):
    """`fields: {code: [源码, Repo]}` was the example of adding labels, but both were built in
    already: copied into site.yaml it changed nothing. The example's labels must be new ones, and
    with it a card's line under such a label is the paper's code."""
    snippet = re.search(r"e\.g\. `(fields: \{[^`]*\})`", README).group(1)
    added = yaml.safe_load(snippet)["fields"]
    assert [(f, label) for f, labels in added.items() for label in labels if label in FIELD_LABELS[f]] == []

    ((field, labels),) = added.items()
    assert field == "code"  # the card below gives a code URL
    cards = "".join(
        f"### {n}、Paper {n}\n\n> 《Paper {n}》\n>\n> - URL：https://arxiv.org/abs/2401.0000{n}\n"
        f"> - {label}：https://github.com/a/repo{n}\n\n"
        for n, label in enumerate(labels, start=1)
    )
    site = write_site(
        tmp_path,
        {"2024-01-01-a.md": "---\ntitle: A\n---\n\n" + cards},
        config=f"title: T\nbase_url: https://example.org/\n{snippet}\n",
    )
    run_cli("build", "--source", str(site), check=True)
    lines = (site / "_site" / "papers.json").read_text(encoding="utf-8")
    codes = {p["id"]: p["code_url"] for p in json.loads(lines)["papers"]}
    assert codes == {f"2401.0000{n}": f"https://github.com/a/repo{n}" for n in range(1, len(labels) + 1)}
