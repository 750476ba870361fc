"""Read a key at run time: ``resolve(secret_ref)`` with a fast, thread-safe cache.

``secret_ref`` is the stack output of :class:`ai_keys.SecureApiKey` (an AWS secret ARN, an Azure
Key Vault secret URI, or a Google Secret Manager version name)::

    from ai_keys.runtime import resolve

    api_key = resolve(os.environ["OPENAI_KEY_REF"])   # cached for 5 minutes, one fetch at a time

``aresolve`` is the asyncio twin; ``key_provider(ref)`` hands the key to SDKs that take a callable
(``openai.OpenAI(api_key=key_provider(ref))``); ``auth_refresh_hook`` and ``anthropic_credentials`` read
a key again when the vendor refuses it (see :mod:`ai_keys.runtime.providers`).

Importing this module imports no cloud SDK. Each cloud's SDK is imported the first time a key of that
cloud is read, and must be installed with the matching extra: ``ai-keys[runtime-aws]``,
``ai-keys[runtime-azure]`` or ``ai-keys[runtime-gcp]`` (all three: ``ai-keys[runtime]``).

AWS keys are read through the node's AWS Secrets Manager Agent or the Parameters and Secrets Lambda extension,
with no SDK, when ``AI_KEYS_AWS_SECRETS_AGENT`` or ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` is set (see
:mod:`ai_keys.runtime.agent`).
"""

from typing import TYPE_CHECKING, Any, Optional

from .cache import CacheStats, KeyCache
from .clients import AwsClient, AzureClient, ClientFactory, GcpClient, SdkClientFactory
from .errors import (
    KeyPendingError,
    MissingCredentialsError,
    MissingExtraError,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
    UnknownSecretRefError,
)
from .fetch import CloudFetcher, Fetcher
from .providers import (
    AsyncKeyProvider,
    KeyProvider,
    akey_provider,
    anthropic_credentials,
    arefresh_on_auth_error,
    async_anthropic_credentials,
    async_auth_refresh_hook,
    auth_refresh_hook,
    key_provider,
    refresh_on_auth_error,
)
from .refs import AwsSecretRef, AzureSecretRef, GcpSecretRef, SecretRef, parse_secret_ref

if TYPE_CHECKING:
    from .aio import aresolve

__all__ = [
    "AsyncKeyProvider",
    "AwsClient",
    "AwsSecretRef",
    "AzureClient",
    "AzureSecretRef",
    "CacheStats",
    "ClientFactory",
    "CloudFetcher",
    "Fetcher",
    "GcpClient",
    "GcpSecretRef",
    "KeyCache",
    "KeyPendingError",
    "KeyProvider",
    "MissingCredentialsError",
    "MissingExtraError",
    "SdkClientFactory",
    "SecretAccessDeniedError",
    "SecretNotFoundError",
    "SecretReadError",
    "SecretRef",
    "SecretUnavailableError",
    "UnknownSecretRefError",
    "akey_provider",
    "anthropic_credentials",
    "arefresh_on_auth_error",
    "aresolve",
    "async_anthropic_credentials",
    "async_auth_refresh_hook",
    "auth_refresh_hook",
    "clear",
    "default_cache",
    "invalidate",
    "key_provider",
    "parse_secret_ref",
    "refresh_on_auth_error",
    "resolve",
    "set_default_cache",
    "stats",
]

_default_cache = KeyCache()


def resolve(secret_ref: str, *, cache: Optional[KeyCache] = None) -> str:
    """Return the current value of the key ``secret_ref`` points to.

    Reads through ``cache``, or the process-wide default :class:`KeyCache` (TTL 5 minutes, 1024
    keys, last good value served for up to an hour while the backend fails). An AWS key is read through
    the node's AWS Secrets Manager Agent or Lambda extension when the environment names one. Raises
    :class:`UnknownSecretRefError`, :class:`SecretNotFoundError`, :class:`SecretAccessDeniedError`,
    :class:`SecretUnavailableError` (:class:`MissingCredentialsError` when the app has no credentials)
    or :class:`MissingExtraError`.
    """
    return (_default_cache if cache is None else cache).get(secret_ref)


def invalidate(secret_ref: str) -> None:
    """Forget ``secret_ref``'s value in the default cache: the next ``resolve(secret_ref)`` reads the store.

    Other keys are left alone. A read of ``secret_ref`` already in flight is not stored.
    """
    _default_cache.invalidate(secret_ref)


def clear() -> None:
    """Forget every value in the default cache: the next read of each key goes to its store."""
    _default_cache.clear()


def stats() -> CacheStats:
    """A snapshot of the default cache's counters (fetches, failures, stale values served, evictions...)."""
    return _default_cache.stats()


def default_cache() -> KeyCache:
    """The :class:`KeyCache` ``resolve`` uses when none is given."""
    return _default_cache


def set_default_cache(cache: KeyCache) -> KeyCache:
    """Make ``cache`` the one ``resolve`` uses by default; returns the previous default."""
    global _default_cache
    if not isinstance(cache, KeyCache):
        raise TypeError(f"set_default_cache needs a KeyCache, got {type(cache).__name__}")
    previous, _default_cache = _default_cache, cache
    return previous


def __getattr__(name: str) -> Any:
    # aresolve lives in .aio, which imports asyncio (~50 ms): loaded on first use, not with this package.
    if name == "aresolve":
        from .aio import aresolve

        return aresolve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
