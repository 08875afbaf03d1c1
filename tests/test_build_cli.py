"""The real CLI in a subprocess, on the example site and on small sites written by the tests."""

from __future__ import annotations

import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import REPO, run_cli, write_site
from paperdigest.render import theme_dir

SUMMARY = re.compile(
    r"^Built (\d+) digests, (\d+) papers, (\d+) pages \(([\d.,]+) MB\), (\d+) errors, (\d+) warnings in [\d.]+s$",
    re.M,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "_site"
    proc = run_cli("build", "--out", str(out), check=True)
    m = SUMMARY.search(proc.stdout)
    assert m, proc.stdout
    digests, papers, pages = (int(m.group(i)) for i in (1, 2, 3))
    assert digests == len(list((REPO / "digests").glob("*.md")))
    assert papers == len(json.loads((out / "papers.json").read_text())["papers"])
    assert pages == len(list(out.rglob("*.html")))
    # What the site weighs: every file published, the search index too.
    assert float(m.group(4)) == round(sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6, 1)
    again = SUMMARY.search(run_cli("build", "--out", str(out), check=True).stdout)  # nothing to do
    assert again and again.group(4) == m.group(4)
    return out


def test_output_contract(built: Path):
    for rel in [
        "index.html", "404.html", "feed.xml", "sitemap.xml", "papers.json", "robots.txt", ".nojekyll",
        "digests/index.html", "digests/2023-05-02-paper-digest/index.html",
        "papers/index.html", "papers/2304.14802/index.html",
        "archive/index.html", "archive/2023/index.html", "archive/2023/05/index.html",
        "categories/index.html", "categories/paper/index.html",
        "assets/style.css", "assets/pygments.css", "assets/site.js",
        "images/wiki/residual-overview.png",
    ]:  # fmt: skip
        assert (built / rel).is_file(), rel


def test_same_paper_in_two_digests_is_one_page_with_both_mentions(built: Path):
    papers = {p["id"]: p for p in json.loads((built / "papers.json").read_text())["papers"]}
    residual = papers["2304.14802"]
    assert [m["digest_slug"] for m in residual["mentions"]] == [
        "2023-05-02-paper-digest",
        "2023-05-03-paper-digest",
    ]
    assert [m["section"] for m in residual["mentions"]] == ["more", "more"]
    assert residual["arxiv_url"] == "https://arxiv.org/abs/2304.14802"
    assert residual["pdf_url"] == "https://arxiv.org/pdf/2304.14802"
    page = (built / "papers/2304.14802/index.html").read_text()
    for mention in residual["mentions"]:
        digest_page = (built / "digests" / mention["digest_slug"] / "index.html").read_text()
        assert f'id="{mention["anchor"]}"' in digest_page  # the anchor exists where the link points
        assert f'{mention["digest_slug"]}/#{mention["anchor"]}"' in page


def test_papers_json_has_every_field(built: Path):
    paper = next(
        p for p in json.loads((built / "papers.json").read_text())["papers"] if p["id"] == "2304.12306"
    )
    assert paper["title"] == "Segment Anything in Medical Images"
    assert paper["translated_title"] == "医学图像中的分割一切"
    assert paper["code_url"] == "https://github.com/bowang-lab/MedSAM"
    assert paper["venue"] == "MICCAI 2023" and paper["type"] == "Method"
    assert paper["links"] == [
        {"label": "Dataset", "url": "https://example.org/medsam-data", "note": "检测数据集"}
    ]
    assert paper["mentions"][0]["date"] == "2023-05-03"
    assert paper["page"] == "/paperdigest/papers/2304.12306/"


def test_digest_page_has_toc_prev_next_and_paper_links(built: Path):
    page = (built / "digests/2023-05-03-paper-digest/index.html").read_text()
    assert 'class="toc"' in page
    assert 'rel="prev" href="/paperdigest/digests/2023-05-02-paper-digest/"' in page
    assert 'rel="next" href="/paperdigest/digests/2023-05-09-weekly/"' in page
    assert 'href="/paperdigest/papers/2304.12306/"' in page
    assert '<meta name="referrer" content="no-referrer">' in page


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "poster") and value:
                self.urls.append(value)


def internal_urls(html: str) -> list[str]:
    collector = LinkCollector()
    collector.feed(html)
    return [u for u in collector.urls if not re.match(r"^([a-z]+:|//|#)", u)]


def test_every_internal_link_has_the_base_path_and_resolves(built: Path):
    for page in built.rglob("*.html"):
        for url in internal_urls(page.read_text()):
            assert url.startswith("/paperdigest/"), f"{page.relative_to(built)}: {url}"
            target = built / unquote(url.split("#")[0].split("?")[0][len("/paperdigest/") :])
            assert target.is_file() or (target / "index.html").is_file(), f"{page}: {url} is broken"


def test_base_url_flag_overrides_config(tmp_path):
    out = tmp_path / "site"
    run_cli("build", "--out", str(out), "--base-url", "https://example.github.io/digests/", check=True)
    assert (
        'href="/digests/papers/' in (out / "index.html").read_text() + (out / "papers/index.html").read_text()
    )
    assert 'rel="canonical" href="https://example.github.io/digests/"' in (out / "index.html").read_text()
    assert (
        "<loc>https://example.github.io/digests/papers/2304.14802/</loc>" in (out / "sitemap.xml").read_text()
    )


def test_user_template_overrides_packaged_one(tmp_path):
    write_site(tmp_path, {"2024-01-01-a.md": "# A day\n"})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("custom not found {{ site.title }}", encoding="utf-8")
    run_cli("build", "--source", str(tmp_path), check=True)
    assert (tmp_path / "_site/404.html").read_text() == "custom not found Test site"
    assert "A day" in (tmp_path / "_site/index.html").read_text()  # other templates still packaged


def test_an_error_fails_the_build_and_strict_fails_on_a_warning_too(tmp_path):
    write_site(tmp_path, {"bad.md": "---\ntitle: [unclosed\n---\nbody\n", "good.md": "# Good\n"})
    failed = run_cli("build", "--source", str(tmp_path), "--base-url", "https://x.org/")
    assert failed.returncode == 1
    assert "digests/bad.md:2: error: front matter" in failed.stderr
    assert (tmp_path / "_site/digests/good/index.html").is_file()  # the rest of the site is built
    (tmp_path / "digests/bad.md").unlink()
    (tmp_path / "digests/x").mkdir()
    (tmp_path / "digests/x/good.md").write_text("# Good too\n")  # the slug of good.md: a warning
    loose = run_cli("build", "--source", str(tmp_path), "--base-url", "https://x.org/")
    assert loose.returncode == 0 and ": warning: slug 'good' is also used by" in loose.stderr
    strict = run_cli("build", "--source", str(tmp_path), "--base-url", "https://x.org/", "--strict")
    assert strict.returncode == 1


def test_template_error_names_template_and_line_and_keeps_old_site(tmp_path):
    write_site(tmp_path, {"a.md": "# A\n"})
    run_cli("build", "--source", str(tmp_path), check=True)
    before = (tmp_path / "_site/index.html").read_bytes()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "paper.html").write_text("ok\n{% if %}\n", encoding="utf-8")
    (tmp_path / "digests" / "b.md").write_text(
        "### 1、P\n\n> 《P》\n> - URL：https://arxiv.org/abs/2301.00001\n"
    )
    proc = run_cli("build", "--source", str(tmp_path))
    assert proc.returncode == 1
    assert re.search(r"paper\.html:2: error", proc.stderr), proc.stderr
    assert (tmp_path / "_site/index.html").read_bytes() == before
    assert not list(tmp_path.glob(".*tmp*"))


def test_console_script_is_installed():
    exe = shutil.which("paperdigest") or str(Path(sys.executable).parent / "paperdigest")
    import subprocess

    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("paperdigest ")


def test_digests_list_is_paginated_with_every_digest_once(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "digests", site / "digests")
    config = (REPO / "site.yaml").read_text(encoding="utf-8")
    config = config.replace("per_page: 10\n", "per_page: 10\ndigests_per_page: 3\n")
    (site / "site.yaml").write_text(config.replace("render: build", "render: browser"), encoding="utf-8")
    out = tmp_path / "out"
    run_cli("build", "--source", str(site), "--out", str(out), check=True)
    slugs = sorted(p.parent.name for p in (out / "digests").glob("*/index.html") if p.parent.name != "page")
    count = len(slugs) // 3  # counted from the oldest: the first page takes the remainder
    pages = [out / "digests/index.html"] + [out / f"digests/page/{n}/index.html" for n in range(2, count + 1)]
    assert len(slugs) > 6 and not (out / f"digests/page/{count + 1}").exists()
    listed = [
        [
            unquote(u).split("/digests/")[1].rstrip("/")
            for u in internal_urls(page.read_text(encoding="utf-8"))
            if re.search(r"/digests/(?!page/)[^/#]+/$", unquote(u))
        ]
        for page in pages
    ]
    assert sorted(sum(listed, [])) == slugs  # each digest once, on one page
    assert 3 <= len(listed[0]) < 6 and all(len(on_page) == 3 for on_page in listed[1:])
    first = pages[0].read_text(encoding="utf-8")
    assert f"全部速递 <small>{len(slugs)}</small>" in first
    assert 'rel="next" href="/paperdigest/digests/page/2/"' in first


def test_papers_list_is_paginated_with_every_paper_once(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "digests", site / "digests")
    shutil.copytree(REPO / "templates", site / "templates")
    shutil.copy(REPO / "papers.yaml", site / "papers.yaml")
    config = (
        (REPO / "site.yaml")
        .read_text(encoding="utf-8")
        .replace("per_page: 10\n", "per_page: 10\npapers_per_page: 40\n")
    )
    (site / "site.yaml").write_text(config.replace("render: build", "render: browser"), encoding="utf-8")
    out = tmp_path / "out"
    run_cli("build", "--source", str(site), "--out", str(out), check=True)
    papers = json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]
    count = len(papers) // 40
    pages = [out / "papers/index.html"] + [out / f"papers/page/{n}/index.html" for n in range(2, count + 1)]
    assert len(papers) > 80 and not (out / f"papers/page/{count + 1}").exists()
    listed = [unquote(u) for page in pages for u in internal_urls(page.read_text(encoding="utf-8"))]
    on_lists = [
        u.split("/papers/")[1].rstrip("/") for u in listed if re.search(r"/papers/(?!page/)[^/]+/$", u)
    ]
    assert sorted(on_lists) == sorted({p["id"] for p in papers})  # each paper once, on one page
    first = pages[0].read_text(encoding="utf-8")
    assert f"全部论文 <small>{len(papers)}</small>" in first  # the site is zh-CN
    assert 'rel="next" href="/paperdigest/papers/page/2/"' in first
    assert 'rel="prev" href="/paperdigest/papers/"' in pages[1].read_text(encoding="utf-8")


def test_a_build_that_typesets_math_in_its_own_process_exits_cleanly(tmp_path):
    """A rebuild that parses one edited digest typesets its formulas in the main process; closing
    that V8 isolate at exit from another thread than its own crashed the interpreter (exit 139)."""
    site = write_site(tmp_path / "site", {"2024-01-01-a.md": "---\ntitle: A\n---\n\nInline $x^2$.\n"})
    run_cli("build", "--source", str(site), "--jobs", "1", check=True)
    digest = site / "digests" / "2024-01-01-a.md"
    digest.write_text(digest.read_text() + "\nAnd $$\\frac{a}{b}$$ too.\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(site), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'class="katex"' in (site / "_site/digests/2024-01-01-a/index.html").read_text()


def test_a_template_showing_a_count_on_every_page_of_a_list_says_how_to_mend_it(tmp_path):
    """A digests.html from a theme that printed the total on every page: the build fails naming
    the template and line, and says that lists give counts to their first page only."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "digests", site / "digests")
    config = (REPO / "site.yaml").read_text(encoding="utf-8")
    config = config.replace("per_page: 10\n", "per_page: 10\ndigests_per_page: 3\n")
    (site / "site.yaml").write_text(config.replace("render: build", "render: browser"), encoding="utf-8")
    theme = (theme_dir() / "digests.html").read_text(encoding="utf-8")
    guarded = "{% if total is defined %} <small>{{ total }}</small>{% endif %}"
    assert guarded in theme
    (site / "templates").mkdir()
    (site / "templates/digests.html").write_text(theme.replace(guarded, " <small>{{ total }}</small>"))
    proc = run_cli("build", "--source", str(site), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert re.search(r"digests\.html:5: error: template error: 'total' is undefined", proc.stderr), (
        proc.stderr
    )
    assert "a list gives 'total' to its first page only: test {% if total is defined %}" in proc.stderr


def test_a_build_into_a_folder_of_other_files_is_refused_and_keeps_them(tmp_path):
    """`paperdigest build --out docs` over a hand-written docs/ folder (GitHub Pages' other
    source) replaced it whole: every file in it that the site does not have was deleted, without
    a word. Now it is refused and the folder left as it was; an earlier output is built over."""
    root = write_site(tmp_path / "site", {"2024-01-01-a.md": "---\ntitle: A\n---\n\nText.\n"})
    docs = root / "docs"
    (docs / "notes").mkdir(parents=True)
    (docs / "thesis.tex").write_text("\\documentclass{article}\n")
    (docs / "notes/a.md").write_text("mine\n")
    proc = run_cli("build", "--source", str(root), "--out", str(docs))
    assert proc.returncode == 1
    assert "holds files paperdigest did not write" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*")) == [
        "notes",
        "notes/a.md",
        "thesis.tex",
    ]
    out = root / "out"
    run_cli("build", "--source", str(root), "--out", str(out), check=True)
    (out / "by-hand.html").write_text("x")  # an earlier output, touched: still paperdigest's
    run_cli("build", "--source", str(root), "--out", str(out), check=True)
    assert not (out / "by-hand.html").exists()
