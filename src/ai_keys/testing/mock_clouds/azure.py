"""The Azure mock cloud: its subscription, tenant and deployer, the invokes programs make (the client config, an
existing vault), the helpers the stores' mock outputs use, and the outputs of the types no store or issuer owns: the
examples' resource groups and identities, and the managed rotator's storage account, containers, package blob, plan
and Function App. Each store's and issuer's own types are in its mock table."""

from typing import Any, Callable, Optional

from ._ids import autoname, stable_uuid

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222"
DEPLOYER_CLIENT_ID = "33333333-3333-3333-3333-333333333333"
LOCATION = "eastus"
VAULT_DOMAIN = "vault.azure.net"

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]
_HEX = "0123456789abcdef"


def plain(value: Any) -> Any:
    """``value`` out of its secret envelope."""
    # Secret inputs arrive as envelopes; names and ids are never secret, so read through them.
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def autonamed(name: str, inputs: State, key: str, *, top_level: bool = True) -> str:
    """The name given in ``inputs[key]``, or the one azure-native makes from the logical ``name``."""
    # azure-native auto-names top-level resources with the logical name plus 8 random hex digits (no
    # hyphen) and child resources (a vault's secrets...) with the logical name as it is.
    given = plain(inputs.get(key))
    if isinstance(given, str) and given:
        return given
    return f"{name}{autoname(name, length=8, alphabet=_HEX)}" if top_level else name


def group_id(group: str) -> str:
    """The ARM id of resource group ``group``."""
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}"


def vault_id(group: str, vault: str) -> str:
    """The ARM id of vault ``vault`` in resource group ``group``."""
    return f"{group_id(group)}/providers/Microsoft.KeyVault/vaults/{vault}"


def location_of_group(group: str, states: dict[str, State]) -> str:
    """The location of a resource group the program created, else the default one."""
    location = plain(states.get(group_id(group), {}).get("location"))
    return location if isinstance(location, str) and location else LOCATION


def _resource_group(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    group = autonamed(name, inputs, "resourceGroupName")
    location = plain(inputs.get("location")) or LOCATION
    state = {
        **inputs,
        "name": group,
        "location": location,
        "type": "Microsoft.Resources/resourceGroups",
        "properties": {"provisioningState": "Succeeded"},
        "azureApiVersion": "2024-03-01",
    }
    return group_id(group), state


def _user_assigned_identity(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(plain(inputs.get("resourceGroupName", "")))
    identity = autonamed(name, inputs, "resourceName")
    resource_id = f"{group_id(group)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}"
    return resource_id, {
        **inputs,
        "name": identity,
        "location": plain(inputs.get("location")) or location_of_group(group, states),
        "principalId": stable_uuid("principal", name),
        "clientId": stable_uuid("client", name),
        "tenantId": TENANT_ID,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
    }


def _storage_account(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(plain(inputs.get("resourceGroupName", "")))
    account = autonamed(name, inputs, "accountName").lower()
    endpoints = {kind: f"https://{account}.{kind}.core.windows.net/" for kind in ("blob", "queue", "table", "file", "dfs", "web")}
    return f"{group_id(group)}/providers/Microsoft.Storage/storageAccounts/{account}", {
        **inputs,
        "name": account,
        "location": plain(inputs.get("location")) or location_of_group(group, states),
        "type": "Microsoft.Storage/storageAccounts",
        "primaryEndpoints": endpoints,
        "primaryLocation": plain(inputs.get("location")) or location_of_group(group, states),
        "provisioningState": "Succeeded",
        "statusOfPrimary": "available",
        "creationTime": "2026-01-01T00:00:00.0000000Z",
        "azureApiVersion": "2024-01-01",
    }


def _blob_container(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    group, account = str(plain(inputs.get("resourceGroupName", ""))), str(plain(inputs.get("accountName", "")))
    container = autonamed(name, inputs, "containerName", top_level=False)
    account_id = f"{group_id(group)}/providers/Microsoft.Storage/storageAccounts/{account}"
    return f"{account_id}/blobServices/default/containers/{container}", {
        **inputs,
        "name": container,
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
        "etag": '"0x8DE000000000000"',
        "lastModifiedTime": "2026-01-01T00:00:00Z",
        "azureApiVersion": "2024-01-01",
    }


def _blob(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    account, container = str(plain(inputs.get("accountName", ""))), str(plain(inputs.get("containerName", "")))
    blob = autonamed(name, inputs, "blobName", top_level=False)
    url = f"https://{account}.blob.core.windows.net/{container}/{blob}"
    return url, {**inputs, "name": blob, "url": url, "contentMd5": inputs.get("contentMd5") or "", "metadata": {}}


def _app_service_plan(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(plain(inputs.get("resourceGroupName", "")))
    plan = autonamed(name, inputs, "name")
    return f"{group_id(group)}/providers/Microsoft.Web/serverfarms/{plan}", {
        **inputs,
        "name": plan,
        "location": plain(inputs.get("location")) or location_of_group(group, states),
        "type": "Microsoft.Web/serverfarms",
        "provisioningState": "Succeeded",
        "status": "Ready",
        "azureApiVersion": "2024-11-01",
    }


def _web_app(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    group = str(plain(inputs.get("resourceGroupName", "")))
    app = autonamed(name, inputs, "name")
    identity = dict(inputs.get("identity") or {})
    if "SystemAssigned" in str(identity.get("type", "")):
        identity.update({"principalId": stable_uuid("app-principal", group, app), "tenantId": TENANT_ID})
    host = f"{app}.azurewebsites.net"
    return f"{group_id(group)}/providers/Microsoft.Web/sites/{app}", {
        **inputs,
        "name": app,
        "location": plain(inputs.get("location")) or location_of_group(group, states),
        "type": "Microsoft.Web/sites",
        "identity": identity or None,
        "defaultHostName": host,
        "enabledHostNames": [host, f"{app}.scm.azurewebsites.net"],
        "state": "Running",
        "usageState": "Normal",
        "azureApiVersion": "2024-11-01",
    }


_FILLERS: dict[str, Filler] = {
    "azure-native:managedidentity:UserAssignedIdentity": _user_assigned_identity,
    "azure-native:resources:ResourceGroup": _resource_group,
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:storage:BlobContainer": _blob_container,
    "azure-native:storage:Blob": _blob,
    "azure-native:web:AppServicePlan": _app_service_plan,
    "azure-native:web:WebApp": _web_app,
}


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for a known azure-native type, else ``None``."""
    filler = _FILLERS.get(type_)
    return filler(name, inputs, states_by_id) if filler else None


def _existing_vault(group: str, vault: str) -> State:
    """An existing vault as ``getVault`` returns it: a current default vault (RBAC authorization)."""
    return {
        "id": vault_id(group, vault),
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
