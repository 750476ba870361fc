"""KeyCache: a thread-safe TTL cache of key values with single-flight fetches, stale-while-revalidate and
stale-on-error.

A hit is one dict lookup and one clock read, without a lock: entries are replaced whole (never edited
in place, apart from the LRU timestamp), and a dict lookup is atomic. Everything else (misses,
refreshes, stale reads during a refresh, eviction, bookkeeping) happens under one lock that is never
held during a backend call.
"""

import contextlib
import logging
import os
import random
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Optional

from .clients import ClientFactory
from .errors import KeyPendingError, SecretReadError, SecretUnavailableError
from .fetch import CloudFetcher, Fetcher

__all__ = ["CacheStats", "KeyCache"]

_LOG = logging.getLogger("ai_keys.runtime")


@dataclass(frozen=True)
class CacheStats:
    """Counters of a :class:`KeyCache` since it was created (hits are not counted: they stay free)."""

    entries: int
    """Keys held now."""
    fetches: int
    """Backend read attempts, retries included."""
    failures: int
    """Backend read attempts that failed."""
    stale_served: int
    """Refreshes that failed transiently and were answered with the last good value (once per refresh)."""
    evictions: int
    """Keys dropped because ``max_entries`` was reached (least recently used first)."""
    served_during_refresh: int = 0
    """Reads of an expired key answered at once with its previous value while another thread refreshed it."""
    refreshes: int = 0
    """Backend reads started (one per miss or expiry, its retries not counted)."""
    slow_refreshes: int = 0
    """Refreshes still unanswered after ``refresh_timeout_seconds``: the reader got the last good value."""


class _Entry:
    """One cached value. Replaced whole on refresh; only ``last_used`` is written on a hit."""

    __slots__ = ("expires_at", "last_used", "stale_until", "value")

    def __init__(self, value: str, expires_at: float, stale_until: float, last_used: float) -> None:
        self.value = value
        self.expires_at = expires_at
        self.stale_until = stale_until
        self.last_used = last_used

    def __repr__(self) -> str:
        return f"_Entry(value=<hidden>, expires_at={self.expires_at:.3f}, stale_until={self.stale_until:.3f})"


class _Flight:
    """The one backend fetch in progress for a key; readers with no usable previous value wait on it.

    ``cancelled`` is set by ``invalidate``/``clear`` of that key: the fetch may have read the old value,
    so its result is handed to the readers already waiting but never stored.
    """

    __slots__ = ("cancelled", "done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Optional[str] = None
        self.error: Optional[BaseException] = None
        self.cancelled = False

    def result(self, secret_ref: str, timeout: Optional[float] = None) -> str:
        if not self.done.wait(timeout):
            raise SecretUnavailableError(
                secret_ref,
                "-",
                "Timeout",
                retryable=True,
                hint=f"the backend did not answer within {timeout:g} s (refresh_timeout_seconds)",
            )
        if self.value is not None:
            return self.value
        if isinstance(self.error, Exception):
            raise self.error
        # The fetching thread was interrupted (KeyboardInterrupt, SystemExit): don't re-raise that here.
        raise SecretUnavailableError(secret_ref, "-", "Interrupted", hint="the fetch it waited for was interrupted")


class KeyCache:
    """A cache of key values read from AWS Secrets Manager, Azure Key Vault or Google Secret Manager.

    * Values are kept for ``ttl_seconds``. A key's first expiry is shortened at random by up to
      ``jitter`` (a fraction of the TTL) so that processes started together do not refresh together;
      later refreshes come a full TTL apart, so a key costs at most one backend call per TTL.
    * At most ``max_entries`` keys are held; the least recently used one is dropped first.
    * Single flight: at most one backend read per key at a time. The reader that finds a key missing or
      expired makes that read and waits for it.
    * Stale while revalidate: while that read is in progress, other readers of the key get the last
      good value at once if it is within ``max_stale_seconds`` past its expiry (counted in
      ``stats().served_during_refresh``), even if the read then finds the key deleted or denied. Readers
      with no such value (first read, past ``max_stale_seconds``, after ``invalidate``, ``clear`` or a
      not-found / access-denied error) wait for the read and share its result.
    * Throttling, 5xx and network errors are retried ``retries`` times with exponential backoff and
      jitter (``backoff_base_seconds`` doubling up to ``backoff_max_seconds``). Not-found and
      access-denied errors are raised at once, never retried, and drop the cached value.
    * If a refresh still fails transiently, the refreshing reader gets the last good value too
      (counted in ``stats().stale_served``), and it is served for up to ``max_stale_seconds`` past its
      expiry; the backend is tried again every ``stale_retry_seconds``.
    * One refresh is bounded: no retry starts after ``refresh_timeout_seconds``, and a reader that holds
      a last good value gets it once the refresh has taken that long (the refresh goes on in the
      background and stores its result). A reader with nothing to serve waits at most that long plus
      one attempt (the client's timeout) and then gets :class:`SecretUnavailableError`.
    * ``invalidate(ref)`` affects that key only: a fetch of another key in flight still stores its result.
    * After ``fork`` the child starts with no fetch in flight and a fresh lock (values are kept).
    * Values never appear in ``repr``, logs or error messages.

    ``fetcher`` replaces how values are read (any ``Fetcher``); ``client_factory`` keeps the default
    fetcher but supplies the SDK clients. ``clock``, ``sleep`` and ``rng`` can be injected to make
    expiry and backoff deterministic in tests.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = 300.0,
        jitter: float = 0.1,
        max_entries: int = 1024,
        max_stale_seconds: float = 3600.0,
        stale_retry_seconds: float = 10.0,
        retries: int = 3,
        backoff_base_seconds: float = 0.1,
        backoff_max_seconds: float = 2.0,
        refresh_timeout_seconds: float = 5.0,
        fetcher: Optional[Fetcher] = None,
        client_factory: Optional[ClientFactory] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Optional[random.Random] = None,
    ) -> None:
        _check(ttl_seconds > 0, "ttl_seconds", "must be > 0")
        _check(0 <= jitter < 1, "jitter", "must be in [0, 1)")
        _check(max_entries >= 1, "max_entries", "must be >= 1")
        _check(max_stale_seconds >= 0, "max_stale_seconds", "must be >= 0")
        _check(stale_retry_seconds > 0, "stale_retry_seconds", "must be > 0")
        _check(retries >= 0, "retries", "must be >= 0")
        _check(refresh_timeout_seconds > 0, "refresh_timeout_seconds", "must be > 0")
        _check(
            0 <= backoff_base_seconds <= backoff_max_seconds, "backoff_base_seconds", "must be >= 0 and <= backoff_max_seconds"
        )
        if fetcher is not None and client_factory is not None:
            raise ValueError("KeyCache: pass fetcher or client_factory, not both")
        self.ttl_seconds = float(ttl_seconds)
        self.jitter = float(jitter)
        self.max_entries = int(max_entries)
        self.max_stale_seconds = float(max_stale_seconds)
        self.stale_retry_seconds = float(stale_retry_seconds)
        self.retries = int(retries)
        self.backoff_base_seconds = float(backoff_base_seconds)
        self.backoff_max_seconds = float(backoff_max_seconds)
        self.refresh_timeout_seconds = float(refresh_timeout_seconds)
        self._fetcher: Fetcher = fetcher if fetcher is not None else CloudFetcher(client_factory)
        self._clock = clock
        self._sleep = sleep
        # Jitter only spreads load; it needs no unpredictability.
        self._rng = rng or random.Random()  # noqa: S311
        self._entries: Dict[str, _Entry] = {}
        self._flights: Dict[str, _Flight] = {}
        self._lock = threading.Lock()
        self._fetches = self._failures = self._stale_served = self._evictions = 0
        self._served_during_refresh = self._refreshes = self._slow_refreshes = 0
        _CACHES.add(self)

    def get(self, secret_ref: str) -> str:
        """Return the value ``secret_ref`` points to, from the cache when fresh, else from its backend.

        Raises :class:`SecretNotFoundError`, :class:`SecretAccessDeniedError`,
        :class:`SecretUnavailableError` (no last good value to serve) or :class:`UnknownSecretRefError`.
        """
        entry = self._entries.get(secret_ref)
        if entry is not None:
            now = self._clock()
            if now < entry.expires_at:
                entry.last_used = now
                return entry.value
        return self._load(secret_ref)

    def peek(self, secret_ref: str) -> Optional[str]:
        """The value of ``secret_ref`` if it is cached and fresh, else None. Never reads the backend."""
        # The same lines as get()'s hit path, which stays inline: one call fewer on every hit.
        entry = self._entries.get(secret_ref)
        if entry is not None:
            now = self._clock()
            if now < entry.expires_at:
                entry.last_used = now
                return entry.value
        return None

    def invalidate(self, secret_ref: str) -> None:
        """Forget ``secret_ref``'s value: the next read fetches it again (past an AWS agent's cache too)."""
        # The fetcher first: a read starting once the value is gone must already skip the agent's cache.
        self._tell_fetcher((secret_ref,))
        with self._lock:
            self._entries.pop(secret_ref, None)
            # A fetch already in flight may have read the old value: later readers must not wait on it,
            # and it must not store what it read. Other keys' fetches are left alone.
            flight = self._flights.pop(secret_ref, None)
            if flight is not None:
                flight.cancelled = True

    def clear(self) -> None:
        """Forget every value (past an AWS agent's cache too)."""
        with self._lock:
            held = [*self._entries, *self._flights]
        self._tell_fetcher(held)
        with self._lock:
            self._entries.clear()
            for flight in self._flights.values():
                flight.cancelled = True
            self._flights.clear()

    def stats(self) -> CacheStats:
        """A snapshot of the cache's counters."""
        with self._lock:
            return CacheStats(
                len(self._entries),
                self._fetches,
                self._failures,
                self._stale_served,
                self._evictions,
                self._served_during_refresh,
                self._refreshes,
                self._slow_refreshes,
            )

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        # An empty cache is still a cache: keeps `cache or default` from silently swapping it.
        return True

    def __repr__(self) -> str:
        return (
            f"KeyCache(entries={len(self._entries)}, max_entries={self.max_entries}, "
            f"ttl_seconds={self.ttl_seconds:g}, max_stale_seconds={self.max_stale_seconds:g})"
        )

    def _load(self, secret_ref: str) -> str:
        with self._lock:
            entry = self._entries.get(secret_ref)
            now = self._clock()
            if entry is not None and now < entry.expires_at:
                entry.last_used = now
                return entry.value
            flight = self._flights.get(secret_ref)
            if flight is not None and entry is not None and now < entry.stale_until:
                # Another thread is refreshing and the previous value is still servable: answer now
                # rather than wait out that refresh's retries and timeouts.
                entry.last_used = now
                self._served_during_refresh += 1
                return entry.value
            leader = flight is None
            if flight is None:
                flight = self._flights[secret_ref] = _Flight()
                self._refreshes += 1
        if not leader:
            return flight.result(secret_ref, self.refresh_timeout_seconds)
        if entry is not None and now < entry.stale_until:
            return self._refresh_in_background(secret_ref, flight, entry)
        return self._lead(secret_ref, flight, entry)

    def _refresh_in_background(self, secret_ref: str, flight: _Flight, previous: _Entry) -> str:
        """Refresh in a worker thread; give the reader the result, or the last good value if it is slow.

        A hanging backend then holds no reader for longer than ``refresh_timeout_seconds``.
        """
        worker = threading.Thread(target=self._lead_quietly, args=(secret_ref, flight, previous), name="ai-keys-refresh")
        worker.daemon = True
        worker.start()
        if flight.done.wait(self.refresh_timeout_seconds):
            return flight.result(secret_ref)
        with self._lock:
            self._slow_refreshes += 1
            previous.last_used = self._clock()
        _LOG.warning(
            "refreshing %s is taking over %.3g s; serving its last good value meanwhile", secret_ref, self.refresh_timeout_seconds
        )
        return previous.value

    def _lead_quietly(self, secret_ref: str, flight: _Flight, previous: _Entry) -> None:
        # Whatever it raised is in flight.error for the readers; a worker thread has no caller to tell.
        with contextlib.suppress(BaseException):
            self._lead(secret_ref, flight, previous)

    def _lead(self, secret_ref: str, flight: _Flight, previous: Optional[_Entry]) -> str:
        """Refresh ``secret_ref`` for everyone waiting on ``flight``; the caller waits for the result."""
        try:
            flight.value = self._refresh(secret_ref, previous, flight)
            return flight.value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                if self._flights.get(secret_ref) is flight:
                    del self._flights[secret_ref]
            flight.done.set()

    def _refresh(self, secret_ref: str, previous: Optional[_Entry], flight: _Flight) -> str:
        try:
            value = self._fetch(secret_ref)
        except SecretReadError as exc:
            now = self._clock()
            if exc.retryable and previous is not None and now < previous.stale_until:
                retry_at = min(now + self.stale_retry_seconds, previous.stale_until)
                with self._lock:
                    self._stale_served += 1
                    if not flight.cancelled:
                        self._store(secret_ref, _Entry(previous.value, retry_at, previous.stale_until, now))
                _LOG.warning(
                    "refreshing %s failed (%s); serving its last good value, for up to %.0f s more",
                    secret_ref,
                    exc.code,
                    previous.stale_until - now,
                )
                return previous.value
            with self._lock:
                if not flight.cancelled:
                    self._entries.pop(secret_ref, None)
            raise
        with self._lock:
            now = self._clock()
            ttl = self.ttl_seconds
            if previous is None:
                # Only a key's first expiry is jittered: that spreads processes started together, and
                # later refreshes every full TTL keep them spread at one backend call per TTL at most.
                ttl *= 1.0 - self.jitter * self._rng.random()
            expires_at = now + ttl
            if not flight.cancelled:
                self._store(secret_ref, _Entry(value, expires_at, expires_at + self.max_stale_seconds, now))
        return value

    def _fetch(self, secret_ref: str) -> str:
        attempt = 0
        deadline = self._clock() + self.refresh_timeout_seconds
        while True:
            try:
                value = self._fetcher(secret_ref)
            except SecretReadError as exc:
                with self._lock:
                    self._fetches += 1
                    self._failures += 1
                if not exc.retryable:
                    raise
                delay = self._backoff(attempt)
                if attempt >= self.retries or self._clock() + delay >= deadline:
                    # Keep the kind (e.g. MissingCredentialsError) and its hint: they say what to fix.
                    kind = type(exc) if isinstance(exc, SecretUnavailableError) else SecretUnavailableError
                    hint = "; ".join(h for h in (exc.hint, f"gave up after {attempt + 1} attempts") if h)
                    raise kind(secret_ref, exc.cloud, exc.code, retryable=True, hint=hint) from exc
                attempt += 1
                _LOG.debug("reading %s failed (%s); retry %d of %d in %.3f s", secret_ref, exc.code, attempt, self.retries, delay)
                self._sleep(delay)
                continue
            with self._lock:
                self._fetches += 1
            if not isinstance(value, str):
                raise TypeError(f"the fetcher returned {type(value).__name__} for {secret_ref}, not str")
            if value == _placeholder():
                # Not a key: the rotator has not made the first one yet. Raised, never cached nor retried.
                raise KeyPendingError(secret_ref, _cloud_of(secret_ref))
            return value

    def _tell_fetcher(self, secret_refs: "Iterable[str]") -> None:
        # A fetcher reading through a cache of its own (the AWS agent's) skips it on the next read of these keys.
        invalidate = getattr(self._fetcher, "invalidate", None)
        if callable(invalidate):
            for secret_ref in secret_refs:
                invalidate(secret_ref)

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": never less than half the step, so retries stay spaced out.
        step = min(self.backoff_max_seconds, self.backoff_base_seconds * 2.0**attempt)
        with self._lock:
            return step / 2 + self._rng.random() * step / 2

    def _store(self, secret_ref: str, entry: _Entry) -> None:
        # Caller holds the lock. LRU by last_used: an O(n) scan, but only when a new key meets a full
        # cache, and that path is already paying for a backend call.
        entries = self._entries
        if secret_ref not in entries and len(entries) >= self.max_entries:
            victim = min(entries, key=lambda ref: entries[ref].last_used)
            del entries[victim]
            self._evictions += 1
        entries[secret_ref] = entry


_PLACEHOLDER: Optional[str] = None


def _placeholder() -> str:
    """``ai_keys.rotation.PLACEHOLDER``, imported on the first read (the rotation package loads no SDK, but an app
    that only reads keys imports nothing it does not use)."""
    global _PLACEHOLDER
    if _PLACEHOLDER is None:
        from ..rotation.rotator.engine import PLACEHOLDER

        _PLACEHOLDER = PLACEHOLDER
    return _PLACEHOLDER


def _cloud_of(secret_ref: str) -> str:
    """The cloud a reference names, or "-" for one only a custom fetcher knows."""
    from .fetch import cloud_of

    return cloud_of(secret_ref)


def _check(ok: bool, name: str, rule: str) -> None:
    if not ok:
        raise ValueError(f"KeyCache {name} {rule}")


_CACHES: "weakref.WeakSet[KeyCache]" = weakref.WeakSet()


def _reset_after_fork() -> None:
    # Only the forking thread survives in the child: fetches other threads had in flight will never
    # finish there, and the lock may have been held by one of them.
    for cache in list(_CACHES):
        cache._lock = threading.Lock()
        cache._flights = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
