"""The multi-language provider: serves :class:`~ai_keys.SecureApiKey` to TypeScript, Go, C#, Java and YAML.

``pulumi package add <this repository>`` makes the Pulumi CLI create the plugin's virtualenv (``venv/``, from
``requirements.txt``: this project with every backend's SDK) and run the repository's root ``__main__.py``,
which calls :func:`main`. The schema the other languages see is inferred from the type annotations of
``SecureApiKey`` and ``SecureApiKeyArgs``; :func:`schema` computes it in-process (no CLI needed), which is
how ``schema.json`` is generated and checked.

Importing this module loads no cloud SDK; the Pulumi provider machinery is imported only when used.
"""

import gc
import json
from typing import Any

from ._version import __version__
from .component import SecureApiKey

__all__ = ["COMPONENTS", "PROVIDER_NAME", "main", "schema", "schema_json"]

PROVIDER_NAME = "ai-keys"
"""The Pulumi package name: the first part of every type token (``ai-keys:index:SecureApiKey``)."""

COMPONENTS: tuple[type[SecureApiKey], ...] = (SecureApiKey,)
"""The components the provider serves."""


def schema() -> dict[str, Any]:
    """The Pulumi package schema other languages are generated from, as the provider would serve it."""
    from pulumi.provider.experimental.component import ComponentProvider

    # The analyzer reads field docstrings with ast.parse and silently drops them if it fails. A garbage
    # collection finalizing abandoned coroutines in the middle of a parse can make it fail (CPython 3.11
    # "AST constructor recursion depth mismatch"), so collect before analysing.
    gc.collect()
    provider = ComponentProvider(list(COMPONENTS), PROVIDER_NAME, None, __version__)
    assert provider.schema is not None
    document: dict[str, Any] = json.loads(provider.schema)
    return document


def schema_json() -> str:
    """:func:`schema` rendered the way ``schema.json`` is committed: 2-space indent, sorted keys, final newline."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Serve the components over gRPC to the Pulumi engine (the engine passes its address in ``sys.argv``)."""
    from pulumi.provider.experimental import component_provider_host

    # Explicit name and version: the bootstrap-less host would report version 0.0.0 to generated SDKs.
    component_provider_host(components=list(COMPONENTS), name=PROVIDER_NAME, version=__version__)
