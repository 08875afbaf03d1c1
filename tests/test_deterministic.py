"""Equal inputs give equal bytes: two builds of one site write the same tree, whatever the folder,
hash seed, number of processes or state of the cache; and a redeploy of an unchanged site (or one
whose pages changed but not what search indexes) leaves the search index exactly as it was."""

from __future__ import annotations

import datetime
import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import REPO, run_cli, site_tree, write_site
from paperdigest import search as search_module
from paperdigest.build import Builder
from paperdigest.incremental.output import SiteOutput


# Pagefind names its filter and metadata indexes differently on every run (Pagefind#638), and the
# entry file names them: the one part of a build that two runs may write differently.
def comparable(folder: Path) -> dict[str, bytes]:
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    tree = {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}
    return {
        rel: data
        for rel, data in tree.items()
        if not (
            rel.startswith("pagefind/")
            and ("/filter/" in rel or rel.endswith((".pf_meta", "/pagefind-entry.json")))
        )
    }


def corpus(root: Path, n: int) -> Path:
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(n, root)
    return root


def build_cli(source: Path, out: Path, *args: str, seed: str = "0") -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest", "build", "--source", str(source), "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONHASHSEED": seed},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_two_builds_in_other_folders_with_other_seeds_jobs_and_caches_write_the_same_tree(tmp_path):
    """80 digests: enough for the parse and render pools; search on, as users build."""
    first = corpus(tmp_path / "a" / "site", 80)
    second = tmp_path / "b" / "elsewhere"
    shutil.copytree(first, second)
    build_cli(first, tmp_path / "out1", "--jobs", "1", seed="1")  # cold cache, one process
    build_cli(second, tmp_path / "out2", "--jobs", "2", seed="2")  # cold cache, two processes
    shutil.rmtree(tmp_path / "out1")
    build_cli(first, tmp_path / "out1", "--jobs", "2", seed="3")  # warm cache, new output
    one, two = comparable(tmp_path / "out1"), comparable(tmp_path / "out2")
    assert len(one) > 600 and any(rel.startswith("pagefind/") and "/fragment/" in rel for rel in one)
    assert sorted(one) == sorted(two)
    assert [rel for rel in one if one[rel] != two[rel]] == []


def indexed_text(out: Path) -> str:
    """Every fragment of the search index, decompressed: what a search can find."""
    return "".join(
        gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
        for p in (out / "pagefind").glob("*/fragment/*")
    ).replace("\u200b", "")


SITE = {
    "2024-01-01-a.md": "---\ntitle: First\n---\n\n### 1、Paper One\n\n> 《Paper One》\n>\n"
    "> - URL：https://arxiv.org/abs/2401.00001\n\nThe word marmalade is here.\n",
    "2024-01-02-b.md": "---\ntitle: Second\n---\n\nNothing about preserves.\n",
}


def pagefind_files(out: Path) -> dict[str, tuple[bytes, int]]:
    folder = out / "pagefind"
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_a_build_that_changes_no_indexed_text_leaves_the_search_index_as_it_was(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", SITE, "title: Search site\n")
    out = site / "_site"
    Builder(site, out, jobs=1).build()
    before = pagefind_files(out)
    assert "marmalade" in indexed_text(out)

    Builder(site, out, jobs=1).build()  # nothing changed
    assert pagefind_files(out) == before

    (site / "templates").mkdir()
    base = (REPO / "templates/base.html").read_text(encoding="utf-8")
    (site / "templates/base.html").write_text(base.replace("{{ t('footer_built_with') }}", "Made with care"))
    # Every page changed, not what search takes from them: not even indexed again (no indexer here).
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-pagefind"))
    result = Builder(site, out, jobs=1).build()
    assert result.written >= result.pages and "Made with care" in (out / "index.html").read_text()
    assert pagefind_files(out) == before and not [p for p in result.problems if "search" in p.message]
    (site / "templates/base.html").write_text(base.replace("{{ t('footer_built_with') }}", "Made with love"))
    result = Builder(site, out, jobs=1).build()
    assert "Made with love" in (out / "index.html").read_text() and pagefind_files(out) == before
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")

    digest = site / "digests/2024-01-02-b.md"
    digest.write_text(digest.read_text().replace("preserves", "quince jelly"))
    Builder(site, out, jobs=1).build()
    assert pagefind_files(out) != before
    assert "quince jelly" in indexed_text(out) and "preserves" not in indexed_text(out)


def shard_versions(out: Path) -> dict[str, str]:
    """Shard -> the Pagefind version its entry file names."""
    entries = (out / "pagefind").glob("*/pagefind-entry.json")
    return {p.parent.name: json.loads(p.read_text())["version"] for p in entries}


def test_a_pagefind_of_another_version_makes_every_shard_again(tmp_path, monkeypatch):
    """The browser merges every shard into the first one's pagefind.js, so all must come from one
    Pagefind: when a shard is indexed by another one (PAGEFIND_BINARY_PATH), all shards are."""
    from pagefind_bin_extended import get_executable

    two_years = {**SITE, "2023-06-01-c.md": SITE["2024-01-01-a.md"].replace("2401.00001", "2306.00001")}
    site = write_site(tmp_path / "site", two_years, "title: Search site\n")
    out = site / "_site"
    Builder(site, out, jobs=1).build()
    installed = shard_versions(out)
    assert len(installed) == 2 and len(set(installed.values())) == 1

    # Another Pagefind: the real one, whose bundles then name version 9.9.9 and have another
    # script, as another version's do (argument 4 is the bundle's folder: search.index_shard).
    other = tmp_path / "pagefind_extended"
    other.write_text(
        f'#!/bin/sh\n"{get_executable()}" "$@" || exit $?\n'
        'sed -i \'s/"version":"[^"]*"/"version":"9.9.9"/\' "$4/pagefind-entry.json"\n'
        'echo "// 9.9.9" >> "$4/pagefind.js"\n',
        encoding="utf-8",
    )
    other.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(other))
    digest = site / "digests/2024-01-02-b.md"
    digest.write_text(digest.read_text().replace("preserves", "quince jelly"))
    result = Builder(site, out, jobs=1).build()
    assert not [p for p in result.problems if "search" in p.message]
    assert shard_versions(out) == {name: "9.9.9" for name in installed}
    assert "quince jelly" in indexed_text(out) and "marmalade" in indexed_text(out)

    monkeypatch.delenv("PAGEFIND_BINARY_PATH")  # back to the installed one, one digest edited
    digest.write_text(digest.read_text().replace("quince jelly", "lemon curd"))
    Builder(site, out, jobs=1).build()
    assert shard_versions(out) == installed and "lemon curd" in indexed_text(out)


def test_the_search_index_ships_with_the_pages_it_was_made_from(tmp_path):
    """Made before the output is moved into place: a build never publishes pages with another
    build's index, nor an index written into the working directory."""
    site = write_site(tmp_path / "site", SITE, "title: Search site\n")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    run_cli("build", "--source", str(site), cwd=elsewhere, check=True)
    assert list(elsewhere.iterdir()) == []
    assert "marmalade" in indexed_text(site / "_site")
    assert not [p for p in tmp_path.rglob(".*") if p.name.startswith(("._site.", "._site"))]
    assert site_tree(site / "_site")  # the pages are there beside it


def test_only_chrome_that_pagefind_cannot_read_is_left_out_of_the_search_fingerprint():
    from paperdigest.search import indexed_part

    body = b"<main data-pagefind-body><h1>T</h1>text</main>"
    header = b'<header class="site-header"><nav>Nav</nav></header>'
    footer = b'<footer class="site-footer">Built</footer>'
    assert indexed_part(header + body + footer) == body
    # Pagefind reads its attributes, headings and images anywhere: such a header is kept.
    for kept in (b'<header class="site-header"><b data-pagefind-filter="x">y</b></header>',
                 b'<header class="site-header"><img src="logo.png"></header>'):  # fmt: skip
        assert indexed_part(kept + body) == kept + body
    # Without data-pagefind-body in a tag, Pagefind indexes the whole page (a mention in text is no tag).
    text = b"<main><code>&lt;div data-pagefind-body&gt;</code></main>"
    assert indexed_part(header + text + footer) == header + text + footer


def test_a_shard_made_again_reads_only_its_changed_pages(tmp_path, monkeypatch):
    """What Pagefind can take from each page is kept in the cache by the page's bytes: after one
    digest is edited its shard is indexed again, but only the edited page is read to tell."""
    days = {f"2024-01-0{n}-{n}.md": f"---\ntitle: Day {n}\n---\n\nAbout word{n}.\n" for n in range(1, 8)}
    site = write_site(tmp_path / "site", days, "title: Search site\n")
    out = site / "_site"
    Builder(site, out, jobs=1).build()
    read = []
    indexed_part = search_module.indexed_part
    monkeypatch.setattr(search_module, "indexed_part", lambda page: read.append(page) or indexed_part(page))
    edited = site / "digests/2024-01-04-4.md"
    edited.write_text(edited.read_text().replace("word4", "quince jelly"))
    Builder(site, out, jobs=1).build()  # a new Builder: what a new process does
    assert len(read) == 1 and b"quince jelly" in read[0]
    assert "quince jelly" in indexed_text(out) and "word4" not in indexed_text(out)


def test_the_files_pagefind_writes_are_moved_into_the_site_not_written_again(tmp_path, monkeypatch):
    """A search bundle's files are moved from where Pagefind wrote them (at 10,000 digests, 70,000
    files and 100 MB are not written twice), and the site holds what Pagefind wrote."""
    site = write_site(tmp_path / "site", SITE, "title: Search site\n")
    written = []
    write_staged = SiteOutput.write_staged
    monkeypatch.setattr(
        SiteOutput, "write_staged", lambda self, rel, *a: written.append(rel) or write_staged(self, rel, *a)
    )
    made = []
    index_shard = search_module.index_shard

    def kept_copy(*args):
        bundle = index_shard(*args)
        made.extend(bundle.files)
        return bundle

    monkeypatch.setattr(search_module, "index_shard", kept_copy)
    out = site / "_site"
    Builder(site, out, jobs=1).build()
    assert any("/fragment/" in rel for rel, _ in made) and "marmalade" in indexed_text(out)
    assert {rel: (out / rel).read_bytes() for rel, _ in made} == dict(made)
    assert [rel for rel in written if rel.startswith("pagefind/")] == ["pagefind/shards.json"]
    assert not list(tmp_path.glob("site/.*search*"))  # and where it wrote them is gone


def test_bundle_files_that_cannot_be_moved_are_written(tmp_path, monkeypatch):
    """Where Pagefind's folder cannot be renamed into the output (another file system), its files
    are written as before: the same index."""
    site = write_site(tmp_path / "site", SITE, "title: Search site\n")
    Builder(site, tmp_path / "moved", jobs=1).build()
    replace = os.replace

    def no_moves_from_scratch(source, target):
        if ".search-" in str(source):
            raise OSError(18, "Invalid cross-device link")
        replace(source, target)

    monkeypatch.setattr(os, "replace", no_moves_from_scratch)
    Builder(site, tmp_path / "written", jobs=1).build()
    assert comparable(tmp_path / "written") == comparable(tmp_path / "moved")
    assert "marmalade" in indexed_text(tmp_path / "written")


def test_an_edit_on_a_large_site_indexes_about_a_thousand_pages_again_not_a_year():
    """A shard is indexed again whenever one of its pages changes, so a site of 10,000 daily
    digests (27 years, six papers each) has shards of months, not years, and not too many for
    the browser, which merges them all."""
    start = datetime.date(2015, 1, 1)
    digests = [SimpleNamespace(slug=f"d{n}", date=start + datetime.timedelta(days=n)) for n in range(10_000)]
    papers = {}
    for n, d in enumerate(digests):
        for k in range(6):
            arxiv = f"{d.date:%y%m}.{n % 1000:03d}{k:02d}"
            papers[arxiv] = SimpleNamespace(id=arxiv, arxiv_id=arxiv, first_date=d.date)
    shards = search_module.plan_shards(SimpleNamespace(digests=digests, papers=papers))
    assert sum(len(s.pages) for s in shards) == 70_000
    assert max(len(s.pages) for s in shards) <= 1_000
    assert len(shards) <= search_module.MAX_SHARDS <= 100
