"""The rotator on AWS: a Lambda function Secrets Manager invokes to rotate one secret, and the grants it needs.

Beside the secret and its first version, :func:`deploy_rotator` makes:

* ``/aws/lambda/<function>``, the function's log group (30 days), made first so Lambda never makes one that no
  deploy owns;
* the function's role, assumable by Lambda on behalf of this account only (``aws:SourceAccount``), with one inline
  policy: read, write and restage **this secret** (``GetSecretValue``, ``PutSecretValue``, ``DescribeSecret``,
  ``UpdateSecretVersionStage`` on its ARN), read the admin key's secret (openai), use the secret's customer-managed
  key through Secrets Manager, write to its own log group, and the issuer's statements (:attr:`RotatorNeeds.aws_statements`);
* the admin key (openai) in its own secret ``<secret name>-admin-key``, encrypted like the key, whose resource
  policy lets the rotator's role read it and no one else;
* the function (Python 3.12, ``index.handler``, 300 s, 256 MB, one run at a time) from the code shipped in the
  wheel (:func:`ai_keys.rotation.package.archive`);
* the permission for Secrets Manager to invoke it for this secret only, from this account;
* the ``SecretRotation`` (every ``rotation.every_days`` days, and once at once: the first rotation makes the first
  key where the issuer leaves that to the rotator). It depends on everything the rotator needs, so it is created
  last, and on a destroy deleted first: Secrets Manager stops calling the function before the function, its
  permission and its role go.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from .. import RotatorNeeds
from ..package import archive
from . import ADMIN_KEY_SUFFIX, function_name, handler_env

__all__ = [
    "FUNCTION_MAX",
    "LOG_RETENTION_DAYS",
    "MEMORY_MB",
    "RUNTIME",
    "SECRET_ACTIONS",
    "TIMEOUT_SECONDS",
    "AwsRotator",
    "deploy_rotator",
    "role_policy",
    "trust_policy",
]

RUNTIME = "python3.12"
HANDLER = "index.handler"
TIMEOUT_SECONDS = 300
"""A rotation waits for a new API Gateway key to work (a delay of its own): well within Lambda's 15 minutes."""
MEMORY_MB = 256
LOG_RETENTION_DAYS = 30
FUNCTION_MAX = 64
"""Lambda function names are at most 64 characters."""
SECRET_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:UpdateSecretVersionStage",
)
"""What a rotation does with its secret: read the versions, write the pending one, move the stages."""
KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
"""What Secrets Manager does with a customer-managed key on the rotator's behalf: read and write versions."""


@dataclass(frozen=True)
class AwsRotator:
    """What :func:`deploy_rotator` made (for tests and for the store's result)."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    rotation: aws.secretsmanager.SecretRotation
    admin_key_secret: Optional[aws.secretsmanager.Secret] = None


def trust_policy(account_id: str) -> dict[str, Any]:
    """Lambda may assume the role, on behalf of this account only (the confused-deputy guard)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def role_policy(
    *,
    secret_arn: str,
    log_group_arn: str,
    admin_key_arn: Optional[str],
    key_arn: Optional[str],
    region: str,
    dns_suffix: str,
    issuer_statements: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The rotator role's one inline policy: this secret, its admin key's secret, their customer-managed key through
    Secrets Manager only, its own log group, and what the issuer asks for."""
    secrets = [secret_arn] if admin_key_arn is None else [secret_arn, admin_key_arn]
    statements: list[dict[str, Any]] = [
        {"Sid": "RotateThisSecretOnly", "Effect": "Allow", "Action": list(SECRET_ACTIONS), "Resource": secret_arn},
    ]
    if admin_key_arn is not None:
        statements.append(
            {"Sid": "ReadTheAdminKey", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": admin_key_arn}
        )
    if key_arn is not None:
        statements.append(
            {
                "Sid": "UseTheSecretsKeyThroughSecretsManager",
                "Effect": "Allow",
                "Action": list(KMS_ACTIONS),
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.{dns_suffix}"},
                    "ForAnyValue:StringEquals": {"kms:EncryptionContext:SecretARN": secrets},
                },
            }
        )
    statements.append(
        {
            "Sid": "LogToItsOwnGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        }
    )
    statements += [dict(statement) for statement in issuer_statements]
    return {"Version": "2012-10-17", "Statement": statements}


def _admin_key_policy(role_arn: str, admin_key_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyTheRotatorReadsTheAdminKey",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": admin_key_arn,
            }
        ],
    }


def deploy_rotator(
    name: str,
    *,
    rotator: RotatorNeeds,
    every_days: int,
    secret: aws.secretsmanager.Secret,
    first_version: aws.secretsmanager.SecretVersion,
    secret_name: "pulumi.Output[str]",
    kms_key: Optional[Any],
    kms_key_created: bool,
    recovery_window_days: int,
    protect: bool,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> AwsRotator:
    """The rotator of ``secret``, whose first version exists (``first_version``). ``kms_key`` is the ARN of the
    secret's customer-managed key (None: AWS managed), created by the store (``kms_key_created``: its key policy
    trusts the account's IAM policies) or brought by the user (then a grant, as readers get)."""
    child = pulumi.ResourceOptions(parent=parent)
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    identity = aws.get_caller_identity_output(opts=invoke)
    partition = aws.get_partition_output(opts=invoke)
    region = aws.get_region_output(opts=invoke).region
    tag_map = dict(tags) or None
    scope = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    fn_name = function_name(name, scope, FUNCTION_MAX)

    logs = aws.cloudwatch.LogGroup(
        f"{name}-rotator-logs", name=f"/aws/lambda/{fn_name}", retention_in_days=LOG_RETENTION_DAYS, tags=tag_map, opts=child
    )
    role = aws.iam.Role(
        f"{name}-rotator-role",
        description=f"Rotates the {name} key: this secret only",
        assume_role_policy=pulumi.Output.json_dumps(identity.account_id.apply(trust_policy)),
        tags=tag_map,
        opts=child,
    )
    admin_secret: Optional[aws.secretsmanager.Secret] = None
    admin_ready: list[pulumi.Resource] = []
    if rotator.admin_key is not None:
        admin_secret = aws.secretsmanager.Secret(
            f"{name}{ADMIN_KEY_SUFFIX}",
            name=pulumi.Output.concat(secret_name, ADMIN_KEY_SUFFIX),
            description=f"The admin key the {name} key's rotator makes keys with: readable by the rotator only",
            kms_key_id=kms_key,
            recovery_window_in_days=recovery_window_days,
            tags=tag_map,
            opts=pulumi.ResourceOptions(parent=parent, protect=True if protect else None),
        )
        # A secret whatever the issuer handed over: the admin key never reaches the state in plaintext.
        admin_key: pulumi.Output[str] = pulumi.Output.secret(rotator.admin_key)
        admin_ready.append(
            aws.secretsmanager.SecretVersion(
                f"{name}{ADMIN_KEY_SUFFIX}-version", secret_id=admin_secret.id, secret_string=admin_key, opts=child
            )
        )
        admin_ready.append(
            aws.secretsmanager.SecretPolicy(
                f"{name}{ADMIN_KEY_SUFFIX}-policy",
                secret_arn=admin_secret.arn,
                policy=pulumi.Output.json_dumps(
                    pulumi.Output.all(role.arn, admin_secret.arn).apply(lambda a: _admin_key_policy(str(a[0]), str(a[1])))
                ),
                block_public_policy=True,
                opts=child,
            )
        )
    admin_arn: Any = admin_secret.arn if admin_secret is not None else None
    # A key the store created trusts the account's IAM policies (its key policy's first statement); a key the
    # user brings may not, so the rotator gets a grant on it, constrained to this secret, as readers do.
    key_in_policy = kms_key if kms_key is not None and kms_key_created else None
    policy = aws.iam.RolePolicy(
        f"{name}-rotator-policy",
        role=role.id,
        policy=pulumi.Output.json_dumps(
            pulumi.Output.all(
                secret.arn, logs.arn, admin_arn, key_in_policy, region, partition.dns_suffix, list(rotator.aws_statements)
            ).apply(
                lambda a: role_policy(
                    secret_arn=a[0],
                    log_group_arn=a[1],
                    admin_key_arn=a[2],
                    key_arn=a[3],
                    region=a[4],
                    dns_suffix=a[5],
                    issuer_statements=a[6],
                )
            )
        ),
        opts=child,
    )
    ready: list[pulumi.Resource] = [policy, logs, *admin_ready]
    if kms_key is not None and not kms_key_created:
        for index, arn in enumerate([secret.arn] if admin_secret is None else [secret.arn, admin_secret.arn]):
            ready.append(
                aws.kms.Grant(
                    f"{name}-rotator-key-grant" + ("" if index == 0 else ADMIN_KEY_SUFFIX),
                    key_id=kms_key,
                    grantee_principal=role.arn,
                    operations=["Decrypt", "GenerateDataKey"] if index == 0 else ["Decrypt"],
                    constraints=[aws.kms.GrantConstraintArgs(encryption_context_subset={"SecretARN": arn})],
                    opts=child,
                )
            )
    env = handler_env(rotator, "aws", secret.arn, every_days, admin_key_ref=admin_arn, key_prefix=f"{fn_name}-")
    function = aws.lambda_.Function(
        f"{name}-rotator",
        name=fn_name,
        description=f"Rotates the {name} key ({rotator.issuer}) every {every_days} days",
        role=role.arn,
        runtime=RUNTIME,
        handler=HANDLER,
        code=archive("aws"),
        timeout=TIMEOUT_SECONDS,
        memory_size=MEMORY_MB,
        # No reserved concurrency: Secrets Manager runs one rotation of a secret at a time already, and reserving
        # any is refused in a new account, whose limit (10) leaves nothing above the 100 Lambda keeps unreserved.
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=env),
        tags=tag_map,
        # Its grants and its log group exist before it can first run.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=ready),
    )
    permission = aws.lambda_.Permission(
        f"{name}-rotation-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="secretsmanager.amazonaws.com",
        source_arn=secret.arn,  # this secret only
        source_account=identity.account_id,
        opts=child,
    )
    rotation = aws.secretsmanager.SecretRotation(
        f"{name}-rotation",
        secret_id=secret.id,
        rotation_lambda_arn=function.arn,
        rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(automatically_after_days=every_days),
        # The first rotation runs at once: it makes the first key where the issuer leaves that to the rotator.
        rotate_immediately=True,
        # Created last, deleted first: Secrets Manager stops calling the function before anything it needs goes.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[function, permission, first_version, *ready]),
    )
    return AwsRotator(function=function, role=role, rotation=rotation, admin_key_secret=admin_secret)
