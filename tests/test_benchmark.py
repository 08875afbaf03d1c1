"""The benchmark corpus is deterministic and of the seed's shape; the benchmark command runs end to end."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import REPO
from paperdigest.parse import parse_digest
from test_incremental import load_corpus_module


def test_corpus_is_deterministic_and_shaped_like_the_seed(tmp_path):
    corpus = load_corpus_module()
    first = corpus.generate(40, tmp_path / "a")
    second = corpus.generate(40, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    texts = [p.read_text(encoding="utf-8") for p in first]
    average = sum(len(t.encode()) for t in texts) / len(texts)
    assert 4_000 < average < 8_000
    assert all("## 更多" in t and "$$" in t for t in texts)
    assert any("```python" in t for t in texts)
    digests = [parse_digest(p, tmp_path / "a").digest for p in first]
    assert all(len(d.cards) == 7 for d in digests)
    ids = [c.arxiv_id for d in digests for c in d.cards]
    assert len(set(ids)) < len(ids)  # some papers recur across digests
    assert len({d.categories[0] for d in digests}) >= 5


def test_benchmark_command_prints_the_table(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks/run.py"),
            "--sizes",
            "30",
            "--runs",
            "1",
            "--work",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in proc.stdout.splitlines()]
    rows = [cells for cells in rows if cells[0] == "30"]  # the main table, Jekyll's, the Markdown floor
    cells = rows[0]
    # cold, its search stage, warm, edit + build, its search stage, add + build, rebuild() x2
    assert all(cells[i].endswith(" s") for i in range(1, 9)), cells
    assert cells[9].endswith(" MB") and cells[10].endswith(" MB") and int(cells[11].replace(",", "")) > 200
    assert float(cells[2][:-2]) > 0  # search is on, as users build
    if shutil.which("hugo"):
        assert cells[12].endswith(" MB)") and cells[13].endswith(" files") and float(cells[14]) > 0
    if shutil.which("jekyll"):
        jekyll = rows[1]
        assert jekyll[2].endswith(" s") and jekyll[3].endswith(" s") and float(jekyll[4]) > 0
    floor = rows[-1]
    assert floor[1].endswith(" ms") and float(floor[1][:-3]) > 0 and floor[2].endswith(" s")
    assert "cold         parsed     30" in proc.stdout
    assert "warm         parsed      0, rendered      0" in proc.stdout
    assert "add          parsed      1," in proc.stdout and "search index on (the default)" in proc.stdout
    assert "rebuild      parsed      1" in proc.stdout
    assert "card rebuild parsed      1" in proc.stdout
    assert "math:" in proc.stdout


def test_ab_command_compares_two_revisions_built_turn_about(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/ab.py"), "HEAD", "HEAD", "--size", "20", "--rounds", "1"]
        + ["--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in proc.stdout.splitlines()]
    table = {cells[0]: cells[1:] for cells in rows if len(cells) == 4}
    for build in ("edit + build", "nothing changed", "add + build"):
        base, head, ratio = table[build]
        assert base.endswith(")") and head.endswith(")") and float(ratio) > 0
    assert "search" in proc.stdout.split("Stages")[1]  # each build's stages, search on
    # each revision had its own site, built from its own copy of the code
    assert (tmp_path / "ab-site-base/_site/index.html").is_file()
    assert (tmp_path / "ab-site-head/_site/index.html").is_file()
    assert len(list(tmp_path.glob("ab-code-*/src/paperdigest/build.py"))) == 1
