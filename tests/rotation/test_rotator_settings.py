"""The rotator's settings: every variable the deploy sets, and a clear error naming the one missing."""

from typing import Callable

import pytest

from ai_keys.rotation.rotator.settings import DEFAULT_ENDPOINTS, Settings, SettingsError

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ai-keys/k-AbCdEf"
GCP = "projects/p/secrets/s"
AZURE = "https://vault-1.vault.azure.net/secrets/key-1"

COMPLETE = {
    ("bedrock", "aws", ARN): {"AIKEYS_IAM_USER": "ai-keys-bedrock"},
    ("aws_api_gateway", "aws", ARN): {"AIKEYS_USAGE_PLAN_ID": "abc123", "AIKEYS_PROBE_URL": "https://x.execute-api/prod/"},
    ("gemini", "gcp", GCP): {"AIKEYS_PROJECT": "p"},
    ("azure_ai_services", "azure", AZURE): {"AIKEYS_ACCOUNT_ID": "/subscriptions/s/resourceGroups/r/providers/x/accounts/a"},
    ("azure_api_management", "azure", AZURE): {
        "AIKEYS_APIM_SUBSCRIPTION_ID": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/apim"
        "/subscriptions/client-1"
    },
    ("openai", "aws", ARN): {"AIKEYS_OPENAI_PROJECT": "proj_1", "AIKEYS_ADMIN_KEY_REF": ARN + "-admin"},
    ("openai", "azure", AZURE): {"AIKEYS_OPENAI_PROJECT": "proj_1", "AIKEYS_ADMIN_KEY_REF": AZURE + "-admin-key"},
}
IDENTITY = {"IDENTITY_ENDPOINT": "http://127.0.0.1:1/msi/token", "IDENTITY_HEADER": "HEADER-SECRET-1234"}


def environment(issuer: str, store: str, secret: str) -> dict[str, str]:
    env = {
        "AIKEYS_ISSUER": issuer,
        "AIKEYS_STORE": store,
        "AIKEYS_SECRET": secret,
        "AIKEYS_EVERY_DAYS": "30",
        "AIKEYS_KEY_PREFIX": "aikeys-k-",
        **COMPLETE[(issuer, store, secret)],
    }
    if store == "azure":
        env.update(IDENTITY)
    return env


@pytest.mark.parametrize(("issuer", "store", "secret"), list(COMPLETE))
def test_every_supported_pair_reads(issuer: str, store: str, secret: str) -> None:
    settings = Settings.from_env(environment(issuer, store, secret))
    assert (settings.issuer, settings.store, settings.secret, settings.every_days) == (issuer, store, secret, 30)
    assert settings.endpoint("OPENAI") == DEFAULT_ENDPOINTS["OPENAI"]
    assert "HEADER-SECRET" not in repr(settings)


@pytest.mark.parametrize(("issuer", "store", "secret"), list(COMPLETE))
def test_each_missing_variable_is_named(issuer: str, store: str, secret: str) -> None:
    env = environment(issuer, store, secret)
    named = 0
    for name in env:
        if name == "AIKEYS_PROBE_URL" and issuer != "aws_api_gateway":
            continue
        partial = {k: v for k, v in env.items() if k != name}
        with pytest.raises(SettingsError, match=name):
            Settings.from_env(partial)
        named += 1
    assert named == len(env)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"AIKEYS_EVERY_DAYS": "0"}, "AIKEYS_EVERY_DAYS is 0: expected 1 to 365"),
        ({"AIKEYS_EVERY_DAYS": "400"}, "expected 1 to 365"),
        ({"AIKEYS_EVERY_DAYS": "thirty"}, "whole number of days"),
        ({"AIKEYS_ISSUER": "anthropic"}, "AIKEYS_ISSUER is 'anthropic'"),
        ({"AIKEYS_STORE": "gcp", "AIKEYS_SECRET": GCP}, "a bedrock key rotates in aws"),
        ({"AIKEYS_SECRET": "ai-keys/by-name"}, "expected the secret's ARN"),
        ({"AIKEYS_CREDENTIAL_AGE_DAYS": "0"}, "AIKEYS_CREDENTIAL_AGE_DAYS is 0: expected 1 to 36600"),
        ({"AIKEYS_CREDENTIAL_AGE_DAYS": "36601"}, "expected 1 to 36600"),
        ({"AIKEYS_CREDENTIAL_AGE_DAYS": "ninety"}, "AIKEYS_CREDENTIAL_AGE_DAYS is 'ninety': expected a whole number"),
    ],
)
def test_malformed_values_are_named(change: dict[str, str], message: str) -> None:
    env = {**environment("bedrock", "aws", ARN), **change}
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_credential_age_is_read_for_bedrock() -> None:
    env = environment("bedrock", "aws", ARN)
    assert Settings.from_env(env).credential_age_days is None  # IAM's default: no expiry
    assert Settings.from_env({**env, "AIKEYS_CREDENTIAL_AGE_DAYS": " 90 "}).credential_age_days == 90


def test_store_references_are_checked() -> None:
    for store, bad in (("gcp", "projects/p/secrets"), ("azure", "http://vault/secrets/k"), ("azure", AZURE + "/v1")):
        issuer = "gemini" if store == "gcp" else "azure_ai_services"
        good = GCP if store == "gcp" else AZURE
        env = {**environment(issuer, store, good), "AIKEYS_SECRET": bad}
        with pytest.raises(SettingsError, match="AIKEYS_SECRET"):
            Settings.from_env(env)


def test_endpoint_overrides_and_options() -> None:
    env = {
        **environment("gemini", "gcp", GCP),
        "AIKEYS_API_TARGETS": "generativelanguage.googleapis.com, aiplatform.googleapis.com,",
        "AIKEYS_ENDPOINT_APIKEYS": "http://127.0.0.1:9/",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5",
        "AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:6",
    }
    settings = Settings.from_env(env)
    assert settings.api_targets == ("generativelanguage.googleapis.com", "aiplatform.googleapis.com")
    assert settings.endpoint("APIKEYS") == "http://127.0.0.1:9"
    assert settings.endpoint("SECRETMANAGER") == "https://secretmanager.googleapis.com"
    assert settings.aws_endpoints == {"": "http://127.0.0.1:5", "IAM": "http://127.0.0.1:6"}


def test_key_vault_override_keeps_path_and_query() -> None:
    env = {**environment("azure_ai_services", "azure", AZURE), "AIKEYS_ENDPOINT_KEYVAULT": "http://127.0.0.1:7"}
    settings = Settings.from_env(env)
    url: Callable[[str], str] = settings.keyvault_url
    assert url(AZURE) == "http://127.0.0.1:7/secrets/key-1"
    assert (
        url(AZURE + "/versions?api-version=7.4&$skiptoken=25")
        == "http://127.0.0.1:7/secrets/key-1/versions?api-version=7.4&$skiptoken=25"
    )
    assert Settings.from_env(environment("azure_ai_services", "azure", AZURE)).keyvault_url(AZURE) == AZURE


@pytest.mark.parametrize(
    "ref",
    [
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/apim",  # the service, not a key
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/a/subscriptions/c",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/apim/subscriptions/c/extra",
        "apim/client-1",
    ],
)
def test_an_api_management_subscription_id_must_name_one_subscription(ref: str) -> None:
    env = {**environment("azure_api_management", "azure", AZURE), "AIKEYS_APIM_SUBSCRIPTION_ID": ref}
    with pytest.raises(SettingsError, match=r"AIKEYS_APIM_SUBSCRIPTION_ID is .*Microsoft\.ApiManagement/service/SERVICE"):
        Settings.from_env(env)


def test_an_api_management_key_rotates_in_azure_only() -> None:
    env = {**environment("azure_api_management", "azure", AZURE), "AIKEYS_STORE": "aws", "AIKEYS_SECRET": ARN}
    with pytest.raises(SettingsError, match="an azure_api_management key rotates in azure"):
        Settings.from_env(env)
    settings = Settings.from_env(environment("azure_api_management", "azure", AZURE))
    assert settings.apim_subscription_id is not None
    assert settings.apim_subscription_id.endswith("/subscriptions/client-1")
