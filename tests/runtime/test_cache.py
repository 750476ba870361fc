"""KeyCache behaviour with a scripted fetcher: TTL, LRU, single flight, retries, stale-on-error."""

import collections
import copy
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Union

import pytest

import ai_keys.runtime as runtime
from ai_keys.runtime import (
    KeyCache,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
    UnknownSecretRefError,
    resolve,
)

REF = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123"
REF2 = "projects/p-12345/secrets/k/versions/latest"


def throttled(ref: str) -> SecretReadError:
    return SecretUnavailableError(ref, "aws", "ThrottlingException", retryable=True)


class ScriptedFetcher:
    """Returns ``values[ref]``; ``script`` lists what the next calls raise (None = answer normally)."""

    def __init__(self, values: Dict[str, str]) -> None:
        self.values = dict(values)
        self.calls: collections.Counter[str] = collections.Counter()
        self.script: List[Optional[Union[BaseException, Callable[[str], BaseException]]]] = []
        self.gate: Optional[threading.Event] = None
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, secret_ref: str) -> str:
        with self._lock:
            self.calls[secret_ref] += 1
            step = self.script.pop(0) if self.script else None
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if step is not None:
            raise step(secret_ref) if callable(step) else step
        if secret_ref not in self.values:
            raise SecretNotFoundError(secret_ref, "aws", "ResourceNotFoundException")
        return self.values[secret_ref]


@pytest.fixture
def fetcher() -> ScriptedFetcher:
    return ScriptedFetcher({REF: "value-1", REF2: "value-2"})


@pytest.fixture
def cache(fetcher: ScriptedFetcher, clock: Any, sleeper: Any) -> KeyCache:
    return KeyCache(ttl_seconds=300, jitter=0.1, fetcher=fetcher, clock=clock, sleep=sleeper)


def test_miss_fetches_then_hits_are_served_from_memory(cache: KeyCache, fetcher: ScriptedFetcher) -> None:
    assert cache.get(REF) == "value-1"
    for _ in range(100):
        assert cache.get(REF) == "value-1"
    assert fetcher.calls[REF] == 1
    assert cache.stats().fetches == 1
    assert len(cache) == 1


def test_value_expires_within_the_jittered_ttl(cache: KeyCache, fetcher: ScriptedFetcher, clock: Any) -> None:
    cache.get(REF)
    clock.advance(300 * 0.9 - 0.001)  # jitter only shortens the first TTL, by up to 10 %
    cache.get(REF)
    assert fetcher.calls[REF] == 1
    clock.advance(300 * 0.1 + 0.002)
    cache.get(REF)
    assert fetcher.calls[REF] == 2
    clock.advance(299.9)  # later refreshes come a full TTL apart
    cache.get(REF)
    assert fetcher.calls[REF] == 2
    clock.advance(0.2)
    cache.get(REF)
    assert fetcher.calls[REF] == 3


def test_a_key_read_all_the_time_costs_at_most_one_fetch_per_ttl(fetcher: ScriptedFetcher, clock: Any) -> None:
    cache = KeyCache(ttl_seconds=60, jitter=0.5, fetcher=fetcher, clock=clock)
    for _ in range(100 * 60 * 4):  # 100 TTLs, four reads a second
        cache.get(REF)
        clock.advance(0.25)
    assert 100 <= fetcher.calls[REF] <= 101  # the cold read plus one per elapsed TTL


def test_jitter_spreads_expiry_times(fetcher: ScriptedFetcher, clock: Any) -> None:
    expiries = set()
    for _ in range(20):
        cache = KeyCache(ttl_seconds=100, jitter=0.5, fetcher=fetcher, clock=clock)
        cache.get(REF)
        expiry = cache._entries[REF].expires_at - clock()
        assert 50 <= expiry <= 100
        expiries.add(round(expiry, 6))
    assert len(expiries) > 10


def test_rotation_is_picked_up_after_the_ttl(cache: KeyCache, fetcher: ScriptedFetcher, clock: Any) -> None:
    assert cache.get(REF) == "value-1"
    fetcher.values[REF] = "value-rotated"
    assert cache.get(REF) == "value-1"
    clock.advance(301)
    assert cache.get(REF) == "value-rotated"


def test_lru_bound_evicts_the_least_recently_used_key(fetcher: ScriptedFetcher, clock: Any) -> None:
    refs = [f"projects/p-12345/secrets/k{i}" for i in range(4)]
    fetcher.values.update({ref: f"v{i}" for i, ref in enumerate(refs)})
    cache = KeyCache(max_entries=3, fetcher=fetcher, clock=clock)
    for ref in refs[:3]:
        cache.get(ref)
        clock.advance(1)
    cache.get(refs[0])  # refs[1] is now the least recently used
    clock.advance(1)
    cache.get(refs[3])
    assert len(cache) == 3
    assert set(cache._entries) == {refs[0], refs[2], refs[3]}
    assert cache.stats().evictions == 1
    cache.get(refs[1])
    assert fetcher.calls[refs[1]] == 2
    assert fetcher.calls[refs[0]] == 1


def test_invalidate_and_clear_force_a_fetch(cache: KeyCache, fetcher: ScriptedFetcher) -> None:
    cache.get(REF)
    cache.get(REF2)
    cache.invalidate(REF)
    cache.get(REF)
    cache.get(REF2)
    assert fetcher.calls == {REF: 2, REF2: 1}
    cache.clear()
    assert len(cache) == 0
    cache.get(REF2)
    assert fetcher.calls[REF2] == 2


def test_sixteen_threads_share_one_fetch_per_key(fetcher: ScriptedFetcher) -> None:
    cache = KeyCache(fetcher=fetcher)
    fetcher.gate = threading.Event()
    results: List[str] = []
    start = threading.Barrier(16)

    def reader() -> None:
        start.wait()
        results.extend([cache.get(REF), cache.get(REF2)])

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    assert fetcher.entered.wait(5)
    fetcher.gate.set()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == ["value-1"] * 16 + ["value-2"] * 16
    assert fetcher.calls == {REF: 1, REF2: 1}


class CountingEvent(threading.Event):
    """An Event that counts the threads that waited on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters = 0
        self._count_lock = threading.Lock()

    def wait(self, timeout: Optional[float] = None) -> bool:
        with self._count_lock:
            self.waiters += 1
        return super().wait(timeout)


def watch_flight(cache: KeyCache, ref: str) -> CountingEvent:
    """Swap the in-flight fetch's done-event for a counting one (before any follower arrives)."""
    event = CountingEvent()
    cache._flights[ref].done = event
    return event


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def start_blocked_refresh(cache: KeyCache, fetcher: ScriptedFetcher) -> "tuple[threading.Thread, List[Any]]":
    """Start a thread whose read of REF leads a fetch that blocks until ``fetcher.gate`` opens."""
    fetcher.gate = threading.Event()
    fetcher.entered.clear()
    outcome: List[Any] = []

    def lead() -> None:
        try:
            outcome.append(cache.get(REF))
        except SecretReadError as exc:
            outcome.append(exc)

    leader = threading.Thread(target=lead)
    leader.start()
    assert fetcher.entered.wait(5)
    return leader, outcome


def read_in_threads(cache: KeyCache, count: int) -> "tuple[List[threading.Thread], List[str]]":
    results: List[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(REF))) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def stale_cache(fetcher: ScriptedFetcher, clock: Any, sleeper: Any, **settings: Any) -> KeyCache:
    """A cache holding REF = value-1 that expired a second ago, with ten minutes of max_stale."""
    settings = {"ttl_seconds": 60, "jitter": 0, "max_stale_seconds": 600, "retries": 0, **settings}
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, **settings)
    assert cache.get(REF) == "value-1"
    clock.advance(61)
    return cache


def test_readers_get_the_previous_value_at_once_while_one_thread_refreshes(
    fetcher: ScriptedFetcher, clock: Any, sleeper: Any
) -> None:
    cache = stale_cache(fetcher, clock, sleeper)
    fetcher.values[REF] = "value-new"
    leader, outcome = start_blocked_refresh(cache, fetcher)
    try:
        readers, results = read_in_threads(cache, 8)
        for thread in readers:
            thread.join(5)
        assert not any(thread.is_alive() for thread in readers)  # none waited for the refresh
        assert results == ["value-1"] * 8
        assert leader.is_alive()  # the refresh is still blocked in the backend
        assert outcome == []
    finally:
        fetcher.gate.set()
    leader.join(10)
    assert outcome == ["value-new"]  # the refreshing reader waited for its own fetch
    assert cache.get(REF) == "value-new"
    assert fetcher.calls[REF] == 2  # the first read and one refresh, however many readers
    stats = cache.stats()
    assert (stats.served_during_refresh, stats.stale_served) == (8, 0)


def test_readers_keep_the_previous_value_while_a_failing_refresh_retries(
    fetcher: ScriptedFetcher, clock: Any, sleeper: Any
) -> None:
    cache = stale_cache(fetcher, clock, sleeper)
    fetcher.script = [throttled]
    leader, outcome = start_blocked_refresh(cache, fetcher)
    try:
        readers, results = read_in_threads(cache, 4)
        for thread in readers:
            thread.join(5)
        assert results == ["value-1"] * 4
        assert leader.is_alive()
    finally:
        fetcher.gate.set()
    leader.join(10)
    assert outcome == ["value-1"]  # transient failure: the refreshing reader gets the last good value
    assert fetcher.calls[REF] == 2
    stats = cache.stats()
    assert (stats.served_during_refresh, stats.stale_served) == (4, 1)


def test_a_denied_refresh_drops_the_value_readers_got_meanwhile(fetcher: ScriptedFetcher, clock: Any, sleeper: Any) -> None:
    cache = stale_cache(fetcher, clock, sleeper)
    fetcher.script = [SecretAccessDeniedError(REF, "aws", "AccessDeniedException")]
    leader, outcome = start_blocked_refresh(cache, fetcher)
    try:
        assert cache.get(REF) == "value-1"  # served while the refresh is still in the backend
    finally:
        fetcher.gate.set()
    leader.join(10)
    assert [type(e) for e in outcome] == [SecretAccessDeniedError]
    assert len(cache) == 0
    fetcher.gate = None
    assert cache.get(REF) == "value-1"  # read again from the backend, not from memory
    assert fetcher.calls[REF] == 3


@pytest.mark.parametrize(
    ("case", "settings", "age"),
    [
        ("first read", {}, None),
        ("past max_stale", {"max_stale_seconds": 100}, 161.0),
        ("max_stale off", {"max_stale_seconds": 0}, 61.0),
        ("after invalidate", {}, 0.0),
    ],
    ids=["first-read", "past-max-stale", "max-stale-off", "after-invalidate"],
)
def test_a_reader_with_no_usable_previous_value_waits_for_the_refresh(
    fetcher: ScriptedFetcher, clock: Any, sleeper: Any, case: str, settings: Dict[str, Any], age: Optional[float]
) -> None:
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, ttl_seconds=60, jitter=0, **settings)
    if age is not None:
        cache.get(REF)
        clock.advance(age)
    if case == "after invalidate":
        cache.invalidate(REF)
    fetcher.values[REF] = "value-new"
    leader, outcome = start_blocked_refresh(cache, fetcher)
    done = watch_flight(cache, REF)
    try:
        readers, results = read_in_threads(cache, 3)
        assert wait_for(lambda: done.waiters == 3)  # every other reader is waiting on the refresh
        assert results == []
    finally:
        fetcher.gate.set()
    for thread in [leader, *readers]:
        thread.join(10)
    assert outcome == ["value-new"]
    assert results == ["value-new"] * 3
    assert fetcher.calls[REF] == (1 if age is None else 2)
    assert cache.stats().served_during_refresh == 0


def test_waiting_readers_get_the_fetch_error_too(fetcher: ScriptedFetcher) -> None:
    cache = KeyCache(fetcher=fetcher, retries=0)
    fetcher.gate = threading.Event()
    fetcher.script = [SecretAccessDeniedError(REF, "aws", "AccessDeniedException")]
    errors: List[BaseException] = []

    def reader() -> None:
        try:
            cache.get(REF)
        except SecretReadError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    threads[0].start()
    assert fetcher.entered.wait(5)
    done = watch_flight(cache, REF)
    for thread in threads[1:]:
        thread.start()
    assert wait_for(lambda: done.waiters == 7)  # every follower is waiting on the leader's fetch
    fetcher.gate.set()
    for thread in threads:
        thread.join(10)
    assert len(errors) == 8
    assert all(isinstance(e, SecretAccessDeniedError) for e in errors)
    assert fetcher.calls[REF] == 1


def test_throttling_is_retried_with_exponential_backoff_and_jitter(fetcher: ScriptedFetcher, clock: Any, sleeper: Any) -> None:
    cache = KeyCache(fetcher=fetcher, clock=clock, sleep=sleeper, retries=3, backoff_base_seconds=0.1, backoff_max_seconds=0.3)
    fetcher.script = [throttled, throttled, throttled]
    assert cache.get(REF) == "value-1"
    assert fetcher.calls[REF] == 4
    assert len(sleeper.delays) == 3
    for delay, step in zip(sleeper.delays, [0.1, 0.2, 0.3], strict=True):
        assert step / 2 <= delay <= step
    stats = cache.stats()
    assert (stats.fetches, stats.failures) == (4, 3)


def test_retries_give_up_with_an_unavailable_error(fetcher: ScriptedFetcher, sleeper: Any) -> None:
    cache = KeyCache(fetcher=fetcher, sleep=sleeper, retries=2)
    fetcher.script = [throttled] * 5
    with pytest.raises(SecretUnavailableError, match=r"gave up after 3 attempts") as info:
        cache.get(REF)
    assert REF in str(info.value)
    assert info.value.code == "ThrottlingException"
    assert fetcher.calls[REF] == 3
    assert len(cache) == 0


@pytest.mark.parametrize(
    "error",
    [
        SecretAccessDeniedError(REF, "aws", "AccessDeniedException"),
        SecretNotFoundError(REF, "aws", "ResourceNotFoundException"),
        SecretReadError(REF, "aws", "ValidationException"),
    ],
)
def test_definitive_errors_are_never_retried(fetcher: ScriptedFetcher, sleeper: Any, error: Exception) -> None:
    cache = KeyCache(fetcher=fetcher, sleep=sleeper, retries=5)
    fetcher.script = [error]
    with pytest.raises(type(error)):
        cache.get(REF)
    assert fetcher.calls[REF] == 1
    assert sleeper.delays == []


def test_stale_value_is_served_while_the_backend_fails_then_refreshed(fetcher: ScriptedFetcher, clock: Any, sleeper: Any) -> None:
    cache = KeyCache(
        ttl_seconds=60,
        jitter=0,
        max_stale_seconds=600,
        stale_retry_seconds=10,
        retries=1,
        fetcher=fetcher,
        clock=clock,
        sleep=sleeper,
    )
    assert cache.get(REF) == "value-1"
    clock.advance(61)
    fetcher.script = [throttled] * 4
    assert cache.get(REF) == "value-1"  # refresh failed twice (1 retry): last good value served
    assert fetcher.calls[REF] == 3
    clock.advance(5)
    assert cache.get(REF) == "value-1"  # within stale_retry_seconds: no new attempt
    assert fetcher.calls[REF] == 3
    clock.advance(10)
    assert cache.get(REF) == "value-1"
    assert fetcher.calls[REF] == 5
    fetcher.values[REF] = "value-2b"
    clock.advance(10)
    assert cache.get(REF) == "value-2b"  # backend back: fresh value
    assert cache.stats().stale_served == 2


def test_stale_value_stops_being_served_after_max_stale(fetcher: ScriptedFetcher, clock: Any, sleeper: Any) -> None:
    cache = KeyCache(
        ttl_seconds=60,
        jitter=0,
        max_stale_seconds=100,
        stale_retry_seconds=30,
        retries=0,
        fetcher=fetcher,
        clock=clock,
        sleep=sleeper,
    )
    cache.get(REF)
    fetcher.script = [throttled] * 10
    clock.advance(61)
    assert cache.get(REF) == "value-1"
    clock.advance(99)  # 160 s after the fetch, i.e. max_stale past expiry
    with pytest.raises(SecretUnavailableError):
        cache.get(REF)
    assert len(cache) == 0


@pytest.mark.parametrize("error_type", [SecretNotFoundError, SecretAccessDeniedError])
def test_not_found_or_denied_on_refresh_drops_the_value(fetcher: ScriptedFetcher, clock: Any, error_type: Any) -> None:
    cache = KeyCache(ttl_seconds=60, fetcher=fetcher, clock=clock)
    cache.get(REF)
    clock.advance(61)
    fetcher.script = [error_type(REF, "aws", "x")]
    with pytest.raises(error_type):
        cache.get(REF)
    assert len(cache) == 0
    assert cache.stats().stale_served == 0


def test_unknown_reference_is_not_fetched_and_not_cached() -> None:
    cache = KeyCache()
    with pytest.raises(UnknownSecretRefError):
        cache.get("not-a-ref")
    assert len(cache) == 0
    assert cache.stats().fetches == 0


def test_a_result_fetched_before_invalidate_is_not_stored(fetcher: ScriptedFetcher) -> None:
    cache = KeyCache(fetcher=fetcher)
    fetcher.gate = threading.Event()
    result: List[str] = []
    thread = threading.Thread(target=lambda: result.append(cache.get(REF)))
    thread.start()
    assert fetcher.entered.wait(5)
    cache.invalidate(REF)  # e.g. the app learned the key was rotated, mid-fetch
    fetcher.gate.set()
    thread.join(10)
    assert result == ["value-1"]
    assert len(cache) == 0


class SlowFirstFetcher:
    """The first read returns ``old`` once ``gate`` opens; every later read returns ``new`` at once."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, secret_ref: str) -> str:
        with self._lock:
            self.calls += 1
            first = self.calls == 1
        if not first:
            return self.new
        self.entered.set()
        assert self.gate.wait(10)
        return self.old


@pytest.mark.parametrize("forget", ["invalidate", "clear"])
def test_a_read_after_invalidate_does_not_wait_for_a_fetch_started_before(forget: str) -> None:
    fetcher = SlowFirstFetcher("value-before-rotation", "value-after-rotation")
    cache = KeyCache(fetcher=fetcher)
    before: List[str] = []
    first = threading.Thread(target=lambda: before.append(cache.get(REF)))
    first.start()
    assert fetcher.entered.wait(5)
    if forget == "invalidate":
        cache.invalidate(REF)
    else:
        cache.clear()
    after: List[str] = []
    second = threading.Thread(target=lambda: after.append(cache.get(REF)))
    second.start()
    second.join(5)
    finished_before_the_old_fetch = not second.is_alive()
    fetcher.gate.set()
    first.join(10)
    second.join(10)
    assert finished_before_the_old_fetch
    assert after == ["value-after-rotation"]
    assert before == ["value-before-rotation"]
    assert cache.get(REF) == "value-after-rotation"  # the older fetch, finishing last, did not overwrite it
    assert fetcher.calls == 2


def test_hits_take_no_lock_and_copy_nothing(cache: KeyCache, fetcher: ScriptedFetcher, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.get(REF)

    class NoLock:
        def __enter__(self) -> None:
            raise AssertionError("the hit path took the lock")

        def __exit__(self, *args: Any) -> None:
            raise AssertionError("unreachable")

    def no_deepcopy(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the hit path copied")

    monkeypatch.setattr(cache, "_lock", NoLock())
    monkeypatch.setattr(copy, "deepcopy", no_deepcopy)
    for _ in range(1000):
        assert cache.get(REF) == "value-1"
    assert fetcher.calls[REF] == 1


def test_a_hit_returns_the_stored_string_object(cache: KeyCache) -> None:
    assert cache.get(REF) is cache.get(REF)


def test_interrupted_leader_does_not_leave_waiters_hanging(fetcher: ScriptedFetcher) -> None:
    cache = KeyCache(fetcher=fetcher)
    fetcher.gate = threading.Event()
    fetcher.script = [KeyboardInterrupt()]
    outcome: List[BaseException] = []

    def leader() -> None:
        try:
            cache.get(REF)
        except BaseException as exc:  # the point is to see the KeyboardInterrupt
            outcome.append(exc)

    def follower() -> None:
        try:
            cache.get(REF)
        except SecretUnavailableError as exc:
            outcome.append(exc)

    first = threading.Thread(target=leader)
    first.start()
    assert fetcher.entered.wait(5)
    done = watch_flight(cache, REF)
    second = threading.Thread(target=follower)
    second.start()
    assert wait_for(lambda: done.waiters == 1)  # the follower waits on the fetch that will be interrupted
    fetcher.gate.set()
    first.join(10)
    second.join(10)
    assert not second.is_alive()
    assert sorted(type(e).__name__ for e in outcome) == ["KeyboardInterrupt", "SecretUnavailableError"]
    assert fetcher.calls[REF] == 1


def test_a_fetcher_must_return_text(clock: Any) -> None:
    cache = KeyCache(fetcher=lambda ref: b"bytes", clock=clock)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="returned bytes"):
        cache.get(REF)


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"jitter": 1.0}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"max_entries": 0}, "max_entries"),
        ({"max_stale_seconds": -1}, "max_stale_seconds"),
        ({"stale_retry_seconds": 0}, "stale_retry_seconds"),
        ({"retries": -1}, "retries"),
        ({"backoff_base_seconds": 5, "backoff_max_seconds": 1}, "backoff_base_seconds"),
    ],
)
def test_bad_settings_are_refused_by_name(settings: Dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        KeyCache(**settings)


def test_fetcher_and_client_factory_are_exclusive(fetcher: ScriptedFetcher) -> None:
    with pytest.raises(ValueError, match="not both"):
        KeyCache(fetcher=fetcher, client_factory=runtime.SdkClientFactory())


def test_an_empty_cache_is_still_used_by_resolve(fetcher: ScriptedFetcher) -> None:
    cache = KeyCache(fetcher=fetcher)
    assert bool(cache) is True
    assert resolve(REF, cache=cache) == "value-1"
    assert fetcher.calls[REF] == 1


def test_resolve_uses_the_default_cache_which_can_be_replaced(fetcher: ScriptedFetcher) -> None:
    mine = KeyCache(fetcher=fetcher)
    previous = runtime.set_default_cache(mine)
    try:
        assert runtime.default_cache() is mine
        assert resolve(REF2) == "value-2"
        assert resolve(REF2) == "value-2"
        assert fetcher.calls[REF2] == 1
    finally:
        assert runtime.set_default_cache(previous) is mine
    with pytest.raises(TypeError, match="needs a KeyCache"):
        runtime.set_default_cache(object())  # type: ignore[arg-type]
