"""What each output file is made from, as a fingerprint: equal fingerprints mean equal bytes.

A page's bytes are a function of the code and its libraries, the site configuration and the
template environment's globals and filters, the source of every template the page can reach, its
output path, its context, and the parts of the SiteIndex (`index.X`) those templates name. All of
it goes into the fingerprint, and every field of every record in it: no field is left out because
no template seems to read it (filters, globals and properties read fields that no template
names). Pages stay cheap to rebuild because of what they are given (group.py: lists get digest
summaries, not digests), not because of a guess at what they read.

Records are immutable, so a record's fingerprint is remembered by its identity (the memo holds
the record, so its id is not reused while remembered), and so is a tuple's (grouping hands a
rebuild last build's tuples of papers). A rebuild compares a page's context with last build's
(same_context) instead of working out its fingerprint again, and a group of pages
(render.PageGroup) by the inputs it is planned from, so that an edit costs about what it changes,
not the 80,000 pages of a 10,000-digest site. A Digest is fingerprinted by what it was
made from: its parse key (file bytes, path, parse settings, code), its slug and its cards' arXiv
ids, what grouping may change (group.unique_slugs, join.join_titles); a Paper merged from digests' cards, by those digests'
merge keys and slugs (group.merge_key: all merge_one reads of a digest), so a new process need not
walk 60,000 papers and their mentions field by field. A value of any other kind is not guessed at: the page is
rendered again, and written only if its bytes changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import operator
import os
import secrets
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import NamedTuple

import jinja2
from jinja2 import meta, nodes

from paperdigest.group import SiteIndex
from paperdigest.incremental.cache import digest_of
from paperdigest.model import Digest, Paper
from paperdigest.once import Once
from paperdigest.render import Page, PageGroup

ALL = "*"  # a template uses `index` as a whole (iterates it, passes it on): every part counts
SCALARS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})  # compared by type
LOOSE = frozenset({float, dt.datetime})  # equal yet shown differently: -0.0 and 0.0, time zones


class Unknown(Exception):
    """A value whose content cannot be fingerprinted: pages holding one are always rendered."""


class PageMemo(NamedTuple):
    made_from: tuple  # what every page of its template is made from besides its context
    context: dict  # held, so that the identities compared next build stay its values'
    fingerprint: str


class GroupMemo(NamedTuple):
    plan: Callable
    inputs: tuple
    made_from: tuple[tuple[str | None, tuple], ...]  # (template, what it is made from) of its pages
    pages: dict[str, PageMemo]  # by output path


@dataclass
class FingerprintMemo:
    """What the last build worked out, for the next: record fingerprints by identity, pages by path,
    page groups by key. Each build replaces them with what it used, so nothing outlives the records
    it is about."""

    records: dict[int, tuple[object, str]] = field(default_factory=dict)
    pages: dict[str, PageMemo] = field(default_factory=dict)
    groups: dict[str, GroupMemo] = field(default_factory=dict)


def template_dependencies(env: jinja2.Environment, name: str) -> tuple[str, frozenset[str]]:
    """For template `name` and every template it can reach: (fingerprint of their sources, the
    `index` attributes they read). A template that does not exist is no error here: `{% include
    "x.html" ignore missing %}` and a list of names to try (`{% include ["a.html", "b.html"] %}`)
    name templates that may be absent, and a render that needs one fails naming the template and
    line that asked for it. Its absence counts: adding it makes another fingerprint."""
    seen: dict[str, str | None] = {}
    attrs: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        try:
            source, filename, _ = env.loader.get_source(env, current)
        except jinja2.TemplateNotFound:
            seen[current] = None
            continue
        seen[current] = source
        try:
            read, refs = analysed(getattr(env.bytecode_cache, "directory", None), current, source)
        except jinja2.TemplateSyntaxError as exc:
            exc.name, exc.filename = current, filename  # the error names the template, like a render
            raise
        attrs |= read
        for ref in refs:
            if ref is None:  # a template name computed at run time: it may reach any template
                pending += env.list_templates()
                attrs.add(ALL)
            else:
                pending.append(ref)
    fp = digest_of(*(part for n in sorted(seen) for part in template_parts(n, seen[n])))
    return fp, frozenset(attrs)


def template_parts(name: str, source: str | None) -> tuple[str, ...]:
    """A reachable template in a fingerprint: its name and source, or its name alone when absent."""
    return (name, "missing") if source is None else (name, "found", source)


@lru_cache(maxsize=256)
def analysed(folder: str | None, name: str, source: str) -> tuple[frozenset[str], tuple]:
    """_analyse, kept for the next process in `folder`, where the environment keeps its compiled
    templates (a folder per version of the code and of Jinja): a file per template name holding
    the hash of the source it was made from, as Jinja's own cache does. Parsing the theme's
    templates takes 0.07 s, in every build."""
    if folder is None:
        return _analyse(source)
    path = Path(folder) / f"analysis-{digest_of('template', name)}.json"
    made_from = digest_of("source", source)
    with contextlib.suppress(OSError, ValueError, LookupError, TypeError):  # none, or unreadable
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept["source"] == made_from:
            return frozenset(kept["attrs"]), tuple(kept["refs"])
    found = _analyse(source)
    with contextlib.suppress(OSError):  # best effort, as the compiled templates are
        part = path.with_name(f"{path.name}.{os.getpid()}")
        kept = {"source": made_from, "attrs": sorted(found[0]), "refs": found[1]}
        part.write_text(json.dumps(kept), encoding="utf-8")
        os.replace(part, path)
    return found


def _analyse(source: str) -> tuple[frozenset[str], tuple]:
    """(index attributes read, referenced templates) of one template's source."""
    ast = PARSER.parse(source)
    return index_attributes(ast), tuple(meta.find_referenced_templates(ast))


PARSER = jinja2.Environment(extensions=[Once])  # the theme's syntax: default delimiters, `once`


def index_attributes(ast: nodes.Template) -> frozenset[str]:
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
    return frozenset(found)


class Fingerprints:
    """Fingerprints of the pages of one build of `index`. `site` covers the code, configuration and
    template environment; `digest_keys` maps each digest's source to its parse key."""

    def __init__(
        self,
        env: jinja2.Environment,
        index: SiteIndex,
        digest_keys: dict[str, str],
        site: str,
        memo: FingerprintMemo,
        merged_from: Callable[[Paper], list[Digest] | None] = lambda paper: None,
    ):
        self.env, self.index, self.digest_keys, self.site = env, index, digest_keys, site
        self.merged_from = merged_from
        self.last_records, self.records = memo.records, {}
        self.last_pages, self.pages = memo.pages, {}
        self.last_groups, self.groups = memo.groups, {}
        memo.records, memo.pages, memo.groups = self.records, self.pages, self.groups
        self.templates: dict[str, tuple] = {}
        self.parts: dict[str, str] = {}
        self.mutables = 0  # dicts and lists met so far: a record holding one is not remembered
        # Tuples are remembered like records (the grouping stage hands a rebuild last build's
        # lists of papers), except inside a record, which is remembered as a whole.
        self.in_record = 0
        self.field_names: dict[type, tuple[str, ...]] = {}

    def kept_group(self, group: PageGroup) -> Iterator[tuple[str, str]] | None:
        """(output path, fingerprint) of each page of `group` when it is last build's group: the
        same plan of the same inputs, each of its templates made from the same sources and index
        parts. Then its pages are last build's pages, not planned again. None: plan them."""
        last = self.last_groups.get(group.key)
        if (
            last is None
            or last.plan is not group.plan
            or any(self.made_from(name) != made for name, made in last.made_from)
            or not self.same(last.inputs, group.inputs)
        ):
            return None
        self.groups[group.key] = last._replace(inputs=group.inputs)
        self.pages.update(last.pages)
        return ((out, memo.fingerprint) for out, memo in last.pages.items())

    def remember_group(self, group: PageGroup, pages: list[Page] | None) -> None:
        """`group` planned as `pages`, each of them with a fingerprint (None: some had none, so the
        group is planned again next build)."""
        if pages is None:
            self.groups.pop(group.key, None)
            return
        names = dict.fromkeys(page.template for page in pages)
        made_from = tuple((name, self.made_from(name)) for name in names)
        memos = {page.out: self.pages[page.out] for page in pages}
        self.groups[group.key] = GroupMemo(group.plan, group.inputs, made_from, memos)

    def group_key(self, group: PageGroup) -> str | None:
        """What `group`'s pages are made from besides their templates, as a key that holds across
        processes: the site, the group's plan and the values of its inputs (None when one of them
        cannot be fingerprinted). A new process finds the group's pages by it (stored_pages)
        instead of working out each page's fingerprint again."""
        try:
            inputs = self.value(group.inputs)
        except Unknown:
            return None
        return digest_of(self.site, group.key, f"{group.plan.__module__}.{group.plan.__qualname__}", inputs)

    def group_record(self, pages: list[Page]) -> str:
        """What stored_pages needs of a planned group: the templates its pages are made from, each
        with what it is made from, and each page's output path and fingerprint."""
        names = dict.fromkeys(page.template for page in pages)
        made = [[name, self.made_digest(name)] for name in names]
        return json.dumps([made, [[page.out, self.pages[page.out].fingerprint] for page in pages]])

    def stored_pages(self, record: str) -> list[tuple[str, str]] | None:
        """(output path, fingerprint) of each page of a group stored under the same group_key,
        unless one of its templates (or the index parts they read) is made from something else now."""
        try:
            made, pages = json.loads(record)
        except (ValueError, TypeError):  # a damaged row is a miss
            return None
        if any(self.made_digest(name) != digest for name, digest in made):
            return None
        return [(out, fp) for out, fp in pages]

    def known(self, record) -> str | None:
        """The fingerprint this build worked out for `record`, if it did and remembers it."""
        hit = self.records.get(id(record))
        return hit[1] if hit is not None and hit[0] is record else None

    def made_digest(self, template: str | None) -> str:
        return digest_of(repr(self.made_from(template)))

    def made_from(self, template: str | None) -> tuple:
        """What every page of `template` is made from besides its context (None: made by code)."""
        return (self.site, "file") if template is None else self.template(template)

    def page(self, page: Page) -> str | None:
        """The page's fingerprint; None when part of it cannot be fingerprinted (always render)."""
        made_from = self.made_from(page.template)
        context = page.context if page.template is not None else {"depends": page.depends}
        last = self.last_pages.get(page.out)
        if last is not None and last.made_from == made_from and self.same_context(last.context, context):
            fp = last.fingerprint  # the very same records and values: the same page
        else:
            try:
                fp = digest_of(*made_from, page.out, self.value(context))
            except Unknown:
                return None
        self.pages[page.out] = PageMemo(made_from, context, fp)
        return fp

    def template(self, name: str) -> tuple:
        """What every page of template `name` is made from besides its context, once a build."""
        if name not in self.templates:
            sources, attrs = template_dependencies(self.env, name)
            if ALL in attrs:
                attrs = frozenset(f.name for f in dataclasses.fields(SiteIndex))
            parts = "|".join(f"{a}={self.part(a)}" for a in sorted(attrs))
            self.templates[name] = (self.site, name, sources, parts)
        return self.templates[name]

    def part(self, attr: str) -> str:
        if attr not in self.parts:
            value = getattr(self.index, attr, None)  # a misspelt attribute renders as undefined
            try:
                self.parts[attr] = digest_of(attr, self.value(value))
            except Unknown:
                # What no fingerprint describes (`index.__class__` in an override) is never the same
                # twice: the pages of the templates that read it are rendered on every build.
                self.parts[attr] = secrets.token_hex(16)
        return self.parts[attr]

    def value(self, value) -> str:
        """A string that differs whenever anything in `value`, however deep, differs."""
        kind = type(value)
        if kind in SCALARS:
            return repr(value)
        if kind is tuple:
            if self.in_record:  # remembered with its record
                return self.items(value)
            return self.remembered(value, lambda: digest_of(self.items(value)))
        if kind is MappingProxyType:  # a context's mapping (render.frozen): no one can change it
            return "{" + ",".join([f"{self.value(k)}:{self.value(v)}" for k, v in value.items()]) + "}"
        if kind is list:
            self.mutables += 1
            return "[" + ",".join([self.value(v) for v in value]) + "]"
        if kind is dict:
            self.mutables += 1
            return "{" + ",".join([f"{self.value(k)}:{self.value(v)}" for k, v in value.items()]) + "}"
        if isinstance(value, Digest):
            return self.remembered(value, lambda: self.digest(value))
        if kind is Paper:
            return self.remembered(value, lambda: self.paper(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            if kind.__dataclass_params__.frozen:
                return self.remembered(value, lambda: self.record(value))
            self.mutables += 1
            return self.record(value)
        if isinstance(value, (str, int, float, PurePath)):  # Markup and other subclasses
            return f"{kind.__qualname__}({value!r})"
        raise Unknown(kind.__qualname__)

    def items(self, value: tuple) -> str:
        return "(" + ",".join([self.value(v) for v in value]) + ")"

    def remembered(self, record, compute) -> str:
        hit = self.records.get(id(record)) or self.last_records.get(id(record))
        if hit is None or hit[0] is not record:
            before = self.mutables
            hit = (record, compute())
            if self.mutables != before:  # it holds a dict or list, which may change in place
                return hit[1]
        self.records[id(record)] = hit
        return hit[1]

    def record(self, record) -> str:
        kind = type(record)
        self.in_record += 1
        try:
            fields = [f"{n}={self.value(getattr(record, n))}" for n in self.names(kind)]
        finally:
            self.in_record -= 1
        return digest_of(kind.__qualname__, *fields)

    def names(self, kind: type) -> tuple[str, ...]:
        if (names := self.field_names.get(kind)) is None:  # dataclasses.fields() is slow
            names = self.field_names[kind] = tuple(f.name for f in dataclasses.fields(kind))
        return names

    def digest(self, digest: Digest) -> str:
        key = self.digest_keys.get(digest.source)
        if key is None:
            raise Unknown(f"digest {digest.source} without a parse key")
        # The ids of its cards: a title-only card may take an arXiv id at grouping (join.py).
        return digest_of("Digest", key, digest.slug, *(card.arxiv_id for card in digest.cards))

    def paper(self, paper: Paper) -> str:
        """By the merge keys and slugs of the digests it was merged from; field by field when it
        was not merged from them alone (papers.yaml) or one of them has no merge key."""
        digests = self.merged_from(paper)
        if not digests or not all(d.merge_key for d in digests):
            return self.record(paper)
        return digest_of("Paper", paper.id, *(f"{d.merge_key}|{d.slug}" for d in digests))

    def same_context(self, old: dict, new: dict) -> bool:
        """The same names holding the same values as last build's context, told apart without
        working out a fingerprint: plain values by equality, records by identity when remembered
        (a record is remembered only when nothing in it can change in place), tuples and the
        context's read-only mappings item by item. False only means "work it out"."""
        if len(old) != len(new):
            return False
        last, now = self.last_records, self.records
        for key, value in new.items():
            was = old.get(key, old)
            if was is value and type(value) not in SCALARS:  # inline: most values are records
                hit = last.get(id(value))
                if hit is not None and hit[0] is value:
                    now[id(value)] = hit
                    continue
            if not self.same(was, value):
                return False
        return True

    def same(self, old, new) -> bool:
        kind = type(new)
        if kind in SCALARS:
            return type(old) is kind and old == new and (kind not in LOOSE or repr(old) == repr(new))
        if old is new:
            hit = self.last_records.get(id(new))
            if hit is not None and hit[0] is new:
                self.records[id(new)] = hit
                return True
        if type(old) is not kind:
            return False
        if kind is MappingProxyType:
            return list(old) == list(new) and all(self.same(old[k], v) for k, v in new.items())
        hit = self.last_records.get(id(old))
        remembered = hit is not None and hit[0] is old
        if kind is tuple:  # the very items of a remembered tuple hold nothing that changes in place
            equal = len(old) == len(new) and (
                (remembered and all(map(operator.is_, old, new))) or self.same_items(old, new)
            )
        elif (
            (params := getattr(kind, "__dataclass_params__", None))
            and params.frozen
            and not issubclass(kind, Digest)
        ):
            # a record made again with the same fields (e.g. a category whose count stayed)
            equal = all(self.same(getattr(old, n), getattr(new, n)) for n in self.names(kind))
        else:
            return False
        if equal and remembered:
            self.records[id(new)] = (new, hit[1])  # remembered in its place: equal values, equal fingerprints
        return equal

    def same_items(self, old: tuple, new: tuple) -> bool:
        """same() for each item, inline for the common case of the very same object (lists of
        thousands of papers)."""
        last, now = self.last_records, self.records
        for a, b in zip(old, new, strict=True):
            if a is b:
                if type(b) in SCALARS:
                    continue
                hit = last.get(id(b))
                if hit is not None and hit[0] is b:
                    now[id(b)] = hit
                    continue
            if not self.same(a, b):
                return False
        return True


def environment_fingerprint(env: jinja2.Environment) -> str:
    """Everything templates can call or read besides their context: the environment's globals,
    filters and tests, by value for data and by name (and captured values) for functions, whose
    code the code fingerprint covers."""
    parts = []
    for kind, table in (("global", env.globals), ("filter", env.filters), ("test", env.tests)):
        for name in sorted(table):
            parts.append(f"{kind} {name}={describe(table[name])}")
    return digest_of(*parts)


def describe(value, depth: int = 0) -> str:
    if depth > 4:
        return "..."
    if isinstance(value, types.MethodType):
        return f"{describe(value.__func__, depth + 1)} of {describe(value.__self__, depth + 1)}"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        cells = getattr(value, "__closure__", None) or ()
        captured = ",".join(describe(c.cell_contents, depth + 1) for c in cells if _filled(c))
        return f"{value.__module__}.{value.__qualname__}({captured})"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{describe(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ",".join(describe(v, depth + 1) for v in value) + "]"
    if type(value) in SCALARS or dataclasses.is_dataclass(value):
        return repr(value)
    if hasattr(value, "__dict__"):
        return f"{type(value).__qualname__}{describe(vars(value), depth + 1)}"
    return repr(value)


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:  # an empty cell (a closure variable not yet assigned)
        return False
    return True
