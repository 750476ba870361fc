"""Mock outputs for the ``time`` provider (pulumiverse-time): a Static records the clock when it is created."""

from typing import Any, Optional

from ..._clock import mock_now

State = dict[str, Any]


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for a Static (its timestamp is the simulated clock's, or a fixed one), else ``None``."""
    if type_ != "time:index/static:Static":
        return None
    given = inputs.get("rfc3339")
    at = mock_now().replace(microsecond=0)
    rfc3339 = given if isinstance(given, str) and given else at.strftime("%Y-%m-%dT%H:%M:%SZ")
    state = {
        **inputs,
        "rfc3339": rfc3339,
        "unix": int(at.timestamp()),
        "year": at.year,
        "month": at.month,
        "day": at.day,
        "hour": at.hour,
        "minute": at.minute,
        "second": at.second,
    }
    return rfc3339, state


def call(token: str, args: State) -> Optional[State]:
    """The time provider has no invokes the component uses."""
    del token, args
    return None


__all__ = ["call", "outputs"]
