"""Vendor one KaTeX release from the npm registry into src/paperdigest/katex/.

    python scripts/vendor_katex.py 0.16.22

Keeps what a site needs: katex.min.js (build-time typesetting, browser mode), katex.min.css with
only its woff2 sources (every browser paperdigest's theme supports reads woff2; the woff and ttf
copies would triple the size of every site), fonts/*.woff2 and the licence. Prints the CDN's
subresource-integrity hashes of the unmodified files: put them and the version in config.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src" / "paperdigest" / "katex"
# `,url(fonts/X.woff) format("woff")` and the same for ttf: every font source but the woff2 one.
NON_WOFF2_SOURCE = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def integrity(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def woff2_only(css: str) -> str:
    return NON_WOFF2_SOURCE.sub("", css)


def vendor(version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"katex@{version}"], cwd=tmp, check=True, capture_output=True)
        with tarfile.open(Path(tmp) / f"katex-{version}.tgz") as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        dist = package / "dist"
        shutil.rmtree(TARGET, ignore_errors=True)
        (TARGET / "fonts").mkdir(parents=True)
        shutil.copy(package / "LICENSE", TARGET / "LICENSE")
        shutil.copy(dist / "katex.min.js", TARGET / "katex.min.js")
        css = (dist / "katex.min.css").read_text(encoding="utf-8")
        (TARGET / "katex.min.css").write_text(woff2_only(css), encoding="utf-8")
        for font in sorted((dist / "fonts").glob("*.woff2")):
            shutil.copy(font, TARGET / "fonts" / font.name)
        print(f'KATEX_VERSION = "{version}"')
        for name in ("katex.min.js", "katex.min.css"):
            print(f'"{name}": "{integrity((dist / name).read_bytes())}",')


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    vendor(sys.argv[1])
