"""Mock outputs for azure resources."""

from typing import Any, Optional


def outputs(
    type_: str, name: str, inputs: dict[str, Any], states_by_id: dict[str, dict[str, Any]]
) -> Optional[tuple[str, dict[str, Any]]]:
    return None


def call(token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
    return None
