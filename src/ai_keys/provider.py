"""The multi-language provider: serves :class:`~ai_keys.SecureApiKey` to TypeScript, Go, C#, Java and YAML.

``pulumi package add <this repository>`` makes the Pulumi CLI create the plugin's virtualenv (``venv/``, from
``requirements.txt``: this project with every backend's SDK) and run the repository's root ``__main__.py``,
which calls :func:`main`. The schema the other languages see is inferred from the type annotations of
``SecureApiKey`` and ``SecureApiKeyArgs``; :func:`schema` computes it in-process (no CLI needed), which is
how ``schema.json`` is generated and checked.

Inference cannot tell which properties are secret, so the provider marks them (:data:`SECRET_PROPERTIES`)
in the schema it serves: generated TypeScript, Go, C#, Java and YAML SDKs then wrap those values as
secrets, and a plain string passed from those languages never reaches the state in plaintext. Descriptions
come from docstrings; the provider dedents them so they read as Markdown in generated SDK docs.

Importing this module loads no cloud SDK; the Pulumi provider machinery is imported only when used.
"""

import gc
import inspect
import json
import sys
from typing import Any

from ._version import __version__
from .component import SecureApiKey

__all__ = ["COMPONENTS", "PROVIDER_NAME", "SECRET_PROPERTIES", "main", "schema", "schema_json"]

PROVIDER_NAME = "ai-keys"
"""The Pulumi package name: the first part of every type token (``ai-keys:index:SecureApiKey``)."""

COMPONENTS: tuple[type[SecureApiKey], ...] = (SecureApiKey,)
"""The components the provider serves."""

SECRET_PROPERTIES: tuple[tuple[str, str, str], ...] = (
    ("resources", "ai-keys:index:SecureApiKey", "inputProperties.value"),
    ("resources", "ai-keys:index:SecureApiKey", "properties.value"),
    ("types", "ai-keys:index:RotationArgs", "properties.azureWebhookUrl"),
    ("types", "ai-keys:index:ApiGatewayIssuerArgs", "properties.value"),
    ("types", "ai-keys:index:OpenAiIssuerArgs", "properties.adminKey"),
)
"""Properties the served schema marks ``"secret": true``: (section, token, property path)."""


def schema() -> dict[str, Any]:
    """The Pulumi package schema other languages are generated from, exactly as the provider serves it."""
    document: dict[str, Any] = json.loads(_provider().schema or "{}")
    return document


def schema_json() -> str:
    """:func:`schema` rendered the way ``schema.json`` is committed: 2-space indent, sorted keys, final newline."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Serve the components over gRPC to the Pulumi engine (the engine passes its address in ``sys.argv``)."""
    from pulumi.provider import main as serve

    serve(_provider(), sys.argv[1:])


def _provider() -> Any:
    """The component provider, with the secret flags and Markdown descriptions added to its schema."""
    from pulumi.provider.experimental.component import ComponentProvider

    # The analyzer reads field docstrings with ast.parse and silently drops them if it fails. A garbage
    # collection finalizing abandoned coroutines in the middle of a parse can make it fail (CPython 3.11
    # "AST constructor recursion depth mismatch"), so collect before analysing.
    gc.collect()
    # Explicit name and version: without them generated SDKs would see version 0.0.0.
    provider = ComponentProvider(list(COMPONENTS), PROVIDER_NAME, None, __version__)
    assert provider.schema is not None
    document = json.loads(provider.schema)
    for section, token, path in SECRET_PROPERTIES:
        kind, name = path.split(".")
        document[section][token][kind][name]["secret"] = True
    _markdown_descriptions(document)
    provider.schema = json.dumps(document)
    return provider


def _markdown_descriptions(value: Any) -> None:
    """Make every ``description`` in ``value`` Markdown: dedented (docstring continuation lines keep their
    source indent) and with reStructuredText's double backticks as Markdown's single ones."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                value[key] = inspect.cleandoc(item).replace("``", "`")
            else:
                _markdown_descriptions(item)
    elif isinstance(value, list):
        for item in value:
            _markdown_descriptions(item)
