"""API Gateway keys (``issuer.aws_api_gateway``), option by option, under the mock engine."""

import json
import re
from typing import Any

import pulumi
import pytest

from ai_keys import Backend, DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.rotation import PLACEHOLDER
from ai_keys.rules import build_spec
from ai_keys.testing import MockEngine, RegisteredResource, mock_pulumi, resolve_output, unwrap_secrets

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN

API_KEY = "aws:apigateway/apiKey:ApiKey"
PLAN = "aws:apigateway/usagePlan:UsagePlan"
PLAN_KEY = "aws:apigateway/usagePlanKey:UsagePlanKey"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
PERMISSION = "aws:lambda/permission:Permission"
KMS_KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
COMPONENT = "ai-keys:index:SecureApiKey"

KEY_CANARY = "CANARYapigw7fq2XbL9mNw4KzR8tY1vQ3hJ6dS0aP5u"
"""A valid API key value (20-128 letters and digits) that tests look for in non-secret places."""
BAD_KEY = "CANARY-with-hyphens-7fq2XbL9mNw4KzR8"
"""A key value with characters API Gateway refuses; errors must not show it either."""
API_ID = "a1b2c3d4e5"
SECRET_ARN = re.compile(r"arn:aws:secretsmanager:(?P<region>[a-z0-9-]+):123456789012:secret:(?P<name>.+)-[A-Za-z0-9]{6}")
STAGES = [{"api_id": API_ID, "stage": "prod"}]
PLAN_ARGS: dict[str, Any] = {"usage_plan": {"api_stages": STAGES}}


COPY: dict[str, Any] = {"backend": "aws-secrets-manager"}
"""What keeps a Secrets Manager copy of an API Gateway key."""


def build(engine: MockEngine, block: Any = None, *, copy: bool = False, value: Any = None, **args: Any) -> SecureApiKey:
    """An API Gateway key: ``block`` is ``issuer.aws_api_gateway`` (default: a plan on one stage), ``value`` the key
    brought (``issuer.aws_api_gateway.value``), ``copy`` keeps a copy in Secrets Manager."""
    issuer = {**(block or PLAN_ARGS), **({"value": value} if value is not None else {})}
    full: dict[str, Any] = {"issuer": {"aws_api_gateway": issuer}, **(COPY if copy else {}), **args}
    component: SecureApiKey = engine.run(lambda: SecureApiKey("acme", full))  # type: ignore[arg-type]
    return component


def children(engine: MockEngine) -> list[RegisteredResource]:
    return [r for r in engine.resources if r.type != COMPONENT]


class TestGeneratedKey:
    def test_creates_key_plan_and_plan_key_parented_to_the_component(self, engine: MockEngine) -> None:
        build(engine)
        component = engine.one(COMPONENT, "acme")
        assert sorted((r.type, r.name) for r in children(engine)) == [
            (API_KEY, "acme-api-key"),
            (PLAN, "acme-usage-plan"),
            (PLAN_KEY, "acme-usage-plan-key"),
        ]
        for child in children(engine):
            assert child.parent_urn == component.urn
            assert child.urn.endswith(f"ai-keys:index:SecureApiKey${child.type}::{child.name}")

    def test_aws_generates_the_value_and_the_key_is_auto_named(self, engine: MockEngine) -> None:
        build(engine)
        api_key = engine.one(API_KEY)
        assert "value" not in api_key.inputs
        assert "name" not in api_key.inputs
        assert "tags" not in api_key.inputs
        assert "customerId" not in api_key.inputs
        assert api_key.plain("enabled") is True
        assert api_key.ignore_changes == []
        assert "value" in api_key.additional_secret_outputs  # set by the SDK for the generated value

    def test_plan_key_links_key_and_plan_and_marks_its_value_output_secret(self, engine: MockEngine) -> None:
        build(engine)
        api_key = engine.one(API_KEY)
        plan = engine.one(PLAN)
        plan_key = engine.one(PLAN_KEY)
        assert plan_key.plain("keyId") == api_key.id
        assert plan_key.plain("usagePlanId") == plan.id
        assert plan_key.plain("keyType") == "API_KEY"
        # AWS echoes the key's value on the plan key; the SDK does not mark it, the component does.
        assert plan_key.outputs["value"] == api_key.outputs["value"]
        assert plan_key.additional_secret_outputs == ["value"]
        assert api_key.urn in plan_key.dependencies
        assert plan.urn in plan_key.dependencies

    def test_outputs_resolve_to_realistic_values(self, engine: MockEngine) -> None:
        key = build(engine)
        api_key = engine.one(API_KEY)
        plan = engine.one(PLAN)
        assert re.fullmatch(r"[a-z0-9]{10}", str(api_key.id))
        assert resolve_output(key.backend).value == "aws-api-gateway"
        for output in (key.secret_id, key.api_key_id, key.secret_ref, key.version_id):
            resolved = resolve_output(output)
            assert resolved.value == api_key.id
            assert not resolved.is_secret
        usage_plan_id = resolve_output(key.usage_plan_id)
        assert usage_plan_id.value == plan.id
        assert not usage_plan_id.is_secret
        assert resolve_output(key.kms_key_id).value is None
        value = resolve_output(key.value)
        assert value.is_secret
        assert re.fullmatch(r"[A-Za-z0-9]{40}", value.value)
        assert value.value == api_key.outputs["value"]

    def test_preview_mode_registers_the_same_resources_and_keeps_the_value_secret(self, preview_engine: MockEngine) -> None:
        key = build(preview_engine, copy=True)
        assert sorted(r.type for r in children(preview_engine)) == sorted([API_KEY, PLAN, PLAN_KEY, SECRET, VERSION])
        assert preview_engine.one(PLAN_KEY).additional_secret_outputs == ["value"]
        assert resolve_output(key.value).is_secret
        assert preview_engine.one(VERSION).is_secret("secretString")


class TestGivenValue:
    def test_the_given_value_is_a_secret_input_of_the_api_key(self, engine: MockEngine) -> None:
        key = build(engine, value=KEY_CANARY)
        api_key = engine.one(API_KEY)
        assert api_key.is_secret("value")
        assert api_key.plain("value") == KEY_CANARY
        value = resolve_output(key.value)
        assert value.is_secret
        assert value.value == KEY_CANARY

    def test_value_from_a_secret_config_stays_secret(self) -> None:
        with mock_pulumi(config={"acme_key": KEY_CANARY}, secret_keys=["acme_key"]) as engine:
            key = engine.run(
                lambda: SecureApiKey(
                    "acme",
                    {
                        "issuer": {
                            "aws_api_gateway": {
                                "value": pulumi.Config().require_secret("acme_key"),
                                "usage_plan": {"api_stages": [{"api_id": API_ID, "stage": "prod"}]},
                            }
                        },
                    },
                )
            )
            api_key = engine.one(API_KEY)
            assert api_key.is_secret("value")
            assert api_key.plain("value") == KEY_CANARY
            assert resolve_output(key.value).is_secret

    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            ("short1234", r"args\.issuer\.aws_api_gateway\.value: has 9 characters; allowed: 20-128 letters and digits"),
            (BAD_KEY, r"args\.issuer\.aws_api_gateway\.value: contains characters other than letters and digits"),
        ],
    )
    def test_a_bad_value_output_fails_at_deploy_without_showing_it(self, engine: MockEngine, bad: str, message: str) -> None:
        # A pulumi.RunError, so Pulumi reports one line instead of wrapping it in "While processing resource".
        with pytest.raises(DeployTimeError, match=message) as refused:
            build(engine, value=pulumi.Output.secret(bad))
        assert bad not in str(refused.value)


class TestKeyOptions:
    def test_name_description_enabled_customer_and_tags(self, engine: MockEngine) -> None:
        build(
            engine,
            block={"enabled": False, "customer_id": "mkt-cust-42", **PLAN_ARGS},
            name="acme-prod",
            description="Inference API key for Acme",
            tags={"client": "acme", "tier": "pro"},
        )
        api_key = engine.one(API_KEY)
        assert api_key.plain("name") == "acme-prod"
        assert api_key.outputs["name"] == "acme-prod"
        assert api_key.plain("description") == "Inference API key for Acme"
        assert api_key.plain("enabled") is False
        assert api_key.plain("customerId") == "mkt-cust-42"
        assert api_key.plain("tags") == {"client": "acme", "tier": "pro"}
        assert engine.one(PLAN).plain("tags") == {"client": "acme", "tier": "pro"}

    def test_customer_id_may_be_an_output(self, engine: MockEngine) -> None:
        build(engine, block={"customer_id": pulumi.Output.from_input("cust-7"), **PLAN_ARGS})
        assert engine.one(API_KEY).plain("customerId") == "cust-7"


class TestUsagePlan:
    def test_throttle_quota_and_stages_with_method_throttles(self, engine: MockEngine) -> None:
        build(
            engine,
            block={
                "usage_plan": {
                    "name": "pro-tier",
                    "description": "Pro tier: 100 rps",
                    "throttle": {"rate_limit": 100.5, "burst_limit": 200},
                    "quota": {"limit": 1_000_000, "period": "MONTH", "offset": 10},
                    "api_stages": [
                        {
                            "api_id": API_ID,
                            "stage": "prod",
                            "throttles": [
                                {"path": "/completions/POST", "rate_limit": 10, "burst_limit": 20},
                                {"path": "/*/*", "rate_limit": 50, "burst_limit": 100},
                            ],
                        },
                        {"api_id": "z9y8x7w6v5", "stage": "beta"},
                    ],
                }
            },
        )
        plan = engine.one(PLAN)
        assert plan.plain("name") == "pro-tier"
        assert plan.plain("description") == "Pro tier: 100 rps"
        assert plan.plain("throttleSettings") == {"rateLimit": 100.5, "burstLimit": 200}
        assert plan.plain("quotaSettings") == {"limit": 1_000_000, "period": "MONTH", "offset": 10}
        assert plan.plain("apiStages") == [
            {
                "apiId": API_ID,
                "stage": "prod",
                "throttles": [
                    {"path": "/completions/POST", "rateLimit": 10, "burstLimit": 20},
                    {"path": "/*/*", "rateLimit": 50, "burstLimit": 100},
                ],
            },
            {"apiId": "z9y8x7w6v5", "stage": "beta"},
        ]

    def test_minimal_plan_is_auto_named_without_limits(self, engine: MockEngine) -> None:
        build(engine)
        plan = engine.one(PLAN)
        assert plan.plain("apiStages") == [{"apiId": API_ID, "stage": "prod"}]
        for absent in ("name", "description", "throttleSettings", "quotaSettings", "tags"):
            assert absent not in plan.inputs
        assert plan.outputs["name"].startswith("acme-usage-plan-")

    def test_quota_without_offset_and_integral_floats_from_other_languages(self, engine: MockEngine) -> None:
        build(
            engine,
            block={
                "usage_plan": {
                    "throttle": {"rate_limit": 10.0, "burst_limit": 5000.0},
                    "quota": {"limit": 100.0, "period": "DAY"},
                    "api_stages": STAGES,
                }
            },
        )
        plan = engine.one(PLAN)
        assert plan.plain("quotaSettings") == {"limit": 100, "period": "DAY"}
        assert plan.plain("throttleSettings") == {"rateLimit": 10, "burstLimit": 5000}

    def test_stages_may_come_from_other_resources(self, engine: MockEngine) -> None:
        build(
            engine,
            block={
                "usage_plan": {
                    "api_stages": [{"api_id": pulumi.Output.from_input(API_ID), "stage": pulumi.Output.from_input("prod")}]
                }
            },
        )
        assert engine.one(PLAN).plain("apiStages") == [{"apiId": API_ID, "stage": "prod"}]


class TestExistingPlan:
    def test_the_key_joins_an_existing_plan_and_no_plan_is_created(self, engine: MockEngine) -> None:
        key = build(engine, block={"usage_plan_id": "q1w2e3"})
        assert engine.find(PLAN) == []
        assert engine.one(PLAN_KEY).plain("usagePlanId") == "q1w2e3"
        assert resolve_output(key.usage_plan_id).value == "q1w2e3"
        assert sorted(r.name for r in children(engine)) == ["acme-api-key", "acme-usage-plan-key"]

    def test_existing_plan_id_may_be_an_output(self, engine: MockEngine) -> None:
        key = build(engine, block={"usage_plan_id": pulumi.Output.from_input("q1w2e3")})
        assert engine.one(PLAN_KEY).plain("usagePlanId") == "q1w2e3"
        assert resolve_output(key.usage_plan_id).value == "q1w2e3"


class TestSecretsManagerCopy:
    def test_the_key_value_is_stored_and_secret_ref_is_the_secret_arn(self, engine: MockEngine) -> None:
        key = build(engine, copy=True, description="Acme's key")
        api_key = engine.one(API_KEY)
        secret = engine.one(SECRET, "acme-secret")
        version = engine.one(VERSION, "acme-version")
        assert version.is_secret("secretString")
        assert version.plain("secretString") == api_key.outputs["value"]
        assert version.plain("secretId") == secret.id
        assert secret.plain("description") == "Acme's key"
        assert secret.plain("recoveryWindowInDays") == 30
        secret_ref = resolve_output(key.secret_ref).value
        assert secret_ref == secret.outputs["arn"]
        assert SECRET_ARN.fullmatch(secret_ref)
        assert resolve_output(key.version_id).value == version.outputs["versionId"]
        assert resolve_output(key.secret_id).value == api_key.id
        assert resolve_output(key.api_key_id).value == api_key.id
        assert resolve_output(key.kms_key_id).value is None

    def test_child_names_do_not_collide_and_all_are_parented(self, engine: MockEngine) -> None:
        build(
            engine,
            copy=True,
            value=KEY_CANARY,  # a key you bring: rotated by your own Lambda
            readers=[ROLE_ARN],
            encryption={"create_key": True},
            rotation={"every_days": 30, "aws_lambda_arn": LAMBDA_ARN},
            replica_regions=["eu-west-1"],
        )
        component = engine.one(COMPONENT)
        names = [r.name for r in children(engine)]
        assert len(names) == len(set(names))
        assert {"acme-api-key", "acme-usage-plan", "acme-usage-plan-key", "acme-secret", "acme-version", "acme-key"} <= set(names)
        assert all(child.parent_urn == component.urn for child in children(engine))

    def test_given_value_and_name_apply_to_key_and_secret(self, engine: MockEngine) -> None:
        key = build(engine, copy=True, value=KEY_CANARY, name="clients/acme")
        assert engine.one(API_KEY).plain("name") == "clients/acme"
        assert engine.one(SECRET).plain("name") == "clients/acme"
        assert engine.one(VERSION).plain("secretString") == KEY_CANARY
        assert SECRET_ARN.fullmatch(resolve_output(key.secret_ref).value)["name"] == "clients/acme"  # type: ignore[index]

    def test_readers_get_a_read_policy_on_the_secret(self, engine: MockEngine) -> None:
        key = build(engine, copy=True, readers=[ROLE_ARN])
        policy = engine.one(POLICY)
        secret_arn = resolve_output(key.secret_ref).value
        assert policy.plain("secretArn") == secret_arn
        assert policy.plain("blockPublicPolicy") is True
        statement = json.loads(policy.plain("policy"))["Statement"][0]
        assert statement["Principal"] == {"AWS": [ROLE_ARN]}
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        assert statement["Resource"] == [secret_arn]

    def test_encryption_with_a_created_key(self, engine: MockEngine) -> None:
        key = build(engine, copy=True, encryption={"create_key": True}, readers=[ROLE_ARN])
        kms_key = engine.one(KMS_KEY, "acme-key")
        assert kms_key.plain("enableKeyRotation") is True
        assert engine.one(ALIAS, "acme-key-alias").plain("targetKeyId") == kms_key.outputs["keyId"]
        assert engine.one(SECRET).plain("kmsKeyId") == kms_key.outputs["arn"]
        assert engine.one(KEY_POLICY, "acme-key-policy").plain("keyId") == kms_key.outputs["arn"]
        assert resolve_output(key.kms_key_id).value == kms_key.outputs["arn"]

    def test_encryption_with_your_own_key(self, engine: MockEngine) -> None:
        key = build(engine, copy=True, encryption={"key_id": "alias/clients"})
        assert engine.find(KMS_KEY) == []
        assert engine.one(SECRET).plain("kmsKeyId") == "alias/clients"
        assert resolve_output(key.kms_key_id).value == "alias/clients"

    def test_rotation_owns_the_initial_value_only(self, engine: MockEngine) -> None:
        build(engine, copy=True, value=KEY_CANARY, rotation={"every_days": 30, "aws_lambda_arn": LAMBDA_ARN})
        rotation = engine.one(ROTATION)
        assert rotation.plain("rotationLambdaArn") == LAMBDA_ARN
        assert rotation.plain("rotationRules") == {"automaticallyAfterDays": 30}
        assert engine.one(PERMISSION).plain("principal") == "secretsmanager.amazonaws.com"
        assert engine.one(VERSION).ignore_changes == ["secretString", "versionStages"]
        assert engine.one(API_KEY).ignore_changes == ["value"]

    def test_rotation_of_a_generated_key_is_the_rotators_which_makes_every_key(self, engine: MockEngine) -> None:
        key = build(engine, copy=True, rotation={"every_days": 30})
        assert engine.find(API_KEY) == []  # the rotator makes each key, the first one included
        assert engine.find(PLAN_KEY) == []
        assert engine.one(VERSION).ignore_changes == ["secretString", "versionStages"]
        assert engine.one(VERSION).plain("secretString") == PLACEHOLDER
        assert engine.one("aws:lambda/function:Function").plain("environment", "variables", "AIKEYS_ISSUER") == "aws_api_gateway"
        assert resolve_output(key.usage_plan_id).value == engine.one(PLAN).id

    def test_a_generated_key_refuses_a_rotation_lambda_of_its_own(self, engine: MockEngine) -> None:
        with pytest.raises(SecureApiKeyError, match=r"args\.rotation\.aws_lambda_arn: does not apply to an issued key"):
            build(engine, copy=True, rotation={"every_days": 30, "aws_lambda_arn": LAMBDA_ARN})
        assert engine.resources == []

    def test_without_rotation_the_copy_follows_the_key(self, engine: MockEngine) -> None:
        build(engine, copy=True, value=KEY_CANARY)
        assert engine.one(VERSION).ignore_changes == []
        assert engine.one(API_KEY).ignore_changes == []

    def test_replicas_and_the_aws_block(self, engine: MockEngine) -> None:
        build(
            engine,
            copy=True,
            replica_regions=["eu-west-1"],
            aws={"force_overwrite_replica_secret": True},
        )
        secret = engine.one(SECRET)
        assert secret.plain("replicas") == [{"region": "eu-west-1"}]
        assert secret.plain("forceOverwriteReplicaSecret") is True

    @pytest.mark.parametrize(
        ("args", "window"),
        [({}, 30), ({"deletion_protection": False}, 0), ({"recovery_window_days": 7}, 7), ({"recovery_window_days": 21.0}, 21)],
    )
    def test_recovery_window_of_the_copy(self, engine: MockEngine, args: dict[str, Any], window: int) -> None:
        build(engine, copy=True, **args)
        assert engine.one(SECRET).plain("recoveryWindowInDays") == window

    def test_existing_plan_with_a_stored_copy(self, engine: MockEngine) -> None:
        key = build(engine, block={"usage_plan_id": "q1w2e3"}, copy=True)
        assert engine.find(PLAN) == []
        assert resolve_output(key.usage_plan_id).value == "q1w2e3"
        assert SECRET_ARN.fullmatch(resolve_output(key.secret_ref).value)


class TestDeletionProtectionWithoutCopy:
    @pytest.mark.parametrize("override", [{"deletion_protection": False}, {}])
    def test_turning_it_off_or_leaving_the_default_is_accepted(self, engine: MockEngine, override: dict[str, Any]) -> None:
        build(engine, **override)
        assert engine.find(SECRET) == []
        assert len(children(engine)) == 3

    def test_asking_for_it_outright_names_the_alternatives(self, engine: MockEngine) -> None:
        with pytest.raises(SecureApiKeyError, match=r"args\.deletion_protection: .*backend: aws-secrets-manager.*protect"):
            build(engine, deletion_protection=True)
        assert engine.resources == []

    @pytest.mark.parametrize("field", ["readers", "replica_regions"])
    def test_an_empty_list_asks_for_nothing(self, engine: MockEngine, field: str) -> None:
        # Other languages send [] for "none"; it must not be refused as an option that needs the copy.
        build(engine, **{field: []})
        assert engine.find(SECRET) == []


class TestResourceOptionsReachChildren:
    def test_protect_and_retain_on_delete(self, engine: MockEngine) -> None:
        engine.run(
            lambda: SecureApiKey(
                "acme",
                {
                    "backend": Backend.AWS_SECRETS_MANAGER,
                    "issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": API_ID, "stage": "prod"}]}}},
                },
                pulumi.ResourceOptions(protect=True, retain_on_delete=True),
            )
        )
        kids = children(engine)
        assert len(kids) == 5
        assert all(child.protect is True for child in kids)
        assert all(child.retain_on_delete is True for child in kids)


def test_the_value_never_appears_in_non_secret_inputs_outputs_or_logs(engine: MockEngine) -> None:
    key = build(
        engine,
        block={"customer_id": "cust-1", "usage_plan": {"api_stages": STAGES, "quota": {"limit": 10, "period": "WEEK"}}},
        copy=True,
        value=KEY_CANARY,
        readers=[ROLE_ARN],
        encryption={"create_key": True},
        replica_regions=["eu-west-1"],
        rotation={"every_days": 30, "aws_lambda_arn": LAMBDA_ARN},
        tags={"client": "acme"},
    )
    checked = 0
    for resource in engine.resources:
        for key_name, value in resource.inputs.items():
            if resource.is_secret(key_name):
                continue
            assert KEY_CANARY not in json.dumps(unwrap_secrets(value), default=str), (resource.name, key_name)
            checked += 1
        assert KEY_CANARY not in resource.name
        # Outputs that hold the value are secret: marked by the SDK (ApiKey, SecretVersion) or by us (UsagePlanKey).
        for out_name, out_value in resource.outputs.items():
            if KEY_CANARY in json.dumps(unwrap_secrets(out_value), default=str):
                assert out_name in resource.additional_secret_outputs, (resource.name, out_name)
    for output in (key.secret_id, key.secret_ref, key.version_id, key.kms_key_id, key.api_key_id, key.usage_plan_id, key.backend):
        assert KEY_CANARY not in str(resolve_output(output).value)
    assert not any(KEY_CANARY in line for line in engine.logs)
    assert checked > 20


VALID = {"api_stages": STAGES}
NO_COPY = "set backend: aws-secrets-manager"
BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "empty issuer block",
        {"issuer": {"aws_api_gateway": {}}},
        r"args\.issuer\.aws_api_gateway\.usage_plan: is required: a key outside any usage plan",
    ),
    (
        "no plan",
        {"issuer": {"aws_api_gateway": {"enabled": True}}},
        r"issuer\.aws_api_gateway\.usage_plan: is required.*issuer\.aws_api_gateway\.usage_plan_id",
    ),
    (
        "plan id and plan",
        {"issuer": {"aws_api_gateway": {"usage_plan_id": "q1w2e3", "usage_plan": VALID}}},
        r"issuer\.aws_api_gateway\.usage_plan_id: cannot be combined with issuer\.aws_api_gateway\.usage_plan",
    ),
    (
        "plan id shape",
        {"issuer": {"aws_api_gateway": {"usage_plan_id": "plan/1"}}},
        r"issuer\.aws_api_gateway\.usage_plan_id: .*usage plan id",
    ),
    (
        "plan id type",
        {"issuer": {"aws_api_gateway": {"usage_plan_id": 12}}},
        r"issuer\.aws_api_gateway\.usage_plan_id: must be a string",
    ),
    (
        "value too short",
        {"issuer": {"aws_api_gateway": {**PLAN_ARGS, "value": "abc123"}}},
        r"args\.issuer\.aws_api_gateway\.value: has 6 characters; allowed: 20-128 letters and digits",
    ),
    (
        "value too long",
        {"issuer": {"aws_api_gateway": {**PLAN_ARGS, "value": "a" * 129}}},
        r"args\.issuer\.aws_api_gateway\.value: has 129 characters",
    ),
    (
        "value with symbols",
        {"issuer": {"aws_api_gateway": {**PLAN_ARGS, "value": BAD_KEY}}},
        r"args\.issuer\.aws_api_gateway\.value: contains characters other than letters and digits",
    ),
    (
        "value empty",
        {"issuer": {"aws_api_gateway": {**PLAN_ARGS, "value": " "}}},
        r"args\.issuer\.aws_api_gateway\.value: is empty",
    ),
    ("name too long", {"name": "n" * 1025}, r"args\.name: has 1025 characters; allowed: an API key name of 1-1024"),
    ("name not str", {"name": 5}, r"args\.name: must be a string"),
    ("tag reserved prefix", {"tags": {"aws:client": "acme"}}, r"tags\.aws:client: uses the reserved prefix 'aws:'"),
    ("tag too long", {"tags": {"client": "x" * 257}}, r"tags\.client: has 257 characters"),
    (
        "readers without copy",
        {"readers": [ROLE_ARN]},
        rf"args\.readers: is not supported by issuer\.aws_api_gateway; allowed: {NO_COPY}",
    ),
    ("rotation without copy", {"rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}}, rf"args\.rotation: .*{NO_COPY}"),
    ("encryption without copy", {"encryption": {"create_key": True}}, rf"args\.encryption: .*{NO_COPY}"),
    ("replicas without copy", {"replica_regions": ["eu-west-1"]}, rf"args\.replica_regions: .*{NO_COPY}"),
    ("recovery window without copy", {"recovery_window_days": 7}, rf"args\.recovery_window_days: .*{NO_COPY}"),
    (
        "aws block without copy",
        {"aws": {"force_overwrite_replica_secret": True}},
        rf"args\.aws: only applies to the Secrets .*{NO_COPY}",
    ),
    ("azure block", {"azure": {"content_type": "text/plain"}}, r"args\.azure: only applies to backend azure-key-vault"),
    ("gcp block", {"gcp": {"project": "p"}}, r"args\.gcp: only applies to backend gcp-secret-manager"),
    (
        "unknown block field",
        {"issuer": {"aws_api_gateway": {"usage_plan": VALID, "stage": "prod"}}},
        r"issuer\.aws_api_gateway\.stage: is not a known option",
    ),
    (
        "enabled not bool",
        {"issuer": {"aws_api_gateway": {"usage_plan": VALID, "enabled": "yes"}}},
        r"issuer\.aws_api_gateway\.enabled: must be true or false",
    ),
    (
        "store_in_secrets_manager is backend: aws-secrets-manager",
        {"issuer": {"aws_api_gateway": {"usage_plan": VALID, "store_in_secrets_manager": True}}},
        r"issuer\.aws_api_gateway\.store_in_secrets_manager: is not a known option",
    ),
    (
        "value type",
        {"issuer": {"aws_api_gateway": {"usage_plan": VALID, "value": 42}}},
        r"issuer\.aws_api_gateway\.value: must be a string or a Pulumi Output",
    ),
    (
        "value bytes",
        {"issuer": {"aws_api_gateway": {"usage_plan": VALID, "value": KEY_CANARY.encode()}}},
        r"issuer\.aws_api_gateway\.value: must be text, not bytes",
    ),
    (
        "value at the top level",
        {"value": KEY_CANARY},
        r"args\.value: cannot be given together with issuer.*issuer\.aws_api_gateway\.value",
    ),
    (
        "customer id type",
        {"issuer": {"aws_api_gateway": {"usage_plan": VALID, "customer_id": 42}}},
        r"issuer\.aws_api_gateway\.customer_id: must be a string",
    ),
    (
        "unknown plan field",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "limit": 3}}}},
        r"issuer\.aws_api_gateway\.usage_plan\.limit: is not a known",
    ),
    (
        "plan name too long",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "name": "p" * 1025}}}},
        r"usage_plan\.name: has 1025 characters",
    ),
    (
        "no stages",
        {"issuer": {"aws_api_gateway": {"usage_plan": {}}}},
        r"usage_plan\.api_stages: is empty: a usage plan without API stages",
    ),
    ("empty stages", {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": []}}}}, r"usage_plan\.api_stages: is empty"),
    (
        "stages not a list",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": "prod"}}}},
        r"usage_plan\.api_stages: must be a list",
    ),
    (
        "stage without api",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"stage": "prod"}]}}}},
        r"api_stages\[0\]\.api_id: is required",
    ),
    (
        "stage without name",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": API_ID}]}}}},
        r"api_stages\[0\]\.stage: is required",
    ),
    (
        "bad stage name",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": API_ID, "stage": "prod stage"}]}}}},
        r"api_stages\[0\]\.stage: has characters",
    ),
    (
        "bad api id",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": "https://x", "stage": "prod"}]}}}},
        r"api_stages\[0\]\.api_id: has characters",
    ),
    (
        "duplicate stage",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [*STAGES, *STAGES]}}}},
        r"usage_plan\.api_stages\[1\]: repeats stage 'prod' of API 'a1b2c3d4e5'",
    ),
    (
        "unknown stage field",
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{**STAGES[0], "method": "GET"}]}}}},
        r"api_stages\[0\]\.method: is not a known option",
    ),
    (
        "throttle rate negative",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate_limit": -1, "burst_limit": 1}}}}},
        r"usage_plan\.throttle\.rate_limit: is out of range \(got -1\); allowed: a number from 0 to 2147483647",
    ),
    (
        "throttle rate too high",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate_limit": 2**31, "burst_limit": 1}}}}},
        r"usage_plan\.throttle\.rate_limit: is out of range",
    ),
    (
        "throttle rate not a number",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate_limit": "10", "burst_limit": 1}}}}},
        r"usage_plan\.throttle\.rate_limit: must be a number",
    ),
    (
        "throttle burst too high",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate_limit": 1, "burst_limit": 2**31}}}}},
        r"usage_plan\.throttle\.burst_limit: is out of range \(got 2147483648\); allowed: an integer from 0 to 2147483647",
    ),
    (
        "throttle burst fraction",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate_limit": 1, "burst_limit": 1.5}}}}},
        r"usage_plan\.throttle\.burst_limit: must be an integer",
    ),
    (
        "throttle without rate",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"burst_limit": 1}}}}},
        r"usage_plan\.throttle\.rate_limit: is required",
    ),
    (
        "throttle unknown field",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate": 1}}}}},
        r"usage_plan\.throttle\.rate: is not a known option",
    ),
    (
        "quota limit zero",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 0, "period": "DAY"}}}}},
        r"usage_plan\.quota\.limit: is out of range \(got 0\); allowed: an integer from 1 to 2147483647",
    ),
    (
        "quota limit over the API's 32-bit integer",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 2**31, "period": "DAY"}}}}},
        r"usage_plan\.quota\.limit: is out of range \(got 2147483648\)",
    ),
    (
        "throttle rate an enormous integer",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "throttle": {"rate_limit": 10**400, "burst_limit": 1}}}}},
        r"usage_plan\.throttle\.rate_limit: is out of range \(got 1000",
    ),
    (
        "quota without period",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 5}}}}},
        r"usage_plan\.quota\.period: is required; allowed: DAY, WEEK, MONTH",
    ),
    (
        "quota bad period",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 5, "period": "YEAR"}}}}},
        r"usage_plan\.quota\.period: is not one of the allowed values \(got 'YEAR'\); allowed: DAY, WEEK, MONTH",
    ),
    (
        "quota lower-case period",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 5, "period": "month"}}}}},
        r"usage_plan\.quota\.period: is not one of the allowed values",
    ),
    (
        "quota offset with DAY",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 5, "period": "DAY", "offset": 1}}}}},
        r"usage_plan\.quota\.offset: is not allowed with period DAY",
    ),
    (
        "quota offset at limit",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 5, "period": "WEEK", "offset": 5}}}}},
        r"usage_plan\.quota\.offset: is 5, not below the limit 5; allowed: 0 to 4",
    ),
    (
        "quota offset negative",
        {"issuer": {"aws_api_gateway": {"usage_plan": {**VALID, "quota": {"limit": 5, "period": "WEEK", "offset": -1}}}}},
        r"usage_plan\.quota\.offset: is out of range",
    ),
    (
        "method throttle bad path",
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {
                        "api_stages": [{**STAGES[0], "throttles": [{"path": "completions", "rate_limit": 1, "burst_limit": 1}]}]
                    }
                }
            }
        },
        r"api_stages\[0\]\.throttles\[0\]\.path: has characters or a shape that is not allowed.*'/completions/POST'",
    ),
    (
        "method throttle unknown verb",
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {
                        "api_stages": [{**STAGES[0], "throttles": [{"path": "/x/FETCH", "rate_limit": 1, "burst_limit": 1}]}]
                    }
                }
            }
        },
        r"throttles\[0\]\.path:",
    ),
    (
        "method throttle without path",
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {"api_stages": [{**STAGES[0], "throttles": [{"rate_limit": 1, "burst_limit": 1}]}]}
                }
            }
        },
        r"api_stages\[0\]\.throttles\[0\]\.path: is required",
    ),
    (
        "method throttle rate out of range",
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {
                        "api_stages": [{**STAGES[0], "throttles": [{"path": "/*/*", "rate_limit": 3e9, "burst_limit": 1}]}]
                    }
                }
            }
        },
        r"api_stages\[0\]\.throttles\[0\]\.rate_limit: is out of range",
    ),
    (
        "method throttle burst missing",
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {"api_stages": [{**STAGES[0], "throttles": [{"path": "/*/*", "rate_limit": 1}]}]}
                }
            }
        },
        r"api_stages\[0\]\.throttles\[0\]\.burst_limit: is required",
    ),
    (
        "method throttle repeated path",
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {
                        "api_stages": [{**STAGES[0], "throttles": [{"path": "/*/*", "rate_limit": 1, "burst_limit": 1}] * 2}]
                    }
                }
            }
        },
        r"api_stages\[0\]\.throttles\[1\]: repeats '/\*/\*'",
    ),
    ("copy: wildcard reader", {**COPY, "readers": ["*"]}, r"args\.readers\[0\]: must name one principal"),
    (
        "copy: rotation without lambda",
        {**COPY, "rotation": {"every_days": 30}},
        r"rotation\.aws_lambda_arn: is required",
    ),
    (
        "copy: azure rotation field",
        {
            **COPY,
            "rotation": {"every_days": 3, "aws_lambda_arn": LAMBDA_ARN, "azure_webhook_url": "https://hook"},
        },
        r"rotation\.azure_webhook_url: does not apply to issuer\.aws_api_gateway",
    ),
    (
        "copy: window 0 protected",
        {**COPY, "recovery_window_days": 0},
        r"recovery_window_days: is 0 while deletion_protection",
    ),
    ("copy: window 40", {**COPY, "recovery_window_days": 40}, r"recovery_window_days: is out of range"),
    ("copy: secret name chars", {**COPY, "name": "acme key!"}, r"args\.name: .*A-Za-z0-9/_\+=\.@-"),
    ("copy: secret name length", {**COPY, "name": "a" * 600}, r"args\.name: has 600 characters"),
    (
        "copy: replica key missing",
        {**COPY, "replica_regions": ["eu-west-1"], "encryption": {"key_id": "alias/x"}},
        r"encryption\.replica_key_ids\.eu-west-1: is required",
    ),
    ("copy: unknown aws field", {**COPY, "aws": {"force": True}}, r"args\.aws\.force: is not a known option"),
]


@pytest.mark.parametrize(("case", "override", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_before_any_resource(engine: MockEngine, case: str, override: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"issuer": {"aws_api_gateway": {**PLAN_ARGS, "value": KEY_CANARY}}, **override}
    with pytest.raises(SecureApiKeyError, match=message) as refused:
        engine.run(lambda: SecureApiKey("acme", args))  # type: ignore[arg-type]
    assert KEY_CANARY not in str(refused.value)
    assert CANARY not in str(refused.value)
    assert BAD_KEY not in str(refused.value)
    assert engine.resources == []


def test_errors_name_the_field_path(engine: MockEngine) -> None:
    with pytest.raises(SecureApiKeyError) as refused:
        build(engine, block={"usage_plan": {**VALID, "quota": {"limit": 5, "period": "YEARLY"}}})
    assert refused.value.field == "issuer.aws_api_gateway.usage_plan.quota.period"
    assert refused.value.allowed == "DAY, WEEK, MONTH"


class TestTheEarlierSpellingIsRefused:
    """``backend: aws-api-gateway`` and a top-level ``api_gateway`` block are refused before anything is registered,
    naming the field and showing the user's own args in the ``issuer.aws_api_gateway`` spelling."""

    def test_backend_aws_api_gateway_points_to_the_issuer_spelling(self, engine: MockEngine) -> None:
        args = {"backend": "aws-api-gateway", "value": KEY_CANARY, "api_gateway": {"enabled": False, **PLAN_ARGS}}
        with pytest.raises(SecureApiKeyError) as refused:
            engine.run(lambda: SecureApiKey("acme", args))  # type: ignore[arg-type]
        error = refused.value
        assert error.field == "backend"
        assert str(error).startswith("SecureApiKey args.backend: aws-api-gateway is not a backend")
        assert error.allowed.startswith(
            "issuer.aws_api_gateway, here: issuer={'aws_api_gateway': {'enabled': False, 'usage_plan': {'api_stages': "
            "[{'api_id': 'a1b2c3d4e5', 'stage': 'prod'}]}, 'value': <your key, as a Pulumi secret>}} with no backend"
        )
        assert KEY_CANARY not in str(error)
        assert engine.resources == []

    def test_a_stored_copy_is_spelled_with_backend_aws_secrets_manager(self) -> None:
        args = {"backend": "aws-api-gateway", "api_gateway": {"usage_plan_id": "q1w2e3", "store_in_secrets_manager": True}}
        with pytest.raises(SecureApiKeyError) as refused:
            build_spec(args)  # known now: no Pulumi program is needed to refuse it
        assert refused.value.field == "backend"
        assert refused.value.allowed == (
            "issuer.aws_api_gateway, here: issuer={'aws_api_gateway': {'usage_plan_id': 'q1w2e3'}} with "
            "backend='aws-secrets-manager' (the key kept in API Gateway, with a copy in Secrets Manager)"
        )
        assert "store_in_secrets_manager" not in refused.value.allowed

    def test_backend_alone_shows_the_block_to_write(self) -> None:
        with pytest.raises(SecureApiKeyError) as refused:
            build_spec({"backend": "aws-api-gateway"})
        assert refused.value.field == "backend"
        assert "issuer={'aws_api_gateway': {'usage_plan': {...}}}" in refused.value.allowed

    @pytest.mark.parametrize(
        "others",
        [
            {"issuer": {"aws_api_gateway": PLAN_ARGS}},
            {"backend": "aws-secrets-manager", "issuer": {"aws_api_gateway": PLAN_ARGS}},
            {"backend": "aws-secrets-manager", "value": KEY_CANARY},
        ],
        ids=["with the issuer", "with a copy", "with another backend"],
    )
    def test_the_api_gateway_block_is_refused_with_any_other_args(self, engine: MockEngine, others: dict[str, Any]) -> None:
        args = {**others, "api_gateway": {"customer_id": "cust-1", "value": KEY_CANARY}}
        with pytest.raises(SecureApiKeyError) as refused:
            engine.run(lambda: SecureApiKey("acme", args))  # type: ignore[arg-type]
        error = refused.value
        assert error.field == "api_gateway"
        assert "issuer={'aws_api_gateway': {'customer_id': 'cust-1', 'value': <your key, as a Pulumi secret>}}" in error.allowed
        assert KEY_CANARY not in str(error)
        assert engine.resources == []

    def test_values_known_only_at_deploy_time_are_shown_as_outputs(self, engine: MockEngine) -> None:
        stage = {"api_id": pulumi.Output.from_input(API_ID), "stage": "prod"}
        args = {
            "backend": "aws-api-gateway",
            "value": pulumi.Output.secret(KEY_CANARY),
            "api_gateway": {"usage_plan": {"api_stages": [stage]}},
        }
        with pytest.raises(SecureApiKeyError) as refused:
            engine.run(lambda: SecureApiKey("acme", args))  # type: ignore[arg-type]
        assert "{'api_stages': [{'api_id': <Output>, 'stage': 'prod'}]}" in refused.value.allowed
        assert KEY_CANARY not in str(refused.value)
        assert engine.resources == []

    def test_the_public_args_no_longer_offer_it(self) -> None:
        from ai_keys import SecureApiKeyArgs
        from ai_keys.args import ApiGatewayIssuerArgs

        assert "aws-api-gateway" not in {backend.value for backend in Backend}
        assert "api_gateway" not in SecureApiKeyArgs.__annotations__
        assert "value" in ApiGatewayIssuerArgs.__annotations__

    def test_the_value_brought_in_the_issuer_block_is_checked_at_deploy_time_alike(self, engine: MockEngine) -> None:
        with pytest.raises(DeployTimeError, match=r"args\.issuer\.aws_api_gateway\.value: has 9 characters") as refused:
            build(engine, value=pulumi.Output.secret("short1234"), copy=True)
        assert "short1234" not in str(refused.value)
