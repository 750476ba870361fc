"""Reading Azure Key Vault keys through KeyCache: the official SecretClient over an in-process
transport that answers like Key Vault (Bearer challenge first, then secrets)."""

import threading
import time
from typing import Any, Callable, List

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.core.rest import HttpRequest
from azure.identity import AuthenticationRequiredError, CredentialUnavailableError
from azure.keyvault.secrets import SecretClient

from ai_keys.runtime import (
    KeyCache,
    MissingCredentialsError,
    SdkClientFactory,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretUnavailableError,
    azure,
    parse_secret_ref,
)

VAULT = "https://kv-ai-keys-test.vault.azure.net"


def test_challenge_then_hit(make_cache: Callable[..., KeyCache], kv_stub: Any, new_value: Callable[[], str]) -> None:
    value = new_value()
    kv_stub.set_secret("openai", value)
    cache = make_cache()
    ref = f"{VAULT}/secrets/openai"
    assert cache.get(ref) == value
    assert [cache.get(ref) for _ in range(50)] == [value] * 50
    assert kv_stub.challenges == 1  # the client answered Key Vault's 401 Bearer challenge once
    assert kv_stub.reads["openai"] == 1


def test_new_version_is_picked_up_after_the_ttl_and_pinned_versions_stay(
    make_cache: Callable[..., KeyCache],
    kv_stub: Any,
    clock: Any,
    new_value: Callable[[], str],
) -> None:
    old, new = new_value(), new_value()
    first = kv_stub.set_secret("anthropic", old)
    cache = make_cache(ttl_seconds=60, jitter=0)
    assert cache.get(f"{VAULT}/secrets/anthropic") == old
    kv_stub.set_secret("anthropic", new)
    clock.advance(59)
    assert cache.get(f"{VAULT}/secrets/anthropic") == old
    clock.advance(2)
    assert cache.get(f"{VAULT}/secrets/anthropic") == new
    assert cache.get(f"{VAULT}/secrets/anthropic/{first}") == old


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(
    make_cache: Callable[..., KeyCache],
    kv_stub: Any,
    sleeper: Any,
    new_value: Callable[[], str],
    status: int,
) -> None:
    value = new_value()
    kv_stub.set_secret("k", value)
    kv_stub.fail_next = [status, status]
    cache = make_cache(retries=3)
    assert cache.get(f"{VAULT}/secrets/k") == value
    assert kv_stub.reads["k"] == 3
    assert len(sleeper.delays) == 2


def test_forbidden_is_not_retried(
    make_cache: Callable[..., KeyCache],
    kv_stub: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    kv_stub.set_secret("k", value)
    kv_stub.deny = True
    ref = f"{VAULT}/secrets/k"
    with pytest.raises(SecretAccessDeniedError, match="Key Vault Secrets User") as info:
        make_cache(retries=3).get(ref)
    assert kv_stub.reads["k"] == 1
    assert sleeper.delays == []
    assert ref in str(info.value)
    assert "403 Forbidden" in str(info.value)
    assert value not in str(info.value)


def test_not_found_names_the_ref(make_cache: Callable[..., KeyCache], kv_stub: Any, sleeper: Any) -> None:
    ref = f"{VAULT}/secrets/missing"
    with pytest.raises(SecretNotFoundError) as info:
        make_cache().get(ref)
    assert ref in str(info.value)
    assert "404 SecretNotFound" in str(info.value)
    assert kv_stub.reads["missing"] == 1
    assert sleeper.delays == []


def test_outage_serves_the_last_good_value_then_recovers(
    make_cache: Callable[..., KeyCache],
    kv_stub: Any,
    clock: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    old, new = new_value(), new_value()
    kv_stub.set_secret("k", old)
    cache = make_cache(ttl_seconds=60, jitter=0, stale_retry_seconds=10, retries=2)
    ref = f"{VAULT}/secrets/k"
    assert cache.get(ref) == old
    kv_stub.outage = True
    kv_stub.set_secret("k", new)
    clock.advance(61)
    assert cache.get(ref) == old
    assert kv_stub.reads["k"] == 4
    clock.advance(5)
    assert cache.get(ref) == old
    assert kv_stub.reads["k"] == 4
    kv_stub.outage = False
    clock.advance(6)
    assert cache.get(ref) == new
    assert cache.stats().stale_served == 1


def test_sixteen_threads_make_exactly_one_read_per_key(
    clients: SdkClientFactory,
    kv_stub: Any,
    new_value: Callable[[], str],
) -> None:
    values = {f"key-{i}": new_value() for i in range(4)}
    for name, value in values.items():
        kv_stub.set_secret(name, value)
    cache = KeyCache(client_factory=clients)
    start = threading.Barrier(16)
    results: List[List[str]] = []

    def reader() -> None:
        start.wait()
        results.append([cache.get(f"{VAULT}/secrets/{name}") for name in values for _ in range(5)])

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [[v for v in values.values() for _ in range(5)]] * 16
    assert dict(kv_stub.reads) == dict.fromkeys(values, 1)


def test_one_client_per_vault_including_sovereign_clouds(
    kv_stub: Any,
    new_azure_client: Callable[..., Any],
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    kv_stub.set_secret("k", value)
    built: List[str] = []

    def build(vault_url: str) -> Any:
        built.append(vault_url)
        return new_azure_client(vault_url, kv_stub)

    cache = KeyCache(client_factory=SdkClientFactory(azure=build))
    refs = [
        "https://kv-a.vault.azure.net/secrets/k",
        "https://kv-a.vault.azure.net/secrets/k/",
        "https://kv-b.vault.azure.cn/secrets/k",
        "https://kv-c.vault.usgovcloudapi.net/secrets/k",
    ]
    assert [cache.get(ref) for ref in refs] == [value] * 4
    assert built == ["https://kv-a.vault.azure.net", "https://kv-b.vault.azure.cn", "https://kv-c.vault.usgovcloudapi.net"]


IMDS_DOWN = "ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint."
NO_IDENTITY = "DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: ..."


def caused_by(error: Exception, cause: Exception) -> Exception:
    """``error`` as if raised ``from cause``."""
    error.__cause__ = cause
    return error


class ManagedIdentityStandIn:
    """Issues tokens that expire at once (so every read asks again); while ``down`` it fails the way
    ManagedIdentityCredential does when the identity endpoint does not answer."""

    def __init__(self) -> None:
        self.down = False
        self.requests = 0

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.requests += 1
        if self.down:
            raise caused_by(CredentialUnavailableError(IMDS_DOWN), ServiceRequestError("timed out"))
        return AccessToken("fake-token", int(time.time()))


def test_token_endpoint_outage_at_refresh_serves_the_last_good_value(
    make_cache: Callable[..., KeyCache],
    kv_stub: Any,
    clock: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    old, new = new_value(), new_value()
    kv_stub.set_secret("k", old)
    identity = ManagedIdentityStandIn()
    factory = SdkClientFactory(azure=lambda vault_url: SecretClient(vault_url, identity, transport=kv_stub, retry_total=0))
    cache = make_cache(client_factory=factory, ttl_seconds=60, jitter=0, stale_retry_seconds=10, retries=2)
    ref = f"{VAULT}/secrets/k"
    assert cache.get(ref) == old
    identity.down = True
    kv_stub.set_secret("k", new)
    clock.advance(61)
    requests_before = identity.requests
    assert cache.get(ref) == old  # retried, then the last good value instead of "access denied"
    assert identity.requests - requests_before == 3
    assert len(sleeper.delays) == 2
    assert (len(cache), cache.stats().stale_served) == (1, 1)
    identity.down = False
    clock.advance(11)
    assert cache.get(ref) == new
    assert kv_stub.reads["k"] == 2


def test_the_vaults_own_401_is_still_access_denied(
    make_cache: Callable[..., KeyCache],
    kv_stub: Any,
    sleeper: Any,
    new_value: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kv_stub.set_secret("k", new_value())
    answer = kv_stub.send

    def reject_tokens(request: Any, **kwargs: Any) -> Any:
        if "Authorization" not in request.headers:
            return answer(request, **kwargs)  # the Bearer challenge
        body = {"error": {"code": "Unauthorized", "message": "AKV10032: Invalid issuer."}}
        return kv_stub._respond(request, 401, body)

    monkeypatch.setattr(kv_stub, "send", reject_tokens)
    with pytest.raises(SecretAccessDeniedError, match="401 Unauthorized"):
        make_cache(retries=3).get(f"{VAULT}/secrets/k")
    assert sleeper.delays == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, SecretUnavailableError),
        (429, SecretUnavailableError),
        (401, SecretAccessDeniedError),
        (400, SecretAccessDeniedError),
    ],
)
def test_a_token_endpoint_answer_is_retried_only_when_transient(kv_stub: Any, status: int, expected: type) -> None:
    ref = parse_secret_ref(f"{VAULT}/secrets/k")
    request = HttpRequest("GET", "http://169.254.169.254/metadata/identity/oauth2/token")
    response = kv_stub._respond(request, status, {"error": {"code": "TokenRequestFailed", "message": "injected"}})

    class Failing:
        def get_secret(self, name: str, version: Any = None, **kwargs: Any) -> Any:
            raise ClientAuthenticationError(message="token request failed", response=response)

    with pytest.raises(expected, match=f"{status} TokenRequestFailed"):
        azure.read(Failing(), ref)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ServiceRequestError("connection refused"), SecretUnavailableError),
        (HttpResponseError(message="busy", response=None), SecretUnavailableError),
        (ResourceNotFoundError("gone"), SecretNotFoundError),
        (CredentialUnavailableError(IMDS_DOWN), MissingCredentialsError),
        (caused_by(ClientAuthenticationError("token request failed"), ServiceRequestError("reset")), SecretUnavailableError),
        (caused_by(ClientAuthenticationError("token request failed"), TimeoutError("timed out")), SecretUnavailableError),
        (ClientAuthenticationError(NO_IDENTITY), MissingCredentialsError),
        (caused_by(ClientAuthenticationError("invalid client secret"), ValueError("AADSTS7000215")), SecretAccessDeniedError),
        (AuthenticationRequiredError(["https://vault.azure.net/.default"]), SecretAccessDeniedError),
    ],
    ids=[
        "network",
        "http-no-status",
        "not-found",
        "credential-unavailable",
        "token-request-network",
        "token-request-timeout",
        "no-credential",
        "credential-refused",
        "login-required",
    ],
)
def test_error_mapping_without_a_response(error: Exception, expected: type) -> None:
    ref = parse_secret_ref(f"{VAULT}/secrets/k/abc123")

    class Failing:
        def get_secret(self, name: str, version: Any = None, **kwargs: Any) -> Any:
            assert (name, version) == ("k", "abc123")
            raise error

    with pytest.raises(expected) as info:
        azure.read(Failing(), ref)  # type: ignore[arg-type]
    assert type(info.value) is expected
