"""Fetch one key from its backend: parse the reference, pick the client, read, map errors."""

from typing import Any, Optional, Protocol

from . import aws, azure, gcp
from ._logsafe import hold_logs
from .clients import ClientFactory, SdkClientFactory
from .errors import MissingCredentialsError, MissingExtraError, SecretReadError, SecretUnavailableError
from .refs import AwsSecretRef, AzureSecretRef, SecretRef, parse_secret_ref

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
            client = aws.open_client(lambda: self.clients.aws(ref.region), ref)
            return self._forget_on_no_credentials(client, lambda: aws.read(client, ref))
        if isinstance(ref, AzureSecretRef):
            client = self.clients.azure(ref.vault_url)
            return self._forget_on_no_credentials(client, lambda: azure.read(client, ref))
        client = gcp.open_client(self.clients.gcp, ref)
        return self._forget_on_no_credentials(client, lambda: gcp.read(client, ref, timeout_seconds=self.timeout_seconds))

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


def _cloud(ref: SecretRef) -> str:
    if isinstance(ref, AwsSecretRef):
        return aws.CLOUD
    return azure.CLOUD if isinstance(ref, AzureSecretRef) else gcp.CLOUD
