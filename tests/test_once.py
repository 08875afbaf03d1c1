"""`{% once %}` fragments (paperdigest/once.py): the frame of every page is made once a build, for
each page template and frame language, and a fragment never outlives the build it was made in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import site_tree
from paperdigest.build import Builder
from test_incremental import digest, small_site

SEARCH_FORM = re.compile(r'<form class="site-search"')


def english_digest(root: Path) -> None:
    text = digest("2023-07-01", "Echo Paper").replace("---\n\n", "language: en\n---\n\n", 1)
    (root / "digests/2023-07-01-e.md").write_text(text, encoding="utf-8")


def test_the_frame_is_made_once_for_each_page_template_and_language(tmp_path):
    root = small_site(tmp_path / "site")
    english_digest(root)
    builder = Builder(root, root / "_site", jobs=1)
    builder.build()
    out = root / "_site"

    # The search page leaves its header's search box out (its own block); every other page has it,
    # whichever was rendered first.
    assert not SEARCH_FORM.search((out / "search/index.html").read_text(encoding="utf-8"))
    for page in ("index.html", "papers/index.html", "digests/2023-05-01-a/index.html", "404.html"):
        assert len(SEARCH_FORM.findall((out / page).read_text(encoding="utf-8"))) == 1, page
    # An English digest on a Chinese site: its frame says it is Chinese; the others' need not.
    english = (out / "digests/2023-07-01-e/index.html").read_text(encoding="utf-8")
    assert '<header class="site-header" lang="zh-CN">' in english
    assert '<footer class="site-footer" lang="zh-CN">' in english
    chinese = (out / "digests/2023-05-01-a/index.html").read_text(encoding="utf-8")
    assert '<header class="site-header">' in chinese

    made = builder.memo.environment.env.once_fragments
    digest_frames = {(where.split(":")[0], key) for name, where, key in made if name == "digest.html"}
    # The head's links, and a header and a footer per language of the frame.
    assert digest_frames == {("base.html", None), ("base.html", ""), ("base.html", "zh-CN")}
    assert len([name for name, _, _ in made if name == "digest.html"]) == 5
    # Six paper pages, one head, header and footer between them.
    assert len(list(out.glob("papers/*/index.html"))) == 6
    assert len([name for name, _, _ in made if name == "paper.html"]) == 3


def test_a_fragment_is_made_again_in_every_build_and_equals_a_clean_build(tmp_path):
    """A site's own template may put what it likes in `once`, e.g. what it reads of the site: the
    dev server keeps its environment between saves, so each build makes its fragments anew."""
    root = small_site(tmp_path / "site")
    (root / "templates").mkdir()
    (root / "templates/404.html").write_text(
        '{% extends "base.html" %}\n{% block content %}'
        "{% once %}<p>{{ index.digests|length }} digests</p>{% endonce %}{% endblock %}\n",
        encoding="utf-8",
    )
    builder = Builder(root, root / "_site", jobs=1)
    builder.build()
    assert "<p>4 digests</p>" in (root / "_site/404.html").read_text(encoding="utf-8")
    english_digest(root)
    builder.rebuild({root / "digests/2023-07-01-e.md"})
    assert "<p>5 digests</p>" in (root / "_site/404.html").read_text(encoding="utf-8")

    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site"))
    Builder(clean, clean / "_site", jobs=1).build()
    assert site_tree(root / "_site") == site_tree(clean / "_site")
