"""Shared fixtures: every test gets a fresh mock engine (new event loop, recording monitor, config)."""

from collections.abc import Iterator

import pytest

from ai_keys.testing import MockEngine, mock_pulumi

CANARY = "CANARYskproj7fq2XbL9mNw4KzR8tY1vQ3hJ6dS0aP5u"
"""A recognizable fake key value (alphanumeric, so every backend accepts it); it must never leak."""

ROLE_ARN = "arn:aws:iam::123456789012:role/summarizer"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-openai"


class _CanaryScan:
    """Counts the backend x option combinations the leak scan built, for the run's summary."""

    scanned = 0


canary_scan = _CanaryScan()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if canary_scan.scanned:
        terminalreporter.write_line(f"canary leak scan: {canary_scan.scanned} backend x option combinations scanned")


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
