"""The azure_api_management issuer: a subscription key on a product whose generated policy holds the token budget."""

import re
import xml.etree.ElementTree as ET
from typing import Any, Optional

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.issuers.azure_api_management import mocks, policy
from ai_keys.issuers.azure_api_management.policy import CallLimit, PolicySpec, TokenLimit, render
from ai_keys.testing import MockEngine, mock_pulumi, plan_update, resolve_output, unwrap_secrets

PRODUCT_TYPE = "azure-native:apimanagement:Product"
POLICY_TYPE = "azure-native:apimanagement:ProductPolicy"
PRODUCT_API_TYPE = "azure-native:apimanagement:ProductApi"
SUBSCRIPTION_TYPE = "azure-native:apimanagement:Subscription"
LIST_SECRETS = "azure-native:apimanagement:listSubscriptionSecrets"
KV_SECRET = "azure-native:keyvault:Secret"
PATH = "issuer.azure_api_management"
STORE = {"backend": "azure-key-vault", "azure": {"resource_group_name": "rg-ai", "vault_name": "kv-ai"}}
PRODUCT: dict[str, Any] = {
    "name": "inference-free",
    "display_name": "Inference (free tier)",
    "api_ids": ["openai"],
    "token_limit": {"tokens_per_minute": 5000, "token_quota": 1_000_000, "token_quota_period": "Monthly"},
    "rate_limit": {"calls": 60, "renewal_period_seconds": 60},
}
COUNTER = "@(context.Subscription.Id)"


def block(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"service_name": "apim-ai", "resource_group_name": "rg-ai", "product": PRODUCT}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def product(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**PRODUCT, **changes}.items() if v is not None}


def args(**changes: Any) -> Any:
    return {**STORE, "issuer": {"azure_api_management": block(**changes)}}


def parse(xml: str) -> ET.Element:
    """A policy document the component generated (trusted: no entities, no DTD), parsed back."""
    return ET.fromstring(xml)  # noqa: S314


def policy_of(engine: MockEngine) -> ET.Element:
    """The generated policy, parsed back."""
    return parse(engine.one(POLICY_TYPE).plain("value"))


def refused(given: Any) -> SecureApiKeyError:
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as caught:
        engine.run(lambda: SecureApiKey("acme", given))
    assert engine.resources == []
    return caught.value


# --- What is registered, with which args


def test_a_product_with_its_policy_and_an_active_subscription_on_it() -> None:
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("acme", args(emit_token_metric=True)))
        made = engine.one(PRODUCT_TYPE)
        assert {k: made.plain(k) for k in ("productId", "displayName", "serviceName", "resourceGroupName")} == {
            "productId": "inference-free",
            "displayName": "Inference (free tier)",
            "serviceName": "apim-ai",
            "resourceGroupName": "rg-ai",
        }
        assert made.plain("subscriptionRequired") is True
        assert made.plain("state") == "notPublished"  # hidden from the developer portal: no self-service keys
        linked = engine.one(PRODUCT_API_TYPE)
        assert (linked.plain("apiId"), linked.plain("productId")) == ("openai", "inference-free")
        rules = engine.one(POLICY_TYPE)
        assert (rules.plain("productId"), rules.plain("policyId"), rules.plain("format")) == ("inference-free", "policy", "xml")
        subscription = engine.one(SUBSCRIPTION_TYPE)
        assert subscription.plain("scope") == "/products/inference-free"
        assert subscription.plain("state") == "active"
        assert subscription.plain("allowTracing") is False
        assert subscription.plain("displayName") == "acme"
        assert re.fullmatch(r"acme-[0-9a-f]{8}", subscription.plain("sid"))
        assert subscription.additional_secret_outputs == ["primaryKey", "secondaryKey"]
        assert subscription.replace_on_changes == ["scope"]
        assert rules.urn in subscription.dependencies  # the key exists only once its limits are in force
        (call,) = [c for c in engine.mocks.calls if c.token == LIST_SECRETS]
        assert dict(call.args) == {"resourceGroupName": "rg-ai", "serviceName": "apim-ai", "sid": subscription.plain("sid")}
        value = resolve_output(key.value)
        assert value.is_secret
        assert value.value == subscription.outputs["primaryKey"]
        assert value.value != subscription.outputs["secondaryKey"]
        assert resolve_output(key.issued_key_id).value == f"{subscription.id}#primary"
        stored = engine.one(KV_SECRET)
        assert stored.is_secret("properties", "value")
        assert stored.plain("properties")["value"] == value.value


def test_an_existing_product_gets_a_subscription_and_nothing_else() -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(product=None, product_id=pulumi.Output.from_input("gold"))))
        assert engine.find(PRODUCT_TYPE) == engine.find(POLICY_TYPE) == engine.find(PRODUCT_API_TYPE) == []
        assert engine.one(SUBSCRIPTION_TYPE).plain("scope") == "/products/gold"


def test_the_subscription_display_name_is_given_or_the_components_name() -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(subscription_display_name="Acme Corp (free tier)")))
        assert engine.one(SUBSCRIPTION_TYPE).plain("displayName") == "Acme Corp (free tier)"


# --- The generated policy


def test_the_policy_holds_each_limit_keyed_by_subscription() -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(product=product(quota={"calls": 10_000, "renewal_period_seconds": 86_400}))))
        root = policy_of(engine)
    assert root.tag == "policies"
    assert [section.tag for section in root] == ["inbound", "backend", "outbound", "on-error"]
    assert all(section[0].tag == "base" for section in root)
    inbound = root.find("inbound")
    assert inbound is not None
    assert [element.tag for element in inbound] == ["base", "rate-limit-by-key", "quota-by-key", "llm-token-limit"]
    assert inbound[1].attrib == {"calls": "60", "renewal-period": "60", "counter-key": COUNTER}
    assert inbound[2].attrib == {"calls": "10000", "renewal-period": "86400", "counter-key": COUNTER}
    assert inbound[3].attrib == {
        "counter-key": COUNTER,
        "tokens-per-minute": "5000",
        "token-quota": "1000000",
        "token-quota-period": "Monthly",
        "estimate-prompt-tokens": "true",
    }
    assert inbound.find("llm-emit-token-metric") is None


def test_the_token_metric_has_the_subscription_as_its_one_dimension() -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(emit_token_metric=True, metric_namespace="acme-ai")))
        metric = policy_of(engine).find("inbound/llm-emit-token-metric")
    assert metric is not None
    assert metric.attrib == {"namespace": "acme-ai"}
    assert [(d.tag, d.attrib) for d in metric] == [("dimension", {"name": "Subscription ID"})]
    assert len(list(metric)) <= policy.MAX_CUSTOM_DIMENSIONS


def test_a_rate_only_or_quota_only_token_limit() -> None:
    rate_only = parse(render(PolicySpec(TokenLimit(tokens_per_minute=100, estimate_prompt_tokens=False))))
    limit = rate_only.find("inbound/llm-token-limit")
    assert limit is not None
    assert limit.attrib == {
        "counter-key": COUNTER,
        "tokens-per-minute": "100",
        "estimate-prompt-tokens": "false",
    }
    quota_only = parse(render(PolicySpec(TokenLimit(token_quota=10, token_quota_period="Hourly"))))
    limit = quota_only.find("inbound/llm-token-limit")
    assert limit is not None
    assert "tokens-per-minute" not in limit.attrib
    assert (limit.get("token-quota"), limit.get("token-quota-period")) == ("10", "Hourly")


HOSTILE = [
    '"/><set-header name="x-leak" exists-action="override"><value>1</value></set-header><x a="',
    "</llm-emit-token-metric></inbound><inbound>",
    "a & b < c > d ' e \" f",
    "]]><!-- -->",
    "ns with\ttab",
]


@pytest.mark.parametrize("namespace", HOSTILE)
def test_a_hostile_namespace_stays_text_in_its_attribute(namespace: str) -> None:
    xml = render(PolicySpec(TokenLimit(tokens_per_minute=1), emit_token_metric=True, metric_namespace=namespace))
    root = parse(xml)
    metric = root.find("inbound/llm-emit-token-metric")
    assert metric is not None
    assert metric.get("namespace") == namespace
    assert [e.tag for e in root.iter()] == [
        "policies", "inbound", "base", "llm-token-limit", "llm-emit-token-metric", "dimension",
        "backend", "base", "outbound", "base", "on-error", "base",
    ]  # fmt: skip


def test_a_hostile_namespace_given_to_the_component_reaches_the_policy_as_text() -> None:
    namespace = HOSTILE[0]
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(emit_token_metric=True, metric_namespace=namespace)))
        root = policy_of(engine)
    assert root.find("inbound/llm-emit-token-metric").get("namespace") == namespace  # type: ignore[union-attr]
    assert root.find(".//set-header") is None


@pytest.mark.parametrize(
    "namespace", ["@(context.Request.Body.As<string>())", "  @{ return 1; }", "{{secret-named-value}}", "a\nb", ""]
)
def test_a_namespace_the_gateway_would_not_read_as_text_is_refused(namespace: str) -> None:
    error = refused(args(emit_token_metric=True, metric_namespace=namespace))
    assert error.field == f"{PATH}.metric_namespace"


# --- Each documented range, refused with the field named (now, and by the generator itself)

OUT_OF_RANGE = [
    ("token_limit", {"tokens_per_minute": 0}, "token_limit.tokens_per_minute"),
    ("token_limit", {"tokens_per_minute": policy.COUNTER_MAX + 1}, "token_limit.tokens_per_minute"),
    ("token_limit", {"tokens_per_minute": 1.5}, "token_limit.tokens_per_minute"),
    ("token_limit", {"tokens_per_minute": True}, "token_limit.tokens_per_minute"),
    ("token_limit", {"token_quota": 0, "token_quota_period": "Daily"}, "token_limit.token_quota"),
    ("token_limit", {"token_quota": 10, "token_quota_period": "monthly"}, "token_limit.token_quota_period"),
    ("token_limit", {"token_quota": 10, "token_quota_period": "Minutely"}, "token_limit.token_quota_period"),
    ("token_limit", {"token_quota": 10}, "token_limit.token_quota_period"),
    ("token_limit", {"token_quota_period": "Daily"}, "token_limit.token_quota"),
    ("token_limit", {}, "token_limit"),
    ("token_limit", {"tokens_per_minute": 10, "estimate_prompt_tokens": "yes"}, "token_limit.estimate_prompt_tokens"),
    ("rate_limit", {"calls": 0, "renewal_period_seconds": 60}, "rate_limit.calls"),
    ("rate_limit", {"calls": 10, "renewal_period_seconds": 0}, "rate_limit.renewal_period_seconds"),
    ("rate_limit", {"calls": 10, "renewal_period_seconds": 301}, "rate_limit.renewal_period_seconds"),
    ("rate_limit", {"calls": 10}, "rate_limit.renewal_period_seconds"),
    ("quota", {"calls": 0, "renewal_period_seconds": 3600}, "quota.calls"),
    ("quota", {"calls": 10, "renewal_period_seconds": 1}, "quota.renewal_period_seconds"),
    ("quota", {"calls": 10, "renewal_period_seconds": 299}, "quota.renewal_period_seconds"),
    ("quota", {"calls": 10, "renewal_period_seconds": policy.QUOTA_PERIOD_MAX + 1}, "quota.renewal_period_seconds"),
    ("quota", {"calls": 10, "renewal_period_seconds": "1h"}, "quota.renewal_period_seconds"),
]


@pytest.mark.parametrize(("limit", "given", "field"), OUT_OF_RANGE, ids=[f"{f}={g}" for _, g, f in OUT_OF_RANGE])
def test_each_documented_range_is_refused_naming_the_field(limit: str, given: dict[str, Any], field: str) -> None:
    error = refused(args(product=product(**{limit: given})))
    assert error.field == f"{PATH}.product.{field}"
    assert str(error).startswith(f"SecureApiKey args.{PATH}.product.{field}: ")


@pytest.mark.parametrize(
    ("limit", "given"),
    [
        ("rate_limit", {"calls": 1, "renewal_period_seconds": 1}),
        ("rate_limit", {"calls": 1, "renewal_period_seconds": 300}),
        ("quota", {"calls": 1, "renewal_period_seconds": 0}),  # a lifetime quota
        ("quota", {"calls": 1, "renewal_period_seconds": 300}),
        ("token_limit", {"tokens_per_minute": policy.COUNTER_MAX, "token_quota": 1, "token_quota_period": "Yearly"}),
        ("token_limit", {"tokens_per_minute": 60.0}),  # another Pulumi language sends integers as floats
    ],
)
def test_the_bounds_themselves_are_accepted(limit: str, given: dict[str, Any]) -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(product=product(**{limit: given}))))
        assert engine.one(POLICY_TYPE)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (PolicySpec(TokenLimit()), "p.token_limit"),
        (PolicySpec(TokenLimit(tokens_per_minute=-1)), "p.token_limit.tokens_per_minute"),
        (PolicySpec(TokenLimit(token_quota=5, token_quota_period="Fortnightly")), "p.token_limit.token_quota_period"),
        (PolicySpec(TokenLimit(tokens_per_minute=1), rate_limit=CallLimit(1, 600)), "p.rate_limit.renewal_period_seconds"),
        (PolicySpec(TokenLimit(tokens_per_minute=1), quota=CallLimit(1, 120)), "p.quota.renewal_period_seconds"),
        (PolicySpec(TokenLimit(tokens_per_minute=1), quota=CallLimit(0, 0)), "p.quota.calls"),
    ],
)
def test_the_generator_refuses_what_the_gateway_would(spec: PolicySpec, field: str) -> None:
    with pytest.raises(SecureApiKeyError) as error:
        render(spec, "p")
    assert error.value.field == field


@pytest.mark.parametrize("field", ["service_name", "resource_group_name", "product_id"])
def test_a_name_known_at_deploy_time_gets_the_same_refusal(field: str) -> None:
    bad = {"service_name": "apim.ai", "resource_group_name": "rg-ai.", "product_id": "free:tier"}[field]
    base: dict[str, Any] = {"product": None} if field == "product_id" else {}
    error = refused(args(**{**base, field: bad}))
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as late:
        engine.run(lambda: SecureApiKey("acme", args(**{**base, field: pulumi.Output.from_input(bad)})))
    assert late.value.field == error.field == f"{PATH}.{field}"
    assert str(late.value).startswith(str(error).replace("SecureApiKey args", "SecureApiKey 'acme' args", 1))
    assert not engine.find(SUBSCRIPTION_TYPE)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"product": None}, "product"),
        ({"product_id": "gold"}, "product"),
        ({"product": None, "product_id": "gold", "emit_token_metric": True}, "emit_token_metric"),
        ({"product": None, "product_id": "gold", "metric_namespace": "x"}, "metric_namespace"),
        ({"product": product(token_limit=None)}, "product.token_limit"),
        ({"product": product(name="free tier")}, "product.name"),
        ({"product": product(api_ids=["openai", "openai"])}, "product.api_ids[1]"),
        ({"product": product(display_name="x" * 301)}, "product.display_name"),
        ({"subscription_display_name": "x" * 101}, "subscription_display_name"),
        ({"service_name": None}, "service_name"),
        ({"service_name": "a" * 51}, "service_name"),
        ({"emit_token_metric": "yes"}, "emit_token_metric"),
        ({"policy_xml": "<policies/>"}, "policy_xml"),  # raw XML is never taken
    ],
)
def test_other_bad_blocks_are_refused_before_anything_is_registered(changes: dict[str, Any], field: str) -> None:
    assert refused(args(**changes)).field == f"{PATH}.{field}"


def test_a_resource_where_a_name_belongs_is_refused_with_the_fix() -> None:
    with mock_pulumi() as engine:
        group = engine.run(lambda: pulumi.CustomResource("test:index:Group", "group", {}))
        with pytest.raises(SecureApiKeyError, match=r"resource_group_name: is a CustomResource resource, not its name"):
            engine.run(lambda: SecureApiKey("acme", args(resource_group_name=group)))


def test_a_backend_is_required() -> None:
    assert refused({"issuer": {"azure_api_management": block()}}).field == "backend"


@pytest.mark.parametrize("backend", ["aws-secrets-manager", "gcp-secret-manager"])
def test_rotation_outside_key_vault_is_refused_as_cross_cloud(backend: str) -> None:
    given: Any = {"backend": backend, "issuer": {"azure_api_management": block()}, "rotation": {"every_days": 30}}
    if backend == "gcp-secret-manager":
        given["gcp"] = {"project": "mock-project"}
    error = refused(given)
    assert error.field == "rotation"
    assert "a rotator runs in the store's cloud" in str(error)
    assert "backend azure-key-vault" in error.allowed


def test_rotation_in_key_vault_deploys_a_rotator_for_this_subscription() -> None:
    with mock_pulumi() as engine:
        engine.run(
            lambda: SecureApiKey(
                "acme",
                {
                    "backend": "azure-key-vault",
                    "azure": STORE["azure"],
                    "issuer": {"azure_api_management": block()},
                    "rotation": {"every_days": 30},
                },
            )
        )
        assert not engine.failed
        (subscription,) = engine.find("azure-native:apimanagement:Subscription")
        (app,) = engine.find("azure-native:web:WebApp")
        got = {s["name"]: s["value"] for s in app.plain("siteConfig")["appSettings"]}
        assert got["AIKEYS_ISSUER"] == "azure_api_management"
        assert got["AIKEYS_APIM_SUBSCRIPTION_ID"] == subscription.id


# --- Lifecycle


def test_changing_the_limits_updates_the_policy_in_place_and_keeps_the_key() -> None:
    tighter = product(token_limit={"tokens_per_minute": 1000, "token_quota": 100_000, "token_quota_period": "Daily"})
    plan = plan_update(lambda: SecureApiKey("acme", args()), lambda: SecureApiKey("acme", args(product=tighter)))
    assert plan.op("acme-apim-policy") == "update"
    assert plan.changed[plan.urn_of("acme-apim-policy")] == {"value"}
    for unchanged in ("acme-apim-product", "acme-apim-subscription", "acme-secret"):
        assert plan.op(unchanged) == "same", unchanged
    new = next(r for r in plan.after if r.type == POLICY_TYPE)
    limit = parse(new.plain("value")).find("inbound/llm-token-limit")
    assert limit is not None
    assert (limit.get("tokens-per-minute"), limit.get("token-quota-period")) == ("1000", "Daily")


def test_turning_the_metric_on_updates_the_policy_only() -> None:
    plan = plan_update(lambda: SecureApiKey("acme", args()), lambda: SecureApiKey("acme", args(emit_token_metric=True)))
    assert plan.touched() == {"acme-apim-policy": "update"}


def test_moving_to_another_product_makes_a_new_subscription_before_deleting_the_old() -> None:
    existing = {"product": None}
    plan = plan_update(
        lambda: SecureApiKey("acme", args(**existing, product_id="free")),
        lambda: SecureApiKey("acme", args(**existing, product_id="gold")),
    )
    assert plan.op("acme-apim-subscription") == "replace"
    made, deleted = (
        plan.index("create-replacement", "acme-apim-subscription"),
        plan.index("delete-replaced", "acme-apim-subscription"),
    )
    assert made < deleted
    # The new key is stored before the old subscription (and with it the old key) is deleted.
    assert plan.op("acme-secret") == "update"
    assert plan.index("update", "acme-secret") < deleted
    old = next(r for r in plan.before if r.type == SUBSCRIPTION_TYPE)
    new = next(r for r in plan.after if r.type == SUBSCRIPTION_TYPE)
    assert old.plain("sid") != new.plain("sid")  # both exist for a while: no collision
    assert new.plain("scope") == "/products/gold"
    before = next(r for r in plan.before if r.type == KV_SECRET).plain("properties")["value"]
    after = next(r for r in plan.after if r.type == KV_SECRET).plain("properties")["value"]
    assert before != after


def test_renaming_the_created_product_replaces_it_its_policy_and_the_subscription() -> None:
    plan = plan_update(lambda: SecureApiKey("acme", args()), lambda: SecureApiKey("acme", args(product=product(name="paid"))))
    for name in ("acme-apim-product", "acme-apim-policy", "acme-apim-api-openai", "acme-apim-subscription"):
        assert plan.op(name) == "replace", name
    assert plan.index("create-replacement", "acme-apim-subscription") < plan.index("delete-replaced", "acme-apim-product")


def test_a_key_regenerated_outside_pulumi_is_stored_by_the_next_up() -> None:
    def deploy(regenerated: bool) -> tuple[str, dict[str, Any]]:
        with mock_pulumi() as engine:
            if regenerated:
                served = engine.mocks.call

                def call(request: Any) -> Any:
                    """The service after regeneratePrimaryKey: listSubscriptionSecrets answers a new primary key."""
                    result, failures = served(request)
                    if request.token == LIST_SECRETS:
                        result = {**result, "primaryKey": "0" * 32}
                    return result, failures

                engine.mocks.call = call  # type: ignore[method-assign,assignment]
            engine.run(lambda: SecureApiKey("acme", args()))
            return engine.one(KV_SECRET).plain("properties")["value"], unwrap_secrets(engine.one(SUBSCRIPTION_TYPE).inputs)

    first, subscription = deploy(False)
    second, same_subscription = deploy(True)
    assert (first, second) == (mocks.mock_secrets({"serviceName": "apim-ai", "sid": subscription["sid"]})["primaryKey"], "0" * 32)
    assert subscription == same_subscription  # the subscription is left as it is; only the stored copy follows


# --- Mock outputs


def test_the_mock_outputs_look_like_resource_managers() -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args()))
        subscription = engine.one(SUBSCRIPTION_TYPE)
        made = engine.one(PRODUCT_TYPE)
    group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai"
    service = f"{group}/providers/Microsoft.ApiManagement/service/apim-ai"
    assert made.id == f"{service}/products/inference-free"
    assert made.outputs["name"] == "inference-free"
    assert subscription.id == f"{service}/subscriptions/{subscription.plain('sid')}"
    assert subscription.outputs["name"] == subscription.plain("sid")
    for key in ("primaryKey", "secondaryKey"):
        assert re.fullmatch(r"[0-9a-f]{32}", subscription.outputs[key])
    secrets = mocks.mock_secrets({"serviceName": "apim-ai", "sid": subscription.plain("sid")})
    assert (secrets["primaryKey"], secrets["secondaryKey"]) == (
        subscription.outputs["primaryKey"],
        subscription.outputs["secondaryKey"],
    )
    other: Optional[str] = mocks.mock_secrets({"serviceName": "apim-ai", "sid": "another"})["primaryKey"]
    assert other != secrets["primaryKey"]


def test_the_leak_scan_finds_the_keys_a_subscription_leaves_unmarked() -> None:
    """Proof the canary scan over this issuer can fail: azure-native marks neither key output of a subscription."""
    import pulumi_azure_native as azure_native

    from .scenarios import leaks

    with mock_pulumi() as engine:
        engine.run(
            lambda: azure_native.apimanagement.Subscription(
                "raw", sid="raw", service_name="apim-ai", resource_group_name="rg-ai", scope="/products/free", display_name="raw"
            )
        )
        raw = engine.one(SUBSCRIPTION_TYPE)
        assert raw.additional_secret_outputs == []
        assert leaks(engine, raw.outputs["primaryKey"]) == [f"{raw.urn}: output .primaryKey"]
        assert leaks(engine, raw.outputs["secondaryKey"]) == [f"{raw.urn}: output .secondaryKey"]
