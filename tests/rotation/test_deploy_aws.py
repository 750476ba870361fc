"""The AWS rotator: the Lambda function, its role and grants, the rotation schedule, and what a change or a destroy
does to them (the lifecycle harness, offline)."""

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from ai_keys import SecureApiKey
from ai_keys.rotation import PLACEHOLDER
from ai_keys.rotation.deploy import function_name, handler_env
from ai_keys.rotation.deploy.aws import FUNCTION_MAX, SECRET_ACTIONS
from ai_keys.testing import MockEngine, plan_destroy, plan_update
from ai_keys.testing.simulation import Cloud, Scenario

ACCOUNT = "123456789012"
AWS = "aws-secrets-manager"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
KMS_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PLAN = {"quota": {"limit": 1000, "period": "MONTH"}, "api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}]}
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
CREDENTIAL = "aws:iam/serviceSpecificCredential:ServiceSpecificCredential"
GRANT = "aws:kms/grant:Grant"
BEDROCK = {"bedrock": {"models": [MODEL]}}
OPENAI = {"openai": {"project_id": "proj_abc123", "admin_key": "admin-key-from-config"}}


def args(issuer: dict[str, Any] = BEDROCK, *, every_days: int = 30, **extra: Any) -> dict[str, Any]:
    return {"backend": AWS, "issuer": issuer, "rotation": {"every_days": every_days}, **extra}


def deploy(engine: MockEngine, **kwargs: Any) -> SecureApiKey:
    key: SecureApiKey = engine.run(lambda: SecureApiKey("ai", args(**kwargs)))  # type: ignore[arg-type]
    return key


def program(key_args: dict[str, Any]) -> Callable[[], None]:
    return lambda: SecureApiKey("ai", key_args)  # type: ignore[arg-type]


def statements(engine: MockEngine) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(engine.one(ROLE_POLICY).plain("policy"))["Statement"]
    return found


def urn(engine: MockEngine, type_: str) -> str:
    return engine.one(type_).urn


def secret_arn(engine: MockEngine) -> str:
    (secret,) = [r for r in engine.find(SECRET) if r.name == "ai-secret"]
    return str(secret.outputs["arn"])


# --- What is deployed


def test_bedrock_makes_the_user_and_the_rotator_but_no_key(engine: MockEngine) -> None:
    deploy(engine)
    assert engine.find(CREDENTIAL) == []  # the rotator makes every credential, the first one included
    assert {r.type for r in engine.resources} >= {FUNCTION, ROLE, ROLE_POLICY, LOG_GROUP, PERMISSION, ROTATION}
    version = engine.one(VERSION)
    assert version.is_secret("secretString")
    assert version.plain("secretString") == PLACEHOLDER
    assert version.ignore_changes == ["secretString", "versionStages"]  # the rotator owns the value


def test_the_function_runs_the_shipped_rotator(engine: MockEngine) -> None:
    deploy(engine)
    function = engine.one(FUNCTION)
    assert function.plain("runtime") == "python3.12"
    assert function.plain("handler") == "index.handler"
    assert function.plain("timeout") == 300
    assert function.plain("memorySize") == 256
    # Secrets Manager runs one rotation of a secret at a time; reserving concurrency would fail in a new account.
    assert "reservedConcurrentExecutions" not in function.inputs
    assert function.plain("role") == engine.one(ROLE).outputs["arn"]
    code = function.inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assert "index.py" in code.assets
    assert "aikeys_rotator/__init__.py" in code.assets
    assert all(not path.endswith(".pyc") and "__pycache__" not in path for path in code.assets)
    name = function.plain("name")
    assert len(name) <= FUNCTION_MAX
    assert re.fullmatch(r"ai-rotator-[0-9a-f]{8}", name)
    assert function_name("ai", "org/project/prod", FUNCTION_MAX) != function_name("ai", "org/project/dev", FUNCTION_MAX)
    assert len(function_name("a" * 100, "s", FUNCTION_MAX)) == FUNCTION_MAX
    # Its grants and log group exist before it can first run.
    assert {urn(engine, ROLE_POLICY), urn(engine, LOG_GROUP)} <= set(function.dependencies)


def test_its_settings_are_those_of_the_design_and_none_is_secret(engine: MockEngine) -> None:
    deploy(engine)
    function = engine.one(FUNCTION)
    env = function.plain("environment", "variables")
    user = engine.one("aws:iam/user:User")
    assert env == {
        "AIKEYS_ISSUER": "bedrock",
        "AIKEYS_STORE": "aws",
        "AIKEYS_SECRET": secret_arn(engine),
        "AIKEYS_EVERY_DAYS": "30",
        "AIKEYS_IAM_USER": user.outputs["name"],
        "AIKEYS_CREDENTIAL_AGE_DAYS": "90",  # two periods and 30 days
        "AIKEYS_KEY_PREFIX": function.plain("name") + "-",  # the issuer names no keys: the function's name
    }
    assert not function.is_secret("environment")
    assert not any(function.is_secret("environment", "variables", name) for name in env)


def test_the_log_group_is_the_functions_own_kept_30_days(engine: MockEngine) -> None:
    deploy(engine)
    logs = engine.one(LOG_GROUP)
    assert logs.plain("name") == f"/aws/lambda/{engine.one(FUNCTION).plain('name')}"
    assert logs.plain("retentionInDays") == 30


def test_the_role_is_lambdas_for_this_account_only(engine: MockEngine) -> None:
    deploy(engine)
    trust = json.loads(engine.one(ROLE).plain("assumeRolePolicy"))
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]


def test_the_role_may_rotate_this_secret_log_to_its_group_and_manage_this_users_keys_only(engine: MockEngine) -> None:
    deploy(engine)
    by_sid = {statement["Sid"]: statement for statement in statements(engine)}
    assert set(by_sid) == {
        "RotateThisSecretOnly",
        "LogToItsOwnGroup",
        "MakeThisUsersBedrockKeys",
        "ListDeactivateDeleteThisUsersKeys",
    }
    assert by_sid["RotateThisSecretOnly"]["Action"] == list(SECRET_ACTIONS)
    assert by_sid["RotateThisSecretOnly"]["Resource"] == secret_arn(engine)
    assert by_sid["LogToItsOwnGroup"]["Resource"] == engine.one(LOG_GROUP).outputs["arn"] + ":*"
    user_arn = engine.one("aws:iam/user:User").outputs["arn"]
    assert by_sid["MakeThisUsersBedrockKeys"] == {
        "Sid": "MakeThisUsersBedrockKeys",
        "Effect": "Allow",
        "Action": "iam:CreateServiceSpecificCredential",
        "Resource": user_arn,
        "Condition": {"StringEquals": {"iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com"}},
    }
    assert by_sid["ListDeactivateDeleteThisUsersKeys"]["Resource"] == user_arn
    assert "iam:ResetServiceSpecificCredential" not in json.dumps(statements(engine))  # it leaves no overlap
    assert all(statement["Resource"] != "*" for statement in statements(engine))


def test_secrets_manager_may_invoke_it_for_this_secret_from_this_account(engine: MockEngine) -> None:
    deploy(engine)
    permission = engine.one(PERMISSION)
    assert permission.plain("principal") == "secretsmanager.amazonaws.com"
    assert permission.plain("action") == "lambda:InvokeFunction"
    assert permission.plain("sourceArn") == secret_arn(engine)
    assert permission.plain("sourceAccount") == ACCOUNT
    assert permission.plain("function") == engine.one(FUNCTION).plain("name")


def test_the_rotation_starts_at_once_and_waits_for_everything_the_rotator_needs(engine: MockEngine) -> None:
    deploy(engine, every_days=14)
    rotation = engine.one(ROTATION)
    assert rotation.plain("rotateImmediately") is True  # the first run makes the first key
    assert rotation.plain("rotationRules") == {"automaticallyAfterDays": 14}
    assert rotation.plain("rotationLambdaArn") == engine.one(FUNCTION).outputs["arn"]
    needed = {urn(engine, t) for t in (FUNCTION, PERMISSION, ROLE_POLICY, VERSION)}
    assert needed <= set(rotation.dependencies)


def test_a_key_the_store_creates_is_used_through_secrets_manager_for_this_secret(engine: MockEngine) -> None:
    deploy(engine, encryption={"create_key": True})
    (kms,) = [s for s in statements(engine) if s["Sid"] == "UseTheSecretsKeyThroughSecretsManager"]
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == engine.one("aws:kms/key:Key").outputs["arn"]
    assert kms["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"},
        "ForAnyValue:StringEquals": {"kms:EncryptionContext:SecretARN": [secret_arn(engine)]},
    }
    assert engine.find(GRANT) == []


def test_a_key_you_bring_gets_a_grant_for_this_secret_as_readers_do(engine: MockEngine) -> None:
    deploy(engine, issuer=OPENAI, encryption={"key_id": KMS_KEY_ARN})
    grants = {g.name: g for g in engine.find(GRANT)}
    admin = next(r for r in engine.find(SECRET) if r.name == "ai-admin-key")
    role_arn = engine.one(ROLE).outputs["arn"]
    assert grants["ai-rotator-key-grant"].plain("operations") == ["Decrypt", "GenerateDataKey"]
    assert grants["ai-rotator-key-grant"].plain("constraints") == [{"encryptionContextSubset": {"SecretARN": secret_arn(engine)}}]
    assert grants["ai-rotator-key-grant-admin-key"].plain("operations") == ["Decrypt"]
    assert grants["ai-rotator-key-grant-admin-key"].plain("constraints") == [
        {"encryptionContextSubset": {"SecretARN": admin.outputs["arn"]}}
    ]
    assert {g.plain("granteePrincipal") for g in grants.values()} == {role_arn}
    assert admin.plain("kmsKeyId") == KMS_KEY_ARN  # encrypted like the key
    assert {g.urn for g in grants.values()} <= set(engine.one(FUNCTION).dependencies)


def test_an_api_gateway_key_is_made_in_its_plan_and_probed_on_its_first_stage(engine: MockEngine) -> None:
    deploy(engine, issuer={"aws_api_gateway": {"usage_plan": PLAN, "probe_path": "/v1/models"}})
    assert engine.find("aws:apigateway/apiKey:ApiKey") == []
    plan_id = engine.one("aws:apigateway/usagePlan:UsagePlan").id
    env = engine.one(FUNCTION).plain("environment", "variables")
    assert env["AIKEYS_ISSUER"] == "aws_api_gateway"
    assert env["AIKEYS_USAGE_PLAN_ID"] == plan_id
    assert env["AIKEYS_PROBE_URL"] == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/v1/models"
    assert env["AIKEYS_KEY_PREFIX"].startswith("ai-keys-ai-")
    by_sid = {s["Sid"]: s for s in statements(engine)}
    base = "arn:aws:apigateway:us-east-1::"
    assert by_sid["MakeAndListKeys"]["Resource"] == f"{base}/apikeys"
    assert by_sid["ReadAndDeleteKeys"] == {
        "Sid": "ReadAndDeleteKeys",
        "Effect": "Allow",
        "Action": ["apigateway:GET", "apigateway:DELETE"],
        "Resource": f"{base}/apikeys/*",
    }
    assert by_sid["AddKeysToThisPlanOnly"]["Resource"] == f"{base}/usageplans/{plan_id}/keys"
    assert by_sid["ReadThisPlansKeys"]["Resource"] == f"{base}/usageplans/{plan_id}/keys/*"


def test_the_issuers_settings_never_override_the_deploys() -> None:
    from ai_keys.rotation import RotatorNeeds

    with pytest.raises(ValueError, match="AIKEYS_SECRET"):
        handler_env(RotatorNeeds(issuer="x", env={"AIKEYS_SECRET": "other"}), "aws", "arn", 30)


# --- What a change or a destroy does (the engine's plan, offline)


def ops(plan: Any, *types: str) -> dict[str, str]:
    """Logical name -> op for the resources of ``types``."""
    found: dict[str, str] = {}
    for type_ in types:
        found.update(plan.of_type(type_))
    return found


def test_turning_rotation_on_deploys_the_rotator_and_keeps_the_secret() -> None:
    before = {"backend": AWS, "issuer": BEDROCK}
    plan = plan_update(program(before), program(args()))
    assert not plan.refused
    assert plan.op("ai-secret") == "same"
    assert plan.op("ai-bedrock-key") == "delete"  # Pulumi made it; the rotator makes the next ones
    assert plan.op("ai-bedrock-user") == "replace"  # and its user goes with every credential it held
    assert ops(plan, FUNCTION, ROLE, ROLE_POLICY, LOG_GROUP, PERMISSION, ROTATION) == {
        "ai-rotator": "create",
        "ai-rotator-role": "create",
        "ai-rotator-policy": "create",
        "ai-rotator-logs": "create",
        "ai-rotation-invoke": "create",
        "ai-rotation": "create",
    }
    # The stored key is kept until the rotator's first run replaces it (the version ignores the placeholder now).
    assert plan.op("ai-version") == "same"


def test_turning_rotation_off_removes_the_rotator_after_the_store_stops_calling_it() -> None:
    plan = plan_update(program(args()), program({"backend": AWS, "issuer": BEDROCK}))
    assert not plan.refused
    assert plan.op("ai-secret") == "same"
    assert plan.op("ai-bedrock-key") == "create"
    assert plan.op("ai-bedrock-user") == "replace"  # the rotator's credentials go with their user
    assert plan.op("ai-version") == "replace"  # Pulumi's key is stored again
    for name in ("ai-rotator", "ai-rotator-role", "ai-rotator-policy", "ai-rotator-logs", "ai-rotation-invoke"):
        assert plan.op(name) == "delete"
        assert plan.index("delete", "ai-rotation") < plan.index("delete", name)


def test_changing_the_period_changes_the_schedule_and_the_setting_only() -> None:
    plan = plan_update(program(args(every_days=30)), program(args(every_days=60)))
    assert not plan.refused
    assert plan.op("ai-rotation") == "update"
    assert plan.changed[plan.urn_of("ai-rotation")] == {"rotationRules.automaticallyAfterDays"}
    assert plan.op("ai-rotator") == "update"
    # Not its code: the engine compares archives by content, and the shipped code is the same.
    assert plan.changed[plan.urn_of("ai-rotator")] == {
        "environment.variables.AIKEYS_EVERY_DAYS",
        "environment.variables.AIKEYS_CREDENTIAL_AGE_DAYS",
        "description",
    }
    untouched = {name for name, op in plan.touched().items() if op != "same"} - {"ai-rotation", "ai-rotator"}
    assert untouched == set()


def test_deploying_again_changes_nothing_the_rotator_included() -> None:
    plan = plan_update(program(args(issuer=OPENAI)), program(args(issuer=OPENAI)))
    assert plan.touched() == {}


def test_changing_the_issuer_keeps_the_secret_and_the_schedule() -> None:
    plan = plan_update(program(args()), program(args(issuer=OPENAI)))
    assert not plan.refused
    assert plan.op("ai-secret") == "same"
    assert plan.op("ai-version") == "same"  # the rotator owns the value
    assert plan.op("ai-rotation") == "same"
    assert plan.op("ai-bedrock-user") == "delete"
    assert plan.op("ai-admin-key") == "create"
    assert plan.op("ai-rotator") == "update"
    assert plan.op("ai-rotator-policy") == "update"
    assert "environment.variables.AIKEYS_ISSUER" in plan.changed[plan.urn_of("ai-rotator")]


def test_a_destroy_stops_the_rotation_before_removing_the_rotator() -> None:
    plan = plan_destroy(program(args(issuer=OPENAI)))
    # The secrets are protected with rotation on, so the engine refuses the destroy until unprotected; the planned
    # order is what it runs then.
    assert {refusal.urn.rsplit("::", 1)[1] for refusal in plan.refused} == {"ai-secret", "ai-admin-key"}
    first = plan.index("delete", "ai-rotation")
    for name in ("ai-rotator", "ai-rotation-invoke", "ai-rotator-role", "ai-rotator-policy", "ai-rotator-logs"):
        assert first < plan.index("delete", name)
    # The function goes before the role and grants it runs with.
    assert plan.index("delete", "ai-rotator") < plan.index("delete", "ai-rotator-policy")


@pytest.mark.parametrize("issuer", [BEDROCK, OPENAI], ids=["bedrock", "openai"])
def test_the_rotator_deploys_in_a_new_account_whose_lambda_concurrency_is_10(issuer: dict[str, Any]) -> None:
    cloud = Cloud(aws_lambda_concurrency=10)
    Scenario(cloud).deploy(program(args(issuer)))  # a reservation of any size is refused here
    (function,) = cloud.live(FUNCTION)
    assert "reservedConcurrentExecutions" not in function.inputs
