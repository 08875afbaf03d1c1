"""What each output page is made from, as a fingerprint: equal fingerprints mean equal bytes.

A page's bytes are a function of its template (and every template it extends, includes or imports),
its context, the parts of the SiteIndex its templates read, the site configuration and the code.
A record is fingerprinted by what it is made from: a Digest by its parse key (file bytes, path,
settings, code) and final slug, a Paper by the cards that mention it. Where a template can only
read some fields of records (the names it spells out: `d.title`, `map(attribute='slug')`), only
those fields count, so editing the body of one digest does not re-render every list that shows
its title. A page is re-rendered only when something it may show has changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from functools import cache, lru_cache

import jinja2
from jinja2 import meta, nodes

from paperdigest.cache import digest_of
from paperdigest.group import SiteIndex, carry_over
from paperdigest.model import Digest, Paper
from paperdigest.render import Page
from paperdigest.stored import field_fingerprints

ALL = "*"  # a template uses `index` as a whole (iterates it, passes it on): every part counts
SCALARS = (str, int, float, bool, type(None), dt.date)
MISSING = object()


def template_dependencies(
    env: jinja2.Environment, name: str
) -> tuple[str, frozenset[str], frozenset[str] | None]:
    """For template `name` and every template it reaches: (fingerprint of their sources, `index`
    attributes read, names of record fields they may read — None when any field may be read)."""
    seen: dict[str, str] = {}
    attrs: set[str] = set()
    fields: set[str] | None = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        source, filename, _ = env.loader.get_source(env, current)
        seen[current] = source
        try:
            read, names, refs = analyse_template(env, source)
        except jinja2.TemplateSyntaxError as exc:
            exc.name, exc.filename = current, filename  # the error names the template, like a render
            raise
        attrs |= read
        fields = None if fields is None or names is None else fields | names
        for ref in refs:
            if ref is None:  # a template name computed at run time: it may reach any template
                pending += [t for t in env.list_templates() if t.endswith((".html", ".xml"))]
                attrs.add(ALL)
            else:
                pending.append(ref)
    fp = digest_of(*(part for n in sorted(seen) for part in (n, seen[n])))
    return fp, frozenset(attrs), None if fields is None else frozenset(fields)


def analyse_template(env: jinja2.Environment, source: str) -> tuple[set[str], set[str] | None, tuple]:
    """(index attributes, field names, referenced templates) of one template's source."""
    return _analyse(source, frozenset(env.globals))


@lru_cache(maxsize=256)
def _analyse(source: str, site_globals: frozenset[str]) -> tuple[set[str], set[str] | None, tuple]:
    ast = PARSER.parse(source)  # once per source, whichever build asks
    return (
        index_attributes(ast),
        field_names(ast, set(site_globals)),
        tuple(meta.find_referenced_templates(ast)),
    )


PARSER = jinja2.Environment()  # the theme's syntax: default delimiters, no extensions


def index_attributes(ast: nodes.Template) -> set[str]:
    """`index.X` reads in a template; any other use of `index` counts as reading all of it."""
    uses = [n for n in ast.find_all(nodes.Name) if n.name == "index" and n.ctx == "load"]
    reads = [
        n.attr
        for n in ast.find_all(nodes.Getattr)
        if isinstance(n.node, nodes.Name) and n.node.name == "index"
    ]
    found = set(reads)
    if len(uses) > len(reads):
        found.add(ALL)
    return found


# Filters that read fields by names not written in the template, or print whole records.
WHOLE_RECORD_FILTERS = {"attr", "tojson", "pprint"}


def root_name(node: nodes.Node | None) -> str | None:
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        node = node.node
    return node.name if isinstance(node, nodes.Name) else None


def field_names(ast: nodes.Template, site_globals: set[str]) -> set[str] | None:
    """Every name a template could read from a record: `x.name`, and any string constant (`x['name']`,
    `map(attribute='name')`). None when it may read fields by computed names or print whole records
    (e.g. `x|tojson`, unless `x` is one of the environment's globals such as `site` or `katex`)."""
    for f in ast.find_all(nodes.Filter):
        if f.name in WHOLE_RECORD_FILTERS and root_name(f.node) not in site_globals:
            return None
    names = {n.attr for n in ast.find_all(nodes.Getattr)}
    names |= {c.value for c in ast.find_all(nodes.Const) if isinstance(c.value, str)}
    return names


class Fingerprints:
    """Fingerprints of the pages of one build of `index`.

    `memo` may be kept between builds (the dev server does): it only holds values keyed by
    fingerprints of what they were computed from.
    """

    def __init__(
        self, env: jinja2.Environment, index: SiteIndex, digest_keys: dict[str, str], site: str, memo: dict
    ):
        self.env, self.index, self.site, self.memo = env, index, site, memo
        # Records are immutable and the dev server keeps unchanged ones between rebuilds, so what
        # was computed from a record is looked up by its identity; entries hold their record, so
        # an id cannot be reused while it is in here. Only this build's records are carried over.
        self.known, self.records = carry_over(memo, "records")  # what -> id -> (record, value)
        self.digest_fp = self.of_records(
            index.digests, "digest", lambda d: digest_of("digest", digest_keys[d.source], d.slug)
        )
        self.by_slug = {d.slug: d for d in index.digests}
        self.paper_fp = self.of_records(index.papers.values(), "paper", self.paper_source)
        self.known_parts, self.index_parts = carry_over(memo, "parts")
        self.known_pages, self.pages = carry_over(memo, "pages")
        self.templates: dict[str, tuple[tuple, frozenset[str] | None]] = {}
        self.parts: dict[tuple, str] = {}

    def of_record(self, record, what, compute):
        """`compute()`, a value made from `record` alone, from the last build when it had this record."""
        now = self.records.get(what)
        if now is None:
            now = self.records[what] = {}
        hit = now.get(id(record)) or self.known.get(what, {}).get(id(record))
        if hit is None or hit[0] is not record:
            hit = (record, compute())
        now[id(record)] = hit
        return hit[1]

    def of_records(self, records, what, compute) -> dict[int, str]:
        """id -> `compute(record)` for many records at once: of_record without a call for each."""
        known, now = self.known.get(what, {}), self.records.setdefault(what, {})
        for record in records:
            hit = known.get(id(record))
            now[id(record)] = hit if hit is not None and hit[0] is record else (record, compute(record))
        return {key: hit[1] for key, hit in now.items()}

    def paper_source(self, paper: Paper) -> str:
        """A Paper is made from its cards and the slugs, titles, dates and categories of their digests."""
        parts = [paper.id]
        for m in paper.mentions:
            digest = self.by_slug[m.digest_slug]
            fps = self.field_fps(digest)
            ident = (digest.slug, fps["title"], fps["date"], fps["categories"], fps["source"])
            parts.append(f"{ident}{fps['#cards'][m.position - 1]}")
        return digest_of("paper", *parts)

    def field_fps(self, digest: Digest) -> dict:
        """Fingerprints of each field, computed when the digest was parsed (else here, once)."""
        fps = digest.__dict__.get("_fps")
        if fps is None:
            key = ("fields", self.digest_fp[id(digest)])
            if key not in self.memo:
                self.memo[key] = field_fingerprints(digest)
            fps = self.memo[key]
        return fps

    def page(self, page: Page) -> str:
        if page.template is None:
            return digest_of(self.site, "raw", page.out, self.value(page.depends, None))
        made_from, fields = self.template(page.template)
        # A page whose context holds the very same records and values as in the last build, with
        # the same templates and index parts, has the same fingerprint: no need to compute it.
        last = self.known_pages.get(page.out)
        if last is not None and last[2] != made_from:
            last = None  # its templates or the index parts they read changed
        if last is not None and same_context(last[0], page.context):
            shape, fp = last[1], last[3]  # the common case of a rebuild: nothing to work out
        else:
            shape = self.identity(page.context)
            if last is not None and last[1] == shape:
                fp = last[3]
            else:
                fp = digest_of(*made_from, page.out, self.value(page.context, fields))
        self.pages[page.out] = (page.context, shape, made_from, fp)  # the context keeps its ids valid
        return fp

    def template(self, name: str) -> tuple[tuple, frozenset[str] | None]:
        """(what every page of template `name` is made from besides its context, the record fields
        it may read); one shared tuple per template, worked out once a build."""
        if name not in self.templates:
            template_fp, attrs, fields = template_dependencies(self.env, name)
            self.templates[name] = ((self.site, name, template_fp, self.index_part(attrs, fields)), fields)
        return self.templates[name]

    def identity(self, value):
        """What a context value is made of, by identity for records: equal identities, equal pages.

        Digests and papers count by object (self.pages holds the contexts, so their ids are not
        reused); containers and other records by their items; plain values by type and value.
        Tuples and frozen records are immutable: worked out once, and kept for the next build
        (grouping hands back last build's tuples when they hold the same records).
        """
        kind = type(value)
        if kind is str:
            return value
        if kind in SCALARS:
            return (kind, value)
        if kind is Paper or isinstance(value, (Digest, Paper)):
            return id(value)  # a bare int: plain ints are (int, value) above
        if kind is dict and len(value) <= 8:
            return tuple(
                [(k if type(k) is str else self.identity(k), self.identity(v)) for k, v in value.items()]
            )
        if kind is tuple:
            return self.of_record(value, "identity", lambda: self.items_identity(value))
        if is_frozen(value):
            return self.of_record(value, "identity", lambda: (kind, *map(self.identity, field_values(value))))
        key = ("identity", id(value))  # mutable: only within this build
        if key not in self.parts:
            if isinstance(value, dict):
                shape = tuple([(self.identity(k), self.identity(v)) for k, v in value.items()])
            elif isinstance(value, (tuple, list)):
                shape = self.items_identity(value)
            else:
                shape = (kind, repr(value))
            self.parts[key] = (value, shape)  # holds the value: its id stays its own this build
        return self.parts[key][1]

    def items_identity(self, items) -> tuple:
        # Lists of 60,000 papers are common (papers.html, sitemap.xml): papers inline, no call each.
        return ("[", *[id(v) if type(v) is Paper else self.identity(v) for v in items])

    def index_part(self, attrs: frozenset[str], fields: frozenset[str] | None) -> str:
        if ALL in attrs:
            attrs = frozenset(f.name for f in self.index.__dataclass_fields__.values())
        return "|".join(self.part(a, fields) for a in sorted(attrs))

    def part(self, attr: str, fields: frozenset[str] | None) -> str:
        """The fingerprint of `index.attr` as templates reading `fields` see it; reused from the
        last build when it holds the very same records (see identity)."""
        if (attr, fields) not in self.parts:
            value = getattr(self.index, attr, None)
            shape = self.identity(value)
            last = self.known_parts.get((attr, fields))
            if last is not None and last[1] == shape:
                fp = last[2]
            else:
                fp = digest_of(attr, self.value(value, fields))
            self.index_parts[attr, fields] = (value, shape, fp)
            self.parts[attr, fields] = fp
        return self.parts[attr, fields]

    def value(self, value, fields: frozenset[str] | None) -> str:
        """A string that changes whenever anything a template reading `fields` of records (None:
        any field) could show from `value` changes."""
        kind = type(value)
        if kind in SCALARS:
            return repr(value)
        if kind is dict:
            return "{" + ",".join(f"{k!r}:{self.value(v, fields)}" for k, v in value.items()) + "}"
        if kind is list:  # papers inline, as in items_identity
            known = self.paper_fp
            return "[" + ",".join([known.get(id(v)) or self.value(v, fields) for v in value]) + "]"
        if kind is tuple:
            return self.of_record(value, ("value", fields), lambda: self.value(list(value), fields))
        if isinstance(value, Digest) and id(value) in self.digest_fp:
            return self.record(value, self.digest_fp[id(value)], fields)
        if isinstance(value, Paper) and id(value) in self.paper_fp:
            return self.paper_fp[id(value)]  # paper pages show nearly every field: no finer grain
        if isinstance(value, dict):  # defaultdict, OrderedDict
            return self.value(dict(value), fields)
        if isinstance(value, (tuple, list)):  # named tuples
            return self.value(list(value), fields)
        if is_dataclass(value) and not isinstance(value, type):
            # Field by field, so that a record holding digests (an ArchiveItem, a Category)
            # fingerprints them from their parse keys, not by a repr that would print every body.
            def fingerprint():
                names = readable_fields(type(value), fields)
                parts = ",".join(self.value(getattr(value, name), fields) for name in names)
                return digest_of(type(value).__name__, *names, parts)

            return (
                self.of_record(value, ("value", fields), fingerprint) if is_frozen(value) else fingerprint()
            )
        return repr(value)

    def record(self, record, whole: str, fields: frozenset[str] | None) -> str:
        """The whole record's fingerprint, or for a digest that of just the fields a template may read."""
        if fields is None or not isinstance(record, Digest):
            return whole
        return self.of_record(record, fields, lambda: self.some_fields(record, fields))

    def some_fields(self, record: Digest, fields: frozenset[str]) -> str:
        fps = self.field_fps(record)
        names = [name for name in record.__dataclass_fields__ if name in fields]
        return digest_of(*(repr(record.slug) if name == "slug" else fps[name] for name in names))


def same_context(old: dict, new: dict) -> bool:
    """The very same values as last build's context, without working out its identity: records and
    tuples (immutable, and kept alive by the page memo) by identity, small dicts by their items,
    plain values by type and value. False only means "work it out" (see Fingerprints.identity)."""
    if len(old) != len(new):
        return False
    for key, value in new.items():
        was = old.get(key, MISSING)
        kind = type(value)
        if was is value and (kind is tuple or value is None or frozen_type(kind)):
            continue
        if type(was) is not kind:
            return False
        if kind is dict:
            if not same_context(was, value):
                return False
        elif kind not in SCALARS or was != value:
            return False
    return True


@cache
def frozen_type(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return params is not None and params.frozen


def is_frozen(value) -> bool:
    return frozen_type(type(value))  # a dataclass itself (a class) is of type `type`: not frozen


@lru_cache(maxsize=256)
def readable_fields(kind: type, fields: frozenset[str] | None) -> tuple[str, ...]:
    """The fields of records of dataclass `kind` that templates reading `fields` may show: those
    they name (a category page that shows `category.name` does not change with the category's
    digests); all of them when they may read a property or method, which can use any field."""
    names = tuple(f.name for f in dataclass_fields(kind))
    if fields is None or any(name not in names and hasattr(kind, name) for name in fields):
        return names
    return tuple(name for name in names if name in fields)


def field_values(record) -> list:
    return [getattr(record, f.name) for f in dataclass_fields(record)]
