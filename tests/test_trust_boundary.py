"""Only files inside the site folder, links resolved, are read or published: a digest, a folder or a
static file that links out of the site is refused with a located error by `build` and `check`
alike, and nothing of it reaches the output. Folders that site.yaml names outside the site are
read, and noted. Real CLI, real symbolic links."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import run_cli, write_site
from serve_util import ServeProcess

SECRET = "root:x:0:0:TOP-SECRET"
GOOD = "---\ntitle: Good\ndate: 2023-05-02\n---\nA good digest.\n"
REFUSED = "error: links outside the site"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX symbolic links")


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the site: what a CI runner could read but a site must never publish."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "passwd").write_text(SECRET + "\n", encoding="utf-8")
    (folder / "secret.md").write_text(f"---\ntitle: Secret\n---\n{SECRET}\n", encoding="utf-8")
    return folder


@pytest.fixture
def site(tmp_path) -> Path:
    return write_site(tmp_path / "site", {"good.md": GOOD})


def build(site: Path):
    return run_cli("build", "--source", str(site), "--out", str(site / "_site"))


def check(site: Path):
    return run_cli("check", "--source", str(site))


def published(out: Path, text: str) -> list[str]:
    return [
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and text.encode() in p.read_bytes()
    ]


def assert_good_digest_built(site: Path) -> None:
    assert "A good digest." in (site / "_site/digests/good/index.html").read_text(encoding="utf-8")


def test_a_digest_symlinked_outside_the_site_is_refused_and_not_published(site, outside):
    (site / "digests/passwd.md").symlink_to(outside / "passwd")
    built = build(site)
    assert f"digests/passwd.md: {REFUSED} (to {outside / 'passwd'})" in built.stderr
    assert "Traceback" not in built.stderr
    assert published(site / "_site", "TOP-SECRET") == []
    assert not (site / "_site/digests/passwd").exists()
    assert_good_digest_built(site)
    checked = check(site)
    assert checked.returncode == 1
    assert f"digests/passwd.md: {REFUSED}" in checked.stdout


def test_a_papers_yaml_linking_outside_the_site_is_refused_and_not_read(site, outside):
    (outside / "papers.yaml").write_text(
        "2304.15004:\n  title: TOP-SECRET\nAPI_TOKEN: abcdef\n", encoding="utf-8"
    )
    (site / "papers.yaml").symlink_to(outside / "papers.yaml")
    built = build(site)
    assert built.returncode == 1
    assert f"papers.yaml: {REFUSED} (to {outside / 'papers.yaml'})" in built.stderr
    assert "API_TOKEN" not in built.stderr and "Traceback" not in built.stderr
    assert published(site / "_site", "TOP-SECRET") == []
    assert_good_digest_built(site)
    checked = check(site)
    assert checked.returncode == 1 and f"papers.yaml: {REFUSED}" in checked.stdout


def test_a_digest_replaced_by_a_link_out_keeps_its_last_good_version(site, outside):
    assert build(site).returncode == 0
    (site / "digests/good.md").unlink()
    (site / "digests/good.md").symlink_to(outside / "secret.md")
    built = build(site)
    assert built.returncode == 1 and f"digests/good.md: {REFUSED}" in built.stderr
    assert published(site / "_site", "TOP-SECRET") == []
    assert_good_digest_built(site)  # as an error in a digest does: the last good version stays


def test_a_linked_folder_under_digests_leaving_the_site_is_refused_and_not_published(site, outside):
    (site / "digests/ext").symlink_to(outside, target_is_directory=True)
    built = build(site)
    assert f"digests/ext: {REFUSED}" in built.stderr
    assert published(site / "_site", "TOP-SECRET") == []
    assert_good_digest_built(site)
    assert f"digests/ext: {REFUSED}" in check(site).stdout


def test_a_digests_folder_that_is_a_link_out_of_the_site_is_refused(tmp_path, outside):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text("title: T\n", encoding="utf-8")
    (site / "digests").symlink_to(outside, target_is_directory=True)  # not named in site.yaml
    built = build(site)
    assert f"digests: {REFUSED}" in built.stderr
    assert published(site / "_site", "TOP-SECRET") == []
    assert f"digests: {REFUSED}" in check(site).stdout


def test_static_and_asset_files_and_folders_linking_outside_are_refused_and_not_published(site, outside):
    static = site / "static"
    static.mkdir()
    (static / "logo.txt").write_text("a real static file", encoding="utf-8")
    (static / "passwd.txt").symlink_to(outside / "passwd")
    (static / "ext").symlink_to(outside, target_is_directory=True)
    assets = site / "templates/assets"
    assets.mkdir(parents=True)
    (assets / "leak.css").symlink_to(outside / "passwd")
    build(site)
    out = site / "_site"
    assert published(out, "TOP-SECRET") == []
    assert not (out / "passwd.txt").exists() and not (out / "ext").exists()
    assert (out / "logo.txt").read_text(encoding="utf-8") == "a real static file"
    assert_good_digest_built(site)
    checked = check(site)
    assert checked.returncode == 1
    for rel in ("static/passwd.txt", "static/ext", "templates/assets/leak.css"):
        assert f"{rel}: {REFUSED}" in checked.stdout


def test_links_that_stay_inside_the_site_are_followed(site):
    notes = site / "notes"
    notes.mkdir()
    (notes / "shared.md").write_text(
        "---\ntitle: Shared\ndate: 2023-05-03\n---\nShared text.\n", encoding="utf-8"
    )
    (site / "digests/shared.md").symlink_to(notes / "shared.md")
    (site / "shared-images").mkdir()
    (site / "shared-images/fig.txt").write_text("figure", encoding="utf-8")
    (site / "static").mkdir()
    (site / "static/images").symlink_to(site / "shared-images", target_is_directory=True)
    (site / "digests/figure.md").write_text(
        "---\ntitle: Figure\ndate: 2023-05-04\n---\n[the figure](/images/fig.txt)\n", encoding="utf-8"
    )
    built = build(site)
    assert REFUSED not in built.stderr
    assert "Shared text." in (site / "_site/digests/shared/index.html").read_text(encoding="utf-8")
    checked = check(site)
    assert REFUSED not in checked.stdout
    assert "points nowhere" not in checked.stdout  # the linked static folder counts as the site's


def test_folders_named_outside_the_site_in_site_yaml_are_read_and_noted_once(tmp_path, outside):
    shared_static = tmp_path / "shared-static"
    shared_static.mkdir()
    (shared_static / "logo.txt").write_text("logo", encoding="utf-8")
    (outside / "elsewhere.md").symlink_to(tmp_path / "elsewhere.md")  # leaves the named folder
    (tmp_path / "elsewhere.md").write_text("---\ntitle: Elsewhere\n---\nx\n", encoding="utf-8")
    (outside / "dated.md").write_text("---\ntitle: Dated\ndate: 2023-13-45\n---\nx\n", encoding="utf-8")
    site = write_site(
        tmp_path / "site", {}, f"title: T\ndigests_dir: ../outside\nstatic_dir: {shared_static}\n"
    )
    checked = check(site)
    assert "Traceback" not in checked.stderr, checked.stderr
    lines = checked.stdout.splitlines()
    expected = [
        f"site.yaml: note: digests_dir is outside the site folder: reading {outside}",
        f"site.yaml: note: static_dir is outside the site folder: reading {shared_static}",
    ]
    for line in expected:
        assert lines.count(line) == 1, checked.stdout
    # Its digests are read (shown as the path site.yaml names them by); its links out are refused.
    assert "../outside/dated.md:3: warning: date '2023-13-45' is not a date" in lines
    assert (
        f"../outside/elsewhere.md: {REFUSED} (to {tmp_path / 'elsewhere.md'}): not read, not published"
        in lines
    )


def test_a_digest_replaced_by_a_link_out_while_serving_is_not_served(site, outside, tmp_path):
    with ServeProcess(site, "--port", "0", "--out", str(tmp_path / "preview")) as server:
        assert server.page("digests/good/").status == 200
        (site / "digests/good.md").unlink()
        (site / "digests/good.md").symlink_to(outside / "secret.md")
        server.wait_for_line(re.compile(re.escape(f"digests/good.md: {REFUSED}")))
        server.wait_for_line(re.compile(r"good\.md changed"))
        assert "TOP-SECRET" not in server.page("digests/good/").text
        assert published(tmp_path / "preview", "TOP-SECRET") == []


def test_a_template_linking_outside_the_site_fails_the_build_and_is_never_read(site, outside):
    """Its theme twin must not stand in for it silently either: the build stops, the output stays."""
    assert build(site).returncode == 0
    before = published(site / "_site", "A good digest.")
    (site / "templates").mkdir()
    (site / "templates/base.html").symlink_to(outside / "passwd")
    proc = build(site)
    assert proc.returncode == 1 and f"templates/base.html: {REFUSED}" in proc.stderr
    assert (
        published(site / "_site", "TOP-SECRET") == []
        and published(site / "_site", "A good digest.") == before
    )
    checked = check(site)
    assert checked.returncode == 1 and f"templates/base.html: {REFUSED}" in checked.stdout


def test_a_katex_folder_inside_the_site_whose_files_link_out_is_refused(site, outside):
    katex = site / "vendor/katex"
    (katex / "fonts").mkdir(parents=True)
    bundled = Path(__file__).resolve().parents[1] / "src/paperdigest/katex"
    (katex / "katex.min.js").write_bytes((bundled / "katex.min.js").read_bytes())
    (katex / "katex.min.css").symlink_to(outside / "passwd")
    config = (site / "site.yaml").read_text() + "katex:\n  local_dir: vendor/katex\n"
    (site / "site.yaml").write_text(config)
    proc = build(site)
    assert proc.returncode == 1 and f"vendor/katex/katex.min.css: {REFUSED}" in proc.stderr
    assert published(site / "_site", "TOP-SECRET") == []
