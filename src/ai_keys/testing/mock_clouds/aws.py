"""Mock outputs for AWS resources: the ids and ARNs the AWS provider really returns."""

from typing import Any, Callable, Optional

from ._ids import autoname, stable_alnum, stable_id, stable_uuid

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def _region(inputs: State) -> str:
    region = inputs.get("region")
    return region if isinstance(region, str) and region else REGION


def _plain(value: Any) -> Any:
    # Secret inputs arrive as envelopes; ids and names are never secret, so read through them.
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def _autoname(name: str, inputs: State, key: str = "name") -> str:
    given = _plain(inputs.get(key))
    return given if isinstance(given, str) and given else f"{name}-{autoname(name, length=7)}"


def _secret(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    secret_name = _autoname(name, inputs)
    region = _region(inputs)
    suffix = stable_alnum("secret", secret_name, length=6)
    arn = f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{secret_name}-{suffix}"
    replicas = [
        {**replica, "status": "InSync", "statusMessage": "Replication succeeded"} for replica in inputs.get("replicas", []) or []
    ]
    return arn, {**inputs, "arn": arn, "name": secret_name, "replicas": replicas, "tagsAll": inputs.get("tags", {})}


def _secret_version(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    secret_id = _plain(inputs.get("secretId", ""))
    version_id = stable_uuid("version", name)
    stages = inputs.get("versionStages") or ["AWSCURRENT"]
    return f"{secret_id}|{version_id}", {**inputs, "arn": secret_id, "versionId": version_id, "versionStages": stages}


def _by_secret_arn(key: str) -> Filler:
    def fill(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
        return str(_plain(inputs.get(key, name))), dict(inputs)

    return fill


def _secret_rotation(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    return str(_plain(inputs.get("secretId", name))), {**inputs, "rotationEnabled": True}


def _kms_key(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    key_id = stable_uuid("kms", name)
    arn = f"arn:aws:kms:{_region(inputs)}:{ACCOUNT_ID}:key/{key_id}"
    return key_id, {**inputs, "keyId": key_id, "arn": arn, "tagsAll": inputs.get("tags", {})}


def _kms_alias(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    alias = _autoname(name, inputs)
    target = _plain(inputs.get("targetKeyId", ""))
    target_arn = states.get(target, {}).get("arn", target)
    return alias, {
        **inputs,
        "name": alias,
        "arn": f"arn:aws:kms:{_region(inputs)}:{ACCOUNT_ID}:{alias}",
        "targetKeyArn": target_arn,
    }


def _kms_grant(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    grant_id = stable_id("grant", name, length=64, alphabet="0123456789abcdef")
    return f"{_plain(inputs.get('keyId', ''))}:{grant_id}", {
        **inputs,
        "grantId": grant_id,
        "grantToken": stable_alnum("token", name, length=40),
    }


def _key_policy(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    return str(_plain(inputs.get("keyId", name))), dict(inputs)


def _lambda_permission(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    statement = _plain(inputs.get("statementId")) or f"{name}-{stable_id('stmt', name, length=8)}"
    return str(statement), {**inputs, "statementId": statement}


def _api_key(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    key_id = stable_id("apikey", name, length=10)
    value = inputs.get("value") or stable_alnum("apikey-value", name, length=40)
    return key_id, {
        **inputs,
        "name": _autoname(name, inputs),
        "value": value,
        "arn": f"arn:aws:apigateway:{_region(inputs)}::/apikeys/{key_id}",
        "enabled": inputs.get("enabled", True),
        "createdDate": "2026-01-01T00:00:00Z",
        "lastUpdatedDate": "2026-01-01T00:00:00Z",
        "tagsAll": inputs.get("tags", {}),
    }


def _usage_plan(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    plan_id = stable_id("usageplan", name, length=6)
    return plan_id, {
        **inputs,
        "name": _autoname(name, inputs),
        "arn": f"arn:aws:apigateway:{_region(inputs)}::/usageplans/{plan_id}",
        "tagsAll": inputs.get("tags", {}),
    }


def _usage_plan_key(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    key_id = str(_plain(inputs.get("keyId", "")))
    api_key = states.get(key_id, {})
    # Like AWS, the plan key echoes the API key's name and value (the value in plaintext).
    return key_id, {**inputs, "name": api_key.get("name", key_id), "value": _plain(api_key.get("value", ""))}


def _iam_role(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    role_name = _autoname(name, inputs)
    return role_name, {
        **inputs,
        "name": role_name,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}",
        "uniqueId": "AROA" + stable_alnum("role", name, length=17).upper(),
    }


def _generic(type_: str) -> Filler:
    # Any other AWS resource: a stable id and an ARN of the usual shape.
    service = type_.split(":")[1].split("/")[0]

    def fill(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
        resource_id = f"{name}-{stable_id(type_, name, length=8)}"
        arn = f"arn:aws:{service}:{_region(inputs)}:{ACCOUNT_ID}:{type_.rsplit(':', 1)[-1].lower()}/{resource_id}"
        return resource_id, {"arn": arn, **inputs}

    return fill


def _rest_api(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    api_id = stable_id("restapi", name, length=10)
    return api_id, {
        **inputs,
        "name": _autoname(name, inputs),
        "rootResourceId": stable_id("root", name, length=10),
        "arn": f"arn:aws:apigateway:{_region(inputs)}::/restapis/{api_id}",
        "executionArn": f"arn:aws:execute-api:{_region(inputs)}:{ACCOUNT_ID}:{api_id}",
    }


_FILLERS: dict[str, Filler] = {
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:iam/role:Role": _iam_role,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:secretsmanager/secretPolicy:SecretPolicy": _by_secret_arn("secretArn"),
    "aws:secretsmanager/secretRotation:SecretRotation": _secret_rotation,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:kms/grant:Grant": _kms_grant,
    "aws:kms/keyPolicy:KeyPolicy": _key_policy,
    "aws:lambda/permission:Permission": _lambda_permission,
    "aws:apigateway/apiKey:ApiKey": _api_key,
    "aws:apigateway/usagePlan:UsagePlan": _usage_plan,
    "aws:apigateway/usagePlanKey:UsagePlanKey": _usage_plan_key,
}


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for a known AWS type, else ``None``."""
    if type_.startswith("pulumi:providers:"):
        return None
    filler = _FILLERS.get(type_) or _generic(type_)
    return filler(name, inputs, states_by_id)


def call(token: str, args: State) -> Optional[State]:
    """Results of the AWS invokes the component uses."""
    if token == "aws:index/getRegion:getRegion":
        region = args.get("region") or args.get("name") or REGION
        return {
            "id": region,
            "name": region,
            "region": region,
            "description": "mock region",
            "endpoint": f"ec2.{region}.amazonaws.com",
        }
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "id": ACCOUNT_ID,
            "accountId": ACCOUNT_ID,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer",
            "userId": "AIDAMOCKDEPLOYER",
        }
    if token == "aws:index/getPartition:getPartition":
        return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
    return None
