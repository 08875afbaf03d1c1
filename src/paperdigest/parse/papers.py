"""Recognising paper identity in text: arXiv ids and URLs, code URLs, affiliation lists."""

from __future__ import annotations

import re
import unicodedata

ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html|format)/((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(?:v\d+)?",
    re.IGNORECASE,
)
ARXIV_TEXT = re.compile(r"\barXiv:\s*(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
URL = re.compile(r"https?://[^\s<>\"'（）()\[\]]+(?:\([^\s()]*\))?[^\s<>\"'（）()\[\]，。；、]*")
URL_NOTE = re.compile(r"^\s*[（(]([^）)]*)[）)]")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
NO_CODE = {"", "未开源", "暂无", "无", "none", "n/a", "na", "-", "待开源", "coming soon", "tbd"}
AFFILIATION_SPLIT = re.compile(r"\s*(?:、|，|,|&|;|；|\band\b)\s*")
NUMBER_PREFIX = re.compile(r"^\s*(?:\d+\s*[、.．)）:：]\s*|[（(]\d+[)）]\s*)")


def arxiv_id(text: str) -> str:
    """The arXiv id (no version) in a URL or 'arXiv:NNNN.NNNNN' text, or ''."""
    m = ARXIV_URL.search(text) or ARXIV_TEXT.search(text)
    return m.group(1) if m else ""


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


def split_affiliations(value: str) -> tuple[str, ...]:
    parts = (p.strip(" 　.。") for p in AFFILIATION_SPLIT.split(value))
    return tuple(dict.fromkeys(p for p in parts if p))


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
