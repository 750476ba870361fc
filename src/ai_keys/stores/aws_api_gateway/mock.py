"""Mock outputs of what the ``aws-api-gateway`` store creates: the API key, the usage plan and the plan key, as
API Gateway returns them (the copy in Secrets Manager is the ``aws-secrets-manager`` store's).

The AWS mock cloud's helpers (:mod:`ai_keys.testing.mock_clouds.aws`) are imported when a filler runs: the mock
engine loads this table when it is imported itself, and importing no testing module here keeps the store's entry
light.
"""

from collections.abc import Mapping
from typing import Any, Callable

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def _api_key(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_alnum, stable_id
    from ...testing.mock_clouds.aws import autonamed, region_of

    key_id = stable_id("apikey", name, length=10)
    value = inputs.get("value") or stable_alnum("apikey-value", name, length=40)
    return key_id, {
        **inputs,
        "name": autonamed(name, inputs),
        "value": value,
        "arn": f"arn:aws:apigateway:{region_of(inputs)}::/apikeys/{key_id}",
        "enabled": inputs.get("enabled", True),
        "createdDate": "2026-01-01T00:00:00Z",
        "lastUpdatedDate": "2026-01-01T00:00:00Z",
        "tagsAll": inputs.get("tags", {}),
    }


def _usage_plan(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_id
    from ...testing.mock_clouds.aws import autonamed, region_of

    plan_id = stable_id("usageplan", name, length=6)
    return plan_id, {
        **inputs,
        "name": autonamed(name, inputs),
        "arn": f"arn:aws:apigateway:{region_of(inputs)}::/usageplans/{plan_id}",
        "tagsAll": inputs.get("tags", {}),
    }


def _usage_plan_key(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.aws import plain

    key_id = str(plain(inputs.get("keyId", "")))
    api_key = states.get(key_id, {})
    # Like AWS, the plan key echoes the API key's name and value (the value in plaintext).
    return key_id, {**inputs, "name": api_key.get("name", key_id), "value": plain(api_key.get("value", ""))}


MOCK_OUTPUTS: Mapping[str, Filler] = {
    "aws:apigateway/apiKey:ApiKey": _api_key,
    "aws:apigateway/usagePlan:UsagePlan": _usage_plan,
    "aws:apigateway/usagePlanKey:UsagePlanKey": _usage_plan_key,
}
"""By resource type: ``(name, inputs, states by id) -> (id, state)``."""
MOCK_CALLS: Mapping[str, Callable[[State], State]] = {}
"""The store makes no invoke of its own."""
