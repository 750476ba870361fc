"""Fetch one key from its backend: parse the reference, pick the client (or the node's AWS agent), read, map errors."""

import itertools
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any, Dict, Optional, Protocol

from . import aws, azure, gcp
from ._logsafe import hold_logs
from .clients import ClientFactory, SdkClientFactory
from .errors import MissingCredentialsError, MissingExtraError, SecretReadError, SecretUnavailableError
from .refs import AwsSecretRef, AzureSecretRef, SecretRef, parse_secret_ref

if TYPE_CHECKING:
    from .agent import AwsSecretsAgent

__all__ = ["CloudFetcher", "Fetcher", "cloud_of"]


class Fetcher(Protocol):
    """Reads the current value of a ``secret_ref`` from its backend (one attempt, no caching).

    Raise :class:`~ai_keys.runtime.SecretReadError` subclasses; set ``retryable=True`` on errors worth
    retrying. :class:`~ai_keys.runtime.KeyCache` takes any callable of this shape.

    A fetcher that reads through a cache of its own may also have an ``invalidate(secret_ref)`` method: ``KeyCache``
    calls it when that key is invalidated (or the cache cleared), so the next read skips that cache too.
    """

    def __call__(self, secret_ref: str) -> str:
        """Return the value ``secret_ref`` points to."""
        ...


class CloudFetcher:
    """The default :class:`Fetcher`: reads AWS, Azure or GCP references with clients from ``clients``.

    An AWS reference is read through the AWS Secrets Manager Agent or the Lambda extension instead when the
    environment says so at the time of the read (``AI_KEYS_AWS_SECRETS_AGENT`` or
    ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``, see :mod:`ai_keys.runtime.agent`); the SDK is then not used.
    """

    def __init__(self, clients: Optional[ClientFactory] = None, *, timeout_seconds: float = 10.0) -> None:
        self.clients: ClientFactory = clients or SdkClientFactory(timeout_seconds=timeout_seconds)
        self.timeout_seconds = timeout_seconds
        # Keys whose next read must skip the agent's cache (refreshNow), each with the mark of its invalidation.
        self._refresh: Dict[str, int] = {}
        self._marks = itertools.count(1)
        self._lock = threading.Lock()
        _FETCHERS.add(self)

    def invalidate(self, secret_ref: str) -> None:
        """The next read of ``secret_ref`` must come from the store itself, not from the agent's cache.

        ``KeyCache.invalidate`` (and so a refresh after a vendor's 401) calls it. Read through an agent, that next read
        asks for ``refreshNow=true``; read from the store directly, it changes nothing.
        """
        try:
            if not isinstance(parse_secret_ref(secret_ref), AwsSecretRef):
                return
        except ValueError:  # not a reference: nothing to read through an agent
            return
        with self._lock:
            self._refresh.pop(secret_ref, None)
            self._refresh[secret_ref] = next(self._marks)
            while len(self._refresh) > _MAX_REFRESH:
                del self._refresh[next(iter(self._refresh))]

    def __call__(self, secret_ref: str) -> str:
        """Read ``secret_ref`` once; raises ``UnknownSecretRefError`` for an unrecognised form.

        The SDKs' log lines written during the read are held back and released with the value hidden.
        No SDK exception escapes: anything that is not a :class:`SecretReadError` is reported as a
        transient :class:`SecretUnavailableError` naming only the exception's type.
        """
        ref = parse_secret_ref(secret_ref)
        failure: Optional[SecretReadError] = None
        with hold_logs() as known:
            try:
                value = self._read(ref)
            except (SecretReadError, MissingExtraError):
                raise
            except Exception as exc:
                failure = SecretUnavailableError(ref.raw, _cloud(ref), type(exc).__name__, retryable=True)
            else:
                known(value)
                return value
        assert failure is not None
        raise failure  # outside the except block, so the SDK's exception is not its __context__

    def _read(self, ref: SecretRef) -> str:
        client: Any
        if isinstance(ref, AwsSecretRef):
            through = self._agent(ref)
            if through is not None:
                return self._read_through(through, ref)
            client = aws.open_client(lambda: self.clients.aws(ref.region), ref)
            return self._forget_on_no_credentials(client, lambda: aws.read(client, ref))
        if isinstance(ref, AzureSecretRef):
            client = self.clients.azure(ref.vault_url)
            return self._forget_on_no_credentials(client, lambda: azure.read(client, ref))
        client = gcp.open_client(self.clients.gcp, ref)
        return self._forget_on_no_credentials(client, lambda: gcp.read(client, ref, timeout_seconds=self.timeout_seconds))

    def _agent(self, ref: AwsSecretRef) -> Optional["AwsSecretsAgent"]:
        from .agent import agent_from_environment  # here: an app that never reads AWS keys does not load it

        problem: Optional[str] = None
        try:
            return agent_from_environment(os.environ, timeout_seconds=self.timeout_seconds)
        except ValueError as exc:
            problem = str(exc)
        # A setting, not a fault of the store: not retried, and said as the setting's own message.
        raise SecretUnavailableError(ref.raw, aws.CLOUD, "AgentSetting", hint=problem)

    def _read_through(self, through: "AwsSecretsAgent", ref: AwsSecretRef) -> str:
        with self._lock:
            mark = self._refresh.get(ref.raw)
        value = through.read(ref, refresh=mark is not None)
        if mark is not None:
            with self._lock:
                if self._refresh.get(ref.raw) == mark:  # not invalidated again while this read ran
                    del self._refresh[ref.raw]
        return value

    def _forget_on_no_credentials(self, client: Any, read: Any) -> str:
        try:
            value: str = read()
        except MissingCredentialsError:
            # A client built while the credential source was down keeps no credentials for ever
            # (boto3 resolves them once, at build time): build a new one on the next attempt.
            discard = getattr(self.clients, "discard", None)
            if callable(discard):
                discard(client)
            raise
        return value

    def __repr__(self) -> str:
        return f"CloudFetcher({self.clients!r})"


def cloud_of(secret_ref: str) -> str:
    """``"aws"``, ``"azure"`` or ``"gcp"`` for a reference a store gives, ``"-"`` for any other."""
    try:
        return _cloud(parse_secret_ref(secret_ref))
    except ValueError:
        return "-"


def _cloud(ref: SecretRef) -> str:
    if isinstance(ref, AwsSecretRef):
        return aws.CLOUD
    return azure.CLOUD if isinstance(ref, AzureSecretRef) else gcp.CLOUD


# At most this many keys wait for a read that skips the agent's cache; the oldest is dropped first.
_MAX_REFRESH = 4096
_FETCHERS: "weakref.WeakSet[CloudFetcher]" = weakref.WeakSet()


def _reset_after_fork() -> None:
    # Another thread may have held a fetcher's lock when the process forked; the child's is free.
    for fetcher in list(_FETCHERS):
        fetcher._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
