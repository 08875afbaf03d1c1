"""Cached and incremental builds give exactly the bytes of a clean build, whatever changed."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import jinja2
import pytest

import paperdigest
from conftest import REPO, run_cli, site_tree, write_site
from paperdigest import render as render_module
from paperdigest.build import Builder, BuildError
from paperdigest.group import build_index, merge_key
from paperdigest.incremental import cache as cache_module
from paperdigest.incremental import fingerprint as fingerprint_module
from paperdigest.incremental import output as output_module
from paperdigest.incremental.cache import digest_of
from paperdigest.incremental.memo import RememberedLines
from paperdigest.incremental.output import BackgroundCheck, SiteOutput
from paperdigest.parse import parse_digest

DIGEST = """\
---
title: {date}：论文速递
cate1: {category}
---

## {date}：论文速递

### 1、{title}

> {translated}

> 《{title}》
>
> - URL：https://arxiv.org/abs/{arxiv}
> - Official Code：https://github.com/x/{arxiv}
> - 单位：斯坦福大学

{summary} Inline $$x_k^f$$ and $a+b$.

$$
y = LN(x)
$$

## 更多

### 1、Shared Paper Across Digests

> 《Shared Paper Across Digests》
>
> - URL：https://arxiv.org/abs/2304.99999
"""


def digest(date: str, title: str, *, category: str = "paper", summary: str = "A summary.") -> str:
    arxiv = "2304." + date.replace("-", "")[-5:]
    return DIGEST.format(
        date=date, title=title, category=category, translated="翻译 " + title, arxiv=arxiv, summary=summary
    )


def small_site(root: Path) -> Path:
    return write_site(
        root,
        {
            "2023-05-01-a.md": digest("2023-05-01", "Alpha Paper", category="nlp"),
            "2023-05-02-b.md": digest("2023-05-02", "Beta Paper"),
            "2023-05-03-c.md": digest("2023-05-03", "Gamma Paper", category="cv"),
            # A week, as weekly notes give it: pages show the range, not only its first day.
            "2023-06-01-d.md": digest("2023-06-01", "Delta Paper").replace(
                "cate1:", 'date: "2023-06-01 ~ 2023-06-07"\ncate1:', 1
            ),
        },
        config="title: Test site\nbase_url: https://example.github.io/repo/\nper_page: 2\npapers_per_page: 2\n",
    )


def tree(out: Path) -> dict[str, bytes]:
    return site_tree(out)


def clean_build(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The reference: a copy of the site built from nothing, in one process."""
    fresh = tmp_path / "clean"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site"))
    Builder(fresh, fresh / "_site", jobs=1).build()
    return tree(fresh / "_site")


def assert_same_tree(actual: dict[str, bytes], expected: dict[str, bytes]) -> None:
    assert sorted(actual) == sorted(expected)
    differing = [name for name in expected if actual[name] != expected[name]]
    assert differing == []


@pytest.fixture
def site(tmp_path) -> Path:
    root = small_site(tmp_path / "site")
    (root / "templates").mkdir()
    (root / "static").mkdir()
    (root / "static/gone.txt").write_text("to be deleted\n")
    return root


def build(root: Path, **kwargs):
    return Builder(root, root / "_site", jobs=1, **kwargs).build()


# -- the persistent cache ----------------------------------------------------------------------


def test_second_build_parses_and_renders_nothing(site):
    first = build(site)
    assert (first.parsed, first.cached) == (4, 0)
    before = tree(site / "_site")
    second = build(site)
    assert (second.parsed, second.cached, second.rendered, second.written) == (0, 4, 0, 0)
    assert tree(site / "_site") == before
    assert (site / ".paperdigest-cache" / ".gitignore").read_text() == "*\n"


def write(path: Path, text: str) -> set[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return {path}


def edit_digest(root):
    return write(root / "digests/2023-05-02-b.md", digest("2023-05-02", "Beta Paper Renamed", summary="New."))


def add_digest(root):
    return write(root / "digests/2023-05-04-e.md", digest("2023-05-04", "Epsilon Paper", category="robotics"))


def delete_digest(root):
    (root / "digests/2023-05-03-c.md").unlink()
    return {root / "digests/2023-05-03-c.md"}


def rename_digest(root):
    (root / "digests/2023-05-03-c.md").rename(root / "digests/2023-05-03-z.md")
    return {root / "digests/2023-05-03-c.md", root / "digests/2023-05-03-z.md"}


def change_category(root):
    return write(root / "digests/2023-05-01-a.md", digest("2023-05-01", "Alpha Paper", category="cv"))


def override_template(root):
    page = (
        '{% extends "base.html" %}{% block content %}<h1 class="mine">{{ paper.title }}</h1>{% endblock %}\n'
    )
    return write(root / "templates/paper.html", page)


def override_imported_macros(root):
    macros = (REPO / "templates/macros.html").read_text(encoding="utf-8")
    return write(
        root / "templates/macros.html", macros.replace('class="digest-item"', 'class="digest-item mine"')
    )


def edit_site_yaml(root):
    config = "title: Renamed site\nbase_url: https://example.github.io/other/\nper_page: 3\n"
    return write(root / "site.yaml", config)


def edit_affiliation(root):
    """A card field, not text: the digest's paper changes (its page, its line in lists and papers.json)."""
    path = root / "digests/2023-05-03-c.md"
    return write(path, path.read_text(encoding="utf-8").replace("单位：斯坦福大学", "单位：北京大学"))


def rename_shared_paper(root):
    """The oldest digest names the paper all digests share: every digest's page lists the new title."""
    path = root / "digests/2023-05-01-a.md"
    text = path.read_text(encoding="utf-8").replace("Shared Paper Across Digests", "Shared Paper Renamed")
    return write(path, text)


def add_paper_metadata(root):
    return write(root / "papers.yaml", "2304.99999:\n  title: Shared Paper\n")


def shorten_date_range(root):
    """Only the range's last day changes: `date` stays, `date_end` (which no template names, the
    `when` filter reads it) does not."""
    path = root / "digests/2023-06-01-d.md"
    return write(path, path.read_text(encoding="utf-8").replace("~ 2023-06-07", "~ 2023-06-06"))


def add_static_file(root):
    return write(root / "static/files/x.txt", "x\n")


def delete_static_file(root):
    (root / "static/gone.txt").unlink()
    return {root / "static/gone.txt"}


EDITS = {
    f.__name__: f
    for f in (
        edit_digest,
        add_digest,
        delete_digest,
        rename_digest,
        change_category,
        rename_shared_paper,
        edit_affiliation,
        shorten_date_range,
        override_template,
        override_imported_macros,
        edit_site_yaml,
        add_paper_metadata,
        add_static_file,
        delete_static_file,
    )
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_build_after_change_equals_clean_build(site, tmp_path, edit):
    build(site)
    EDITS[edit](site)
    build(site)
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_editing_one_digest_reparses_only_it(site):
    build(site)
    (site / "digests/2023-05-02-b.md").write_text(digest("2023-05-02", "Beta", summary="Other."))
    result = build(site)
    assert (result.parsed, result.cached) == (1, 3)
    assert 0 < result.rendered < result.pages


def test_new_version_reparses_everything_and_equals_clean_build(site, tmp_path, monkeypatch):
    build(site)
    monkeypatch.setattr(paperdigest, "__version__", "99.0.0")
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    monkeypatch.setattr("paperdigest.render.__version__", "99.0.0")
    cache_module.code_fingerprint.cache_clear()
    try:
        result = build(site)
        assert result.parsed == 4
        pages = tree(site / "_site")
        assert b"paperdigest 99.0.0" in pages["index.html"]
        assert_same_tree(pages, clean_build(site, tmp_path))
    finally:
        cache_module.code_fingerprint.cache_clear()


def test_custom_template_reading_other_fields_stays_correct(site, tmp_path):
    """A list page that shows each digest's table of contents is re-rendered when a heading changes."""
    (site / "templates/digests.html").write_text(
        '{% extends "base.html" %}{% block content %}{% for d in index.digests %}'
        "<p>{{ d.toc|map(attribute='title')|join(' / ') }}</p>{% endfor %}{% endblock %}\n"
    )
    build(site)
    text = (site / "digests/2023-05-02-b.md").read_text().replace("## 更多", "## 更多的论文")
    (site / "digests/2023-05-02-b.md").write_text(text)
    build(site)
    assert "更多的论文" in (site / "_site/digests/index.html").read_text()
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_moved_site_folder_renders_nothing_and_its_pages_never_show_the_folder(site, tmp_path):
    """No fingerprint holds the site folder's path, so a checkout at another path keeps every page;
    for that to be sound a template cannot print the path either (`site.root` is `.`)."""
    (site / "templates/digests.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>[{{ site.root }}]</p>{% endblock %}\n'
    )
    build(site)
    moved = site.rename(tmp_path / "moved")
    again = build(moved)
    assert (again.parsed, again.rendered, again.written) == (0, 0, 0)
    assert "<p>[.]</p>" in (moved / "_site/digests/index.html").read_text()
    assert_same_tree(tree(moved / "_site"), clean_build(moved, tmp_path))


def test_paperdigest_at_another_path_parses_and_renders_nothing(site, tmp_path):
    """The KaTeX bundled with paperdigest is known by its bytes, not its path: the same version
    installed elsewhere (a new virtualenv, CI runner or checkout) keeps every record and page."""
    reports = []
    for name in ("one", "two"):
        copy = tmp_path / name  # a source checkout: src/ and the theme's templates/ beside it
        shutil.copytree(REPO / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "templates", copy / "templates")
        where = "import paperdigest; print(paperdigest.__file__)"
        assert run_python(where, copy / "src").startswith(str(copy / "src"))
        proc = run_cli(
            "build", "--source", str(site), "--jobs", "1", "--profile", src=copy / "src", check=True
        )
        reports.append(proc.stdout.strip().splitlines()[-1])
    assert "4 parsed" in reports[0]
    assert reports[1].startswith("digests: 0 parsed, 4 from cache"), reports[1]
    assert "0 rendered, 0 written" in reports[1]


def run_python(code: str, src: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout


def test_hand_edited_or_deleted_output_files_are_restored(site, tmp_path):
    build(site)
    (site / "_site/papers/2304.99999/index.html").write_text("tampered")
    (site / "_site/digests/2023-05-01-a/index.html").unlink()
    (site / "_site/index.html").write_text("tampered, same size? no")
    build(site)
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_unchanged_site_is_only_checked(site, tmp_path):
    """A build with nothing changed renders nothing, and still notices a deleted output file."""
    build(site)
    again = build(site)
    assert (again.parsed, again.rendered, again.written, again.digests, again.pages) == (
        0,
        0,
        0,
        4,
        again.pages,
    )
    (site / "_site/papers/index.html").unlink()
    restored = build(site)
    assert restored.written == 1
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_static_file_changed_alone_keeps_every_page_in_the_manifest(site, tmp_path):
    """The unchanged-site check reads only the pages' sizes and mtimes; when a static file changed,
    the manifest it stores still lists every page, so a page deleted later is noticed."""
    build(site)
    add_static_file(site)
    changed = build(site)
    assert (changed.parsed, changed.rendered, changed.written) == (0, 0, 1)
    (site / "_site/papers/2304.99999/index.html").unlink()
    restored = build(site)
    assert restored.written == 1
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_failed_incremental_build_leaves_the_old_output(site):
    build(site)
    before = tree(site / "_site")
    (site / "digests/2023-05-02-b.md").write_text(digest("2023-05-02", "Changed Title"))
    (site / "templates/paper.html").write_text("{% if %}broken\n")
    with pytest.raises(BuildError):
        build(site)
    assert tree(site / "_site") == before
    assert not list(site.glob(".*.tmp-*"))


def test_lost_manifest_means_a_full_swap(site, tmp_path):
    """A build killed while moving files in forgets the manifest first, so the next one starts afresh."""
    build(site)
    (site / "_site/stray.html").write_text("left over")
    store = cache_module.BuildCache(site)
    store.forget_manifest((site / "_site").resolve())
    store.close()
    result = build(site)
    assert result.written == sum(f.is_file() for f in (site / "_site").rglob("*"))  # search index too
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


# -- rebuild(changed): the dev server's path ---------------------------------------------------


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_rebuild_after_change_equals_clean_build(site, tmp_path, edit):
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    changed = EDITS[edit](site)
    builder.rebuild(changed)
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def move_digest_in_time(root):
    """Same file, another date: neighbours, archive months and list orders of other digests change."""
    text = digest("2023-06-02", "Alpha Paper", category="nlp").replace("title: 2023-06-02", "title: Moved")
    return write(root / "digests/2023-05-01-a.md", text.replace("---\n\n", "date: 2023-06-02\n---\n\n", 1))


def delete_digest_d(root):
    (root / "digests/2023-06-01-d.md").unlink()
    return {root / "digests/2023-06-01-d.md"}


def test_many_rebuilds_in_a_row_each_equal_a_clean_build(site, tmp_path):
    """The dev server keeps one Builder (and what it remembers of records and pages) for hours."""
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    steps = [edit_digest, add_digest, move_digest_in_time, change_category, rename_shared_paper, edit_digest]
    steps += [add_paper_metadata, edit_affiliation]
    steps += [rename_digest, override_template, move_digest_in_time, edit_site_yaml, delete_digest_d]
    for step in steps:
        builder.rebuild(step(site))
        assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_dev_server_and_builds_into_the_same_folder_stay_consistent(site, tmp_path):
    """A `paperdigest build` into the dev server's folder between two saves: each build reads the
    manifest the other stored (the server's copy in memory is stale), and the stored manifest stays
    true for the builds after."""
    server = Builder(site, site / "_site", jobs=1)
    server.build()
    changed = edit_digest(site)
    build(site)
    server.rebuild(changed | add_digest(site))
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))
    change_category(site)
    build(site)
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_rebuild_reparses_only_the_changed_digest(site, tmp_path):
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    path = site / "digests/2023-05-01-a.md"
    path.write_text(digest("2023-05-01", "Alpha Paper", summary="Edited summary."))
    result = builder.rebuild({path})
    assert (result.parsed, result.cached, result.remembered) == (1, 0, 3)
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_builder_whose_first_build_found_the_output_up_to_date_warms_up_for_rebuilds(site, tmp_path):
    """The dev server restarted on its own output: the first build checks files and loads nothing,
    warm_up() loads the records, so the first save is an incremental rebuild like every later one."""
    build(site)
    builder = Builder(site, site / "_site", jobs=1)
    assert builder.build().remembered == 0 and builder.warm_up().cached == 4
    assert builder.warm_up() is None  # already in memory
    path = site / "digests/2023-05-01-a.md"
    path.write_text(digest("2023-05-01", "Alpha Paper", summary="Edited summary."))
    result = builder.rebuild({path})
    assert (result.parsed, result.cached, result.remembered) == (1, 0, 3)
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_rebuild_after_template_change_does_not_reparse(site, tmp_path):
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    template = site / "templates/paper.html"
    template.write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ paper.title }}!</h1>{% endblock %}\n'
    )
    result = builder.rebuild({template})
    assert result.parsed == 0
    assert "Alpha Paper!" in (site / "_site/papers/2304.30501/index.html").read_text()
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_rebuild_after_delete_and_rename_removes_pages(site, tmp_path):
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    old = site / "digests/2023-05-03-c.md"
    new = site / "digests/2023-05-03-renamed.md"
    old.rename(new)
    (site / "digests/2023-06-01-d.md").unlink()
    builder.rebuild({old, new, site / "digests/2023-06-01-d.md"})
    assert not (site / "_site/digests/2023-05-03-c").exists()
    assert not (site / "_site/digests/2023-06-01-d").exists()
    assert (site / "_site/digests/2023-05-03-renamed/index.html").is_file()
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


# -- parallel builds ----------------------------------------------------------------------------


def load_corpus_module():
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parallel_build_is_byte_identical_to_single_process(tmp_path):
    """Enough digests for the process pools to be used, through the real CLI."""
    root = tmp_path / "corpus"
    load_corpus_module().generate(80, root)
    run_cli("build", "--source", str(root), "--out", str(tmp_path / "one"), "--jobs", "1", check=True)
    shutil.rmtree(root / ".paperdigest-cache")
    proc = run_cli("build", "--source", str(root), "--out", str(tmp_path / "two"), "--jobs", "2", "--profile")
    assert proc.returncode == 0, proc.stderr
    assert "80 parsed, 0 from cache" in proc.stdout
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert len(one) > 500
    assert_same_tree(two, one)


def test_profile_prints_every_stage(site):
    proc = run_cli("build", "--source", str(site), "--profile", check=True)
    stages = [line.split()[0] for line in proc.stdout.splitlines()[2:9]]
    assert stages == ["parse", "group", "plan", "render", "write", "search", "total"]
    assert "4 parsed, 0 from cache" in proc.stdout
    again = run_cli("build", "--source", str(site), "--profile", check=True)
    assert "0 parsed, 4 from cache, 0 from memory; files: 0 rendered, 0 written" in again.stdout


def test_jobs_must_be_positive(site):
    proc = run_cli("build", "--source", str(site), "--jobs", "0")
    assert proc.returncode == 2
    assert "must be at least 1" in proc.stderr


def test_site_without_a_writable_cache_still_builds_and_rebuilds(site, tmp_path, monkeypatch):
    (site / "blocker").write_text("a file where the cache folder would go")
    monkeypatch.setattr(cache_module, "CACHE_DIR", "blocker/cache")
    builder = Builder(site, site / "_site", jobs=1)
    assert builder.build().parsed == 4
    changed = edit_digest(site)
    result = builder.rebuild(changed)
    assert result.parsed == 1
    monkeypatch.undo()
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_file_made_in_chunks_is_hashed_as_written_and_kept_when_its_bytes_are_unchanged(tmp_path):
    """papers.json of a large site is over 100 MB: it is made and written a record at a time."""
    out = tmp_path / "out"
    with SiteOutput(out, None) as site:
        entry, staged = site.stage("papers.json", iter([b'{"a": ', b"1}"]), "fp")
        site.add("papers.json", entry, staged)
        site.commit()
    assert (
        staged and entry.sha == digest_of(b'{"a": 1}') and (out / "papers.json").read_bytes() == b'{"a": 1}'
    )
    with SiteOutput(out, site.entries) as again:
        assert again.stage("papers.json", iter([b'{"a":', b" 1}"]), "fp2") == (
            entry._replace(fp="fp2"),
            False,
        )
        changed, staged = again.stage("papers.json", iter([b'{"a": 2}']), "fp3")
        again.add("papers.json", changed, staged)
        again.commit()
    assert staged and (out / "papers.json").read_bytes() == b'{"a": 2}'


def test_text_added_above_the_cards_rewrites_only_the_digest_page_and_its_feed(site, tmp_path):
    """Every card below the edit moves down a line; no paper changes, so neither do their pages,
    the papers list, the sitemap or papers.json (118 MB at 10,000 digests). The site feed carries
    the digest's text (a category feed its title and summary)."""
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    path = site / "digests/2023-05-02-b.md"
    path.write_text(path.read_text(encoding="utf-8").replace("\n\n", "\n\nA new first paragraph.\n\n", 1))
    before = tree(site / "_site")
    result = builder.rebuild({path})
    after = tree(site / "_site")
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {"digests/2023-05-02-b/index.html", "feed.xml"}
    assert result.written == 2
    assert "A new first paragraph." in (site / "_site/digests/2023-05-02-b/index.html").read_text()
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def spy_on_rendering(monkeypatch) -> list[str]:
    """The output paths of the pages rendered from now on, in this process."""
    rendered = []
    render = render_module.Page.render

    def spy(page, env, index):
        rendered.append(page.out)
        return render(page, env, index)

    monkeypatch.setattr(render_module.Page, "render", spy)
    return rendered


def spy_on_planning(monkeypatch) -> list[str]:
    """The keys of the page groups whose pages are planned from now on, in this process."""
    planned = []
    pages = render_module.PageGroup.pages

    def spy(group):
        planned.append(group.key)
        return pages(group)

    monkeypatch.setattr(render_module.PageGroup, "pages", spy)
    return planned


def test_a_new_digest_renders_the_first_page_of_a_list_not_the_older_pages(site, tmp_path, monkeypatch):
    """Lists are paginated from their oldest end (render.pages_of): the newest digest joins the
    first page and the older pages keep their digests, so a new process does not render them
    again (at 10,000 digests, 1,500 list pages were rendered for every digest added)."""
    build(site)
    before = tree(site / "_site")
    rendered = spy_on_rendering(monkeypatch)
    new = digest("2023-06-05", "Epsilon Paper").split("## 更多")[0]  # not the paper all digests share
    write(site / "digests/2023-06-05-e.md", new)
    build(site)  # a new Builder: nothing remembered, as in CI
    after = tree(site / "_site")
    assert "Epsilon Paper" in after["index.html"].decode() and "index.html" in rendered
    assert "page/2/index.html" not in rendered and after["page/2/index.html"] == before["page/2/index.html"]
    assert_same_tree(after, clean_build(site, tmp_path))


def test_editing_a_card_renders_only_the_pages_that_show_it(site, tmp_path, monkeypatch):
    """At 10,000 digests every front, archive and category page used to be rendered again (1,700
    pages) because they read the whole papers index or a category's every digest."""
    config = site / "site.yaml"
    config.write_text(config.read_text().replace("per_page: 2\n", "per_page: 1\n", 1))
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    rendered = spy_on_rendering(monkeypatch)
    path = site / "digests/2023-05-02-b.md"
    builder.rebuild(
        write(path, path.read_text(encoding="utf-8").replace("单位：斯坦福大学", "单位：北京大学"))
    )
    out = site / "_site"
    lists = [
        p.relative_to(out).as_posix() for p in (out / "papers").glob("**/index.html") if "page" in p.parts
    ]
    lists.append("papers/index.html")
    showing = {rel for rel in lists if "2304.30502" in (out / rel).read_text(encoding="utf-8")}
    assert len(lists) == 2 and len(showing) == 1  # 5 papers, 2 a page: the first page takes 3
    # the pages that list digest b's papers: the front page, its category's page, its month
    shown = {"page/3/index.html", "categories/paper/page/2/index.html", "archive/2023/05/index.html"}
    made_from_the_digest = {"digests/2023-05-02-b/index.html", "feed.xml", "categories/paper/feed.xml"}
    made_from_its_papers = {
        "papers/2304.30502/index.html",
        "papers.json",
        "papers.bib",
        "digests/2023-05-02-b/papers.bib",
    }
    expected = shown | showing | made_from_the_digest | made_from_its_papers
    assert set(rendered) == expected
    not_showing = {
        "index.html",  # digest d; page/2/ is c, page/3/ is b, page/4/ is a
        "page/2/index.html",
        "page/4/index.html",
        "categories/paper/index.html",  # d
        "categories/nlp/index.html",
        "archive/2023/06/index.html",
        "archive/2023/index.html",  # a line for each digest, no papers
        "papers/2304.30501/index.html",
        "papers/2304.30601/index.html",
        "sitemap.xml",
        *(set(lists) - showing),
    }
    assert not_showing & set(rendered) == set()
    assert "北京大学" in (out / "papers/2304.30502/index.html").read_text(encoding="utf-8")
    assert_same_tree(tree(out), clean_build(site, tmp_path))


def test_a_rebuild_plans_again_only_the_page_groups_whose_inputs_changed(site, tmp_path, monkeypatch):
    """Digests and papers are planned in groups (at 10,000 digests, 80,000 pages planned one by one
    were most of a rebuild); a group whose inputs are last build's is kept as it was."""
    monkeypatch.setattr(render_module, "DIGESTS_PER_GROUP", 1)
    monkeypatch.setattr(render_module, "PAPERS_PER_GROUP", 1)
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    planned = spy_on_planning(monkeypatch)
    path = site / "digests/2023-05-02-b.md"
    text = path.read_text(encoding="utf-8")
    builder.rebuild(write(path, text.replace("\n\n", "\n\nA new first paragraph.\n\n", 1)))
    assert planned == ["digests/1"]  # counted from the oldest: a, b, c, d; its papers are the same records
    planned.clear()
    builder.rebuild(
        write(path, path.read_text(encoding="utf-8").replace("单位：斯坦福大学", "单位：北京大学"))
    )
    papers = list(builder.memo.site.index.papers)
    showing_the_paper = ["index.html", "categories/paper/category.html"]  # the lists, not nlp's or cv's
    assert sorted(planned) == sorted(
        [*showing_the_paper, "digests/1", f"papers/{papers.index('2304.30502')}"]
    )
    assert "北京大学" in (site / "_site/papers/2304.30502/index.html").read_text(encoding="utf-8")
    planned.clear()
    newest = digest("2023-07-01", "Epsilon Paper").split("## 更多")[0]  # no paper the others have
    builder.rebuild(write(site / "digests/2023-07-01-e.md", newest))
    # itself, and d, which now links to it as the next digest; not the groups of a, b and c
    assert sorted(key for key in planned if key.startswith("digests/")) == ["digests/3", "digests/4"]
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_new_process_plans_again_only_the_page_groups_whose_inputs_changed(site, tmp_path, monkeypatch):
    """What a build in CI does (a new process, the cache restored): each page group's pages are
    found by what they are made from, as the last process stored them, not planned page by page."""
    monkeypatch.setattr(render_module, "DIGESTS_PER_GROUP", 1)
    monkeypatch.setattr(render_module, "PAPERS_PER_GROUP", 1)
    build(site)
    planned = spy_on_planning(monkeypatch)
    path = site / "digests/2023-05-02-b.md"
    text = path.read_text(encoding="utf-8")
    write(path, text.replace("y = LN(x)\n$$\n", "y = LN(x)\n$$\n\nA new paragraph.\n", 1))
    build(site)
    assert planned == ["digests/1"]  # a paragraph after the card's summary: its papers are the same
    planned.clear()
    newest = digest("2023-07-01", "Epsilon Paper").split("## 更多")[0]  # no paper the others have
    write(site / "digests/2023-07-01-e.md", newest)
    build(site)  # the daily publish: the new digest's group, d's (its next link), the lists it is in
    assert sorted(planned) == [
        "categories/paper/category.html", "digests/3", "digests/4", "index.html", "papers/5"
    ]  # fmt: skip
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))
    planned.clear()
    (site / "templates/paper.html").write_text(
        (render_module.theme_dir() / "paper.html").read_text(encoding="utf-8").replace("<h1>", "<h1 class=x>")
    )
    build(site)  # a template the stored pages were made from changed: they are planned again
    assert sorted(k for k in planned if k.startswith("papers/")) == [f"papers/{n}" for n in range(6)]
    assert "class=x" in (site / "_site/papers/2304.30502/index.html").read_text(encoding="utf-8")
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


@pytest.mark.parametrize("batch", [2, 5])  # 5 papers: batches of 2 leave one over, of 5 none
def test_papers_json_written_in_batches_is_the_same_json(site, tmp_path, monkeypatch, batch):
    build(site)
    whole = (site / "_site/papers.json").read_bytes()
    assert len(json.loads(whole)["papers"]) == 5
    monkeypatch.setattr(render_module, "JSON_BATCH", batch)
    out = tmp_path / "batched"
    Builder(site, out, jobs=1).build()
    assert (out / "papers.json").read_bytes() == whole


def test_rebuilds_keep_the_compiled_templates_until_a_template_changes(site, tmp_path):
    (site / "templates").rmdir()  # created by the user while the dev server runs
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    env = builder.memo.environment.env
    builder.rebuild(edit_digest(site))
    assert builder.memo.environment.env is env and env.cache  # compiled once, used again
    builder.rebuild(override_template(site))  # a user override of a theme template
    assert builder.memo.environment.env is not env
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_after_warm_up_a_card_edit_encodes_only_its_paper_for_papers_json(site, tmp_path, monkeypatch):
    """The dev server's warm-up encodes every paper's line of papers.json; a save then encodes
    only the papers that changed (all 59,000 took 1.6 s of the first such save at 10k digests)."""
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    builder.memo.paper_lines = RememberedLines()  # as after a build that rendered papers.json in a worker
    builder.warm_up()
    encoded = []
    record = render_module.paper_record
    monkeypatch.setattr(render_module, "paper_record", lambda p, u: encoded.append(p.id) or record(p, u))
    builder.rebuild(edit_affiliation(site))
    assert encoded == ["2304.30503"]
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_new_process_encodes_only_the_papers_of_the_edited_digest_for_papers_json(
    site, tmp_path, monkeypatch
):
    """papers.json's lines are kept in the cache by what their paper is made from: a build in a new
    process (CI, the cache restored) encodes the papers merged from the digests that changed, not
    every paper (59,000 lines took 4 s of adding a digest at 10,000 digests)."""
    build(site)
    encoded = []
    record = render_module.paper_record
    monkeypatch.setattr(render_module, "paper_record", lambda p, u: encoded.append(p.id) or record(p, u))
    edit_affiliation(site)  # of c's own paper; c also cites the paper every digest shares
    build(site)
    assert sorted(encoded) == ["2304.30503", "2304.99999"]
    assert "北京大学" in (site / "_site/papers.json").read_text(encoding="utf-8")
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_a_new_process_makes_only_the_bibtex_entries_of_the_edited_digest_for_papers_bib(
    site, tmp_path, monkeypatch
):
    """papers.bib's entries are kept in the cache like papers.json's lines: a build in a new process
    makes the entries of the papers merged from the digests that changed, not every paper's (60,000
    entries took a second of adding a digest at 10,000 digests)."""
    build(site)
    made = []
    entry = render_module.bibtex_entry
    monkeypatch.setattr(render_module, "bibtex_entry", lambda p, key: made.append(p.id) or entry(p, key))
    edit_affiliation(site)
    build(site)
    assert sorted(set(made)) == ["2304.30503", "2304.99999"]
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def module_state() -> dict[str, str]:
    """Every module-level dict, list and set of paperdigest's modules, by name, as text."""
    import pkgutil
    import sys

    for info in pkgutil.walk_packages(paperdigest.__path__, "paperdigest."):
        if not info.name.endswith("__main__"):
            __import__(info.name)
    state = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("paperdigest"):
            for attr, value in vars(module).items():
                if type(value) in (dict, list, set):
                    state[f"{name}.{attr}"] = repr(value)
    return state


def test_builders_keep_what_they_remember_to_themselves(site, tmp_path):
    """No module holds build state: two Builders in one process, or one library caller building
    twice, share nothing but the KaTeX engines (V8 is a process-wide resource)."""
    before = module_state()
    other = shutil.copytree(site, tmp_path / "other")
    (other / "site.yaml").write_text("title: Other\nbase_url: https://x.org/other/\n")
    one, two = Builder(site, site / "_site", jobs=1), Builder(other, other / "_site", jobs=1)
    one.build()
    two.build()
    one.rebuild(edit_affiliation(site))
    two.rebuild(edit_affiliation(other))
    after = module_state()
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert changed <= {"paperdigest.katex_engine._engines"}
    assert one.memo is not two.memo
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path / "1"))
    assert_same_tree(tree(other / "_site"), clean_build(other, tmp_path / "2"))


def test_the_code_fingerprint_covers_every_file_of_the_package():
    """Any edit of paperdigest (a parser, a template helper, the bundled KaTeX) must miss the cache."""
    covered = {rel for rel, _ in cache_module.package_files()}
    assert {
        "build.py",
        "parse/digest.py",
        "render.py",
        "incremental/cache.py",
        "katex/katex.min.js",
    } <= covered
    assert not any("__pycache__" in rel for rel in covered)


@pytest.mark.parametrize(
    "parts",
    [(), ("",), ("a", "b"), (b"\xff", "é"), ("\ud800", "\udc00"), ("a\x00b",), (b"", b"x", "y")],
)
def test_digest_of_hashes_the_parts_as_they_are_streamed(parts):
    """digest_of(*parts) and Hashing fed each part and a NUL are one hash (files written in chunks
    and files written whole must get the same sha); a part is never merged with its neighbour."""
    streamed = cache_module.Hashing()
    encoded = [p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass") for p in parts]
    if encoded:
        streamed.update(b"\x00".join(encoded))  # hexdigest() adds the last NUL
        assert digest_of(*parts) == streamed.hexdigest()
    assert digest_of(*parts) != digest_of(*parts, "")


def test_a_new_process_fingerprints_merged_papers_by_their_digests_slugs_included(
    site, tmp_path, monkeypatch
):
    """A paper merged from digests' cards is fingerprinted by their parse keys and slugs, not field
    by field: a slug freed when a digest of the same name goes changes the other digest's
    papers (their mentions link to it) though no byte of it changed."""
    write(site / "digests/more/2023-05-02-b.md", digest("2023-05-05", "Other Beta"))
    build(site)
    assert (site / "_site/digests/2023-05-02-b-2/index.html").is_file()
    walked = []
    record = fingerprint_module.Fingerprints.record
    monkeypatch.setattr(
        fingerprint_module.Fingerprints,
        "record",
        lambda self, value: walked.append(type(value).__name__) or record(self, value),
    )
    (site / "digests/2023-05-02-b.md").unlink()
    build(site)  # a new Builder: nothing remembered, as in a new process
    assert "Paper" not in walked and walked  # summaries and archive items are still walked
    page = (site / "_site/papers/2304.30505/index.html").read_text(encoding="utf-8")
    assert "/repo/digests/2023-05-02-b/#" in page
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_compiled_templates_are_kept_for_the_next_process_and_follow_their_source(site, monkeypatch):
    """Jinja's compiled templates are kept in the cache (render.CompiledTemplates): a template
    whose source changed between two processes is compiled again, and one that cannot be stored
    does not fail the build."""
    paper_page = site / "_site/papers/2304.30502/index.html"
    template = site / "templates/paper.html"
    for word in ("first", "second"):
        template.write_text(
            '{% extends "base.html" %}{% block content %}<p class="' + word + '">{{ paper.title }}</p>'
            "{% endblock %}\n",
            encoding="utf-8",
        )
        build(site)  # a new Builder: a new environment, as in a new process
        assert f'<p class="{word}">Beta Paper</p>' in paper_page.read_text(encoding="utf-8")
    (folder,) = (site / ".paperdigest-cache").glob("templates-*")
    assert len(list(folder.glob("*.cache"))) >= 10

    def refused(self, bucket):
        raise OSError("read-only")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", refused)
    shutil.rmtree(folder)
    template.unlink()
    build(site)
    assert 'class="paper"' in paper_page.read_text(encoding="utf-8")


def test_what_templates_read_is_kept_for_the_next_process_and_follows_their_source(site, monkeypatch):
    """The templates' dependencies and the parts of the index they read (fingerprint.analysed) are
    kept beside the compiled templates: a new process parses no unchanged template, and a template
    whose source changed is read again, its new dependency counting."""
    build(site)
    (folder,) = (site / ".paperdigest-cache").glob("templates-*")
    assert len(list(folder.glob("analysis-*.json"))) >= 10
    real = fingerprint_module._analyse
    parsed: list[str] = []

    def counting(source):
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(fingerprint_module, "_analyse", counting)
    fingerprint_module.analysed.cache_clear()  # as in a new process
    (site / "templates/footer.html").write_text("<p>old footer</p>\n", encoding="utf-8")
    (site / "templates/paper.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ paper.title }}{% include "footer.html" %}'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    build(site)
    assert parsed and all("footer.html" in source or "old footer" in source for source in parsed)
    paper_page = site / "_site/papers/2304.30502/index.html"
    assert "<p>old footer</p>" in paper_page.read_text(encoding="utf-8")

    parsed.clear()
    fingerprint_module.analysed.cache_clear()
    files = len(list(folder.glob("analysis-*.json")))
    (site / "templates/footer.html").write_text("<p>new footer</p>\n", encoding="utf-8")
    result = build(site)
    assert parsed == ["<p>new footer</p>\n"] and result.rendered >= 1
    assert "<p>new footer</p>" in paper_page.read_text(encoding="utf-8")
    assert len(list(folder.glob("analysis-*.json"))) == files  # a file per template, not per version


def test_merging_reads_no_digest_body_so_a_paragraph_edit_keeps_its_papers(site, monkeypatch):
    """group.merge_key leaves out a digest's body, table of contents and the lines of its cards:
    merging never reads them (papers merged from digests with other bodies are equal), so a new
    process that finds one paragraph added renders none of the digest's papers again, nor
    papers.json."""
    digests = [parse_digest(p, site, "/").digest for p in sorted((site / "digests").glob("*.md"))]
    bodiless = [
        replace(
            d, html="<p>another body</p>", toc=(), cards=tuple(replace(c, line=c.line + 9) for c in d.cards)
        )
        for d in digests
    ]
    assert build_index(digests)[0].papers == build_index(bodiless)[0].papers
    assert merge_key(digests[0]) == merge_key(bodiless[0]) != merge_key(digests[1])

    build(site)
    rendered = spy_on_rendering(monkeypatch)
    path = site / "digests/2023-05-02-b.md"
    text = path.read_text(encoding="utf-8")  # a paragraph that is no card's, above the second card
    write(path, text.replace("y = LN(x)\n$$\n", "y = LN(x)\n$$\n\nA new paragraph.\n", 1))
    build(site)  # a new Builder, as in a new process
    assert "digests/2023-05-02-b/index.html" in rendered
    assert not [out for out in rendered if out.startswith("papers") or out == "papers.json"]


def test_papers_json_lines_go_to_the_cache_that_is_there_when_it_is_made_anew(site):
    """Lines and BibTeX entries are read and stored over one connection per process
    (cache.lines_connection): a cache deleted between two builds of one process (a dev server's)
    gets them, not the deleted file its connection was opened on."""
    db = site / ".paperdigest-cache/cache.sqlite"

    def stored_lines() -> int:
        cache = cache_module.connect(db)
        try:
            return cache.execute("SELECT COUNT(*) FROM lines").fetchone()[0]
        finally:
            cache.close()

    build(site)
    assert stored_lines() > 0
    held = cache_module.lines_connection(db)  # as a render worker of the last build holds it
    shutil.rmtree(site / ".paperdigest-cache")
    build(site)
    assert stored_lines() > 0
    assert cache_module.lines_connection(db) is not held
    cache_module.close_lines_connection(db)


def test_the_cache_forgets_plans_and_lines_once_the_stale_ones_outnumber_the_live(tmp_path):
    cache = cache_module.BuildCache(tmp_path)
    try:
        cache.put_plans({f"old{n}": "[]" for n in range(150)}, used={f"old{n}" for n in range(150)})
        cache.put_plans({"new": "[]"}, used={"new", "old0"})  # 151 rows for 2 live ones: pruned
        assert sorted(k for (k,) in cache.db.execute("SELECT key FROM plans")) == ["new", "old0"]
        cache_module.write_lines(cache.path, [(f"line{n}", b"{}") for n in range(150)])
        cache.forget_stale("lines", lambda: {f"line{n}" for n in range(100)})  # 150 rows, 100 live: kept
        assert cache.db.execute("SELECT COUNT(*) FROM lines").fetchone() == (150,)
        cache.forget_stale("lines", lambda: {"line7"})
        assert cache_module.read_lines(cache.path, ["line7", "line8"]) == {"line7": b"{}"}
    finally:
        cache.close()


def test_a_new_process_checks_the_output_files_in_a_worker_while_it_parses(site, tmp_path, monkeypatch):
    """With more than one process, the output files' sizes and mtimes are compared with the
    manifest by a worker started before parsing (BackgroundCheck): the build stats only the files
    the worker found changed, and still notices a deleted, a hand-edited and a touched file."""
    Builder(site, site / "_site", jobs=2).build()
    (site / "_site/papers/2304.99999/index.html").write_text("tampered")
    (site / "_site/digests/2023-05-01-a/index.html").unlink()
    touched = site / "_site/categories/index.html"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    write(site / "digests/2023-05-02-b.md", digest("2023-05-02", "Beta Paper", summary="Edited."))
    stats, stat = [], SiteOutput.stat
    monkeypatch.setattr(SiteOutput, "stat", lambda self, rel: stats.append(rel) or stat(self, rel))
    result = Builder(site, site / "_site", jobs=2).build()
    assert sorted(stats) == sorted(
        ["papers/2304.99999/index.html", "digests/2023-05-01-a/index.html", "categories/index.html"]
    )
    assert result.pages > 10
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))


def test_the_background_check_answers_only_for_the_manifest_it_read(site):
    Builder(site, site / "_site", jobs=2).build()
    cache = cache_module.BuildCache(site)
    token = cache.manifest_token(site / "_site")
    cache.close()
    (site / "_site/index.html").unlink()
    (site / "_site/by-hand.html").write_text("not written by the build")
    key = cache.out_key(site / "_site")
    found = BackgroundCheck(cache.path, key, site / "_site").result(token)
    assert (found.not_as_written, found.strays) == ({"index.html"}, {"by-hand.html"})
    assert BackgroundCheck(cache.path, key, site / "_site").result("another manifest") is None


def test_a_background_check_that_cannot_start_leaves_the_checking_to_the_build(site, tmp_path, monkeypatch):
    Builder(site, site / "_site", jobs=2).build()
    (site / "_site/index.html").unlink()

    def no_worker(*args):
        raise RuntimeError("no fork server")

    monkeypatch.setattr(output_module, "start_worker", no_worker)
    Builder(site, site / "_site", jobs=2).build()
    assert_same_tree(tree(site / "_site"), clean_build(site, tmp_path))
