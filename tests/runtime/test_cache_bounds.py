"""Per-key invalidation, a bounded client memo, a bounded refresh time, and fork safety."""

import os
import threading
import time
from typing import Any, Dict, List

import pytest

from ai_keys.runtime import (
    KeyCache,
    SdkClientFactory,
    SecretAccessDeniedError,
    SecretUnavailableError,
)

A = "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbC123"
B = "arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbC123"


class GatedFetcher:
    """Answers ``values[ref]``; a ref in ``gates`` blocks until its gate opens; ``errors[ref]`` are raised."""

    def __init__(self, values: Dict[str, str]) -> None:
        self.values = dict(values)
        self.calls: Dict[str, int] = {}
        self.gates: Dict[str, threading.Event] = {}
        self.entered: Dict[str, threading.Event] = {}
        self.errors: Dict[str, List[Exception]] = {}
        self._lock = threading.Lock()

    def gate(self, ref: str) -> threading.Event:
        self.gates[ref] = threading.Event()
        self.entered[ref] = threading.Event()
        return self.gates[ref]

    def __call__(self, ref: str) -> str:
        with self._lock:
            self.calls[ref] = self.calls.get(ref, 0) + 1
            gate, entered = self.gates.get(ref), self.entered.get(ref)
            error = self.errors[ref].pop(0) if self.errors.get(ref) else None
        if gate is not None and entered is not None:
            entered.set()
            assert gate.wait(10)
        if error is not None:
            raise error
        return self.values[ref]


def in_thread(target: Any) -> "tuple[threading.Thread, List[Any]]":
    out: List[Any] = []

    def run() -> None:
        try:
            out.append(target())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def throttled(ref: str) -> SecretUnavailableError:
    return SecretUnavailableError(ref, "aws", "ThrottlingException", retryable=True)


# ------------------------------------------------------------------------------ per-key invalidation


def test_invalidating_one_key_keeps_another_keys_fetch_in_flight() -> None:
    fetcher = GatedFetcher({A: "a-1", B: "b-1"})
    cache = KeyCache(fetcher=fetcher)
    gate = fetcher.gate(A)
    thread, out = in_thread(lambda: cache.get(A))
    assert fetcher.entered[A].wait(5)
    cache.invalidate(B)
    gate.set()
    thread.join(10)
    assert out == ["a-1"]
    fetcher.gates.clear()
    assert cache.get(A) == "a-1"
    assert fetcher.calls[A] == 1  # stored, not thrown away because B was invalidated


def test_an_outage_keeps_its_retry_spacing_when_another_key_is_invalidated(clock: Any, sleeper: Any) -> None:
    fetcher = GatedFetcher({A: "a-1"})
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, ttl_seconds=60, jitter=0, retries=0, stale_retry_seconds=10)
    assert cache.get(A) == "a-1"
    clock.advance(61)
    fetcher.errors[A] = [throttled(A)] * 10
    gate = fetcher.gate(A)
    thread, out = in_thread(lambda: cache.get(A))
    assert fetcher.entered[A].wait(5)
    cache.invalidate(B)
    gate.set()
    thread.join(10)
    assert out == ["a-1"]
    fetcher.gates.clear()
    assert [cache.get(A) for _ in range(5)] == ["a-1"] * 5
    assert fetcher.calls[A] == 2  # the first read and one failed refresh; the 5 reads waited for the spacing


def test_a_denied_refresh_drops_the_value_even_when_another_key_is_invalidated(clock: Any, sleeper: Any) -> None:
    fetcher = GatedFetcher({A: "a-revoked"})
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, ttl_seconds=60, jitter=0, retries=0)
    assert cache.get(A) == "a-revoked"
    clock.advance(61)
    fetcher.errors[A] = [SecretAccessDeniedError(A, "aws", "AccessDeniedException")]
    gate = fetcher.gate(A)
    thread, out = in_thread(lambda: cache.get(A))
    assert fetcher.entered[A].wait(5)
    cache.invalidate(B)
    gate.set()
    thread.join(10)
    assert [type(e) for e in out] == [SecretAccessDeniedError]
    # The next refresh of A: a reader arriving meanwhile must not get the revoked value.
    fetcher.errors[A] = [SecretAccessDeniedError(A, "aws", "AccessDeniedException")]
    gate = fetcher.gate(A)
    leader, _ = in_thread(lambda: cache.get(A))
    assert fetcher.entered[A].wait(5)
    follower, seen = in_thread(lambda: cache.get(A))
    time.sleep(0.05)
    gate.set()
    leader.join(10)
    follower.join(10)
    assert [type(e) for e in seen] == [SecretAccessDeniedError]


# ------------------------------------------------------------------------------ bounded client memo


def test_the_client_memo_is_bounded() -> None:
    built: List[str] = []

    def build(vault_url: str) -> Any:
        built.append(vault_url)
        return object()

    factory = SdkClientFactory(azure=build, max_clients=16)
    for i in range(10_000):
        factory.azure(f"https://kv-{i}.vault.azure.net")
    assert factory.client_count == 16
    assert len(built) == 10_000
    recent = factory.azure("https://kv-9999.vault.azure.net")
    assert factory.azure("https://kv-9999.vault.azure.net") is recent
    assert len(built) == 10_000  # the most recent ones are kept
    assert SdkClientFactory().max_clients == 32


def test_a_discarded_client_is_built_again() -> None:
    factory = SdkClientFactory(gcp=object)
    first = factory.gcp()
    assert factory.gcp() is first
    factory.discard(first)
    assert factory.gcp() is not first


# ------------------------------------------------------------------------------ bounded refresh time


def test_a_hanging_refresh_serves_the_last_good_value_after_the_refresh_timeout(clock: Any, sleeper: Any) -> None:
    fetcher = GatedFetcher({A: "a-1"})
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, ttl_seconds=60, jitter=0, refresh_timeout_seconds=0.2)
    assert cache.get(A) == "a-1"
    clock.advance(61)
    fetcher.values[A] = "a-2"
    gate = fetcher.gate(A)  # the backend hangs
    try:
        start = time.monotonic()
        assert cache.get(A) == "a-1"
        assert time.monotonic() - start < 2.0
        assert cache.get(A) == "a-1"  # others are served at once meanwhile
        assert cache.stats().slow_refreshes == 1
    finally:
        gate.set()
    assert wait_until(lambda: A not in cache._flights)
    assert cache.get(A) == "a-2"  # the refresh went on and stored its result
    assert fetcher.calls[A] == 2


def test_no_retry_starts_after_the_refresh_timeout(clock: Any, sleeper: Any) -> None:
    fetcher = GatedFetcher({})
    fetcher.errors[A] = [throttled(A)] * 50
    cache = KeyCache(
        fetcher=fetcher,
        clock=clock,
        sleep=sleeper,
        retries=40,
        backoff_base_seconds=1,
        backoff_max_seconds=1,
        refresh_timeout_seconds=5,
    )
    with pytest.raises(SecretUnavailableError, match="gave up after"):
        cache.get(A)
    assert sum(sleeper.delays) < 5
    assert fetcher.calls[A] < 12


def test_refresh_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="refresh_timeout_seconds"):
        KeyCache(refresh_timeout_seconds=0)


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


# ------------------------------------------------------------------------------ fork


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_during_a_fetch_reads_without_hanging() -> None:
    fetcher = GatedFetcher({A: "a-1"})
    cache = KeyCache(fetcher=fetcher)
    gate = fetcher.gate(A)
    thread, out = in_thread(lambda: cache.get(A))
    assert fetcher.entered[A].wait(5)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the fetching thread does not exist here
        fetcher.gates.clear()
        try:
            answer = cache.get(A).encode()
        except BaseException as exc:  # report anything to the parent
            answer = type(exc).__name__.encode()
        os.write(write_end, answer)
        os._exit(0)
    os.close(write_end)
    try:
        assert wait_until(lambda: os.waitpid(pid, os.WNOHANG) != (0, 0), timeout=10), "the child hung"
        assert os.read(read_end, 100) == b"a-1"
    finally:
        os.close(read_end)
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        gate.set()
        thread.join(10)
    assert out == ["a-1"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_starts_with_no_sdk_clients() -> None:
    factory = SdkClientFactory(gcp=object)
    factory.gcp()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write_end, str(factory.client_count).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 10) == b"0"
    os.close(read_end)
    assert factory.client_count == 1
