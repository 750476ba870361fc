"""A key's value never shows up in reprs, logs or errors, whatever happens on the way."""

import logging
import pickle
from typing import Any, Callable, Iterator, List

import pytest

from ai_keys.runtime import KeyCache, SecretReadError

VAULT = "https://kv-ai-keys-test.vault.azure.net"


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error, its cause and its context, recursively."""
    seen: List[int] = []
    pending: List[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.append(id(current))
        yield current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def assert_hidden(value: str, cache: KeyCache, errors: List[SecretReadError], caplog: Any) -> None:
    texts = [repr(cache), str(cache), repr(cache.stats()), repr(list(cache._entries.values())), repr(cache._fetcher), caplog.text]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    for error in errors:
        for link in chain(error):
            texts += [str(link), repr(link), repr(link.args)]
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
        assert (type(copy), str(copy), copy.secret_ref, copy.code) == (type(error), str(error), error.secret_ref, error.code)
    assert all(value not in text for text in texts)
    assert all("VALUE-MUST-NOT-LEAK" not in text for text in texts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="ai_keys")
    return caplog


def exercise(
    cache: KeyCache, ref: str, missing: str, clock: Any, break_backend: Callable[[], None], fix_backend: Callable[[], None]
) -> List[SecretReadError]:
    """Miss, hit, stale-on-outage, recovery and not-found, collecting the errors raised."""
    errors: List[SecretReadError] = []
    first = cache.get(ref)
    assert cache.get(ref) is first
    break_backend()
    clock.advance(cache.ttl_seconds + 1)
    assert cache.get(ref) == first
    fix_backend()
    clock.advance(cache.stale_retry_seconds + 1)
    assert cache.get(ref) == first
    try:
        cache.get(missing)
    except SecretReadError as exc:
        errors.append(exc)
    return errors


def test_aws(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_counter: Any,
    clock: Any,
    debug_logs: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    cache = make_cache(retries=1)
    errors = exercise(
        cache,
        arn,
        arn[:-6] + "zzzzzz",
        clock,
        lambda: setattr(aws_counter, "throttle_next", 10),
        lambda: setattr(aws_counter, "throttle_next", 0),
    )
    assert "ThrottlingException" in debug_logs.text
    assert len(errors) == 1
    assert_hidden(value, cache, errors, debug_logs)


def test_gcp(
    make_cache: Callable[..., KeyCache],
    make_gcp_secret: Callable[[str], str],
    gcp_faults: Any,
    clock: Any,
    debug_logs: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    secret = make_gcp_secret(value)
    cache = make_cache(retries=1)
    errors = exercise(
        cache,
        secret,
        secret + "-missing",
        clock,
        lambda: setattr(gcp_faults, "outage", "503"),
        lambda: setattr(gcp_faults, "outage", None),
    )
    assert "ServiceUnavailable" in debug_logs.text
    assert len(errors) == 1
    assert_hidden(value, cache, errors, debug_logs)


def test_azure(
    make_cache: Callable[..., KeyCache], kv_stub: Any, clock: Any, debug_logs: Any, new_value: Callable[[], str]
) -> None:
    value = new_value()
    kv_stub.set_secret("k", value)
    cache = make_cache(retries=1)
    errors = exercise(
        cache,
        f"{VAULT}/secrets/k",
        f"{VAULT}/secrets/missing",
        clock,
        lambda: setattr(kv_stub, "outage", True),
        lambda: setattr(kv_stub, "outage", False),
    )
    kv_stub.deny = True
    cache.clear()
    with pytest.raises(SecretReadError) as denied:
        cache.get(f"{VAULT}/secrets/k")
    assert "ServiceRequestError" in debug_logs.text
    assert_hidden(value, cache, [*errors, denied.value], debug_logs)
