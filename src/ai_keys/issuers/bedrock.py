"""The ``bedrock`` issuer: an Amazon Bedrock long-term API key.

An IAM user made for the key, allowed only to invoke the models named (``bedrock:InvokeModel`` and
``bedrock:InvokeModelWithResponseStream`` on those ARNs, and ``bedrock:CallWithBearerToken``, which lets the key
be used at all), and an IAM service-specific credential for ``bedrock.amazonaws.com`` that expires after
``expires_in_days`` (default 90; never unlimited). The stored value is the key itself; ``issued_key_id`` is the
credential's alias.
"""

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pulumi

from ..errors import SecureApiKeyError
from ..rules import _checks as check
from ..rules.deploy_time import at_deploy, now_or_at_deploy
from . import IssuedKey

EXTRA, SDK = "aws", "pulumi_aws"
SERVICE = "bedrock.amazonaws.com"
FIELDS = ("models", "allow_all_models", "expires_in_days")
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
BEARER_ACTION = "bedrock:CallWithBearerToken"
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 36_600  # IAM's limit for credential_age_days
_MODEL = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):bedrock:(?P<region>[a-z]{2}(-[a-z]+)+-\d):(?P<account>\d{12})?:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model|imported-model)"
    r"/[A-Za-z0-9._:/-]{1,256}"
)
MODEL_RULE = (
    "a Bedrock model ARN: arn:aws:bedrock:REGION::foundation-model/ID, or an ARN of your account's "
    "inference-profile, application-inference-profile, provisioned-model, custom-model or imported-model"
)


@dataclass(frozen=True)
class BedrockOptions:
    """A validated ``issuer.bedrock`` block."""

    models: tuple[Any, ...]
    allow_all_models: bool
    expires_in_days: int


def _model(path: str, arn: Any) -> str:
    """One model ARN: its shape, and an account id exactly where Bedrock puts one."""
    if isinstance(arn, str) and "*" in arn:
        raise SecureApiKeyError(
            path, "is a wildcard", "the ARNs of the models the key may call, or allow_all_models: true to let it call any model"
        )
    text = check.text(path, arn, max_len=2048, allowed=MODEL_RULE)
    match = _MODEL.fullmatch(text)
    if match is None:
        raise SecureApiKeyError(path, f"is not a Bedrock model ARN (got {check.shown(text)})", MODEL_RULE)
    if (match.group("kind") == "foundation-model") != (match.group("account") is None):
        raise SecureApiKeyError(
            path,
            "has an account id where Bedrock has none (foundation models)"
            if match.group("account")
            else "lacks the account id Bedrock puts in the ARNs of your own models and profiles",
            MODEL_RULE,
        )
    return text


def validate(block: Mapping[str, Any], path: str) -> BedrockOptions:
    """Check ``issuer.bedrock``; every refusal names the field path."""
    check.known_keys(path, block, FIELDS)
    allow_all = check.boolean(f"{path}.allow_all_models", block.get("allow_all_models", False))
    raw_models = check.sequence(f"{path}.models", block.get("models") or [], max_items=100)
    if not raw_models and not allow_all:
        raise SecureApiKeyError(
            f"{path}.models", "is required", "the model ARNs the key may invoke (or allow_all_models: true, to allow any)"
        )
    if raw_models and allow_all:
        raise SecureApiKeyError(f"{path}.allow_all_models", "cannot be combined with models", "one of models or allow_all_models")
    models = tuple(
        now_or_at_deploy(
            check.input_str(f"{path}.models[{i}]", arn, max_len=2048, allowed=MODEL_RULE),
            functools.partial(_model, f"{path}.models[{i}]"),
        )
        for i, arn in enumerate(raw_models)
    )
    partitions = {_MODEL.fullmatch(m).group("partition") for m in models if isinstance(m, str)}  # type: ignore[union-attr]
    if len(partitions) > 1:
        raise SecureApiKeyError(
            f"{path}.models", f"mixes partitions ({', '.join(sorted(partitions))})", "models of one partition"
        )
    check.no_duplicates(f"{path}.models", list(models))
    expires = check.integer(f"{path}.expires_in_days", block.get("expires_in_days", DEFAULT_EXPIRY_DAYS), 1, MAX_EXPIRY_DAYS)
    return BedrockOptions(models=models, allow_all_models=allow_all, expires_in_days=expires)


def invoke_policy(models: list[str], allow_all: bool) -> dict[str, Any]:
    """The user's only permissions: invoke these models, with a bearer token."""
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


def _in_region(index: int, arn_and_region: list[Any]) -> str:
    arn, region = str(arn_and_region[0]), str(arn_and_region[1])
    match = _MODEL.fullmatch(arn)
    if match is not None and match.group("account") and match.group("region") != region:
        raise SecureApiKeyError(
            f"issuer.bedrock.models[{index}]",
            f"is a {match.group('kind')} in {match.group('region')}, but the key is made and used in {region}",
            "your account's profiles and models in the provider's region (foundation models may be in any region)",
        )
    return arn


def issue(name: str, options: BedrockOptions, tags: Mapping[str, str], parent: pulumi.Resource) -> IssuedKey:
    """The IAM user, its invoke-only policy and the Bedrock API key."""
    import pulumi_aws as aws

    child = pulumi.ResourceOptions(parent=parent)
    # Your own profiles and models live in one region: the provider's, where the key is used. Foundation models may
    # sit in other regions (a cross-region inference profile routes to them).
    region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=parent)).region
    models = [
        at_deploy(pulumi.Output.all(arn, region), functools.partial(_in_region, index))
        for index, arn in enumerate(options.models)
    ]
    user = aws.iam.User(f"{name}-bedrock-user", path="/ai-keys/bedrock/", tags=dict(tags) or None, opts=child)
    policy = aws.iam.UserPolicy(
        f"{name}-bedrock-invoke",
        user=user.name,
        policy=pulumi.Output.all(*models).apply(lambda arns: json.dumps(invoke_policy(list(arns), options.allow_all_models))),
        opts=child,
    )
    credential = aws.iam.ServiceSpecificCredential(
        f"{name}-bedrock-key",
        service_name=SERVICE,
        user_name=user.name,
        credential_age_days=options.expires_in_days,
        # The key is useless until the user may invoke the models: make it after the policy.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy], additional_secret_outputs=["serviceCredentialSecret"]),
    )
    return IssuedKey(
        value=pulumi.Output.secret(credential.service_credential_secret), issued_key_id=credential.service_credential_alias
    )


def _mock_user(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ..testing.mock_clouds._ids import stable_alnum, stable_id

    user = inputs.get("name") or f"{name}-{stable_id('autoname', name, length=7)}"
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
        "serviceCredentialSecret": "ABSK" + stable_alnum("bedrock-key", name, length=60),
        "serviceUserName": None,
        "status": "Active",
        "createDate": "2026-01-01T00:00:00Z",
        "expirationDate": _expiry(inputs.get("credentialAgeDays")),
    }


def _expiry(days: Any) -> Any:
    if not isinstance(days, (int, float)):
        return None
    return (datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=int(days))).strftime("%Y-%m-%dT%H:%M:%SZ")


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "aws:iam/user:User": _mock_user,
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": _mock_credential,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
