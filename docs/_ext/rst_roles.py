"""A griffe extension for the API reference: the docstrings' reStructuredText roles read as Markdown.

The docstrings write cross-references the Sphinx way (``:class:`KeyCache` ``, ``:func:`ai_keys.testing.mock_pulumi` ``)
and end a paragraph with ``::`` before an indented example. mkdocstrings renders Markdown, where those show as
literal text, so this extension rewrites them when griffe loads each object: a role becomes inline code (``KeyCache``)
and ``::`` a colon. The source is not changed. mkdocs.yml loads it by path (``docs/_ext/rst_roles.py``).
"""

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):`~?\.?([^`]+)`")
LITERAL_MARKER = re.compile(r"(?<=\S)::(?=\n\s*\n)")


def markdown_of(text: str) -> str:
    """``text`` with reST roles as inline code and the literal-block marker ``::`` as ``:``."""
    return LITERAL_MARKER.sub(":", ROLE.sub(r"`\1`", text))


class RstRoles(griffe.Extension):
    """Rewrites every docstring griffe loads (see the module's docstring)."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_of(obj.docstring.value)
