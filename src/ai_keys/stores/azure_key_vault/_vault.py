"""The vault a key goes into: an existing one (by id, or by name and resource group) or one created here,
secure by default (RBAC, soft delete, purge protection, firewall)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native as azure_native

from ...errors import SecureApiKeyError
from ...rules.deploy_time import at_deploy
from .._inputs import str_input
from . import _names
from .rules import AzureAuditOptions, AzureKeyVaultOptions, AzureVaultOptions, parse_vault_id


@dataclass(frozen=True)
class VaultRef:
    """Name, resource group and ARM id of the vault, whichever way it was chosen."""

    name: "pulumi.Output[str]"
    resource_group_name: "pulumi.Output[str]"
    id: "pulumi.Output[str]"
    vault: Optional[azure_native.keyvault.Vault]
    """The vault resource when the component created it."""


def resolve(
    name: str,
    options: AzureKeyVaultOptions,
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> VaultRef:
    """Create the vault or point at the existing one."""
    subscription = client.subscription_id
    if options.create_vault is not None:
        return _create(name, options, options.create_vault, client, tags, parent)
    if options.vault_id is not None:
        parts = at_deploy(
            pulumi.Output.all(pulumi.Output.from_input(options.vault_id), subscription),
            lambda a: _same_subscription(str(a[0]), str(a[1])),
        )
        return VaultRef(
            name=parts.apply(lambda p: p[2]),
            resource_group_name=parts.apply(lambda p: p[1]),
            # Rebuilt from the checked parts, so nothing (not even the Event Grid subscription) uses a vault
            # in another subscription.
            id=parts.apply(lambda p: f"/subscriptions/{p[0]}/resourceGroups/{p[1]}/providers/Microsoft.KeyVault/vaults/{p[2]}"),
            vault=None,
        )
    vault_name = pulumi.Output.from_input(str_input(options.vault_name))
    group = pulumi.Output.from_input(str_input(options.resource_group_name))
    return VaultRef(
        name=vault_name,
        resource_group_name=group,
        id=pulumi.Output.concat(
            "/subscriptions/", subscription, "/resourceGroups/", group, "/providers/Microsoft.KeyVault/vaults/", vault_name
        ),
        vault=None,
    )


def uri(vault: VaultRef, parent: pulumi.Resource) -> "pulumi.Output[str]":
    """``https://NAME.vault.azure.net/`` as Azure returns it (right for sovereign clouds too)."""
    if vault.vault is not None:
        return vault.vault.properties.vault_uri
    found = azure_native.keyvault.get_vault_output(
        resource_group_name=vault.resource_group_name, vault_name=vault.name, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return found.properties.vault_uri


def rbac_checked(vault: VaultRef, parent: pulumi.Resource) -> "Optional[pulumi.Output[bool]]":
    """For a vault brought by the user: ``True`` once the vault is known to authorize data access through
    Azure RBAC; None for a vault created here (always RBAC). A vault on access policies ignores role
    assignments, so readers granted a role there would deploy cleanly and still be refused at run time:
    stop the deploy instead, before any grant is made."""
    if vault.vault is not None:
        return None
    found = azure_native.keyvault.get_vault_output(
        resource_group_name=vault.resource_group_name, vault_name=vault.name, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return at_deploy(
        pulumi.Output.all(vault.name, found.properties.enable_rbac_authorization), lambda a: _require_rbac(str(a[0]), a[1])
    )


def _require_rbac(vault_name: str, rbac: object) -> bool:
    # Key Vault's documented default is access policies, so a missing flag means access policies too.
    if rbac is not True:
        raise SecureApiKeyError(
            "readers",
            f"would get the role Key Vault Secrets User on a secret of vault {vault_name}, which authorizes data "
            "access with access policies and ignores role assignments, so they could not read the key",
            "a vault with Azure RBAC authorization (enableRbacAuthorization), or azure.create_vault; or leave "
            "readers out and grant them `get` on secrets in the vault's access policies",
        )
    return True


def _same_subscription(vault_id: str, subscription: str) -> tuple[str, str, str]:
    """Parts of ``vault_id``; the secret is created through the provider's subscription, so the vault must
    live there too."""
    vault_subscription, group, vault = parse_vault_id(vault_id)
    if vault_subscription.lower() != subscription.lower():
        raise SecureApiKeyError(
            "azure.vault_id",
            f"is in subscription {vault_subscription}, but the azure-native provider deploys to {subscription}",
            "a vault in the provider's subscription, or pass a provider for that subscription in the component's "
            "`providers` option",
        )
    return vault_subscription, group, vault


def _create(
    name: str,
    options: AzureKeyVaultOptions,
    vault_options: AzureVaultOptions,
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> VaultRef:
    group = pulumi.Output.from_input(str_input(options.resource_group_name))
    derived = vault_options.name is None
    vault_name: pulumi.Input[str] = (
        vault_options.name if vault_options.name is not None else _derived_name(name, vault_options, group, client, parent)
    )
    network = vault_options.network
    vault = azure_native.keyvault.Vault(
        f"{name}-vault",
        vault_name=vault_name,
        resource_group_name=group,
        location=vault_options.location,
        properties=azure_native.keyvault.VaultPropertiesArgs(
            tenant_id=vault_options.tenant_id if vault_options.tenant_id is not None else client.tenant_id,
            sku=azure_native.keyvault.SkuArgs(family="A", name=azure_native.keyvault.SkuName(vault_options.sku)),
            # Data access through Azure RBAC only, so a reader's grant can be scoped to one secret.
            enable_rbac_authorization=True,
            enable_soft_delete=True,
            soft_delete_retention_in_days=vault_options.soft_delete_retention_days,
            # Azure accepts only `true` here and never turns it off again: leave it unset when not wanted.
            enable_purge_protection=True if vault_options.purge_protection else None,
            network_acls=azure_native.keyvault.NetworkRuleSetArgs(
                default_action=network.default_action,
                bypass=network.bypass,
                ip_rules=[azure_native.keyvault.IPRuleArgs(value=rule) for rule in network.ip_rules],
                virtual_network_rules=[azure_native.keyvault.VirtualNetworkRuleArgs(id=str_input(s)) for s in network.subnet_ids],
            ),
        ),
        tags=dict(tags) or None,
        # A derived name is fixed once the vault exists: stacks made before names were unique per creation keep
        # theirs, and only a new vault (after a destroy, say) gets a new one.
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["vault_name"] if derived else None),
    )
    if vault_options.audit is not None:
        _audit_log(name, vault, vault_options.audit, parent)
    return VaultRef(name=vault.name, resource_group_name=group, id=vault.id, vault=vault)


def _derived_name(
    name: str,
    vault_options: AzureVaultOptions,
    group: "pulumi.Output[str]",
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    parent: pulumi.Resource,
) -> "pulumi.Output[str]":
    """The vault's name from the stack, the component and when the vault was made (a ``time.Static`` keeps that
    moment, and a new group or location, which replace the vault, records a new one)."""
    import pulumiverse_time as time

    project, stack = pulumi.get_project(), pulumi.get_stack()
    created = time.Static(
        f"{name}-vault-created",
        triggers={"resource_group": group, "location": vault_options.location or ""},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return pulumi.Output.all(client.subscription_id, group, created.rfc3339).apply(
        lambda a: _names.vault_name(name, project, stack, str(a[0]), str(a[1]), str(a[2]))
    )


def _audit_log(name: str, vault: azure_native.keyvault.Vault, audit: AzureAuditOptions, parent: pulumi.Resource) -> None:
    """A diagnostic setting sending the vault's ``audit`` category group (every data-plane access) out."""
    azure_native.monitor.DiagnosticSetting(
        f"{name}-audit",
        name="ai-keys-audit",
        resource_uri=vault.id,
        workspace_id=audit.workspace_id,
        storage_account_id=audit.storage_account_id,
        logs=[azure_native.monitor.DiagnosticsLogSettingsArgs(category_group="audit", enabled=True)],
        opts=pulumi.ResourceOptions(parent=parent),
    )
