"""The ``azure-key-vault`` store's resources: a Key Vault secret (in an existing vault or one created here), readers
granted "Key Vault Secrets User" on this secret only, and rotation as an expiry plus an Event Grid
``SecretNearExpiry`` subscription, to your handler or to the managed rotator deployed here for an issued key
(:mod:`ai_keys.rotation.deploy.azure`).

Secrecy: azure-native marks nothing secret on ``keyvault.Secret``, so the value goes in as a Pulumi secret
and ``properties`` (which carries it) is an additional secret output. The uniform outputs that are not the
value are built from pieces that never held it: ``secret_ref`` and ``version_id`` from the URIs Azure
returns (``Output.unsecret`` on those two fields only, which are right for sovereign clouds too, unlike a
URL assembled from the vault name), ``secret_id`` from the resource id.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import pulumi
import pulumi_azure_native as azure_native

from ...rotation import RotatorNeeds
from ...rules import KeySpec, RotationSpec, checked_value
from ..result import BackendResult
from . import _grants, _names, _rotation, _vault
from .rules import DESCRIPTION_TAG, MAX_VALUE_BYTES, AzureKeyVaultOptions, options_of

if TYPE_CHECKING:
    from ...rotation.deploy import azure as rotator_deploy

SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6"
"""Built-in role "Key Vault Secrets User": read secret contents, nothing else."""
SECRETS_OFFICER_ROLE_ID = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
"""Built-in role "Key Vault Secrets Officer": manage secrets (write new versions), for the rotation handler."""


def create(
    name: str,
    spec: KeySpec,
    parent: pulumi.Resource,
    value: "Optional[pulumi.Output[str]]" = None,
    *,
    rotator: "Optional[RotatorNeeds]" = None,
) -> BackendResult:
    """Store ``spec.value`` as a Key Vault secret."""
    options = options_of(spec)
    if value is None:
        value = checked_value(spec.value, max_bytes=MAX_VALUE_BYTES)
    client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    vault = _vault.resolve(name, options, client, spec.tags, parent)
    secret_name = spec.name if spec.name is not None else _names.secret_name(name, pulumi.get_project(), pulumi.get_stack())
    handler = spec.rotation.azure_rotator_principal_id if spec.rotation is not None else None
    # A vault brought by the user must honour role assignments before any is made in it.
    granting = bool(spec.readers) or handler is not None or rotator is not None
    rbac = _vault.rbac_checked(vault, parent) if granting else None
    managed = _managed_rotator(name, spec, vault, secret_name, rotator, rbac, client, parent) if rotator is not None else None
    near_expiry = (
        _rotation.near_expiry_subscription(
            name,
            spec.rotation,
            vault.id,
            secret_name,
            parent,
            rotator_function_id=managed.rotator.function_id if managed else None,
            new_versions=bool(rotator and rotator.first_key_by_rotator),
            after=managed.rotator.started if managed else (),
        )
        if spec.rotation is not None
        else None
    )
    secret = _secret(name, spec, options, vault, secret_name, value, near_expiry, parent, after=managed.admin if managed else ())
    if granting:
        scope = _grant_scope(secret, rbac)
        if spec.readers:
            _grant_readers(name, spec, options, scope, client, parent)
        if handler is not None:
            # The rotation handler's identity may write new versions of this secret, and nothing else in the vault.
            _role_assignment(f"{name}-rotator", handler, "ServicePrincipal", SECRETS_OFFICER_ROLE_ID, scope, client, parent)
        if managed is not None:
            # So may the managed rotator's: this secret only (its first run may come before this grant holds; Event
            # Grid delivers the event again until it does).
            principal = managed.rotator.principal_id
            _role_assignment(
                f"{name}-rotator-secret-officer", principal, "ServicePrincipal", SECRETS_OFFICER_ROLE_ID, scope, client, parent
            )
    properties = secret.properties
    return BackendResult(
        secret_id=secret.id,
        secret_ref=pulumi.Output.unsecret(properties.apply(lambda p: p.secret_uri)),
        version_id=pulumi.Output.unsecret(properties.apply(lambda p: _version_of(p.secret_uri_with_version))),
        value=value,
    )


@dataclass(frozen=True)
class _Managed:
    rotator: "rotator_deploy.AzureRotator"
    admin: list[pulumi.Resource]
    """The admin key's secret and its grant, when the issuer has an admin key."""


def _managed_rotator(
    name: str,
    spec: KeySpec,
    vault: _vault.VaultRef,
    secret_name: str,
    needs: RotatorNeeds,
    rbac: "Optional[pulumi.Output[bool]]",
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    parent: pulumi.Resource,
) -> _Managed:
    """The managed rotator (:mod:`ai_keys.rotation.deploy.azure`) and, for an issuer with an admin key, that key in a
    secret of its own beside this one, readable by the rotator only."""
    from ...rotation.deploy import azure as deploy

    if spec.rotation is None or spec.rotation.every_days is None:  # the rules pair a rotator with every_days
        raise ValueError("a managed rotator needs rotation.every_days")
    vault_uri = _vault.uri(vault, parent)
    admin_name = _names.admin_key_secret_name(secret_name)

    def grant(resource_name: str, principal: "pulumi.Input[str]", role: str, scope: "pulumi.Input[str]") -> pulumi.Resource:
        return _grants.role_assignment(resource_name, principal, "ServicePrincipal", role, scope, client, parent)

    rotator = deploy.deploy_rotator(
        name,
        rotator=needs,
        every_days=spec.rotation.every_days,
        resource_group_name=vault.resource_group_name,
        location=None,
        secret_uri=pulumi.Output.concat(vault_uri, "secrets/", secret_name),
        admin_key_ref=pulumi.Output.concat(vault_uri, "secrets/", admin_name) if needs.admin_key is not None else None,
        tags=spec.tags,
        client=client,
        grant=grant,
        parent=parent,
    )
    admin: list[pulumi.Resource] = []
    if needs.admin_key is not None:
        secret = azure_native.keyvault.Secret(
            f"{name}-admin-key",
            resource_group_name=vault.resource_group_name,
            vault_name=vault.name,
            secret_name=admin_name,
            properties=azure_native.keyvault.SecretPropertiesArgs(value=pulumi.Output.secret(needs.admin_key)),
            tags=dict(spec.tags) or None,
            opts=pulumi.ResourceOptions(
                parent=parent,
                additional_secret_outputs=["properties"],
                protect=True if spec.store_protected else None,
                retain_on_delete=True if vault.vault is not None else None,
            ),
        )
        # Read by the rotator only (Key Vault Secrets User on this one secret).
        reader = grant(f"{name}-admin-key-reader", rotator.principal_id, SECRETS_USER_ROLE_ID, _grant_scope(secret, rbac))
        admin = [secret, reader]
    return _Managed(rotator, admin)


def _secret(
    name: str,
    spec: KeySpec,
    options: AzureKeyVaultOptions,
    vault: _vault.VaultRef,
    secret_name: str,
    value: "pulumi.Output[str]",
    near_expiry: Optional[azure_native.eventgrid.EventSubscription],
    parent: pulumi.Resource,
    *,
    after: "Sequence[pulumi.Resource]" = (),
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
            # Key Vault announces expiry (and new versions) only for versions written after the subscription exists;
            # a managed rotator also reads its admin key, which must be there for its first run.
            depends_on=[*([near_expiry] if near_expiry is not None else []), *after] or None,
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
    _grants.role_assignment(resource_name, principal, principal_type, role_id, scope, client, parent)  # this secret only


def _version_of(uri_with_version: str) -> str:
    """``https://V.vault.azure.net/secrets/NAME/VERSION`` -> ``VERSION``."""
    return uri_with_version.rstrip("/").rsplit("/", 1)[-1]
