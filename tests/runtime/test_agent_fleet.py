"""``benchmarks/fleet.py``: its counts are the closed forms, its recorded figures are what it gives, and the manual's
Fleet figures (docs/benchmarks.md) are the recorded ones."""

import json
import math
import re
from pathlib import Path
from typing import Any, Dict

import pytest

from ..benchmark_pages import BENCHMARKS_PAGE, load_benchmark, section

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "fleet.json"


@pytest.fixture(scope="module")
def fleet() -> Any:
    return load_benchmark("fleet")


@pytest.fixture(scope="module")
def recorded() -> Dict[str, Any]:
    document: Dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    return document


def test_a_hundred_replicas_give_the_closed_forms(fleet: Any) -> None:
    counts = fleet.simulate(100)
    # direct: N * 3600 / TTL; the jitter only moves each replica's first expiry, later refreshes are a full TTL apart.
    assert counts["direct"] == 100 * 3600 // fleet.TTL_SECONDS == 1200
    # node agents: one per 20 replicas, each reading the store once per agent TTL.
    assert counts["agent"] == math.ceil(100 / fleet.PODS_PER_AGENT) * 3600 // fleet.AGENT_TTL_SECONDS == 60
    # ESO: one read per refreshInterval, whatever the number of replicas.
    assert counts["eso"] == 3600 // fleet.ESO_REFRESH_SECONDS == 1
    # The agents answered every replica's refresh from their caches.
    assert counts["agent_reads"] == counts["direct"]
    assert {mode: counts[mode] for mode in fleet.MODES} == fleet.closed_form(100)


def test_the_count_covers_one_hour_after_the_warm_up(fleet: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same fleet counted from time 0 (its cold reads and jittered first refreshes included) costs more: the
    warm-up is what makes the figures the steady state."""
    monkeypatch.setattr(fleet, "WARM_UP", 0)
    counts = fleet.simulate(100)
    assert counts["direct"] > 1200
    assert counts["eso"] == 1


def test_the_recorded_figures_are_what_the_benchmark_gives(fleet: Any, recorded: Dict[str, Any]) -> None:
    assert recorded["benchmark"] == "benchmarks/fleet.py"
    assert recorded["setup"] == fleet.setup()
    assert recorded["prices_usd_per_10000_calls"] == {cloud: price.usd_per_10000 for cloud, price in fleet.PRICES.items()}
    assert recorded["price_pages"] == {cloud: price.page for cloud, price in fleet.PRICES.items()}
    assert [entry["replicas"] for entry in recorded["fleets"]] == list(fleet.FLEETS) == [100, 1_000, 10_000]
    for entry in recorded["fleets"]:
        assert entry["store_calls_per_hour"] == fleet.closed_form(entry["replicas"])
        assert entry["agents"] == math.ceil(entry["replicas"] / fleet.PODS_PER_AGENT)
        assert entry["agent_reads_per_hour"] == entry["store_calls_per_hour"]["direct"]
    # The smallest fleet simulated again gives the recorded counts exactly.
    (small,) = [entry for entry in recorded["fleets"] if entry["replicas"] == 100]
    counts = fleet.simulate(100)
    assert small["store_calls_per_hour"] == {mode: counts[mode] for mode in fleet.MODES}
    assert small["agent_reads_per_hour"] == counts["agent_reads"]


def test_the_fleet_figures_in_the_manual_are_the_recorded_ones(fleet: Any, recorded: Dict[str, Any]) -> None:
    text = section(BENCHMARKS_PAGE, "Fleet")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    expected = fleet.table(recorded)
    assert len(expected) == 2 + 3 * len(fleet.FLEETS)
    assert rows == expected
    # The prices' pages are cited, and the setup is the recorded one.
    for page in recorded["price_pages"].values():
        assert f"({page})" in text
    prose = " ".join(text.split())
    setup = recorded["setup"]
    for figure in (
        f"TTL {setup['ttl_seconds']} s",
        f"agent TTL {setup['agent_ttl_seconds']} s",
        f"one agent per {setup['pods_per_agent']} replicas",
        f"every {setup['read_every_seconds']} s",
        f"{setup['warm_up_seconds']} s warm-up",
        f"{setup['hours_per_month']} hours",
    ):
        assert figure in prose, figure


def test_the_money_and_ratio_formats(fleet: Any) -> None:
    assert fleet.ratio(60, 1200) == "0.050x"
    assert fleet.ratio(1, 1200) == "0.00083x"
    assert fleet.ratio(1, 120_000) == "0.0000083x"
    assert fleet.ratio(1200, 1200) == "1.0x"
    assert fleet.monthly_cost(12_000, 0.05) == "$43.80"
    assert fleet.monthly_cost(120_000, 0.03) == "$262.80"
    assert fleet.monthly_cost(1, 0.05) == "< $0.01"
    assert re.fullmatch(r"\$\d[\d,]*\.\d\d", fleet.monthly_cost(1_000_000, 0.05))
