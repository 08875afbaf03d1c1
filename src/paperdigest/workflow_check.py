"""`paperdigest check` on the site's GitHub workflows: a cache step that restores the build cache
but not the built site.

Without the last deploy's output folder, a build on a fresh runner renders every page and indexes
every search shard again (190 s instead of about 12 s at 10,000 digests), whatever the push
changed. `paperdigest init` writes a workflow that caches both; sites made before it did cache
`.paperdigest-cache` alone.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from paperdigest.errors import Problem

CACHE_DIR = ".paperdigest-cache"
CACHE_ACTIONS = ("actions/cache@", "actions/cache/restore@")
UPLOAD_ACTION = "actions/upload-pages-artifact@"
DEFAULT_UPLOAD = "_site"  # upload-pages-artifact's default path


def workflow_problems(root: Path) -> list[Problem]:
    """A warning at each cache step of `.github/workflows/*` that restores the build cache and not
    the folder the workflow publishes."""
    problems: list[Problem] = []
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return problems
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            document = yaml.compose(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):  # nested beyond reason
            continue  # not ours to lint: GitHub reports a broken workflow
        steps = [step for job in mapping_values(value_of(document, "jobs")) for step in steps_of(job)]
        published = {
            folder_name(node.value) if node is not None else DEFAULT_UPLOAD
            for node in map(path_node, using(steps, (UPLOAD_ACTION,)))
        }
        for node in map(path_node, using(steps, CACHE_ACTIONS)):
            cached = (
                {folder_name(line) for line in str(node.value).splitlines()} if node is not None else set()
            )
            missing = sorted(published - cached) if CACHE_DIR in cached else []
            if missing:
                message = (
                    f"this cache step restores {CACHE_DIR} but not {', '.join(missing)}: every push "
                    f"renders every page and indexes the whole site for search again; add "
                    f"{', '.join(missing)} to its path (as `paperdigest init` writes it)"
                )
                shown = path.relative_to(root).as_posix()
                problems.append(Problem(shown, node.start_mark.line + 1, "warning", message))
    return problems


def value_of(node, key: str):
    """The value node of `key` in a YAML mapping node (None if absent or not a mapping)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def mapping_values(node) -> list:
    return [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else []


def steps_of(job) -> list:
    steps = value_of(job, "steps")
    return list(steps.value) if isinstance(steps, yaml.SequenceNode) else []


def using(steps: list, actions: tuple[str, ...]) -> list:
    """The steps that use one of `actions` (prefixes up to the `@`)."""
    return [s for s in steps if str(getattr(value_of(s, "uses"), "value", "")).startswith(actions)]


def path_node(step) -> yaml.ScalarNode | None:
    """The scalar node of the step's `with: path:`, if it has one."""
    node = value_of(value_of(step, "with"), "path")
    return node if isinstance(node, yaml.ScalarNode) else None


def folder_name(path: str) -> str:
    """`./_site/` -> `_site`: paths as a workflow writes them, compared by name."""
    text = path.strip().strip("'\"")
    return text.removeprefix("./").rstrip("/") or text
