"""Benchmark: ``ai_keys.runtime`` reading keys through a fault-injecting proxy.

Run with ``python benchmarks/runtime_faults.py`` (``--seconds 60`` by default; ``--seconds 3`` is a
smoke run). It starts a moto server and, in front of it, the fault proxy of ``tests/runtime/fault_proxy.py``
on 127.0.0.1. The proxy answers a fixed, seeded mix of requests with a 5xx, a 429, a connection reset, a
body cut mid-way, a body cut short but sent as complete, an HTML page with status 200, or a hang longer
than the client's timeout. Halfway through, two keys are revoked: the proxy answers AccessDenied for them
from then on. 32 threads read 20 keys at random for the whole run, and every read is checked:

* an exception reaching a reader while that key's last good value is within ``max_stale_seconds``
  (target 0; reads of a revoked key after its denial are expected to fail and are not counted);
* a read that started after a reader saw a key's denial and still returned a value (target 0);
* backend reads of one key that returned a value within one TTL, the most over keys and time (target 1);
* backend reads of one key in flight at the same time, the most seen (target 1).

Each figure is printed on its own line with its target; the exit status is 1 if one is missed.
Needs the ``test`` extra (moto).
"""

import argparse
import collections
import importlib
import logging
import os
import random
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from ai_keys.runtime import CloudFetcher, KeyCache, SdkClientFactory, SecretAccessDeniedError, SecretReadError

REGION = "us-east-1"
KEYS = 20
THREADS = 32
REVOKED = 2
# The seeded mix: weights per answer (None forwards the request to moto untouched).
MIX = {None: 70, "5xx": 6, "429": 6, "reset": 4, "cut": 4, "short": 3, "html": 3, "hang": 4}


def _fault_proxy_class() -> Any:
    """``tests/runtime/fault_proxy.py``'s ``FaultProxy``: the benchmark uses the test suite's own stand-in."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "runtime"))
    try:
        return importlib.import_module("fault_proxy").FaultProxy
    finally:
        del sys.path[0]


class SeededMix:
    """Picks each request's answer from :data:`MIX` with one seeded generator; revoked keys are denied."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._answers = list(MIX)
        self._weights = list(MIX.values())
        self.revoked: set[str] = set()

    def __call__(self, key: str) -> Optional[str]:
        if key in self.revoked:
            return "deny"
        with self._lock:
            return self._rng.choices(self._answers, self._weights)[0]


class CountingFetcher:
    """The reader's own fetcher, counting per key: attempts, reads that returned a value, and concurrency."""

    def __init__(self, inner: CloudFetcher) -> None:
        self.inner = inner
        self.attempts: collections.Counter[str] = collections.Counter()
        self.successes: Dict[str, List[float]] = collections.defaultdict(list)
        self.max_in_flight: collections.Counter[str] = collections.Counter()
        self._in_flight: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def __call__(self, secret_ref: str) -> str:
        with self._lock:
            self.attempts[secret_ref] += 1
            self._in_flight[secret_ref] += 1
            self.max_in_flight[secret_ref] = max(self.max_in_flight[secret_ref], self._in_flight[secret_ref])
        try:
            value = self.inner(secret_ref)
        finally:
            with self._lock:
                self._in_flight[secret_ref] -= 1
        with self._lock:
            self.successes[secret_ref].append(time.monotonic())
        return value


class Tally:
    """What the readers saw."""

    def __init__(self) -> None:
        self.reads = 0
        self.errors_with_value = 0
        self.errors_before_first_value = 0
        self.expected_denials = 0
        self.values_after_denial = 0
        self.denied_seen: Dict[str, float] = {}
        self.lock = threading.Lock()


class Run:
    """One run's cache, keys and counters, shared by the reader threads."""

    def __init__(self, cache: KeyCache, refs: List[str], fetcher: CountingFetcher, until: float) -> None:
        self.cache, self.refs, self.fetcher, self.until = cache, refs, fetcher, until
        self.tally = Tally()


def read_loop(run: Run, seed: int) -> None:
    cache, refs, fetcher, tally, until = run.cache, run.refs, run.fetcher, run.tally, run.until
    max_stale, ttl = cache.max_stale_seconds, cache.ttl_seconds
    rng = random.Random(seed)
    reads = 0
    while time.monotonic() < until:
        ref = rng.choice(refs)
        started = time.monotonic()
        try:
            cache.get(ref)
        except SecretAccessDeniedError:
            with tally.lock:
                tally.expected_denials += 1
                tally.denied_seen.setdefault(ref, time.monotonic())
        except SecretReadError:
            with tally.lock:
                good = fetcher.successes.get(ref)
                if good and started < good[-1] + ttl + max_stale:
                    tally.errors_with_value += 1
                else:
                    tally.errors_before_first_value += 1
        else:
            with tally.lock:
                seen = tally.denied_seen.get(ref)
                if seen is not None and started > seen:
                    tally.values_after_denial += 1
        reads += 1
        time.sleep(0.001)
    with tally.lock:
        tally.reads += reads


def max_per_ttl(times: List[float], ttl: float) -> int:
    """The most of ``times`` inside any window of length ``ttl`` (half-open)."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= ttl:
            start += 1
        best = max(best, end - start + 1)
    return best


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the 32 readers run (default 60)")
    parser.add_argument("--ttl", type=float, default=2.0, help="the cache's TTL in seconds (default 2)")
    parser.add_argument("--seed", type=int, default=13, help="seed of the fault mix (default 13)")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("ai_keys").setLevel(logging.ERROR)  # one warning per stale value would flood the run
    fault_proxy = _fault_proxy_class()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    mix = SeededMix(args.seed)
    proxy = fault_proxy(f"http://{host}:{port}", mix, hang_seconds=2.0).start()
    try:
        session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name=REGION)
        admin = session.client("secretsmanager", endpoint_url=f"http://{host}:{port}")
        refs = [admin.create_secret(Name=f"bench/k{i}", SecretString=f"sk-bench-{i:02d}-" + "x" * 40)["ARN"] for i in range(KEYS)]
        timeouts = {"connect_timeout": 0.5, "read_timeout": 0.5}
        config = Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=THREADS, **timeouts)
        client = session.client("secretsmanager", endpoint_url=proxy.url, config=config)
        fetcher = CountingFetcher(CloudFetcher(SdkClientFactory(aws=lambda region: client)))
        max_stale = 3600.0
        cache = KeyCache(
            fetcher=fetcher,
            ttl_seconds=args.ttl,
            jitter=0.0,
            max_stale_seconds=max_stale,
            stale_retry_seconds=min(0.5, args.ttl / 2),
            retries=3,
            backoff_base_seconds=0.02,
            backoff_max_seconds=0.2,
            refresh_timeout_seconds=1.0,
        )
        start = time.monotonic()
        run = Run(cache, refs, fetcher, start + args.seconds)
        tally = run.tally
        readers = [threading.Thread(target=read_loop, args=(run, args.seed * 1000 + i)) for i in range(THREADS)]
        for reader in readers:
            reader.start()
        time.sleep(args.seconds / 2)
        mix.revoked.update(refs[:REVOKED])
        for reader in readers:
            reader.join()
        elapsed = time.monotonic() - start
    finally:
        proxy.stop()
        moto.stop()

    per_ttl = max(max_per_ttl(fetcher.successes[ref], args.ttl) for ref in refs)
    concurrent = max(fetcher.max_in_flight[ref] for ref in refs)
    stats = cache.stats()
    injected = ", ".join(f"{name} {count}" for name, count in sorted(proxy.injected.items()))
    print(f"{tally.reads:,} reads by {THREADS} threads on {KEYS} keys in {elapsed:.1f} s; TTL {args.ttl:g} s, seed {args.seed}")
    print(f"backend attempts {sum(fetcher.attempts.values()):,}; faults injected: {injected}")
    print(
        f"stale values served {stats.stale_served:,}, served during a refresh {stats.served_during_refresh:,}, "
        f"slow refreshes {stats.slow_refreshes:,}; first reads that failed (no value yet) {tally.errors_before_first_value}; "
        f"denials seen for the {REVOKED} revoked keys {tally.expected_denials:,}"
    )
    figures = [
        ("exceptions reaching readers while a last good value was servable", tally.errors_with_value, 0),
        ("reads returning a value after access was denied", tally.values_after_denial, 0),
        ("backend reads returning a value per key per TTL (max)", per_ttl, 1),
        ("concurrent backend reads per key (max)", concurrent, 1),
    ]
    for name, value, target in figures:
        print(f"{name}: {value} (target <= {target})")
    denied_all = all(ref in tally.denied_seen for ref in refs[:REVOKED])
    print(f"every revoked key was reported denied: {'yes' if denied_all else 'no'} (target yes)")
    return 0 if denied_all and all(value <= target for _, value, target in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
