"""Recognising paper identity in text: arXiv ids in every reference form, URLs, code URLs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# An id ends where its digits end: "2304.150041" is no reference to 2304.15004 with a 1 after it.
NEW_ID = r"\d{4}\.\d{4,5}(?!\d)"
# archive(.SUBJECT)/YYMMNNN: the subject class (math.AG) is no part of the id (canonical_id).
OLD_ID = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?!\d)"
# Pages that stand for one arXiv paper: arXiv itself and the readers, mirrors and indexes built on
# its ids. Old-style ids (hep-th/9901001) only appear on arXiv's own hosts.
OWN_PAGES = (
    r"(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html)/"
)
READER_PAGES = (
    r"(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/|(?:huggingface|hf)\.co/papers/|papers\.cool/arxiv/"
    r"|(?:www\.)?arxiv-vanity\.com/papers/|(?:www\.)?semanticscholar\.org/arxiv/|doi\.org/10\.48550/arXiv\."
)
# The letters (either case) that every host of OWN_PAGES and READER_PAGES starts with.
HOST_LETTERS = "adehpsw"
ARXIV_HOSTS = rf"(?:{OWN_PAGES})({NEW_ID}|{OLD_ID})|(?:{READER_PAGES})({NEW_ID})"


def starting_with(letters: str, pattern: str) -> re.Pattern:
    """`pattern`, case-insensitive, tried only where one of `letters` stands (each match of which
    starts with one of them). Without a literal to scan for (IGNORECASE has none), Python's regex
    engine tries each alternative at every character of a text; the lookahead skips the others at
    once: a digest's arXiv references are found 4x quicker."""
    return re.compile(rf"(?=[{letters}])(?:{pattern})", re.IGNORECASE)


ARXIV_URL = starting_with(HOST_LETTERS, rf"(?:{ARXIV_HOSTS})(?:v\d+)?")
ARXIV_TEXT = starting_with("a", rf"\barXiv\s*[:：]\s*({NEW_ID}|{OLD_ID})(?:v\d+)?")
# Daily-list pages mark each paper's element: <div data-arxiv-id="2401.12345">.
ARXIV_ATTRIBUTE = starting_with("d", rf"""\bdata-arxiv(?:-id)?\s*=\s*["']?(?:arXiv:)?({NEW_ID}|{OLD_ID})""")
BARE_ARXIV_ID = re.compile(rf"(?:arXiv\s*[:：]?\s*)?({NEW_ID}|{OLD_ID})(?:v\d+)?", re.IGNORECASE)
# A new-style id however many digits it has, where a reference to one stands (impossible_references).
WRITTEN_NEW_ID = starting_with(
    HOST_LETTERS, rf"(?:{OWN_PAGES}|{READER_PAGES}|\barXiv\s*[:：]\s*)(\d{{4}}\.\d+)"
)
# What WRITTEN_NEW_ID's id is, found alone: a reference's id (after `/`, `:`, a space or `arXiv.`,
# never a digit) is one of these matches. A scan for a digit, which the regex engine does at C speed.
ID_LIKE = re.compile(r"\d{4}\.\d+")
NEW_STYLE_ID = re.compile(r"(?P<yymm>\d\d(?P<month>\d\d))\.(?P<number>\d+)")
OLD_STYLE_ID = re.compile(r"(?P<archive>[a-z\-]+)(?:\.[a-z]{2})?/\d\d(?P<month>\d\d)\d{3}", re.IGNORECASE)
# A URL ends before the punctuation that follows it in a sentence: "https://x/y, https://x/z".
URL = re.compile(r"https?://[^\s<>\"'（）()\[\]]+(?:\([^\s()]*\))?[^\s<>\"'（）()\[\]，。；、]*(?<![.,;:!?])")
# A host name without a scheme ("gorilla.cs.berkeley.edu", "github.com/a/b"). Only common top-level
# domains count, so that "README.md" or "A.Wang" never become links.
TLDS = (
    "com|org|net|edu|gov|io|ai|dev|app|me|co|cc|info|xyz|site|page|tech|science|cloud|"
    "cn|hk|tw|jp|kr|sg|uk|de|fr|ch|nl|eu|ca|us|au|in|ru|it|es|se|il|at|be|dk|fi|no|pl|pt|br"
)
BARE_DOMAIN = re.compile(
    rf"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{TLDS})(?::\d+)?(?:/[^\s<>\"'，。；、]*)?", re.I
)
URL_NOTE = re.compile(r"^\s*[（(]([^）)]*)[）)]")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
NO_CODE = {"", "未开源", "暂无", "无", "none", "n/a", "na", "-", "待开源", "coming soon", "tbd"}
NUMBER_PREFIX = re.compile(
    r"^\s*(?:(?:第\s*)?(?:\d+|[一二三四五六七八九十百零〇两]+)\s*(?:篇|个|部分)?\s*[、.．)）:：]\s*"
    r"|[（(【](?:\d+|[一二三四五六七八九十百零〇两]+)[)）】]\s*|[①-⑳]\s*|\d\ufe0f?\u20e3\s*)"
)


def arxiv_id(text: str) -> str:
    """The canonical arXiv id (canonical_id) in any reference form, or ''."""
    return canonical_id(id_as_written(text)[0])


def id_as_written(text: str) -> tuple[str, int]:
    """The arXiv id of the first reference in `text` as written there, without its version, and
    the index where it ends; ('', -1) when there is none."""
    m = ARXIV_URL.search(text) or ARXIV_TEXT.search(text) or ARXIV_ATTRIBUTE.search(text)
    if not m:
        return "", -1
    group = 2 if m.re is ARXIV_URL and m.group(1) is None else 1  # ARXIV_HOSTS has two
    return m.group(group), m.end(group)


def bare_arxiv_id(text: str) -> str:
    """'2306.00005', 'arXiv:2306.00005v2', 'hep-th/9901001' written alone -> the canonical id;
    anything else -> ''. Typed in full width (`２３０４.１５００４ｖ２`), it is the same id."""
    m = BARE_ARXIV_ID.fullmatch(unicodedata.normalize("NFKC", text).strip())
    return canonical_id(m.group(1)) if m else ""


def canonical_id(found: str) -> str:
    """The id one paper has however it is written: 'math.AG/0601001' and 'math/0601001' are one
    paper (arXiv ignores the subject class), 'HEP-TH/9901001' is 'hep-th/9901001'. '' for an id
    arXiv cannot have given (impossible_id): a link to 2304.1500 is a typo, not a paper."""
    if not found:
        return ""
    found = ascii_digits(found)
    old = OLD_STYLE_ID.fullmatch(found)
    aid = f"{old.group('archive').lower()}/{found.rsplit('/', 1)[1]}" if old else found
    return "" if impossible_id(aid) else aid


def ascii_digits(text: str) -> str:
    """'２３０４.１５００４' -> '2304.15004'. `\\d` matches the digits of any script, and an id typed
    with full-width digits (a Chinese input method's) is the same paper, whose page and arXiv
    URL have the ASCII digits arXiv gave it."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def impossible_references(text: str) -> Iterator[tuple[int, str, str]]:
    """(position, id as written, why arXiv cannot have given it) of each reference in `text` to a
    new-style id that is none: `arXiv:2304.150041`, `https://arxiv.org/abs/2304.1500`."""
    if not any(impossible_id(m.group()) for m in ID_LIKE.finditer(text)):
        return  # every id a reference can hold is one of these, and all are possible ids
    for m in WRITTEN_NEW_ID.finditer(text):
        why = impossible_id(m.group(1))
        if why:
            yield m.start(1), m.group(1), why


def impossible_id(aid: str) -> str:
    """Why arXiv cannot have given `aid` ('' when it can): a month past 12, or a number with a
    digit too many or too few for its month (4 digits from 0704 to 1412, 5 from 1501 on)."""
    aid = ascii_digits(aid)
    new = NEW_STYLE_ID.fullmatch(aid)
    old = OLD_STYLE_ID.fullmatch(aid)
    month = int((new or old).group("month"))
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    if old:
        return ""
    yymm, number = new.group("yymm"), new.group("number")
    if yymm < "0704":
        return "ids of this form start at 0704.0001, April 2007"
    digits = 4 if yymm <= "1412" else 5
    if len(number) != digits:
        return f"ids of {yymm} have {digits} digits after the dot"
    return ""


def bare_domain_url(text: str) -> str:
    """'gorilla.cs.berkeley.edu' written alone -> 'https://gorilla.cs.berkeley.edu'; else ''."""
    text = text.strip().rstrip(".,;:!?")
    return f"https://{text}" if BARE_DOMAIN.fullmatch(text) else ""


def arxiv_abs_url(aid: str) -> str:
    return f"https://arxiv.org/abs/{aid}" if aid else ""


def arxiv_pdf_url(aid: str) -> str:
    return f"https://arxiv.org/pdf/{aid}" if aid else ""


def split_url_and_note(value: str) -> tuple[str, str]:
    """'https://x（检测数据集）' -> ('https://x', '检测数据集'); '[t](u)' -> ('u', ''); text -> ('', text)."""
    value = value.strip().strip("<>")
    link = MARKDOWN_LINK.search(value)
    if link:
        return link.group(2).strip("<>"), ""
    m = URL.search(value)
    if not m:
        return "", value
    note = URL_NOTE.match(value[m.end() :])
    return m.group(0), (note.group(1).strip() if note else "")


def code_url(value: str) -> str:
    """The code URL of a card, '' when empty or "未开源"."""
    if value.strip().lower() in NO_CODE:
        return ""
    url, _ = split_url_and_note(value)
    return url


def strip_number(title: str) -> str:
    """'1、Title' -> 'Title'; '《Title》' -> 'Title'."""
    title = NUMBER_PREFIX.sub("", title, count=1).strip()
    if title.startswith("《") and title.endswith("》"):
        title = title[1:-1].strip()
    return title


def title_slug(title: str, max_length: int = 80) -> str:
    """A URL-safe id for papers without an arXiv id; keeps CJK letters."""
    text = unicodedata.normalize("NFKC", title).lower()
    text = re.sub(r"[^\w]+", "-", text).strip("-_")
    return text[:max_length].rstrip("-") or "untitled"


def paper_path_id(pid: str) -> str:
    """Old-style arXiv ids contain '/': 'hep-th/9901001' -> 'hep-th_9901001' in URLs."""
    return pid.replace("/", "_")
