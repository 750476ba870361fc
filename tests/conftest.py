"""Shared fixtures: every test gets a fresh mock engine (new event loop, recording monitor, config)."""

import importlib
import os
import sys
from collections.abc import Iterator

import pytest
from hypothesis import settings

from ai_keys.testing import MockEngine, mock_pulumi


def _share_google_rpc_status() -> None:
    """Let the GCP client and pulumi's provider host live in one test process.

    pulumi ships its own copy of ``google.rpc.Status`` (``pulumi.runtime.proto.status_pb2``, registered
    as file ``google/protobuf/status.proto``); googleapis-common-protos registers the same message
    from ``google/rpc/status.proto``. protobuf's default pool refuses whichever loads second ("duplicate
    symbol 'google.rpc.Status'"). The messages are identical, so both module names get the one that
    loads first. Only a process that hosts the provider and reads keys needs it (apps never host the provider).
    """
    pulumi_name, google_name = "pulumi.runtime.proto.status_pb2", "google.rpc.status_pb2"
    if pulumi_name in sys.modules:
        sys.modules.setdefault(google_name, sys.modules[pulumi_name])
    else:
        sys.modules.setdefault(pulumi_name, importlib.import_module(google_name))


_share_google_rpc_status()


# Property tests explore fresh random examples on a developer's machine ("dev"). CI (HYPOTHESIS_PROFILE=ci) runs the
# same properties on a fixed seed, so a verdict on a commit does not depend on the draw; "thorough" hunts with 2,000
# examples. No profile has a per-example deadline: on a loaded 2-core machine it fails fast code at random.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


CANARY = "CANARYskproj7fq2XbL9mNw4KzR8tY1vQ3hJ6dS0aP5u"
"""A recognizable fake key value (alphanumeric, so every backend accepts it); it must never leak."""

ROLE_ARN = "arn:aws:iam::123456789012:role/summarizer"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-openai"


class _CanaryScan:
    """Counts the backend x option combinations the leak scan built, for the run's summary."""

    scanned = 0


canary_scan = _CanaryScan()


class _ScenarioTotals:
    """What the scenario matrix ran on the simulated cloud, for the run's summary."""

    scenarios = steps = checks = 0

    def add(self, steps: int, checks: int) -> None:
        self.scenarios += 1
        self.steps += steps
        self.checks += checks


scenario_totals = _ScenarioTotals()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if canary_scan.scanned:
        terminalreporter.write_line(f"canary leak scan: {canary_scan.scanned} backend x option combinations scanned")
    if scenario_totals.scenarios:
        terminalreporter.write_line(
            f"scenario matrix: {scenario_totals.scenarios} scenarios, {scenario_totals.steps} steps applied to the "
            f"simulated cloud, {scenario_totals.checks} constraint checks"
        )


@pytest.fixture
def engine() -> Iterator[MockEngine]:
    """A mock Pulumi engine for one test."""
    with mock_pulumi() as mock_engine:
        yield mock_engine


@pytest.fixture
def preview_engine() -> Iterator[MockEngine]:
    """A mock Pulumi engine in preview (dry-run) mode."""
    with mock_pulumi(preview=True) as mock_engine:
        yield mock_engine
