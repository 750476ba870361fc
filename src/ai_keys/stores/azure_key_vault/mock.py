"""Mock outputs of what the ``azure-key-vault`` store creates: the vault, the secret, role assignments, the
Event Grid subscription and the vault's diagnostic setting, with the ARM ids, URIs and names Azure returns.

The Azure mock cloud's helpers (:mod:`ai_keys.testing.mock_clouds.azure`) are imported when a filler runs: the
mock engine loads this table when it is imported itself, and importing no testing module here keeps the store's
entry light. The invokes the store makes (the client config, an existing vault) are the mock cloud's.
"""

from collections.abc import Mapping
from typing import Any, Callable

from pulumi.runtime import rpc

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]
CREATED_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
_HEX = "0123456789abcdef"


def _fill_keeping_secrecy(value: Any, fill: Callable[[State], State]) -> Any:
    """``fill`` applied to a dict input; an input holding a secret arrives (and is returned) as one secret
    envelope around the whole dict, as the engine keeps it."""
    if rpc.is_rpc_secret(value):
        return rpc.wrap_rpc_secret(fill(dict(rpc.unwrap_rpc_secret(value) or {})))
    return fill(dict(value or {}))


def _vault(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.azure import VAULT_DOMAIN, autonamed, location_of_group, plain, vault_id

    group = str(plain(inputs.get("resourceGroupName", "")))
    vault = autonamed(name, inputs, "vaultName")
    properties = dict(inputs.get("properties") or {})
    properties.update(
        {
            "vaultUri": f"https://{vault}.{VAULT_DOMAIN}/",
            "provisioningState": "Succeeded",
            "hsmPoolResourceId": "",
            "privateEndpointConnections": [],
            "accessPolicies": properties.get("accessPolicies") or [],
        }
    )
    state = {
        **inputs,
        "name": vault,
        "location": plain(inputs.get("location")) or location_of_group(group, states),
        "type": "Microsoft.KeyVault/vaults",
        "properties": properties,
        "azureApiVersion": "2024-11-01",
        "systemData": {"createdAt": "2026-01-01T00:00:00Z", "createdByType": "User"},
    }
    return vault_id(group, vault), state


def _secret(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_id
    from ...testing.mock_clouds.azure import LOCATION, VAULT_DOMAIN, autonamed, plain, vault_id

    group = str(plain(inputs.get("resourceGroupName", "")))
    vault = str(plain(inputs.get("vaultName", "")))
    secret = autonamed(name, inputs, "secretName", top_level=False)
    version = stable_id("secret-version", group, vault, secret, length=32, alphabet=_HEX)
    uri = f"https://{vault}.{VAULT_DOMAIN}/secrets/{secret}"

    def fill(properties: State) -> State:
        attributes = dict(properties.get("attributes") or {})
        attributes.update({"enabled": attributes.get("enabled", True), "created": CREATED_EPOCH, "updated": CREATED_EPOCH})
        return {**properties, "secretUri": uri, "secretUriWithVersion": f"{uri}/{version}", "attributes": attributes}

    # The value is echoed inside its secret envelope, as the engine keeps inputs; Azure itself never returns it.
    properties = _fill_keeping_secrecy(inputs.get("properties"), fill)
    vault_state = states.get(vault_id(group, vault), {})
    state = {
        **inputs,
        "name": secret,
        "location": plain(vault_state.get("location")) or LOCATION,
        "type": "Microsoft.KeyVault/vaults/secrets",
        "properties": properties,
        "azureApiVersion": "2024-11-01",
    }
    return f"{vault_id(group, vault)}/secrets/{secret}", state


def _role_assignment(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_uuid
    from ...testing.mock_clouds.azure import DEPLOYER_OBJECT_ID, plain

    scope = str(plain(inputs.get("scope", "")))
    assignment = plain(inputs.get("roleAssignmentName")) or stable_uuid("role-assignment", name)
    state = {
        **inputs,
        "name": assignment,
        "type": "Microsoft.Authorization/roleAssignments",
        "principalType": plain(inputs.get("principalType")) or "User",
        "createdOn": "2026-01-01T00:00:00.0000000Z",
        "updatedOn": "2026-01-01T00:00:00.0000000Z",
        "createdBy": DEPLOYER_OBJECT_ID,
        "updatedBy": DEPLOYER_OBJECT_ID,
        "azureApiVersion": "2022-04-01",
    }
    return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment}", state


def _event_subscription(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.azure import autonamed, plain

    scope = str(plain(inputs.get("scope", "")))
    subscription = autonamed(name, inputs, "eventSubscriptionName", top_level=False)
    state = {
        **inputs,
        "name": subscription,
        "type": "Microsoft.EventGrid/eventSubscriptions",
        "topic": scope,
        "provisioningState": "Succeeded",
        "azureApiVersion": "2025-02-15",
    }
    return f"{scope}/providers/Microsoft.EventGrid/eventSubscriptions/{subscription}", state


def _diagnostic_setting(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.azure import autonamed, plain

    scope = str(plain(inputs.get("resourceUri", "")))
    setting = autonamed(name, inputs, "name", top_level=False)
    state = {**inputs, "name": setting, "type": "Microsoft.Insights/diagnosticSettings", "azureApiVersion": "2021-05-01-preview"}
    return f"{scope}/providers/Microsoft.Insights/diagnosticSettings/{setting}", state


MOCK_OUTPUTS: Mapping[str, Filler] = {
    "azure-native:keyvault:Vault": _vault,
    "azure-native:keyvault:Secret": _secret,
    "azure-native:authorization:RoleAssignment": _role_assignment,
    "azure-native:eventgrid:EventSubscription": _event_subscription,
    "azure-native:monitor:DiagnosticSetting": _diagnostic_setting,
}
"""By resource type: ``(name, inputs, states by id) -> (id, state)``."""
MOCK_CALLS: Mapping[str, Callable[[State], State]] = {}
"""The store's invokes (the client config, an existing vault) are the Azure mock cloud's, which tests replace."""
