"""The azure-apim-client-key example runs offline under the mock engine and creates what its README says."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ai_keys.runtime.refs import AzureSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program

from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "azure-apim-client-key"
CLIENT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CONFIG = {"apim_service": "apim-ai", "apim_resource_group": "rg-ai", "client_principal_id": CLIENT}
PRODUCT = "azure-native:apimanagement:Product"
POLICY = "azure-native:apimanagement:ProductPolicy"
PRODUCT_API = "azure-native:apimanagement:ProductApi"
SUBSCRIPTION = "azure-native:apimanagement:Subscription"
SECRET = "azure-native:keyvault:Secret"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return run_program(EXAMPLE, config=CONFIG)


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == "name: ai-keys-azure-apim-client-key"
    assert "../..[azure]" in (EXAMPLE / "requirements.txt").read_text().splitlines()
    readme = " ".join((EXAMPLE / "README.md").read_text().split())
    command = "python -m ai_keys preview examples/azure-apim-client-key " + " ".join(
        f"--config {k}={v}" for k, v in CONFIG.items()
    )
    assert command in readme
    assert "5,000 tokens a minute and 1,000,000 tokens a month per key" in readme


def test_the_product_holds_the_token_budget_in_its_generated_policy(engine: MockEngine) -> None:
    product = engine.one(PRODUCT)
    assert (product.plain("serviceName"), product.plain("resourceGroupName"), product.plain("productId")) == (
        "apim-ai",
        "rg-ai",
        "inference-free",
    )
    assert engine.one(PRODUCT_API).plain("apiId") == "openai"
    inbound = ET.fromstring(engine.one(POLICY).plain("value")).find("inbound")  # noqa: S314 (the generated policy)
    assert inbound is not None
    limit = inbound.find("llm-token-limit")
    assert limit is not None
    assert (limit.get("tokens-per-minute"), limit.get("token-quota"), limit.get("token-quota-period")) == (
        "5000",
        "1000000",
        "Monthly",
    )
    assert limit.get("counter-key") == "@(context.Subscription.Id)"
    rate = inbound.find("rate-limit-by-key")
    assert rate is not None
    assert (rate.get("calls"), rate.get("renewal-period")) == ("60", "60")
    metric = inbound.find("llm-emit-token-metric/dimension")
    assert metric is not None
    assert metric.get("name") == "Subscription ID"


def test_an_active_subscription_on_that_product_alone(engine: MockEngine) -> None:
    subscription = engine.one(SUBSCRIPTION)
    assert subscription.plain("scope") == "/products/inference-free"
    assert subscription.plain("state") == "active"
    assert subscription.plain("displayName") == "Acme (free tier)"
    assert subscription.additional_secret_outputs == ["primaryKey", "secondaryKey"]


def test_only_the_client_reads_the_key_and_it_is_never_in_plaintext(engine: MockEngine) -> None:
    reader = engine.one(ROLE_ASSIGNMENT)
    assert reader.plain("principalId") == CLIENT
    assert reader.plain("scope") == engine.one(SECRET).id
    assert reader.plain("roleDefinitionId").endswith(f"/roleDefinitions/{SECRETS_USER}")
    secret = engine.one(SECRET)
    assert secret.is_secret("properties", "value")
    subscription = engine.one(SUBSCRIPTION)
    assert secret.plain("properties")["value"] == subscription.outputs["primaryKey"]
    for key in (subscription.outputs["primaryKey"], subscription.outputs["secondaryKey"]):
        assert leaks(engine, key) == []


def test_outputs_name_the_secret_and_the_subscription_never_the_key(engine: MockEngine) -> None:
    outputs = engine.stack_outputs
    assert set(outputs) == {"secret_ref", "issued_key_id"}
    assert isinstance(parse_secret_ref(outputs["secret_ref"]), AzureSecretRef)
    assert outputs["issued_key_id"] == f"{engine.one(SUBSCRIPTION).id}#primary"


def test_another_llm_api_is_added_to_the_product() -> None:
    engine = run_program(EXAMPLE, config={**CONFIG, "llm_api_id": "anthropic"})
    assert engine.one(PRODUCT_API).plain("apiId") == "anthropic"
