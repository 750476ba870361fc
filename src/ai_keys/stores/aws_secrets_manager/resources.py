"""The ``aws-secrets-manager`` store's resources: Secret + SecretVersion, optional KMS keys, read policy,
rotation and replicas. ``create`` also keeps the API Gateway store's copy of its key."""

from collections.abc import Callable
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from ...errors import SecureApiKeyError
from ...rotation import RotatorNeeds
from ...rules import KeySpec, checked_value
from ...rules.deploy_time import at_deploy
from ..result import BackendResult
from . import _kms, _policies
from .rules import MAX_VALUE_BYTES, AwsSecretsManagerOptions, options_of

# A label that keeps the version Pulumi created from being pruned once a rotator moves AWSCURRENT
# away from it (pruned versions make the next deploy recreate it and overwrite the rotated value).
INITIAL_VERSION_STAGE = "AI_KEYS_INITIAL"


def create(
    name: str,
    spec: KeySpec,
    parent: pulumi.Resource,
    value: "Optional[pulumi.Output[str]]" = None,
    *,
    rotator: Optional[RotatorNeeds] = None,
    options: Optional[AwsSecretsManagerOptions] = None,
) -> BackendResult:
    """Store ``spec.value`` (or the issued key, ``value``) in a Secrets Manager secret, with its first version and
    everything ``spec`` asks for around it. ``options`` defaults to this store's options in ``spec``; the API Gateway
    store passes its own when it keeps a copy here. With a managed rotation, ``rotator`` is what the issuer asks of
    the rotator deployed beside the secret (:func:`ai_keys.rotation.deploy.aws.deploy_rotator`)."""
    if value is None:
        value = checked_value(spec.value, max_bytes=MAX_VALUE_BYTES)
    options = options if options is not None else options_of(spec)
    tags = dict(spec.tags)
    rotating = spec.rotation is not None
    primary_key, replica_keys = (
        # With rotation on, the version carrying only the initial label is not re-encrypted when the key changes:
        # a created key must then outlive the component's use of it, or that version becomes unreadable.
        _kms.create_keys(name, spec.encryption, spec.replica_regions, tags, parent, keep=rotating)
        if spec.encryption is not None
        else (None, {})
    )
    protected = spec.store_protected
    kms_key_arn = primary_key.key_arn if primary_key else None
    # The primary region is the provider's, known at deploy time: looked up once, and only when something needs it.
    looked_up: list[pulumi.Output[str]] = []

    def primary_region() -> "pulumi.Output[str]":
        if not looked_up:
            looked_up.append(aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=parent)).region)
        return looked_up[0]

    # The rules that need the region (and readers known only then) gate the secret itself, so a refusal creates
    # nothing. A plain key needs no such wait.
    gates: list[Any] = [r for r in spec.readers if not isinstance(r, str)]
    if spec.replica_regions or rotating:
        gates.append(_regional_rules(spec, primary_region()))
    description: Any = pulumi.Output.all(spec.description, *gates).apply(lambda a: a[0]) if gates else spec.description
    # Resources are registered in this function, not in helpers: the SDK records the whole call stack of every
    # registration, so each extra level is paid once per resource.
    secret = aws.secretsmanager.Secret(
        f"{name}-secret",
        name=spec.name,
        description=description,
        kms_key_id=kms_key_arn,
        recovery_window_in_days=options.recovery_window_days,
        replicas=[
            aws.secretsmanager.SecretReplicaArgs(
                region=region,
                kms_key_id=replica_keys[region].key_arn if region in replica_keys else None,
            )
            for region in spec.replica_regions
        ]
        or None,
        force_overwrite_replica_secret=options.force_overwrite_replica_secret or None,
        tags=tags or None,
        opts=pulumi.ResourceOptions(
            parent=parent,
            protect=True if protected else None,
            # Removing a replica region deletes that replica at once (no recovery window covers replicas), and the
            # provider has no way to say "only additions": under protection any change of the regions is refused.
            replace_on_changes=["replicas"] if protected else None,
        ),
    )
    version = aws.secretsmanager.SecretVersion(
        f"{name}-version",
        secret_id=secret.id,
        secret_string=value,
        version_stages=["AWSCURRENT", INITIAL_VERSION_STAGE] if rotating else None,
        # With rotation on, the rotator owns the value: never write the config value back over it.
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["secret_string", "version_stages"] if rotating else None),
    )
    if spec.readers:
        _grant_readers(name, spec, secret, primary_key, replica_keys, primary_region, parent)
    if rotator is not None:
        _managed_rotation(name, spec, options, rotator, secret, version, primary_key, parent)
    elif rotating:
        _rotation(name, spec, secret, version, parent)
    return BackendResult(
        secret_id=secret.arn,
        secret_ref=secret.arn,
        version_id=version.version_id,
        value=value,
        kms_key_id=kms_key_arn,
    )


def _regional_rules(spec: KeySpec, primary: "pulumi.Output[str]") -> "pulumi.Output[None]":
    """Rules that need the secret's region: no replica in it, and a rotation Lambda in it."""
    lambda_arn = spec.rotation.aws_lambda_arn if spec.rotation is not None else None

    def check(arn_and_region: list[Any]) -> None:
        arn, primary_region = arn_and_region
        for index, region in enumerate(spec.replica_regions):
            if region == primary_region:
                raise SecureApiKeyError(
                    f"replica_regions[{index}]",
                    f"is {region}, the secret's own region (the provider's)",
                    "regions other than the secret's own: a replica there would be the secret itself",
                )
        if arn is not None and str(arn).split(":")[3] != primary_region:
            raise SecureApiKeyError(
                "rotation.aws_lambda_arn",
                f"is a function in {str(arn).split(':')[3]}, but the secret is in {primary_region}",
                "a rotation Lambda in the secret's own region (Secrets Manager invokes it only there)",
            )

    return at_deploy(pulumi.Output.all(lambda_arn, primary), check)


def _grant_readers(
    name: str,
    spec: KeySpec,
    secret: aws.secretsmanager.Secret,
    primary_key: Optional[_kms.RegionalKey],
    replica_keys: dict[str, _kms.RegionalKey],
    primary_region: "Callable[[], pulumi.Output[str]]",
    parent: pulumi.Resource,
) -> None:
    child = pulumi.ResourceOptions(parent=parent)
    readers = pulumi.Output.all(*spec.readers)
    regions = list(spec.replica_regions)
    secret_arns = secret.arn.apply(lambda arn: [arn] + [_policies.replica_arn(arn, r) for r in regions])

    paths = [spec.reader_path(index) for index in range(len(spec.readers))]

    def read_policy(readers_and_arns: list[Any]) -> dict[str, Any]:
        principals, arns = readers_and_arns
        _policies.refuse_readers_in_another_partition(principals, paths, arns[0])
        if primary_key is None:
            _policies.refuse_readers_outside_the_account(principals, paths, arns[0])
        document = _policies.secret_read_policy(principals, arns)
        _policies.refuse_an_oversized_policy(document)
        return document

    aws.secretsmanager.SecretPolicy(
        f"{name}-read-policy",
        secret_arn=secret.arn,
        policy=pulumi.Output.json_dumps(at_deploy(pulumi.Output.all(readers, secret_arns), read_policy)),
        block_public_policy=True,
        opts=child,
    )
    if primary_key is None:
        return
    region = primary_region()
    identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    root = pulumi.Output.concat("arn:", partition.partition, ":iam::", identity.account_id, ":root")
    keys: list[tuple[_kms.RegionalKey, Any, Any, Any]] = [(primary_key, region, secret.arn, None)]
    for replica_region, key in replica_keys.items():
        keys.append((key, replica_region, _replica_arn(secret.arn, replica_region), secret.arn))
    for key, key_region, arn, primary_arn in keys:
        if key.created:
            suffix = f"-{key.region}" if key.region else ""
            document = pulumi.Output.all(root, readers, key_region, arn, partition.dns_suffix, primary_arn).apply(
                lambda a: _policies.key_policy(
                    account_root=a[0], readers=a[1], key_region=a[2], secret_arn=a[3], dns_suffix=a[4], primary_arn=a[5]
                )
            )
            aws.kms.KeyPolicy(
                f"{name}-key-policy{suffix}",
                key_id=key.key_arn,
                policy=pulumi.Output.json_dumps(document),
                region=key.region,
                opts=child,
            )
        else:
            _kms.reader_grants(name, key, spec, arn, parent)


def _replica_arn(primary_arn: "pulumi.Output[str]", region: str) -> "pulumi.Output[str]":
    return primary_arn.apply(lambda arn: _policies.replica_arn(arn, region))


def _rotation(
    name: str,
    spec: KeySpec,
    secret: aws.secretsmanager.Secret,
    version: aws.secretsmanager.SecretVersion,
    parent: pulumi.Resource,
) -> None:
    rotation = spec.rotation
    assert rotation is not None
    assert rotation.aws_lambda_arn is not None
    invoke = aws.lambda_.Permission(
        f"{name}-rotation-invoke",
        action="lambda:InvokeFunction",
        function=rotation.aws_lambda_arn,
        principal="secretsmanager.amazonaws.com",
        source_arn=secret.arn,  # this secret only
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.secretsmanager.SecretRotation(
        f"{name}-rotation",
        secret_id=secret.id,
        rotation_lambda_arn=rotation.aws_lambda_arn,
        rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
            automatically_after_days=rotation.every_days,
            schedule_expression=rotation.schedule_expression,
            duration=rotation.duration,
        ),
        rotate_immediately=rotation.rotate_immediately,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[invoke, version]),
    )


def _managed_rotation(
    name: str,
    spec: KeySpec,
    options: AwsSecretsManagerOptions,
    rotator: RotatorNeeds,
    secret: aws.secretsmanager.Secret,
    version: aws.secretsmanager.SecretVersion,
    primary_key: Optional[_kms.RegionalKey],
    parent: pulumi.Resource,
) -> None:
    """The rotator the component deploys (an issued key with ``rotation``), beside the secret and its first
    version."""
    from ...rotation.deploy.aws import deploy_rotator

    rotation = spec.rotation
    if rotation is None or not rotation.managed or rotation.every_days is None:
        raise ValueError("a rotator is deployed for a managed rotation only")  # build_spec pairs them
    deploy_rotator(
        name,
        rotator=rotator,
        every_days=rotation.every_days,
        secret=secret,
        first_version=version,
        secret_name=secret.name,
        kms_key=primary_key.key_arn if primary_key is not None else None,
        kms_key_created=primary_key is not None and primary_key.created,
        recovery_window_days=options.recovery_window_days,
        protect=spec.store_protected,
        tags=spec.tags,
        parent=parent,
    )
