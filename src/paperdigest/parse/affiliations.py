"""Splitting a list of affiliations (or authors) as written: `斯坦福大学、Google`, `MIT / Harvard 和 清华大学`.

Names are separated by `、 ， , ; ； / |`, ` & ` (and `&` beside a Chinese name: `北大&清华`), " and ",
`和`, `及`, `以及`, `与`. A comma that only adds a place or campus belongs to the name:
`University of California, Berkeley` is one affiliation.
"""

from __future__ import annotations

import re

# `&` between words is a name's own (AT&T, Texas A&M); beside a Chinese character it separates.
HAN = r"\u3400-\u9fff\uf900-\ufaff"
SEPARATOR = re.compile(
    rf"\s*(?:、|，|,|;|；|(?<!<)/(?!>)|／|\||｜|＆|\s&\s|(?<=[{HAN}）】])&|&(?=[{HAN}])"
    r"|\band\b|以及|和|及|与)\s*"
)
# A part that names the place of the name before it: a campus or city of a university system.
CAMPUSES = {
    "berkeley", "los angeles", "san diego", "santa barbara", "irvine", "davis", "santa cruz",
    "riverside", "merced", "san francisco", "austin", "dallas", "arlington", "el paso",
    "urbana-champaign", "urbana champaign", "chicago", "chapel hill", "ann arbor", "madison",
    "amherst", "boulder", "seattle", "twin cities", "college park", "baltimore", "pittsburgh",
    "atlanta", "boston", "new york", "buffalo", "stony brook", "columbus", "houston", "tempe",
    "college station", "west lafayette", "bloomington", "hong kong", "shenzhen", "guangzhou",
    "beijing", "shanghai", "hefei", "nanjing", "hangzhou", "wuhan", "xi'an", "chengdu",
    "singapore", "london", "edinburgh", "paris", "tokyo", "kyoto", "seoul", "toronto",
    "montreal", "vancouver", "zurich", "lausanne", "munich", "berlin", "tübingen", "tuebingen",
}  # fmt: skip
US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming"
)
# "University of Texas" is a system of campuses: a capitalised place after its comma is a campus.
STATE_SYSTEM = re.compile(rf"\bUniv(?:ersity|\.)?\s+of\s+(?:{US_STATES})$", re.IGNORECASE)
PLACE_LIKE = re.compile(r"^(?:[A-Z][\w'’.-]*\s?){1,3}$")
ORGANISATION_WORDS = re.compile(
    r"\b(?:Univ|University|Institute|College|School|Lab|Labs|Laboratory|Research|Inc|Ltd|Corp|AI)\b", re.I
)
TRIM = " 　.。"
# A period that ends an abbreviation belongs to the name: `F. Chen et al.`, `Chen F.`, `Smith Jr.`
# (trimmed, the authors read "F. Chen et al" and "Chen F").
ABBREVIATION_END = re.compile(r"(?:\bet\s+al|(?<![\w.])[A-Z]|\bJr|\bSr)\.$")


def split_affiliations(value: str) -> tuple[str, ...]:
    names: list[str] = []
    for match in _parts(value):
        part, comma = match
        if names and comma and is_place_of(names[-1], part):
            names[-1] = f"{names[-1]}, {part}"
        elif part:
            names.append(part)
    return tuple(dict.fromkeys(names))


def _parts(value: str) -> list[tuple[str, bool]]:
    """(part, whether a plain comma came before it) for every part between separators."""
    parts, pos, comma = [], 0, False
    for sep in SEPARATOR.finditer(value):
        parts.append((_trim(value[pos : sep.start()]), comma))
        comma, pos = sep.group(0).strip() == ",", sep.end()
    parts.append((_trim(value[pos:]), comma))
    return parts


def _trim(part: str) -> str:
    """The part without the spaces and sentence stops around it; an abbreviation keeps its period."""
    kept = part.strip(" 　。")
    return kept.strip(TRIM) + ("." if ABBREVIATION_END.search(kept) else "")


def is_place_of(name: str, part: str) -> bool:
    """`Berkeley` after `University of California`: the campus, not another affiliation."""
    if part.lower() in CAMPUSES:
        return bool(ORGANISATION_WORDS.search(name))
    return bool(STATE_SYSTEM.search(name) and PLACE_LIKE.match(part) and not ORGANISATION_WORDS.search(part))
