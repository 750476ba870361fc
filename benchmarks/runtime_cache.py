"""Benchmark: ai-keys' KeyCache vs aws_secretsmanager_caching.SecretCache on the same local backend.

Run with ``python benchmarks/runtime_cache.py``. It starts a moto server on 127.0.0.1, creates one
secret, and measures, for both caches:

* the cold read (first read, goes to the backend);
* the warm hit: mean ns per read over a tight loop of ``--reads`` reads (no timer inside the loop);
* the backend calls those reads cost, counted with a botocore ``before-call`` hook on each client;
* the backend calls when 16 threads read the same uncached key at once;
* the backend calls per TTL once warm, reading every 2 ms for a few TTLs (both set to a 2 s TTL).

Prints a table and the warm-hit ratio. Needs the ``test`` extra (moto, aws-secretsmanager-caching).
"""

import argparse
import logging
import socket
import sys
import threading
import time
from typing import Any, Callable, Dict, List

import boto3
from aws_secretsmanager_caching import SecretCache, SecretCacheConfig
from botocore.config import Config
from moto.server import ThreadedMotoServer

from ai_keys.runtime import KeyCache, SdkClientFactory

REGION = "us-east-1"
THREADS = 16


class CallCounter:
    """Counts every Secrets Manager API call a client makes (botocore ``before-call`` event)."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, **_: Any) -> None:
        with self._lock:
            self.calls += 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def counted_client(endpoint: str) -> "tuple[Any, CallCounter]":
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name=REGION)
    client = session.client(
        "secretsmanager", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )
    counter = CallCounter()
    client.meta.events.register("before-call.secrets-manager", counter)
    return client, counter


def key_cache(endpoint: str, ttl: int = 300) -> "tuple[Callable[[str], str], CallCounter]":
    client, counter = counted_client(endpoint)
    cache = KeyCache(ttl_seconds=ttl, client_factory=SdkClientFactory(aws=lambda region: client))
    return cache.get, counter


def secret_cache(endpoint: str, ttl: int = 3600) -> "tuple[Callable[[str], str], CallCounter]":
    client, counter = counted_client(endpoint)
    cache = SecretCache(config=SecretCacheConfig(secret_refresh_interval=ttl), client=client)
    get: Callable[[str], str] = cache.get_secret_string
    return get, counter


def warm_hits(get: Callable[[str], str], arn: str, reads: int) -> Dict[str, float]:
    """Cold read time, then the tight-loop mean of ``reads`` warm reads."""
    start = time.perf_counter_ns()
    get(arn)
    cold_ns = time.perf_counter_ns() - start
    start = time.perf_counter_ns()
    for _ in range(reads):
        get(arn)
    mean_ns = (time.perf_counter_ns() - start) / reads
    return {"cold_ms": cold_ns / 1e6, "hit_ns": mean_ns}


def thread_burst(get: Callable[[str], str], arn: str) -> None:
    barrier = threading.Barrier(THREADS)

    def reader() -> None:
        barrier.wait()
        for _ in range(100):
            get(arn)

    threads = [threading.Thread(target=reader) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def calls_per_ttl(
    make: Callable[..., "tuple[Callable[[str], str], CallCounter]"],
    endpoint: str,
    arn: str,
    ttl: int,
    seconds: float,
    out: Dict[str, float],
    key: str,
) -> None:
    """Steady state: warm the key, then read it every 2 ms for ``seconds``; store calls per TTL."""
    get, counter = make(endpoint, ttl)
    get(arn)
    counter.calls = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        get(arn)
        time.sleep(0.002)
    out[key] = counter.calls / (seconds / ttl)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reads", type=int, default=100_000, help="warm reads per cache (default 100000)")
    parser.add_argument(
        "--ttl-window", type=float, default=4.0, help="seconds of steady-state reading with a 2 s TTL (default 4)"
    )
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        admin, _ = counted_client(endpoint)
        arn = admin.create_secret(Name="bench/openai", SecretString="sk-bench-" + "x" * 48)["ARN"]
        rows: Dict[str, Dict[str, float]] = {}
        for name, make in (("ai-keys KeyCache", key_cache), ("aws SecretCache", secret_cache)):
            get, counter = make(endpoint)
            row = warm_hits(get, arn, args.reads)
            row["calls"] = counter.calls
            burst_get, burst_counter = make(endpoint)
            thread_burst(burst_get, arn)
            row["burst_calls"] = burst_counter.calls
            rows[name] = row
        # Both TTL runs sleep between reads, so they share the wall-clock window side by side.
        per_ttl: Dict[str, float] = {}
        runs = [
            threading.Thread(target=calls_per_ttl, args=(make, endpoint, arn, 2, args.ttl_window, per_ttl, name))
            for name, make in (("ai-keys KeyCache", key_cache), ("aws SecretCache", secret_cache))
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        for name, value in per_ttl.items():
            rows[name]["calls_per_ttl"] = value
    finally:
        server.stop()

    ours, theirs = rows["ai-keys KeyCache"], rows["aws SecretCache"]
    lines: List[str] = [
        f"{'':44}{'ai-keys KeyCache':>18}{'aws SecretCache':>18}",
        f"{'cold read (ms)':44}{ours['cold_ms']:>18.1f}{theirs['cold_ms']:>18.1f}",
        f"{f'warm hit, mean ns over {args.reads:,} reads':44}{ours['hit_ns']:>18,.0f}{theirs['hit_ns']:>18,.0f}",
        f"{f'backend calls for {args.reads:,} reads (cold incl.)':44}{ours['calls']:>18.0f}{theirs['calls']:>18.0f}",
        f"{f'backend calls, {THREADS} threads on a cold key':44}{ours['burst_calls']:>18.0f}{theirs['burst_calls']:>18.0f}",
        f"{'backend calls per TTL (2 s TTL, steady state)':44}{ours['calls_per_ttl']:>18.2f}{theirs['calls_per_ttl']:>18.2f}",
    ]
    print("\n".join(lines))
    ratio = theirs["hit_ns"] / ours["hit_ns"]
    print(
        f"\nwarm-hit speed-up: {ratio:,.0f}x (target >= 100x); "
        f"backend calls per key per TTL: {ours['calls_per_ttl']:.2f} (target <= 1)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
