"""Images and files as note-taking tools leave them: beside the Markdown, named by a relative path
(Typora, Hugo page bundles, GitHub), site-absolute (static/, Jekyll's assets/ at the site root),
in raw HTML with Typora's `zoom`, with spaces and CJK in their names; published under a project
base path, absolute in the feeds, reported when missing, never copied from outside the site."""

from __future__ import annotations

import json
import os
import re
import struct
import textwrap
import zlib
from pathlib import Path

import pytest

from conftest import run_cli, site_tree, write_site
from http_util import serve_static
from serve_util import ServeProcess

CONFIG = "title: Assets\nbase_url: https://u.github.io/repo/\n"


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour, so that a browser decodes it (naturalWidth = width)."""
    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


NOTE = """\
---
title: Images as notes keep them
date: 2023-05-02
---

Typora and GitHub: ![a](images/a.png) and ![b](./2023-05-02/b.png).

![static](/images/wiki/x.png)

![jekyll]({{ site.baseurl }}/assets/img/j.png)

<img src="./c.png" style="zoom:50%;" />

<img src="wide.png" width="600">

![cjk](图片/实验%20结果.png)

[slides](./slides.pdf)
"""

# What the site holds besides the note: path -> (bytes, where the build publishes it).
FILES = {
    "digests/images/a.png": (png(5, 3), "digests/images/a.png"),
    "digests/2023-05-02/b.png": (png(6, 3), "digests/2023-05-02/b.png"),
    "digests/c.png": (png(7, 3), "digests/c.png"),
    "digests/wide.png": (png(8, 3), "digests/wide.png"),
    "digests/图片/实验 结果.png": (png(9, 3), "digests/图片/实验 结果.png"),
    "digests/slides.pdf": (b"%PDF-1.4\n%%EOF\n", "digests/slides.pdf"),
    "static/images/wiki/x.png": (png(10, 3), "images/wiki/x.png"),
    "assets/img/j.png": (png(11, 3), "assets/img/j.png"),  # Jekyll's layout: assets/ at the site root
}


def site_with_files(root: Path, note: str = NOTE) -> Path:
    write_site(root, {"2023-05-02-images.md": note}, CONFIG)
    for rel, (data, _) in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def page_of(out: Path) -> str:
    return (out / "digests/2023-05-02-images/index.html").read_text(encoding="utf-8")


def test_files_a_digest_names_are_published_and_linked_under_the_base_path(tmp_path):
    site = site_with_files(tmp_path / "site")
    proc = run_cli("build", "--source", str(site), "--strict")
    assert proc.returncode == 0, proc.stderr
    out = site / "_site"
    for data, published in FILES.values():
        assert (out / published).read_bytes() == data
    page = page_of(out)
    for src in [
        "/repo/digests/images/a.png",
        "/repo/digests/2023-05-02/b.png",
        "/repo/images/wiki/x.png",
        "/repo/assets/img/j.png",
        "/repo/digests/c.png",
        "/repo/digests/wide.png",
        "/repo/digests/%E5%9B%BE%E7%89%87/%E5%AE%9E%E9%AA%8C%20%E7%BB%93%E6%9E%9C.png",
    ]:
        assert f'src="{src}"' in page
    assert 'style="zoom:50%;"' in page and 'width="600"' in page
    assert '<a href="/repo/digests/slides.pdf">slides</a>' in page
    # A file that is referenced is published, not "ignored".
    assert "not a digest file" not in proc.stderr
    # The feed's entry holds the same images, absolute.
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "src=&#34;https://u.github.io/repo/digests/images/a.png&#34;" in feed
    assert "href=&#34;https://u.github.io/repo/digests/slides.pdf&#34;" in feed


def test_the_images_display_in_chromium_under_the_project_base_path(tmp_path, browser):
    site = site_with_files(tmp_path / "site")
    run_cli("build", "--source", str(site), check=True)
    with serve_static(site / "_site", "/repo/") as url:
        page = browser.new_page()
        try:
            page.goto(url + "digests/2023-05-02-images/")
            page.wait_for_function(
                "[...document.querySelectorAll('.digest-body img')].every(i => i.complete)"
            )
            widths = page.eval_on_selector_all(
                ".digest-body img", "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])"
            )
            # Typora's zoom is kept and applied: the 7 px image is drawn at half its size.
            zoomed = page.eval_on_selector(
                "img[style*=zoom]", "i => [i.getBoundingClientRect().width, i.naturalWidth]"
            )
            response = page.request.get(url + "digests/slides.pdf")
            pdf = (response.status, response.body())
        finally:
            page.close()
    assert len(widths) == 7
    assert all(width > 0 for _, width in widths), widths
    assert zoomed == [3.5, 7]
    assert pdf == (200, FILES["digests/slides.pdf"][0])


def test_a_missing_file_is_a_located_warning_in_build_and_check(tmp_path):
    note = NOTE + "\n![gone](images/missing.png)\n\nSee [the data](data/table.csv).\n"
    site = site_with_files(tmp_path / "site", note)
    lines = textwrap.dedent(note).splitlines()
    image_line = lines.index("![gone](images/missing.png)") + 1
    link_line = lines.index("See [the data](data/table.csv).") + 1
    expected = [
        f"digests/2023-05-02-images.md:{image_line}: warning: image images/missing.png not found",
        f"digests/2023-05-02-images.md:{link_line}: warning: file data/table.csv not found",
    ]
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stderr  # a warning: the site is built
    for message in expected:
        assert message in proc.stderr
    assert (site / "_site/digests/images/a.png").exists()
    checked = run_cli("check", "--source", str(site))
    assert checked.returncode == 0, checked.stdout
    for message in expected:
        assert message in checked.stdout
    assert "points nowhere" not in checked.stdout  # told once, as the build tells it
    assert run_cli("build", "--source", str(site), "--strict").returncode == 1


def test_nothing_outside_the_site_folder_is_published(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(2, 2))
    note = NOTE + "\n![out](../../secret.png)\n\n![link](images/link.png)\n\n![hidden](.git/x.png)\n"
    site = site_with_files(tmp_path / "site", note)
    os.symlink(secret, site / "digests/images/link.png")
    (site / ".git").mkdir()
    (site / "digests/.git").mkdir()
    (site / "digests/.git/x.png").write_bytes(png(2, 2))
    lines = textwrap.dedent(note).splitlines()
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 1, proc.stderr  # a link out of the site is an error, as in static/
    at = {text: lines.index(text) + 1 for text in ("![out](../../secret.png)", "![link](images/link.png)")}
    assert (
        f"digests/2023-05-02-images.md:{at['![out](../../secret.png)']}: warning: "
        "image ../../secret.png is outside the site folder: not published"
    ) in proc.stderr
    assert (
        f"digests/2023-05-02-images.md:{at['![link](images/link.png)']}: error: "
        f"image images/link.png links outside the site (to {secret.resolve()}): not published"
    ) in proc.stderr
    assert "image .git/x.png is hidden: not published" in proc.stderr
    published = {p.read_bytes() for p in (site / "_site").rglob("*") if p.is_file()}
    assert secret.read_bytes() not in published
    assert not (site / "_site/digests/images/link.png").exists()
    assert not (site / "_site/digests/.git").exists()
    # The rest of the site is built, its own images too.
    assert (site / "_site/digests/images/a.png").read_bytes() == FILES["digests/images/a.png"][0]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_incremental_builds_equal_clean_builds_as_images_come_and_go(tmp_path, jobs):
    note = NOTE + "\n![later](images/later.png)\n"
    site = site_with_files(tmp_path / "site", note)
    images = site / "digests/images"
    steps = [
        lambda: (images / "later.png").write_bytes(png(4, 4)),  # a missing image is added
        lambda: (images / "a.png").write_bytes(png(12, 5)),  # one is replaced
        lambda: (images / "later.png").rename(images / "renamed.png"),  # renamed: missing again
        lambda: (images / "renamed.png").rename(images / "later.png"),
        lambda: (images / "later.png").unlink(),  # removed
    ]
    built = run_cli("build", "--source", str(site), "--jobs", jobs)
    assert "image images/later.png not found" in built.stderr
    for n, step in enumerate(steps):
        step()
        again = run_cli("build", "--source", str(site), "--jobs", jobs)
        clean = run_cli("build", "--source", str(site), "--out", str(tmp_path / f"clean{n}"), "--jobs", jobs)
        assert again.returncode == clean.returncode == 0, again.stderr + clean.stderr
        assert site_tree(site / "_site") == site_tree(tmp_path / f"clean{n}"), f"after step {n}"
        warned = "image images/later.png not found"
        assert (warned in again.stderr) == (warned in clean.stderr) == (n in (2, 4)), again.stderr


def test_the_dev_server_publishes_a_new_image_and_reloads_the_page(tmp_path):
    note = NOTE + "\n![later](images/later.png)\n"
    site = site_with_files(tmp_path / "site", note)
    preview = tmp_path / "preview"
    with ServeProcess(site, "--port", "0", "--out", str(preview)) as serve:
        page = serve.page("digests/2023-05-02-images/")
        assert serve.page("digests/images/later.png").status == 404
        with serve.events(*page.generation()) as events:
            (site / "digests/images/later.png").write_bytes(png(4, 4))
            assert events.next()["action"] == "reload"
            served = serve.page("digests/images/later.png")
            assert (served.status, served.body) == (200, png(4, 4))
            (site / "digests/images/a.png").write_bytes(png(13, 2))
            assert events.next()["action"] == "reload"
            assert serve.page("digests/images/a.png").body == png(13, 2)
    clean = tmp_path / "clean"
    run_cli("build", "--source", str(site), "--out", str(clean), check=True)
    assert site_tree(preview) == site_tree(clean)


def test_obsidian_embeds_and_hexo_asset_tags_show_their_files(tmp_path):
    note = """\
        ---
        title: Embeds
        date: 2023-05-03
        ---

        Obsidian: ![[obs 1.png]] and ![[obs 1.png|300]] and ![[图/实验.png|说明]].

        ![[paper.pdf]]

        ![[Another note]]

        {% asset_img hexo.png 实验结果 %}

        See {% asset_link slides.pdf 幻灯片 %} too.
        """
    site = write_site(tmp_path / "site", {"2023-05-03-embeds.md": note}, CONFIG)
    files = {
        "digests/obs 1.png": png(3, 2),
        "digests/图/实验.png": png(4, 2),
        "digests/paper.pdf": b"%PDF-1.4\n%%EOF\n",
        "digests/2023-05-03-embeds/hexo.png": png(5, 2),  # Hexo's post asset folder
        "digests/2023-05-03-embeds/slides.pdf": b"%PDF-1.4\n%%EOF\n",
    }
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    proc = run_cli("build", "--source", str(site), "--strict")
    assert proc.returncode == 0, proc.stderr
    out = site / "_site"
    for rel, data in files.items():
        assert (out / rel).read_bytes() == data
    page = (out / "digests/2023-05-03-embeds/index.html").read_text(encoding="utf-8")
    body = page[page.index('<div class="digest-body">') :]
    assert '<img src="/repo/digests/obs%201.png" alt="obs 1.png"' in body
    assert '<img src="/repo/digests/obs%201.png" alt="obs 1.png" width="300"' in body
    assert '<img src="/repo/digests/%E5%9B%BE/%E5%AE%9E%E9%AA%8C.png" alt="说明"' in body
    assert '<a href="/repo/digests/paper.pdf">paper.pdf</a>' in body
    assert "![[Another note]]" in body  # a note embed only Obsidian can show: kept as written
    assert '<img src="/repo/digests/2023-05-03-embeds/hexo.png" alt="实验结果" title="实验结果"' in body
    assert 'See <a href="/repo/digests/2023-05-03-embeds/slides.pdf">幻灯片</a> too.' in body
    assert "![[obs" not in body and "asset_img" not in body


def test_links_to_folders_and_pages_are_left_as_written(tmp_path):
    note = """\
        ---
        title: Links
        date: 2023-05-04
        ---

        [up](../) [here](./) [sub](notes/) [top](#links) [figure](fig.png#zoomed)
        """
    site = write_site(tmp_path / "site", {"2023-05-04-links.md": note}, CONFIG)
    (site / "digests/notes").mkdir()
    (site / "digests/fig.png").write_bytes(png(2, 2))
    proc = run_cli("build", "--source", str(site), "--strict")
    assert proc.returncode == 0, proc.stderr
    page = (site / "_site/digests/2023-05-04-links/index.html").read_text(encoding="utf-8")
    for written in ['href="../"', 'href="./"', 'href="notes/"', 'href="#links"']:
        assert written in page
    assert 'href="/repo/digests/fig.png#zoomed"' in page


def test_a_missing_image_in_a_cards_summary_is_one_warning_at_its_line(tmp_path):
    """A card's summary is read a second time for the paper's record: its image was reported again,
    at the line after the front matter (two warnings for one file, one of them at the wrong line)."""
    note = textwrap.dedent("""\
        ---
        title: Summary image
        date: 2024-01-01
        ---

        ### 1、Some Paper Title

        > - 论文地址：https://arxiv.org/abs/2304.15004

        这是摘要 ![fig](images/missing.png) 很好。
        """)
    site = write_site(tmp_path, {"2024-01-01-a.md": note})
    image_line = note.splitlines().index("这是摘要 ![fig](images/missing.png) 很好。") + 1
    for command in ("build", "check"):
        proc = run_cli(command, "--source", str(site))
        said = [line for line in (proc.stdout + proc.stderr).splitlines() if "images/missing.png" in line]
        assert said == [
            f"digests/2024-01-01-a.md:{image_line}: warning: image images/missing.png not found"
        ], said


def test_a_card_field_naming_a_file_of_the_site_links_it_on_the_card_and_the_paper_page(tmp_path):
    """`- 数据：[data](data/x.csv)` and `- 项目主页：[demo](/projects/demo/)` in a card: only http(s) links were
    shown, so the card on the digest page dropped them and the paper page printed the path as text
    (without the project's base path)."""
    note = """\
        ---
        title: Card files
        date: 2024-01-01
        ---

        ### 1、Some Paper Title

        > - 论文地址：https://arxiv.org/abs/2304.15004
        > - 数据：[data](data/x.csv)
        > - 项目主页：[demo](/projects/demo/)
        > - 演示：javascript:alert(1)
        """
    site = write_site(
        tmp_path, {"2024-01-01-a.md": note}, "title: T\nsearch: false\nbase_url: https://u.github.io/repo/\n"
    )
    (site / "digests" / "data").mkdir()
    (site / "digests" / "data" / "x.csv").write_text("a,b\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stderr
    out = site / "_site"
    assert (out / "digests/data/x.csv").read_text(encoding="utf-8") == "a,b\n"
    for page in ("digests/2024-01-01-a/index.html", "papers/2304.15004/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert "/repo/digests/data/x.csv" in hrefs and "/repo/projects/demo/" in hrefs, page
        assert not [h for h in hrefs if h.startswith("javascript:")], page
    (paper,) = json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert [link["url"] for link in paper["links"]][:2] == [
        "/repo/digests/data/x.csv",
        "/repo/projects/demo/",
    ]
