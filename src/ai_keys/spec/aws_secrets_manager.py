"""What the ``aws-secrets-manager`` backend accepts (service limits from the Secrets Manager API model)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SecureApiKeyError
from . import _checks as check
from .common import CommonSpec, refuse_given, refuse_other_blocks, refuse_rotation_fields

NAME_PATTERN = r"[A-Za-z0-9/_+=.@-]{1,512}"
MAX_VALUE_BYTES = 65_536
REGION_PATTERN = r"([a-z]+-)+\d+"
PRINCIPAL_ARN_PATTERN = (
    r"arn:aws(-cn|-us-gov|-iso|-iso-b)?:(iam::\d{12}:(root|(role|user)/[\w+=,.@/-]{1,512})"
    r"|sts::\d{12}:assumed-role/[\w+=,.@-]{1,64}/[\w+=,.@-]{1,64})"
)
_SCHEDULE = re.compile(r"rate\((?P<n>\d+) (?P<unit>hours?|days?)\)|cron\(.+\)")


@dataclass(frozen=True)
class AwsSecretsManagerOptions:
    """Resolved AWS Secrets Manager settings that are not common to every backend."""

    recovery_window_days: int
    force_overwrite_replica_secret: bool


def check_reader_arns(common: CommonSpec, field: str = "readers") -> None:
    for index, reader in enumerate(common.readers):
        if isinstance(reader, str):
            if "*" in reader:
                raise SecureApiKeyError(
                    f"{field}[{index}]", "must name one principal, not a wildcard", "an IAM role, user or account root ARN"
                )
            check.text(
                f"{field}[{index}]",
                reader,
                pattern=PRINCIPAL_ARN_PATTERN,
                max_len=2048,
                allowed="an IAM principal ARN such as arn:aws:iam::123456789012:role/app",
            )


def _check_rotation(common: CommonSpec) -> None:
    rotation = common.rotation
    if rotation is None:
        return
    refuse_rotation_fields(
        common,
        {
            "azure_webhook_url": "rotation.aws_lambda_arn",
            "azure_function_id": "rotation.aws_lambda_arn",
            "gcp_topic_id": "rotation.aws_lambda_arn",
        },
    )
    if rotation.aws_lambda_arn is None:
        raise SecureApiKeyError(
            "rotation.aws_lambda_arn",
            "is required: Secrets Manager rotates a secret by invoking a Lambda function",
            "the ARN of your rotation Lambda",
        )
    if rotation.schedule_expression is not None:
        match = _SCHEDULE.fullmatch(rotation.schedule_expression)
        allowed = "rate(N hours|days) of at least 4 hours, or cron(...)"
        if match is None:
            raise SecureApiKeyError(
                "rotation.schedule_expression", f"is not a schedule (got {check.shown(rotation.schedule_expression)})", allowed
            )
        if match.group("n") is not None and match.group("unit").startswith("hour") and int(match.group("n")) < 4:
            raise SecureApiKeyError("rotation.schedule_expression", "rotates more often than every 4 hours", allowed)


def _check_encryption(common: CommonSpec) -> None:
    encryption = common.encryption
    if encryption is None:
        return
    for region in encryption.replica_key_ids:
        if region not in common.replica_regions:
            raise SecureApiKeyError(
                f"encryption.replica_key_ids.{region}",
                "is not one of replica_regions",
                ", ".join(common.replica_regions) or "no replica regions are set",
            )
    if encryption.key_id is None and encryption.replica_key_ids and not encryption.create_key:
        raise SecureApiKeyError(
            "encryption.key_id", "is required when replica keys are given", "a KMS key id, ARN or alias for the primary region"
        )
    if encryption.key_id is not None:
        for region in common.replica_regions:
            if region not in encryption.replica_key_ids:
                raise SecureApiKeyError(
                    f"encryption.replica_key_ids.{region}",
                    "is required: KMS keys are regional, so each replica needs its own key",
                    "a KMS key id or ARN in that region, or encryption.create_key: true",
                )
    if encryption.key_rotation_days is not None and not 90 <= encryption.key_rotation_days <= 2560:
        raise SecureApiKeyError(
            "encryption.key_rotation_days",
            f"is out of range (got {encryption.key_rotation_days})",
            "an integer from 90 to 2560 (AWS KMS)",
        )


def check_secrets_manager_fields(common: CommonSpec) -> int:
    """Checks shared by every backend that stores into Secrets Manager; returns the recovery window."""
    if common.name is not None:
        check.text("name", common.name, pattern=NAME_PATTERN, max_len=512, allowed="1-512 characters of A-Za-z0-9/_+=.@-")
        if re.search(r"-[A-Za-z0-9]{6}$", common.name):
            raise SecureApiKeyError(
                "name",
                "ends with a hyphen and six characters, which Secrets Manager confuses with its ARN suffix",
                "a name that does not end in -XXXXXX",
            )
    check_reader_arns(common)
    _check_rotation(common)
    _check_encryption(common)
    for index, region in enumerate(common.replica_regions):
        check.text(
            f"replica_regions[{index}]", region, pattern=REGION_PATTERN, max_len=32, allowed="an AWS region such as eu-west-1"
        )
    for key in common.tags:
        if key.lower().startswith("aws:"):
            raise SecureApiKeyError(f"tags.{key}", "uses the reserved prefix 'aws:'", "tag keys not starting with aws:")
    window = common.recovery_window_days
    if window is None:
        return 30 if common.deletion_protection else 0
    if window != 0 and not 7 <= window <= 30:
        raise SecureApiKeyError("recovery_window_days", f"is out of range (got {window})", "0 (delete at once) or 7 to 30")
    if window == 0 and common.deletion_protection:
        raise SecureApiKeyError(
            "recovery_window_days",
            "is 0 while deletion_protection is on",
            "7 to 30, or set deletion_protection: false to delete at once",
        )
    return window


def parse_aws_block(args: Mapping[str, Any]) -> bool:
    block = check.mapping("aws", args.get("aws") or {})
    check.known_keys("aws", block, ("force_overwrite_replica_secret",))
    return check.boolean("aws.force_overwrite_replica_secret", block.get("force_overwrite_replica_secret", False))


def validate(common: CommonSpec, args: Mapping[str, Any]) -> AwsSecretsManagerOptions:
    refuse_other_blocks(common, args, accepted=("aws",))
    refuse_given(common, {})
    if common.value is None:
        raise SecureApiKeyError(
            "value",
            "is required for backend aws-secrets-manager",
            "a string or a Pulumi secret, e.g. config.require_secret('openai_api_key')",
        )
    if isinstance(common.value, str) and len(common.value.encode()) > MAX_VALUE_BYTES:
        raise SecureApiKeyError("value", f"is {len(common.value.encode())} bytes long", f"at most {MAX_VALUE_BYTES} bytes")
    window = check_secrets_manager_fields(common)
    return AwsSecretsManagerOptions(recovery_window_days=window, force_overwrite_replica_secret=parse_aws_block(args))
