"""Wire-level faults: what is transient, what is definitive, and that no SDK exception escapes."""

import json
from typing import Any, Callable, Iterator, List, Optional

import pytest

from ai_keys.runtime import (
    KeyCache,
    SdkClientFactory,
    SecretAccessDeniedError,
    SecretReadError,
    SecretUnavailableError,
)

VAULT = "https://kv-ai-keys-faults.vault.azure.net"


class Plan:
    """Tells the proxy which fault to answer the next requests with (None: forward)."""

    def __init__(self) -> None:
        self.next: List[Optional[str]] = []
        self.always: Optional[str] = None

    def __call__(self, key: str) -> Optional[str]:
        if self.next:
            return self.next.pop(0)
        return self.always


@pytest.fixture
def plan() -> Plan:
    return Plan()


@pytest.fixture
def proxy(moto_endpoint: str, plan: Plan, fault_proxy: Any) -> Iterator[Any]:
    with fault_proxy(moto_endpoint, plan, hang_seconds=3) as running:
        yield running


@pytest.fixture
def proxied_cache(proxy: Any, new_aws_client: Callable[..., Any], clock: Any, sleeper: Any) -> KeyCache:
    factory = SdkClientFactory(aws=lambda region: new_aws_client(proxy.url, region))
    return KeyCache(client_factory=factory, clock=clock, sleep=sleeper, ttl_seconds=60, jitter=0, retries=1)


def assert_transient(error: BaseException) -> None:
    """A transient SecretUnavailableError whose chain holds no raw exception with the body in it."""
    assert type(error) is SecretUnavailableError
    assert error.retryable


@pytest.mark.parametrize("fault", ["cut", "short", "html", "5xx", "429", "reset"])
def test_aws_transient_faults_keep_the_last_good_value(
    proxied_cache: KeyCache,
    plan: Plan,
    make_aws_secret: Callable[[str], str],
    clock: Any,
    new_value: Callable[[], str],
    fault: str,
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    assert proxied_cache.get(arn) == value
    clock.advance(61)
    plan.always = fault
    assert proxied_cache.get(arn) == value  # stale, not "not found"
    assert len(proxied_cache) == 1
    assert proxied_cache.stats().stale_served == 1


@pytest.mark.parametrize("fault", ["cut", "short", "html"])
def test_aws_cut_or_html_body_without_a_value_is_unavailable_not_not_found(
    proxied_cache: KeyCache, plan: Plan, make_aws_secret: Callable[[str], str], new_value: Callable[[], str], fault: str
) -> None:
    arn = make_aws_secret(new_value())
    plan.always = fault
    with pytest.raises(SecretReadError) as info:
        proxied_cache.get(arn)
    assert_transient(info.value)


def test_aws_denial_through_the_proxy_is_definitive(
    proxied_cache: KeyCache, plan: Plan, make_aws_secret: Callable[[str], str], clock: Any, new_value: Callable[[], str]
) -> None:
    arn = make_aws_secret(new_value())
    proxied_cache.get(arn)
    clock.advance(61)
    plan.always = "deny"
    with pytest.raises(SecretAccessDeniedError):
        proxied_cache.get(arn)
    assert len(proxied_cache) == 0


@pytest.mark.parametrize("fault", [507, 520, 599, "cut", "html"])
def test_gcp_other_statuses_and_broken_bodies_are_transient(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    clock: Any,
    new_value: Callable[[], str],
    fault: Any,
) -> None:
    value = new_value()
    ref = make_gcp_secret(value)
    cache = make_cache(ttl_seconds=60, jitter=0, retries=0)
    gcp_faults.fail_next = [fault]
    with pytest.raises(SecretReadError) as info:
        cache.get(ref)  # no value yet: unavailable, and nothing raw from requests or protobuf
    assert_transient(info.value)
    assert cache.get(ref) == value
    clock.advance(61)
    gcp_faults.fail_next = [fault]
    assert cache.get(ref) == value  # the last good value, kept
    assert cache.stats().stale_served == 1


def test_gcp_payload_checksum_is_verified(
    make_cache: Callable[..., KeyCache], make_gcp_secret: Callable[[str], str], gcp_faults: Any, new_value: Callable[[], str]
) -> None:
    value = new_value()
    ref = make_gcp_secret(value)
    cache = make_cache(retries=2)
    gcp_faults.fail_next = ["crc-bad", "crc-good"]
    assert cache.get(ref) == value  # the damaged payload was retried, the intact one accepted
    assert gcp_faults.total == 2
    gcp_faults.fail_next = ["crc-bad"] * 3
    cache.clear()
    with pytest.raises(SecretUnavailableError, match="ChecksumMismatch"):
        cache.get(ref)


@pytest.mark.parametrize("fault", ["cut", "html"])
def test_azure_broken_bodies_are_transient(
    make_cache: Callable[..., KeyCache], kv_stub: Any, clock: Any, new_value: Callable[[], str], fault: str
) -> None:
    value = new_value()
    kv_stub.set_secret("k", value)
    cache = make_cache(ttl_seconds=60, jitter=0, retries=0)
    ref = f"{VAULT}/secrets/k"
    kv_stub.fail_next = [fault]
    with pytest.raises(SecretReadError) as info:
        cache.get(ref)
    assert_transient(info.value)
    assert info.value.__context__ is None or not isinstance(info.value.__context__, json.JSONDecodeError)
    assert cache.get(ref) == value
    clock.advance(61)
    kv_stub.fail_next = [fault]
    assert cache.get(ref) == value
    assert cache.stats().stale_served == 1


def test_azure_network_failure_says_it_is_the_network(make_cache: Callable[..., KeyCache], kv_stub: Any) -> None:
    kv_stub.set_secret("k", "x")
    kv_stub.outage = True
    with pytest.raises(SecretUnavailableError, match="a network problem") as info:
        make_cache(retries=0).get(f"{VAULT}/secrets/k")
    assert VAULT in str(info.value)


class Exploding:
    """A client of every cloud whose read raises an exception no mapping knows, quoting the body."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_secret_value(self, **kwargs: Any) -> Any:
        raise self.error

    def get_secret(self, name: str, version: Any = None, **kwargs: Any) -> Any:
        raise self.error

    def access_secret_version(self, **kwargs: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    "ref",
    [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123",
        f"{VAULT}/secrets/k",
        "projects/p-12345/secrets/k",
    ],
    ids=["aws", "azure", "gcp"],
)
@pytest.mark.parametrize("error", [RuntimeError, KeyError, json.JSONDecodeError], ids=["runtime", "key", "json"])
def test_no_sdk_exception_escapes_and_none_is_chained(ref: str, error: Any, clock: Any, sleeper: Any) -> None:
    body = '{"SecretString": "sk-test-VALUE-MUST-NOT-LEAK-partial'
    raised = error("Expecting value", body, 0) if error is json.JSONDecodeError else error(body)
    client = Exploding(raised)
    factory = SdkClientFactory(aws=lambda region: client, azure=lambda url: client, gcp=lambda: client)
    cache = KeyCache(client_factory=factory, clock=clock, sleep=sleeper, retries=0)
    with pytest.raises(SecretReadError) as info:
        cache.get(ref)
    assert_transient(info.value)
    link: Optional[BaseException] = info.value
    while link is not None:  # nothing in the chain holds the body
        assert "VALUE-MUST-NOT-LEAK" not in repr(link) + str(link) + repr(getattr(link, "doc", ""))
        link = link.__cause__ or link.__context__
