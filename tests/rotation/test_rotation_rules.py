"""Who makes the next key with ``rotation`` on: the rules, before anything is registered.

An issuer with ``rotation`` is a managed rotation, allowed for the issuer's own cloud only and on ``every_days``
alone; a ``value`` you give needs your own handler wherever the store would notify none.
"""

from typing import Any

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.issuers import ISSUERS, managed_rotation
from ai_keys.rules import build_spec
from ai_keys.rules.rotation import ANTHROPIC_WIF, CROSS_CLOUD, HOOK_FIELDS, MANAGED_MAX_DAYS
from ai_keys.testing import MockEngine

AWS, AZURE, GCP = "aws-secrets-manager", "azure-key-vault", "gcp-secret-manager"
STORES = (AWS, AZURE, GCP)
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-openai"
PLAN = {"api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}]}
ISSUER_BLOCKS: dict[str, dict[str, Any]] = {
    "bedrock": {"models": [MODEL]},
    "aws_api_gateway": {"usage_plan": PLAN},
    "gemini": {"project": "my-project-123"},
    "azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"},
    "azure_api_management": {"service_name": "apim-ai", "resource_group_name": "rg-ai", "product_id": "starter"},
    "openai": {"project_id": "proj_abc123", "admin_key": "admin-key-from-config"},
}
STORE_ARGS: dict[str, dict[str, Any]] = {
    AWS: {},
    AZURE: {"azure": {"resource_group_name": "rg-ai", "vault_name": "kv-ai-keys"}},
    GCP: {"gcp": {"project": "my-project-123"}},
}
SAME_CLOUD = {
    ("bedrock", AWS),
    ("aws_api_gateway", AWS),
    ("gemini", GCP),
    ("azure_ai_services", AZURE),
    ("azure_api_management", AZURE),
    ("openai", AWS),
    ("openai", AZURE),
}
"""DESIGN decision 1: the pairs a rotator in the store's cloud can serve."""
HOOK_VALUES: dict[str, Any] = {
    "aws_lambda_arn": LAMBDA_ARN,
    "azure_webhook_url": "https://hooks.example.com/rotate",
    "azure_function_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/functions/rotate",
    "azure_rotator_principal_id": "0b6f7d5e-1c2a-4b9e-8f3d-6a5c4b3a2f10",
    "gcp_topic_id": "projects/ops-rotation/topics/rotations",
    "schedule_expression": "rate(10 days)",
    "duration": "3h",
    "rotate_immediately": True,
}


def issued(issuer: str, store: str, **extra: Any) -> dict[str, Any]:
    return {"backend": store, "issuer": {issuer: ISSUER_BLOCKS[issuer]}, **STORE_ARGS[store], **extra}


def refused(engine: MockEngine, args: dict[str, Any]) -> SecureApiKeyError:
    """The refusal of ``args``, checking nothing was registered first."""
    with pytest.raises(SecureApiKeyError) as caught:
        engine.run(lambda: SecureApiKey("ai", args))  # type: ignore[arg-type]
    assert engine.resources == []
    return caught.value


@pytest.mark.parametrize(("issuer", "store"), sorted(SAME_CLOUD))
def test_each_issuer_rotates_in_a_store_of_its_own_cloud(issuer: str, store: str) -> None:
    # Before managed rotation every issuer refused rotation outright.
    spec = build_spec(issued(issuer, store, rotation={"every_days": 30}), "ai")
    assert spec.rotation is not None
    assert spec.rotation.managed is True
    assert spec.rotation.every_days == 30


@pytest.mark.parametrize(
    ("issuer", "store"),
    # API Gateway keys: other stores are refused for the issuer itself, rotation or not (tests/test_aws_api_gateway.py).
    sorted(
        (issuer, store)
        for issuer in ISSUER_BLOCKS
        for store in STORES
        if (issuer, store) not in SAME_CLOUD and issuer != "aws_api_gateway"
    ),
)
def test_every_other_pair_is_refused_naming_the_issuers_own_store(engine: MockEngine, issuer: str, store: str) -> None:
    error = refused(engine, issued(issuer, store, rotation={"every_days": 30}))
    assert error.field == "rotation"
    support = managed_rotation(issuer)
    assert support is not None
    own = support.stores
    assert all(f"backend {s}" in error.allowed or s in error.allowed for s in own)
    if issuer == "openai":
        assert "Secret Manager versions carry no metadata" in str(error)
        assert "OpenAI never shows a key again" in str(error)
    else:
        assert CROSS_CLOUD in str(error)


def test_every_issuer_says_where_it_rotates() -> None:
    assert {(issuer, store) for issuer in ISSUERS for store in getattr(managed_rotation(issuer), "stores", ())} == SAME_CLOUD
    assert managed_rotation("mistral") is None


@pytest.mark.parametrize("field", HOOK_FIELDS)
@pytest.mark.parametrize(("issuer", "store"), [("bedrock", AWS), ("gemini", GCP), ("openai", AZURE)])
def test_a_hook_field_is_refused_with_an_issuer(engine: MockEngine, field: str, issuer: str, store: str) -> None:
    rotation = {"every_days": 30, field: HOOK_VALUES[field]}
    if field == "schedule_expression":
        del rotation["every_days"]
    error = refused(engine, issued(issuer, store, rotation=rotation))
    assert error.field == f"rotation.{field}"
    assert "the component deploys the rotator" in str(error)
    assert "rotation.every_days alone" in error.allowed


def test_a_hook_known_only_at_deploy_time_is_refused_now_too(engine: MockEngine) -> None:
    def program() -> None:
        arn = pulumi.Output.from_input(LAMBDA_ARN)
        SecureApiKey("ai", issued("bedrock", AWS, rotation={"every_days": 30, "aws_lambda_arn": arn}))  # type: ignore[arg-type]

    with pytest.raises(SecureApiKeyError) as caught:
        engine.run(program)
    assert not isinstance(caught.value, DeployTimeError)  # its presence is enough: refused before registration
    assert caught.value.field == "rotation.aws_lambda_arn"
    assert engine.resources == []


@pytest.mark.parametrize("days", [MANAGED_MAX_DAYS + 1, 1000])
def test_a_managed_rotation_is_at_most_a_year(engine: MockEngine, days: int) -> None:
    error = refused(engine, issued("bedrock", AWS, rotation={"every_days": days}))
    assert error.field == "rotation.every_days"
    assert error.allowed == f"an integer from 1 to {MANAGED_MAX_DAYS}"


def test_your_own_handler_keeps_the_longer_aws_schedule() -> None:
    spec = build_spec({"backend": AWS, "value": "sk-x", "rotation": {"every_days": 1000, "aws_lambda_arn": LAMBDA_ARN}}, "ai")
    assert spec.rotation is not None
    assert spec.rotation.managed is False


def test_an_openai_key_needs_rotation(engine: MockEngine) -> None:
    error = refused(engine, issued("openai", AWS))
    assert error.field == "issuer.openai"
    assert "made by the rotator" in str(error)
    assert "rotation.every_days" in error.allowed


# --- A value you give: no API makes its next key, so a handler of yours must.


@pytest.mark.parametrize(
    ("store", "handler_identity", "field"),
    [
        (AWS, {}, "rotation.aws_lambda_arn"),
        (AZURE, {}, "rotation.azure_function_id"),
        # The identity of a handler is not a handler: Key Vault would still notify no one.
        (AZURE, {"azure_rotator_principal_id": HOOK_VALUES["azure_rotator_principal_id"]}, "rotation.azure_function_id"),
    ],
    ids=["aws", "azure", "azure-identity-only"],
)
def test_a_value_rotated_with_no_handler_is_refused(
    engine: MockEngine, store: str, handler_identity: dict[str, Any], field: str
) -> None:
    rotation = {"every_days": 90, **handler_identity}
    error = refused(engine, {"backend": store, "value": "sk-proj-key-from-config", **STORE_ARGS[store], "rotation": rotation})
    assert error.field == field
    assert "a value you give has no API behind it to make the next key" in str(error)
    assert ANTHROPIC_WIF in error.allowed
    assert "sk-proj-key-from-config" not in str(error)


def test_an_azure_value_rotated_with_no_handler_was_accepted_and_left_to_expire() -> None:
    """The behaviour this replaces: Key Vault set the expiry and notified no one."""
    with pytest.raises(SecureApiKeyError, match=r"args\.rotation\.azure_function_id: is required"):
        build_spec({"backend": AZURE, "value": "k", **STORE_ARGS[AZURE], "rotation": {"every_days": 90}}, "ai")


def test_an_anthropic_value_is_pointed_at_workload_identity_federation(engine: MockEngine) -> None:
    value = "sk-ant-api03-" + "a" * 40
    error = refused(engine, {"backend": AWS, "value": value, "rotation": {"every_days": 30}})
    assert "For an Anthropic key there is better than rotating it" in error.allowed
    assert ANTHROPIC_WIF in error.allowed
    assert value not in str(error)
    assert "sk-ant" not in str(error)


def test_a_value_known_only_at_deploy_time_is_refused_now(engine: MockEngine) -> None:
    def program() -> None:
        SecureApiKey("ai", {"backend": AWS, "value": pulumi.Output.secret("k"), "rotation": {"every_days": 30}})

    with pytest.raises(SecureApiKeyError) as caught:
        engine.run(program)
    assert caught.value.field == "rotation.aws_lambda_arn"
    assert engine.resources == []


def test_a_gcp_value_rotates_through_the_topic_the_store_creates() -> None:
    """Secret Manager publishes rotation notices to a topic it creates when none is given: that topic is the hook
    (your rotator subscribes to it), so this stays accepted."""
    spec = build_spec({"backend": GCP, "value": "k", **STORE_ARGS[GCP], "rotation": {"every_days": 90}}, "ai")
    assert spec.rotation is not None
    assert spec.rotation.managed is False


def test_an_api_gateway_key_you_bring_is_a_value_you_give() -> None:
    block = {"usage_plan": PLAN, "value": "A" * 30}
    with pytest.raises(SecureApiKeyError, match=r"args\.rotation\.aws_lambda_arn: is required"):
        build_spec({"backend": AWS, "issuer": {"aws_api_gateway": block}, "rotation": {"every_days": 30}}, "ai")
    spec = build_spec(
        {"backend": AWS, "issuer": {"aws_api_gateway": block}, "rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}},
        "ai",
    )
    assert spec.rotation is not None
    assert spec.rotation.managed is False


def test_an_api_gateway_key_alone_is_told_to_keep_a_copy(engine: MockEngine) -> None:
    error = refused(engine, {"issuer": {"aws_api_gateway": {"usage_plan": PLAN}}, "rotation": {"every_days": 30}})
    assert error.field == "rotation"
    assert "set backend: aws-secrets-manager" in error.allowed
    assert "rotator" in error.allowed


# --- Each issuer's own rules with a managed rotation.


def test_bedrock_keys_outlive_their_two_periods(engine: MockEngine) -> None:
    block = {"models": [MODEL], "expires_in_days": 60}
    error = refused(engine, {"backend": AWS, "issuer": {"bedrock": block}, "rotation": {"every_days": 30}})
    assert error.field == "issuer.bedrock.expires_in_days"
    assert "more than 60 days" in error.allowed
    block["expires_in_days"] = 61
    assert build_spec({"backend": AWS, "issuer": {"bedrock": block}, "rotation": {"every_days": 30}}, "ai").rotation


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_account_email", "caller@my-project-123.iam.gserviceaccount.com"),
        ("allowed_ips", ["203.0.113.7"]),
        ("allowed_referrers", ["https://app.example.com/*"]),
        ("ios_bundle_ids", ["com.example.app"]),
    ],
)
def test_gemini_restrictions_are_not_left_off_the_rotated_keys(engine: MockEngine, field: str, value: Any) -> None:
    block = {"project": "my-project-123", field: value}
    error = refused(engine, {"backend": GCP, "issuer": {"gemini": block}, **STORE_ARGS[GCP], "rotation": {"every_days": 30}})
    assert error.field == f"issuer.gemini.{field}"
    assert "cannot be combined with rotation" in str(error)


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"usage_plan_id": "q1w2e3"}, "issuer.aws_api_gateway.usage_plan_id"),
        ({"usage_plan": {"quota": {"limit": 10, "period": "DAY"}}}, "issuer.aws_api_gateway.usage_plan.api_stages"),
        ({"usage_plan": PLAN, "probe_path": "v1/models"}, "issuer.aws_api_gateway.probe_path"),
        ({"usage_plan": PLAN, "probe_path": "/a path"}, "issuer.aws_api_gateway.probe_path"),
    ],
    ids=["existing-plan", "no-stage", "relative-probe", "probe-with-space"],
)
def test_an_api_gateway_rotator_needs_a_stage_to_probe(engine: MockEngine, block: dict[str, Any], field: str) -> None:
    error = refused(engine, {"backend": AWS, "issuer": {"aws_api_gateway": block}, "rotation": {"every_days": 30}})
    assert error.field == field


def test_a_probe_path_without_rotation_is_refused(engine: MockEngine) -> None:
    block = {"usage_plan": PLAN, "probe_path": "/v1/models"}
    error = refused(engine, {"backend": AWS, "issuer": {"aws_api_gateway": block}})
    assert error.field == "issuer.aws_api_gateway.probe_path"
    assert "only applies to a rotated key" in str(error)


def test_a_brought_kms_alias_is_refused_as_the_rotator_gets_a_grant(engine: MockEngine) -> None:
    args = issued("bedrock", AWS, rotation={"every_days": 30}, encryption={"key_id": "alias/team-key"})
    error = refused(engine, args)
    assert error.field == "encryption.key_id"
    assert "the rotator the component deploys gets a grant on it" in str(error)
