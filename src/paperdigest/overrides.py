"""papers.yaml beside site.yaml: the site's own word on any paper, by id. It wins over the digests.

    2402.00838:                                   # arXiv id (or arXiv URL), or a title-slug id
      title: "OLMo: Accelerating the Science of Language Models"
      authors: [Dirk Groeneveld, Iz Beltagy]      # a list, or one string split on commas
      affiliations: Allen Institute for AI, University of Washington
      links:
        Weights: https://huggingface.co/allenai/OLMo-7B

Every value is read as text (so 2402.00840 keeps its last zero); nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from paperdigest.boundary import leaves, link_problem
from paperdigest.errors import Problem, did_you_mean
from paperdigest.model import Link, Paper
from paperdigest.parse import papers as ids
from paperdigest.parse.affiliations import split_affiliations
from paperdigest.parse.source import encoding_of

FILE_NAME = "papers.yaml"
TEXT_FIELDS = {
    "title": "title",
    "translated_title": "translated_title",
    "venue": "venue",
    "url": "url",
    "code": "code_url",
}
LIST_FIELDS = ("authors", "affiliations")
FIELDS = (*TEXT_FIELDS, *LIST_FIELDS, "links")
NULLS = {"null", "Null", "NULL", "~", ""}  # YAML's null, written without quotes


@dataclass(frozen=True)
class PaperOverride:
    id: str
    line: int
    values: dict  # Paper field name -> new value


def load_overrides(root: Path) -> tuple[dict[str, PaperOverride], list[Problem]]:
    """The overrides in root/papers.yaml (none when the file is absent) and located problems."""
    path = root / FILE_NAME
    if not path.is_file():
        return {}, []
    if leaves(path, root.resolve()):  # a link out of the site: never read (see paperdigest.boundary)
        return {}, [link_problem(path, root)]
    raw = path.read_bytes()
    encoding = encoding_of(raw)  # read as digests and site.yaml are: UTF-16/UTF-32 with their BOM too
    try:
        node = yaml.compose(raw.decode(encoding), Loader=yaml.BaseLoader)
    except UnicodeDecodeError as exc:  # Latin-1 or GBK: the line of the first byte that is not text
        before = raw[: exc.start].decode(encoding, errors="replace")
        line = before.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        name = {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
        message = f"not {name} text (byte 0x{raw[exc.start]:02x}): save papers.yaml as UTF-8"
        return {}, [Problem(FILE_NAME, line, "error", message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        return {}, [Problem(FILE_NAME, mark.line + 1 if mark else None, "error", f"invalid YAML: {reason}")]
    except RecursionError:
        return {}, [Problem(FILE_NAME, None, "error", "invalid YAML: nested too deeply to read")]
    if node is None:
        return {}, []
    if not isinstance(node, yaml.MappingNode):
        return {}, [Problem(FILE_NAME, 1, "error", "papers.yaml must map paper ids to their fields")]
    overrides, problems = {}, []
    for key_node, value_node in node.value:
        key, line = plain(key_node), key_node.start_mark.line + 1
        # Any form of an arXiv id finds its paper: a URL, `2402.00838v2`, `math.AG/0601001`.
        pid = ids.arxiv_id(key) or ids.bare_arxiv_id(key) or key.strip()
        if not pid:
            problems.append(
                Problem(FILE_NAME, line, "error", "an entry without a paper id (an arXiv id or URL)")
            )
            continue
        if pid in overrides:  # YAML would keep the last entry silently; an arXiv URL and its id too
            message = f"paper {pid} is given twice (lines {overrides[pid].line} and {line}); this entry is not applied"
            problems.append(Problem(FILE_NAME, line, "error", message))
            continue
        if not isinstance(value_node, yaml.MappingNode):
            problems.append(Problem(FILE_NAME, line, "error", f"paper {pid}: expected a mapping of fields"))
            continue
        values, problems_of_entry = read_entry(pid, value_node)
        problems += problems_of_entry
        overrides[pid] = PaperOverride(pid, line, values)
    return overrides, problems


def read_entry(pid: str, node: yaml.MappingNode) -> tuple[dict, list[Problem]]:
    """The Paper fields one entry sets, and located problems: a field of the wrong type or given
    twice is an error and left out (the rest of the entry applies), an unknown field a warning."""
    values, problems, seen = {}, [], {}
    for field_node, field_value in node.value:
        name, line = plain(field_node), field_node.start_mark.line + 1
        if name in seen:
            message = f"paper {pid}: {name} is given twice (lines {seen[name]} and {line}); the first is kept"
            problems.append(Problem(FILE_NAME, line, "error", message))
            continue
        seen[name] = line
        if name not in FIELDS:
            message = f"paper {pid}: unknown field '{name}'{did_you_mean(name, FIELDS)} (known: {', '.join(FIELDS)})"
            problems.append(Problem(FILE_NAME, line, "warning", message))
            continue
        try:
            values.update(read_field(name, field_value))
        except ValueError as exc:
            problems.append(Problem(FILE_NAME, line, "error", f"paper {pid}: {exc}"))
    return values, problems


def plain(node: yaml.Node) -> str:
    """A scalar's text; '' for an unquoted null or ~ (`venue: null` clears the venue, it does not
    name a venue 'null'), and for a list or mapping."""
    if not isinstance(node, yaml.ScalarNode):
        return ""
    if node.style is None and node.value in NULLS:
        return ""
    return node.value.strip()


def read_field(name: str, node: yaml.Node) -> dict:
    if name in TEXT_FIELDS:
        if not isinstance(node, yaml.ScalarNode):
            raise ValueError(f"{name} must be text")
        value = plain(node)
        if name == "title" and not value:  # a paper page and every list would show no title
            raise ValueError("title is empty")
        if name == "title":  # the digests' typeset form and formulas no longer apply
            return {name: value, "title_html": "", "title_tex": ()}
        if name == "translated_title":
            return {name: value, f"{name}_html": ""}
        return {TEXT_FIELDS[name]: ids.code_url(value) if name == "code" else value}
    if name in LIST_FIELDS:
        if isinstance(node, yaml.SequenceNode):
            return {name: tuple(plain(item) for item in node.value if plain(item))}
        if isinstance(node, yaml.ScalarNode):
            return {name: split_affiliations(plain(node))}
        raise ValueError(f"{name} must be a list or text")
    if name == "links":
        if not isinstance(node, yaml.MappingNode):
            raise ValueError("links must map labels to URLs")
        links = []
        for label, url in node.value:
            target, note = ids.split_url_and_note(plain(url))
            links.append(Link(plain(label), target, note if target else plain(url)))
        return {"links": tuple(links)}
    raise AssertionError(f"not a field: {name}")  # read_entry passes only FIELDS


def apply_overrides(
    papers: dict[str, Paper], overrides: dict[str, PaperOverride]
) -> tuple[dict[str, Paper], list[Problem]]:
    result, problems = dict(papers), []
    for pid, override in overrides.items():
        paper = result.get(pid)
        if paper is None:
            msg = f"paper {pid} is not mentioned in any digest; its entry is unused"
            problems.append(Problem(FILE_NAME, override.line, "warning", msg))
            continue
        values = dict(override.values)
        if "links" in values:  # given labels replace the digests' links of the same label
            given = {link.label for link in values["links"]}
            values["links"] = (*values["links"], *(link for link in paper.links if link.label not in given))
        result[pid] = replace(paper, **values)
    return result, problems
