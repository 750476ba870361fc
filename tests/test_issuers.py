"""Keys minted by a service (Gemini, Bedrock, Azure AI Services), kept in any store: the issuer x store matrix."""

import json
import logging
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.issuers import azure_ai_services
from ai_keys.testing import MockEngine, is_secret_at, mock_clouds, mock_pulumi, plan_update, resolve_output, unwrap_secrets

ROLE = "arn:aws:iam::123456789012:role/app"
PRINCIPAL = "5f0c6a1e-8a0b-4f4e-9d53-2f1e0c7b9a11"
MEMBER = "serviceAccount:app@my-project-123.iam.gserviceaccount.com"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
OTHER_MODEL = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"

ISSUERS: dict[str, dict[str, Any]] = {
    "gemini": {"gemini": {"project": "my-project-123"}},
    "bedrock": {"bedrock": {"models": [MODEL], "expires_in_days": 90}},
    "azure_ai_services": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}},
}
STORES: dict[str, dict[str, Any]] = {
    "aws-secrets-manager": {"readers": [ROLE]},
    "azure-key-vault": {"azure": {"resource_group_name": "rg-ai", "create_vault": {}}, "readers": [PRINCIPAL]},
    "gcp-secret-manager": {"gcp": {"project": "my-project-123"}, "readers": [MEMBER]},
}
STORE_VALUE_INPUT = {
    "aws-secrets-manager": ("aws:secretsmanager/secretVersion:SecretVersion", "secretString"),
    "azure-key-vault": ("azure-native:keyvault:Secret", "properties"),
    "gcp-secret-manager": ("gcp:secretmanager/secretVersion:SecretVersion", "secretData"),
}
GCP_READER_GRANT = "gcp:secretmanager/secretIamMember:SecretIamMember"
MATRIX = [(issuer, store) for issuer in ISSUERS for store in STORES]


def args(issuer: str, store: str, **extra: Any) -> dict[str, Any]:
    return {"backend": store, "issuer": ISSUERS[issuer], **STORES[store], **extra}


def deploy(engine: MockEngine, issuer: str, store: str, **extra: Any) -> SecureApiKey:
    key: SecureApiKey = engine.run(lambda: SecureApiKey("ai", args(issuer, store, **extra)))  # type: ignore[arg-type]
    return key


def plain_everywhere(engine: MockEngine) -> list[str]:
    """Every non-secret input and output of every resource, and the stack outputs, as text."""
    texts = []
    for resource in engine.resources:
        # The engine stores the outputs listed in additional_secret_outputs as secrets.
        outputs = {k: v for k, v in resource.outputs.items() if k not in resource.additional_secret_outputs}
        for where in (resource.inputs, outputs):
            texts.append(json.dumps(_drop_secrets(where), default=str))
    texts.append(json.dumps(_drop_secrets(engine.stack_outputs), default=str))
    return texts


def _drop_secrets(value: Any) -> Any:
    if is_secret_at(value, []):
        return None
    if isinstance(value, dict):
        return {k: _drop_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop_secrets(v) for v in value]
    return value


@pytest.mark.parametrize(("issuer", "store"), MATRIX)
def test_the_issued_key_is_a_secret_everywhere_it_flows(issuer: str, store: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with mock_pulumi() as engine:
        key = deploy(engine, issuer, store)
        pulumi.export("ref", key.secret_ref)
        value = resolve_output(key.value)
        assert value.is_secret
        issued = str(value.value)
        assert len(issued) >= 32  # the mock's key, used as the canary
        resource, field = STORE_VALUE_INPUT[store]
        assert engine.one(resource).is_secret(field)
        issued_key_id = resolve_output(key.issued_key_id).value
        assert issued_key_id
        assert issued not in issued_key_id
        leaks = [text for text in plain_everywhere(engine) if issued in text]
        assert leaks == []
        minted = [r for r in engine.resources if issued in json.dumps(r.outputs, default=str)]
        assert all(set(r.additional_secret_outputs) & set(r.outputs) for r in minted)
        assert issued not in "\n".join(engine.logs) + caplog.text
        assert issued in json.dumps(unwrap_secrets([r.inputs for r in engine.resources]), default=str)  # it does flow


@pytest.mark.parametrize(("issuer", "store"), MATRIX)
def test_readers_get_least_privilege_on_the_store(issuer: str, store: str) -> None:
    with mock_pulumi() as engine:
        deploy(engine, issuer, store)
        if store == "aws-secrets-manager":
            policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
            assert [s["Principal"] for s in policy["Statement"]] == [{"AWS": [ROLE]}]
            assert [s["Action"] for s in policy["Statement"]] == ["secretsmanager:GetSecretValue"]
        elif store == "azure-key-vault":
            (grant,) = engine.find("azure-native:authorization:RoleAssignment")
            assert grant.plain("scope") == engine.one("azure-native:keyvault:Secret").id
        else:
            assert engine.find("gcp:secretmanager/secretIamBinding:SecretIamBinding") == []
            (grant,) = engine.find(GCP_READER_GRANT)
            assert grant.plain("member") == MEMBER
            assert grant.plain("role") == "roles/secretmanager.secretAccessor"
            assert grant.plain("secretId") == engine.one("gcp:secretmanager/secret:Secret").id


def test_the_gemini_key_is_restricted_to_the_gemini_api_and_bound_to_a_role_less_account() -> None:
    with mock_pulumi() as engine:
        key = deploy(engine, "gemini", "aws-secrets-manager")
        api_key = engine.one("gcp:projects/apiKey:ApiKey")
        assert api_key.plain("restrictions", "apiTargets") == [{"service": "generativelanguage.googleapis.com"}]
        account = engine.one("gcp:serviceaccount/account:Account")
        assert api_key.plain("serviceAccountEmail") == account.outputs["email"]
        assert api_key.plain("project") == "my-project-123"
        # No role of any kind for the caller's account: a bound key needs none to call the Gemini API.
        assert [r.type for r in engine.resources if "iam" in r.type.lower() and r.type.startswith("gcp:")] == []
        assert resolve_output(key.issued_key_id).value == api_key.id


def test_a_gemini_key_bound_to_your_service_account_with_ip_restrictions() -> None:
    email = "caller@my-project-123.iam.gserviceaccount.com"
    issuer = {"gemini": {"project": "my-project-123", "service_account_email": email, "allowed_ips": ["203.0.113.0/24"]}}
    with mock_pulumi() as engine:
        engine.run(
            lambda: SecureApiKey("ai", {"backend": "gcp-secret-manager", "issuer": issuer, "gcp": {"project": "my-project-123"}})
        )
        api_key = engine.one("gcp:projects/apiKey:ApiKey")
        assert api_key.plain("serviceAccountEmail") == email
        assert api_key.plain("restrictions", "serverKeyRestrictions") == {"allowedIps": ["203.0.113.0/24"]}
        assert engine.find("gcp:serviceaccount/account:Account") == []


def test_the_bedrock_user_may_only_invoke_the_named_models() -> None:
    with mock_pulumi() as engine:
        key = deploy(engine, "bedrock", "aws-secrets-manager")
        user = engine.one("aws:iam/user:User")
        policy = engine.one("aws:iam/userPolicy:UserPolicy")
        assert policy.plain("user") == user.outputs["name"]
        document = json.loads(policy.plain("policy"))
        assert document["Statement"] == [
            {
                "Sid": "InvokeTheseModelsOnly",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": [MODEL],
            },
            {"Sid": "UseTheKey", "Effect": "Allow", "Action": "bedrock:CallWithBearerToken", "Resource": "*"},
        ]
        assert engine.find("aws:iam/userPolicyAttachment:UserPolicyAttachment") == []  # nothing else attached
        credential = engine.one("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
        assert credential.plain("serviceName") == "bedrock.amazonaws.com"
        assert credential.plain("credentialAgeDays") == 90
        assert policy.urn in credential.dependencies
        assert resolve_output(key.issued_key_id).value == credential.outputs["serviceCredentialAlias"]


def test_bedrock_defaults_to_a_90_day_key_and_allow_all_models_is_explicit() -> None:
    with mock_pulumi() as engine:
        engine.run(
            lambda: SecureApiKey("ai", {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"allow_all_models": True}}})
        )
        credential = engine.one("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
        assert credential.plain("credentialAgeDays") == 90
        document = json.loads(engine.one("aws:iam/userPolicy:UserPolicy").plain("policy"))
        assert document["Statement"][0]["Resource"] == ["*"]


def test_azure_ai_services_reads_key2_when_asked() -> None:
    issuer = {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai", "key": "key2"}}
    with mock_pulumi() as engine:
        key = engine.run(
            lambda: SecureApiKey("ai", {"backend": "gcp-secret-manager", "issuer": issuer, "gcp": {"project": "my-project-123"}})
        )
        assert resolve_output(key.issued_key_id).value.endswith("/accounts/my-aoai#key2")
        assert resolve_output(key.value).value == azure_ai_services._mock_keys({"accountName": "my-aoai"})["key2"]


def test_an_account_with_local_auth_disabled_is_refused_pointing_at_entra_id(monkeypatch: pytest.MonkeyPatch) -> None:
    def entra_only(call_args: dict[str, Any]) -> dict[str, Any]:
        account = azure_ai_services._mock_account(call_args)
        return {**account, "properties": {**account["properties"], "disableLocalAuth": True}}

    monkeypatch.setitem(mock_clouds._ISSUER_CALLS, "azure-native:cognitiveservices:getAccount", entra_only)
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        deploy(engine, "azure_ai_services", "aws-secrets-manager")
    assert refused.value.field == "issuer.azure_ai_services.account_name"
    assert "Entra ID" in str(refused.value)
    assert engine.find("aws:secretsmanager/secretVersion:SecretVersion") == []  # nothing stored


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown issuer", {"issuer": {"mistral": {}}}, "issuer.mistral"),
    ("two issuers", {"issuer": {**ISSUERS["gemini"], **ISSUERS["bedrock"]}}, "issuer"),
    ("no issuer named", {"issuer": {}}, "issuer"),
    ("value and issuer", {"issuer": ISSUERS["gemini"], "value": "sk-x"}, "value"),
    ("rotation of an issuer of another cloud", {"issuer": ISSUERS["gemini"], "rotation": {"every_days": 30}}, "rotation"),
    ("openai without rotation", {"issuer": {"openai": {"project_id": "proj_abc", "admin_key": "k"}}}, "issuer.openai"),
    (
        "openai without project",
        {"issuer": {"openai": {"admin_key": "k"}}, "rotation": {"every_days": 30}},
        "issuer.openai.project_id",
    ),
    ("gemini without project", {"issuer": {"gemini": {}}}, "issuer.gemini.project"),
    ("gemini unknown option", {"issuer": {"gemini": {"project": "my-project-123", "region": "x"}}}, "issuer.gemini.region"),
    (
        "gemini service account of another project",
        {
            "issuer": {
                "gemini": {
                    "project": "my-project-123",
                    "service_account_email": "a-caller@other-project-1.iam.gserviceaccount.com",
                }
            }
        },
        "issuer.gemini.service_account_email",
    ),
    (
        "gemini two kinds of app restriction",
        {
            "issuer": {
                "gemini": {"project": "my-project-123", "allowed_ips": ["203.0.113.7"], "ios_bundle_ids": ["com.example.app"]}
            }
        },
        "issuer.gemini.ios_bundle_ids",
    ),
    ("bedrock without models", {"issuer": {"bedrock": {}}}, "issuer.bedrock.models"),
    ("bedrock wildcard model", {"issuer": {"bedrock": {"models": ["*"]}}}, "issuer.bedrock.models[0]"),
    ("bedrock model of another service", {"issuer": {"bedrock": {"models": [ROLE]}}}, "issuer.bedrock.models[0]"),
    (
        "bedrock foundation model with an account",
        {"issuer": {"bedrock": {"models": ["arn:aws:bedrock:us-east-1:123456789012:foundation-model/x"]}}},
        "issuer.bedrock.models[0]",
    ),
    (
        "bedrock expiry of 0 days",
        {"issuer": {"bedrock": {"models": [MODEL], "expires_in_days": 0}}},
        "issuer.bedrock.expires_in_days",
    ),
    (
        "bedrock expiry over the limit",
        {"issuer": {"bedrock": {"models": [MODEL], "expires_in_days": 36_601}}},
        "issuer.bedrock.expires_in_days",
    ),
    (
        "bedrock models and allow_all",
        {"issuer": {"bedrock": {"models": [MODEL], "allow_all_models": True}}},
        "issuer.bedrock.allow_all_models",
    ),
    (
        "azure account missing",
        {"issuer": {"azure_ai_services": {"resource_group_name": "rg"}}},
        "issuer.azure_ai_services.account_name",
    ),
    (
        "azure key3",
        {"issuer": {"azure_ai_services": {"account_name": "a1", "resource_group_name": "rg", "key": "key3"}}},
        "issuer.azure_ai_services.key",
    ),
]


@pytest.mark.parametrize(("case", "override", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_issuer_input_is_refused_before_any_resource(case: str, override: dict[str, Any], field: str) -> None:
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("ai", {"backend": "aws-secrets-manager", **override}))  # type: ignore[typeddict-item]
    assert refused.value.field == field, str(refused.value)
    assert str(refused.value).startswith(f"SecureApiKey args.{field}")
    assert refused.value.allowed
    assert engine.resources == []


def test_an_issuer_with_the_earlier_api_gateway_backend_is_refused_naming_backend() -> None:
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("ai", {"backend": "aws-api-gateway", "issuer": ISSUERS["gemini"]}))
    assert refused.value.field == "backend"
    assert "issuer={'aws_api_gateway': " in refused.value.allowed
    assert engine.resources == []


def test_a_model_given_as_an_output_gets_the_same_rule_at_deploy() -> None:
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(
            lambda: SecureApiKey(
                "ai", {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": [pulumi.Output.from_input(ROLE)]}}}
            )
        )
    assert refused.value.field == "issuer.bedrock.models[0]"
    assert "is not a Bedrock model ARN" in str(refused.value)


# --------------------------------------------------------------------------------------- lifecycle
def program(issuer: dict[str, Any], store: str, **extra: Any) -> Callable[[], None]:
    return lambda: SecureApiKey("ai", {"backend": store, "issuer": issuer, **STORES[store], **extra})  # type: ignore[typeddict-item]


def test_changing_the_models_updates_the_policy_and_keeps_the_key() -> None:
    before = program({"bedrock": {"models": [MODEL]}}, "aws-secrets-manager")
    after = program({"bedrock": {"models": [MODEL, OTHER_MODEL]}}, "aws-secrets-manager")
    plan = plan_update(before, after)
    assert plan.touched() == {"ai-bedrock-invoke": "update"}


def test_a_new_expiry_re_issues_the_key_and_stores_the_new_one_in_place() -> None:
    before = program({"bedrock": {"models": [MODEL], "expires_in_days": 90}}, "aws-secrets-manager")
    after = program({"bedrock": {"models": [MODEL], "expires_in_days": 30}}, "aws-secrets-manager")
    plan = plan_update(before, after)
    assert plan.op("ai-bedrock-key") == "replace"
    assert plan.op("ai-secret") == "same"  # the store keeps its name, policy and readers
    assert plan.op("ai-version") == "replace"  # a new version with the new key
    assert plan.index("create-replacement", "ai-bedrock-key") < plan.index("create-replacement", "ai-version")
    assert plan.index("create-replacement", "ai-version") < plan.index("delete-replaced", "ai-bedrock-key")
    assert not plan.refused


def test_changing_the_gemini_service_account_re_issues_the_key() -> None:
    email = "caller@my-project-123.iam.gserviceaccount.com"
    before = program({"gemini": {"project": "my-project-123"}}, "gcp-secret-manager")
    after = program({"gemini": {"project": "my-project-123", "service_account_email": email}}, "gcp-secret-manager")
    plan = plan_update(before, after)
    # A new issue gets a new timestamp, hence a new key id: the new key is made and stored before the old one goes
    # (Google holds a deleted key's id for 30 days, so the old id could not be reused).
    assert plan.op("ai-gemini-issued") == "replace"
    assert plan.op("ai-gemini-key") == "replace"
    assert plan.index("create-replacement", "ai-gemini-key") < plan.index("create-replacement", "ai-version")
    assert plan.index("create-replacement", "ai-version") < plan.index("delete-replaced", "ai-gemini-key")
    assert plan.op("ai-gemini-caller") == "delete"
    (grant,) = plan.of_type(GCP_READER_GRANT).items()
    assert grant[0].startswith("ai-reader-")
    assert grant[1] == "same"  # the reader keeps its grant
    assert plan.op("ai-version") == "replace"  # the store keeps the new key


def test_swapping_the_store_keeps_the_issued_key_and_is_refused_while_the_old_store_is_protected() -> None:
    before = program(ISSUERS["gemini"], "aws-secrets-manager")
    after = program(ISSUERS["gemini"], "gcp-secret-manager")
    plan = plan_update(before, after)
    assert plan.op("ai-gemini-key") == "same"
    assert plan.refused  # the AWS secret is protected: deletion_protection is on by default
    unprotected = plan_update(
        program(ISSUERS["gemini"], "aws-secrets-manager", deletion_protection=False),
        program(ISSUERS["gemini"], "gcp-secret-manager", deletion_protection=False),
    )
    assert not unprotected.refused
    assert unprotected.op("ai-gemini-key") == "same"
    assert set(unprotected.of_type("aws:secretsmanager/secret:Secret").values()) == {"delete"}
    assert set(unprotected.of_type("gcp:secretmanager/secret:Secret").values()) == {"create"}


# --------------------------------------------------------------------------------------- API Gateway, as an issuer
PLAN = {"usage_plan": {"quota": {"limit": 1000, "period": "MONTH"}, "api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}]}}


def registered(args: dict[str, Any]) -> list[tuple[str, str, Any]]:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("client", args))  # type: ignore[arg-type]
        return sorted((r.type, r.name, unwrap_secrets(r.inputs)) for r in engine.resources if r.custom)


@pytest.mark.parametrize(
    "value", [None, "abcdefghij0123456789KLMNOP"], ids=["generated by AWS", "brought as issuer.aws_api_gateway.value"]
)
def test_keeping_a_copy_adds_the_copy_and_leaves_the_api_gateway_key_as_it_was(value: Any) -> None:
    block = {**PLAN, **({"value": value} if value else {})}
    alone = registered({"issuer": {"aws_api_gateway": block}})
    with_copy = registered({"issuer": {"aws_api_gateway": block}, "backend": "aws-secrets-manager", "readers": [ROLE]})
    assert [t for t, _, _ in alone] == [
        "aws:apigateway/apiKey:ApiKey",
        "aws:apigateway/usagePlan:UsagePlan",
        "aws:apigateway/usagePlanKey:UsagePlanKey",
    ]
    # The same key, plan and plan key, names and inputs: adding the copy replaces nothing.
    assert all(made in with_copy for made in alone)
    assert "aws:secretsmanager/secret:Secret" in [t for t, _, _ in with_copy]
    api_key = next(inputs for t, _, inputs in alone if t == "aws:apigateway/apiKey:ApiKey")
    assert api_key.get("value") == value


def test_an_api_gateway_key_names_itself_as_the_issued_key() -> None:
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("client", {"issuer": {"aws_api_gateway": PLAN}}))
        api_key = engine.one("aws:apigateway/apiKey:ApiKey")
        assert resolve_output(key.issued_key_id).value == api_key.id == resolve_output(key.api_key_id).value


@pytest.mark.parametrize(
    ("override", "field", "allowed"),
    [
        ({"issuer": {"aws_api_gateway": {}}}, "issuer.aws_api_gateway.usage_plan", "issuer.aws_api_gateway.usage_plan_id"),
        (
            {"issuer": {"aws_api_gateway": {**PLAN, "store_in_secrets_manager": True}}},
            "issuer.aws_api_gateway.store_in_secrets_manager",
            "",
        ),
        ({"issuer": {"aws_api_gateway": PLAN}, "readers": [ROLE]}, "readers", "set backend: aws-secrets-manager"),
        ({"issuer": {"aws_api_gateway": PLAN}, "backend": "gcp-secret-manager"}, "backend", "aws-secrets-manager"),
        ({"issuer": {"aws_api_gateway": PLAN}, "value": "abcdefghij0123456789"}, "value", "leave value out"),
        ({"issuer": {"aws_api_gateway": PLAN}, "api_gateway": PLAN}, "api_gateway", "issuer.aws_api_gateway"),
    ],
)
def test_the_api_gateway_issuer_names_its_own_fields_when_it_refuses(override: dict[str, Any], field: str, allowed: str) -> None:
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("client", override))  # type: ignore[arg-type]
    assert refused.value.field == field, str(refused.value)
    assert allowed in refused.value.allowed
    assert engine.resources == []


def test_a_profile_of_another_region_is_refused_once_the_region_is_known() -> None:
    profile = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4"
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(
            lambda: SecureApiKey("ai", {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": [MODEL, profile]}}})
        )
    assert refused.value.field == "issuer.bedrock.models[1]"
    assert "in eu-west-1, but the key is made and used in us-east-1" in str(refused.value)
    assert engine.find("aws:iam/serviceSpecificCredential:ServiceSpecificCredential") == []
