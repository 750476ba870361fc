"""What registering a ``SecureApiKey`` asks of the Pulumi SDK beyond its children (the figures are in
``benchmarks/component_overhead.py``)."""

import inspect
from typing import Any

import pulumi
from pulumi import _types

from ai_keys import SecureApiKey
from ai_keys.provider import schema

OUTPUTS = {
    "backend",
    "secret_id",
    "secret_ref",
    "version_id",
    "value",
    "kms_key_id",
    "api_key_id",
    "usage_plan_id",
    "issued_key_id",
    "kubernetes_secret",
    "esc_environment",
}


def declared_outputs(cls: type) -> dict[str, Any]:
    """The annotations a type checker or the schema analyzer sees: the class's and its bases', as the analyzer
    collects them (Pulumi's own base classes left out)."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass not in (object, pulumi.Resource, pulumi.ComponentResource):
            found.update(inspect.get_annotations(klass))
    return found


def test_the_sdk_has_no_output_annotations_to_resolve_at_each_registration() -> None:
    # The SDK re-derives these type hints for every registration of the class (uncached); a component gets no
    # outputs back from the engine to translate with them.
    assert inspect.get_annotations(SecureApiKey) == {}
    assert _types.resource_types(SecureApiKey) == {}


def test_every_output_is_still_declared_with_its_type() -> None:
    declared = declared_outputs(SecureApiKey)
    assert set(declared) == OUTPUTS
    for name, annotation in declared.items():
        assert getattr(annotation, "__origin__", None) is pulumi.Output, name


def test_every_output_keeps_its_description_in_the_schema() -> None:
    properties = schema()["resources"]["ai-keys:index:SecureApiKey"]["properties"]
    described = {name for name, prop in properties.items() if prop.get("description")}
    assert len(described) == len(OUTPUTS) == len(properties), sorted(properties)
