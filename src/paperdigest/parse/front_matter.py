"""Front-matter values checked against what the build makes of them, with the line of each key.

A value of the wrong type is an error, never a silent guess: `draft: 'no'` would hide the digest
(a non-empty string is true), `categories: {a: 1}` would become the category `a-1`. Front matter is
read with text_resolvers(): a number or a date written without quotes is the text as written
(`title: 2024.10` is not 2024.1).
"""

from __future__ import annotations

import datetime as dt

import yaml

from paperdigest.errors import Problem, excerpt
from paperdigest.parse.language import LANGUAGE_TAG

TEXT_KEYS = ("title", "description", "author")  # printed on pages and in feeds as they are
CATEGORY_KEYS = ("cate1", "cate2", "categories", "category", "tags")
NAME_LIST_KEYS = (*CATEGORY_KEYS, "keywords")
LANGUAGE_KEYS = ("lang", "language")
# More than any front matter holds: a few lines of YAML aliases (`a1: &a1 [*a0, *a0, ...]`) expand
# into millions of values, which every later step (a message, a page, a fingerprint) would copy.
MAX_VALUES = 10_000
# Plain scalars YAML may turn into something else than text: true/false and null (`draft: false`,
# `cate2:`), and `<<` merge keys. Numbers, timestamps and `=` stay text as written: no key needs a
# YAML number (`title: 2024.10` is not 2024.1, `categories: [010]` not 8, `12:30:00` not 45000),
# and `date` is read from its text like a date anywhere else (parse/when.py).
KEPT_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}


def text_resolvers(loader: type[yaml.BaseResolver]) -> dict:
    """`loader`'s implicit resolvers (first character -> [(tag, regexp)]) without the dropped tags."""
    kept = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag in KEPT_TAGS]
        for first, resolvers in loader.yaml_implicit_resolvers.items()
    }
    return {first: resolvers for first, resolvers in kept.items() if resolvers}


def checked_fields(meta: dict, rel: str, key_lines: dict[str, int]) -> tuple[dict, list[Problem]]:
    """(the front matter with its text fields as text, errors of values that have the wrong type)."""
    problems, wrong_keys = [], set()

    def wrong(key: str, expected: str, value) -> None:
        wrong_keys.add(key)
        message = f"{key} must be {expected}, got {kind_of(value)} {excerpt(value)}"
        problems.append(Problem(rel, key_lines.get(key, 2), "error", message))

    draft = meta.get("draft")
    if draft is not None and not isinstance(draft, bool):
        wrong("draft", "true or false (without quotes)", draft)
    for key in TEXT_KEYS:
        value = meta.get(key)
        if value is not None and not is_text(value):
            wrong(key, "text", value)
    for key in NAME_LIST_KEYS:
        value = meta.get(key)
        if not all(item is None or is_text(item) for item in names_of(value, key in CATEGORY_KEYS)):
            wrong(key, "a name or a list of names", value)
    for key in LANGUAGE_KEYS:
        value = meta.get(key)
        if value is not None and not (isinstance(value, str) and LANGUAGE_TAG.match(value.strip())):
            wrong(key, "a language tag like en or zh-CN", value)
    for key, value in meta.items():  # any key: unknown ones are kept in the record too
        if key not in wrong_keys and expands_beyond(value, MAX_VALUES):
            problems.append(Problem(rel, key_lines.get(key, 2), "error", too_many_values(key)))
    if problems:
        return meta, problems
    return {**meta, **{key: as_text(meta[key]) for key in TEXT_KEYS if meta.get(key) is not None}}, []


def names_of(value, nested: bool) -> list:
    """The items of a name list. With `nested`, an item may be a list of names itself: Hexo writes a
    category path so (`categories: [[论文, 周报], LLM]`), and its names are categories too."""
    items = value if isinstance(value, list) else [value]
    if not nested:
        return items
    return [name for item in items for name in (item if isinstance(item, list) else [item])]


def expands_beyond(value, limit: int) -> bool:
    """`value` holds more than `limit` values once YAML aliases are expanded: a list used ten times
    counts ten times, and one that holds itself never ends. Stops at the limit, so it is cheap."""
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def too_many_values(key: str) -> str:
    return f"{key} holds more than {MAX_VALUES:,} values, counting each use of a YAML alias (*name)"


def is_text(value) -> bool:
    """Text, or a scalar that a YAML tag made something else (`!!int 3`, `!!timestamp 2023-05-02`)."""
    return isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool)


def as_text(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {list: "a list", dict: "a mapping", str: "the text"}.get(type(value), type(value).__name__)
