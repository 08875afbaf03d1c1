"""`paperdigest check`: lints the collection without writing a site, one located line per problem
(or JSON), exit 1 on errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import REPO, run_cli, write_site
from paperdigest.check import placeholder_problems
from paperdigest.parse import parse_digest
from paperdigest.scaffold import CARD_NOTE

CONFIG = "title: Check\nbase_url: https://user.github.io/repo/\n"

GOOD = """\
---
title: Good
date: 2023-05-02
---
### 1、A good paper

> 《A good paper》
>
> - URL：https://arxiv.org/abs/2304.15004

![ok](/images/ok.png) and [home](/) and [papers](/papers/) and [this card](#1a-good-paper).
"""

PROBLEMS = """\
---
title: Problems
date: 2023-05-03
---
### 1、A card without any link

> - 单位：Somewhere

### 2、Renamed paper

> 《Another title entirely》
>
> - URL：https://arxiv.org/abs/2304.15004

[missing digest](/digests/nope/) and [good digest](/digests/good/) and [relative](../good/)

![missing image](/images/missing.png)

[missing anchor](/digests/good/#no-such-card) and [good anchor](/digests/good/#1a-good-paper)

[nowhere on this page](#nowhere)

The formula $x + y never closes.

<a id="dup"></a>
<a id="dup"></a>
"""

BROKEN_YAML = "---\ntitle: [oops\n---\nBody.\n"

LINE = re.compile(r"^[^\s:][^:]*(:\d+)?: (error|warning|note): .+$")


def make_site(root: Path) -> Path:
    site = write_site(root, {"good.md": GOOD, "problems.md": PROBLEMS, "broken.md": BROKEN_YAML}, CONFIG)
    (site / "static" / "images").mkdir(parents=True)
    (site / "static" / "images" / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return site


def listing(folder: Path) -> list[str]:
    """Every path under `folder` except the build cache (check may fill it, like a build)."""
    paths = (p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    return sorted(p for p in paths if ".paperdigest-cache" not in p)


def test_check_reports_located_problems_and_writes_nothing(tmp_path):
    site = make_site(tmp_path / "site")
    before = listing(tmp_path)
    proc = run_cli("check", "--source", str(site))
    assert listing(tmp_path) == before, "check must not write a site"
    assert proc.returncode == 1, "there are errors"
    lines = proc.stdout.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    expected = [
        "digests/broken.md:2: error: front matter: ",  # libyaml's or PyYAML's wording of the error
        "digests/problems.md:5: warning: card 'A card without any link' has no arXiv or other URL",
        "digests/problems.md:9: warning: paper 2304.15004 is titled 'Another title entirely' here but "
        "'A good paper' in digests/good.md:5",
        "digests/problems.md:15: error: link /digests/nope/ points nowhere (no page or file digests/nope in the site)",
        "digests/problems.md:17: error: image /images/missing.png points nowhere "
        "(no page or file images/missing.png in the site)",
        "digests/problems.md:19: error: link /digests/good/#no-such-card points nowhere "
        "(no anchor #no-such-card in digests/good/)",
        "digests/problems.md:21: error: link #nowhere points nowhere (no element with id 'nowhere' on this page)",
        "digests/problems.md:23: warning: unclosed $: the formula is shown as text",
        "digests/problems.md:25: error: anchor #dup is used 2 times on this page",
    ]
    for line in expected:
        assert any(got.startswith(line) for got in lines), f"missing: {line}\n" + proc.stdout
    assert not [line for line in lines if line.startswith("digests/good.md")], "good links are fine"
    assert not [line for line in lines if "relative" in line or "#1a-good-paper" in line or "ok.png" in line]
    assert "errors" in proc.stderr and "warnings" in proc.stderr


def test_check_json_has_the_same_problems(tmp_path):
    site = make_site(tmp_path / "site")
    text = run_cli("check", "--source", str(site)).stdout.splitlines()
    proc = run_cli("check", "--source", str(site), "--format", "json")
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)
    assert isinstance(problems, list) and problems
    assert all(set(p) == {"path", "line", "level", "message"} for p in problems)
    as_lines = [f"{p['path']}:{p['line']}: {p['level']}: {p['message']}" if p["line"] else
                f"{p['path']}: {p['level']}: {p['message']}" for p in problems]  # fmt: skip
    assert as_lines == text


def test_check_passes_on_the_example_site_and_strict_counts_warnings(tmp_path):
    site = tmp_path / "example"
    site.mkdir()
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    shutil.copytree(REPO / "digests", site / "digests")
    shutil.copytree(REPO / "templates", site / "templates")  # site.yaml names both folders
    shutil.copytree(REPO / "static", site / "static")
    proc = run_cli("check", "--source", str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line for line in proc.stdout.splitlines() if ": error: " in line] == []

    (site / "digests" / "nolink.md").write_text(
        "---\ntitle: No link\n---\n### 1、Lonely card\n\nText.\n", encoding="utf-8"
    )
    proc = run_cli("check", "--source", str(site), "--format", "json")
    assert proc.returncode == 0, "warnings alone do not fail check"
    assert {"path": "digests/nolink.md", "line": 4, "level": "warning",
            "message": "card 'Lonely card' has no arXiv or other URL"} in json.loads(proc.stdout)  # fmt: skip
    assert run_cli("check", "--source", str(site), "--strict").returncode == 1


def test_check_reports_template_errors_with_template_and_line(tmp_path):
    site = write_site(tmp_path / "site", {"good.md": GOOD}, CONFIG)
    (site / "templates").mkdir()
    (site / "templates" / "paper.html").write_text(
        "{% extends 'base.html' %}\n\n{% block content %}{{ paper.title\n", encoding="utf-8"
    )
    proc = run_cli("check", "--source", str(site))
    assert proc.returncode == 1
    assert re.search(r"templates/paper\.html:3: error: ", proc.stdout), proc.stdout
    assert not (site / "_site").exists()
    (site / "templates" / "paper.html").write_text(
        "{% extends 'base.html' %}\n{% block content %}\n{{ 1 / 0 }}{% endblock %}\n", encoding="utf-8"
    )
    proc = run_cli("check", "--source", str(site))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.search(r"templates/paper\.html:3: error: template error: division by zero", proc.stdout), (
        proc.stdout
    )


def test_placeholders_new_wrote_are_warned_about_until_replaced(tmp_path):
    root = write_site(tmp_path, {}, CONFIG)
    run_cli("new", "--date", "2023-05-03", "2304.15004", "2305.10601", cwd=root, check=True)
    path = root / "digests/2023-05-03-paper-digest.md"
    text = path.read_text(encoding="utf-8")
    second = text.index("### 2、")  # the second card, filled in as its author would
    filled = (
        text[second:]
        .replace("Title of arXiv:2305.10601", "Tree of Thoughts")
        .replace("> - Official Code：", "> - Official Code：未开源")
        .replace("> - 单位：", "> - 单位：Princeton")
        .replace(CARD_NOTE + "\n", "")
    )
    path.write_text(text[:second] + filled, encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    digest = parse_digest(path, root).digest
    found = [
        (p.level, p.line, p.message.split(" (")[0]) for p in placeholder_problems(digest, "\n".join(lines))
    ]
    assert found == [
        (
            "warning",
            lines.index("### 1、Title of arXiv:2304.15004") + 1,
            "card title 'Title of arXiv:2304.15004' is the placeholder written by paperdigest new",
        ),
        (
            "warning",
            lines.index("> - Official Code：") + 1,
            "Official Code is still empty, as paperdigest new left it",
        ),
        ("warning", lines.index("> - 单位：") + 1, "单位 is still empty, as paperdigest new left it"),
    ]


def test_an_empty_code_line_in_a_written_digest_is_no_placeholder():
    path = REPO / "digests/2023-05-02-paper-digest.md"
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^> - Official Code：\s*$", text, re.M)  # the seed has one
    assert placeholder_problems(parse_digest(path, REPO).digest, text) == []


def test_a_pages_workflow_that_caches_the_build_cache_but_not_the_site_is_warned_about(tmp_path):
    """Sites made by an older `init` restored `.paperdigest-cache` alone: every push then rendered
    and indexed the whole site again (190 s instead of about 12 s at 10,000 digests)."""
    site = tmp_path / "site"
    run_cli("init", str(site), "--install", "paperdigest==1.0.0", check=True)
    workflow = site / ".github/workflows/pages.yml"
    proc = run_cli("check", "--source", str(site), "--format", "json")
    assert [p for p in json.loads(proc.stdout) if p["path"].startswith(".github")] == []

    lines = workflow.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "path: |")
    assert [s.strip() for s in lines[start + 1 : start + 3]] == [".paperdigest-cache", "_site"]
    lines[start : start + 3] = ["          path: .paperdigest-cache"]
    workflow.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_cli("check", "--source", str(site), "--format", "json")
    found = [p for p in json.loads(proc.stdout) if p["path"].startswith(".github")]
    assert [(p["path"], p["line"], p["level"]) for p in found] == [
        (".github/workflows/pages.yml", start + 1, "warning")
    ]
    assert "not _site" in found[0]["message"] and proc.returncode == 0

    # A workflow that publishes another folder is held to that folder.
    lines[start : start + 1] = ["          path: |", "            .paperdigest-cache", "            _site"]
    text = "\n".join(lines) + "\n"
    workflow.write_text(text.replace("path: _site", "path: ./public/"), encoding="utf-8")
    found = json.loads(run_cli("check", "--source", str(site), "--format", "json").stdout)
    messages = [p["message"] for p in found if p["path"].startswith(".github")]
    assert len(messages) == 1 and "but not public:" in messages[0]


def test_a_workflow_nested_beyond_reason_is_left_to_github_without_a_traceback(tmp_path):
    write_site(tmp_path, {"a.md": "---\ntitle: A\n---\nA digest.\n"}, CONFIG)
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/deep.yml").write_text("jobs: " + "[" * 1000 + "]" * 1000 + "\n")
    proc = run_cli("check", "--source", str(tmp_path))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_check_warns_about_an_empty_base_url_as_build_does(tmp_path):
    """One level everywhere: `build --strict` failed a fresh site over its empty base_url while
    `check --strict` passed it."""
    root = write_site(tmp_path, {"good.md": GOOD}, "title: Check\nsearch: false\n")
    checked = run_cli("check", "--source", str(root), "--strict")
    built = run_cli("build", "--source", str(root), "--strict")
    assert checked.returncode == built.returncode == 1, (checked.stdout, built.stderr)
    assert "site.yaml: warning: base_url is empty" in checked.stdout
    assert "site.yaml: warning: base_url is empty" in built.stderr
    given = write_site(tmp_path / "given", {"good.md": GOOD}, CONFIG + "search: false\n")
    assert "base_url" not in run_cli("check", "--source", str(given)).stdout
