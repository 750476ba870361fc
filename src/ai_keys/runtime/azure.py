"""Read a key from Azure Key Vault (extra ``runtime-azure``: azure-keyvault-secrets, azure-identity)."""

import sys
from typing import Any, Optional

from ._imports import require
from .errors import (
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
    missing_credentials,
)
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
    """Return the value of the secret (the current version unless ``ref`` pins one).

    Only the vault's 404, 401 and 403 (access denied, or the secret disabled) are definitive. Throttling,
    5xx, network failures, a body cut short or not JSON, and any other SDK error are transient; a
    credential chain that found no identity raises :class:`MissingCredentialsError`.
    """
    errors = require("azure.core.exceptions", CLOUD)
    failure: Optional[SecretReadError] = None
    try:
        secret = client.get_secret(ref.name, ref.version)
    except errors.ResourceNotFoundError as exc:
        raise SecretNotFoundError(ref.raw, CLOUD, _code(exc), hint=f"no such secret in {ref.vault_url}") from exc
    except errors.ClientAuthenticationError as exc:
        # The vault's 401, a credential refusing: denied. No identity found, or a token source that did
        # not answer (managed identity endpoint timing out): retried.
        if _no_identity(exc):
            raise missing_credentials(ref.raw, CLOUD, _code(exc)) from exc
        if _token_source_unavailable(exc, errors):
            raise SecretUnavailableError(ref.raw, CLOUD, _code(exc), retryable=True, hint=_network_hint(ref)) from exc
        raise _denied(ref, exc) from exc
    except errors.DecodeError:  # a 200 whose body was cut short or could not be decoded
        raise SecretUnavailableError(ref.raw, CLOUD, "DecodeError", retryable=True) from None
    except errors.HttpResponseError as exc:
        status = exc.status_code or 0
        if status == 403:
            raise _denied(ref, exc) from exc
        raise SecretUnavailableError(ref.raw, CLOUD, _code(exc), retryable=True) from exc
    except (errors.ServiceRequestError, errors.ServiceResponseError) as exc:
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True, hint=_network_hint(ref)) from exc
    except Exception as exc:
        failure = SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True)
    if failure is not None:
        raise failure  # outside the except block: the SDK's exception must not become its __context__
    value = secret.value
    if not isinstance(value, str):
        raise SecretUnavailableError(ref.raw, CLOUD, "MalformedResponse", retryable=True, hint="the response held no value")
    return value


def _network_hint(ref: AzureSecretRef) -> str:
    return (
        f"a network problem: {ref.vault_url} (or the identity's token endpoint) could not be reached; "
        "check DNS, the vault's firewall, its private endpoint and any proxy"
    )


def _no_identity(exc: Any) -> bool:
    """Whether the credential chain found no identity at all (every credential in it was unavailable)."""
    if _credential_unavailable(exc) and exc.__cause__ is None and exc.__context__ is None:
        return True
    message = str(getattr(exc, "message", "") or exc)
    # ChainedTokenCredential's message when no credential in the chain could even try (azure-identity).
    chain_found_nothing = "failed to retrieve a token from the included credentials" in message
    # A credential that tried and was refused (a wrong client secret: AADSTS...) is a denial, not this.
    refused = "AADSTS" in message or _caused_by(exc, (Exception,))
    return getattr(exc, "status_code", None) is None and chain_found_nothing and not refused


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
