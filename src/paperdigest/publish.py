"""Template helpers for finding and following the site: BibTeX, category feeds, search facets."""

from __future__ import annotations

import jinja2

from paperdigest.bibtex import bibtex_entry
from paperdigest.model import Paper

FEED_ENTRIES = 20  # newest digests in each Atom feed


def category_feed(slug: str) -> str:
    return f"categories/{slug}/feed.xml"


def search_facets(paper: Paper) -> dict[str, list[str]]:
    """Search filters of a paper: the categories and years of the digests that mention it.

    Read from the paper's own mentions, so a paper page depends on its record alone."""
    categories = dict.fromkeys(c for m in paper.mentions for c in m.digest_categories)
    years = dict.fromkeys(str(m.date.year) for m in paper.mentions if m.date)
    return {"category": list(categories), "year": list(years)}


def install_helpers(env: jinja2.Environment) -> None:
    """Filters the theme uses for BibTeX, feeds and search facets."""
    env.filters["bibtex"] = bibtex_entry
    env.filters["search_facets"] = search_facets
    env.globals["category_feed"] = category_feed
