"""The apigee issuer: a developer app's consumer key on an API product with a quota."""

import json
import re
from typing import Any

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.issuers import apigee
from ai_keys.key_patterns import find_keys
from ai_keys.testing import mock_pulumi, plan_update, resolve_output

ORG = "organizations/my-project-123"
DEVELOPER = {"email": "ops@acme.example", "first_name": "Acme", "last_name": "Ops", "user_name": "acme"}
PRODUCT = {
    "name": "inference-free",
    "display_name": "Inference (free tier)",
    "environments": ["prod"],
    "proxies": ["inference"],
    "quota": 1000,
    "quota_interval": 1,
    "quota_time_unit": "day",
}
APP = "gcp:apigee/developerApp:DeveloperApp"
PRODUCT_TYPE = "gcp:apigee/apiProduct:ApiProduct"
DEVELOPER_TYPE = "gcp:apigee/developer:Developer"
STORE = {"backend": "aws-secrets-manager"}


def block(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"org_id": ORG, "developer": DEVELOPER, "app_name": "acme-assistant", "product": PRODUCT}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def args(**changes: Any) -> Any:
    return {**STORE, "issuer": {"apigee": block(**changes)}}


def product(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**PRODUCT, **changes}.items() if v is not None}


def test_developer_product_with_its_quota_and_an_app_on_that_product_alone() -> None:
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("acme", args()))
        developer = engine.one(DEVELOPER_TYPE)
        assert {k: developer.plain(k) for k in ("orgId", "email", "firstName", "lastName", "userName")} == {
            "orgId": ORG,
            "email": "ops@acme.example",
            "firstName": "Acme",
            "lastName": "Ops",
            "userName": "acme",
        }
        made = engine.one(PRODUCT_TYPE)
        assert made.plain("name") == "inference-free"
        assert made.plain("displayName") == "Inference (free tier)"
        assert (made.plain("quota"), made.plain("quotaInterval"), made.plain("quotaTimeUnit")) == ("1000", "1", "day")
        assert made.plain("environments") == ["prod"]
        assert made.plain("proxies") == ["inference"]
        assert made.plain("approvalType") == "auto"
        app = engine.one(APP)
        assert app.plain("apiProducts") == ["inference-free"]
        assert app.plain("developerEmail") == "ops@acme.example"
        assert re.fullmatch(r"acme-assistant-[0-9a-f]{8}", app.plain("name"))
        assert developer.urn in app.dependencies
        assert made.urn in app.dependencies
        # The SDK leaves `credentials` plain: the issuer marks it, the consumer secret in it included.
        assert "credentials" in app.additional_secret_outputs
        credential = app.outputs["credentials"][0]
        value = resolve_output(key.value)
        assert value.is_secret
        assert value.value == credential["consumerKey"]
        issued_key_id = str(resolve_output(key.issued_key_id).value)
        assert issued_key_id == app.id
        assert credential["consumerKey"] not in issued_key_id


def test_an_existing_developer_and_product_register_only_the_app() -> None:
    changes = {"developer": None, "developer_email": "team@acme.example", "product": None, "product_name": "gold"}
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(**changes)))
        assert engine.find(DEVELOPER_TYPE) == []
        assert engine.find(PRODUCT_TYPE) == []
        app = engine.one(APP)
        assert app.plain("apiProducts") == ["gold"]
        assert app.plain("developerEmail") == "team@acme.example"


def test_operations_become_one_operation_config_each() -> None:
    operations = [{"proxy": "inference", "resource": "/v1/chat/completions", "methods": ["POST"]}]
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("acme", args(product=product(proxies=None, operations=operations))))
        made = engine.one(PRODUCT_TYPE)
        assert "proxies" not in made.inputs
        assert made.plain("operationGroup") == {
            "operationConfigType": "proxy",
            "operationConfigs": [
                {"apiSource": "inference", "operations": [{"resource": "/v1/chat/completions", "methods": ["POST"]}]}
            ],
        }


def test_the_consumer_key_has_no_form_the_policy_pack_could_claim() -> None:
    """Apigee makes keys of letters and digits with no prefix: a shape rule for them would flag 48 of the corpus's
    12,000 innocent values (0.4%, docs/issuers/google-client-keys.md), so the pack leaves them to its entropy rule."""
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("acme", args()))
        value = str(resolve_output(key.value).value)
    assert re.fullmatch(r"[A-Za-z0-9]{48}", value)
    assert find_keys(value) == []


def _quota(**quota: Any) -> dict[str, Any]:
    return {"product": product(**quota)}


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("org without its prefix", {"org_id": "my-project-123"}, "issuer.apigee.org_id", "organizations/"),
    ("no org", {"org_id": None}, "issuer.apigee.org_id", "is required"),
    ("developer and developer_email", {"developer_email": "a@b.example"}, "issuer.apigee.developer", "names both"),
    ("neither developer", {"developer": None}, "issuer.apigee.developer", "names neither"),
    ("upper-case email", {"developer": {**DEVELOPER, "email": "Ops@Acme.example"}}, "issuer.apigee.developer.email", "lowercase"),
    ("first name over 64", {"developer": {**DEVELOPER, "first_name": "x" * 65}}, "issuer.apigee.developer.first_name", "65"),
    (
        "user name with a line break",
        {"developer": {**DEVELOPER, "user_name": "a\nb"}},
        "issuer.apigee.developer.user_name",
        "line",
    ),
    ("app name with a slash", {"app_name": "acme/assistant"}, "issuer.apigee.app_name", "letters, digits"),
    ("no app name", {"app_name": None}, "issuer.apigee.app_name", "is required"),
    ("callback not a URL", {"callback_url": "localhost"}, "issuer.apigee.callback_url", "URL"),
    ("product and product_name", {"product_name": "gold"}, "issuer.apigee.product", "names both"),
    ("product name starting with a digit", _quota(name="1st"), "issuer.apigee.product.name", "starting with a letter"),
    ("no environments", _quota(environments=[]), "issuer.apigee.product.environments", "all the organization's"),
    ("no proxies", _quota(proxies=None), "issuer.apigee.product.proxies", "all the organization's"),
    ("environment over 32", _quota(environments=["e" * 33]), "issuer.apigee.product.environments[0]", "32"),
    ("a proxy twice", _quota(proxies=["a", "a"]), "issuer.apigee.product.proxies[1]", "repeats"),
    ("quota of 0", _quota(quota=0), "issuer.apigee.product.quota", "from 1"),
    ("quota as text", _quota(quota="1000"), "issuer.apigee.product.quota", "integer"),
    ("interval of 0", _quota(quota_interval=0), "issuer.apigee.product.quota_interval", "from 1"),
    ("time unit week", _quota(quota_time_unit="week"), "issuer.apigee.product.quota_time_unit", "minute, hour, day, month"),
    ("time unit second", _quota(quota_time_unit="second"), "issuer.apigee.product.quota_time_unit", "minute"),
    ("quota without its unit", _quota(quota_time_unit=None), "issuer.apigee.product.quota_time_unit", "together"),
    (
        "operations and proxies",
        _quota(operations=[{"proxy": "inference", "resource": "/v1"}]),
        "issuer.apigee.product.operations",
        "cannot be combined",
    ),
    (
        "an operation's unknown verb",
        _quota(proxies=None, operations=[{"proxy": "inference", "resource": "/v1", "methods": ["FETCH"]}]),
        "issuer.apigee.product.operations[0].methods[0]",
        "POST",
    ),
    (
        "an operation's relative path",
        _quota(proxies=None, operations=[{"proxy": "inference", "resource": "v1"}]),
        "issuer.apigee.product.operations[0].resource",
        "starting with '/'",
    ),
    ("display name too long for the org", _quota(display_name="d" * 90), "issuer.apigee.product.display_name", "1-83"),
    ("an unknown product option", _quota(token_quota=1), "issuer.apigee.product.token_quota", "not a known option"),
]


@pytest.mark.parametrize(("case", "changes", "field", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_before_anything_is_registered(case: str, changes: dict[str, Any], field: str, says: str) -> None:
    with mock_pulumi() as engine:
        with pytest.raises(SecureApiKeyError) as refused:
            engine.run(lambda: SecureApiKey("acme", args(**changes)))
        assert refused.value.field == field
        assert says in str(refused.value)
        assert [r for r in engine.resources if r.type.startswith("gcp:apigee")] == []


def test_a_quota_known_at_deploy_time_gets_the_same_rule() -> None:
    with mock_pulumi() as engine:
        with pytest.raises(DeployTimeError) as refused:
            engine.run(lambda: SecureApiKey("acme", args(product=product(quota=pulumi.Output.from_input(0)))))
        assert refused.value.field == "issuer.apigee.product.quota"
        assert engine.find(APP) == []


def test_an_org_known_at_deploy_time_gets_the_same_rule() -> None:
    with mock_pulumi() as engine:
        with pytest.raises(DeployTimeError) as refused:
            engine.run(lambda: SecureApiKey("acme", args(org_id=pulumi.Output.from_input("my-project-123"))))
        assert refused.value.field == "issuer.apigee.org_id"


@pytest.mark.parametrize("backend", ["aws-secrets-manager", "gcp-secret-manager", "azure-key-vault"])
def test_rotation_is_refused_saying_how_to_rotate_by_hand(backend: str) -> None:
    extras: dict[str, dict[str, Any]] = {
        "gcp-secret-manager": {"gcp": {"project": "my-project-123"}},
        "azure-key-vault": {"azure": {"resource_group_name": "rg-ai", "create_vault": {}}},
    }
    given: Any = {"backend": backend, **extras.get(backend, {}), "issuer": {"apigee": block()}, "rotation": {"every_days": 30}}
    with pytest.raises(SecureApiKeyError) as refused:
        SecureApiKey("acme", given)
    assert refused.value.field == "rotation"
    assert "two credentials" in str(refused.value)
    assert "developers.apps.keys.create" in str(refused.value)


def test_changing_the_quota_updates_the_product_in_place_and_keeps_the_key() -> None:
    plan = plan_update(
        lambda: SecureApiKey("acme", args()),
        lambda: SecureApiKey("acme", args(product=product(quota=5000, quota_time_unit="month"))),
    )
    assert plan.op("acme-apigee-product") == "update"
    assert plan.changed[plan.urn_of("acme-apigee-product")] == {"quota", "quotaTimeUnit"}
    assert plan.op("acme-apigee-app") == "same"
    assert plan.op("acme-apigee-issued") == "same"


def test_moving_the_app_to_another_product_makes_a_new_app_before_deleting_the_old() -> None:
    changes = {"product": None}
    plan = plan_update(
        lambda: SecureApiKey("acme", args(**changes, product_name="free")),
        lambda: SecureApiKey("acme", args(**changes, product_name="gold")),
    )
    assert plan.op("acme-apigee-app") == "replace"
    assert plan.index("create-replacement", "acme-apigee-app") < plan.index("delete-replaced", "acme-apigee-app")
    old = next(r for r in plan.before if r.type == APP)
    new = next(r for r in plan.after if r.type == APP)
    assert old.plain("name") != new.plain("name")  # no collision while both exist
    assert new.plain("apiProducts") == ["gold"]


def test_renaming_the_product_replaces_it_and_the_app() -> None:
    plan = plan_update(
        lambda: SecureApiKey("acme", args()),
        lambda: SecureApiKey("acme", args(product=product(name="inference-paid"))),
    )
    assert plan.op("acme-apigee-product") == "replace"
    assert plan.op("acme-apigee-app") == "replace"


def test_the_mock_outputs_are_what_apigee_returns() -> None:
    _, app = apigee._mock_app("a", {"orgId": ORG, "developerEmail": "d@e.example", "name": "x", "apiProducts": ["p"]})
    (credential,) = app["credentials"]
    assert credential["apiProducts"] == [{"apiproduct": "p", "status": "approved"}]
    assert len(credential["consumerKey"]) == 48
    assert len(credential["consumerSecret"]) == 64
    dev_id, developer = apigee._mock_developer("d", {"orgId": ORG, "email": "d@e.example"})
    assert dev_id == f"{ORG}/developers/d@e.example"
    assert developer["status"] == "active"
    product_id, _ = apigee._mock_product("p", {"orgId": ORG, "name": "p"})
    assert product_id == f"{ORG}/apiproducts/p"
    assert json.dumps(developer)  # plain JSON, as the engine stores it
