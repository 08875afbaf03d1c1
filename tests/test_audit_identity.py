"""One paper, however a digest names it: every reference form of an arXiv id is one Paper record
(one page, every mention), and nothing that is not that id becomes that paper."""

from __future__ import annotations

import json

import pytest

from conftest import clean_build_tree, run_cli, site_tree, write_site
from paperdigest.build import Builder
from paperdigest.parse import papers
from paperdigest.scaffold import ScaffoldError, normalise_arxiv_id

SITE = "title: Test site\nbase_url: https://example.org/\n"


def prose_digest(day: int, reference: str) -> str:
    return f"---\ntitle: Note {day}\ndate: 2024-01-{day:02d}\n---\n\nAs shown in {reference}, the effect is real.\n"


def card_digest(day: int, title: str, url: str) -> str:
    return f"""\
        ---
        title: Cards {day}
        date: 2024-02-{day:02d}
        ---

        ### 1、{title}

        > 《{title}》
        >
        > - URL：{url}

        Summary of the paper.
        """


def build(root) -> dict[str, dict]:
    """Build the site at `root` with the real CLI; papers.json's papers by id."""
    proc = run_cli("build", "--source", str(root))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "_site" / "papers.json").read_text(encoding="utf-8"))
    return {paper["id"]: paper for paper in data["papers"]}


def mentioned_in(paper: dict) -> set[str]:
    return {mention["digest_title"] for mention in paper["mentions"]}


# Every form a researcher pastes for one paper: arXiv's own pages, its mirrors and readers, its DOI.
FORMS = [
    "https://arxiv.org/abs/2304.15004",
    "https://arxiv.org/abs/2304.15004v2#",
    "https://arxiv.org/pdf/2304.15004",
    "https://arxiv.org/pdf/2304.15004v2.pdf",
    "https://arxiv.org/pdf/2304.15004.pdf",
    "https://arxiv.org/html/2304.15004v2",
    "http://export.arxiv.org/abs/2304.15004",
    "https://www.arxiv.org/abs/2304.15004",
    "https://www.alphaxiv.org/abs/2304.15004",
    "https://huggingface.co/papers/2304.15004",
    "https://hf.co/papers/2304.15004",
    "https://papers.cool/arxiv/2304.15004",
    "https://ar5iv.labs.arxiv.org/html/2304.15004",
    "https://www.arxiv-vanity.com/papers/2304.15004/",
    "https://doi.org/10.48550/arXiv.2304.15004",
    "https://www.semanticscholar.org/arxiv/2304.15004",
    "arXiv:2304.15004v1",
    "arXiv：2304.15004",
]


def test_every_reference_form_of_one_id_is_one_paper(tmp_path):
    digests = {f"2024-01-{day:02d}.md": prose_digest(day, form) for day, form in enumerate(FORMS, start=1)}
    found = build(write_site(tmp_path, digests, SITE))
    assert set(found) == {"2304.15004"}
    assert mentioned_in(found["2304.15004"]) == {f"Note {day}" for day in range(1, len(FORMS) + 1)}


def test_an_old_style_id_is_one_paper_with_or_without_its_subject_class(tmp_path):
    """arXiv ignores the subject class of an old-style id: math.AG/0601001 is math/0601001. They
    were two papers, two pages, each with half the mentions."""
    digests = {
        "2024-01-01.md": prose_digest(1, "https://arxiv.org/abs/math.AG/0601001"),
        "2024-01-02.md": prose_digest(2, "https://arxiv.org/pdf/math/0601001v2.pdf"),
        "2024-01-03.md": prose_digest(3, "arXiv: math.AG/0601001"),
        "2024-01-04.md": prose_digest(4, "https://arxiv.org/abs/HEP-TH/9901001"),
        "2024-01-05.md": prose_digest(5, "https://arxiv.org/abs/hep-th/9901001v3"),
    }
    found = build(write_site(tmp_path, digests, SITE))
    assert set(found) == {"math/0601001", "hep-th/9901001"}
    assert mentioned_in(found["math/0601001"]) == {"Note 1", "Note 2", "Note 3"}
    assert found["math/0601001"]["arxiv_url"] == "https://arxiv.org/abs/math/0601001"
    assert mentioned_in(found["hep-th/9901001"]) == {"Note 4", "Note 5"}
    assert (tmp_path / "_site" / "papers" / "math_0601001" / "index.html").is_file()
    assert not (tmp_path / "_site" / "papers" / "math.AG_0601001").exists()


@pytest.mark.parametrize("label", ["arXiv：", "arXiv: ", "arXiv:"])
def test_an_old_style_id_after_an_arxiv_label_is_a_mention(tmp_path, label):
    """`arXiv:2304.15004` in text was a mention, `arXiv：hep-th/9901002` was not."""
    digests = {"2024-01-01.md": prose_digest(1, f"{label}hep-th/9901002")}
    found = build(write_site(tmp_path, digests, SITE))
    assert set(found) == {"hep-th/9901002"}
    assert mentioned_in(found["hep-th/9901002"]) == {"Note 1"}


def test_an_old_style_id_in_a_card_field_is_the_cards_paper(tmp_path):
    digests = {"2024-02-01.md": card_digest(1, "Dualities in String Theory", "arXiv：hep-th/9901002v2")}
    found = build(write_site(tmp_path, digests, SITE))
    assert set(found) == {"hep-th/9901002"}
    assert found["hep-th/9901002"]["title"] == "Dualities in String Theory"


@pytest.mark.parametrize(
    "typo",
    [
        "arXiv:2304.150041",  # a digit too many: it was read as 2304.15004
        "https://arxiv.org/abs/2304.150041",
        "https://arxiv.org/pdf/2304.150041v2",
        "arXiv:2304.1500",  # a digit short for an id of 2023
        "https://arxiv.org/abs/2313.00001",  # no month 13
        "https://huggingface.co/papers/1412.12345",  # ids of 2014 have four digits
    ],
)
def test_an_id_arxiv_cannot_have_given_is_no_paper(tmp_path, typo):
    """A typo'd id is not the paper it starts like, nor a paper of its own with a dead arXiv link."""
    digests = {
        "2024-01-01.md": prose_digest(1, typo),
        "2024-01-02.md": prose_digest(2, "https://arxiv.org/abs/2304.15004"),
    }
    found = build(write_site(tmp_path, digests, SITE))
    assert set(found) == {"2304.15004"}
    assert mentioned_in(found["2304.15004"]) == {"Note 2"}
    page = (tmp_path / "_site" / "digests" / "2024-01-01" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/2304.15004"' not in page and 'href=""' not in page


def test_a_card_linking_a_typod_id_keeps_its_own_paper(tmp_path):
    """The card's paper is known by its title, and the link is kept as the paper's URL."""
    url = "https://arxiv.org/abs/2304.150041"
    digests = {
        "2024-02-01.md": card_digest(1, "A Paper With a Typo in Its Link", url),
        "2024-02-02.md": card_digest(
            2, "Are Emergent Abilities a Mirage?", "https://arxiv.org/abs/2304.15004"
        ),
    }
    found = build(write_site(tmp_path, digests, SITE))
    assert set(found) == {"a-paper-with-a-typo-in-its-link", "2304.15004"}
    typo = found["a-paper-with-a-typo-in-its-link"]
    assert typo["arxiv_id"] == "" and typo["url"] == url
    assert mentioned_in(found["2304.15004"]) == {"Cards 2"}


@pytest.mark.parametrize(
    "key",
    ["math.AG/0601001", "math/0601001", "https://arxiv.org/abs/math.AG/0601001v1", "'math.AG/0601001v2'"],
)
def test_papers_yaml_finds_an_old_style_paper_by_any_form_of_its_id(tmp_path, key):
    digests = {"2024-01-01.md": prose_digest(1, "https://arxiv.org/abs/math.AG/0601001")}
    site = write_site(tmp_path, digests, SITE)
    (site / "papers.yaml").write_text(f"{key}:\n  title: Fixed Title\n", encoding="utf-8")
    found = build(site)
    assert found["math/0601001"]["title"] == "Fixed Title"


@pytest.mark.parametrize("key", ["2304.15004v2", "arXiv:2304.15004", "https://arxiv.org/pdf/2304.15004v1"])
def test_papers_yaml_finds_a_paper_by_its_id_with_a_version(tmp_path, key):
    """`2304.15004v2`, as copied from arXiv's page, was an id no digest mentions (a warning)."""
    digests = {"2024-01-01.md": prose_digest(1, "https://arxiv.org/abs/2304.15004")}
    site = write_site(tmp_path, digests, SITE)
    (site / "papers.yaml").write_text(f"'{key}':\n  title: Fixed Title\n", encoding="utf-8")
    proc = run_cli("build", "--source", str(site), "--strict")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((site / "_site" / "papers.json").read_text(encoding="utf-8"))
    assert [p["title"] for p in data["papers"]] == ["Fixed Title"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/math.AG/0601001v2", "math/0601001"),
        ("https://arxiv.org/abs/math/0601001", "math/0601001"),
        ("arXiv：hep-th/9901002", "hep-th/9901002"),
        ("https://arxiv.org/abs/2304.150041", ""),
        ("arXiv:2304.150041", ""),
        ("https://arxiv.org/abs/2304.1500", ""),
        ("https://arxiv.org/abs/0612.1234", ""),
        ("https://arxiv.org/abs/2304.15004v12", "2304.15004"),
    ],
)
def test_arxiv_id_is_canonical_or_nothing(text, expected):
    assert papers.arxiv_id(text) == expected


def test_new_writes_the_canonical_id_of_an_old_style_id():
    """`paperdigest new` and the build agree on what the paper is."""
    assert normalise_arxiv_id("math.AG/0601001v2") == "math/0601001"
    assert normalise_arxiv_id("https://arxiv.org/abs/math.AG/0601001") == "math/0601001"
    with pytest.raises(ScaffoldError, match="digits after the dot"):
        normalise_arxiv_id("https://arxiv.org/abs/2304.1500")


WEEKLY = """\
# Week-of-year: 33(2024-08-11 ~ 2024-08-17)

- LLM

Pruning is covered in arXiv:2304.1500 and arXiv:2304.150041, distillation in arXiv:2407.14679.

# Week-of-year: 32(2024-08-04 ~ 2024-08-10)

- Theory

Dualities go back to arXiv：hep-th/9901002.
"""


def test_notes_link_ids_in_text_but_never_a_typod_one(tmp_path):
    """Weekly notes turn `arXiv:ID` into a link: a typo'd id stays text, not a link to another
    paper (2304.150041 -> 2304.15004) nor to nowhere; an old-style id is linked as a new one is."""
    found = build(write_site(tmp_path, {"weekly.md": WEEKLY}, SITE))
    assert set(found) == {"2407.14679", "hep-th/9901002"}
    page = (tmp_path / "_site" / "digests" / "weekly" / "index.html").read_text(encoding="utf-8")
    assert "covered in arXiv:2304.1500 and arXiv:2304.150041, distillation in <a " in page
    assert '<a href="https://arxiv.org/abs/hep-th/9901002" id="arxiv-hep-th_9901002">' in page


def test_a_typod_id_is_a_located_warning(tmp_path):
    """It was dropped (or, before, taken for another paper) without a word: the author hears where."""
    note = "---\ntitle: Note\ndate: 2024-01-01\n---\n\nIntro.\n\nSee [arXiv:2304.150041](https://arxiv.org/abs/2304.150041).\n"
    site = write_site(
        tmp_path, {"2024-01-01.md": note, "2024-01-02.md": prose_digest(2, "arXiv:2304.15004")}, SITE
    )
    proc = run_cli("build", "--source", str(site))
    assert proc.returncode == 0, proc.stderr
    expected = "digests/2024-01-01.md:8: warning: '2304.150041' is not an arXiv id (ids of 2304 have 5 digits after the dot)"
    assert proc.stderr.count(expected) == 1, proc.stderr  # the link's text and URL: one warning
    strict = run_cli("build", "--source", str(site), "--strict")
    assert strict.returncode == 1 and expected in strict.stderr
    checked = run_cli("check", "--source", str(site), "--format", "json")
    assert {"path": "digests/2024-01-01.md", "line": 8, "level": "warning"}.items() <= next(
        p for p in json.loads(checked.stdout) if "2304.150041" in p["message"]
    ).items()


# ---------------------------------------------------------------- a title alone names the paper

MIRAGE = "Are Emergent Abilities of Large Language Models a Mirage?"


def titled_digest(day: int, title: str, url: str = "", more: str = "") -> str:
    field = f"> - URL：{url}\n" if url else "> - 会议：NeurIPS 2023\n"
    # Apart from the arXiv paper's own digest, the title-only cards' in a category (and feed) of their own.
    category = "arxiv" if url.startswith("https://arxiv.org") else "notes"
    front = f"---\ntitle: Cards {day}\ndate: 2024-02-{day:02d}\ncate1: {category}\n---\n\n"
    return f"{front}### 1、{title}\n\n{field}\nSummary {day}.\n{more}"


def joined_site(root):
    return write_site(
        root,
        {
            "2024-02-01.md": titled_digest(1, MIRAGE, "https://arxiv.org/abs/2304.15004"),
            # The same title in other case and without its question mark; its only link is OpenReview.
            "2024-02-02.md": titled_digest(
                2, MIRAGE.lower().rstrip("?"), "https://openreview.net/forum?id=ITw9edRDlD"
            ),
            "2024-02-03.md": titled_digest(3, MIRAGE),  # no link at all
            "2024-02-04.md": titled_digest(4, MIRAGE + " Revisited"),  # another paper
        },
        SITE,
    )


def test_a_card_named_by_the_title_of_an_arxiv_paper_is_that_paper(tmp_path):
    site = joined_site(tmp_path)
    found = build(site)
    assert set(found) == {"2304.15004", "are-emergent-abilities-of-large-language-models-a-mirage-revisited"}
    assert mentioned_in(found["2304.15004"]) == {"Cards 1", "Cards 2", "Cards 3"}
    assert found["2304.15004"]["venue"] == "NeurIPS 2023"  # given where only the title named it
    out = site / "_site"
    assert not (out / "papers" / "are-emergent-abilities-of-large-language-models-a-mirage").exists()
    for day in (2, 3):  # the card heading links the one paper page, and the card its arXiv pages
        page = (out / "digests" / f"2024-02-0{day}" / "index.html").read_text(encoding="utf-8")
        assert 'href="/papers/2304.15004/"' in page and 'href="https://arxiv.org/abs/2304.15004"' in page
        assert "/papers/are-emergent-abilities-of-large-language-models-a-mirage/" not in page


def test_a_title_two_arxiv_papers_have_names_neither(tmp_path):
    """Two papers with one title (a workshop and a journal version with new ids): a card giving
    only the title could be either, so it stays a paper of its own."""
    site = joined_site(tmp_path)
    (site / "digests" / "2024-02-05.md").write_text(
        titled_digest(5, MIRAGE, "https://arxiv.org/abs/2305.10601"), encoding="utf-8"
    )
    found = build(site)
    assert mentioned_in(found["2304.15004"]) == {"Cards 1"}
    assert mentioned_in(found["2305.10601"]) == {"Cards 5"}
    alone = found["are-emergent-abilities-of-large-language-models-a-mirage"]
    assert mentioned_in(alone) == {"Cards 2", "Cards 3"} and alone["arxiv_id"] == ""


def joining_edits(site):
    """(what, files changed, edit): edits that join a title-only card to an arXiv paper, or part
    them, from another file."""

    def write(day: int, *args, **kwargs):
        path = site / "digests" / f"2024-02-{day:02d}.md"
        return {path}, lambda: path.write_text(titled_digest(day, *args, **kwargs), encoding="utf-8")

    def remove(day: int):
        path = site / "digests" / f"2024-02-{day:02d}.md"
        return {path}, path.unlink

    mirage = "https://arxiv.org/abs/2304.15004"
    yield "the arXiv paper's title changes", *write(1, "Emergent Abilities: A Mirage?", mirage)
    yield "and changes back", *write(1, MIRAGE, mirage)
    # A digest giving the paper under a second title, by its link and again by that title alone: a
    # second arXiv paper of that title parts the title-only card, and the paper keeps its digests.
    look = "Mirage, A Second Look"
    yield (
        "a digest lists the paper by link and title",
        *write(6, look, mirage, f"\n## 更多\n\n### 1、{look}\n"),
    )
    yield "an arXiv paper takes its second title", *write(7, look, "https://arxiv.org/abs/2305.10601")
    yield "and goes", *remove(7)
    yield "a second arXiv paper takes the title", *write(5, MIRAGE, "https://arxiv.org/abs/2305.10601")
    yield "and goes", *remove(5)
    yield "a joined card's digest gets a paragraph", *write(3, MIRAGE, more="\nMore words.\n")


def test_builds_from_the_cache_equal_clean_builds_as_titles_join_and_part(tmp_path):
    site = joined_site(tmp_path / "site")
    run_cli("build", "--source", str(site), check=True)
    for what, _, edit in joining_edits(site):
        edit()
        run_cli("build", "--source", str(site), check=True)
        assert site_tree(site / "_site") == clean_build_tree(site, tmp_path), what


def test_dev_server_rebuilds_equal_clean_builds_as_titles_join_and_part(tmp_path):
    site = joined_site(tmp_path / "site")
    builder = Builder(site, site / "_site", jobs=1)
    builder.build()
    for what, changed, edit in joining_edits(site):
        edit()
        builder.rebuild(changed)
        assert site_tree(site / "_site") == clean_build_tree(site, tmp_path), what
