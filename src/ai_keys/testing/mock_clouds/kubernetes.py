"""Mock outputs for the Kubernetes provider (pulumi-kubernetes): an object's id is ``namespace/name`` (or its name
alone when it has no namespace), as the provider's is, and the API server adds a ``uid`` and a
``resourceVersion``."""

from typing import Any, Optional

from ._ids import stable_uuid

State = dict[str, Any]


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for any Kubernetes object with a name, else ``None`` (a provider resource, say)."""
    del states_by_id
    metadata = inputs.get("metadata")
    if not type_.startswith("kubernetes:") or not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        return None
    namespace = metadata.get("namespace")
    object_id = f"{namespace}/{metadata['name']}" if isinstance(namespace, str) and namespace else metadata["name"]
    filled = {**metadata, "uid": stable_uuid(type_, object_id), "resourceVersion": "1", "generation": 1}
    return object_id, {**inputs, "metadata": filled}


def call(token: str, args: State) -> Optional[State]:
    """The component makes no Kubernetes invokes."""
    del token, args
    return None


__all__ = ["call", "outputs"]
