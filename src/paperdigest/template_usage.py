"""Templates of the user's folder that no page uses. Jinja looks a template up by its exact name, so
an override written `papr.html`, `Paper.html` or `theme/paper.html` is never read and the theme's
own template renders instead, silently: the build warns about it, with the name it probably meant.
"""

from __future__ import annotations

import jinja2

from paperdigest.boundary import shown_path
from paperdigest.config import SiteConfig
from paperdigest.errors import Problem, did_you_mean
from paperdigest.incremental.fingerprint import analysed
from paperdigest.render import BoundedLoader, TemplateRefused, ThemeLoader

PAGE_SUFFIXES = (".html", ".xml")  # what a page template is called; other files may be anything
ASSETS = "assets/"  # copied as they are, never rendered


def unused_templates(env: jinja2.Environment, config: SiteConfig) -> list[Problem]:
    """A warning for each page-like template of the user's folder that overrides no theme template
    and that no template reaches (by extends, include or import, from the theme's templates)."""
    user, theme = loader_of(env, BoundedLoader), loader_of(env, ThemeLoader)
    if user is None or theme is None:
        return []
    theme_names = [name for name in theme.list_templates() if not name.startswith(ASSETS)]
    reached = reachable(env, theme_names)
    if reached is None:
        return []
    problems = []
    for name in user.list_templates():
        if name.startswith(ASSETS) or not name.endswith(PAGE_SUFFIXES) or name in reached:
            continue
        if any(part.startswith(".") for part in name.split("/")):
            continue  # an editor's (Emacs's lock file .#paper.html) or a tool's, not the user's
        message = (
            "not used: no theme template has this name and no template includes it, so it is "
            f"never rendered{did_you_mean(name, theme_names)}"
        )
        problems.append(
            Problem(shown_path(config.path("templates_dir") / name, config.root), None, "warning", message)
        )
    return problems


def loader_of(env: jinja2.Environment, kind: type) -> jinja2.BaseLoader | None:
    loaders = env.loader.loaders if isinstance(env.loader, jinja2.ChoiceLoader) else [env.loader]
    return next((loader for loader in loaders if isinstance(loader, kind)), None)


def reachable(env: jinja2.Environment, roots: list[str]) -> set[str] | None:
    """Every template name that `roots` reach, the user's overrides read where they exist; None when
    that cannot be told: a template names another at run time, or one does not parse (the build
    reports that error itself)."""
    folder = getattr(env.bytecode_cache, "directory", None)
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source = env.loader.get_source(env, name)[0]
            refs = analysed(folder, name, source)[1]
        except (jinja2.TemplateNotFound, TemplateRefused):
            continue  # a render that needs it reports it
        except jinja2.TemplateSyntaxError:
            return None
        if None in refs:
            return None
        pending += refs
    return seen
