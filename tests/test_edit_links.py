"""repo_url: digest pages link to their file in the repository's editor and, in a git checkout,
show the date of the file's last commit; a new commit re-renders exactly those dates."""

from __future__ import annotations

import os
import subprocess

from bs4 import BeautifulSoup

from conftest import run_cli, write_site
from paperdigest.build import Builder

DIGEST = "---\ntitle: {title}\n---\n\nSome text.\n"


def git(root, *args, date="2024-03-05T12:00:00+00:00"):
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.org"}  # fmt: skip
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def edit_line(out, slug):
    html = BeautifulSoup((out / f"digests/{slug}/index.html").read_text(encoding="utf-8"), "html.parser")
    line = html.select_one(".edit-source")
    return (line.a["href"], line.time["datetime"] if line.time else None) if line else None


def test_edit_link_and_last_commit_date_from_git(tmp_path):
    repo = tmp_path / "repo"
    site = write_site(
        repo / "site",
        {"2024-03-01-a.md": DIGEST.format(title="A"), "2024-03-02-b.md": DIGEST.format(title="B")},
        "title: T\nbase_url: https://example.org/\nrepo_url: https://github.com/u/r\n",
    )
    git(repo, "init", "-q", "-b", "trunk")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    (site / "digests/2024-03-02-b.md").write_text(DIGEST.format(title="B2"), encoding="utf-8")
    git(repo, "commit", "-qam", "second", date="2024-04-10T08:00:00+00:00")
    builder = Builder(site, tmp_path / "out")
    builder.build()
    out = tmp_path / "out"
    assert edit_line(out, "2024-03-01-a") == (
        "https://github.com/u/r/edit/trunk/site/digests/2024-03-01-a.md",
        "2024-03-05",
    )
    assert edit_line(out, "2024-03-02-b")[1] == "2024-04-10"

    # An edit not yet committed keeps the last commit's date; committing it changes no file, but
    # the date is an input of the page: the next build (a fresh builder, as a CI run) shows it.
    (site / "digests/2024-03-01-a.md").write_text("---\ntitle: A\n---\n\nMore text.\n", encoding="utf-8")
    Builder(site, out).build()
    assert edit_line(out, "2024-03-01-a")[1] == "2024-03-05"
    git(repo, "commit", "-qam", "third", date="2024-06-01T08:00:00+00:00")
    result = Builder(site, out).build()
    assert edit_line(out, "2024-03-01-a")[1] == "2024-06-01"
    assert result.rendered == 1  # that page alone


def test_without_repo_url_no_edit_line_and_outside_git_no_date(tmp_path):
    site = write_site(tmp_path / "site", {"2024-03-01-a.md": DIGEST.format(title="A")})
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"), check=True)
    assert edit_line(tmp_path / "out", "2024-03-01-a") is None
    config = "title: T\nbase_url: https://example.org/\nrepo_url: https://gitlab.com/u/r/\n"
    (site / "site.yaml").write_text(config, encoding="utf-8")
    run_cli("build", "--source", str(site), "--out", str(tmp_path / "out2"), check=True)
    assert edit_line(tmp_path / "out2", "2024-03-01-a") == (
        "https://gitlab.com/u/r/-/edit/main/digests/2024-03-01-a.md",
        None,
    )


def test_repo_url_must_be_a_web_address(tmp_path):
    site = write_site(tmp_path / "site", {"2024-03-01-a.md": DIGEST.format(title="A")},
                      "title: T\nrepo_url: git@github.com:u/r.git\n")  # fmt: skip
    done = run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "repo_url must be an http(s) URL" in done.stderr
