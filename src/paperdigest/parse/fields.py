"""Paper fields as authors write them: one table of labels and one `Label: value` syntax.

    URL：https://arxiv.org/abs/2304.15004                  a plain label, full-width or ASCII colon
    **代码**: [github.com/a/b](https://github.com/a/b)      a bold label, the colon outside the bold
    **单位：** 清华大学                                     ... or inside it
    > - 作者：A. Wang, B. Li                               in a quote, a list item, both or neither
    【论文地址】https://arxiv.org/abs/2212.09748            a known label in 【】, as reposts write it

markdown-it has already taken off the `>` and list markers when a line gets here. A site adds labels
to any field in site.yaml: `fields: {code: [实现, Implementation]}`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "url": (
        "URL", "arXiv", "Paper", "论文", "论文地址", "论文链接", "文章地址", "原文", "原文链接",
        "PDF", "链接", "地址", "Link", "Abs", "Abstract page",
    ),
    "code": (
        "Official Code", "Code", "代码", "代码地址", "代码链接", "GitHub", "开源代码", "源码",
        "官方代码", "项目代码", "Repo", "Repository", "Source code",
    ),
    "affiliations": (
        "单位", "机构", "作者单位", "研究机构", "Affiliation", "Affiliations", "Institution",
        "Institutions", "Organization", "Organizations",
    ),
    "authors": ("作者", "Author", "Authors", "作者列表"),
    "venue": (
        "会议", "期刊", "会议/期刊", "发表", "发表于", "收录", "录用", "Venue", "Conference",
        "Journal", "Published in", "Accepted at", "Accepted by",
    ),
    "type": ("类型", "文章类型", "论文类型", "Type", "Paper type"),
    "title": ("标题", "论文标题", "英文标题", "原标题", "Title", "Paper title"),
    "translated_title": ("中文标题", "译名", "中文名", "标题翻译", "中文翻译", "Translated title"),
    "published": ("发布日期", "发布时间", "发表日期", "发表时间", "提交日期", "Published", "Publication date"),
    "summary": ("TL;DR", "TLDR", "一句话总结", "一句话概括", "Summary", "摘要", "Abstract"),
}  # fmt: skip
FIELD_NAMES = tuple(FIELD_LABELS)

# Reposts copied from HTML end each field line with a `<br>`: the line break, not the value's. Matched
# at the start of the reversed line (without_trailing_breaks): searched for as `(?:<br>\s*)+$`, the
# run of breaks was tried again from each break in it, and from each `<br>` of a line of them.
REVERSED_TRAILING_BREAKS = re.compile(r"(?:\s*>/?\s*rb<)+", re.IGNORECASE)
# Chinese reposts put the label in lenticular brackets: "【论文地址】https://..." (a colon optional).
BRACKET_LABEL = re.compile(r"^【([^】\n]{1,20})】\s*[:：]?(.*)$", re.DOTALL)
# The bold part is read by one run of [^*_\n] and trimmed in bold_label(): the spaces around the
# label and its colon written as `\s*` quantifiers beside a lazy label took minutes on a line of a
# few thousand spaces without a closing `**` (each quantifier tried every split of the run).
BOLD_LABEL = re.compile(r"^(\*\*|__)([^*_\n]*)\1(.*)$", re.DOTALL)
# The label is all before the first colon (trimmed in _field): a lazy label and `\s*` before the
# colon tried every split of a run of spaces, quadratic in a line of them without a colon.
PLAIN_LABEL = re.compile(r"^([^:：\n]+)(?:：|:(?!//))(.*)$", re.DOTALL)
COLON = re.compile(r"^\s*(?:：|:(?!//))")
# Written before a label for decoration: "📄 **Paper**:", "- 🔗 链接：".
DECORATION = re.compile(r"^[\s\u200d\ufe0f\U0001f000-\U0001faff\u2190-\u2bff]+")
# A label is a name, not a sentence, a link or code: "本文提出了一种方法，效果：" is prose.
NOT_A_LABEL = re.compile(r"[。，！？!?；,\[\]`$*]|https?$")


@dataclass(frozen=True)
class Labels:
    """Normalised label -> field name, for the built-in labels and the site's own."""

    roles: Mapping[str, str]

    def role(self, label: str) -> str:
        """The field a label names ('url', 'code', ...), or '' for a label the table does not know."""
        return self.roles.get(label_key(label), "")


# What a label's words may be joined or surrounded with: spaces, `_`, hyphens, and the invisible
# characters that text copied from web pages carries (a soft hyphen, zero-width spaces and joiners,
# direction marks, a byte-order mark), which NFKC keeps and `\s` does not match.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
LABEL_NOISE = re.compile(rf"[\s_\-·{INVISIBLE}]+")
# What a label is shown without at its ends (str.strip: a regex anchored at the end is quadratic).
LABEL_EDGES = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + INVISIBLE


def label_key(label: str) -> str:
    """'Official Code', 'official-code', 'ＯＦＦＩＣＩＡＬ　CODE', '单位\\u200b' -> 'officialcode', '单位'."""
    return LABEL_NOISE.sub("", unicodedata.normalize("NFKC", label)).casefold()


def field_labels(extra: Mapping[str, Sequence[str]] | None = None) -> Labels:
    """The label table, with the site's `fields:` labels (field name -> labels) added."""
    return _labels(tuple(sorted((name, tuple(labels)) for name, labels in (extra or {}).items())))


@lru_cache(maxsize=8)
def _labels(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> Labels:
    roles = {label_key(label): name for name, labels in FIELD_LABELS.items() for label in labels}
    roles.update({label_key(label): name for name, labels in extra for label in labels})
    return Labels(MappingProxyType(roles))


def labels_table() -> str:
    """The built-in labels as a Markdown table (README.md embeds it; a test keeps it in sync)."""
    rows = ["| field | labels |", "|---|---|"]
    rows += [f"| `{name}` | {', '.join(labels)} |" for name, labels in FIELD_LABELS.items()]
    return "\n".join(rows)


@dataclass(frozen=True)
class FieldLine:
    label: str  # as written, e.g. "Official Code"
    role: str  # the field it names, or "" when the label is not in the table
    value: str  # the rest of the line, Markdown as written
    marked: bool  # the label was bold: a label whatever its words

    def counts(self, in_list: bool) -> bool:
        """Known labels always count; others only when written as labels (bold or a list item), so
        that a translated title like "PMC-LLaMA: 用医学论文..." stays a title."""
        return bool(self.role) or self.marked or in_list


def read_field(line: str, labels: Labels) -> FieldLine | None:
    """`Label: value` in any of its spellings, or None for a line that is not a field."""
    line = without_trailing_breaks(DECORATION.sub("", line.strip()))
    bracket = BRACKET_LABEL.match(line)
    if bracket and labels.role(bracket.group(1)):  # not "【1】Title" nor "【ViViT】A Video ..."
        return _field(bracket.group(1), bracket.group(2), False, labels)
    bold = bold_label(line)
    if bold:
        label, inner_colon, rest = bold
        colon = COLON.match(rest)
        if inner_colon or colon:
            return _field(label, rest[colon.end() :] if colon and not inner_colon else rest, True, labels)
    plain = PLAIN_LABEL.match(line)
    return _field(plain.group(1), plain.group(2), False, labels) if plain else None


def without_trailing_breaks(line: str) -> str:
    """The line without the `<br>`s (and spaces) at its end: 'a<br> <BR/>' -> 'a'."""
    m = REVERSED_TRAILING_BREAKS.match(line[::-1])
    return line[: len(line) - m.end()] if m else line


def bold_label(line: str) -> tuple[str, str, str] | None:
    """(label, the colon inside the bold or '', the rest of the line) of `**Label:** rest` or
    `**Label**: rest`; None when the line starts with no bold text."""
    m = BOLD_LABEL.match(line)
    if not m or not m.group(2):
        return None
    inner, rest = m.group(2).strip(), m.group(3)
    label, colon = inner[:-1].rstrip(), inner[-1:]
    if colon in (":", "：") and label:
        return label, colon, rest
    return inner or m.group(2), "", rest  # only spaces: no label (_field), and no other reading


def _field(label: str, value: str, marked: bool, labels: Labels) -> FieldLine | None:
    label = DECORATION.sub("", label).strip(LABEL_EDGES)
    if not label or NOT_A_LABEL.search(label):
        return None
    return FieldLine(label, labels.role(label), value.strip(), marked)


def strip_block_markers(line: str) -> str:
    """A source line without its quote and list markers: '> - **代码**: x' -> '**代码**: x'."""
    return LINE_MARKERS.sub("", line)


LINE_MARKERS = re.compile(r"^\s{0,3}(?:>\s?)*\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?")
