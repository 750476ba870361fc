"""Cloud SDKs are imported only when a key of that cloud is read; default clients use default chains."""

import subprocess
import sys
from typing import Any, Callable, List

import google.auth
import google.auth.exceptions
import pytest
from google.auth.credentials import AnonymousCredentials

from ai_keys.errors import BackendNotInstalledError
from ai_keys.runtime import (
    KeyCache,
    MissingCredentialsError,
    MissingExtraError,
    SdkClientFactory,
    SecretAccessDeniedError,
    resolve,
)

SDK_MODULES = (
    "boto3",
    "botocore",
    "azure.core",
    "azure.identity",
    "azure.keyvault.secrets",
    "google.cloud.secretmanager",
    "google.api_core",
    "google.auth",
)


def test_importing_the_runtime_imports_no_cloud_sdk() -> None:
    code = f"import sys, ai_keys.runtime\nloaded = [m for m in {SDK_MODULES!r} if m in sys.modules]\nprint(','.join(loaded))\n"
    result = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("hidden_module", "ref", "extra"),
    [
        ("boto3", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123", "runtime-aws"),
        ("azure.identity", "https://kv-x.vault.azure.net/secrets/k", "runtime-azure"),
        ("google.cloud.secretmanager", "projects/p-12345/secrets/k", "runtime-gcp"),
    ],
)
def test_a_missing_sdk_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, hidden_module: str, ref: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, hidden_module, None)  # what an uninstalled package looks like
    cache = KeyCache()
    with pytest.raises(MissingExtraError, match=rf"pip install 'ai-keys\[{extra}\]'") as info:
        cache.get(ref)
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, BackendNotInstalledError)
    assert info.value.extra == extra
    assert info.value.name == hidden_module
    assert str(info.value).startswith(f"reading a key from {info.value.cloud} needs the {hidden_module!r} package")
    assert cache.stats().fetches == 0


def test_default_aws_client_uses_the_default_chain_and_the_arn_region(
    monkeypatch: pytest.MonkeyPatch,
    moto_endpoint: str,
    new_aws_client: Callable[..., Any],
    new_value: Callable[[], str],
) -> None:
    # Everything the default chain reads comes from the environment, pointed at the emulator.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    value = new_value()
    arn = new_aws_client(moto_endpoint, "eu-west-2").create_secret(Name="default-chain", SecretString=value)["ARN"]
    factory = SdkClientFactory(timeout_seconds=3)
    cache = KeyCache(client_factory=factory)
    assert resolve(arn, cache=cache) == value
    client = factory.aws("eu-west-2")
    assert client is factory.aws("eu-west-2")
    assert client.meta.region_name == "eu-west-2"  # type: ignore[attr-defined]
    assert client.meta.config.retries["total_max_attempts"] == 1  # type: ignore[attr-defined]
    assert client.meta.config.read_timeout == 3  # type: ignore[attr-defined]


def test_default_azure_clients_share_one_credential() -> None:
    factory = SdkClientFactory()
    a = factory.azure("https://kv-a.vault.azure.net")
    b = factory.azure("https://kv-b.vault.azure.net")
    assert a is factory.azure("https://kv-a.vault.azure.net")
    assert (a.vault_url, b.vault_url) == ("https://kv-a.vault.azure.net", "https://kv-b.vault.azure.net")  # type: ignore[attr-defined]
    assert type(a._client._config.credential).__name__ == "DefaultAzureCredential"  # type: ignore[attr-defined]
    assert a._client._config.credential is b._client._config.credential  # type: ignore[attr-defined]
    assert a._client._config.retry_policy.total_retries == 0  # type: ignore[attr-defined]


def test_default_gcp_client_uses_application_default_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_default(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return AnonymousCredentials(), "p-12345"

    monkeypatch.setattr(google.auth, "default", fake_default)
    factory = SdkClientFactory()
    client = factory.gcp()
    assert client is factory.gcp()
    assert type(client).__name__ == "SecretManagerServiceClient"
    assert len(calls) == 1


def test_missing_application_default_credentials_is_a_missing_credentials_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The client library looks for credentials while the client is built, before any read.
    def no_credentials(*args: Any, **kwargs: Any) -> Any:
        raise google.auth.exceptions.DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    sleeps: List[float] = []
    cache = KeyCache(sleep=sleeps.append)
    ref = "projects/p-12345/secrets/k"
    for _ in range(2):  # the failed build is not remembered: the next read tries again
        with pytest.raises(MissingCredentialsError, match="give the app Application Default Credentials") as info:
            cache.get(ref)
        assert not isinstance(info.value, SecretAccessDeniedError)
        assert isinstance(info.value.__cause__.__cause__, google.auth.exceptions.DefaultCredentialsError)
        assert info.value.secret_ref == ref
        assert info.value.code == "DefaultCredentialsError"
    assert len(sleeps) == 6  # retried (the metadata server may come back), three times per read
