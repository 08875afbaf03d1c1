"""`paperdigest build --profile`: where the time of one build went, stage by stage."""

from __future__ import annotations

from paperdigest.build import BuildResult

# The stages in pipeline order, with what each covers; stages added by other features follow.
STAGES = {
    "parse": "read, hash and parse digests (cache hits are not parsed)",
    "group": "merge papers, dates, categories",
    "plan": "list pages and fingerprint what each is made from",
    "render": "render changed pages through the templates",
    "write": "write changed files, static assets, move into place",
    "search": "build the search index",
}


def profile_report(result: BuildResult) -> str:
    lines = [f"{'stage':<10} {'seconds':>8} {'share':>6}  what"]
    names = [n for n in STAGES if n in result.timings] + [n for n in result.timings if n not in STAGES]
    for name in names:
        seconds = result.timings[name]
        share = seconds / result.seconds if result.seconds else 0.0
        lines.append(f"{name:<10} {seconds:8.2f} {share:6.0%}  {STAGES.get(name, '')}".rstrip())
    lines.append(f"{'total':<10} {result.seconds:8.2f} {1:6.0%}")
    lines.append(
        f"digests: {result.parsed} parsed, {result.cached} from cache, {result.remembered} from memory; "
        f"files: {result.rendered} rendered, {result.written} written, {result.pages} pages in the site"
    )
    return "\n".join(lines)
