"""Front-matter values checked against what the build makes of them, with the line of each key.

A value of the wrong type is an error, never a silent guess: `draft: 'no'` would hide the digest
(a non-empty string is true), `categories: {a: 1}` would become the category `a-1`. A title that
YAML read as a number or a date is only text written without quotes, and is taken as such.
"""

from __future__ import annotations

import datetime as dt

from paperdigest.errors import Problem
from paperdigest.parse.language import LANGUAGE_TAG

CATEGORY_KEYS = ("cate1", "cate2", "categories", "category", "tags")
NAME_LIST_KEYS = (*CATEGORY_KEYS, "keywords")
LANGUAGE_KEYS = ("lang", "language")


def checked_fields(meta: dict, rel: str, key_lines: dict[str, int]) -> tuple[dict, list[Problem]]:
    """(the front matter with its title as text, errors of values that have the wrong type)."""
    problems = []

    def wrong(key: str, expected: str, value) -> None:
        message = f"{key} must be {expected}, got {kind_of(value)} {value!r}"
        problems.append(Problem(rel, key_lines.get(key, 2), "error", message))

    draft = meta.get("draft")
    if draft is not None and not isinstance(draft, bool):
        wrong("draft", "true or false (without quotes)", draft)
    title = meta.get("title")
    if title is not None and not is_text(title):
        wrong("title", "text", title)
    for key in NAME_LIST_KEYS:
        value = meta.get(key)
        items = value if isinstance(value, list) else [value]
        if any(item is not None and not is_text(item) for item in items):
            wrong(key, "a name or a list of names", value)
    for key in LANGUAGE_KEYS:
        value = meta.get(key)
        if value is not None and not (isinstance(value, str) and LANGUAGE_TAG.match(value.strip())):
            wrong(key, "a language tag like en or zh-CN", value)
    if title is not None and is_text(title):
        meta = {**meta, "title": as_text(title)}
    return meta, problems


def is_text(value) -> bool:
    """Text, or what YAML reads from text written without quotes (`2023`, `1.5`, `2023-05-02`)."""
    return isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool)


def as_text(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {list: "a list", dict: "a mapping", str: "the text"}.get(type(value), type(value).__name__)
