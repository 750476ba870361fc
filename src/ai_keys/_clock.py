"""The time the program runs at: the wall clock, or the simulated clock of :mod:`ai_keys.testing.simulation`.

Everything in the component that depends on the date (when a Bedrock key is renewed, when a rotation starts)
reads it here, so a simulated deploy 91 days later computes what the real one would.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Optional

_override: Optional[Callable[[], datetime]] = None


MOCK_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""What the mock clouds answer for "now" outside a simulation, so mock runs and previews repeat exactly."""


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _override() if _override is not None else datetime.now(timezone.utc)


def mock_now() -> datetime:
    """The time a mock cloud stamps on what it creates: the simulation's clock, else :data:`MOCK_EPOCH`."""
    return _override() if _override is not None else MOCK_EPOCH


@contextmanager
def frozen(now: Callable[[], datetime]) -> Iterator[None]:
    """Make :func:`utc_now` answer ``now()`` inside the block (the simulation's clock)."""
    global _override
    previous, _override = _override, now
    try:
        yield
    finally:
        _override = previous
