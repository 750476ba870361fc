"""The ``azure_ai_services`` issuer: a key of an existing Azure OpenAI / Azure AI Services (Cognitive Services)
account, read with ``listKeys`` and made a Pulumi secret at once (azure-native marks no function output secret).

The key is read through two invokes (``getAccount``, then ``listAccountKeys``), which run on every ``pulumi
preview`` and ``pulumi up`` as soon as their arguments are known: the identity that previews needs
``Microsoft.CognitiveServices/accounts/read`` and ``Microsoft.CognitiveServices/accounts/listKeys/action``. A
literal ``account_name`` is read at once, whatever the program creates; for an account created in the same
program pass ``account.name``, an Output, so the invokes wait for the account (and, in a preview that creates
it, are not run at all: the key is unknown until the update).

An account with local (key) authentication disabled has no usable key (``listKeys`` answers 400 "Failed to list
key. disableLocalAuth is set to be true"): it is refused, pointing at Entra ID. Regenerating the key outside
Pulumi leaves the stored copy stale until the next ``pulumi up`` reads it again.

With ``rotation`` (kept in ``azure-key-vault``) the first key is still the one read here; the rotator then
regenerates whichever of key1/key2 is not current and stores it, so clients on the current key keep working until
the next rotation. Its identity gets the built-in role "Cognitive Services Contributor" on this account only.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rotation import RotatorNeeds
from ..rules import RotationSpec
from ..rules import _checks as check
from ..rules.deploy_time import at_deploy
from . import IssuedKey, ManagedRotation

EXTRA, SDK = "azure", "pulumi_azure_native"
ROTATION = ManagedRotation(stores=("azure-key-vault",))
"""The rotator runs as a Function App beside a Key Vault secret, in Azure."""
COGNITIVE_SERVICES_CONTRIBUTOR = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"
"""Built-in role "Cognitive Services Contributor" (Azure built-in roles, AI + machine learning: "Lets you create,
read, update, delete and manage keys of Cognitive Services", actions ``Microsoft.CognitiveServices/*``): the
narrowest built-in role with ``accounts/listKeys/action`` and ``accounts/regenerateKey/action``, assigned on the one
account. A custom role holding those two actions alone would be narrower, but its name is unique in the tenant
(a second stack or a re-deploy after a failed delete collides with it) and it asks the deployer for
``Microsoft.Authorization/roleDefinitions/write`` too; so the built-in role, scoped to this account."""
FIELDS = ("account_name", "resource_group_name", "key")
KEYS = ("key1", "key2")
ACCOUNT_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}"
RESOURCE_GROUP_PATTERN = r"[-\w._()]{0,89}[-\w_()]"


@dataclass(frozen=True)
class AzureAiServicesOptions:
    """A validated ``issuer.azure_ai_services`` block."""

    account_name: Any
    resource_group_name: Any
    key: str


def validate(block: Mapping[str, Any], path: str) -> AzureAiServicesOptions:
    """Check ``issuer.azure_ai_services``; every refusal names the field path."""
    check.known_keys(path, block, FIELDS)
    for required in ("account_name", "resource_group_name"):
        if block.get(required) is None:
            raise SecureApiKeyError(
                f"{path}.{required}", "is required", "the name of the existing account and its resource group"
            )
        check.not_a_resource(
            f"{path}.{required}", block[required], "account.name (the key is then read once that resource exists)"
        )
    return AzureAiServicesOptions(
        account_name=check.input_str(
            f"{path}.account_name",
            block["account_name"],
            pattern=ACCOUNT_PATTERN,
            max_len=64,
            allowed="a Cognitive Services account name",
        ),
        resource_group_name=check.input_str(
            f"{path}.resource_group_name",
            block["resource_group_name"],
            pattern=RESOURCE_GROUP_PATTERN,
            max_len=90,
            allowed="a resource group name",
        ),
        key=check.choice(f"{path}.key", block.get("key", "key1"), KEYS),
    )


def _local_auth_allowed(account: str, disabled: Any) -> None:
    if disabled is True:
        raise SecureApiKeyError(
            "issuer.azure_ai_services.account_name",
            f"is account {account}, whose local (key) authentication is disabled, so it has no key to store",
            "call it with Entra ID instead (DefaultAzureCredential and the role Cognitive Services OpenAI User), "
            "or enable local auth on the account",
        )


def issue(
    name: str,
    options: AzureAiServicesOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """Read the account's key as a secret, once the account is known to allow key authentication.

    The invokes wait for what their arguments depend on (an ``account_name`` Output of an account created in the
    same program) and for ``depends_on`` given to the component, so a literal name works too.
    """
    import pulumi_azure_native as azure_native

    invoke = pulumi.InvokeOutputOptions(parent=parent, depends_on=list(depends_on) or None)
    account = azure_native.cognitiveservices.get_account_output(
        account_name=options.account_name, resource_group_name=options.resource_group_name, opts=invoke
    )
    allowed = at_deploy(
        pulumi.Output.all(account.name, account.properties.disable_local_auth), lambda a: _local_auth_allowed(str(a[0]), a[1])
    )
    keys = azure_native.cognitiveservices.list_account_keys_output(
        account_name=pulumi.Output.all(options.account_name, allowed).apply(lambda a: str(a[0])),
        resource_group_name=options.resource_group_name,
        opts=invoke,
    )
    chosen = options.key
    # Secret before anything else touches it: azure-native returns the keys as plain outputs.
    key: pulumi.Output[str] = keys.apply(lambda result: str(getattr(result, chosen)))
    value: pulumi.Output[str] = pulumi.Output.secret(key)
    issued_key_id = account.id.apply(lambda account_id: f"{account_id}#{chosen}")
    if rotation is None or not rotation.managed:
        return IssuedKey(value=value, issued_key_id=issued_key_id)
    return IssuedKey(value=value, issued_key_id=issued_key_id, rotator=rotator_needs(account.id))


def rotator_needs(account_id: Any) -> RotatorNeeds:
    """The rotator's settings and grant: regenerate and read this account's two keys (the first key is the one
    read at deploy, so the rotator does not make it)."""
    return RotatorNeeds(
        issuer="azure_ai_services",
        env={"AIKEYS_ACCOUNT_ID": account_id},
        azure_role_assignments=[(account_id, COGNITIVE_SERVICES_CONTRIBUTOR)],
        first_key_by_rotator=False,
    )


def _mock_account(args: dict[str, Any]) -> dict[str, Any]:
    account, group = args.get("accountName"), args.get("resourceGroupName")
    return {
        "id": f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{account}",
        "name": account,
        "kind": "OpenAI",
        "location": "eastus",
        "properties": {"endpoint": f"https://{account}.openai.azure.com/", "disableLocalAuth": False},
    }


def _mock_keys(args: dict[str, Any]) -> dict[str, Any]:
    from ..testing.mock_clouds._ids import stable_id

    account = str(args.get("accountName"))
    return {
        "key1": stable_id("key1", account, length=32, alphabet="0123456789abcdef"),
        "key2": stable_id("key2", account, length=32, alphabet="0123456789abcdef"),
    }


def _mock_account_resource(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What Resource Manager returns for an account a program creates beside its key, so ``account.name`` and
    ``account.id`` resolve under the mock engine as they do in Azure."""
    from ..testing.mock_clouds._ids import autoname

    given = inputs.get("accountName")
    # azure-native auto-names an account like any top-level resource: the logical name and 8 hex digits.
    account = given if isinstance(given, str) and given else f"{name}{autoname(name, length=8, alphabet='0123456789abcdef')}"
    group = inputs.get("resourceGroupName")
    kind = inputs.get("kind")
    properties = dict(inputs.get("properties") or {})
    host = "openai.azure.com" if kind == "OpenAI" else "cognitiveservices.azure.com"
    subdomain = properties.get("customSubDomainName") or account
    properties.setdefault("disableLocalAuth", False)
    properties.update({"endpoint": f"https://{subdomain}.{host}/", "provisioningState": "Succeeded"})
    account_id = (
        f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{account}"
    )
    state = {
        **inputs,
        "accountName": account,
        "name": account,
        "type": "Microsoft.CognitiveServices/accounts",
        "location": inputs.get("location") or "eastus",
        "properties": properties,
    }
    return account_id, state


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "azure-native:cognitiveservices:Account": _mock_account_resource,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "azure-native:cognitiveservices:getAccount": _mock_account,
    "azure-native:cognitiveservices:listAccountKeys": _mock_keys,
}
