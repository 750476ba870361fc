"""The ``openai`` issuer: its rules, what it asks of the rotator, and its admin key kept in the store."""

import json
from typing import Any

import pulumi
import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.issuers import ISSUERS, IssuedKey, load_issuer, mock_tables, openai
from ai_keys.rotation import PLACEHOLDER
from ai_keys.rules import build_spec
from ai_keys.testing import MockEngine, resolve_output, unwrap_secrets

ADMIN_KEY = "sk-admin-" + "Zq8" * 20
"""The shape of an OpenAI admin key: a plain string of it gets the hard-coded key warning."""
BLOCK = {"project_id": "proj_abc123", "admin_key": "admin-key-from-config"}
ROTATION = {"every_days": 30}
AWS = "aws-secrets-manager"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def openai_args(**block: Any) -> dict[str, Any]:
    return {"backend": AWS, "issuer": {"openai": {**BLOCK, **block}}, "rotation": ROTATION}


def test_it_is_a_registered_issuer_with_no_sdk_of_its_own() -> None:
    assert ISSUERS["openai"] == "openai"
    module = load_issuer("openai")
    assert module.SDK is None
    assert module.EXTRA is None
    outputs, calls = mock_tables()
    assert openai.MOCK_OUTPUTS == {}  # it registers nothing: the store keeps the admin key
    assert set(openai.MOCK_CALLS) <= set(calls)
    assert outputs


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"project_id": None}, "issuer.openai.project_id"),
        ({"project_id": "project-1"}, "issuer.openai.project_id"),
        ({"project_id": "proj_"}, "issuer.openai.project_id"),
        ({"admin_key": None}, "issuer.openai.admin_key"),
        ({"admin_key": ""}, "issuer.openai.admin_key"),
        ({"admin_key": b"bytes"}, "issuer.openai.admin_key"),
        ({"admin_key": 42}, "issuer.openai.admin_key"),
        ({"admin_key": "k" * 5000}, "issuer.openai.admin_key"),
        ({"service_account_name": "-leading-hyphen"}, "issuer.openai.service_account_name"),
        ({"service_account_name": "x" * 41}, "issuer.openai.service_account_name"),
        ({"organization": "org-1"}, "issuer.openai.organization"),
    ],
)
def test_its_block_is_checked_naming_the_field(engine: MockEngine, block: dict[str, Any], field: str) -> None:
    args = openai_args(**block)
    args["issuer"]["openai"] = {k: v for k, v in args["issuer"]["openai"].items() if v is not None}
    with pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("ai", args))  # type: ignore[arg-type]
    assert refused.value.field == field
    assert "admin-key-from-config" not in str(refused.value)
    assert engine.resources == []


def test_the_admin_key_is_never_shown_in_the_options(engine: MockEngine) -> None:
    spec = build_spec(openai_args(), "ai")
    assert spec.issuer is not None
    assert "admin-key-from-config" not in repr(spec)
    assert "admin_key" not in repr(spec.issuer.options)


def test_a_plain_string_admin_key_gets_the_hard_coded_key_warning(engine: MockEngine) -> None:
    engine.run(lambda: SecureApiKey("ai", openai_args(admin_key=ADMIN_KEY)))  # type: ignore[arg-type]
    warnings = [line for line in engine.logs if "args.issuer.openai.admin_key is a plain string" in line]
    assert len(warnings) == 1
    assert "OpenAI" in warnings[0]
    assert all(ADMIN_KEY not in line for line in engine.logs)


def test_an_admin_key_from_config_gets_no_warning(engine: MockEngine) -> None:
    def program() -> None:
        SecureApiKey("ai", openai_args(admin_key=pulumi.Output.secret(ADMIN_KEY)))  # type: ignore[arg-type]

    engine.run(program)
    assert not [line for line in engine.logs if "admin_key is a plain string" in line]


def test_it_issues_nothing_but_what_the_rotator_needs(engine: MockEngine) -> None:
    spec = build_spec(openai_args(service_account_name="assistant"), "ai")
    assert spec.issuer is not None

    def program() -> IssuedKey:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        return openai.issue("ai", spec.issuer.options, {}, parent, rotation=spec.rotation)  # type: ignore[union-attr]

    issued: IssuedKey = engine.run(program)
    assert [r.type for r in engine.resources] == ["test:index:Parent"]  # no resource of its own
    value = resolve_output(issued.value)
    assert value.is_secret
    assert value.value == PLACEHOLDER
    assert issued.rotator is not None
    assert issued.rotator.issuer == "openai"
    assert issued.rotator.first_key_by_rotator
    env = {name: resolve_output(v).value for name, v in issued.rotator.env.items()}
    prefix = openai.key_prefix("ai", f"{pulumi.get_organization()}/project/stack")
    assert env == {
        "AIKEYS_OPENAI_PROJECT": "proj_abc123",
        "AIKEYS_OPENAI_SERVICE_ACCOUNT": "assistant",
        "AIKEYS_KEY_PREFIX": prefix,
    }
    assert issued.rotator.admin_key is not None
    admin = resolve_output(issued.rotator.admin_key)
    assert admin.is_secret
    assert admin.value == "admin-key-from-config"
    assert "admin-key-from-config" not in repr(issued.rotator)
    assert resolve_output(issued.issued_key_id).value == f"openai:proj_abc123/service_accounts/assistant-{prefix}*"


def test_the_key_prefix_is_unique_per_stack_and_component() -> None:
    first = openai.key_prefix("assistant", "org/project/prod")
    assert first == openai.key_prefix("assistant", "org/project/prod")
    assert first != openai.key_prefix("assistant", "org/project/dev")
    assert first != openai.key_prefix("summarizer", "org/project/prod")
    assert openai.service_account_name("assistant", None) == "ai-keys-assistant"
    assert len(openai.service_account_name("a" * 200, None)) <= openai.SERVICE_ACCOUNT_MAX
    assert openai.service_account_name("x", "given") == "given"


def test_on_aws_the_admin_key_has_its_own_secret_readable_by_the_rotator_only(engine: MockEngine) -> None:
    engine.run(lambda: SecureApiKey("ai", {**openai_args(), "name": "team/openai"}))  # type: ignore[arg-type]
    secrets = {r.name: r for r in engine.find(SECRET)}
    assert set(secrets) == {"ai-secret", "ai-admin-key"}
    admin = secrets["ai-admin-key"]
    assert admin.plain("name") == "team/openai-admin-key"
    assert admin.protect is True  # protected like the key
    assert admin.plain("recoveryWindowInDays") == secrets["ai-secret"].plain("recoveryWindowInDays")
    versions = {r.name: r for r in engine.find(VERSION)}
    assert versions["ai-admin-key-version"].is_secret("secretString")
    assert versions["ai-admin-key-version"].plain("secretString") == "admin-key-from-config"
    assert versions["ai-version"].plain("secretString") == PLACEHOLDER
    policy = engine.one(POLICY)
    assert policy.plain("secretArn") == admin.outputs["arn"]
    role_arn = engine.one("aws:iam/role:Role").outputs["arn"]
    assert json.loads(policy.plain("policy"))["Statement"] == [
        {
            "Sid": "OnlyTheRotatorReadsTheAdminKey",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": admin.outputs["arn"],
        }
    ]
    env = engine.one(FUNCTION).plain("environment", "variables")
    assert env["AIKEYS_ADMIN_KEY_REF"] == admin.outputs["arn"]
    assert env["AIKEYS_ISSUER"] == "openai"
    assert env["AIKEYS_OPENAI_PROJECT"] == "proj_abc123"
    statements = json.loads(engine.one(ROLE_POLICY).plain("policy"))["Statement"]
    assert {
        "Sid": "ReadTheAdminKey",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": admin.outputs["arn"],
    } in statements
    # The admin key is in its secret's version and nowhere else, even as a secret.
    holders = [r.name for r in engine.resources if "admin-key-from-config" in json.dumps(unwrap_secrets(r.inputs), default=str)]
    assert holders == ["ai-admin-key-version"]
