"""Read a key from Azure Key Vault (extra ``runtime-azure``: azure-keyvault-secrets, azure-identity)."""

import sys
from typing import Any

from ._imports import require
from .errors import SecretAccessDeniedError, SecretNotFoundError, SecretReadError, SecretUnavailableError
from .refs import AzureSecretRef

__all__ = ["new_client", "new_credential", "read"]

CLOUD = "azure"
_TRANSIENT_STATUS = frozenset({408, 429})
# How far down __cause__/__context__ to look for the network error behind a failed token request.
_MAX_CAUSE_DEPTH = 8


def new_credential() -> Any:
    """``DefaultAzureCredential``: environment, workload identity, managed identity, then developer logins."""
    return require("azure.identity", CLOUD).DefaultAzureCredential()


def new_client(vault_url: str, credential: Any, *, timeout_seconds: float) -> Any:
    """A ``SecretClient`` for one vault. azure-core's own retries are off: the cache retries."""
    secrets = require("azure.keyvault.secrets", CLOUD)
    return secrets.SecretClient(
        vault_url,
        credential,
        retry_total=0,
        connection_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        user_agent="ai-keys-runtime",
    )


def read(client: Any, ref: AzureSecretRef) -> str:
    """Return the value of the secret (the current version unless ``ref`` pins one)."""
    errors = require("azure.core.exceptions", CLOUD)
    try:
        secret = client.get_secret(ref.name, ref.version)
    except errors.ResourceNotFoundError as exc:
        raise SecretNotFoundError(ref.raw, CLOUD, _code(exc), hint=f"no such secret in {ref.vault_url}") from exc
    except errors.ClientAuthenticationError as exc:
        # The vault's 401, a credential refusing, or no credential in the default chain configured: denied.
        # A token source that did not answer (managed identity endpoint timing out): retried.
        if _token_source_unavailable(exc, errors):
            raise SecretUnavailableError(ref.raw, CLOUD, _code(exc), retryable=True) from exc
        raise _denied(ref, exc) from exc
    except errors.HttpResponseError as exc:
        status = exc.status_code or 0
        if status == 403:
            raise _denied(ref, exc) from exc
        if status in _TRANSIENT_STATUS or status >= 500:
            raise SecretUnavailableError(ref.raw, CLOUD, _code(exc), retryable=True) from exc
        raise SecretReadError(ref.raw, CLOUD, _code(exc)) from exc
    except (errors.ServiceRequestError, errors.ServiceResponseError) as exc:
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
    value = secret.value
    if not isinstance(value, str):
        raise SecretNotFoundError(ref.raw, CLOUD, "NoValue", hint="the secret holds no value")
    return value


def _token_source_unavailable(exc: Any, errors: Any) -> bool:
    """Whether a ``ClientAuthenticationError`` means the token source failed transiently, not a refusal.

    Like botocore's ``CredentialRetrievalError`` or google-auth's ``TransportError``: a credential that
    could not answer (``CredentialUnavailableError``, e.g. managed identity timing out at token refresh),
    or whose token request failed on the network, may work on the next try.
    """
    if _credential_unavailable(exc):
        return True
    status = getattr(exc, "status_code", None) or 0
    if status:
        # An answer with a status (the vault's 401, a token endpoint's 4xx) is a refusal unless transient.
        return status in _TRANSIENT_STATUS or status >= 500
    network = (errors.ServiceRequestError, errors.ServiceResponseError, ConnectionError, TimeoutError)
    return _caused_by(exc, network)


def _credential_unavailable(exc: BaseException) -> bool:
    # Only azure.identity raises it, so if that is not imported it is not this (and need not be installed).
    identity = sys.modules.get("azure.identity")
    if identity is None:
        return False
    # AuthenticationRequiredError (an interactive login is needed) derives from it but won't pass by itself.
    return isinstance(exc, identity.CredentialUnavailableError) and not isinstance(exc, identity.AuthenticationRequiredError)


def _caused_by(exc: BaseException, kinds: "tuple[type[BaseException], ...]") -> bool:
    cause = exc.__cause__ or exc.__context__
    for _ in range(_MAX_CAUSE_DEPTH):
        if cause is None:
            return False
        if isinstance(cause, kinds):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _denied(ref: AzureSecretRef, exc: Any) -> SecretAccessDeniedError:
    return SecretAccessDeniedError(
        ref.raw,
        CLOUD,
        _code(exc),
        hint="the app's identity needs the 'Key Vault Secrets User' role on this secret or vault "
        "(or a 'get' access policy) and network access to the vault",
    )


def _code(exc: Any) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    status = getattr(exc, "status_code", None)
    if code and status:
        return f"{status} {code}"
    return str(code or status or type(exc).__name__)
