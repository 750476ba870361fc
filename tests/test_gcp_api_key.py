"""The gcp_api_key issuer: a Google API key restricted to your own API on API Gateway or Cloud Endpoints."""

from typing import Any

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.key_patterns import KeyKind, find_keys
from ai_keys.testing import mock_pulumi, plan_update, resolve_output

PROJECT = "my-project-123"
SERVICE = "inference-0abc123def.apigateway.my-project-123.cloud.goog"
API_KEY = "gcp:projects/apiKey:ApiKey"
GCP_STORE = {"backend": "gcp-secret-manager", "gcp": {"project": PROJECT}}


def args(**issuer: Any) -> Any:
    return {**GCP_STORE, "issuer": {"gcp_api_key": {"project": PROJECT, "service": SERVICE, **issuer}}}


def test_the_key_is_restricted_to_your_api_alone_and_its_value_is_a_secret() -> None:
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("acme", args(methods=["Predict", "models.*"])))
        api_key = engine.one(API_KEY)
        assert api_key.plain("restrictions") == {"apiTargets": [{"service": SERVICE, "methods": ["Predict", "models.*"]}]}
        assert api_key.plain("project") == PROJECT
        assert api_key.plain("deletionPolicy") == "FORCE"
        assert "serviceAccountEmail" not in api_key.inputs  # a standard key: the gateway checks it, not IAM
        assert "keyString" in api_key.additional_secret_outputs
        value = resolve_output(key.value)
        assert value.is_secret
        assert value.value == api_key.outputs["keyString"]
        assert resolve_output(key.issued_key_id).value == api_key.id
        assert str(value.value) not in str(api_key.id)


def test_an_endpoints_service_with_every_method() -> None:
    service = "inference.endpoints.my-project-123.cloud.goog"
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(service=service, display_name="Acme")))
        api_key = engine.one(API_KEY)
        assert api_key.plain("restrictions", "apiTargets") == [{"service": service}]
        assert api_key.plain("displayName") == "Acme"


def test_the_mock_key_is_a_standard_google_key_the_policy_pack_recognises() -> None:
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("acme", args()))
        value = str(resolve_output(key.value).value)
    assert [m.kind for m in find_keys(value)] == [KeyKind.GOOGLE_API_KEY]


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("no project", {"project": None}, "issuer.gcp_api_key.project", "is required"),
    ("no service", {"service": None}, "issuer.gcp_api_key.service", "is required"),
    ("the Gemini API", {"service": "generativelanguage.googleapis.com"}, "issuer.gcp_api_key.service", "issuer.gemini"),
    ("another Google API", {"service": "translate.googleapis.com"}, "issuer.gcp_api_key.service", "Google API"),
    ("a host of your own", {"service": "api.example.com"}, "issuer.gcp_api_key.service", "apigateway"),
    ("upper case", {"service": "Inference.endpoints.my-project-123.cloud.goog"}, "issuer.gcp_api_key.service", "shape"),
    ("a wildcard mid-method", {"methods": ["Get*Models"]}, "issuer.gcp_api_key.methods[0]", "last symbol"),
    ("a method twice", {"methods": ["Predict", "Predict"]}, "issuer.gcp_api_key.methods[1]", "repeats"),
    ("methods not a list", {"methods": "Predict"}, "issuer.gcp_api_key.methods", "a list"),
    ("display name over 63", {"display_name": "k" * 64}, "issuer.gcp_api_key.display_name", "64 characters"),
    ("a bad project", {"project": "My_Project"}, "issuer.gcp_api_key.project", "project id"),
    ("an unknown option", {"allowed_ips": ["203.0.113.7"]}, "issuer.gcp_api_key.allowed_ips", "not a known option"),
]


@pytest.mark.parametrize(("case", "block", "field", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_before_anything_is_registered(case: str, block: dict[str, Any], field: str, says: str) -> None:
    with mock_pulumi() as engine:
        with pytest.raises(SecureApiKeyError) as refused:
            engine.run(lambda: SecureApiKey("acme", args(**block)))
        assert refused.value.field == field
        assert says in str(refused.value)
        assert engine.find(API_KEY) == []


def test_a_service_known_at_deploy_time_gets_the_same_rule() -> None:
    with mock_pulumi() as engine:
        with pytest.raises(DeployTimeError) as refused:
            engine.run(lambda: SecureApiKey("acme", args(service=pulumi.Output.from_input("generativelanguage.googleapis.com"))))
        assert refused.value.field == "issuer.gcp_api_key.service"
        assert "issuer.gemini" in str(refused.value)
        assert engine.find(API_KEY) == []


@pytest.mark.parametrize(
    "store",
    [
        GCP_STORE,
        {"backend": "aws-secrets-manager"},
        {"backend": "azure-key-vault", "azure": {"resource_group_name": "rg-ai", "create_vault": {}}},
    ],
    ids=lambda s: s["backend"],
)
def test_rotation_is_refused_saying_how_to_rotate_by_hand(store: dict[str, Any]) -> None:
    block: Any = {**store, "issuer": {"gcp_api_key": {"project": PROJECT, "service": SERVICE}}, "rotation": {"every_days": 30}}
    with pytest.raises(SecureApiKeyError) as refused:
        SecureApiKey("acme", block)
    assert refused.value.field == "rotation"
    assert "gcp_api_key" in str(refused.value)
    assert "pulumi up --replace" in str(refused.value)
    assert "Gemini rotator" in str(refused.value)


def test_a_new_service_restriction_updates_the_key_in_place() -> None:
    other = "billing-9f8e7d.apigateway.my-project-123.cloud.goog"
    plan = plan_update(
        lambda: SecureApiKey("acme", args()),
        lambda: SecureApiKey("acme", args(service=other, methods=["Predict"])),
    )
    assert plan.op("acme-gcp-api-key") == "update"
    assert plan.op("acme-gcp-api-key-issued") == "same"
    assert {path.split(".")[0] for path in plan.changed[plan.urn_of("acme-gcp-api-key")]} == {"restrictions"}
    # The same key, so the stored value stays: no new secret version.
    assert plan.op("acme-version") == "same"


def test_another_project_is_a_new_key_made_before_the_old_one_is_deleted() -> None:
    plan = plan_update(
        lambda: SecureApiKey("acme", args()),
        lambda: SecureApiKey("acme", args(project="other-project-9")),
    )
    assert plan.op("acme-gcp-api-key") == "replace"
    assert plan.index("create-replacement", "acme-gcp-api-key") < plan.index("delete-replaced", "acme-gcp-api-key")
