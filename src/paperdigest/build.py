"""Orchestrates the stages: config -> parse -> group -> render -> write."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from paperdigest.config import SiteConfig, load_config
from paperdigest.errors import Problem
from paperdigest.group import build_index
from paperdigest.parse import discover_digests, parse_digest
from paperdigest.render import make_environment, render_site, theme_dir
from paperdigest.search import index_site
from paperdigest.write import AtomicOutput

PROGRESS_THRESHOLD = 200  # digests; smaller builds finish before a bar is worth drawing


class BuildError(Exception):
    """The site cannot be built (e.g. a template error); the previous output is untouched."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class BuildResult:
    digests: int = 0
    papers: int = 0
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def warnings(self) -> int:
        return sum(p.level in ("warning", "error") for p in self.problems)

    def summary(self) -> str:
        return (
            f"Built {self.digests} digests, {self.papers} papers, {self.pages} pages, "
            f"{self.warnings} warnings in {self.seconds:.2f}s"
        )


def build_site(
    root: Path,
    out_dir: Path | None = None,
    *,
    base_url: str | None = None,
    drafts: bool = False,
    progress: bool = False,
) -> BuildResult:
    """Build the site at `root` into `out_dir` (default root/_site). Raises ConfigError, BuildError."""
    return Builder(root, out_dir, base_url=base_url, drafts=drafts, progress=progress).build()


class Builder:
    """Holds what one site needs between builds; the dev server keeps one alive and calls rebuild()."""

    def __init__(
        self,
        root: Path,
        out_dir: Path | None = None,
        *,
        base_url: str | None = None,
        drafts: bool = False,
        progress: bool = False,
    ):
        self.root = root.resolve()
        self.out_dir = (out_dir or self.root / "_site").resolve()
        self.base_url, self.drafts, self.progress = base_url, drafts, progress

    def rebuild(self, changed: set[Path]) -> BuildResult:
        """Bring the output up to date after `changed` files were edited, added or deleted."""
        return self.build()

    def build(self) -> BuildResult:
        started = time.perf_counter()
        config = load_config(self.root, base_url=self.base_url)
        result = BuildResult()

        with stage(result, "parse"):
            paths, notes = discover_digests(config.path("digests_dir"), self.root)
            result.problems += notes
            digests = []
            for path in with_progress(paths, self.progress):
                parsed = parse_digest(path, self.root, config.base_path)
                result.problems += parsed.problems
                if parsed.digest and (self.drafts or not parsed.digest.draft):
                    digests.append(parsed.digest)

        with stage(result, "group"):
            index, problems = build_index(digests)
            result.problems += problems

        env = make_environment(config)
        with AtomicOutput(self.out_dir) as site:
            with stage(result, "render+write"):
                try:
                    for rel, data in render_site(env, index, config):
                        site.write(rel, data)
                except jinja2.TemplateSyntaxError as exc:
                    where = exc.filename or exc.name or "template"
                    raise BuildError(Problem(where, exc.lineno, "error", exc.message or str(exc))) from None
                except jinja2.TemplateError as exc:
                    raise BuildError(template_problem(exc)) from None
            with stage(result, "static"):
                copy_static(site, config)
            with stage(result, "search"):
                result.problems += index_site(site.tmp_dir, config)
            site.commit()
            result.pages = site.pages

        result.digests, result.papers = len(index.digests), len(index.papers)
        result.problems.sort(key=lambda p: (p.path, p.line or 0, p.message))
        result.seconds = time.perf_counter() - started
        return result


def template_problem(exc: jinja2.TemplateError) -> Problem:
    """Name the template and line of a runtime template error from its traceback."""
    tb, where = exc.__traceback__, ("template", None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml")):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return Problem(where[0], where[1], "error", f"template error: {exc}")


def copy_static(site: AtomicOutput, config: SiteConfig) -> None:
    """Theme assets, then the user's template assets over them, KaTeX if self-hosted, static/."""
    site.copy_tree(theme_dir() / "assets", "assets")
    user_assets = config.path("templates_dir") / "assets"
    if user_assets.is_dir():
        site.copy_tree(user_assets, "assets")
    if config.katex.local_dir:
        katex = Path(config.katex.local_dir)
        katex = katex if katex.is_absolute() else config.root / katex
        for name in ("katex.min.js", "katex.min.css"):
            site.write(f"assets/katex/{name}", (katex / name).read_bytes())
        site.copy_tree(katex / "fonts", "assets/katex/fonts")
    static = config.path("static_dir")
    if static.is_dir():
        site.copy_tree(static)
    site.write(".nojekyll", b"")


class stage:
    """Times one stage of the build into result.timings."""

    def __init__(self, result: BuildResult, name: str):
        self.result, self.name = result, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.result.timings[self.name] = (
            self.result.timings.get(self.name, 0) + time.perf_counter() - self.started
        )


def with_progress(paths: list[Path], enabled: bool):
    if not enabled or len(paths) < PROGRESS_THRESHOLD:
        return paths
    from tqdm import tqdm

    return tqdm(paths, desc="parse", unit="digest", leave=False)
