"""The managed rotator on Azure, under the mock engine: a Flex Consumption Function App beside the secret, what it
may do (write this one secret, read its own admin key and containers, the issuer's grant), its settings, the Event
Grid subscription that calls it, and the refusals that keep it reachable."""

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pulumi
import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.rotation import PLACEHOLDER, package
from ai_keys.rotation.deploy import azure as rotator_azure
from ai_keys.stores.azure_key_vault import rules as azure_rules
from ai_keys.stores.azure_key_vault.resources import SECRETS_OFFICER_ROLE_ID, SECRETS_USER_ROLE_ID
from ai_keys.testing import MockEngine, RegisteredResource
from ai_keys.testing.mock_clouds.azure import SUBSCRIPTION_ID

from ..scenarios import leaks
from ..test_canary_leaks import every_logger_at_debug, logged_leaks

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
ADMIN_CANARY = "CANARYadminQ7wE3rT9yU1iO5pA2sD8fG4hJ6kL0zX"
RG = "rg-keys"
VAULT = {"vault_name": "kv-team", "resource_group_name": RG}
AI_ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices"
    "/accounts/my-aoai"
)
SECRET = "azure-native:keyvault:Secret"
APP = "azure-native:web:WebApp"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SUBSCRIPTION = "azure-native:eventgrid:EventSubscription"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(azure_rules, "utc_now", lambda: NOW)
    return NOW


def openai_args(**extra: Any) -> dict[str, Any]:
    return {
        "backend": "azure-key-vault",
        "issuer": {"openai": {"project_id": "proj_abc123", "admin_key": pulumi.Output.secret(ADMIN_CANARY)}},
        "rotation": {"every_days": 30},
        "azure": VAULT,
        "deletion_protection": False,
        **extra,
    }


def ai_services_args(**extra: Any) -> dict[str, Any]:
    return {
        "backend": "azure-key-vault",
        "issuer": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}},
        "rotation": {"every_days": 45},
        "azure": VAULT,
        "deletion_protection": False,
        **extra,
    }


def apim_args(block: Optional[dict[str, Any]] = None, **extra: Any) -> dict[str, Any]:
    where = block or {"product_id": "starter"}
    return {
        "backend": "azure-key-vault",
        "issuer": {"azure_api_management": {"service_name": "apim-ai", "resource_group_name": "rg-ai", **where}},
        "rotation": {"every_days": 30},
        "azure": VAULT,
        "deletion_protection": False,
        **extra,
    }


def deploy(engine: MockEngine, make: Any = openai_args, name: str = "openai", **extra: Any) -> None:
    engine.run(lambda: SecureApiKey(name, make(**extra)))
    assert not engine.failed


def settings(engine: MockEngine) -> dict[str, str]:
    return {s["name"]: s["value"] for s in engine.one(APP).plain("siteConfig")["appSettings"]}


def principal(engine: MockEngine) -> str:
    return str(engine.one(APP).outputs["identity"]["principalId"])


def grants_of(engine: MockEngine, who: str) -> dict[tuple[str, str], RegisteredResource]:
    """(role GUID, scope) -> assignment, for every role assignment of ``who``."""
    return {
        (str(a.plain("roleDefinitionId")).rsplit("/", 1)[-1], str(a.plain("scope"))): a
        for a in engine.find(ASSIGNMENT)
        if a.plain("principalId") == who
    }


def test_an_issuer_with_rotation_gets_a_flex_consumption_function_app(engine: MockEngine) -> None:
    deploy(engine)
    plan = engine.one("azure-native:web:AppServicePlan")
    assert (plan.plain("sku")["name"], plan.plain("sku")["tier"], plan.plain("kind"), plan.plain("reserved")) == (
        "FC1",
        "FlexConsumption",
        "functionapp",
        True,
    )
    app = engine.one(APP)
    assert (app.plain("kind"), app.plain("httpsOnly"), app.plain("identity")) == (
        "functionapp,linux",
        True,
        {"type": "SystemAssigned"},
    )
    assert app.plain("serverFarmId") == plan.id
    config = app.plain("functionAppConfig")
    account = engine.one("azure-native:storage:StorageAccount")
    assert config["deployment"]["storage"] == {
        "type": "blobContainer",
        "value": f"{account.outputs['primaryEndpoints']['blob']}app-package",
        "authentication": {"type": "SystemAssignedIdentity"},
    }
    assert config["runtime"] == {"name": "python", "version": "3.12"}
    assert config["scaleAndConcurrency"]["maximumInstanceCount"] == 1
    # Its own storage: nothing public; the app uses its identity (account keys stay on for azure-native's upload).
    assert account.plain("allowBlobPublicAccess") is False
    assert account.plain("defaultToOAuthAuthentication") is True
    assert account.plain("minimumTlsVersion") == "TLS1_2"
    blob = engine.one("azure-native:storage:Blob")
    assert blob.plain("blobName") == "released-package.zip"
    assert isinstance(blob.inputs["source"], pulumi.AssetArchive)
    containers = {c.plain("containerName"): c.plain("publicAccess") for c in engine.find("azure-native:storage:BlobContainer")}
    assert containers == {"app-package": "None", "azure-webjobs-hosts": "None", "azure-webjobs-secrets": "None"}


def test_the_app_reads_its_settings_and_finds_its_admin_key_in_a_secret_of_its_own(engine: MockEngine) -> None:
    deploy(engine)
    secret = engine.one(SECRET, "openai-secret")
    name = secret.plain("secretName")
    got = settings(engine)
    assert got["AIKEYS_ISSUER"] == "openai"
    assert got["AIKEYS_STORE"] == "azure"
    assert got["AIKEYS_SECRET"] == f"https://kv-team.vault.azure.net/secrets/{name}"
    assert got["AIKEYS_EVERY_DAYS"] == "30"
    assert got["AIKEYS_OPENAI_PROJECT"] == "proj_abc123"
    assert got["AIKEYS_ADMIN_KEY_REF"] == f"https://kv-team.vault.azure.net/secrets/{name}-admin-key"
    assert got["AIKEYS_PACKAGE_SHA256"] == rotator_azure.archive_digest(package.archive("azure"))
    assert got["AzureWebJobsStorage__accountName"] == engine.one("azure-native:storage:StorageAccount").outputs["name"]
    admin = engine.one(SECRET, "openai-admin-key")
    assert admin.plain("secretName") == f"{name}-admin-key"
    assert admin.plain("properties")["value"] == ADMIN_CANARY
    assert admin.is_secret("properties")
    assert "properties" in admin.additional_secret_outputs
    # The first version is the placeholder: the rotator's first run makes the first key.
    assert secret.plain("properties")["value"] == PLACEHOLDER
    assert secret.is_secret("properties")


def test_the_rotator_may_write_this_secret_read_its_admin_key_and_nothing_else_in_the_vault(engine: MockEngine) -> None:
    deploy(engine)
    secret, admin = engine.one(SECRET, "openai-secret"), engine.one(SECRET, "openai-admin-key")
    account = engine.one("azure-native:storage:StorageAccount")
    mine = grants_of(engine, principal(engine))
    containers = {c.id for c in engine.find("azure-native:storage:BlobContainer")}
    assert set(mine) == {
        (SECRETS_OFFICER_ROLE_ID, secret.id),
        (SECRETS_USER_ROLE_ID, admin.id),
        *((rotator_azure.BLOB_DATA_OWNER, container) for container in containers),
    }
    # Scopes are the secret and the app's containers: never the vault, the storage account or the group.
    assert all(scope.startswith(f"{account.id}/blobServices/default/containers/") or "/secrets/" in scope for _, scope in mine)
    for assignment in mine.values():
        assert assignment.plain("principalType") == "ServicePrincipal"
        assert assignment.delete_before_replace


def test_the_issuers_role_is_granted_on_its_account_only(engine: MockEngine) -> None:
    deploy(engine, ai_services_args, name="aoai")
    roles = dict(grants_of(engine, principal(engine)).keys())
    assert roles["25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"] == AI_ACCOUNT  # Cognitive Services Contributor
    assert "AIKEYS_ADMIN_KEY_REF" not in settings(engine)
    assert engine.find(SECRET, "aoai-admin-key") == []


PRODUCT = {
    "name": "inference-free",
    "token_limit": {"tokens_per_minute": 5000, "token_quota": 1_000_000, "token_quota_period": "Monthly"},
}


@pytest.mark.parametrize("block", [{"product_id": "starter"}, {"product": PRODUCT}], ids=["product_id", "product"])
def test_an_apim_rotator_may_regenerate_this_subscriptions_keys_only(engine: MockEngine, block: dict[str, Any]) -> None:
    engine.run(lambda: SecureApiKey("acme", apim_args(block=block)))
    assert not engine.failed
    subscription = engine.one("azure-native:apimanagement:Subscription")
    assert re.fullmatch(
        r"/subscriptions/[0-9a-f-]+/resourceGroups/rg-ai/providers/Microsoft\.ApiManagement/service/apim-ai"
        r"/subscriptions/acme-[0-9a-f]{8}",
        subscription.id,
    )
    got = settings(engine)
    assert got["AIKEYS_ISSUER"] == "azure_api_management"
    assert got["AIKEYS_APIM_SUBSCRIPTION_ID"] == subscription.id
    assert "AIKEYS_PROBE_URL" not in got  # a probe would spend a client's tokens: the rotator relies on listSecrets
    assert "AIKEYS_ADMIN_KEY_REF" not in got
    mine = grants_of(engine, principal(engine))
    issuer_side = {scope for role, scope in mine if role == "312a565d-c81f-4fd8-895a-4e21e48d571c"}
    # API Management Service Contributor, on this subscription only: never the service, its products or the group.
    assert issuer_side == {subscription.id}
    secret = engine.one(SECRET, "acme-secret")
    assert set(mine) - {(r, s) for r, s in mine if r == rotator_azure.BLOB_DATA_OWNER} == {
        (SECRETS_OFFICER_ROLE_ID, secret.id),
        ("312a565d-c81f-4fd8-895a-4e21e48d571c", subscription.id),
    }
    # The first key is the subscription's primary, read at deploy: the rotator hears SecretNearExpiry only.
    assert engine.one(SUBSCRIPTION).plain("filter")["includedEventTypes"] == ["Microsoft.KeyVault.SecretNearExpiry"]
    assert secret.plain("properties")["value"] != PLACEHOLDER
    assert secret.is_secret("properties")
    assert engine.find(SECRET, "acme-admin-key") == []


def test_an_apim_key_rotated_in_another_store_is_refused_as_cross_cloud(engine: MockEngine) -> None:
    args = {k: v for k, v in apim_args().items() if k != "azure"}
    with pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("acme", {**args, "backend": "aws-secrets-manager"}))
    assert refused.value.field == "rotation"
    assert "standing credential" in str(refused.value)
    assert "azure-key-vault" in refused.value.allowed


def test_event_grid_calls_the_rotate_function_for_this_secret_and_retries_a_failed_run(engine: MockEngine) -> None:
    deploy(engine)
    subscription, app = engine.one(SUBSCRIPTION), engine.one(APP)
    assert subscription.plain("destination") == {
        "endpointType": "AzureFunction",
        "resourceId": f"{app.id}/functions/rotate",
        "maxEventsPerBatch": 1,
        "preferredBatchSizeInKilobytes": 64,
    }
    name = engine.one(SECRET, "openai-secret").plain("secretName")
    event_filter = subscription.plain("filter")
    # The placeholder's SecretNewVersionCreated is the rotator's first run (OpenAI keys are made by the rotator).
    assert event_filter["includedEventTypes"] == [
        "Microsoft.KeyVault.SecretNearExpiry",
        "Microsoft.KeyVault.SecretNewVersionCreated",
    ]
    assert event_filter["advancedFilters"] == [{"key": "subject", "operatorType": "StringIn", "values": [name]}]
    assert subscription.plain("retryPolicy") == {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}
    # The subscription waits for the app to start; the secret (whose first version is the first event) for both
    # the subscription and the admin key the first run reads.
    started = engine.one("time:index/sleep:Sleep", "openai-rotator-started")
    assert started.urn in subscription.dependencies
    secret = engine.one(SECRET, "openai-secret")
    assert {subscription.urn, engine.one(SECRET, "openai-admin-key").urn} <= set(secret.dependencies)


def test_an_azure_ai_services_rotator_hears_near_expiry_only(engine: MockEngine) -> None:
    deploy(engine, ai_services_args, name="aoai")
    assert engine.one(SUBSCRIPTION).plain("filter")["includedEventTypes"] == ["Microsoft.KeyVault.SecretNearExpiry"]


@pytest.mark.parametrize("every_days", [1, 30, 365])
def test_the_first_version_expires_every_days_plus_the_notice_window_out(engine: MockEngine, every_days: int) -> None:
    """SecretNearExpiry comes 30 days before a version expires: every_days after it is written."""
    deploy(engine, ai_services_args, name="aoai", rotation={"every_days": every_days})
    expires = engine.one(SECRET, "aoai-secret").plain("properties")["attributes"]["expires"]
    assert expires == int((NOW + timedelta(days=every_days + 30)).timestamp())


def test_no_secret_shows_in_a_non_secret_input_output_or_log_line(engine: MockEngine, caplog: pytest.LogCaptureFixture) -> None:
    with every_logger_at_debug(caplog):
        deploy(engine)
    assert leaks(engine, ADMIN_CANARY) == []
    assert leaks(engine, PLACEHOLDER) == []
    assert logged_leaks(caplog.records, ADMIN_CANARY) == []
    assert ADMIN_CANARY not in str(settings(engine))


REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "an expiry of your own",
        {"azure": {**VAULT, "expires": "2027-01-01T00:00:00Z"}},
        "azure.expires",
        "managed rotator",
    ),
    (
        "a created vault that denies the rotator",
        {"azure": {"resource_group_name": RG, "create_vault": {}}},
        "azure.create_vault.network.default_action",
        "Flex Consumption",
    ),
    (
        "a created vault that lists addresses",
        {"azure": {"resource_group_name": RG, "create_vault": {"network": {"ip_rules": ["203.0.113.7"]}}}},
        "azure.create_vault.network.default_action",
        "no fixed outbound address",
    ),
    ("a name too long for the admin key beside it", {"name": "k" * 120}, "name", "admin-key"),
]


@pytest.mark.parametrize(("case", "extra", "field", "says"), REFUSED, ids=[c[0] for c in REFUSED])
def test_what_would_keep_the_rotator_from_working_is_refused_before_anything_is_registered(
    engine: MockEngine, case: str, extra: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("aoai", ai_services_args(**extra)))
    assert refused.value.field == field, case
    assert says in str(refused.value)
    assert [r for r in engine.resources if r.custom] == []


def test_a_created_vault_open_to_the_network_is_accepted(engine: MockEngine) -> None:
    azure = {"resource_group_name": RG, "create_vault": {"network": {"default_action": "Allow"}}}
    deploy(engine, ai_services_args, name="aoai", azure=azure)
    vault = engine.one("azure-native:keyvault:Vault")
    assert settings(engine)["AIKEYS_SECRET"].startswith(vault.outputs["properties"]["vaultUri"])


@pytest.mark.parametrize("component", ["openai", "a", "My_Key.With.Dots", "x" * 200, "--"])
def test_derived_names_fit_the_clouds_rules_and_differ_per_stack(component: str) -> None:
    account = rotator_azure.storage_account_name(SUBSCRIPTION_ID, RG, "proj", "dev", component, "2026-01-01T00:00:00Z")
    assert re.fullmatch(r"[a-z0-9]{3,24}", account), account
    app = rotator_azure.app_name(SUBSCRIPTION_ID, RG, "proj", "dev", component)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,58}[a-z0-9]", app), app
    assert app != rotator_azure.app_name(SUBSCRIPTION_ID, RG, "proj", "prod", component)
    assert account != rotator_azure.storage_account_name(SUBSCRIPTION_ID, RG, "proj", "dev", component, "2026-01-02T00:00:00Z")
