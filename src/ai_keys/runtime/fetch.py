"""Fetch one key from its backend: parse the reference, pick the client, read, map errors."""

from typing import Optional, Protocol

from . import aws, azure, gcp
from .clients import ClientFactory, SdkClientFactory
from .refs import AwsSecretRef, AzureSecretRef, parse_secret_ref

__all__ = ["CloudFetcher", "Fetcher"]


class Fetcher(Protocol):
    """Reads the current value of a ``secret_ref`` from its backend (one attempt, no caching).

    Raise :class:`~ai_keys.runtime.SecretReadError` subclasses; set ``retryable=True`` on errors worth
    retrying. :class:`~ai_keys.runtime.KeyCache` takes any callable of this shape.
    """

    def __call__(self, secret_ref: str) -> str:
        """Return the value ``secret_ref`` points to."""
        ...


class CloudFetcher:
    """The default :class:`Fetcher`: reads AWS, Azure or GCP references with clients from ``clients``."""

    def __init__(self, clients: Optional[ClientFactory] = None, *, timeout_seconds: float = 10.0) -> None:
        self.clients: ClientFactory = clients or SdkClientFactory(timeout_seconds=timeout_seconds)
        self.timeout_seconds = timeout_seconds

    def __call__(self, secret_ref: str) -> str:
        """Read ``secret_ref`` once; raises ``UnknownSecretRefError`` for an unrecognised form."""
        ref = parse_secret_ref(secret_ref)
        if isinstance(ref, AwsSecretRef):
            return aws.read(self.clients.aws(ref.region), ref)
        if isinstance(ref, AzureSecretRef):
            return azure.read(self.clients.azure(ref.vault_url), ref)
        return gcp.read(gcp.open_client(self.clients.gcp, ref), ref, timeout_seconds=self.timeout_seconds)

    def __repr__(self) -> str:
        return f"CloudFetcher({self.clients!r})"
