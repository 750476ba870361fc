"""Mock outputs for azure-native resources: the ARM ids, URIs and names Azure Resource Manager returns."""

from typing import Any, Callable, Optional

from pulumi.runtime import rpc

from ._ids import autoname, stable_id, stable_uuid

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222"
DEPLOYER_CLIENT_ID = "33333333-3333-3333-3333-333333333333"
LOCATION = "eastus"
CREATED_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
VAULT_DOMAIN = "vault.azure.net"

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]
_HEX = "0123456789abcdef"


def _plain(value: Any) -> Any:
    # Secret inputs arrive as envelopes; names and ids are never secret, so read through them.
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def _fill_keeping_secrecy(value: Any, fill: Callable[[State], State]) -> Any:
    """``fill`` applied to a dict input; an input holding a secret arrives (and is returned) as one secret
    envelope around the whole dict, as the engine keeps it."""
    if rpc.is_rpc_secret(value):
        return rpc.wrap_rpc_secret(fill(dict(rpc.unwrap_rpc_secret(value) or {})))
    return fill(dict(value or {}))


def _autoname(name: str, inputs: State, key: str, *, top_level: bool = True) -> str:
    # azure-native auto-names top-level resources with the logical name plus 8 random hex digits (no
    # hyphen) and child resources (a vault's secrets...) with the logical name as it is.
    given = _plain(inputs.get(key))
    if isinstance(given, str) and given:
        return given
    return f"{name}{autoname(name, length=8, alphabet=_HEX)}" if top_level else name


def _group_id(group: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}"


def _vault_id(group: str, vault: str) -> str:
    return f"{_group_id(group)}/providers/Microsoft.KeyVault/vaults/{vault}"


def _location_of_group(group: str, states: dict[str, State]) -> str:
    location = _plain(states.get(_group_id(group), {}).get("location"))
    return location if isinstance(location, str) and location else LOCATION


def _resource_group(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    group = _autoname(name, inputs, "resourceGroupName")
    location = _plain(inputs.get("location")) or LOCATION
    state = {
        **inputs,
        "name": group,
        "location": location,
        "type": "Microsoft.Resources/resourceGroups",
        "properties": {"provisioningState": "Succeeded"},
        "azureApiVersion": "2024-03-01",
    }
    return _group_id(group), state


def _vault(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(_plain(inputs.get("resourceGroupName", "")))
    vault = _autoname(name, inputs, "vaultName")
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
        "location": _plain(inputs.get("location")) or _location_of_group(group, states),
        "type": "Microsoft.KeyVault/vaults",
        "properties": properties,
        "azureApiVersion": "2024-11-01",
        "systemData": {"createdAt": "2026-01-01T00:00:00Z", "createdByType": "User"},
    }
    return _vault_id(group, vault), state


def _secret(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(_plain(inputs.get("resourceGroupName", "")))
    vault = str(_plain(inputs.get("vaultName", "")))
    secret = _autoname(name, inputs, "secretName", top_level=False)
    version = stable_id("secret-version", group, vault, secret, length=32, alphabet=_HEX)
    uri = f"https://{vault}.{VAULT_DOMAIN}/secrets/{secret}"

    def fill(properties: State) -> State:
        attributes = dict(properties.get("attributes") or {})
        attributes.update({"enabled": attributes.get("enabled", True), "created": CREATED_EPOCH, "updated": CREATED_EPOCH})
        return {**properties, "secretUri": uri, "secretUriWithVersion": f"{uri}/{version}", "attributes": attributes}

    # The value is echoed inside its secret envelope, as the engine keeps inputs; Azure itself never returns it.
    properties = _fill_keeping_secrecy(inputs.get("properties"), fill)
    vault_state = states.get(_vault_id(group, vault), {})
    state = {
        **inputs,
        "name": secret,
        "location": _plain(vault_state.get("location")) or LOCATION,
        "type": "Microsoft.KeyVault/vaults/secrets",
        "properties": properties,
        "azureApiVersion": "2024-11-01",
    }
    return f"{_vault_id(group, vault)}/secrets/{secret}", state


def _role_assignment(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    scope = str(_plain(inputs.get("scope", "")))
    assignment = _plain(inputs.get("roleAssignmentName")) or stable_uuid("role-assignment", name)
    state = {
        **inputs,
        "name": assignment,
        "type": "Microsoft.Authorization/roleAssignments",
        "principalType": _plain(inputs.get("principalType")) or "User",
        "createdOn": "2026-01-01T00:00:00.0000000Z",
        "updatedOn": "2026-01-01T00:00:00.0000000Z",
        "createdBy": DEPLOYER_OBJECT_ID,
        "updatedBy": DEPLOYER_OBJECT_ID,
        "azureApiVersion": "2022-04-01",
    }
    return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment}", state


def _event_subscription(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    scope = str(_plain(inputs.get("scope", "")))
    subscription = _autoname(name, inputs, "eventSubscriptionName", top_level=False)
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
    scope = str(_plain(inputs.get("resourceUri", "")))
    setting = _autoname(name, inputs, "name", top_level=False)
    state = {**inputs, "name": setting, "type": "Microsoft.Insights/diagnosticSettings", "azureApiVersion": "2021-05-01-preview"}
    return f"{scope}/providers/Microsoft.Insights/diagnosticSettings/{setting}", state


def _user_assigned_identity(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(_plain(inputs.get("resourceGroupName", "")))
    identity = _autoname(name, inputs, "resourceName")
    resource_id = f"{_group_id(group)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}"
    return resource_id, {
        **inputs,
        "name": identity,
        "location": _plain(inputs.get("location")) or _location_of_group(group, states),
        "principalId": stable_uuid("principal", name),
        "clientId": stable_uuid("client", name),
        "tenantId": TENANT_ID,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
    }


_FILLERS: dict[str, Filler] = {
    "azure-native:managedidentity:UserAssignedIdentity": _user_assigned_identity,
    "azure-native:resources:ResourceGroup": _resource_group,
    "azure-native:keyvault:Vault": _vault,
    "azure-native:keyvault:Secret": _secret,
    "azure-native:authorization:RoleAssignment": _role_assignment,
    "azure-native:eventgrid:EventSubscription": _event_subscription,
    "azure-native:monitor:DiagnosticSetting": _diagnostic_setting,
}


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for a known azure-native type, else ``None``."""
    filler = _FILLERS.get(type_)
    return filler(name, inputs, states_by_id) if filler else None


def _existing_vault(group: str, vault: str) -> State:
    """An existing vault as ``getVault`` returns it: a current default vault (RBAC authorization)."""
    return {
        "id": _vault_id(group, vault),
        "name": vault,
        "location": LOCATION,
        "type": "Microsoft.KeyVault/vaults",
        "tags": {},
        "azureApiVersion": "2024-11-01",
        "properties": {
            "tenantId": TENANT_ID,
            "sku": {"family": "A", "name": "standard"},
            "vaultUri": f"https://{vault}.{VAULT_DOMAIN}/",
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
            "provisioningState": "Succeeded",
            "hsmPoolResourceId": "",
            "privateEndpointConnections": [],
            "accessPolicies": [],
        },
    }


def call(token: str, args: State) -> Optional[State]:
    """Results of the azure-native invokes the component uses."""
    if token == "azure-native:keyvault:getVault":
        return _existing_vault(str(args.get("resourceGroupName", "")), str(args.get("vaultName", "")))
    if token == "azure-native:authorization:getClientConfig":
        return {
            "clientId": DEPLOYER_CLIENT_ID,
            "objectId": DEPLOYER_OBJECT_ID,
            "subscriptionId": SUBSCRIPTION_ID,
            "tenantId": TENANT_ID,
        }
    return None
