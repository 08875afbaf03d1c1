"""Recognising paper identity in text: arXiv ids in every reference form, URLs, code URLs."""

from __future__ import annotations

import re
import unicodedata

NEW_ID = r"\d{4}\.\d{4,5}"
OLD_ID = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
# Pages that stand for one arXiv paper: arXiv itself and the readers, mirrors and indexes built on
# its ids. Old-style ids (hep-th/9901001) only appear on arXiv's own hosts.
ARXIV_HOSTS = (
    rf"(?:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html)/)({NEW_ID}|{OLD_ID})"
    rf"|(?:(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/|(?:huggingface|hf)\.co/papers/|papers\.cool/arxiv/"
    rf"|(?:www\.)?arxiv-vanity\.com/papers/|(?:www\.)?semanticscholar\.org/arxiv/|doi\.org/10\.48550/arXiv\.)({NEW_ID})"
)
ARXIV_URL = re.compile(rf"(?:{ARXIV_HOSTS})(?:v\d+)?", re.IGNORECASE)
ARXIV_TEXT = re.compile(rf"\barXiv\s*[:：]\s*({NEW_ID})(?:v\d+)?", re.IGNORECASE)
# Daily-list pages mark each paper's element: <div data-arxiv-id="2401.12345">.
ARXIV_ATTRIBUTE = re.compile(
    rf"""\bdata-arxiv(?:-id)?\s*=\s*["']?(?:arXiv:)?({NEW_ID}|{OLD_ID})""", re.IGNORECASE
)
BARE_ARXIV_ID = re.compile(rf"(?:arXiv\s*[:：]?\s*)?({NEW_ID})(?:v\d+)?", re.IGNORECASE)
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
    """The arXiv id (no version) in any reference form, or ''."""
    m = ARXIV_URL.search(text)
    if m:
        return m.group(1) or m.group(2)
    m = ARXIV_TEXT.search(text) or ARXIV_ATTRIBUTE.search(text)
    return m.group(1) if m else ""


def bare_arxiv_id(text: str) -> str:
    """'2306.00005', 'arXiv:2306.00005v2' written alone -> '2306.00005'; anything else -> ''."""
    m = BARE_ARXIV_ID.fullmatch(text.strip())
    return m.group(1) if m else ""


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
