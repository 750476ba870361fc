"""The ``bedrock`` issuer: an Amazon Bedrock long-term API key.

An IAM user made for the key, allowed only to invoke the models named (``bedrock:InvokeModel`` and
``bedrock:InvokeModelWithResponseStream`` on those ARNs, and ``bedrock:CallWithBearerToken``, which lets the key
be used at all), and an IAM service-specific credential for ``bedrock.amazonaws.com`` that expires after
``expires_in_days`` (default 90; never unlimited). The stored value is the key itself; ``issued_key_id`` is the
credential's alias.

With ``rotation`` (kept in ``aws-secrets-manager``) Pulumi makes the user and its policy only: the rotator makes
every credential, the first one included, two at most (IAM's limit per user and service), and replaces the
time-based re-issue. Its role may manage the service-specific credentials of that one user, for Bedrock only.
"""

import base64
import functools
import json
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

import pulumi

from .._clock import mock_now, utc_now
from ..errors import SecureApiKeyError
from ..rotation import PLACEHOLDER, RotatorNeeds
from ..rules import RotationSpec
from ..rules import _checks as check
from ..rules.deploy_time import at_deploy, now_or_at_deploy
from . import IssuedKey, ManagedRotation

EXTRA, SDK = "aws", "pulumi_aws"
ROTATION = ManagedRotation(stores=("aws-secrets-manager",))
"""The rotator runs as a Lambda function beside a Secrets Manager secret, in the key's own account."""
SERVICE = "bedrock.amazonaws.com"
CREDENTIAL_ACTIONS = (
    "iam:CreateServiceSpecificCredential",
    "iam:ListServiceSpecificCredentials",
    "iam:UpdateServiceSpecificCredential",
    "iam:DeleteServiceSpecificCredential",
)
"""What the rotator does with the user's credentials: make one, list them, deactivate one, then delete it. Never
ResetServiceSpecificCredential, which leaves no overlap."""
FIELDS = ("models", "allow_all_models", "expires_in_days")
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
BEARER_ACTION = "bedrock:CallWithBearerToken"
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 36_600  # IAM's limit for credential_age_days
MAX_USER_POLICY_CHARS = 2_048
"""IAM's limit on the inline policies of one user together, counted without whitespace (IAM quotas)."""
_MODEL_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-eusc")
"""The partitions whose Bedrock ARNs the issuer accepts."""
_MODEL = re.compile(
    rf"arn:(?P<partition>{'|'.join(_MODEL_PARTITIONS)}):bedrock:(?P<region>(eusc|[a-z]{{2}})(-[a-z]+)+-\d)?:(?P<account>\d{{12}})?:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model|imported-model)"
    r"/(?P<id>[A-Za-z0-9._:/-]{1,256})"
)
MODEL_RULE = (
    "a Bedrock model ARN: arn:aws:bedrock:REGION::foundation-model/ID, the region-less "
    "arn:aws:bedrock:::foundation-model/ID that global cross-region inference is authorised on, or an ARN of your "
    "account's inference-profile, application-inference-profile, provisioned-model, custom-model or imported-model"
)
GLOBAL_PROFILE_PREFIX = "global."
"""The id prefix of a global cross-region inference profile, e.g. ``global.anthropic.claude-sonnet-4-5-20250929-v1:0``."""
GLOBAL_PROFILE_RULE = (
    "the global inference profile together with its model's ARN in the profile's region "
    "(arn:aws:bedrock:REGION::foundation-model/ID) and the region-less one (arn:aws:bedrock:::foundation-model/ID): "
    "IAM checks all three on every call through a global profile"
)
# Which partition a region is in, from botocore/data/partitions.json ("regionRegex"). A region none of these
# matches is left unchecked rather than guessed.
_REGION_PARTITIONS = (
    (re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+"), "aws"),
    (re.compile(r"cn-\w+-\d+"), "aws-cn"),
    (re.compile(r"us-gov-\w+-\d+"), "aws-us-gov"),
    (re.compile(r"eusc-de-\w+-\d+"), "aws-eusc"),
    (re.compile(r"us-iso-\w+-\d+"), "aws-iso"),
    (re.compile(r"us-isob-\w+-\d+"), "aws-iso-b"),
    (re.compile(r"eu-isoe-\w+-\d+"), "aws-iso-e"),
    (re.compile(r"us-isof-\w+-\d+"), "aws-iso-f"),
)


@dataclass(frozen=True)
class BedrockOptions:
    """A validated ``issuer.bedrock`` block."""

    models: tuple[Any, ...]
    allow_all_models: bool
    expires_in_days: int
    expiry_given: bool = False
    """Whether ``expires_in_days`` was written (else :data:`DEFAULT_EXPIRY_DAYS`, or a rotated key's own default)."""


def _model(path: str, arn: Any) -> str:
    """One model ARN: its shape, a region on all but a foundation model, and an account id exactly where Bedrock
    puts one."""
    if isinstance(arn, str) and "*" in arn:
        raise SecureApiKeyError(
            path, "is a wildcard", "the ARNs of the models the key may call, or allow_all_models: true to let it call any model"
        )
    text = check.text(path, arn, max_len=2048, allowed=MODEL_RULE)
    match = _MODEL.fullmatch(text)
    if match is None:
        raise SecureApiKeyError(path, f"is not a Bedrock model ARN (got {check.shown(text)})", MODEL_RULE)
    kind = match.group("kind")
    # Only a foundation model has a region-less ARN (global cross-region inference); your own profiles and
    # models always live in one region.
    if kind != "foundation-model" and match.group("region") is None:
        raise SecureApiKeyError(path, f"lacks the region every {kind} ARN has (got {check.shown(text)})", MODEL_RULE)
    if (kind == "foundation-model") != (match.group("account") is None):
        raise SecureApiKeyError(
            path,
            "has an account id where Bedrock has none (foundation models)"
            if match.group("account")
            else "lacks the account id Bedrock puts in the ARNs of your own models and profiles",
            MODEL_RULE,
        )
    return text


def _one_partition(path: str, arns: Sequence[str]) -> None:
    partitions = {match.group("partition") for match in map(_MODEL.fullmatch, arns) if match is not None}
    if len(partitions) > 1:
        raise SecureApiKeyError(path, f"mixes partitions ({', '.join(sorted(partitions))})", "models of one partition")


def _global_profile_models(profile: "re.Match[str]") -> tuple[str, str]:
    """The two foundation-model ARNs IAM checks besides a global profile: the model in the profile's (source)
    region, and the region-less one that stands for every destination region."""
    partition, region = profile.group("partition"), profile.group("region")
    model = profile.group("id")[len(GLOBAL_PROFILE_PREFIX) :]
    return (
        f"arn:{partition}:bedrock:{region}::foundation-model/{model}",
        f"arn:{partition}:bedrock:::foundation-model/{model}",
    )


def _models_together(path: str, arns: Sequence[str]) -> list[str]:
    """The rules over the whole list, on known ARNs now or on Outputs once all resolve (same messages): one
    partition, each model once, and each global inference profile beside the two foundation-model ARNs without
    which every call through it is refused."""
    _one_partition(path, arns)
    check.no_duplicates(path, list(arns))
    listed = set(arns)
    for index, match in enumerate(map(_MODEL.fullmatch, arns)):
        if match is None or match.group("kind") != "inference-profile":
            continue
        if not match.group("id").startswith(GLOBAL_PROFILE_PREFIX):
            continue
        missing = [arn for arn in _global_profile_models(match) if arn not in listed]
        if missing:
            raise SecureApiKeyError(
                f"{path}[{index}]",
                f"is a global inference profile, but models lacks {' and '.join(missing)}",
                GLOBAL_PROFILE_RULE,
            )
    _policy_fits(path, arns)
    return list(arns)


def _policy_fits(path: str, arns: Sequence[str]) -> None:
    """The key's user gets one inline policy naming every model: IAM refuses it past its size limit."""
    size = sum(not ch.isspace() for ch in json.dumps(invoke_policy(list(arns), allow_all=False)))
    if size > MAX_USER_POLICY_CHARS:
        raise SecureApiKeyError(
            path,
            f"lists {len(arns)} models, whose invoke policy has {size} characters: over IAM's limit of "
            f"{MAX_USER_POLICY_CHARS:,} for the inline policies of a user",
            f"fewer models (their policy at most {MAX_USER_POLICY_CHARS:,} characters), or allow_all_models: true",
        )


def validate(block: Mapping[str, Any], path: str) -> BedrockOptions:
    """Check ``issuer.bedrock``; every refusal names the field path."""
    check.known_keys(path, block, FIELDS)
    allow_all = check.boolean(f"{path}.allow_all_models", block.get("allow_all_models", False))
    models_path = f"{path}.models"
    raw_models = check.sequence(models_path, block.get("models") or [], max_items=100)
    if not raw_models and not allow_all:
        raise SecureApiKeyError(
            models_path, "is required", "the model ARNs the key may invoke (or allow_all_models: true, to allow any)"
        )
    if raw_models and allow_all:
        raise SecureApiKeyError(f"{path}.allow_all_models", "cannot be combined with models", "one of models or allow_all_models")
    checked = [
        now_or_at_deploy(
            check.input_str(f"{models_path}[{i}]", arn, max_len=2048, allowed=MODEL_RULE),
            functools.partial(_model, f"{models_path}[{i}]"),
        )
        for i, arn in enumerate(raw_models)
    ]
    known = [arn for arn in checked if isinstance(arn, str)]
    models: tuple[Any, ...]
    if len(known) == len(checked):
        models = tuple(_models_together(models_path, known))
    else:
        # Refuse now what the known ARNs already show; the whole list is judged once the Outputs resolve.
        _one_partition(models_path, known)
        check.no_duplicates(models_path, checked)
        together = at_deploy(pulumi.Output.all(*checked), functools.partial(_models_together, models_path))
        models = tuple(together.apply(operator.itemgetter(i)) for i in range(len(checked)))
    expires = check.integer(f"{path}.expires_in_days", block.get("expires_in_days", DEFAULT_EXPIRY_DAYS), 1, MAX_EXPIRY_DAYS)
    return BedrockOptions(
        models=models, allow_all_models=allow_all, expires_in_days=expires, expiry_given=block.get("expires_in_days") is not None
    )


def rotated_expiry_days(options: BedrockOptions, every_days: int) -> int:
    """How long each rotated credential lives: ``expires_in_days`` when written, else two periods and a 30-day
    margin (a credential is current one period, then previous one more), within IAM's limit."""
    if options.expiry_given:
        return options.expires_in_days
    return min(2 * every_days + 30, MAX_EXPIRY_DAYS)


def check_with_rotation(options: BedrockOptions, rotation: Optional[RotationSpec]) -> None:
    """With a managed rotation, a credential must outlive its two periods (current, then previous): a shorter
    ``expires_in_days`` would let the previous key die while clients still hold it."""
    if rotation is None or not rotation.managed or rotation.every_days is None or not options.expiry_given:
        return
    if options.expires_in_days <= 2 * rotation.every_days:
        raise SecureApiKeyError(
            "issuer.bedrock.expires_in_days",
            f"is {options.expires_in_days} days, but with rotation every {rotation.every_days} days each key is "
            f"current for one period and previous for one more ({2 * rotation.every_days} days)",
            f"more than {2 * rotation.every_days} days, or leave it out (then {2 * rotation.every_days + 30})",
        )


def invoke_policy(models: list[str], allow_all: bool) -> dict[str, Any]:
    """The user's only permissions: invoke these models, with a bearer token.

    No ``bedrock-mantle:*`` action is granted. The ``bedrock-mantle`` endpoint authorises ``CreateInference`` on a
    project (``arn:aws:bedrock-mantle:REGION:ACCOUNT:project/ID``), not on a model, so a key allowed there could call
    every model the project serves. The OpenAI-compatible Chat Completions and Responses APIs are also served by the
    ``bedrock-runtime`` endpoint (``https://bedrock-runtime.REGION.amazonaws.com/openai/v1``), which checks
    ``bedrock:InvokeModel`` on the model's ARN, so the key keeps its list of models there.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeTheseModelsOnly",
                "Effect": "Allow",
                "Action": list(INVOKE_ACTIONS),
                "Resource": ["*"] if allow_all else models,
            },
            # Without it IAM refuses every call made with a Bedrock API key; it names no resource.
            {"Sid": "UseTheKey", "Effect": "Allow", "Action": BEARER_ACTION, "Resource": "*"},
        ],
    }


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _partition_of(region: str) -> Optional[str]:
    return next((partition for pattern, partition in _REGION_PARTITIONS if pattern.fullmatch(region)), None)


def _in_region(index: int, arn_and_region: list[Any]) -> str:
    """One model ARN against the provider's region, once known: same partition always; same region for your
    account's profiles and models. A foundation model may be in any region, or in none (global inference)."""
    arn, region = str(arn_and_region[0]), str(arn_and_region[1])
    match = _MODEL.fullmatch(arn)
    if match is None:
        return arn
    field = f"issuer.bedrock.models[{index}]"
    partition = _partition_of(region)
    if partition is not None and match.group("partition") != partition:
        raise SecureApiKeyError(
            field,
            f"is in partition {match.group('partition')}, but the key is made and used in {region} (partition {partition})",
            f"model ARNs of the {partition} partition, the provider's"
            if partition in _MODEL_PARTITIONS
            else f"a provider in a region of the {', '.join(_MODEL_PARTITIONS)} partitions, where Bedrock's ARNs are known",
        )
    if match.group("account") and match.group("region") != region:
        raise SecureApiKeyError(
            field,
            f"is {_article(match.group('kind'))} {match.group('kind')} in {match.group('region')}, "
            f"but the key is made and used in {region}",
            "your account's profiles and models in the provider's region (foundation models may be in any region)",
        )
    return arn


def issue(
    name: str,
    options: BedrockOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """The IAM user, its invoke-only policy and the Bedrock API key; with a managed ``rotation``, the user and its
    policy only, and what the rotator needs to make the keys (the first one included)."""
    import pulumi_aws as aws

    child = pulumi.ResourceOptions(parent=parent)
    # Your own profiles and models live in one region: the provider's, where the key is used. Foundation models may
    # sit in other regions (a cross-region inference profile routes to them).
    region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=parent)).region
    models = [
        at_deploy(pulumi.Output.all(arn, region), functools.partial(_in_region, index))
        for index, arn in enumerate(options.models)
    ]
    managed = rotation is not None and rotation.managed and rotation.every_days is not None
    user = aws.iam.User(
        f"{name}-bedrock-user",
        path="/ai-keys/bedrock/",
        force_destroy=True,
        tags=dict(tags) or None,
        opts=pulumi.ResourceOptions(
            parent=parent,
            # Turning rotation on or off gives the key a new user, and the old one goes with every credential it
            # holds (force_destroy): none of the other side's keys stays live, and the new side finds IAM's two
            # credentials per user free.
            replacement_trigger="keys-made-by-the-rotator" if managed else "keys-made-by-pulumi",
        ),
    )
    policy = aws.iam.UserPolicy(
        f"{name}-bedrock-invoke",
        user=user.name,
        policy=pulumi.Output.all(*models).apply(lambda arns: json.dumps(invoke_policy(list(arns), options.allow_all_models))),
        opts=child,
    )
    if managed and rotation is not None and rotation.every_days is not None:
        return IssuedKey(
            value=pulumi.Output.secret(PLACEHOLDER),
            # The rotator makes every credential under this user: the user's ARN says which keys these are.
            issued_key_id=user.arn,
            rotator=rotator_needs(user, policy, rotated_expiry_days(options, rotation.every_days)),
        )
    credential = aws.iam.ServiceSpecificCredential(
        f"{name}-bedrock-key",
        service_name=SERVICE,
        user_name=user.name,
        credential_age_days=options.expires_in_days,
        opts=pulumi.ResourceOptions(
            parent=parent,
            # The key is useless until the user may invoke the models: make it after the policy.
            depends_on=[policy],
            additional_secret_outputs=["serviceCredentialSecret"],
            # Nothing renews an IAM credential: after its expiry every deploy would be a no-op while the store
            # serves a dead key. Each renewal window replaces it, create-before-delete, so the new key is made and
            # stored before the old one is deleted (https://www.pulumi.com/docs/iac/concepts/resources/options/replacementtrigger/).
            replacement_trigger=f"renewal-window-{renewal_window(utc_now(), options.expires_in_days)}",
        ),
    )
    return IssuedKey(
        value=pulumi.Output.secret(credential.service_credential_secret), issued_key_id=credential.service_credential_alias
    )


def rotator_needs(user: Any, policy: Any, expiry_days: int) -> RotatorNeeds:
    """The rotator's settings and grants: the user's Bedrock credentials, and nothing else in IAM.

    ``policy`` is in the user name's Output, so the rotator's grants wait for the user to be allowed to invoke the
    models: a key the rotator makes is usable at once.
    """
    user_name = pulumi.Output.all(user.name, policy.id).apply(lambda parts: str(parts[0]))
    return RotatorNeeds(
        issuer="bedrock",
        env={"AIKEYS_IAM_USER": user_name, "AIKEYS_CREDENTIAL_AGE_DAYS": str(expiry_days)},
        aws_statements=rotator_statements(user.arn),
    )


def rotator_statements(user_arn: Any) -> list[dict[str, Any]]:
    """IAM statements for the rotator's role: the credentials of this one user, and only Bedrock's. The
    ``iam:ServiceSpecificCredentialServiceName`` condition key is the one AWS's own service control policies use to
    govern Bedrock API keys (aws-samples/service-control-policy-examples, Deny-Bedrock-api-keys.json)."""
    return [
        {
            "Sid": "MakeThisUsersBedrockKeys",
            "Effect": "Allow",
            "Action": "iam:CreateServiceSpecificCredential",
            "Resource": user_arn,
            "Condition": {"StringEquals": {"iam:ServiceSpecificCredentialServiceName": SERVICE}},
        },
        {
            "Sid": "ListDeactivateDeleteThisUsersKeys",
            "Effect": "Allow",
            "Action": list(CREDENTIAL_ACTIONS[1:]),
            "Resource": user_arn,
        },
    ]


def renewal_period(expires_in_days: int) -> timedelta:
    """How often the key is renewed: two thirds of its lifetime, so the last third is the overlap in which a
    deploy renews it before it expires."""
    return timedelta(days=expires_in_days) * 2 / 3


def renewal_window(now: datetime, expires_in_days: int) -> int:
    """The renewal window ``now`` falls in. Windows are :func:`renewal_period` long and counted from the Unix
    epoch, so every run of a deploy computes the same one, and a key made at any moment is renewed by the first
    deploy of the next window, which starts before the key expires (the first renewal can come early)."""
    return int((now - _EPOCH) // renewal_period(expires_in_days))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _mock_user(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ..testing.mock_clouds._ids import autoname, stable_alnum

    user = inputs.get("name") or f"{name}-{autoname(name, length=7)}"
    path = inputs.get("path") or "/"
    return user, {
        **inputs,
        "name": user,
        "arn": f"arn:aws:iam::123456789012:user{path}{user}",
        "uniqueId": "AIDA" + stable_alnum("user", name, length=17).upper(),
    }


def _mock_credential(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ..testing.mock_clouds._ids import stable_alnum

    credential_id = "ACCA" + stable_alnum("credential", name, length=17).upper()
    user = inputs.get("userName")
    return f"{SERVICE}:{user}:{credential_id}", {
        **inputs,
        "serviceSpecificCredentialId": credential_id,
        "serviceCredentialAlias": f"{user}-at-123456789012",
        # A Bedrock long-term key is "ABSK" and the base64 of "<alias>:<secret>" (see ai_keys.key_patterns).
        "serviceCredentialSecret": "ABSK"
        + base64.b64encode(f"{user}-at-123456789012:{stable_alnum('bedrock-key', name, length=60)}".encode()).decode(),
        "serviceUserName": None,
        "status": "Active",
        "createDate": mock_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expirationDate": _expiry(inputs.get("credentialAgeDays")),
    }


def _expiry(days: Any) -> Any:
    if not isinstance(days, (int, float)):
        return None
    return (mock_now() + timedelta(days=int(days))).strftime("%Y-%m-%dT%H:%M:%SZ")


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "aws:iam/user:User": _mock_user,
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": _mock_credential,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
