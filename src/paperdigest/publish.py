"""Template helpers for finding and following the site: BibTeX, category feeds, search facets."""

from __future__ import annotations

import jinja2

from paperdigest.bibtex import bibtex_entry
from paperdigest.group import SiteIndex
from paperdigest.model import Digest, Paper

FEED_ENTRIES = 20  # newest digests in each Atom feed


def category_feed(slug: str) -> str:
    return f"categories/{slug}/feed.xml"


class Facets:
    """Search filters of a paper: the categories and years of the digests that mention it."""

    def __init__(self):
        self.key, self.by_slug = None, {}

    def __call__(self, context: jinja2.runtime.Context, paper: Paper) -> dict[str, list[str]]:
        index: SiteIndex = context["index"]
        if self.key is not index.digests:  # one lookup table per build, not one scan per paper
            self.key, self.by_slug = index.digests, {d.slug: d for d in index.digests}
        digests: list[Digest] = [
            self.by_slug[m.digest_slug] for m in paper.mentions if m.digest_slug in self.by_slug
        ]
        categories = dict.fromkeys(c for d in digests for c in d.categories)
        years = dict.fromkeys(str(m.date.year) for m in paper.mentions if m.date)
        return {"category": list(categories), "year": list(years)}


def install_helpers(env: jinja2.Environment) -> None:
    """Filters the theme uses for BibTeX, feeds and search facets."""
    env.filters["bibtex"] = bibtex_entry
    env.filters["search_facets"] = jinja2.pass_context(Facets())
    env.globals["category_feed"] = category_feed
