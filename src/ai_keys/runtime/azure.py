"""Read a key from Azure Key Vault (extra ``runtime-azure``: azure-keyvault-secrets, azure-identity)."""

from typing import Any

from ._imports import require
from .errors import SecretAccessDeniedError, SecretNotFoundError, SecretReadError, SecretUnavailableError
from .refs import AzureSecretRef

__all__ = ["new_client", "new_credential", "read"]

CLOUD = "azure"
_TRANSIENT_STATUS = frozenset({408, 429})


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
        # 401, and every credential in the default chain failing (CredentialUnavailableError).
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
