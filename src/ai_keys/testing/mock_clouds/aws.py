"""The AWS mock cloud: its account and region, the invokes every AWS program makes, the helpers the stores' mock
outputs use, and the outputs of AWS types no store or issuer owns (the examples' roles and APIs, the rotator's
function, role, policy and log group, and a generic id and ARN for any other type). Each store's and issuer's own
types are in its mock table."""

from typing import Any, Callable, Optional

from ._ids import autoname, stable_alnum, stable_id

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def region_of(inputs: State) -> str:
    """The resource's ``region``, or the provider's."""
    region = inputs.get("region")
    return region if isinstance(region, str) and region else REGION


def plain(value: Any) -> Any:
    """``value`` out of its secret envelope."""
    # Secret inputs arrive as envelopes; ids and names are never secret, so read through them.
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def autonamed(name: str, inputs: State, key: str = "name") -> str:
    """The name given in ``inputs[key]``, or the one the provider makes from the logical ``name``."""
    given = plain(inputs.get(key))
    return given if isinstance(given, str) and given else f"{name}-{autoname(name, length=7)}"


def _iam_role(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    role_name = autonamed(name, inputs)
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
        arn = f"arn:aws:{service}:{region_of(inputs)}:{ACCOUNT_ID}:{type_.rsplit(':', 1)[-1].lower()}/{resource_id}"
        return resource_id, {"arn": arn, **inputs}

    return fill


def _rest_api(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    api_id = stable_id("restapi", name, length=10)
    return api_id, {
        **inputs,
        "name": autonamed(name, inputs),
        "rootResourceId": stable_id("root", name, length=10),
        "arn": f"arn:aws:apigateway:{region_of(inputs)}::/restapis/{api_id}",
        "executionArn": f"arn:aws:execute-api:{region_of(inputs)}:{ACCOUNT_ID}:{api_id}",
    }


def _iam_role_policy(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    # An inline policy's id is "<role name>:<policy name>".
    policy_name = autonamed(name, inputs)
    return f"{plain(inputs.get('role', ''))}:{policy_name}", {**inputs, "name": policy_name}


def _log_group(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    group = autonamed(name, inputs)
    # The provider trims the ":*" CloudWatch Logs puts at the end of a log group's ARN.
    return group, {
        **inputs,
        "name": group,
        "arn": f"arn:aws:logs:{region_of(inputs)}:{ACCOUNT_ID}:log-group:{group}",
        "tagsAll": inputs.get("tags", {}),
    }


def _lambda_function(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    function = autonamed(name, inputs)
    region = region_of(inputs)
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function}"
    return function, {
        **inputs,
        "name": function,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "version": "$LATEST",
        "sourceCodeHash": stable_alnum("code", name, length=43) + "=",
        "lastModified": "2025-01-01T00:00:00.000+0000",
        "tagsAll": inputs.get("tags", {}),
    }


_FILLERS: dict[str, Filler] = {
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:iam/role:Role": _iam_role,
    # The rotator's own (ai_keys.rotation.deploy.aws); its secrets, rotation and permission are the store's types.
    "aws:iam/rolePolicy:RolePolicy": _iam_role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/function:Function": _lambda_function,
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
