"""Benchmark: ai-keys' KeyCache vs aws_secretsmanager_caching.SecretCache on the same local backend.

Run with ``python benchmarks/runtime_cache.py``. It starts a moto server on 127.0.0.1, creates one
secret, and measures, for both caches:

* the cold read (first read, goes to the backend);
* the warm hit: mean ns per read over a tight loop of ``--reads`` reads (no timer inside the loop);
* the backend calls those reads cost, counted with a botocore ``before-call`` hook on each client;
* the backend calls when 16 threads read the same uncached key at once;
* the backend calls per TTL once warm, reading every 2 ms for a few TTLs (both set to a 2 s TTL).

Then, for AI SDKs (``ai_keys.runtime.providers``), each beside a plain dict lookup measured in the same run:

* a warm ``key_provider()`` call (target <= 1 us) and a warm ``await aresolve()`` (target <= 3 us);
* the backend calls when 1,000 coroutines await one cold key (target exactly 1);
* an end-to-end rotation: 4 openai clients in threads request a local stand-in vendor every 2 ms while the
  key is rotated in the store; the most refused attempts of one client (target <= 1, each retried) and the
  requests that failed as the app sees them (target 0).

Prints a table and the figures with their targets. Needs the ``test`` extra (moto,
aws-secretsmanager-caching, openai).
"""

import argparse
import asyncio
import importlib
import logging
import os
import socket
import sys
import threading
import time
from typing import Any, Callable, Dict, List

import boto3
from aws_secretsmanager_caching import SecretCache, SecretCacheConfig
from botocore.config import Config
from moto.server import ThreadedMotoServer

from ai_keys.runtime import KeyCache, SdkClientFactory, aresolve, auth_refresh_hook, key_provider

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


def tight_loop_ns(call: Callable[[], object], reads: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(reads):
        call()
    return (time.perf_counter_ns() - start) / reads


async def _awaited_ns(make: Callable[[], Any], reads: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(reads):
        await make()
    return (time.perf_counter_ns() - start) / reads


def provider_figures(endpoint: str, arn: str, reads: int) -> Dict[str, float]:
    """Warm key_provider() and aresolve() beside a dict lookup, and 1,000 coroutines on a cold key."""
    client, _ = counted_client(endpoint)
    cache = KeyCache(client_factory=SdkClientFactory(aws=lambda region: client))
    provider = key_provider(arn, cache=cache)
    plain = {arn: provider()}

    def lookup() -> str:
        return plain[arn]

    async def dict_coroutine() -> str:
        return plain[arn]

    out = {
        "dict_ns": tight_loop_ns(lookup, reads),
        "provider_ns": tight_loop_ns(provider, reads),
        "dict_await_ns": asyncio.run(_awaited_ns(dict_coroutine, reads)),
        "aresolve_ns": asyncio.run(_awaited_ns(lambda: aresolve(arn, cache=cache), reads)),
    }
    cold_client, cold_counter = counted_client(endpoint)
    cold = KeyCache(client_factory=SdkClientFactory(aws=lambda region: cold_client))

    async def thousand() -> None:
        await asyncio.gather(*(aresolve(arn, cache=cold) for _ in range(1000)))

    asyncio.run(thousand())
    out["coroutine_calls"] = cold_counter.calls
    return out


def _vendor_class() -> Any:
    """``tests/runtime/fake_vendor.py``'s ``Vendor``: the benchmark uses the test suite's own stand-in."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "runtime"))
    try:
        return importlib.import_module("fake_vendor").Vendor
    finally:
        del sys.path[0]


def rotation_figures(endpoint: str, admin: Any, clients: int = 4, requests: int = 40) -> Dict[str, float]:
    """4 openai clients (key_provider + auth_refresh_hook) in threads while the key is rotated in the store."""
    import openai

    old, new = "sk-bench-old-" + "o" * 40, "sk-bench-new-" + "n" * 40
    arn = admin.create_secret(Name="bench/rotated", SecretString=old)["ARN"]
    vendor = _vendor_class()(old)
    client, _ = counted_client(endpoint)
    cache = KeyCache(client_factory=SdkClientFactory(aws=lambda region: client))  # TTL 5 min: only a 401 refreshes
    failures: List[BaseException] = []
    made = [0] * clients

    def run(index: int) -> None:
        sdk = openai.OpenAI(
            api_key=key_provider(arn, cache=cache),
            base_url=vendor.url + "/v1",
            default_headers={"x-client": f"c{index}"},
            http_client=openai.DefaultHttpxClient(event_hooks={"response": [auth_refresh_hook(arn, cache=cache)]}),
        )
        for _ in range(requests):
            try:
                sdk.models.list()
            except Exception as exc:  # counted: the app would have seen it
                failures.append(exc)
            made[index] += 1
            time.sleep(0.002)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    try:
        for thread in threads:
            thread.start()
        while min(made) < requests // 4:
            time.sleep(0.002)
        admin.put_secret_value(SecretId=arn, SecretString=new)
        with vendor.lock:
            vendor.key = new
        for thread in threads:
            thread.join()
    finally:
        vendor.stop()
    refused = [sum(1 for who, _, status in vendor.seen if who == f"c{i}" and status != 200) for i in range(clients)]
    return {"max_refused": max(refused), "refused": sum(refused), "app_failures": len(failures), "requests": len(vendor.seen)}


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
        sdk = provider_figures(endpoint, arn, args.reads)
        sdk.update(rotation_figures(endpoint, admin))
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
    print(f"\nfor AI SDKs (mean ns over {args.reads:,} calls; a plain dict lookup and a SecretCache hit beside):")
    print(
        f"warm key_provider() call: {sdk['provider_ns']:,.0f} ns (target <= 1,000 ns); dict lookup {sdk['dict_ns']:,.0f} ns "
        f"({sdk['provider_ns'] / sdk['dict_ns']:,.1f}x), SecretCache hit {theirs['hit_ns']:,.0f} ns "
        f"({theirs['hit_ns'] / sdk['provider_ns']:,.0f}x slower than key_provider)"
    )
    print(
        f"warm await aresolve(): {sdk['aresolve_ns']:,.0f} ns (target <= 3,000 ns); awaiting a coroutine doing a dict "
        f"lookup {sdk['dict_await_ns']:,.0f} ns ({sdk['aresolve_ns'] / sdk['dict_await_ns']:,.1f}x)"
    )
    print(f"backend calls, 1,000 coroutines awaiting one cold key: {sdk['coroutine_calls']:.0f} (target exactly 1)")
    print(
        f"rotation, 4 openai clients, {sdk['requests']:.0f} requests: most refused attempts of one client "
        f"{sdk['max_refused']:.0f} (target <= 1, each retried at once), {sdk['refused']:.0f} in all; "
        f"requests failed as the app sees them: {sdk['app_failures']:.0f} (target 0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
