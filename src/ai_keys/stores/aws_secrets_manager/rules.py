"""What the ``aws-secrets-manager`` backend accepts (service limits from the Secrets Manager API model)."""

import dataclasses
import functools
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Optional

from ...errors import SecureApiKeyError
from ...rules import KeySpec
from ...rules import _checks as check
from ...rules.common import (
    CommonSpec,
    EncryptionSpec,
    refuse_given,
    refuse_other_blocks,
    refuse_rotation_fields,
    refuse_unnamed_output_readers,
    require_value,
)
from ...rules.deploy_time import at_deploy

NAME_PATTERN = r"[A-Za-z0-9/_+=.@-]{1,512}"
MAX_VALUE_BYTES = 65_536
REGION_PATTERN = r"([a-z]+-)+\d+"
# IAM names are ASCII; ``\w`` would also match other scripts' letters, which IAM refuses.
PRINCIPAL_ARN_PATTERN = (
    r"arn:aws(-cn|-us-gov|-iso|-iso-b)?:(iam::\d{12}:(root|(role|user)/[A-Za-z0-9_+=,.@/-]{1,512})"
    r"|sts::\d{12}:assumed-role/[A-Za-z0-9_+=,.@-]{1,64}/[A-Za-z0-9_+=,.@-]{1,64})"
)
# The cron body uses the characters the Secrets Manager API model allows in a schedule expression.
_SCHEDULE = re.compile(r"rate\((?P<n>\d+) (?P<unit>hours?|days?)\)|cron\([0-9A-Za-z()#?*/, -]+\)")
MAX_RATE_DAYS = 999
MIN_ROTATION_HOURS = 4
_HOUR_TERM = re.compile(r"(?P<start>\*|\d{1,2})(-(?P<end>\d{1,2}))?(/(?P<step>\d{1,2}))?")
# An auto-named secret is called "<component>-secret-<7 random characters>", and pulumi-aws auto-names
# up to 255 characters.
MAX_AUTONAMED_COMPONENT = 255 - len("-secret-") - 7
_ALIAS = re.compile(r"(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?alias/.+")
# What KMS accepts as a key reference: a key id (or multi-Region key id), a key ARN, an alias name or an alias ARN.
_KEY_REF = re.compile(
    r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
    r"|alias/[A-Za-z0-9/_-]+)"
)
_KEY_REF_RULE = "a KMS key id, key ARN, alias/NAME or alias ARN"


@dataclass(frozen=True)
class AwsSecretsManagerOptions:
    """Resolved AWS Secrets Manager settings that are not common to every backend."""

    recovery_window_days: int
    force_overwrite_replica_secret: bool


def options_of(spec: KeySpec) -> AwsSecretsManagerOptions:
    """This store's options in ``spec``: what :func:`validate` returned."""
    options = spec.store_options
    assert isinstance(options, AwsSecretsManagerOptions)  # build_spec pairs every spec with its own store's options
    return options


READ_ACTION = "secretsmanager:GetSecretValue"
MAX_POLICY_CHARS = 20_480
"""Secrets Manager's limit on a resource policy."""
# The shortest ARN a secret can have: the policy a known list of readers makes is at least this long.
_SHORTEST_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:k-AbCdEf"


def secret_read_policy(readers: Sequence[str], secret_arns: Sequence[str]) -> dict[str, Any]:
    """Resource policy: the readers may read this secret (and its replicas) and nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadThisSecretOnly",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(readers)},
                "Action": READ_ACTION,
                "Resource": list(secret_arns),
            }
        ],
    }


def check_policy_size(common: CommonSpec) -> None:
    """Known readers: refuse a policy that is over the limit even with the shortest possible secret ARNs."""
    if not common.readers or not all(isinstance(r, str) for r in common.readers):
        return
    arns = [_SHORTEST_SECRET_ARN] * (1 + len(common.replica_regions))
    refuse_an_oversized_policy(secret_read_policy(list(common.readers), arns))


def refuse_an_oversized_policy(document: Mapping[str, Any]) -> None:
    """Secrets Manager refuses a resource policy over 20,480 characters, and only once the secret exists."""
    if len(json.dumps(document)) > MAX_POLICY_CHARS:
        readers = len(document["Statement"][0]["Principal"]["AWS"])
        raise SecureApiKeyError(
            "readers",
            f"are {readers} principals whose secret policy is longer than Secrets Manager's limit of "
            f"{MAX_POLICY_CHARS:,} characters",
            "fewer readers: grant a role that the others assume, or an account root",
        )


READER_RULE = "an IAM principal ARN such as arn:aws:iam::123456789012:role/app"
MAX_IAM_NAME = 64
"""IAM role and user names are at most 64 characters (the path before them may be longer)."""


def checked_reader(path: str, reader: Any) -> str:
    """A reader as one IAM principal ARN; the same rule for a known value and for an Output once it resolves."""
    if isinstance(reader, str) and "*" in reader:
        raise SecureApiKeyError(path, "must name one principal, not a wildcard", "an IAM role, user or account root ARN")
    arn = check.text(path, reader, pattern=PRINCIPAL_ARN_PATTERN, max_len=2048, allowed=READER_RULE)
    kind = arn.split(":", 5)[5]
    if kind.startswith(("role/", "user/")):
        name = kind.rsplit("/", 1)[-1]
        if len(name) > MAX_IAM_NAME:
            raise SecureApiKeyError(
                path, f"names a {kind.split('/', 1)[0]} of {len(name)} characters", f"IAM names of at most {MAX_IAM_NAME}"
            )
    return arn


def check_reader_arns(common: CommonSpec) -> None:
    """Each reader known now, by :func:`checked_reader`."""
    for index, reader in enumerate(common.readers):
        if isinstance(reader, str):
            checked_reader(common.reader_path(index), reader)


def _check_rotation(common: CommonSpec) -> None:
    rotation = common.rotation
    if rotation is None or rotation.managed:  # a managed rotation was judged whole by ai_keys.rules.rotation
        return
    refuse_rotation_fields(
        common,
        {
            "azure_webhook_url": "rotation.aws_lambda_arn",
            "azure_function_id": "rotation.aws_lambda_arn",
            "azure_rotator_principal_id": "rotation.aws_lambda_arn (the Lambda's role needs secretsmanager:PutSecretValue)",
            "gcp_topic_id": "rotation.aws_lambda_arn",
        },
    )
    # Without rotation.aws_lambda_arn the rotation was refused already (ai_keys.rules.rotation), saying why.
    rate_hours: Optional[int] = None
    if rotation.schedule_expression is not None:
        match = _SCHEDULE.fullmatch(rotation.schedule_expression)
        allowed = f"rate(N hours) with N >= {MIN_ROTATION_HOURS}, rate(N days) with N from 1 to {MAX_RATE_DAYS}, or cron(...)"
        if match is None:
            raise SecureApiKeyError(
                "rotation.schedule_expression", f"is not a schedule (got {check.shown(rotation.schedule_expression)})", allowed
            )
        if match.group("n") is None:
            rate_hours = _cron_gap_hours(rotation.schedule_expression, allowed)
        else:
            count = int(match.group("n"))
            if match.group("unit").startswith("hour"):
                if count < MIN_ROTATION_HOURS:
                    raise SecureApiKeyError(
                        "rotation.schedule_expression", f"rotates more often than every {MIN_ROTATION_HOURS} hours", allowed
                    )
                if count > MAX_RATE_DAYS * 24:
                    raise SecureApiKeyError("rotation.schedule_expression", f"has a rate of {count} hours", allowed)
                rate_hours = count
            elif not 1 <= count <= MAX_RATE_DAYS:
                raise SecureApiKeyError("rotation.schedule_expression", f"has a rate of {count} days", allowed)
    if rotation.duration is not None:
        # The window is at least an hour and may not run into the next UTC day or the next rotation.
        hours = int(rotation.duration[:-1])
        limit = min(24, rate_hours) if rate_hours is not None else 24
        if not 1 <= hours <= limit:
            raise SecureApiKeyError(
                "rotation.duration",
                f"is a window of {hours} hours",
                f"1h to {limit}h (the window may not reach into the next UTC day or the next rotation)",
            )


def _cron_gap_hours(expression: str, allowed: str) -> int:
    """The shortest time in whole hours between two rotations a ``cron(...)`` schedule asks for (24 when it runs
    at most once a day); refuses schedules Secrets Manager would reject for running more often than every 4 hours."""
    field = "rotation.schedule_expression"
    too_often = f"rotates more often than every {MIN_ROTATION_HOURS} hours"
    fields = expression[len("cron(") : -1].split()
    if len(fields) != 6:
        shape = f"{allowed} with 6 fields: minutes hours day month weekday year"
        raise SecureApiKeyError(field, f"has {len(fields)} cron fields", shape)
    minutes, hours = fields[0], fields[1]
    if not minutes.isdigit():
        raise SecureApiKeyError(field, too_often, allowed)
    chosen = _cron_hours(hours)
    if chosen is None:
        raise SecureApiKeyError(field, f"has an hours field Secrets Manager cannot read ({hours!r})", allowed)
    ordered = sorted(chosen)
    gaps = [later - earlier for earlier, later in itertools.pairwise(ordered)] + [ordered[0] + 24 - ordered[-1]]
    if min(gaps) < MIN_ROTATION_HOURS:
        raise SecureApiKeyError(field, too_often, allowed)
    return min(gaps)


def _cron_hours(field: str) -> Optional[set[int]]:
    """The hours (0-23) a cron hours field selects, or None when it is not one AWS accepts."""
    hours: set[int] = set()
    for term in field.split(","):
        match = _HOUR_TERM.fullmatch(term)
        if match is None or (match["start"] == "*" and match["end"] is not None):
            return None
        start = 0 if match["start"] == "*" else int(match["start"])
        end = int(match["end"]) if match["end"] is not None else (23 if match["start"] == "*" or match["step"] else start)
        step = int(match["step"]) if match["step"] is not None else 1
        if not 0 <= start <= end <= 23 or step < 1:
            return None
        hours.update(range(start, end + 1, step))
    return hours


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
    for field, key, replica_region in _brought_keys(encryption):
        if isinstance(key, str):  # an Output gets the same rules once it resolves: see encryption_checked_at_deploy
            _key_reference(field, replica_region, key)
    if common.readers and not encryption.create_key:
        refuse_unnamed_output_readers(common, "each reader gets a KMS grant of its own on the key you bring")
    if _key_granted(common):
        for field, key, _ in _brought_keys(encryption):
            if isinstance(key, str):
                _granted_key(field, key, _grantees(common))
    if encryption.key_rotation_days is not None and not 90 <= encryption.key_rotation_days <= 2560:
        raise SecureApiKeyError(
            "encryption.key_rotation_days",
            f"is out of range (got {encryption.key_rotation_days})",
            "an integer from 90 to 2560 (AWS KMS)",
        )


def _brought_keys(encryption: EncryptionSpec) -> list[tuple[str, Any, Optional[str]]]:
    """``(field path, key, replica region or None)`` of each key the user brings."""
    keys: list[tuple[str, Any, Optional[str]]] = []
    if encryption.key_id is not None:
        keys.append(("encryption.key_id", encryption.key_id, None))
    keys += [(f"encryption.replica_key_ids.{r}", k, r) for r, k in encryption.replica_key_ids.items()]
    return keys


def _key_reference(field: str, replica_region: Optional[str], key: Any) -> str:
    """A KMS key reference, in the replica's own region when it names one."""
    text = check.text(field, key, max_len=2048, allowed=_KEY_REF_RULE)
    match = _KEY_REF.fullmatch(text)
    if match is None:
        raise SecureApiKeyError(field, f"is not a KMS key reference (got {check.shown(text)})", _KEY_REF_RULE)
    if replica_region is not None and match.group("region") not in (None, replica_region):
        raise SecureApiKeyError(
            field,
            f"is a key in {match.group('region')}, not in {replica_region}",
            "a KMS key in the replica's own region (KMS keys are regional)",
        )
    return text


def _key_granted(common: CommonSpec) -> bool:
    """Whether a key the user brings gets KMS grants: one per reader, and one for a managed rotation's rotator."""
    return bool(common.readers) or (common.rotation is not None and common.rotation.managed)


def _grantees(common: CommonSpec) -> str:
    return "readers are given" if common.readers else "the rotator the component deploys gets a grant on it"


def _granted_key(field: str, key: str, grantees: str = "readers are given") -> str:
    # Readers of a key the user brings get KMS grants, and CreateGrant takes a key id or key ARN, never an alias.
    if _ALIAS.fullmatch(key):
        raise SecureApiKeyError(
            field,
            f"is a key alias, but {grantees}: KMS grants need the key itself",
            "the key's id or ARN (an alias works only without readers or a managed rotation)",
        )
    return key


def _key_at_deploy(field: str, replica_region: Optional[str], grantees: Optional[str], key: Any) -> str:
    text = _key_reference(field, replica_region, key)
    return _granted_key(field, text, grantees) if grantees is not None else text


def encryption_checked_at_deploy(common: CommonSpec) -> Optional[EncryptionSpec]:
    """``common.encryption`` with each brought key known only at deploy time held back until it resolves and passes
    the rules a known key passed: a KMS key reference, in its replica's region, and no alias when readers get grants."""
    encryption = common.encryption
    if encryption is None or encryption.create_key:
        return encryption
    granted = _grantees(common) if _key_granted(common) else None

    def checked(field: str, key: Any, replica_region: Optional[str]) -> Any:
        if key is None or isinstance(key, str):
            return key
        return at_deploy(key, functools.partial(_key_at_deploy, field, replica_region, granted))

    return dataclasses.replace(
        encryption,
        key_id=checked("encryption.key_id", encryption.key_id, None),
        replica_key_ids=MappingProxyType(
            {r: checked(f"encryption.replica_key_ids.{r}", k, r) for r, k in encryption.replica_key_ids.items()}
        ),
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
    elif common.resource_name and not re.fullmatch(rf"[A-Za-z0-9/_+=.@-]{{1,{MAX_AUTONAMED_COMPONENT}}}", common.resource_name):
        # The provider derives the secret's name from the component's name: refuse now what AWS would refuse later.
        raise SecureApiKeyError(
            "name",
            f"is required: the component name {check.shown(common.resource_name)} cannot be part of a secret name",
            f"a name of 1-512 characters of A-Za-z0-9/_+=.@-, or a component name of those characters only "
            f"(at most {MAX_AUTONAMED_COMPONENT})",
        )
    check_reader_arns(common)
    check_policy_size(common)
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
    """``aws.force_overwrite_replica_secret``, checked (the ``aws`` block has no other field)."""
    block = check.mapping("aws", args.get("aws") or {})
    check.known_keys("aws", block, ("force_overwrite_replica_secret",))
    return check.boolean("aws.force_overwrite_replica_secret", block.get("force_overwrite_replica_secret", False))


def validate(common: CommonSpec, args: Mapping[str, Any]) -> AwsSecretsManagerOptions:
    """Judge ``common`` and the ``aws`` block by Secrets Manager's rules."""
    refuse_other_blocks(common, args, accepted=("aws",))
    refuse_given(common, {})
    require_value(common, MAX_VALUE_BYTES, example_key="openai_api_key")
    window = check_secrets_manager_fields(common)
    return AwsSecretsManagerOptions(recovery_window_days=window, force_overwrite_replica_secret=parse_aws_block(args))
