"""Mock outputs of what the ``aws-secrets-manager`` store creates: the ids and ARNs AWS really returns.

The AWS mock cloud's helpers (:mod:`ai_keys.testing.mock_clouds.aws`) are imported when a filler runs: the mock
engine loads this table when it is imported itself, and importing no testing module here keeps the store's entry
light.
"""

from collections.abc import Mapping
from typing import Any, Callable

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def _secret(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_alnum
    from ...testing.mock_clouds.aws import ACCOUNT_ID, autonamed, region_of

    secret_name = autonamed(name, inputs)
    region = region_of(inputs)
    suffix = stable_alnum("secret", secret_name, length=6)
    arn = f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{secret_name}-{suffix}"
    replicas = [
        {**replica, "status": "InSync", "statusMessage": "Replication succeeded"} for replica in inputs.get("replicas", []) or []
    ]
    return arn, {**inputs, "arn": arn, "name": secret_name, "replicas": replicas, "tagsAll": inputs.get("tags", {})}


def _secret_version(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_uuid
    from ...testing.mock_clouds.aws import plain

    secret_id = plain(inputs.get("secretId", ""))
    version_id = stable_uuid("version", name)
    stages = inputs.get("versionStages") or ["AWSCURRENT"]
    return f"{secret_id}|{version_id}", {**inputs, "arn": secret_id, "versionId": version_id, "versionStages": stages}


def _by_secret_arn(key: str) -> Filler:
    def fill(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
        from ...testing.mock_clouds.aws import plain

        return str(plain(inputs.get(key, name))), dict(inputs)

    return fill


def _secret_rotation(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.aws import plain

    return str(plain(inputs.get("secretId", name))), {**inputs, "rotationEnabled": True}


def _kms_key(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_uuid
    from ...testing.mock_clouds.aws import ACCOUNT_ID, region_of

    key_id = stable_uuid("kms", name)
    arn = f"arn:aws:kms:{region_of(inputs)}:{ACCOUNT_ID}:key/{key_id}"
    return key_id, {**inputs, "keyId": key_id, "arn": arn, "tagsAll": inputs.get("tags", {})}


def _kms_alias(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.aws import ACCOUNT_ID, autonamed, plain, region_of

    alias = autonamed(name, inputs)
    target = plain(inputs.get("targetKeyId", ""))
    target_arn = states.get(target, {}).get("arn", target)
    return alias, {
        **inputs,
        "name": alias,
        "arn": f"arn:aws:kms:{region_of(inputs)}:{ACCOUNT_ID}:{alias}",
        "targetKeyArn": target_arn,
    }


def _kms_grant(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_alnum, stable_id
    from ...testing.mock_clouds.aws import plain

    grant_id = stable_id("grant", name, length=64, alphabet="0123456789abcdef")
    return f"{plain(inputs.get('keyId', ''))}:{grant_id}", {
        **inputs,
        "grantId": grant_id,
        "grantToken": stable_alnum("token", name, length=40),
    }


def _key_policy(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.aws import plain

    return str(plain(inputs.get("keyId", name))), dict(inputs)


def _lambda_permission(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_id
    from ...testing.mock_clouds.aws import plain

    statement = plain(inputs.get("statementId")) or f"{name}-{stable_id('stmt', name, length=8)}"
    return str(statement), {**inputs, "statementId": statement}


MOCK_OUTPUTS: Mapping[str, Filler] = {
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:secretsmanager/secretPolicy:SecretPolicy": _by_secret_arn("secretArn"),
    "aws:secretsmanager/secretRotation:SecretRotation": _secret_rotation,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:kms/grant:Grant": _kms_grant,
    "aws:kms/keyPolicy:KeyPolicy": _key_policy,
    "aws:lambda/permission:Permission": _lambda_permission,
}
"""By resource type: ``(name, inputs, states by id) -> (id, state)``."""
MOCK_CALLS: Mapping[str, Callable[[State], State]] = {}
"""The store's invokes (region, caller identity, partition) are the AWS mock cloud's: every AWS program makes them."""
