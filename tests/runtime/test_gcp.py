"""Reading Google Secret Manager keys through KeyCache, against drongo served over REST on 127.0.0.1."""

import threading
from typing import Any, Callable, List

import pytest

from ai_keys.runtime import (
    KeyCache,
    SdkClientFactory,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
)


def access_path(secret: str, version: str = "latest") -> str:
    return f"/v1/{secret}/versions/{version}:access"


def test_miss_then_hit_with_latest_implied(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    secret = make_gcp_secret(value)
    cache = make_cache()
    assert cache.get(secret) == value
    assert cache.get(f"{secret}/versions/latest") == value
    assert [cache.get(secret) for _ in range(50)] == [value] * 50
    assert gcp_faults.reads[access_path(secret)] == 2  # two refs, one read each


def test_new_version_is_picked_up_after_the_ttl_and_pinned_versions_stay(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_admin: Any,
    clock: Any,
    new_value: Callable[[], str],
) -> None:
    old, new = new_value(), new_value()
    secret = make_gcp_secret(old)
    cache = make_cache(ttl_seconds=60, jitter=0)
    assert cache.get(secret) == old
    gcp_admin.add_secret_version(parent=secret, payload={"data": new.encode()})
    clock.advance(59)
    assert cache.get(secret) == old
    clock.advance(2)
    assert cache.get(secret) == new
    assert cache.get(f"{secret}/versions/1") == old
    assert cache.get(f"{secret}/versions/2") == new


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    sleeper: Any,
    new_value: Callable[[], str],
    status: int,
) -> None:
    value = new_value()
    secret = make_gcp_secret(value)
    gcp_faults.fail_next = [status, status]
    cache = make_cache(retries=3)
    assert cache.get(secret) == value
    assert gcp_faults.reads[access_path(secret)] == 3
    assert len(sleeper.delays) == 2


def test_permission_denied_is_not_retried(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    secret = make_gcp_secret(value)
    gcp_faults.fail_next = [403]
    with pytest.raises(SecretAccessDeniedError, match="secretAccessor") as info:
        make_cache(retries=3).get(secret)
    assert gcp_faults.reads[access_path(secret)] == 1
    assert sleeper.delays == []
    assert secret in str(info.value)
    assert value not in str(info.value)


def test_not_found_names_the_ref(
    make_cache: Callable[..., KeyCache],
    gcp_faults: Any,
    sleeper: Any,
) -> None:
    ref = "projects/ai-keys-test/secrets/does-not-exist/versions/latest"
    with pytest.raises(SecretNotFoundError) as info:
        make_cache().get(ref)
    assert ref in str(info.value)
    assert "404 NotFound" in str(info.value)
    assert gcp_faults.reads[access_path("projects/ai-keys-test/secrets/does-not-exist")] == 1
    assert sleeper.delays == []


def test_disabled_version_is_an_error_that_is_not_retried(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_admin: Any,
    gcp_faults: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    secret = make_gcp_secret(new_value())
    gcp_admin.disable_secret_version(name=f"{secret}/versions/1")
    with pytest.raises(SecretReadError) as info:
        make_cache().get(f"{secret}/versions/1")
    assert not info.value.retryable
    assert sleeper.delays == []


@pytest.mark.parametrize("outage", ["503", "drop"])
def test_outage_serves_the_last_good_value_then_recovers(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_admin: Any,
    gcp_faults: Any,
    clock: Any,
    sleeper: Any,
    new_value: Callable[[], str],
    outage: str,
) -> None:
    old, new = new_value(), new_value()
    secret = make_gcp_secret(old)
    cache = make_cache(ttl_seconds=60, jitter=0, stale_retry_seconds=10, retries=2)
    assert cache.get(secret) == old
    gcp_faults.outage = outage
    gcp_admin.add_secret_version(parent=secret, payload={"data": new.encode()})
    clock.advance(61)
    assert cache.get(secret) == old
    assert gcp_faults.reads[access_path(secret)] == 4  # 1 good + 3 failed attempts
    assert cache.stats().stale_served == 1
    gcp_faults.outage = None
    clock.advance(11)
    assert cache.get(secret) == new


def test_outage_without_a_cached_value_is_an_unavailable_error(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    new_value: Callable[[], str],
) -> None:
    secret = make_gcp_secret(new_value())
    gcp_faults.outage = "drop"
    with pytest.raises(SecretUnavailableError, match=r"ConnectionError.*gave up after 2 attempts"):
        make_cache(retries=1).get(secret)


def test_sixteen_threads_make_exactly_one_read_per_key(
    clients: SdkClientFactory,
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    new_value: Callable[[], str],
) -> None:
    values = [new_value() for _ in range(4)]
    secrets = [make_gcp_secret(v) for v in values]
    cache = KeyCache(client_factory=clients)
    start = threading.Barrier(16)
    results: List[List[str]] = []

    def reader() -> None:
        start.wait()
        results.append([cache.get(s) for s in secrets for _ in range(5)])

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [[v for v in values for _ in range(5)]] * 16
    assert dict(gcp_faults.reads) == {access_path(s): 1 for s in secrets}


def test_the_client_is_built_once(
    gcp_server: Any,
    new_gcp_client: Callable[[str], Any],
    make_gcp_secret: Callable[[str], str],
    new_value: Callable[[], str],
) -> None:
    built: List[Any] = []

    def build() -> Any:
        built.append(new_gcp_client(gcp_server[0]))
        return built[-1]

    values = [new_value() for _ in range(3)]
    secrets = [make_gcp_secret(v) for v in values]
    cache = KeyCache(client_factory=SdkClientFactory(gcp=build))
    results: List[List[str]] = []
    threads = [threading.Thread(target=lambda: results.append([cache.get(s) for s in secrets])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [values] * 8  # every thread read every key (an error in a thread would not fail the test)
    assert len(built) == 1
