"""The theme's words in the site's language: one strings file per language, as Hugo does.

    i18n/en.yaml, i18n/zh-CN.yaml     key: text, or key: {one: ..., other: ...} for counts

Templates call `t('key')` or `t('key', count=n)`; `{name}` in a text is filled from the call's
arguments. The file is chosen by site.yaml's `language` (zh-TW finds zh-CN: same language), a key
it lacks comes from en.yaml, and site.yaml's `strings:` overrides any key. Plural forms follow
CLDR's rules for the language (Babel's table): English has one/other, Chinese other only,
Russian one/few/many/other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from paperdigest.errors import did_you_mean, excerpt

CATALOGUES = Path(__file__).parent
FALLBACK = "en"
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

Text = str | dict[str, str]  # a text, or its plural forms by CLDR category


class StringsError(ValueError):
    """An override in site.yaml that is not a known key or not a usable text."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key  # 'strings.NAME': where site.yaml's error is


@dataclass(frozen=True)
class Strings:
    """The theme's words for one site; a template global (`t`). Plain data, so the page
    fingerprints see every word (incremental/fingerprint.py describes globals by value)."""

    language: str
    table: dict[str, Text]

    def __call__(self, key: str, count: int | None = None, **values) -> str:
        text = self.table[key]
        if isinstance(text, dict):
            text = text.get(plural_category(self.language, count or 0)) or text["other"]
        values["count"] = count
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)

    def forms(self, *keys: str) -> dict[str, Text]:
        """The texts of `keys` as they are, plural forms and placeholders unfilled: for the
        scripts that fill them in the browser (search.js)."""
        return {key: self.table[key] for key in keys}


def site_strings(language: str, overrides: Mapping[str, Text] | None = None) -> Strings:
    table = dict(catalogue(FALLBACK))
    table.update(catalogue(catalogue_name(language)))
    table.update(checked_overrides(overrides or {}, table))
    return Strings(language, table)


def catalogue_name(language: str) -> str:
    """The strings file for a BCP 47 tag: the same tag, else one of the same language, else English."""
    names = {p.stem.lower(): p.stem for p in CATALOGUES.glob("*.yaml")}
    tag = language.lower()
    if tag in names:
        return names[tag]
    primary = tag.split("-")[0]
    return next((names[n] for n in sorted(names) if n.split("-")[0] == primary), FALLBACK)


@lru_cache(maxsize=8)
def catalogue(name: str) -> dict[str, Text]:
    return yaml.safe_load((CATALOGUES / f"{name}.yaml").read_text(encoding="utf-8"))


def known_keys() -> tuple[str, ...]:
    return tuple(catalogue(FALLBACK))


def checked_overrides(overrides: Mapping[str, object], table: Mapping[str, Text]) -> dict[str, Text]:
    """site.yaml's `strings:`: known keys, each a text (or plural forms where the key counts),
    naming only the placeholders the theme fills."""
    checked: dict[str, Text] = {}
    for key, value in overrides.items():
        if key not in table:
            known = ", ".join(sorted(table))
            message = f"unknown key 'strings.{key}'{did_you_mean(str(key), table)} (known keys: {known})"
            raise StringsError(message, f"strings.{key}")
        counts = isinstance(table[key], dict)
        forms = value if counts and isinstance(value, dict) else {"other": value}
        if (
            not all(k in PLURAL_FORMS and isinstance(v, str) for k, v in forms.items())
            or "other" not in forms
        ):
            shape = "a text or {one: ..., other: ...}" if counts else "a text"
            raise StringsError(f"'strings.{key}' must be {shape}, got {excerpt(value)}", f"strings.{key}")
        allowed = placeholders(table[key])
        for text in forms.values():
            unknown = set(PLACEHOLDER.findall(text)) - allowed
            if unknown:
                raise StringsError(
                    f"'strings.{key}': unknown placeholder {{{sorted(unknown)[0]}}} "
                    f"(this text can use: {', '.join('{' + p + '}' for p in sorted(allowed)) or 'none'})",
                    f"strings.{key}",
                )
        checked[key] = forms if counts else forms["other"]
    return checked


def placeholders(text: Text) -> set[str]:
    texts = text.values() if isinstance(text, dict) else [text]
    return {name for t in texts for name in PLACEHOLDER.findall(t)}


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return None


def plural_category(language: str, count: int) -> str:
    """CLDR plural category of `count` in `language` ('one', 'few', 'other', ...); English rules
    for a language Babel does not know."""
    locale = _locale(language) or _locale(FALLBACK)
    return locale.plural_form(abs(count))


def og_locale(language: str) -> str:
    """Open Graph's locale of a language tag: language_TERRITORY (`en_US`, `zh_CN`, `ja_JP`), as
    og:locale is written. The tag's own region, else the one CLDR finds likeliest for its language
    and script (`zh-Hant` is zh_TW); a tag Babel does not know keeps its parts."""
    locale = _locale(language)
    if locale is None:
        return language.replace("-", "_")
    territory = locale.territory or likely_territory(locale)
    return f"{locale.language}_{territory}" if territory else locale.language


def likely_territory(locale: Locale) -> str | None:
    """The territory of CLDR's likely subtags for the locale's language (and script)."""
    likely = get_global("likely_subtags")
    found = likely.get(f"{locale.language}_{locale.script}") or likely.get(locale.language)
    whole = _locale(found.replace("_", "-")) if found else None
    return whole.territory if whole else None


def text_direction(language: str) -> str:
    """'rtl' for a language written right to left (Arabic, Hebrew, Persian, Urdu...), as CLDR
    says; else, or for a language Babel does not know, 'ltr'."""
    locale = _locale(language)
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"
