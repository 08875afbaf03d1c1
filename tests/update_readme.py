"""Regenerate the site.yaml reference in README.md: `python tests/update_readme.py`."""

from __future__ import annotations

import re
from pathlib import Path

from paperdigest.config import reference_table

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = re.compile(r"(<!-- config-reference:start -->\n).*?(<!-- config-reference:end -->)", re.DOTALL)


def updated(text: str) -> str:
    if not MARKER.search(text):
        raise ValueError("README.md has lost its config-reference markers")
    return MARKER.sub(lambda m: m.group(1) + reference_table() + "\n" + m.group(2), text)


if __name__ == "__main__":
    README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
