"""The ``gcp-secret-manager`` store's resources: Secret + SecretVersion, automatic or user-managed replication,
Cloud KMS keys per location (CMEK), rotation notices via Pub/Sub (and, for an issued key, the managed rotator that
receives them: :mod:`ai_keys.rotation.deploy.gcp`), and readers on this secret only."""

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import pulumi
import pulumi_gcp as gcp
import pulumiverse_time as time

from ...rotation import RotatorNeeds
from ...rules import KeySpec, checked_value
from ..result import BackendResult
from . import _kms, _rotation
from .rules import DESCRIPTION_ANNOTATION, GLOBAL, MAX_VALUE_BYTES, GcpSecretManagerOptions, normalized_member, options_of

SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
SECRET_MANAGER_SERVICE = "secretmanager.googleapis.com"


def create(
    name: str,
    spec: KeySpec,
    parent: pulumi.Resource,
    value: "Optional[pulumi.Output[str]]" = None,
    *,
    rotator: "Optional[RotatorNeeds]" = None,
) -> BackendResult:
    """Store ``spec.value`` in a Secret Manager secret."""
    options = options_of(spec)
    if value is None:
        value = checked_value(spec.value, max_bytes=MAX_VALUE_BYTES)
    labels = dict(options.labels)
    # Grants the Secret Manager service agent needs before the secret exists: CMEK keys and the rotation topic.
    prerequisites: dict[str, pulumi.CustomResource] = {}
    agent_member: Optional[pulumi.Output[str]] = None
    agent_ready: list[pulumi.Resource] = []
    if options.encryption is not None or options.rotation is not None:
        agent = gcp.projects.ServiceIdentity(
            f"{name}-secretmanager-agent",
            service=SECRET_MANAGER_SERVICE,
            project=options.project,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        agent_member = agent.member
        agent_ready = _agent_created(name, agent, options.iam_propagation_seconds, parent)
    key_ids: dict[str, pulumi.Output[str]] = {}
    if options.encryption is not None:
        assert agent_member is not None
        location_keys = _kms.keys(name, options.encryption, options.project, agent_member, labels, parent, after=agent_ready)
        key_ids = location_keys.key_ids
        for location, grant in zip(options.encryption.locations, location_keys.grants, strict=True):
            prerequisites[f"key-grant-{location}"] = grant
    notices: Optional[_rotation.RotationNotices] = None
    if options.rotation is not None:
        assert agent_member is not None
        notices = _rotation.notices(name, options.rotation, options.project, agent_member, labels, parent, after=agent_ready)
        prerequisites["rotation-publisher"] = notices.publisher
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
            # Deleting or replacing the secret deletes its readers' grants and disables its version first; only
            # then would the provider's deletion_protection refuse. The engine refuses such a plan up front.
            protect=True if spec.store_protected else None,
        ),
    )
    if rotator is not None:
        if notices is None or spec.rotation is None or spec.rotation.every_days is None:
            raise ValueError("a managed rotator needs rotation.every_days")  # the rules pair them before this runs
        version = _with_rotator(name, spec, options, secret, value, notices, rotator, spec.rotation.every_days, parent)
    else:
        version = _version(name, spec, secret, value, parent)
        if spec.readers:
            _readers(name, spec, options, secret, parent)
    if options.audit_data_access:
        _audit_data_access(name, options.project, parent)
    primary = (options.locations or (GLOBAL,))[0]  # the key of the first location the secret lives in
    kms_key_id: Optional[pulumi.Output[str]] = key_ids[primary] if key_ids else None
    return BackendResult(
        secret_id=secret.id,
        secret_ref=secret.id.apply(lambda secret_name: f"{secret_name}/versions/latest"),
        version_id=version.name.apply(lambda version_name: version_name.rsplit("/", 1)[-1]),
        value=value,
        kms_key_id=kms_key_id,
    )


def _readers(
    name: str,
    spec: KeySpec,
    options: GcpSecretManagerOptions,
    secret: gcp.secretmanager.Secret,
    parent: pulumi.Resource,
    *,
    also: "Optional[pulumi.Output[str]]" = None,
) -> Optional[gcp.secretmanager.SecretIamBinding]:
    """The readers' grants: additive by default, one authoritative binding (which also names ``also``) on request."""
    if options.readers_authoritative:
        return _bind_readers(name, spec, secret, options.project, parent, also=also)
    _grant_readers(name, spec, secret, options.project, parent)
    return None


def _with_rotator(
    name: str,
    spec: KeySpec,
    options: GcpSecretManagerOptions,
    secret: gcp.secretmanager.Secret,
    value: "pulumi.Output[str]",
    notices: _rotation.RotationNotices,
    needs: RotatorNeeds,
    every_days: int,
    parent: pulumi.Resource,
) -> gcp.secretmanager.SecretVersion:
    """The managed rotator of ``secret``, then the first version: Secret Manager publishes ``SECRET_VERSION_ADD`` for
    it to the rotation topic, which is the rotator's first run, so it waits until the rotator can act."""
    from ...rotation.deploy import gcp as rotator_deploy

    by_binding = options.readers_authoritative and bool(spec.readers)
    rotator = rotator_deploy.deploy_rotator(
        name,
        rotator=needs,
        every_days=every_days,
        project=options.project,
        secret=secret,
        topic_id=notices.topic_id,
        labels=options.labels,
        parent=parent,
        accessor_by_binding=by_binding,
    )
    if spec.readers:
        # An authoritative binding of the accessor role names the rotator too, or it would take its access away.
        binding = _readers(name, spec, options, secret, parent, also=rotator.member if by_binding else None)
        if binding is not None:
            rotator.grants["accessor"] = binding
    ready = rotator_deploy.wait_for_grants(name, rotator, options.iam_propagation_seconds, parent)
    return _version(name, spec, secret, value, parent, after=ready)


def _reader_grant_name(name: str, spec: KeySpec, index: int) -> str:
    """The logical name of the grant of ``spec.readers[index]``: keyed by the member when it is known now (a digest,
    the way IAM compares members, so neither list order, the list it is in, nor an email's case moves it), else by
    the name given in ``readers_by_name``. Never by list position: a removed or reordered reader would otherwise
    hand its grant to another member."""
    reader = spec.readers[index]
    if isinstance(reader, str):
        digest = hashlib.sha256(normalized_member(reader).encode()).hexdigest()[:12]
        return f"{name}-reader-{digest}"
    given = spec.reader_names[index] if index < len(spec.reader_names) else None
    if given is None:  # refused by the rules before anything is registered
        raise ValueError(f"{spec.reader_path(index)} has no stable key")
    return f"{name}-reader-{given}"


def _grant_readers(name: str, spec: KeySpec, secret: gcp.secretmanager.Secret, project: Any, parent: pulumi.Resource) -> None:
    """One additive grant of the accessor role on this secret per reader (the default).

    Additive: a grant of the same role on this secret made outside the program (a rotator's service account,
    another stack) is left alone, and two stacks never revert each other. Removing a reader deletes that member's
    grant only. Each grant is keyed by :func:`_reader_grant_name`.
    """
    for index, reader in enumerate(spec.readers):
        # Each member was checked by the rules: now if known, or as an Output that checks it when it resolves.
        gcp.secretmanager.SecretIamMember(
            _reader_grant_name(name, spec, index),
            secret_id=secret.id,
            role=SECRET_ACCESSOR,
            member=reader,
            project=project,
            opts=pulumi.ResourceOptions(parent=parent),
        )


def _bind_readers(
    name: str,
    spec: KeySpec,
    secret: gcp.secretmanager.Secret,
    project: Any,
    parent: pulumi.Resource,
    *,
    also: "Optional[pulumi.Output[str]]" = None,
) -> gcp.secretmanager.SecretIamBinding:
    """``gcp.readers_authoritative``: one authoritative binding of the accessor role on this secret.

    Each create or update sets the role's members to exactly ``readers`` (and ``also``, the managed rotator),
    removing every other principal granted that role on this secret (without a condition) by anyone; deleting it
    removes the role from the secret altogether, for every member. Its logical name is the one earlier versions gave
    their binding, so a stack that opts in keeps that binding as it is.
    """
    return gcp.secretmanager.SecretIamBinding(
        f"{name}-readers",
        secret_id=secret.id,
        role=SECRET_ACCESSOR,
        members=[*spec.readers, *([also] if also is not None else [])],
        project=project,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _agent_created(
    name: str, agent: gcp.projects.ServiceIdentity, seconds: int, parent: pulumi.Resource
) -> list[pulumi.Resource]:
    """A wait between the service agent's creation and the first grant that names it.

    ``ServiceIdentity`` only waits for Secret Manager to create its agent (``generateServiceIdentity``); IAM may not
    know that account yet, and a grant to it then fails with "Service account service-N@gcp-sa-secretmanager...
    does not exist". The wait is tied to the identity: it runs when the identity is first created (or replaced,
    e.g. in another project), never on later deploys.
    """
    if seconds == 0:
        return []
    return [
        time.Sleep(
            f"{name}-secretmanager-agent-wait",
            create_duration=f"{seconds}s",
            triggers={"service-identity": agent.id},
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[agent]),
        )
    ]


def _propagated(
    name: str, grants: Mapping[str, pulumi.CustomResource], seconds: int, parent: pulumi.Resource
) -> list[pulumi.Resource]:
    """The grants, plus a wait for them to take effect: IAM is eventually consistent, and Secret Manager checks
    the service agent's access to the keys and topic when the secret is created or its key changes."""
    if not grants or seconds == 0:
        return list(grants.values())
    return [
        time.Sleep(
            f"{name}-iam-propagation",
            create_duration=f"{seconds}s",
            # The grants' ids, not their URNs: a replaced grant keeps its URN but gets a new id (key, topic or
            # member), so the Sleep is replaced and waits again. Nothing else changes them: other deploys never wait.
            triggers={label: grant.id for label, grant in grants.items()},
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(grants.values())),
        )
    ]


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
    name: str,
    spec: KeySpec,
    secret: gcp.secretmanager.Secret,
    value: "pulumi.Output[str]",
    parent: pulumi.Resource,
    *,
    after: "Sequence[pulumi.Resource]" = (),
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
        opts=pulumi.ResourceOptions(
            parent=parent,
            ignore_changes=["secret_data", "enabled"] if rotating else None,
            depends_on=list(after) or None,
        ),
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
        # The config is one per service and project, shared by every stack that turns it on: deleting it with one
        # key would turn the audit logs off for all the others, so it outlives the key.
        opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True),
    )
