"""aresolve and the key providers: shared cache, single flight across coroutines, no blocked event loop."""

import asyncio
import itertools
import threading
import time
from typing import Any, List

import pytest

import ai_keys.runtime as runtime
from ai_keys.runtime import (
    KeyCache,
    SecretAccessDeniedError,
    SecretUnavailableError,
    akey_provider,
    aresolve,
    key_provider,
)

REF = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123"


class SlowFetcher:
    """Answers ``value`` after ``delay`` seconds, counting calls and the threads that made them."""

    def __init__(self, value: str = "value-1", delay: float = 0.0) -> None:
        self.value, self.delay = value, delay
        self.calls = 0
        self.threads: List[int] = []
        self.errors: List[Exception] = []
        self._lock = threading.Lock()

    def __call__(self, ref: str) -> str:
        with self._lock:
            self.calls += 1
            self.threads.append(threading.get_ident())
            error = self.errors.pop(0) if self.errors else None
        time.sleep(self.delay)
        if error is not None:
            raise error
        return self.value


def test_a_thousand_coroutines_on_a_cold_key_make_one_backend_call() -> None:
    fetcher = SlowFetcher(delay=0.05)
    cache = KeyCache(fetcher=fetcher)

    async def main() -> List[str]:
        return await asyncio.gather(*(aresolve(REF, cache=cache) for _ in range(1000)))

    assert asyncio.run(main()) == ["value-1"] * 1000
    assert fetcher.calls == 1


def test_the_event_loop_keeps_running_while_a_key_is_read() -> None:
    fetcher = SlowFetcher(delay=0.2)
    cache = KeyCache(fetcher=fetcher)
    ticks: List[float] = []

    async def ticker() -> None:
        for _ in range(10):
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    async def main() -> str:
        value, _ = await asyncio.gather(aresolve(REF, cache=cache), ticker())
        return value

    loop_thread = threading.get_ident()
    assert asyncio.run(main()) == "value-1"
    assert len(ticks) == 10
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.15  # never stalled for the 0.2 s read
    assert fetcher.threads != [loop_thread]  # the SDK call ran in a worker thread


def test_a_warm_key_is_answered_without_a_thread() -> None:
    fetcher = SlowFetcher()
    cache = KeyCache(fetcher=fetcher)
    assert cache.get(REF) == "value-1"  # warmed by the sync reader: one cache for both

    async def main() -> List[str]:
        return [await aresolve(REF, cache=cache) for _ in range(100)]

    assert asyncio.run(main()) == ["value-1"] * 100
    assert fetcher.calls == 1


def test_coroutines_and_threads_share_one_read() -> None:
    fetcher = SlowFetcher(delay=0.1)
    cache = KeyCache(fetcher=fetcher)
    results: List[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(REF))) for _ in range(8)]
    for thread in threads:
        thread.start()

    async def main() -> List[str]:
        return await asyncio.gather(*(aresolve(REF, cache=cache) for _ in range(50)))

    assert asyncio.run(main()) == ["value-1"] * 50
    for thread in threads:
        thread.join(5)
    assert results == ["value-1"] * 8
    assert fetcher.calls == 1


def test_errors_and_stale_values_follow_resolves_rules(clock: Any, sleeper: Any) -> None:
    fetcher = SlowFetcher()
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, ttl_seconds=60, jitter=0, retries=0)
    assert asyncio.run(aresolve(REF, cache=cache)) == "value-1"
    clock.advance(61)
    fetcher.errors = [SecretUnavailableError(REF, "aws", "ThrottlingException", retryable=True)]
    assert asyncio.run(aresolve(REF, cache=cache)) == "value-1"  # stale on a transient error
    clock.advance(11)
    fetcher.errors = [SecretAccessDeniedError(REF, "aws", "AccessDeniedException")]
    with pytest.raises(SecretAccessDeniedError):
        asyncio.run(aresolve(REF, cache=cache))
    assert len(cache) == 0


def test_cancelling_one_waiter_leaves_the_others_their_value() -> None:
    fetcher = SlowFetcher(delay=0.1)
    cache = KeyCache(fetcher=fetcher)

    async def main() -> List[str]:
        first = asyncio.ensure_future(aresolve(REF, cache=cache))
        others = [asyncio.ensure_future(aresolve(REF, cache=cache)) for _ in range(5)]
        await asyncio.sleep(0.01)
        first.cancel()
        return await asyncio.gather(*others)

    assert asyncio.run(main()) == ["value-1"] * 5
    assert fetcher.calls == 1


def test_providers_read_through_the_cache_and_follow_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    fetcher = SlowFetcher()
    cache = KeyCache(fetcher=fetcher)
    provider = key_provider(REF, cache=cache)
    assert [provider() for _ in range(1000)] == ["value-1"] * 1000
    assert fetcher.calls == 1
    assert asyncio.run(akey_provider(REF, cache=cache)()) == "value-1"
    assert "value-1" not in repr(provider)
    other = KeyCache(fetcher=SlowFetcher("value-default"))
    previous = runtime.set_default_cache(other)
    try:
        assert key_provider(REF)() == "value-default"
        assert asyncio.run(aresolve(REF)) == "value-default"
    finally:
        runtime.set_default_cache(previous)


def test_importing_the_runtime_does_not_import_asyncio() -> None:
    import subprocess
    import sys

    code = "import sys, ai_keys.runtime; print('asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "False"


def test_peek_never_reads(clock: Any) -> None:
    fetcher = SlowFetcher()
    cache = KeyCache(fetcher=fetcher, clock=clock, jitter=0, ttl_seconds=60)
    assert cache.peek(REF) is None
    cache.get(REF)
    assert cache.peek(REF) == "value-1"
    clock.advance(61)
    assert cache.peek(REF) is None
    assert fetcher.calls == 1
