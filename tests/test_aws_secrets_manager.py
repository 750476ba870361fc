"""The aws-secrets-manager backend, option by option, under the mock engine."""

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.testing import MockEngine, RegisteredResource, mock_pulumi, resolve_output, unwrap_secrets

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
GRANT = "aws:kms/grant:Grant"
PERMISSION = "aws:lambda/permission:Permission"
COMPONENT = "ai-keys:index:SecureApiKey"
ARN = re.compile(r"arn:aws:secretsmanager:(?P<region>[a-z0-9-]+):123456789012:secret:(?P<name>.+)-[A-Za-z0-9]{6}")


def build(engine: MockEngine, **args: Any) -> SecureApiKey:
    full: dict[str, Any] = {"backend": "aws-secrets-manager", "value": CANARY, **args}
    component: SecureApiKey = engine.run(lambda: SecureApiKey("openai", full))  # type: ignore[arg-type]
    return component


def children(engine: MockEngine) -> list[RegisteredResource]:
    return [r for r in engine.resources if r.type != COMPONENT]


def grant_of(engine: MockEngine, region_suffix: str) -> RegisteredResource:
    """The one reader grant for ``region_suffix``, named by a digest of the principal (never a position)."""
    found = [g for g in engine.find(GRANT) if re.fullmatch(rf"openai-reader-[0-9a-f]{{12}}-key-grant{region_suffix}", g.name)]
    assert len(found) == 1, [g.name for g in engine.find(GRANT)]
    return found[0]


class TestPlainKey:
    def test_creates_a_secret_and_a_version_parented_to_the_component(self, engine: MockEngine) -> None:
        build(engine, description="OpenAI key for the summarizer")
        component = engine.one(COMPONENT, "openai")
        assert component.urn.endswith("ai-keys:index:SecureApiKey::openai")
        assert sorted((r.type, r.name) for r in children(engine)) == [(SECRET, "openai-secret"), (VERSION, "openai-version")]
        for child in children(engine):
            assert child.parent_urn == component.urn
            assert child.urn.endswith(f"ai-keys:index:SecureApiKey${child.type}::{child.name}")
        secret = engine.one(SECRET)
        assert secret.plain("description") == "OpenAI key for the summarizer"
        assert secret.plain("recoveryWindowInDays") == 30
        assert "name" not in secret.inputs  # auto-named by the provider
        assert "kmsKeyId" not in secret.inputs

    def test_the_value_is_a_secret_input_and_the_version_follows_value_changes(self, engine: MockEngine) -> None:
        build(engine)
        version = engine.one(VERSION)
        assert version.is_secret("secretString")
        assert version.plain("secretString") == CANARY
        assert version.ignore_changes == []
        assert "versionStages" not in version.inputs

    def test_outputs_resolve_to_realistic_values(self, engine: MockEngine) -> None:
        key = build(engine)
        secret_ref = resolve_output(key.secret_ref)
        match = ARN.fullmatch(secret_ref.value)
        assert match is not None
        assert match["region"] == "us-east-1"
        assert match["name"].startswith("openai-secret-")
        assert resolve_output(key.secret_id).value == secret_ref.value
        assert not secret_ref.is_secret
        assert re.fullmatch(r"[0-9a-f-]{36}", resolve_output(key.version_id).value)
        assert resolve_output(key.backend).value == "aws-secrets-manager"
        assert resolve_output(key.kms_key_id).value is None
        assert resolve_output(key.api_key_id).value is None
        value = resolve_output(key.value)
        assert value.is_secret
        assert value.value == CANARY

    def test_value_from_a_secret_config_stays_secret(self) -> None:
        from ai_keys.testing import mock_pulumi

        with mock_pulumi(config={"openai_api_key": CANARY}, secret_keys=["openai_api_key"]) as engine:
            key = engine.run(
                lambda: SecureApiKey(
                    "openai", {"backend": "aws-secrets-manager", "value": pulumi.Config().require_secret("openai_api_key")}
                )
            )
            assert engine.one(VERSION).is_secret("secretString")
            assert resolve_output(key.value).is_secret

    def test_explicit_name_and_tags(self, engine: MockEngine) -> None:
        key = build(engine, name="prod/ml/openai", tags={"team": "ml", "cost-center": "42"})
        secret = engine.one(SECRET)
        assert secret.plain("name") == "prod/ml/openai"
        assert secret.plain("tags") == {"team": "ml", "cost-center": "42"}
        assert ARN.fullmatch(resolve_output(key.secret_ref).value)["name"] == "prod/ml/openai"  # type: ignore[index]

    def test_preview_mode_registers_the_same_resources(self, preview_engine: MockEngine) -> None:
        key = build(preview_engine)
        assert [r.type for r in children(preview_engine)] == [SECRET, VERSION]
        assert resolve_output(key.value).is_secret


class TestEncryption:
    def test_create_key_makes_a_rotating_key_with_an_alias(self, engine: MockEngine) -> None:
        key = build(engine, encryption={"create_key": True})
        kms_key = engine.one(KEY, "openai-key")
        assert kms_key.plain("enableKeyRotation") is True
        assert kms_key.plain("rotationPeriodInDays") == 365
        assert kms_key.plain("deletionWindowInDays") == 30
        alias = engine.one(ALIAS, "openai-key-alias")
        assert alias.plain("namePrefix") == "alias/ai-keys/openai-"
        assert alias.plain("targetKeyId") == kms_key.outputs["keyId"]
        assert engine.one(SECRET).plain("kmsKeyId") == kms_key.outputs["arn"]
        assert resolve_output(key.kms_key_id).value == kms_key.outputs["arn"]
        assert engine.find(KEY_POLICY) == []  # no readers: the default key policy stays

    def test_key_rotation_days_is_passed_on(self, engine: MockEngine) -> None:
        build(engine, encryption={"create_key": True, "key_rotation_days": 90})
        assert engine.one(KEY).plain("rotationPeriodInDays") == 90

    def test_bring_your_own_key(self, engine: MockEngine) -> None:
        key = build(engine, encryption={"key_id": "alias/ml-secrets"})
        assert engine.find(KEY) == []
        assert engine.one(SECRET).plain("kmsKeyId") == "alias/ml-secrets"
        assert resolve_output(key.kms_key_id).value == "alias/ml-secrets"


class TestReaders:
    def test_read_policy_grants_get_secret_value_on_this_secret_only(self, engine: MockEngine) -> None:
        key = build(engine, readers=[ROLE_ARN])
        policy = engine.one(POLICY)
        secret_arn = resolve_output(key.secret_ref).value
        assert policy.plain("secretArn") == secret_arn
        assert policy.plain("blockPublicPolicy") is True
        document = json.loads(policy.plain("policy"))
        assert document["Statement"] == [
            {
                "Sid": "ReadThisSecretOnly",
                "Effect": "Allow",
                "Principal": {"AWS": [ROLE_ARN]},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": [secret_arn],
            }
        ]

    def test_readers_may_be_outputs(self, engine: MockEngine) -> None:
        build(engine, readers=[pulumi.Output.from_input(ROLE_ARN), "arn:aws:iam::123456789012:user/ops"])
        document = json.loads(engine.one(POLICY).plain("policy"))
        assert document["Statement"][0]["Principal"]["AWS"] == [ROLE_ARN, "arn:aws:iam::123456789012:user/ops"]

    def test_a_reader_in_another_account_is_refused_without_a_customer_key(self, engine: MockEngine) -> None:
        # aws/secretsmanager trusts only its own account: the grant could never be used.
        partner = "arn:aws:iam::210987654321:role/partner"
        # Accounts are known only once the secret's ARN is: the deployment fails, naming the reader and the fix.
        with pytest.raises(DeployTimeError, match=r"readers\[1\]: is in account 210987654321.*encryption\.create_key"):
            build(engine, readers=[ROLE_ARN, partner])

    def test_a_reader_in_another_account_is_granted_with_a_customer_key(self, engine: MockEngine) -> None:
        partner = "arn:aws:iam::210987654321:role/partner"
        build(engine, readers=[partner], encryption={"create_key": True})
        assert json.loads(engine.one(POLICY).plain("policy"))["Statement"][0]["Principal"] == {"AWS": [partner]}
        decrypt = json.loads(engine.one(KEY_POLICY, "openai-key-policy").plain("policy"))["Statement"][1]
        assert decrypt["Principal"] == {"AWS": [partner]}

    def test_the_key_policy_names_secrets_manager_by_the_partitions_dns_suffix(
        self, engine: MockEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        answer = engine.mocks.call

        def in_china(args: Any) -> Any:
            result, failures = answer(args)
            if args.token == "aws:index/getPartition:getPartition":
                result = {**result, "partition": "aws-cn", "dnsSuffix": "amazonaws.com.cn"}
            return result, failures

        monkeypatch.setattr(engine.mocks, "call", in_china)
        build(engine, readers=[ROLE_ARN], encryption={"create_key": True})
        statements = json.loads(engine.one(KEY_POLICY, "openai-key-policy").plain("policy"))["Statement"]
        assert statements[0]["Principal"] == {"AWS": "arn:aws-cn:iam::123456789012:root"}
        assert statements[1]["Condition"]["StringEquals"]["kms:ViaService"] == "secretsmanager.us-east-1.amazonaws.com.cn"

    def test_created_key_lets_readers_decrypt_via_secrets_manager_for_this_secret(self, engine: MockEngine) -> None:
        key = build(engine, readers=[ROLE_ARN], encryption={"create_key": True})
        secret_arn = resolve_output(key.secret_ref).value
        key_policy = engine.one(KEY_POLICY, "openai-key-policy")
        assert key_policy.plain("keyId") == engine.one(KEY).outputs["arn"]
        statements = json.loads(key_policy.plain("policy"))["Statement"]
        assert statements[0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert statements[1] == {
            "Sid": "ReadersDecryptThisSecretViaSecretsManager",
            "Effect": "Allow",
            "Principal": {"AWS": [ROLE_ARN]},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com",
                    "kms:EncryptionContext:SecretARN": secret_arn,
                }
            },
        }

    def test_own_key_gets_a_grant_per_reader_constrained_to_this_secret(self, engine: MockEngine) -> None:
        key = build(engine, readers=[ROLE_ARN], encryption={"key_id": "arn:aws:kms:us-east-1:123456789012:key/abc"})
        grant = grant_of(engine, "")
        assert grant.plain("granteePrincipal") == ROLE_ARN
        assert grant.plain("operations") == ["Decrypt"]
        assert grant.plain("keyId") == "arn:aws:kms:us-east-1:123456789012:key/abc"
        assert grant.plain("constraints") == [{"encryptionContextSubset": {"SecretARN": resolve_output(key.secret_ref).value}}]


class TestRotation:
    ROTATION_ARGS = {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}

    def test_rotation_lets_secrets_manager_invoke_the_lambda_for_this_secret(self, engine: MockEngine) -> None:
        key = build(engine, rotation=self.ROTATION_ARGS)
        permission = engine.one(PERMISSION)
        assert permission.plain("principal") == "secretsmanager.amazonaws.com"
        assert permission.plain("function") == LAMBDA_ARN
        assert permission.plain("action") == "lambda:InvokeFunction"
        assert permission.plain("sourceArn") == resolve_output(key.secret_ref).value
        rotation = engine.one(ROTATION)
        assert rotation.plain("rotationLambdaArn") == LAMBDA_ARN
        assert rotation.plain("rotationRules") == {"automaticallyAfterDays": 30}
        assert rotation.plain("rotateImmediately") is False
        assert permission.urn in rotation.dependencies
        assert engine.one(VERSION).urn in rotation.dependencies

    def test_with_rotation_the_version_ignores_value_changes(self, engine: MockEngine) -> None:
        build(engine, rotation=self.ROTATION_ARGS)
        version = engine.one(VERSION)
        assert version.ignore_changes == ["secretString", "versionStages"]
        assert version.plain("versionStages") == ["AWSCURRENT", "AI_KEYS_INITIAL"]

    @pytest.mark.parametrize(
        ("schedule", "duration"),
        [
            ("rate(12 hours)", "12h"),
            ("rate(999 days)", "24h"),
            ("cron(0 4/12 * * ? *)", "2h"),
            ("rate(1 day)", "1h"),
            ("cron(0 */4 * * ? *)", "4h"),
            ("cron(0 1,5,9-21/4 * * ? *)", "3h"),
            ("cron(30 10 ? * MON *)", "24h"),
        ],
    )
    def test_schedules_and_windows_aws_accepts(self, engine: MockEngine, schedule: str, duration: str) -> None:
        build(engine, rotation={"schedule_expression": schedule, "duration": duration, "aws_lambda_arn": LAMBDA_ARN})
        assert engine.one(ROTATION).plain("rotationRules") == {"scheduleExpression": schedule, "duration": duration}

    def test_schedule_expression_and_window(self, engine: MockEngine) -> None:
        build(
            engine,
            rotation={
                "schedule_expression": "rate(10 days)",
                "duration": "3h",
                "aws_lambda_arn": LAMBDA_ARN,
                "rotate_immediately": True,
            },
        )
        rotation = engine.one(ROTATION)
        assert rotation.plain("rotationRules") == {"scheduleExpression": "rate(10 days)", "duration": "3h"}
        assert rotation.plain("rotateImmediately") is True


class TestReplicas:
    def test_replicas_with_created_keys_get_a_key_per_region(self, engine: MockEngine) -> None:
        build(engine, replica_regions=["eu-west-1", "ap-southeast-2"], encryption={"create_key": True}, readers=[ROLE_ARN])
        secret = engine.one(SECRET)
        eu_key = engine.one(KEY, "openai-key-eu-west-1")
        ap_key = engine.one(KEY, "openai-key-ap-southeast-2")
        assert eu_key.plain("region") == "eu-west-1"
        assert secret.plain("replicas") == [
            {"region": "eu-west-1", "kmsKeyId": eu_key.outputs["arn"]},
            {"region": "ap-southeast-2", "kmsKeyId": ap_key.outputs["arn"]},
        ]
        eu_policy = json.loads(engine.one(KEY_POLICY, "openai-key-policy-eu-west-1").plain("policy"))
        condition = eu_policy["Statement"][1]["Condition"]["StringEquals"]
        assert condition["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com"
        replica, primary = condition["kms:EncryptionContext:SecretARN"]
        assert replica.startswith("arn:aws:secretsmanager:eu-west-1:")
        assert primary == replica.replace(":eu-west-1:", ":us-east-1:")
        resources = json.loads(engine.one(POLICY).plain("policy"))["Statement"][0]["Resource"]
        assert [ARN.fullmatch(arn)["region"] for arn in resources] == ["us-east-1", "eu-west-1", "ap-southeast-2"]  # type: ignore[index]

    def test_replicas_without_a_customer_key(self, engine: MockEngine) -> None:
        build(engine, replica_regions=["eu-west-1"], aws={"force_overwrite_replica_secret": True})
        secret = engine.one(SECRET)
        assert secret.plain("replicas") == [{"region": "eu-west-1"}]
        assert secret.plain("forceOverwriteReplicaSecret") is True

    def test_own_keys_per_replica(self, engine: MockEngine) -> None:
        primary_key = "arn:aws:kms:us-east-1:123456789012:key/1111"
        eu_key = "arn:aws:kms:eu-west-1:123456789012:key/2222"
        key = build(
            engine,
            replica_regions=["eu-west-1"],
            encryption={"key_id": primary_key, "replica_key_ids": {"eu-west-1": eu_key}},
            readers=[ROLE_ARN],
        )
        assert engine.one(SECRET).plain("replicas") == [{"region": "eu-west-1", "kmsKeyId": eu_key}]
        eu_grant = grant_of(engine, "-eu-west-1")
        assert eu_grant.plain("region") == "eu-west-1"
        assert eu_grant.plain("keyId") == eu_key
        eu_arn = eu_grant.plain("constraints")[0]["encryptionContextSubset"]["SecretARN"]
        assert eu_arn == resolve_output(key.secret_ref).value.replace(":us-east-1:", ":eu-west-1:")
        assert grant_of(engine, "").plain("keyId") == primary_key

    @pytest.mark.parametrize(
        "key_id",
        [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/ml/secrets",
            "arn:aws:kms:us-east-1:123456789012:alias/ml-secrets",
        ],
    )
    def test_every_kind_of_kms_key_reference_is_accepted(self, engine: MockEngine, key_id: str) -> None:
        build(engine, encryption={"key_id": key_id})
        assert engine.one(SECRET).plain("kmsKeyId") == key_id

    def test_own_key_aliases_without_readers(self, engine: MockEngine) -> None:
        build(
            engine,
            replica_regions=["eu-west-1"],
            encryption={"key_id": "alias/primary", "replica_key_ids": {"eu-west-1": "alias/eu"}},
        )
        assert engine.one(SECRET).plain("kmsKeyId") == "alias/primary"
        assert engine.one(SECRET).plain("replicas") == [{"region": "eu-west-1", "kmsKeyId": "alias/eu"}]
        assert engine.find(GRANT) == []


class TestDeletion:
    def test_without_deletion_protection_the_secret_is_deleted_at_once(self, engine: MockEngine) -> None:
        build(engine, deletion_protection=False)
        assert engine.one(SECRET).plain("recoveryWindowInDays") == 0

    def test_explicit_recovery_window(self, engine: MockEngine) -> None:
        build(engine, recovery_window_days=7)
        assert engine.one(SECRET).plain("recoveryWindowInDays") == 7

    def test_integral_floats_from_other_languages_are_accepted(self, engine: MockEngine) -> None:
        build(engine, recovery_window_days=14.0)
        assert engine.one(SECRET).plain("recoveryWindowInDays") == 14


class TestResourceOptionsReachChildren:
    def test_protect_and_retain_on_delete(self, engine: MockEngine) -> None:
        engine.run(
            lambda: SecureApiKey(
                "openai",
                {"backend": "aws-secrets-manager", "value": CANARY, "readers": [ROLE_ARN]},
                pulumi.ResourceOptions(protect=True, retain_on_delete=True),
            )
        )
        kids = children(engine)
        assert len(kids) == 3
        assert all(child.protect is True for child in kids)
        assert all(child.retain_on_delete is True for child in kids)

    def test_providers(self, engine: MockEngine) -> None:
        def program() -> None:
            provider = aws.Provider("eu", region="eu-west-1")
            SecureApiKey(
                "openai",
                {"backend": "aws-secrets-manager", "value": CANARY},
                pulumi.ResourceOptions(providers={"aws": provider}),
            )

        engine.run(program)
        provider = engine.one("pulumi:providers:aws", "eu")
        kids = children(engine)
        assert {child.type for child in kids} >= {SECRET, VERSION}
        for child in kids:
            if child.type.startswith("aws:"):
                assert child.provider.startswith(provider.urn)


BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("missing value", {"value": None}, r"args\.value: is required"),
    ("empty value", {"value": ""}, r"args\.value: is empty"),
    ("too long value", {"value": "x" * 65_537}, r"args\.value: is 65537 bytes long"),
    ("bad name chars", {"name": "my secret!"}, r"args\.name: .*A-Za-z0-9/_\+=\.@-"),
    ("name too long", {"name": "a" * 513}, r"args\.name: has 513 characters"),
    ("name like an ARN suffix", {"name": "openai-AbC123"}, r"args\.name: ends with a hyphen and six characters"),
    ("rotation without lambda", {"rotation": {"every_days": 30}}, r"args\.rotation\.aws_lambda_arn: is required"),
    (
        "rotation days zero",
        {"rotation": {"every_days": 0, "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.every_days: is out of range",
    ),
    ("rotation days 1001", {"rotation": {"every_days": 1001, "aws_lambda_arn": LAMBDA_ARN}}, r"from 1 to 1000"),
    (
        "rotation too frequent",
        {"rotation": {"schedule_expression": "rate(2 hours)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: rotates more often than every 4 hours",
    ),
    (
        "rotation cron every hour",
        {"rotation": {"schedule_expression": "cron(0 * * * ? *)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: rotates more often than every 4 hours",
    ),
    (
        "rotation cron every minute",
        {"rotation": {"schedule_expression": "cron(* 4 * * ? *)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: rotates more often than every 4 hours",
    ),
    (
        "rotation cron every 3 hours",
        {"rotation": {"schedule_expression": "cron(0 */3 * * ? *)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: rotates more often than every 4 hours",
    ),
    (
        "rotation cron hours too close across midnight",
        {"rotation": {"schedule_expression": "cron(0 1,22 * * ? *)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: rotates more often than every 4 hours",
    ),
    (
        "rotation cron hour 25",
        {"rotation": {"schedule_expression": "cron(0 25 * * ? *)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: has an hours field Secrets Manager cannot read \('25'\)",
    ),
    (
        "rotation cron with 5 fields",
        {"rotation": {"schedule_expression": "cron(0 4 * * ?)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: has 5 cron fields",
    ),
    (
        "rotation window longer than the cron gap",
        {"rotation": {"schedule_expression": "cron(0 */4 * * ? *)", "duration": "5h", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.duration: is a window of 5 hours; allowed: 1h to 4h",
    ),
    (
        "rotation rate in hours past 999 days",
        {"rotation": {"schedule_expression": "rate(100000 hours)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: has a rate of 100000 hours",
    ),
    (
        "rotation both schedules",
        {"rotation": {"every_days": 3, "schedule_expression": "rate(4 days)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: cannot be combined",
    ),
    ("rotation bad lambda arn", {"rotation": {"every_days": 3, "aws_lambda_arn": "my-func"}}, r"rotation\.aws_lambda_arn:"),
    (
        "rotation rate of 0 days",
        {"rotation": {"schedule_expression": "rate(0 days)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: has a rate of 0 days",
    ),
    (
        "rotation rate over 999 days",
        {"rotation": {"schedule_expression": "rate(1000 days)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: has a rate of 1000 days",
    ),
    (
        "rotation cron with characters AWS refuses",
        {"rotation": {"schedule_expression": "cron(0 4 * * ? *; rm)", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.schedule_expression: is not a schedule",
    ),
    (
        "rotation window of 0 hours",
        {"rotation": {"every_days": 3, "duration": "0h", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.duration: is a window of 0 hours; allowed: 1h to 24h",
    ),
    (
        "rotation window past the day",
        {"rotation": {"every_days": 3, "duration": "25h", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.duration: is a window of 25 hours; allowed: 1h to 24h",
    ),
    (
        "rotation window into the next rotation",
        {"rotation": {"schedule_expression": "rate(6 hours)", "duration": "7h", "aws_lambda_arn": LAMBDA_ARN}},
        r"rotation\.duration: is a window of 7 hours; allowed: 1h to 6h",
    ),
    (
        "alias with readers",
        {"readers": [ROLE_ARN], "encryption": {"key_id": "alias/ml-secrets"}},
        r"encryption\.key_id: is a key alias, but readers are given",
    ),
    (
        "alias ARN with readers",
        {"readers": [ROLE_ARN], "encryption": {"key_id": "arn:aws:kms:us-east-1:123456789012:alias/ml"}},
        r"encryption\.key_id: is a key alias",
    ),
    (
        "replica alias with readers",
        {
            "readers": [ROLE_ARN],
            "replica_regions": ["eu-west-1"],
            "encryption": {"key_id": "arn:aws:kms:us-east-1:123456789012:key/1", "replica_key_ids": {"eu-west-1": "alias/eu"}},
        },
        r"encryption\.replica_key_ids\.eu-west-1: is a key alias",
    ),
    (
        "key id of another cloud",
        {"encryption": {"key_id": "projects/p/locations/global/keyRings/r/cryptoKeys/k"}},
        r"encryption\.key_id: is not a KMS key reference",
    ),
    (
        "replica key in another region",
        {
            "replica_regions": ["eu-west-1"],
            "encryption": {
                "key_id": "1234abcd-12ab-34cd-56ef-1234567890ab",
                "replica_key_ids": {"eu-west-1": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            },
        },
        r"encryption\.replica_key_ids\.eu-west-1: is a key in us-east-1, not in eu-west-1",
    ),
    ("reader with non-ASCII letters", {"readers": ["arn:aws:iam::123456789012:role/café"]}, r"readers\[0\]: has characters"),
    ("value with lone surrogates", {"value": CANARY + "\ud800"}, r"args\.value: is not valid Unicode text"),
    (
        "rotation gcp topic",
        {"rotation": {"every_days": 3, "aws_lambda_arn": LAMBDA_ARN, "gcp_topic_id": "projects/p/topics/abc"}},
        r"rotation\.gcp_topic_id: does not apply to backend aws-secrets-manager",
    ),
    ("recovery window 5", {"recovery_window_days": 5}, r"recovery_window_days: is out of range \(got 5\); allowed: 0 \(delete"),
    ("recovery window 31", {"recovery_window_days": 31}, r"recovery_window_days: is out of range"),
    ("recovery window 0 protected", {"recovery_window_days": 0}, r"recovery_window_days: is 0 while deletion_protection is on"),
    ("wildcard reader", {"readers": ["*"]}, r"readers\[0\]: must name one principal, not a wildcard"),
    ("reader not an ARN", {"readers": ["summarizer"]}, r"readers\[0\]: .*IAM principal ARN"),
    ("azure reader on aws", {"readers": ["6f1c2a9e-1111-4222-8333-444455556666"]}, r"readers\[0\]:"),
    ("duplicate readers", {"readers": [ROLE_ARN, ROLE_ARN]}, r"readers\[1\]: repeats"),
    ("readers not a list", {"readers": ROLE_ARN}, r"args\.readers: must be a list"),
    ("tag key reserved", {"tags": {"aws:owner": "me"}}, r"tags\.aws:owner: uses the reserved prefix"),
    ("tag value too long", {"tags": {"team": "x" * 257}}, r"tags\.team: has 257 characters"),
    ("tag value not str", {"tags": {"team": 3}}, r"tags\.team: must be a string"),
    ("too many tags", {"tags": {f"k{i}": "v" for i in range(51)}}, r"args\.tags: has 51 entries"),
    ("unknown field", {"colour": "blue"}, r"args\.colour: is not a known option"),
    ("unknown rotation field", {"rotation": {"every_day": 3}}, r"args\.rotation\.every_day: is not a known option"),
    (
        "create and bring a key",
        {"encryption": {"create_key": True, "key_id": "alias/x"}},
        r"encryption\.create_key: cannot be combined",
    ),
    ("empty encryption", {"encryption": {}}, r"args\.encryption: names no key"),
    (
        "key rotation too short",
        {"encryption": {"create_key": True, "key_rotation_days": 30}},
        r"encryption\.key_rotation_days: .*90 to 2560",
    ),
    (
        "replica without its key",
        {"replica_regions": ["eu-west-1"], "encryption": {"key_id": "alias/x"}},
        r"encryption\.replica_key_ids\.eu-west-1: is required: KMS keys are regional",
    ),
    (
        "replica key for unknown region",
        {"encryption": {"key_id": "alias/x", "replica_key_ids": {"eu-west-1": "alias/y"}}},
        r"encryption\.replica_key_ids\.eu-west-1: is not one of replica_regions",
    ),
    ("bad replica region", {"replica_regions": ["Europe"]}, r"replica_regions\[0\]:"),
    ("azure block", {"azure": {"content_type": "text/plain"}}, r"args\.azure: only applies to backend azure-key-vault"),
    (
        "the earlier api gateway block",
        {"api_gateway": {"enabled": True}},
        r"args\.api_gateway: is not an option.*with backend='aws-secrets-manager'",
    ),
    (
        "unknown backend",
        {"backend": "aws-ssm"},
        r"args\.backend: is not a known backend .*aws-secrets-manager, azure-key-vault, gcp-secret-manager$",
    ),
    ("deletion protection not bool", {"deletion_protection": "yes"}, r"deletion_protection: must be true or false"),
    ("value of wrong type", {"value": 42}, r"args\.value: must be a string or a Pulumi Output \(got int\)"),
]


@pytest.mark.parametrize(("case", "override", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_before_any_resource(engine: MockEngine, case: str, override: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"backend": "aws-secrets-manager", "value": CANARY, **override}
    with pytest.raises(SecureApiKeyError, match=message) as refused:
        engine.run(lambda: SecureApiKey("openai", args))  # type: ignore[arg-type]
    assert CANARY not in str(refused.value)
    assert engine.resources == []


def test_a_value_output_that_is_too_long_fails_at_deploy_without_showing_it(engine: MockEngine) -> None:
    long_value = CANARY * 2000
    # Pulumi wraps errors raised while resolving inputs in ValueErrors naming the resource and input.
    with pytest.raises(DeployTimeError, match=r"SecureApiKey 'openai' args\.value: is \d+ bytes long") as refused:
        engine.run(lambda: SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": pulumi.Output.secret(long_value)}))
    assert CANARY not in str(refused.value)


def test_no_plaintext_value_in_non_secret_inputs_outputs_or_logs(engine: MockEngine) -> None:
    key = build(
        engine,
        readers=[ROLE_ARN],
        encryption={"create_key": True},
        replica_regions=["eu-west-1"],
        rotation={"every_days": 30, "aws_lambda_arn": LAMBDA_ARN},
        tags={"team": "ml"},
    )
    checked = 0
    for resource in engine.resources:
        for key_name, value in resource.inputs.items():
            if not resource.is_secret(key_name):
                assert CANARY not in json.dumps(unwrap_secrets(value), default=str), (resource.name, key_name)
                checked += 1
        assert CANARY not in resource.name
        # Outputs that echo the value (SecretVersion.secretString) must be marked secret.
        for out_name, out_value in resource.outputs.items():
            if CANARY in json.dumps(unwrap_secrets(out_value), default=str):
                assert out_name in resource.additional_secret_outputs, (resource.name, out_name)
    for output in (key.secret_id, key.secret_ref, key.version_id, key.kms_key_id, key.backend):
        assert CANARY not in str(resolve_output(output).value)
    assert not any(CANARY in line for line in engine.logs)
    assert checked > 20


@pytest.mark.parametrize("component_name", ["openai key", "openai:prod", "k" * 241])
def test_a_component_name_aws_cannot_auto_name_from_needs_an_explicit_name(engine: MockEngine, component_name: str) -> None:
    args: dict[str, Any] = {"backend": "aws-secrets-manager", "value": CANARY}
    with pytest.raises(
        SecureApiKeyError, match=r"args\.name: is required: the component name .* cannot be part of a secret name"
    ):
        engine.run(lambda: SecureApiKey(component_name, args))  # type: ignore[arg-type]
    assert engine.resources == []
    engine.run(lambda: SecureApiKey(component_name, {**args, "name": "prod/openai"}))  # type: ignore[arg-type]
    assert engine.one(SECRET).plain("name") == "prod/openai"


def test_a_long_component_name_keeps_the_key_alias_within_the_kms_limit(engine: MockEngine) -> None:
    engine.run(
        lambda: SecureApiKey("k" * 240, {"backend": "aws-secrets-manager", "value": CANARY, "encryption": {"create_key": True}})
    )
    prefix = engine.one(ALIAS).plain("namePrefix")
    # The provider appends 26 characters to the prefix; an alias name is at most 256.
    assert prefix.startswith("alias/ai-keys/kkk")
    assert len(prefix) + 26 <= 256


class TestRulesThatNeedTheSecretsRegion:
    """The provider's region and partition are known at deploy time only: these refusals come then, before the
    secret is created, as one line naming the field and where the key was declared."""

    def refusal(self, make_args: Callable[[], dict[str, Any]]) -> DeployTimeError:
        with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
            engine.run(lambda: SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": CANARY, **make_args()}))  # type: ignore[typeddict-item]
        assert SECRET not in [r.type for r in engine.resources]  # the secret waited for the check
        assert CANARY not in str(refused.value)
        assert "\n" not in str(refused.value)
        assert re.search(r"declared at tests[/\\]test_aws_secrets_manager\.py:\d+\)$", str(refused.value))
        return refused.value

    def test_a_replica_in_the_secrets_own_region(self) -> None:
        refused = self.refusal(lambda: {"replica_regions": ["eu-west-1", "us-east-1"]})
        assert refused.field == "replica_regions[1]"
        assert "the secret's own region" in str(refused)

    def test_a_rotation_lambda_in_another_region(self) -> None:
        lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate-openai"
        refused = self.refusal(lambda: {"rotation": {"every_days": 30, "aws_lambda_arn": lambda_arn}})
        assert refused.field == "rotation.aws_lambda_arn"
        assert "is a function in eu-west-1, but the secret is in us-east-1" in str(refused)

    def test_the_same_rules_hold_when_the_lambda_is_an_output(self) -> None:
        lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate-openai"
        refused = self.refusal(lambda: {"rotation": {"every_days": 30, "aws_lambda_arn": pulumi.Output.from_input(lambda_arn)}})
        assert refused.field == "rotation.aws_lambda_arn"

    def test_a_reader_in_another_partition(self) -> None:
        with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
            engine.run(
                lambda: SecureApiKey(
                    "openai",
                    {
                        "backend": "aws-secrets-manager",
                        "value": CANARY,
                        "readers": [ROLE_ARN, "arn:aws-cn:iam::123456789012:role/summarizer"],
                        "encryption": {"create_key": True},
                    },
                )
            )
        assert refused.value.field == "readers[1]"
        assert "is in partition aws-cn, but the secret is in aws" in str(refused.value)
