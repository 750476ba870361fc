"""Cloud SDK clients: one per AWS region, one per Azure vault, one for GCP, built once and reused.

At most ``max_clients`` are kept (least recently used dropped first), and every one is dropped in a
child process after ``fork``: their connection pools belong to the parent.
"""

import os
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Dict, Generic, Hashable, Optional, Protocol, TypeVar

from . import aws, azure, gcp

__all__ = ["AwsClient", "AzureClient", "ClientFactory", "GcpClient", "SdkClientFactory"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class AwsClient(Protocol):
    """The part of a boto3 ``secretsmanager`` client the reader uses."""

    def get_secret_value(self, **kwargs: Any) -> Any:
        """``GetSecretValue``; called with ``SecretId`` and ``VersionStage``."""


class AzureClient(Protocol):
    """The part of ``azure.keyvault.secrets.SecretClient`` the reader uses."""

    def get_secret(self, name: str, version: Optional[str] = None, **kwargs: Any) -> Any:
        """Return a ``KeyVaultSecret`` whose ``value`` is the key."""


class GcpClient(Protocol):
    """The part of ``SecretManagerServiceClient`` the reader uses."""

    def access_secret_version(self, *, name: str, **kwargs: Any) -> Any:
        """Return an ``AccessSecretVersionResponse`` whose ``payload.data`` is the key."""


class ClientFactory(Protocol):
    """Hands out the client for each cloud; :class:`SdkClientFactory` is the default.

    Implement it (or give ``SdkClientFactory`` builders) to point the reader at other endpoints or
    credentials, e.g. emulators in tests.
    """

    def aws(self, region: str) -> AwsClient:
        """The Secrets Manager client for ``region``."""
        ...

    def azure(self, vault_url: str) -> AzureClient:
        """The ``SecretClient`` for the vault at ``vault_url`` (``https://VAULT.vault.azure.net``)."""
        ...

    def gcp(self) -> GcpClient:
        """The Secret Manager client."""
        ...


class _Memo(Generic[K, V]):
    """Builds each key's value once, even when many threads ask at the same time; keeps at most ``limit``.

    A dropped client is not closed: another thread may still be using it. It is freed once unused.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[K, V] = OrderedDict()
        self._building: Dict[K, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        with self._guard:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            lock = self._building.setdefault(key, threading.Lock())
        # One lock per key: building a client for one region never waits on another region's build.
        with lock:
            with self._guard:
                if key in self._values:
                    return self._values[key]
            try:
                value = build()
            finally:
                with self._guard:
                    if self._building.get(key) is lock:
                        del self._building[key]
            with self._guard:
                self._values[key] = value
                while len(self._values) > self.limit:
                    self._values.popitem(last=False)
            return value

    def discard(self, value: Any) -> None:
        """Forget ``value`` wherever it is held, so the next ``get`` builds it again."""
        with self._guard:
            for key in [k for k, v in self._values.items() if v is value]:
                del self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def reset(self) -> None:
        """Forget everything, locks included (used in a child process after fork)."""
        self._values = OrderedDict()
        self._building = {}
        self._guard = threading.Lock()


class SdkClientFactory:
    """Builds each cloud's official client with that SDK's default credential chain, once, and reuses it.

    The builders can be replaced (``aws=lambda region: ...``, ``azure=lambda vault_url: ...``,
    ``gcp=lambda: ...``); whatever they return is still built once per region, vault or process.
    The SDKs are imported on first use of their cloud.

    At most ``max_clients`` clients are kept (default 32; a boto3 client holds about 8 MB), the least
    recently used dropped first, so an app reading from thousands of vaults keeps a bounded set.
    A client built without credentials is dropped by :meth:`discard` and built again on the next read.
    After ``fork``, the child starts with no clients.
    """

    def __init__(
        self,
        *,
        aws: Optional[Callable[[str], AwsClient]] = None,
        azure: Optional[Callable[[str], AzureClient]] = None,
        gcp: Optional[Callable[[], GcpClient]] = None,
        timeout_seconds: float = 10.0,
        max_clients: int = 32,
    ) -> None:
        if max_clients < 1:
            raise ValueError("SdkClientFactory max_clients must be >= 1")
        self.timeout_seconds = timeout_seconds
        self.max_clients = max_clients
        self._aws_builder = aws or self._default_aws
        self._azure_builder = azure or self._default_azure
        self._gcp_builder = gcp or _default_gcp
        self._clients: _Memo[Hashable, Any] = _Memo(max_clients)
        # Kept apart from the clients so evicting a vault's client never drops the shared token cache.
        self._credentials: _Memo[Hashable, Any] = _Memo(1)
        _FACTORIES.add(self)

    def aws(self, region: str) -> AwsClient:
        """The Secrets Manager client for ``region``."""
        client: AwsClient = self._clients.get(("aws", region), lambda: self._aws_builder(region))
        return client

    def azure(self, vault_url: str) -> AzureClient:
        """The ``SecretClient`` for ``vault_url``."""
        client: AzureClient = self._clients.get(("azure", vault_url), lambda: self._azure_builder(vault_url))
        return client

    def gcp(self) -> GcpClient:
        """The Secret Manager client."""
        client: GcpClient = self._clients.get(("gcp",), self._gcp_builder)
        return client

    def discard(self, client: Any) -> None:
        """Drop ``client`` so the next read builds a new one (e.g. it was built without credentials)."""
        self._clients.discard(client)

    @property
    def client_count(self) -> int:
        """The number of clients held now (at most ``max_clients``)."""
        return len(self._clients)

    def __repr__(self) -> str:
        return f"SdkClientFactory(timeout_seconds={self.timeout_seconds}, max_clients={self.max_clients})"

    def _after_fork(self) -> None:
        self._clients.reset()
        self._credentials.reset()

    def _default_aws(self, region: str) -> AwsClient:
        client: AwsClient = aws.new_client(region, timeout_seconds=self.timeout_seconds)
        return client

    def _default_azure(self, vault_url: str) -> AzureClient:
        # One credential for every vault, so its token cache is shared.
        credential = self._credentials.get("azure", azure.new_credential)
        client: AzureClient = azure.new_client(vault_url, credential, timeout_seconds=self.timeout_seconds)
        return client


def _default_gcp() -> GcpClient:
    client: GcpClient = gcp.new_client()
    return client


_FACTORIES: "weakref.WeakSet[SdkClientFactory]" = weakref.WeakSet()


def _reset_after_fork() -> None:
    for factory in list(_FACTORIES):
        factory._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
