"""Template overrides as users write them: a theme template copied and edited, a partial of their
own included, mistakes made on the way. The real CLI in a subprocess, on a small site."""

from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import REPO, clean_build_tree, run_cli, site_tree, write_site

CONFIG = "title: Templates\nbase_url: https://user.github.io/repo/\nsearch: false\n"

DIGEST = """\
---
title: A day of papers
date: 2023-05-02
---
### 1、A good paper

> 《A good paper》
>
> - URL：https://arxiv.org/abs/2304.15004
"""

# The theme's paper page with something of the user's at the top of its content block.
CONTENT = "{% block content %}"


def theme(name: str) -> str:
    return (REPO / "templates" / name).read_text(encoding="utf-8")


def paper_page_with(text: str) -> str:
    """The theme's paper.html, `text` put first in its content block (on the block's line)."""
    source = theme("paper.html")
    assert CONTENT in source
    return source.replace(CONTENT, CONTENT + text, 1)


def line_of(source: str, needle: str) -> int:
    return source[: source.index(needle)].count("\n") + 1


def make_site(tmp_path: Path) -> Path:
    site = write_site(tmp_path / "site", {"2023-05-02-day.md": DIGEST}, CONFIG)
    (site / "templates").mkdir()
    return site


def write_template(site: Path, rel: str, text: str) -> None:
    path = site / "templates" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_template_error_is_named_from_the_site_folder_like_every_other_file(tmp_path):
    """`templates/paper.html:LINE: error:` at the start of the line, as digests are named, not the
    absolute path of the site folder (which differs on every machine and CI runner)."""
    site = make_site(tmp_path)
    run_cli("build", "--source", str(site), check=True)
    before = site_tree(site / "_site")
    source = paper_page_with("\n{% if paper.venue %}")  # never closed: Jinja stops at endblock
    write_template(site, "paper.html", source)
    line = source.count("\n", 0, source.rindex("{% endblock %}")) + 1  # the content block's end

    built = run_cli("build", "--source", str(site))
    assert built.returncode == 1
    assert re.search(rf"^templates/paper\.html:{line}: error: .*'endblock'", built.stderr, re.M), built.stderr
    assert str(site) not in built.stderr
    assert site_tree(site / "_site") == before  # the previous output is kept

    checked = run_cli("check", "--source", str(site))
    assert checked.returncode == 1
    assert re.search(rf"^templates/paper\.html:{line}: error: ", checked.stdout, re.M), checked.stdout
    assert str(site) not in checked.stdout


def test_a_runtime_error_in_a_partial_names_the_partial_whatever_its_extension(tmp_path):
    """A partial of the user's own (`partials/card.j2`) that fails is where the error is, not the
    line of the page that includes it."""
    site = make_site(tmp_path)
    write_template(site, "partials/card.j2", "<p>{{ paper.title }}</p>\n{{ paper.missing_field.x }}\n")
    write_template(site, "paper.html", paper_page_with("{% include 'partials/card.j2' %}"))
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.search(r"^templates/partials/card\.j2:2: error: template error: ", proc.stderr, re.M), (
        proc.stderr
    )


def test_an_include_of_a_missing_template_names_the_template_and_line_that_asks_for_it(tmp_path):
    site = make_site(tmp_path)
    source = paper_page_with("\n{% include 'partials/nothere.html' %}")
    write_template(site, "paper.html", source)
    line = line_of(source, "{% include")
    for command in ("build", "check"):
        proc = run_cli(command, "--source", str(site))
        out = proc.stderr if command == "build" else proc.stdout
        assert proc.returncode == 1
        expected = rf"^templates/paper\.html:{line}: error: template not found: partials/nothere\.html$"
        assert re.search(expected, out, re.M), out


def test_a_typo_in_extends_names_the_template_and_line(tmp_path):
    site = make_site(tmp_path)
    write_template(site, "404.html", "{% extends 'bse.html' %}\n{% block content %}gone{% endblock %}\n")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1
    assert re.search(r"^templates/404\.html:1: error: template not found: bse\.html$", proc.stderr, re.M), (
        proc.stderr
    )


def test_an_include_that_may_be_missing_builds_and_the_partial_added_later_shows(tmp_path):
    """`ignore missing` and a list of names to try are Jinja's ways to include a partial that may
    not exist: the build must not fail on them; and adding the partial later re-renders the pages
    that include it, exactly as a clean build would."""
    site = make_site(tmp_path)
    write_template(
        site,
        "paper.html",
        paper_page_with("{% include 'partials/extra.html' ignore missing %}"
                        "{% include ['partials/maybe.html', 'partials/fallback.html'] %}"),
    )  # fmt: skip
    write_template(site, "partials/fallback.html", "<p>FALLBACK</p>")
    run_cli("build", "--source", str(site), check=True)
    page = site / "_site/papers/2304.15004/index.html"
    assert "FALLBACK" in page.read_text(encoding="utf-8")

    write_template(site, "partials/extra.html", "<p>EXTRA</p>")
    write_template(site, "partials/maybe.html", "<p>MAYBE</p>")
    run_cli("build", "--source", str(site), check=True)
    html = page.read_text(encoding="utf-8")
    assert "EXTRA" in html and "MAYBE" in html and "FALLBACK" not in html
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)

    (site / "templates/partials/extra.html").unlink()
    run_cli("build", "--source", str(site), check=True)
    assert "EXTRA" not in page.read_text(encoding="utf-8")
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)


def test_check_with_a_broken_template_reports_it_and_no_links_to_its_pages(tmp_path):
    """A paper page whose template fails is still a page of the site: the digest's links to it are
    no error. Every broken template is reported, not only the first one met."""
    site = make_site(tmp_path)
    write_template(site, "paper.html", paper_page_with("\n{{ 1 / 0 }}"))
    write_template(
        site, "404.html", "{% extends 'base.html' %}\n{% block content %}{{ nope }}{% endblock %}\n"
    )
    proc = run_cli("check", "--source", str(site))
    assert proc.returncode == 1
    errors = [line for line in proc.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 2, proc.stdout
    assert (
        errors[0] == "templates/404.html:2: error: template error: 'nope' is undefined (rendering 404.html)"
    )
    assert re.fullmatch(
        r"templates/paper\.html:\d+: error: template error: division by zero \(rendering .*\)", errors[1]
    )


def test_a_partial_of_any_name_escapes_digest_text_like_the_page_including_it(tmp_path):
    """Autoescaping by extension left a partial named card.j2 (or .jinja, .htm) unescaped: a
    digest title `<script>` went into the page as a script."""
    title = "A <script>alert(1)</script> & co"
    site = write_site(
        tmp_path / "site",
        {"2023-05-02-day.md": f'---\ntitle: "{title}"\ndate: 2023-05-02\n---\nText.\n'},
        CONFIG,
    )
    names = ("title.j2", "title.jinja", "title.htm", "title.txt")
    includes = "".join(f"{{% include 'partials/{name}' %}}" for name in names)
    for name in names:
        write_template(site, f"partials/{name}", f"<h2 class='{name}'>{{{{ digest.title }}}}</h2>")
    write_template(site, "digest.html", theme("digest.html").replace(CONTENT, CONTENT + includes, 1))
    run_cli("build", "--source", str(site), check=True)
    html = (site / "_site/digests/2023-05-02-day/index.html").read_text(encoding="utf-8")
    for name in names:
        assert f"<h2 class='{name}'>A &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h2>" in html
    assert "<script>alert(1)" not in html


def test_an_override_with_a_name_the_theme_does_not_have_is_warned_about(tmp_path):
    """Jinja finds a template by its exact name: `papr.html` or `Paper.html` overrides nothing and
    the theme's page renders instead, silently. A partial that some template includes, and an
    override of a theme template, are no warning."""
    site = make_site(tmp_path)
    for name in ("papr.html", "Paper.html", "theme/paper.html", "partials/unused.html"):
        write_template(site, name, theme("paper.html").replace(CONTENT, CONTENT + "MINE", 1))
    write_template(site, "partials/used.html", "<p>USED</p>")
    write_template(site, "partials/notes.txt", "not a page template: never warned about")
    write_template(
        site,
        "404.html",
        theme("404.html").replace(CONTENT, CONTENT + "{% include 'partials/used.html' %}", 1),
    )

    built = run_cli("build", "--source", str(site))
    assert built.returncode == 0, built.stderr
    warned = sorted(re.findall(r"^(templates/\S+): warning: not used: .*$", built.stderr, re.M))
    assert warned == ["templates/Paper.html", "templates/papr.html", "templates/partials/unused.html",
                      "templates/theme/paper.html"], built.stderr  # fmt: skip
    assert re.search(r"^templates/papr\.html: warning: .*: did you mean 'paper\.html'\?$", built.stderr, re.M)
    assert "USED" in (site / "_site/404.html").read_text(encoding="utf-8")
    assert "MINE" not in (site / "_site/papers/2304.15004/index.html").read_text(encoding="utf-8")

    again = run_cli("build", "--source", str(site))  # nothing changed: the warnings stay
    assert sorted(re.findall(r"^(templates/\S+): warning: not used", again.stderr, re.M)) == warned
    assert run_cli("build", "--source", str(site), "--strict").returncode == 1
    checked = run_cli("check", "--source", str(site))
    assert sorted(re.findall(r"^(templates/\S+): warning: not used", checked.stdout, re.M)) == warned

    for name in ("papr.html", "Paper.html", "theme/paper.html", "partials/unused.html"):
        (site / "templates" / name).unlink()
    clean = run_cli("build", "--source", str(site))
    assert clean.returncode == 0 and "warning" not in clean.stderr, clean.stderr


def test_an_editors_lock_link_or_a_fifo_in_templates_is_no_template_and_no_crash(tmp_path):
    """Emacs keeps `.#paper.html`, a link to nowhere, beside a file it edits: every build crashed
    with a traceback (template not found) while the file was open. A dangling link or a FIFO is
    no template; a page that includes one fails with a located error."""
    site = make_site(tmp_path)
    write_template(site, "paper.html", paper_page_with("<p>MINE</p>"))
    (site / "templates/.#paper.html").symlink_to("user@host.12345:1700000000")
    os.mkfifo(site / "templates/pipe.html")
    for command in ("build", "check"):
        proc = run_cli(command, "--source", str(site))
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert ".#paper.html" not in proc.stdout + proc.stderr
    assert "MINE" in (site / "_site/papers/2304.15004/index.html").read_text(encoding="utf-8")

    source = paper_page_with("\n{% include 'pipe.html' %}")
    write_template(site, "paper.html", source)
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = line_of(source, "{% include")
    assert re.search(
        rf"^templates/paper\.html:{line}: error: template not found: pipe\.html$", proc.stderr, re.M
    )


def test_a_template_saved_in_another_encoding_is_a_located_error_and_a_bom_is_dropped(tmp_path):
    """A template saved as GBK (a Chinese Windows editor's default) crashed build and check with a
    UnicodeDecodeError traceback; one saved with Notepad's byte-order mark put U+FEFF before the
    page's doctype."""
    site = make_site(tmp_path)
    run_cli("build", "--source", str(site), check=True)
    before = site_tree(site / "_site")
    source = (
        '{% extends "base.html" %}\n{% block content %}\n<h1>404</h1>\n<p>页面不存在</p>\n{% endblock %}\n'
    )
    (site / "templates/404.html").write_bytes(source.encode("gbk"))
    line = line_of(source, "页面")
    built = run_cli("build", "--source", str(site))
    assert built.returncode == 1 and "Traceback" not in built.stderr, built.stderr
    expected = rf"^templates/404\.html:{line}: error: not UTF-8 text \(byte 0x[0-9a-f]{{2}}\): save the template as UTF-8$"
    assert re.search(expected, built.stderr, re.M), built.stderr
    assert site_tree(site / "_site") == before
    checked = run_cli("check", "--source", str(site))
    assert checked.returncode == 1 and re.search(expected, checked.stdout, re.M), (
        checked.stdout + checked.stderr
    )

    (site / "templates/404.html").write_bytes(b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode("utf-8"))
    run_cli("build", "--source", str(site), check=True)
    page = (site / "_site/404.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "页面不存在" in page and "\r" not in page


def test_an_error_that_only_some_pages_data_cause_names_the_page(tmp_path):
    """`{{ digest.date.year }}` fails on the one digest without a date: among hundreds of digest
    pages, the message says which one, in build and in check."""
    site = make_site(tmp_path)
    (site / "digests/undated-note.md").write_text("# An undated note\n\nText.\n", encoding="utf-8")
    source = theme("digest.html").replace(CONTENT, CONTENT + "\n<p>{{ digest.date.year }}</p>", 1)
    write_template(site, "digest.html", source)
    line = line_of(source, "digest.date.year")
    expected = (
        rf"^templates/digest\.html:{line}: error: template error: 'None' has no attribute 'year' "
        r"\(rendering digests/undated-note/index\.html\)$"
    )
    for command, jobs in (("build", "1"), ("build", "2"), ("check", None)):
        proc = run_cli(command, "--source", str(site), *(("--jobs", jobs) if jobs else ()))
        assert proc.returncode == 1
        assert re.search(expected, proc.stderr + proc.stdout, re.M), proc.stderr + proc.stdout


def test_an_override_reading_what_no_fingerprint_describes_is_rendered_every_build(tmp_path):
    """`index.__class__` in an override ended every build with a traceback from the fingerprinter
    (`Unknown: type`); such a part is now never the same twice, so its pages are rendered again."""
    site = write_site(
        tmp_path / "site",
        {"2024-01-01-a.md": "---\ntitle: A\ndate: 2024-01-01\n---\n\nText.\n"},
        "title: T\nbase_url: https://example.org/\nsearch: false\n",
    )
    (site / "templates").mkdir()
    (site / "templates" / "index.html").write_text(
        '{% extends "base.html" %}{% block content %}<p id="k">{{ index.__class__.__name__ }} '
        "{{ index.digests|length }}</p>{% endblock %}\n",
        encoding="utf-8",
    )
    for day in (2, 3):  # a build, then one from its cache after a digest is added
        proc = run_cli("build", "--source", str(site))
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        (site / "digests" / f"2024-01-0{day}-b.md").write_text(
            f"---\ntitle: B{day}\n---\n\nMore.\n", encoding="utf-8"
        )
    run_cli("build", "--source", str(site), check=True)
    assert '<p id="k">SiteIndex 3</p>' in (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert site_tree(site / "_site") == clean_build_tree(site, tmp_path)
