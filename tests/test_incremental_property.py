"""Proof by random edits: whatever sequence of edits a user makes, an incremental build writes
exactly the bytes of a build from nothing.

A small site is described by a model (digests with front matter, cards and text; papers.yaml;
site.yaml; template overrides; static files) that Hypothesis edits step by step. After every step
the site is built twice, as a user would: by a new `Builder(...).build()` (what `paperdigest build`
runs, with the persistent cache and the last manifest) and by one long-lived `Builder.rebuild()`
told which files changed (what the dev server runs); both trees must equal a clean build of a
copy of the site. CI runs a bounded number of examples with a fixed seed; for a longer run:

    PAPERDIGEST_PROPERTY_EXAMPLES=500 python -m pytest tests/test_incremental_property.py
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import site_tree
from paperdigest import render, search
from paperdigest.build import Builder
from paperdigest.errors import Problem


@pytest.fixture(autouse=True, scope="module")
def small_page_groups():
    """Pages planned in groups of two (a large site has hundreds of groups): edits that move a
    digest or paper from one group to another are among those drawn."""
    saved = render.DIGESTS_PER_GROUP, render.PAPERS_PER_GROUP
    render.DIGESTS_PER_GROUP = render.PAPERS_PER_GROUP = 2
    yield
    render.DIGESTS_PER_GROUP, render.PAPERS_PER_GROUP = saved


EXAMPLES = int(os.environ.get("PAPERDIGEST_PROPERTY_EXAMPLES", "12"))
ARXIV = ["2304.15004", "2305.10601", "2306.00005", "2401.12345"]  # shared ids: papers merge across digests
WORDS = ["Alpha", "Beta", "Gamma", "扩散模型", "Δelta & <b>", "Zeta's", "Space $\\R^n$"]  # \R: see edit_macro
CATEGORIES = ["nlp", "cv", "robotics", "NLP"]
DATES = ["2024-08-11 ~ 2024-08-17", "2023-05-02", "2024-W33", "2023-06-15", "2023-05-02 09:30:00 +0800", ""]


@dataclass(frozen=True)
class CardSpec:
    title: str
    arxiv: str = ""
    translated: str = ""
    code: str = ""
    affiliations: str = ""
    link: str = ""  # an extra labelled link
    text: str = "A summary."


@dataclass(frozen=True)
class DigestSpec:
    title: str
    date: str = ""
    categories: tuple[str, ...] = ()
    draft: bool = False
    description: str = ""
    author: str = ""
    updated: str = ""  # the last change (Hexo's key)
    lang: str = ""  # the digest's language: its pages move between Pagefind's language indexes
    cards: tuple[CardSpec, ...] = ()
    more: tuple[CardSpec, ...] = ()  # the 更多 section
    body: str = ""  # text above the cards
    macro: str = ""  # what `\R` is defined as at the top, for the formulas below and the title
    files: tuple[str, ...] = ()  # references to files of the site folder (NAMED_FILES)

    def markdown(self) -> str:
        front = [f"title: {quoted(self.title)}"]
        front += [f"date: {quoted(self.date)}"] if self.date else []
        front += [f"categories: [{', '.join(self.categories)}]"] if self.categories else []
        front += ["draft: true"] if self.draft else []
        front += [f"description: {quoted(self.description)}"] if self.description else []
        front += [f"author: {quoted(self.author)}"] if self.author else []
        front += [f"updated: {quoted(self.updated)}"] if self.updated else []
        front += [f"lang: {self.lang}"] if self.lang else []
        parts = ["---", *front, "---", ""]
        parts += [f"$$\\newcommand{{\\R}}{{{self.macro}}}$$", ""] if self.macro else []
        parts += [self.body, "", *(f"{ref}\n" for ref in self.files)]
        parts += [card_markdown(n, card) for n, card in enumerate(self.cards, start=1)]
        if self.more:
            parts += ["## 更多", ""] + [card_markdown(n, card) for n, card in enumerate(self.more, start=1)]
        return "\n".join(parts) + "\n"


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def card_markdown(n: int, card: CardSpec) -> str:
    lines = [f"### {n}、{card.title}", ""]
    if card.translated:
        lines += [f"> {card.translated}", ""]
    lines += [f"> 《{card.title}》", ">"]
    lines += [f"> - URL：https://arxiv.org/abs/{card.arxiv}" if card.arxiv else "> - URL："]
    lines += [f"> - Official Code：{card.code}", f"> - 单位：{card.affiliations}"]
    lines += [f"> - 项目主页：{card.link}"] if card.link else []
    return "\n".join([*lines, "", card.text, "", "$$x_k^f + \\alpha$$", ""])


@dataclass
class SiteSpec:
    digests: dict[str, DigestSpec] = field(default_factory=dict)  # file name -> digest
    papers_yaml: str = ""
    config: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # name -> source
    static: dict[str, str] = field(default_factory=dict)
    site_files: dict[str, str] = field(default_factory=dict)  # path in the site folder -> bytes

    def files(self) -> dict[str, str]:
        config = {"title": "Property site", "search": "false", "per_page": "2", "papers_per_page": "2"}
        config.update(self.config)
        files = {"site.yaml": "".join(f"{k}: {v}\n" for k, v in config.items())}
        files.update({f"digests/{name}": d.markdown() for name, d in self.digests.items()})
        files.update({f"templates/{name}": text for name, text in self.templates.items()})
        files.update({f"static/{name}": text for name, text in self.static.items()})
        files.update(self.site_files)
        if self.papers_yaml:
            files["papers.yaml"] = self.papers_yaml
        return files


def start() -> SiteSpec:
    card = CardSpec("Are Emergent Abilities a Mirage?", ARXIV[0], "涌现能力是幻觉吗", "", "斯坦福大学")
    shared = CardSpec("Tree of Thoughts", ARXIV[1], affiliations="Princeton、Google DeepMind")
    return SiteSpec(
        digests={
            "2023-05-01-a.md": DigestSpec(
                "2023-05-01：论文速递", "", ("nlp",), cards=(card,), more=(shared,)
            ),
            "2023-05-02-b.md": DigestSpec(
                "Weekly", "2024-08-11 ~ 2024-08-17", ("cv", "nlp"), cards=(shared,)
            ),
            "notes.md": DigestSpec("Undated notes", "", (), cards=(CardSpec("No id paper"),)),
        },
        static={"files/a.txt": "a\n"},
    )


# -- edits: each takes the model and draws what to change --------------------------------------

TEMPLATES = {
    "digests.html": '{% extends "base.html" %}{% block content %}{% for d in index.digests %}'
    "<p>{{ d.title }} {{ d|when }} {{ d.toc|map(attribute='title')|join(' / ') }}</p>{% endfor %}{% endblock %}\n",
    "paper.html": '{% extends "base.html" %}{% block content %}<h1>{{ paper.title }}</h1>'
    "{% for m in paper.mentions %}<p>{{ m|when }} {{ m.entry_title }} {{ m.digest_title }}</p>{% endfor %}"
    "{% endblock %}\n",
    "index.html": '{% extends "base.html" %}{% block content %}{% for d in items %}'
    "<p>{{ d.title }} {{ d.date_end }}</p>{% endfor %}{{ index.papers|length }}{% endblock %}\n",
    "digest.html": '{% extends "base.html" %}{% block content %}<h1>{{ digest.title_html or digest.title }}</h1>'
    '{% include "partials/note.html" ignore missing %}{{ digest.html|safe }}{% endblock %}\n',
    "partials/note.html": "<p>{{ t('nav_papers') }} {{ digest.language }}</p>\n",
}


def edit_front_matter(rng: random.Random, spec: SiteSpec) -> str:
    """One front-matter key of a digest: one key at a time, so that no other change hides it."""
    name = rng.choice(sorted(spec.digests))
    digest = spec.digests[name]
    keys = ["title", "date", "date", "categories", "draft", "description", "author", "updated", "lang"]
    key = rng.choice(keys)
    value = {
        "title": lambda: f"{rng.choice(WORDS)} digest",
        "date": lambda: rng.choice(date_variants(digest.date)),
        "categories": lambda: tuple(rng.sample(CATEGORIES, rng.randint(0, 2))),
        "draft": lambda: not digest.draft,
        "description": lambda: rng.choice(["", "About things.", "关于"]),
        "author": lambda: rng.choice(["", "Ann", "李"]),
        "updated": lambda: rng.choice(["", "2024-09-01", "2024-09-01 10:00:00 +0800"]),
        "lang": lambda: rng.choice(["", "en", "ja", "zh-CN"]),
    }[key]()
    spec.digests[name] = replace(digest, **{key: value})
    return f"{name}: {key} = {value!r}"


def date_variants(date: str) -> list[str]:
    """Nearby dates a user would write: the end of a range moved by a day, a range made a day or a
    week, another start, a time of day (which orders a day's digests), none."""
    start = (
        dt.date.fromisoformat(date[:10]) if date[:1].isdigit() and "W" not in date else dt.date(2024, 8, 11)
    )
    end = dt.date.fromisoformat(date[-10:]) if "~" in date else start + dt.timedelta(days=6)
    return [
        f"{start} ~ {end - dt.timedelta(days=1)}",
        f"{start} ~ {end + dt.timedelta(days=1)}",
        f"{start - dt.timedelta(days=1)} ~ {end}",
        str(start),
        f"{start} 09:30:00 +0800",
        f"{start}T23:00:00Z",
        f"{start.isocalendar()[0]}-W{start.isocalendar()[1]:02d}",
        "2023-05-02",
        "",
    ]


def edit_card(rng: random.Random, spec: SiteSpec) -> str:
    name = rng.choice(sorted(spec.digests))
    digest = spec.digests[name]
    section = rng.choice(["cards", "more"])
    cards = list(getattr(digest, section))
    action = rng.choice(["field", "field", "field", "add", "remove", "swap"] if cards else ["add"])
    if action == "add":
        cards.insert(rng.randint(0, len(cards)), CardSpec(rng.choice(WORDS), rng.choice(["", *ARXIV])))
    elif action == "remove":
        cards.pop(rng.randrange(len(cards)))
    elif action == "swap":
        i, j = rng.randrange(len(cards)), rng.randrange(len(cards))
        cards[i], cards[j] = cards[j], cards[i]
    else:
        i = rng.randrange(len(cards))
        key, choices = rng.choice(sorted(CARD_VALUES.items()))
        cards[i] = replace(cards[i], **{key: rng.choice(choices)})
        action = f"{key} of card {i + 1} = {getattr(cards[i], key)!r}"
    spec.digests[name] = replace(digest, **{section: tuple(cards)})
    return f"{name} {section}: {action}"


CARD_VALUES = {
    "title": WORDS,
    "arxiv": ["", *ARXIV],
    "translated": ["", "翻译", "Another"],
    "code": ["", "https://github.com/x/y", "未开源"],
    "affiliations": ["", "MIT", "北京大学、清华大学"],
    "link": ["", "https://example.org/p"],
    "text": ["A summary.", "Other words, $a^2$.", "改了"],
}


def edit_body(rng: random.Random, spec: SiteSpec) -> str:
    name = rng.choice(sorted(spec.digests))
    text = rng.choice(
        [
            "",
            "A new first paragraph.",
            "## 一节\n\nWith a heading.",
            "$$E=mc^2$$ and $x \\in \\R^n$",
            "[see](2023-05-01-a.md#一节) and [this]({% post_url 2023-05-02-b %})",  # links to digests
            "[renamed](renamed.md) and {% link _posts/2023-06-15-new.md %}",
        ]
    )
    spec.digests[name] = replace(spec.digests[name], body=text)
    return f"{name}: body = {text!r}"


def edit_macro(rng: random.Random, spec: SiteSpec) -> str:
    """What a digest defines `\\R` as, above its formulas (none: the site's, else KaTeX's)."""
    name = rng.choice(sorted(spec.digests))
    macro = rng.choice(["", "\\mathbb{R}", "\\mathcal{R}", "\\mathbf{X}"])
    spec.digests[name] = replace(spec.digests[name], macro=macro)
    return f"{name}: \\R = {macro!r}"


# Files a digest names by a path, as note-taking tools write them, and where each lies in the site
# folder: beside the digests, Obsidian's embed, Hexo's post asset folder (named as the digest, so
# renaming the digest loses it), the site root's assets/ and a folder the walk of digests/ skips.
NAMED_FILES = {
    "![a](images/a.png)": "digests/images/a.png",
    "![[b.png|300]]": "digests/b.png",
    "{% asset_img c.png 标题 %}": "digests/2023-05-01-a/c.png",
    "![x](/assets/x.png)": "assets/x.png",
    "<img src='_img/y.png'>": "digests/_img/y.png",
}


def edit_named_reference(rng: random.Random, spec: SiteSpec) -> str:
    """A digest names one more of the files, or one less: two digests may share one."""
    name = rng.choice(sorted(spec.digests))
    ref = rng.choice(sorted(NAMED_FILES))
    files = set(spec.digests[name].files) ^ {ref}
    spec.digests[name] = replace(spec.digests[name], files=tuple(sorted(files)))
    return f"{name}: {'names' if ref in files else 'no longer names'} {ref}"


def edit_named_file(rng: random.Random, spec: SiteSpec) -> str:
    """A file digests may name is added, edited (same size too) or deleted."""
    rel = rng.choice(sorted(NAMED_FILES.values()))
    if rel in spec.site_files and rng.random() < 0.4:
        del spec.site_files[rel]
        return f"delete {rel}"
    spec.site_files[rel] = rng.choice(["PNG one\n", "PNG two\n", "a longer PNG\n"])
    return f"write {rel} = {spec.site_files[rel]!r}"


def edit_digest_files(rng: random.Random, spec: SiteSpec) -> str:
    action = rng.choice(["add", "delete", "rename"] if len(spec.digests) > 1 else ["add"])
    if action == "add":
        name = rng.choice(["2023-06-15-new.md", "2024-01-01-x.md", "other.md"])
        title = rng.choice(WORDS)
        cards = (CardSpec(title, rng.choice(["", *ARXIV])),)
        spec.digests[name] = DigestSpec(f"{title} notes", rng.choice(DATES), ("robotics",), cards=cards)
        return f"add {name}"
    name = rng.choice(sorted(spec.digests))
    digest = spec.digests.pop(name)
    if action == "rename":
        new = rng.choice(["renamed.md", "2024-02-02-renamed.md"])
        spec.digests[new] = digest
        return f"rename {name} to {new}"
    return f"delete {name}"


def edit_papers_yaml(rng: random.Random, spec: SiteSpec) -> str:
    pid = rng.choice(ARXIV)
    spec.papers_yaml = rng.choice(["", f"{pid}:\n  title: Overridden\n", f"{pid}:\n  venue: ICLR 2024\n"])
    return f"papers.yaml = {spec.papers_yaml!r}"


def edit_config(rng: random.Random, spec: SiteSpec) -> str:
    key, choices = rng.choice(sorted(CONFIG_VALUES.items()))
    spec.config[key] = rng.choice(choices)
    return f"site.yaml: {key} = {spec.config[key]!r}"


CONFIG_VALUES = {
    "title": ["Property site", "Renamed"],
    "per_page": ["1", "2", "3"],
    "papers_per_page": ["1", "2", "5"],
    "digests_per_page": ["1", "3", "200"],
    "base_url": ['""', "https://example.github.io/repo/", "https://x.org/"],
    "language": ["zh-CN", "en"],
    "math": ["{macros: {}}", "{macros: {'\\R': '\\mathbb{S}'}}"],
    "timezone": ['""', "Asia/Shanghai", "America/New_York"],
    "strings": ["{}", "{nav_papers: Reading}"],
}


def edit_template(rng: random.Random, spec: SiteSpec) -> str:
    name = rng.choice(sorted(TEMPLATES))
    if name in spec.templates and rng.random() < 0.5:
        del spec.templates[name]
        return f"remove templates/{name}"
    spec.templates[name] = TEMPLATES[name].replace("<p>", rng.choice(["<p>", "<p class=x>"]))  # a partial too
    return f"write templates/{name}"


def edit_static(rng: random.Random, spec: SiteSpec) -> str:
    name = rng.choice(["files/a.txt", "b.txt", "img/c.svg"])
    if name in spec.static and rng.random() < 0.5:
        del spec.static[name]
        return f"remove static/{name}"
    spec.static[name] = rng.choice(["a\n", "changed\n", "<svg/>\n"])
    return f"write static/{name}"


# Weighted as users edit: mostly front matter and cards, now and then files, data and layout.
EDITS = [edit_front_matter] * 3 + [edit_card] * 3 + [
    edit_body, edit_digest_files, edit_papers_yaml, edit_config, edit_template, edit_static,
    edit_macro, edit_named_reference, edit_named_file,
]  # fmt: skip


# -- the property ------------------------------------------------------------------------------


def write_files(root: Path, before: dict[str, str], after: dict[str, str]) -> set[Path]:
    """Make the folder hold `after` (it holds `before`); the paths that changed."""
    changed = set()
    for rel in before.keys() - after.keys():
        (root / rel).unlink()
        changed.add(root / rel)
    for rel, text in after.items():
        if before.get(rel) != text:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
            changed.add(root / rel)
    return changed


def clean_build(root: Path, work: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The tree and the problems (sorted) of a build of a fresh copy of the site's sources."""
    fresh = work / "clean"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(".paperdigest-cache", "_site", "_dev"))
    result = Builder(fresh, fresh / "_site", jobs=1).build()
    return site_tree(fresh / "_site"), sorted(result.problems)


def clean_tree(root: Path, work: Path) -> dict[str, bytes]:
    return clean_build(root, work)[0]


def differing(actual: dict[str, bytes], expected: dict[str, bytes]) -> list[str]:
    names = actual.keys() | expected.keys()
    return sorted(n for n in names if actual.get(n) != expected.get(n))


class EditedSite:
    """The model's site on disk, built both ways after every edit and compared with a clean build."""

    def __init__(self, work: Path, spec: SiteSpec):
        self.work, self.root, self.spec = work, work / "site", spec
        self.files = spec.files()
        write_files(self.root, {}, self.files)
        self.dev = Builder(self.root, self.root / "_dev", jobs=1)  # the dev server's, kept throughout
        self.dev.build()
        Builder(self.root, self.root / "_site", jobs=1).build()

    def check_after(self, edits: str) -> None:
        """Write what the model now says, build, and hold both outputs to a clean build."""
        after = self.spec.files()
        changed = write_files(self.root, self.files, after)
        self.files = after
        built = Builder(self.root, self.root / "_site", jobs=1).build()  # what `paperdigest build` runs
        rebuilt = self.dev.rebuild(changed)
        expected, problems = clean_build(self.root, self.work)
        assert differing(site_tree(self.root / "_site"), expected) == [], f"paperdigest build after {edits}"
        assert differing(site_tree(self.root / "_dev"), expected) == [], f"Builder.rebuild after {edits}"
        # and the same problems: a missing image's warning, a walk's note, a link out of the site
        assert sorted(built.problems) == problems, f"problems of paperdigest build after {edits}"
        assert sorted(rebuilt.problems) == problems, f"problems of Builder.rebuild after {edits}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # a fixed seed in CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.integers(0, 2**32 - 1))
def test_random_edits_give_the_bytes_of_a_clean_build(seed):
    """Hypothesis picks the seeds; the edits are drawn uniformly from the first example on
    (Hypothesis's own choices favour the first options while it explores simple cases)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        site = EditedSite(Path(tmp), start())
        done = []
        for _ in range(rng.randint(1, 6)):
            done.append(rng.choice(EDITS)(rng, site.spec))
            site.check_after(str(done))


# -- the output as a user or CI leaves it between two builds ---------------------------------------


def damage_output(rng: random.Random, out: Path) -> str:
    """What happens to `_site/` between builds: a file deleted or edited by hand (another size, or
    the same size with other bytes and another mtime), files restored without their mtimes (a cache
    step, `cp -r`). Each must leave the next build's output a clean build's."""
    files = sorted(p for p in out.rglob("*") if p.is_file())
    target = rng.choice(files)
    rel = target.relative_to(out).as_posix()
    action = rng.choice(["delete", "rewrite", "same size", "touch", "touch all"])
    if action == "delete":
        target.unlink()
    elif action == "rewrite":
        target.write_bytes(b"edited by hand\n")
    elif action == "same size":
        target = rng.choice([p for p in files if p.stat().st_size > 0])
        rel, data = target.relative_to(out).as_posix(), bytearray(target.read_bytes())
        data[len(data) // 2] ^= 1
        shifted(target, data)
    else:
        for path in files if action == "touch all" else [target]:
            shifted(path, path.read_bytes())
        rel = f"{len(files)} files" if action == "touch all" else rel
    return f"{action} _site/{rel}"


def shifted(path: Path, data: bytes) -> None:
    """Write `data` to `path` and give it an mtime a second past the one it had (a write in the
    same clock tick as the build's could otherwise keep the old one)."""
    st = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def search_view(folder: Path) -> dict[str, object]:
    """The search bundles of an output as far as Pagefind writes them the same for the same pages:
    the bytes of its content-addressed files and the shard list; of each shard's entry, the pages
    per language (its filter and metadata files are named differently each run: Pagefind#638),
    checked to name metadata files that exist."""
    view: dict[str, object] = {}
    for shard in sorted(p for p in (folder / "pagefind").iterdir() if p.is_dir()):
        files = [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in shard.rglob("*") if p.is_file()]
        view[shard.name] = search.indexed_pages(files, search.Shard(shard.name, ()))
        view.update({rel: data for rel, data in files if search.stable(rel)})
    view["shards.json"] = (folder / search.SHARD_LIST).read_bytes()
    return view


class PublishedSite:
    """The model's site built by `paperdigest build` only (a new Builder each time, with workers or
    without, the search index on), its output damaged now and then, the whole folder sometimes
    moved (a checkout at another path); after every step, the output must be a clean build's."""

    def __init__(self, work: Path, spec: SiteSpec):
        self.work, self.root, self.spec = work, work / "site", spec
        spec.config["search"] = "true"
        self.files = spec.files()
        write_files(self.root, {}, self.files)
        Builder(self.root, self.root / "_site", jobs=1).build()

    def move(self) -> str:
        moved = self.work / ("moved" if self.root.name == "site" else "site")
        self.root = self.root.rename(moved)
        return f"move the site folder to {moved.name}/"

    def check_after(self, edits: str, jobs: int) -> None:
        after = self.spec.files()
        write_files(self.root, self.files, after)
        self.files = after
        Builder(self.root, self.root / "_site", jobs=jobs).build()
        fresh = self.work / "clean"
        expected = clean_tree(self.root, self.work)
        built = self.root / "_site"
        assert differing(site_tree(built), expected) == [], f"paperdigest build --jobs {jobs} after {edits}"
        assert search_view(built) == search_view(fresh / "_site"), f"search index after {edits}"


@settings(
    max_examples=int(os.environ.get("PAPERDIGEST_PROPERTY_EXAMPLES", "4")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.integers(0, 2**32 - 1))
def test_edits_and_a_damaged_or_moved_output_give_a_clean_build_with_its_search_index(seed):
    """Source edits, output damage and moves of the site folder in random order, each followed by
    `paperdigest build` with one process or two (the output then checked by a worker)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        site = PublishedSite(Path(tmp), start())
        done = []
        for _ in range(rng.randint(2, 6)):
            step = rng.choice(["edit", "edit", "damage", "damage", "move"])
            if step == "edit":
                done.append(rng.choice(EDITS)(rng, site.spec))
            elif step == "damage":
                done.append(damage_output(rng, site.root / "_site"))
            else:
                done.append(site.move())
            site.check_after(str(done), jobs=rng.choice([1, 2]))


def single_field_edits(spec: SiteSpec):
    """Every front-matter key and card field of the weekly digest, changed alone, one after the
    other: the edits that no other change in the same build can hide."""
    name = "2023-05-02-b.md"
    values = {
        "title": ["Weekly renamed"],
        "date": date_variants(spec.digests[name].date),
        "categories": [("cv",), ("cv", "robotics"), ()],
        "draft": [True, False],
        "description": ["About things.", ""],
        "author": ["Ann", ""],
    }
    for key, choices in values.items():
        for value in choices:
            spec.digests[name] = replace(spec.digests[name], **{key: value})
            yield f"{key} = {value!r}"
    for key, choices in CARD_VALUES.items():
        original = getattr(spec.digests[name].cards[0], key)
        for value in [next(c for c in choices if c != original), original]:
            card = replace(spec.digests[name].cards[0], **{key: value})
            spec.digests[name] = replace(spec.digests[name], cards=(card,))
            yield f"card {key} = {value!r}"


def test_each_field_changed_alone_gives_the_bytes_of_a_clean_build(tmp_path):
    site = EditedSite(tmp_path, start())
    for edit in single_field_edits(site.spec):
        site.check_after(edit)
