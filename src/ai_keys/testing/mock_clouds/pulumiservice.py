"""Mock outputs for the Pulumi Service provider (pulumi-pulumiservice): an ESC environment's id is
``org/project/env`` and each write is a new revision, as the provider's are."""

from typing import Any, Optional

from ._ids import stable_uuid

State = dict[str, Any]


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for an ESC environment, else ``None``."""
    del name, states_by_id
    if type_ != "pulumiservice:index:Environment":
        return None
    project = inputs.get("project") or "default"
    environment_id = f"{inputs.get('organization')}/{project}/{inputs.get('name')}"
    return environment_id, {**inputs, "project": project, "revision": 1, "environmentId": stable_uuid(type_, environment_id)}


def call(token: str, args: State) -> Optional[State]:
    """The component makes no Pulumi Service invokes."""
    del token, args
    return None


__all__ = ["call", "outputs"]
