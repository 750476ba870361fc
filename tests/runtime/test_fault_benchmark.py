"""The fault benchmark's smoke run: every target met on a short run (counts, not timings)."""

import importlib.util
import os
from typing import Any

import pytest

BENCHMARK = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "runtime_faults.py")


def load() -> Any:
    spec = importlib.util.spec_from_file_location("runtime_faults_benchmark", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_run_meets_every_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert load().main(["--seconds", "2", "--ttl", "0.5"]) == 0
    out = capsys.readouterr().out
    for figure in (
        "exceptions reaching readers while a last good value was servable: 0 (target <= 0)",
        "reads returning a value after access was denied: 0 (target <= 0)",
        "concurrent backend reads per key (max): 1 (target <= 1)",
        "every revoked key was reported denied: yes (target yes)",
    ):
        assert figure in out
    assert "backend reads returning a value per key per TTL (max): 1 (target <= 1)" in out
