"""The ``azure-key-vault`` store's resources: a Key Vault secret (in an existing vault or one created here), readers
granted "Key Vault Secrets User" on this secret only, and rotation as an expiry plus an Event Grid
``SecretNearExpiry`` subscription.

Secrecy: azure-native marks nothing secret on ``keyvault.Secret``, so the value goes in as a Pulumi secret
and ``properties`` (which carries it) is an additional secret output. The uniform outputs that are not the
value are built from pieces that never held it: ``secret_ref`` and ``version_id`` from the URIs Azure
returns (``Output.unsecret`` on those two fields only, which are right for sovereign clouds too, unlike a
URL assembled from the vault name), ``secret_id`` from the resource id.
"""

from typing import Any, Optional

import pulumi
import pulumi_azure_native as azure_native

from ...rules import KeySpec, RotationSpec, checked_value
from ..result import BackendResult
from . import _names, _rotation, _vault
from .rules import DESCRIPTION_TAG, MAX_VALUE_BYTES, AzureKeyVaultOptions, options_of

SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6"
"""Built-in role "Key Vault Secrets User": read secret contents, nothing else."""
SECRETS_OFFICER_ROLE_ID = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
"""Built-in role "Key Vault Secrets Officer": manage secrets (write new versions), for the rotation handler."""


def create(name: str, spec: KeySpec, parent: pulumi.Resource, value: "Optional[pulumi.Output[str]]" = None) -> BackendResult:
    """Store ``spec.value`` as a Key Vault secret."""
    options = options_of(spec)
    if value is None:
        value = checked_value(spec.value, max_bytes=MAX_VALUE_BYTES)
    client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    vault = _vault.resolve(name, options, client, spec.tags, parent)
    secret_name = spec.name if spec.name is not None else _names.secret_name(name, pulumi.get_project(), pulumi.get_stack())
    near_expiry = (
        _rotation.near_expiry_subscription(name, spec.rotation, vault.id, secret_name, parent)
        if spec.rotation is not None
        else None
    )
    secret = _secret(name, spec, options, vault, secret_name, value, near_expiry, parent)
    rotator = spec.rotation.azure_rotator_principal_id if spec.rotation is not None else None
    if spec.readers or rotator is not None:
        scope = _grant_scope(secret, _vault.rbac_checked(vault, parent))
        if spec.readers:
            _grant_readers(name, spec, options, scope, client, parent)
        if rotator is not None:
            # The rotation handler's identity may write new versions of this secret, and nothing else in the vault.
            _role_assignment(f"{name}-rotator", rotator, "ServicePrincipal", SECRETS_OFFICER_ROLE_ID, scope, client, parent)
    properties = secret.properties
    return BackendResult(
        secret_id=secret.id,
        secret_ref=pulumi.Output.unsecret(properties.apply(lambda p: p.secret_uri)),
        version_id=pulumi.Output.unsecret(properties.apply(lambda p: _version_of(p.secret_uri_with_version))),
        value=value,
    )


def _secret(
    name: str,
    spec: KeySpec,
    options: AzureKeyVaultOptions,
    vault: _vault.VaultRef,
    secret_name: str,
    value: "pulumi.Output[str]",
    near_expiry: Optional[azure_native.eventgrid.EventSubscription],
    parent: pulumi.Resource,
) -> azure_native.keyvault.Secret:
    tags: dict[str, Any] = dict(spec.tags)
    if spec.description is not None:
        tags[DESCRIPTION_TAG] = spec.description  # Key Vault secrets have no description field
    attributes = (
        azure_native.keyvault.SecretAttributesArgs(expires=options.expires, not_before=options.not_before)
        if options.expires is not None or options.not_before is not None
        else None
    )
    return azure_native.keyvault.Secret(
        f"{name}-secret",
        resource_group_name=vault.resource_group_name,
        vault_name=vault.name,
        secret_name=secret_name,
        properties=azure_native.keyvault.SecretPropertiesArgs(
            value=value, content_type=options.content_type, attributes=attributes
        ),
        tags=tags or None,
        opts=pulumi.ResourceOptions(
            parent=parent,
            # `properties` carries the value; the SDK does not mark it, so the engine must.
            additional_secret_outputs=["properties"],
            ignore_changes=_rotation_ignores(spec.rotation),
            # Key Vault announces expiry only for versions written after the subscription exists.
            depends_on=[near_expiry] if near_expiry is not None else None,
            # A replacement would seed the new secret with the state's initial value and expiry once a rotator
            # has written another: with rotation on, the secret is protected whatever deletion_protection says.
            protect=True if spec.store_protected else None,
            # azure-native deletes a secret through the data plane, which a created vault's firewall and RBAC
            # refuse to the deploying identity. Deleting the vault takes its secrets with it (into soft delete), so
            # a secret in a created vault is only dropped from the state. A rename there leaves the old secret live
            # and holding its name (docs: Azure Key Vault, "Renaming the secret").
            retain_on_delete=True if vault.vault is not None else None,
        ),
    )


def _rotation_ignores(rotation: Optional[RotationSpec]) -> Optional[list[str]]:
    """With rotation on the component owns the first version only. Every update of a Key Vault secret
    through Resource Manager is a PUT that writes ``properties.value`` again (the value recorded at
    creation), so a later change to the value, expiry, content type or tags would put the old key back
    over the rotated one: ignore them all."""
    return ["properties", "tags"] if rotation is not None else None


def _grant_scope(secret: azure_native.keyvault.Secret, rbac: "Optional[pulumi.Output[bool]]") -> "pulumi.Output[str]":
    """This secret, as the scope of a grant. In a vault brought by the user, the grants wait for the check that the
    vault honours role assignments."""
    if rbac is None:
        return secret.id
    return pulumi.Output.all(secret.id, rbac).apply(lambda a: str(a[0]))


def _grant_readers(
    name: str,
    spec: KeySpec,
    options: AzureKeyVaultOptions,
    scope: "pulumi.Output[str]",
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    parent: pulumi.Resource,
) -> None:
    for index, reader in enumerate(spec.readers):
        # Keyed by the reader's name or principal id, never its position: the role assignment's Azure name is
        # derived from the principal, so a position-keyed grant moved to another principal would collide with
        # the one that still holds that name.
        key = spec.reader_key(index)
        if key is None:  # refused by the rules before anything is registered
            raise ValueError(f"{spec.reader_path(index)} has no stable key")
        _role_assignment(
            f"{name}-reader-{key.lower()}", reader, options.type_of(reader), SECRETS_USER_ROLE_ID, scope, client, parent
        )


def _role_assignment(
    resource_name: str,
    principal: Any,
    principal_type: str,
    role_id: str,
    scope: "pulumi.Output[str]",
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    parent: pulumi.Resource,
) -> None:
    role_definition_id = pulumi.Output.concat(
        "/subscriptions/", client.subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role_id
    )
    assignment_name = pulumi.Output.all(scope, principal).apply(
        lambda a: _names.role_assignment_name(str(a[0]), str(a[1]), role_id)
    )
    azure_native.authorization.RoleAssignment(
        resource_name,
        principal_id=principal,
        principal_type=principal_type,
        role_definition_id=role_definition_id,
        scope=scope,  # this secret only, not the vault
        role_assignment_name=assignment_name,
        # The Azure name is derived, so a replacement must free it before creating the new one.
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
    )


def _version_of(uri_with_version: str) -> str:
    """``https://V.vault.azure.net/secrets/NAME/VERSION`` -> ``VERSION``."""
    return uri_with_version.rstrip("/").rsplit("/", 1)[-1]
