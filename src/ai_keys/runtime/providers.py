"""Hand a key to an AI SDK and keep it fresh: key providers, and a refresh when the vendor refuses a key.

* :func:`key_provider` / :func:`akey_provider`: zero-argument callables returning the current value
  from the cache (a hit costs a dict lookup), for SDKs that ask for the key per request, e.g.
  ``openai.OpenAI(api_key=key_provider(ref))``.
* :func:`refresh_on_auth_error`: after the vendor answered 401 or 403 to a value, drop that value from
  the cache and read the store again, once (single flight): a key rotated in the store is used at once,
  not after the TTL.
* :func:`auth_refresh_hook` / :func:`async_auth_refresh_hook`: an httpx response event hook doing that
  and marking the response ``x-should-retry: true``, so SDKs that honour the header (openai, anthropic)
  retry the request once with the new key.
* :func:`anthropic_credentials` / :func:`async_anthropic_credentials`: a credentials provider for the
  ``anthropic`` SDK, which calls it with ``force_refresh=True`` after a 401 and retries once.

None of this imports an AI SDK.
"""

import os
import threading
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from .cache import KeyCache

__all__ = [
    "AUTH_ERROR_STATUSES",
    "AsyncKeyProvider",
    "KeyProvider",
    "akey_provider",
    "anthropic_credentials",
    "arefresh_on_auth_error",
    "async_anthropic_credentials",
    "async_auth_refresh_hook",
    "auth_refresh_hook",
    "key_provider",
    "refresh_on_auth_error",
]

AUTH_ERROR_STATUSES = frozenset({401, 403})
"""The vendor answers after which the key is read again."""

# A refused value that is still the store's current one is re-read at most this often, so a vendor
# refusing a key that has not been rotated costs no more than one store read per second.
_RECHECK_SECONDS = 1.0
_locks: Dict[Tuple[int, str], threading.Lock] = {}
_rechecked: Dict[Tuple[int, str], float] = {}
_guard = threading.Lock()


def _reset_after_fork() -> None:
    # Another thread may have held these when the process forked; the child starts afresh.
    global _guard
    _guard = threading.Lock()
    _locks.clear()
    _rechecked.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _cache(cache: Optional[KeyCache]) -> KeyCache:
    if cache is not None:
        return cache
    from . import default_cache  # the package's default, which set_default_cache may replace

    return default_cache()


class KeyProvider:
    """Returns the current value of one key on every call; see :func:`key_provider`."""

    __slots__ = ("_cache", "secret_ref")

    def __init__(self, secret_ref: str, cache: Optional[KeyCache]) -> None:
        self.secret_ref = secret_ref
        self._cache = cache

    def __call__(self) -> str:
        """The key's current value (from the cache when fresh, else read through it)."""
        return _cache(self._cache).get(self.secret_ref)

    def __repr__(self) -> str:
        return f"KeyProvider({self.secret_ref!r})"


class AsyncKeyProvider:
    """The async twin of :class:`KeyProvider`; see :func:`akey_provider`."""

    __slots__ = ("_cache", "secret_ref")

    def __init__(self, secret_ref: str, cache: Optional[KeyCache]) -> None:
        self.secret_ref = secret_ref
        self._cache = cache

    async def __call__(self) -> str:
        """The key's current value, read with :func:`~ai_keys.runtime.aresolve`."""
        from .aio import aresolve

        return await aresolve(self.secret_ref, cache=self._cache)

    def __repr__(self) -> str:
        return f"AsyncKeyProvider({self.secret_ref!r})"


def key_provider(secret_ref: str, *, cache: Optional[KeyCache] = None) -> KeyProvider:
    """A zero-argument callable returning the current value of ``secret_ref``, cheap enough per request.

    ``openai.OpenAI(api_key=key_provider(ref))`` asks for the key before each request. ``cache`` is
    the :class:`KeyCache` to read through (default: the one ``resolve`` uses, looked up at each call).
    """
    return KeyProvider(secret_ref, cache)


def akey_provider(secret_ref: str, *, cache: Optional[KeyCache] = None) -> AsyncKeyProvider:
    """The async twin of :func:`key_provider`, e.g. ``openai.AsyncOpenAI(api_key=akey_provider(ref))``."""
    return AsyncKeyProvider(secret_ref, cache)


def refresh_on_auth_error(secret_ref: str, refused: Optional[str], *, cache: Optional[KeyCache] = None) -> bool:
    """Call after the vendor refused ``refused`` (a 401 or 403); returns whether to retry with the new value.

    If ``refused`` is still the cached value, it is dropped and the store is read again. Concurrent
    callers share that one read; a caller whose refused value was already replaced reads nothing. The
    answer is True when the value now current differs from ``refused`` (a retry may succeed), False when
    the store still holds the refused value (the key is revoked at the vendor, not rotated) or ``refused``
    is None. Read errors propagate as from ``resolve``.
    """
    if refused is None:
        return False
    keys = _cache(cache)
    slot = (id(keys), secret_ref)
    with _guard:
        lock = _locks.setdefault(slot, threading.Lock())
    with lock:
        current = keys.get(secret_ref)
        if current != refused:
            return True
        now = time.monotonic()
        if now - _rechecked.get(slot, float("-inf")) < _RECHECK_SECONDS:
            return False
        _rechecked[slot] = now
        keys.invalidate(secret_ref)
        return keys.get(secret_ref) != refused


async def arefresh_on_auth_error(secret_ref: str, refused: Optional[str], *, cache: Optional[KeyCache] = None) -> bool:
    """The async twin of :func:`refresh_on_auth_error`; the store is read in a worker thread."""
    import asyncio  # here, not at the top: importing ai_keys.runtime stays free of asyncio's ~50 ms

    if refused is None:
        return False
    return await asyncio.get_running_loop().run_in_executor(None, lambda: refresh_on_auth_error(secret_ref, refused, cache=cache))


def _refused_value(request: Any, header: str) -> Optional[str]:
    value = request.headers.get(header)
    if not isinstance(value, str) or not value:
        return None
    scheme, _, token = value.partition(" ")
    return token if scheme.lower() == "bearer" and token else value


def _mark_retry(response: Any) -> None:
    # openai and anthropic retry a response marked this way; retry-after-ms keeps the wait to 1 ms.
    response.headers["x-should-retry"] = "true"
    response.headers["retry-after-ms"] = "1"


def auth_refresh_hook(
    secret_ref: str, *, cache: Optional[KeyCache] = None, header: str = "authorization"
) -> Callable[[Any], None]:
    """An httpx ``response`` event hook: on a 401 or 403, refresh the key and mark the response for one retry.

    The refused value is read from the request's ``header`` (``Authorization: Bearer ...`` by
    default; ``x-api-key`` for APIs that take the key there)::

        client = openai.OpenAI(
            api_key=key_provider(ref),
            http_client=openai.DefaultHttpxClient(event_hooks={"response": [auth_refresh_hook(ref)]}),
        )

    The SDK must retry (``max_retries`` >= 1, the default) and ask for the key per attempt, as openai's
    callable ``api_key`` does.
    """

    def hook(response: Any) -> None:
        if response.status_code not in AUTH_ERROR_STATUSES:
            return
        if refresh_on_auth_error(secret_ref, _refused_value(response.request, header), cache=cache):
            _mark_retry(response)

    return hook


def async_auth_refresh_hook(
    secret_ref: str, *, cache: Optional[KeyCache] = None, header: str = "authorization"
) -> Callable[[Any], Awaitable[None]]:
    """The async twin of :func:`auth_refresh_hook`, for ``httpx.AsyncClient`` (e.g. ``openai.AsyncOpenAI``)."""

    async def hook(response: Any) -> None:
        if response.status_code not in AUTH_ERROR_STATUSES:
            return
        if await arefresh_on_auth_error(secret_ref, _refused_value(response.request, header), cache=cache):
            _mark_retry(response)

    return hook


class _AnthropicCredentials:
    """An ``anthropic`` ``AccessTokenProvider`` serving the key from the cache (see :func:`anthropic_credentials`)."""

    def __init__(self, secret_ref: str, cache: Optional[KeyCache]) -> None:
        self.secret_ref = secret_ref
        self._cache = cache
        self._last: Optional[str] = None

    def __call__(self, *, force_refresh: bool = False) -> Any:
        from anthropic.lib.credentials import AccessToken

        if force_refresh:
            refresh_on_auth_error(self.secret_ref, self._last, cache=self._cache)
        self._last = value = _cache(self._cache).get(self.secret_ref)
        # expires_at=0: the SDK asks again before every request; the cache makes that a dict lookup.
        return AccessToken(value, expires_at=0)

    def __repr__(self) -> str:
        return f"anthropic_credentials({self.secret_ref!r})"


class _AsyncAnthropicCredentials(_AnthropicCredentials):
    async def __call__(self, *, force_refresh: bool = False) -> Any:
        from anthropic.lib.credentials import AccessToken

        from .aio import aresolve

        if force_refresh:
            await arefresh_on_auth_error(self.secret_ref, self._last, cache=self._cache)
        self._last = value = await aresolve(self.secret_ref, cache=self._cache)
        return AccessToken(value, expires_at=0)


def anthropic_credentials(secret_ref: str, *, cache: Optional[KeyCache] = None) -> Any:
    """A credentials provider for ``anthropic.Anthropic(credentials=...)`` serving ``secret_ref``'s value.

    The SDK asks it before every request, and after a 401 calls it with ``force_refresh=True`` and
    retries once: the refused value is then dropped from the cache and the store read again.
    """
    return _AnthropicCredentials(secret_ref, cache)


def async_anthropic_credentials(secret_ref: str, *, cache: Optional[KeyCache] = None) -> Any:
    """The async twin of :func:`anthropic_credentials`, for ``anthropic.AsyncAnthropic(credentials=...)``."""
    return _AsyncAnthropicCredentials(secret_ref, cache)
