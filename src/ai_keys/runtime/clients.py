"""Cloud SDK clients: one per AWS region, one per Azure vault, one for GCP, built once and reused."""

import threading
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
    """Builds each key's value once, even when many threads ask at the same time."""

    def __init__(self) -> None:
        self._values: Dict[K, V] = {}
        self._locks: Dict[K, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        # One lock per key: building a client for one region never waits on another region's build.
        with lock:
            if key not in self._values:
                self._values[key] = build()
            return self._values[key]


class SdkClientFactory:
    """Builds each cloud's official client with that SDK's default credential chain, once, and reuses it.

    The builders can be replaced (``aws=lambda region: ...``, ``azure=lambda vault_url: ...``,
    ``gcp=lambda: ...``); whatever they return is still built once per region, vault or process.
    The SDKs are imported on first use of their cloud.
    """

    def __init__(
        self,
        *,
        aws: Optional[Callable[[str], AwsClient]] = None,
        azure: Optional[Callable[[str], AzureClient]] = None,
        gcp: Optional[Callable[[], GcpClient]] = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._aws_builder = aws or self._default_aws
        self._azure_builder = azure or self._default_azure
        self._gcp_builder = gcp or _default_gcp
        self._clients: _Memo[Hashable, Any] = _Memo()

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

    def __repr__(self) -> str:
        return f"SdkClientFactory(timeout_seconds={self.timeout_seconds})"

    def _default_aws(self, region: str) -> AwsClient:
        client: AwsClient = aws.new_client(region, timeout_seconds=self.timeout_seconds)
        return client

    def _default_azure(self, vault_url: str) -> AzureClient:
        # One credential for every vault, so its token cache is shared.
        credential = self._clients.get(("azure-credential",), azure.new_credential)
        client: AzureClient = azure.new_client(vault_url, credential, timeout_seconds=self.timeout_seconds)
        return client


def _default_gcp() -> GcpClient:
    client: GcpClient = gcp.new_client()
    return client
