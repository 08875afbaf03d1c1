"""Regenerate the site.yaml reference and the field-label table in README.md: `python tests/update_readme.py`."""

from __future__ import annotations

import re
from pathlib import Path

from paperdigest.config import reference_table
from paperdigest.parse.fields import labels_table

README = Path(__file__).resolve().parents[1] / "README.md"
GENERATED = {"config-reference": reference_table, "field-labels": labels_table}


def updated(text: str) -> str:
    for name, table in GENERATED.items():
        marker = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        if not marker.search(text):
            raise ValueError(f"README.md has lost its {name} markers")
        text = marker.sub(lambda m, table=table: m.group(1) + table() + "\n" + m.group(2), text)
    return text


if __name__ == "__main__":
    README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
