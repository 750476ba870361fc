"""Store calls per hour for one key read by a fleet: every replica reading the store, through node agents, or through ESO.

    python benchmarks/fleet.py                 # fleets of 100, 1,000 and 10,000 replicas
    python benchmarks/fleet.py 100             # one fleet size
    python benchmarks/fleet.py --record        # all three, written to benchmarks/results/fleet.json

Simulated time, not measured time: one simulated clock drives the real ``ai_keys.runtime.KeyCache`` of every replica
(its TTL and its jitter) and nothing sleeps, so an hour of a 10,000-replica fleet takes well under a minute and every
run gives the same counts. The replicas start within the first minute (a deploy), each reads the key every READ_EVERY
seconds (any rate above one read per TTL costs the store the same), and store calls are counted over one hour once
every cache has refreshed at least once (from WARM_UP seconds on). Three ways to deliver the key:

* **direct**: each replica's ``KeyCache`` (TTL 300 s) reads the store, as ``resolve`` does by default;
* **node agent**: one agent per PODS_PER_AGENT replicas (the AWS Secrets Manager Agent on each node, TTL 300 s),
  modelled as a ``KeyCache`` with the agent's TTL and no jitter that reads the store when a read finds its value
  expired, as the agent does; the replicas' own ``KeyCache`` (TTL 300 s) read the agent;
* **ESO**: the External Secrets Operator reads the store once per ExternalSecret ``refreshInterval`` (1 h) and writes
  a Kubernetes Secret; the replicas read the mounted Secret, which costs the store nothing.

Every cache has ``max_stale_seconds=0``: the store never fails here, so the last good value is never needed, and a
refresh then runs in the reading thread instead of a worker thread, which keeps the run deterministic. The counts are
the same either way.

Printed: store calls per hour, their ratio to the direct reads, and the cost per month (730 hours) at each cloud's
list price per 10,000 calls (PRICES, with the pages they come from; re-check them before quoting). The simulation
gives the closed forms exactly: N * 3600 / TTL (direct), ceil(N / 20) * 3600 / agent TTL (agent) and
3600 / refreshInterval (ESO); ``closed_form`` has them and the test suite compares.

Not a test: nothing here asserts, and no figure depends on how fast the machine is.
"""

import json
import math
import platform
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

from ai_keys.runtime import KeyCache

HOUR = 3600
TTL_SECONDS = 300
"""Each replica's ``KeyCache`` TTL (``resolve``'s default)."""
AGENT_TTL_SECONDS = 300
"""The node agent's cache TTL (the AWS Secrets Manager Agent's default ``ttl_seconds``)."""
PODS_PER_AGENT = 20
"""Replicas per node, so per agent."""
ESO_REFRESH_SECONDS = 3600
"""The ExternalSecret's ``refreshInterval`` (ESO's default, ``1h0m0s``)."""
READ_EVERY = 10
"""Seconds between two reads of the key by one replica; it divides both TTLs."""
START_WITHIN = 60
"""The replicas start at whole seconds within this many seconds of each other."""
WARM_UP = 900
"""Store calls are counted from here on, for one hour."""
SEED = 26
HOURS_PER_MONTH = 730
FLEETS = (100, 1_000, 10_000)
SECRET_REF = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbC123"
RESULTS = Path(__file__).resolve().parent / "results" / "fleet.json"
MODES = ("direct", "agent", "eso")
MODE_NAMES = {"direct": "direct `resolve`", "agent": f"node agent (1 per {PODS_PER_AGENT})", "eso": "ESO"}


@dataclass(frozen=True)
class Price:
    """A store's list price per 10,000 read calls, and the page it comes from."""

    store: str
    usd_per_10000: float
    page: str


PRICES = {
    "aws": Price("AWS Secrets Manager", 0.05, "https://aws.amazon.com/secrets-manager/pricing/"),
    "gcp": Price("Google Secret Manager", 0.03, "https://cloud.google.com/secret-manager/pricing"),
    "azure": Price("Azure Key Vault (Standard)", 0.03, "https://azure.microsoft.com/pricing/details/key-vault/"),
}
"""List prices (USD) per 10,000 calls: GetSecretValue, AccessSecretVersion and secret operations. Free tiers are not
subtracted (Google Secret Manager's first 10,000 access operations a month are free)."""


class Clock:
    """The simulated clock every cache reads."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        """The simulated time, in seconds."""
        return self.now


class Counted:
    """Counts its calls made within the counted hour, and passes them on to ``read``."""

    def __init__(self, clock: Clock, read: Callable[[str], str]) -> None:
        self.clock = clock
        self.read = read
        self.calls = 0

    def __call__(self, secret_ref: str) -> str:
        """``read(secret_ref)``, counted when it falls within the counted hour."""
        if WARM_UP <= self.clock.now < WARM_UP + HOUR:
            self.calls += 1
        return self.read(secret_ref)


def _store(secret_ref: str) -> str:
    return "sk-fleet-benchmark-value"


def _cache(clock: Clock, fetcher: Callable[[str], str], ttl: float, rng: random.Random, *, jitter: float = 0.1) -> KeyCache:
    return KeyCache(ttl_seconds=ttl, jitter=jitter, max_stale_seconds=0, clock=clock, fetcher=fetcher, rng=rng)


def _drive(clock: Clock, readers: List[Callable[[str], str]], rng: random.Random) -> None:
    """Each reader starts at a whole second within START_WITHIN and reads every READ_EVERY seconds until the hour ends."""
    starts = [rng.randrange(START_WITHIN) for _ in readers]
    by_phase: Dict[int, List[int]] = {}
    for index, start in enumerate(starts):
        by_phase.setdefault(start % READ_EVERY, []).append(index)
    for second in range(WARM_UP + HOUR):
        clock.now = float(second)
        for index in by_phase.get(second % READ_EVERY, ()):
            if starts[index] <= second:
                readers[index](SECRET_REF)


def simulate(replicas: int) -> Dict[str, int]:
    """Store calls in the counted hour for ``replicas`` reading one key, per mode, and the reads the agents served."""
    rng = random.Random(SEED * 1_000_003 + replicas)
    # Direct: every replica's cache reads the store.
    clock = Clock()
    direct = Counted(clock, _store)
    pods = [_cache(clock, direct, TTL_SECONDS, random.Random(rng.random())) for _ in range(replicas)]
    _drive(clock, [pod.get for pod in pods], random.Random(SEED))
    # Node agents: the replicas' caches read their node's agent, whose cache reads the store.
    clock = Clock()
    through_agents = Counted(clock, _store)
    agents = [
        Counted(clock, _cache(clock, through_agents, AGENT_TTL_SECONDS, rng, jitter=0.0).get) for _ in range(_agents(replicas))
    ]
    pods = [_cache(clock, agents[i // PODS_PER_AGENT], TTL_SECONDS, random.Random(rng.random())) for i in range(replicas)]
    _drive(clock, [pod.get for pod in pods], random.Random(SEED))
    # ESO: the controller reads the store at each refreshInterval and writes the Secret; replicas read the Secret.
    clock = Clock()
    eso = Counted(clock, _store)
    for second in range(0, WARM_UP + HOUR, ESO_REFRESH_SECONDS):
        clock.now = float(second)
        eso(SECRET_REF)
    return {
        "direct": direct.calls,
        "agent": through_agents.calls,
        "eso": eso.calls,
        "agent_reads": sum(agent.calls for agent in agents),
    }


def _agents(replicas: int) -> int:
    return math.ceil(replicas / PODS_PER_AGENT)


def closed_form(replicas: int) -> Dict[str, int]:
    """Store calls per hour in steady state: N * 3600 / TTL, ceil(N / 20) * 3600 / agent TTL, 3600 / refreshInterval."""
    return {
        "direct": replicas * HOUR // TTL_SECONDS,
        "agent": _agents(replicas) * HOUR // AGENT_TTL_SECONDS,
        "eso": HOUR // ESO_REFRESH_SECONDS,
    }


# --------------------------------------------------------------------------------------------------- figures


def ratio(calls: int, direct: int) -> str:
    """``calls`` as a fraction of ``direct``, two significant figures, never in scientific notation (``0.050x``)."""
    value = calls / direct
    if value == 0:
        return "0x"
    digits = max(0, 1 - math.floor(math.log10(value)))
    return f"{value:.{digits}f}x"


def monthly_cost(calls_per_hour: int, usd_per_10000: float) -> str:
    """What ``calls_per_hour`` cost a month (HOURS_PER_MONTH hours) at ``usd_per_10000`` calls, in dollars and cents."""
    dollars = calls_per_hour * HOURS_PER_MONTH * usd_per_10000 / 10_000
    return f"${dollars:,.2f}" if dollars >= 0.005 else "< $0.01"


def table(document: Dict[str, Any]) -> List[str]:
    """The Markdown table of ``document``'s figures (benchmarks/results/fleet.json), as docs/benchmarks.md shows it:
    store calls per hour, their ratio to the direct reads, calls per month and what they cost a month per store."""
    prices: Dict[str, float] = document["prices_usd_per_10000_calls"]
    header = ["replicas", "delivery", "store calls per hour", "vs direct", "calls per month"]
    header += [f"{PRICES[cloud].store.split(' (')[0]} (${usd:.2f})" for cloud, usd in prices.items()]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---:", "---", "---:", "---:", "---:"] + ["---:"] * len(PRICES)) + "|",
    ]
    for fleet in document["fleets"]:
        calls = fleet["store_calls_per_hour"]
        for mode in MODES:
            cells = [f"{fleet['replicas']:,}", MODE_NAMES[mode], f"{calls[mode]:,}", ratio(calls[mode], calls["direct"])]
            cells.append(f"{calls[mode] * HOURS_PER_MONTH:,}")
            cells += [monthly_cost(calls[mode], usd) for usd in prices.values()]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def setup() -> Dict[str, Any]:
    """The fixed setup the figures come from, as recorded."""
    return {
        "ttl_seconds": TTL_SECONDS,
        "agent_ttl_seconds": AGENT_TTL_SECONDS,
        "pods_per_agent": PODS_PER_AGENT,
        "eso_refresh_interval_seconds": ESO_REFRESH_SECONDS,
        "read_every_seconds": READ_EVERY,
        "start_within_seconds": START_WITHIN,
        "warm_up_seconds": WARM_UP,
        "seed": SEED,
        "hours_per_month": HOURS_PER_MONTH,
    }


def run(fleets: Sequence[int]) -> Dict[str, Any]:
    """Simulate each fleet size and print its figures; returns the document ``--record`` writes."""
    print(
        f"One key, {HOUR // 60} simulated minutes counted after a {WARM_UP} s warm-up; replicas read it every "
        f"{READ_EVERY} s; TTL {TTL_SECONDS} s, agent TTL {AGENT_TTL_SECONDS} s, ESO refreshInterval {ESO_REFRESH_SECONDS} s.\n"
    )
    document: Dict[str, Any] = {
        "benchmark": "benchmarks/fleet.py",
        "python": ".".join(platform.python_version_tuple()[:2]),
        "setup": setup(),
        "prices_usd_per_10000_calls": {cloud: price.usd_per_10000 for cloud, price in PRICES.items()},
        "price_pages": {cloud: price.page for cloud, price in PRICES.items()},
        "fleets": [],
    }
    for replicas in fleets:
        started = time.perf_counter()
        counts = simulate(replicas)
        calls = {mode: counts[mode] for mode in MODES}
        expected = closed_form(replicas)
        verdict = "= the closed form" if calls == expected else f"closed form {expected}"
        print(f"  {replicas:>6,} replicas simulated in {time.perf_counter() - started:.1f} s; store calls {verdict}")
        document["fleets"].append(
            {
                "replicas": replicas,
                "agents": _agents(replicas),
                "store_calls_per_hour": calls,
                "agent_reads_per_hour": counts["agent_reads"],
            }
        )
    print()
    for line in table(document):
        print(line)
    print("\nPrices per 10,000 calls (list prices; re-check before quoting):")
    for price in PRICES.values():
        print(f"  {price.store}: ${price.usd_per_10000:.2f}  {price.page}")
    return document


def main(argv: List[str]) -> int:
    """``python benchmarks/fleet.py [N ...] [--record]``; returns the exit status."""
    flags = {arg for arg in argv if arg.startswith("--")}
    if flags - {"--record"}:
        print(f"unknown option {sorted(flags - {'--record'})[0]}; usage: fleet.py [N ...] [--record]", file=sys.stderr)
        return 2
    sizes = [int(arg) for arg in argv if not arg.startswith("--")] or list(FLEETS)
    if "--record" in flags and sizes != list(FLEETS):
        print(f"--record records the fleets {', '.join(map(str, FLEETS))}: give no N", file=sys.stderr)
        return 2
    if any(size < 1 for size in sizes):
        print("N must be at least 1", file=sys.stderr)
        return 2
    document = run(sizes)
    if "--record" in flags:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\n  recorded in {RESULTS.relative_to(RESULTS.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
