"""`{% once key %}...{% endonce %}`: a template fragment rendered once per build.

Every page carries the same frame (the links of the head, the header, the footer): at 10,000
digests it was made 80,000 times over, through some 30 helper calls a page. A fragment in `once`
is rendered the first time a build reaches it and its copy is used after that, for the same
template being rendered (whose blocks it may show), the same place in the templates and the same
`key` (what in the fragment differs between pages, e.g. the frame's language). Anything else it
shows must be the same on every page of a build: the site's settings, its words, its links.
`reset` forgets every copy; the build calls it before it renders, as the environment outlives a
build in the dev server. This is the fragment cache of Jinja's extension documentation, with the
build as its lifetime.
"""

from __future__ import annotations

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension


class Once(Extension):
    tags = {"once"}

    def __init__(self, environment: jinja2.Environment):
        super().__init__(environment)
        environment.extend(once_fragments={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = nodes.Const(None) if parser.stream.current.type == "block_end" else parser.parse_expression()
        body = parser.parse_statements(("name:endonce",), drop_needle=True)
        where = nodes.Const(f"{parser.name}:{lineno}")
        call = self.call_method("_fragment", [nodes.ContextReference(), where, key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, context, where: str, key, caller) -> str:
        fragments = self.environment.once_fragments  # type: ignore[attr-defined]
        found = (context.name, where, key)
        if found not in fragments:
            fragments[found] = caller()
        return fragments[found]


def reset(env: jinja2.Environment) -> None:
    """Forget every fragment: a new build may have other settings, words or site."""
    env.once_fragments.clear()  # type: ignore[attr-defined]
