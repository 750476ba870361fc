"""``aresolve``: read a key from asyncio code without blocking the event loop.

A warm key is answered from the cache at once, in the event loop's thread. Otherwise one coroutine per
event loop starts the read (``KeyCache.get`` in the loop's default executor) and every other coroutine of
that loop awaiting the same key awaits that one read; ``KeyCache`` itself keeps it to one backend read
per key across threads and loops. Stale-on-error, denial and retry rules are ``resolve``'s.
"""

import asyncio
import os
import threading
import weakref
from typing import Dict, Optional, Tuple

from .cache import KeyCache

__all__ = ["aresolve"]

_Flights = Dict[Tuple[int, str], "asyncio.Future[str]"]
_flights: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flights]" = weakref.WeakKeyDictionary()
_flights_lock = threading.Lock()


def _reset_after_fork() -> None:
    # Event loops and their reads do not survive fork; nor may a lock another thread held.
    global _flights_lock
    _flights_lock = threading.Lock()
    _flights.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


async def aresolve(secret_ref: str, *, cache: Optional[KeyCache] = None) -> str:
    """The current value of the key ``secret_ref`` points to; the async twin of ``resolve``.

    Raises what ``resolve`` raises. Cancelling one awaiting coroutine does not cancel the read the
    others share.
    """
    if cache is None:
        from . import default_cache  # the package's default, which set_default_cache may replace

        cache = default_cache()
    value = cache.peek(secret_ref)
    if value is not None:
        return value
    loop = asyncio.get_running_loop()
    with _flights_lock:
        flights = _flights.setdefault(loop, {})
    key = (id(cache), secret_ref)
    flight = flights.get(key)
    if flight is None:
        flight = loop.run_in_executor(None, cache.get, secret_ref)
        flights[key] = flight
        flight.add_done_callback(lambda done: _forget(flights, key, done))
    return await asyncio.shield(flight)


def _forget(flights: _Flights, key: Tuple[int, str], done: "asyncio.Future[str]") -> None:
    if flights.get(key) is done:
        del flights[key]
    if not done.cancelled():
        done.exception()  # retrieved here, so an error nobody awaited any more is not reported as lost
