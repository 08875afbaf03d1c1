"""Incremental correctness of the newest features: every output (and every problem reported) of a
build from the cache, or of the dev server's rebuild, equals a clean build of the same sources."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import clean_build_tree, run_cli, site_tree, write_site
from serve_util import ServeProcess

PROJECT_SITE = "title: Test site\nbase_url: https://u.github.io/repo/\nsearch: false\n"


def card_digest(day: int, title: str, url: str = "") -> str:
    front = f"---\ntitle: Cards {day}\ndate: 2024-02-{day:02d}\n---\n\n"
    field = f"> - URL：{url}\n" if url else "> - 会议：NeurIPS 2023\n"
    return f"{front}### 1、{title}\n\n> 《{title}》\n>\n{field}\nSummary {day}.\n"


# -------------------------------------------- a title-only card's heading link on a project site

PAPER_PAGE_LINK = re.compile(r'<a class="paper-page-link"[^>]* href="([^"]*)"')


@pytest.mark.parametrize("base_url", ["https://u.github.io/repo/", "https://example.org/"])
def test_a_joined_cards_heading_links_its_papers_page_under_any_base_path(tmp_path, base_url):
    """The ↗ after a card heading leads to the card's paper page. A title-only card joined to the
    arXiv paper of its title (join.py) must lead to that paper's page, on a project site (under
    /repo/) too: it led to the title's own page, which no build writes."""
    title = "Tree of Thoughts: Deliberate Problem Solving with Large Language Models"
    site = write_site(
        tmp_path / "site",
        {
            "2024-02-01.md": card_digest(1, title, "https://arxiv.org/abs/2305.10601"),
            "2024-02-02.md": card_digest(2, title.lower()),  # named by its title alone
        },
        PROJECT_SITE.replace("https://u.github.io/repo/", base_url),
    )
    run_cli("build", "--source", str(site), check=True)
    out = site / "_site"
    base = "/repo/" if "repo" in base_url else "/"
    page = (out / "digests/2024-02-02/index.html").read_text(encoding="utf-8")
    assert PAPER_PAGE_LINK.findall(page) == [f"{base}papers/2305.10601/"]
    for digest_page in out.glob("digests/*/index.html"):  # every heading link leads to a page
        for href in PAPER_PAGE_LINK.findall(digest_page.read_text(encoding="utf-8")):
            assert (out / href.removeprefix(base) / "index.html").is_file(), (digest_page, href)


# ---------------------------------------------------- what the walk of the digests folder reports


def problem_lines(output: str) -> list[str]:
    """The `file:line: level: message` lines of a build's output, as printed."""
    return sorted(line for line in output.splitlines() if re.match(r"^\S.*: (error|warning|note): ", line))


def clean_build(site: Path, tmp_path: Path):
    """`paperdigest build` of a fresh copy of the site's sources (links copied as links)."""
    fresh = tmp_path / "clean"
    shutil.rmtree(fresh, ignore_errors=True)
    ignore = shutil.ignore_patterns(".paperdigest-cache", "_site")
    shutil.copytree(site, fresh, symlinks=True, ignore=ignore)
    return run_cli("build", "--source", str(fresh))


def test_a_build_from_the_cache_reports_what_the_walk_finds_as_a_clean_build_does(tmp_path):
    """A folder linking out of the site, or a file that is no digest, appears among the digests
    while no digest changes: the build found the site up to date and reported the last build's
    problems, so a link out of the site passed with exit code 0."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n", encoding="utf-8")
    site = write_site(tmp_path / "site", {"2024-02-01.md": card_digest(1, "A paper")}, PROJECT_SITE)
    digests = site / "digests"
    steps = [
        ("a folder linking out of the site", lambda: (digests / "linked").symlink_to(outside)),
        ("the link removed", lambda: (digests / "linked").unlink()),
        ("a file that is no digest", lambda: (digests / "slides.pptx").write_bytes(b"PK")),
        ("an editor's backup", lambda: (digests / "2024-02-01.md~").write_text("x", encoding="utf-8")),
        ("both removed", lambda: [(digests / n).unlink() for n in ("slides.pptx", "2024-02-01.md~")]),
    ]
    run_cli("build", "--source", str(site), check=True)
    for what, step in steps:
        step()
        built = run_cli("build", "--source", str(site))
        clean = clean_build(site, tmp_path)
        assert built.returncode == clean.returncode, what
        assert problem_lines(built.stderr + built.stdout) == problem_lines(clean.stderr + clean.stdout), what
        assert site_tree(site / "_site") == site_tree(tmp_path / "clean/_site"), what
    assert clean.returncode == 0


# ------------------------------------ the dev server and the files digests name outside digests/

NAMING = """\
---
title: Figures
date: 2024-02-03
---

Jekyll's assets at the site root: ![a](/assets/img/a.png)

Beside the site's folders: ![b](../figures/b.png)

In a folder the walk of the digests skips: ![c](_img/c.png)

In a folder not made yet: ![d](/media/plots/d.png)
"""


def served_body(serve: ServeProcess, rel: str) -> tuple[int, bytes]:
    response = serve.page(rel)
    return response.status, response.body


def test_the_dev_server_follows_every_file_a_digest_names_as_a_build_does(tmp_path):
    """A build copies the files digests name wherever they are in the site folder; the preview
    watched only digests/, templates/ and static/: an image edited in the site root's assets/ or
    in a digests/_img/ folder stayed as it was, and a deleted one stayed served."""
    site = write_site(
        tmp_path / "site", {"2024-02-03-figures.md": NAMING, "notes.md": "# Notes\n"}, PROJECT_SITE
    )
    files = {"assets/img/a.png": b"A1", "figures/b.png": b"B1", "digests/_img/c.png": b"C1"}
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    preview = tmp_path / "preview"
    with ServeProcess(site, "--port", "0", "--out", str(preview)) as serve:
        page = serve.page("digests/2024-02-03-figures/")
        assert served_body(serve, "media/plots/d.png")[0] == 404
        steps = [
            *((rel, b"edited " + rel.encode()) for rel in files),
            ("media/plots/d.png", b"D1"),  # its folders made with it
            ("figures/b.png", None),  # deleted: its copy goes, as in a clean build
            ("digests/_img/c.png", None),
            ("figures/b.png", b"B again"),  # and back
        ]
        with serve.events(*page.generation()) as events:
            for rel, data in steps:
                source = site / rel
                if data is None:
                    source.unlink()
                else:
                    source.parent.mkdir(parents=True, exist_ok=True)
                    source.write_bytes(data)
                assert events.next()["action"] == "reload", rel
                served = served_body(serve, rel)  # published at its path in the site folder
                assert served == ((404, served[1]) if data is None else (200, data)), rel
        assert site_tree(preview) == clean_build_tree(site, tmp_path)


def test_the_dev_server_prints_a_warning_a_save_causes_in_another_file(tmp_path):
    """Deleting an image is a warning in the digest that names it, as `paperdigest build` says;
    the preview printed only the problems of the files saved, so it said nothing."""
    site = write_site(tmp_path / "site", {"2024-02-03-figures.md": NAMING}, PROJECT_SITE)
    for rel in ("assets/img/a.png", "digests/_img/c.png", "media/plots/d.png"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(b"PNG")
    warning = "digests/2024-02-03-figures.md:8: warning: image ../figures/b.png not found"
    assert warning in run_cli("build", "--source", str(site), "--out", str(tmp_path / "built")).stderr
    (site / "figures").mkdir()
    (site / "figures/b.png").write_bytes(b"PNG")
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as serve:
        (site / "figures/b.png").unlink()
        serve.wait_for_line(re.compile(r"changed: .* \(build 2\)$"))
        assert warning in serve.lines, "\n".join(serve.lines)
        (site / "figures/b.png").write_bytes(b"PNG")  # back: the warning is not printed again
        serve.wait_for_line(re.compile(r"changed: .* \(build 3\)$"))
    assert serve.lines.count(warning) == 1
