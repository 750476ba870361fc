"""The ``gcp-secret-manager`` backend: Secret + SecretVersion, automatic or user-managed replication,
Cloud KMS keys per location (CMEK), rotation notices via Pub/Sub, and readers on this secret only."""

from typing import Any, Optional

import pulumi
import pulumi_gcp as gcp
import pulumiverse_time as time

from ..rules import KeySpec, checked_value
from ..rules.gcp_secret_manager import (
    DESCRIPTION_ANNOTATION,
    GLOBAL,
    MAX_VALUE_BYTES,
    GcpSecretManagerOptions,
)
from . import _gcp_kms, _gcp_rotation
from .result import BackendResult

SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
SECRET_MANAGER_SERVICE = "secretmanager.googleapis.com"


def create(name: str, spec: KeySpec, parent: pulumi.Resource, issued: "Optional[pulumi.Output[str]]" = None) -> BackendResult:
    """Store ``spec.value`` in a Secret Manager secret."""
    options = spec.gcp
    assert options is not None
    value = issued if issued is not None else checked_value(spec.value, max_bytes=MAX_VALUE_BYTES)
    labels = dict(options.labels)
    # Grants the Secret Manager service agent needs before the secret exists: CMEK keys and the rotation topic.
    prerequisites: list[pulumi.Resource] = []
    agent_member: Optional[pulumi.Output[str]] = None
    if options.encryption is not None or options.rotation is not None:
        agent_member = gcp.projects.ServiceIdentity(
            f"{name}-secretmanager-agent",
            service=SECRET_MANAGER_SERVICE,
            project=options.project,
            opts=pulumi.ResourceOptions(parent=parent),
        ).member
    key_ids: dict[str, pulumi.Output[str]] = {}
    if options.encryption is not None:
        assert agent_member is not None
        location_keys = _gcp_kms.keys(name, options.encryption, options.project, agent_member, labels, parent)
        key_ids = location_keys.key_ids
        prerequisites.extend(location_keys.grants)
    notices: Optional[_gcp_rotation.RotationNotices] = None
    if options.rotation is not None:
        assert agent_member is not None
        notices = _gcp_rotation.notices(name, options.rotation, options.project, agent_member, labels, parent)
        prerequisites.append(notices.publisher)
    secret = gcp.secretmanager.Secret(
        f"{name}-secret",
        secret_id=options.secret_id,
        project=options.project,
        replication=_replication(options, key_ids),
        labels=labels or None,
        annotations=_annotations(spec, options),
        topics=[gcp.secretmanager.SecretTopicArgs(name=notices.topic_id)] if notices else None,
        rotation=notices.args if notices else None,
        version_destroy_ttl=options.version_destroy_ttl,
        deletion_protection=spec.deletion_protection,
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=_propagated(name, prerequisites, options.iam_propagation_seconds, parent),
            # Deleting or replacing the secret deletes its reader binding and disables its version first; only
            # then would the provider's deletion_protection refuse. The engine refuses such a plan up front.
            protect=True if spec.store_protected else None,
        ),
    )
    version = _version(name, spec, secret, value, parent)
    if options.audit_data_access:
        _audit_data_access(name, options.project, parent)
    if spec.readers:
        _grant_readers(name, spec, secret, options.project, parent)
    primary = (options.locations or (GLOBAL,))[0]  # the key of the first location the secret lives in
    kms_key_id: Optional[pulumi.Output[str]] = key_ids[primary] if key_ids else None
    return BackendResult(
        secret_id=secret.id,
        secret_ref=secret.id.apply(lambda secret_name: f"{secret_name}/versions/latest"),
        version_id=version.name.apply(lambda version_name: version_name.rsplit("/", 1)[-1]),
        value=value,
        kms_key_id=kms_key_id,
    )


def _grant_readers(name: str, spec: KeySpec, secret: gcp.secretmanager.Secret, project: Any, parent: pulumi.Resource) -> None:
    """One authoritative binding of the accessor role on this secret, listing every reader.

    Per-member resources are non-authoritative and keyed per reader: deleting one removes that member's binding
    even when another resource still declares it, so a reordered or shortened list could revoke a reader that
    stays. A single binding updates its member list in place whatever the order, and readers given as Outputs
    need no stable key. It also makes the list exact: a grant of this role added to this secret outside the
    program is removed on the next update.
    """
    # Each member was checked by the rules: now if known, or as an Output that checks it when it resolves.
    members = list(spec.readers)
    gcp.secretmanager.SecretIamBinding(
        f"{name}-readers",
        secret_id=secret.id,
        role=SECRET_ACCESSOR,
        members=members,
        project=project,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _propagated(name: str, grants: list[pulumi.Resource], seconds: int, parent: pulumi.Resource) -> list[pulumi.Resource]:
    """The grants, plus a wait for them to take effect: IAM is eventually consistent, and Secret Manager checks
    the service agent's access to the keys and topic when the secret is created."""
    if not grants or seconds == 0:
        return grants
    wait = time.Sleep(
        f"{name}-iam-propagation",
        create_duration=f"{seconds}s",
        # A new grant (another key, another topic) waits again.
        triggers={f"grant-{i}": grant.urn for i, grant in enumerate(grants)},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=grants),
    )
    return [wait]


def _replication(
    options: GcpSecretManagerOptions, key_ids: dict[str, "pulumi.Output[str]"]
) -> gcp.secretmanager.SecretReplicationArgs:
    if not options.locations:
        key = key_ids.get(GLOBAL)
        return gcp.secretmanager.SecretReplicationArgs(
            auto=gcp.secretmanager.SecretReplicationAutoArgs(
                customer_managed_encryption=gcp.secretmanager.SecretReplicationAutoCustomerManagedEncryptionArgs(kms_key_name=key)
                if key is not None
                else None
            )
        )
    return gcp.secretmanager.SecretReplicationArgs(
        user_managed=gcp.secretmanager.SecretReplicationUserManagedArgs(
            replicas=[
                gcp.secretmanager.SecretReplicationUserManagedReplicaArgs(
                    location=location,
                    customer_managed_encryption=gcp.secretmanager.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs(
                        kms_key_name=key_ids[location]
                    )
                    if location in key_ids
                    else None,
                )
                for location in options.locations
            ]
        )
    )


def _annotations(spec: KeySpec, options: GcpSecretManagerOptions) -> "Optional[dict[str, Any]]":
    annotations: dict[str, Any] = dict(options.annotations)
    if spec.description is not None:
        annotations[DESCRIPTION_ANNOTATION] = spec.description
    return annotations or None


def _version(
    name: str, spec: KeySpec, secret: gcp.secretmanager.Secret, value: "pulumi.Output[str]", parent: pulumi.Resource
) -> gcp.secretmanager.SecretVersion:
    rotating = spec.rotation is not None
    return gcp.secretmanager.SecretVersion(
        f"{name}-version",
        secret=secret.id,
        secret_data=value,
        # With deletion protection a version the program replaces or removes is disabled, not destroyed.
        deletion_policy="DISABLE" if spec.deletion_protection else "DELETE",
        # With rotation on, the rotator owns the value and the versions' states: never write the config value
        # back, and never re-enable this first version after the rotator has disabled it.
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["secret_data", "enabled"] if rotating else None),
    )


def _audit_data_access(name: str, project: "Optional[pulumi.Input[str]]", parent: pulumi.Resource) -> None:
    """Data Access audit logs are off by default: without them nobody can tell who read a key."""
    gcp.projects.IAMAuditConfig(
        f"{name}-audit",
        project=project,
        service=SECRET_MANAGER_SERVICE,
        audit_log_configs=[
            gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ"),  # AccessSecretVersion: the key reads
            gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="ADMIN_READ"),  # metadata reads and listings
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
