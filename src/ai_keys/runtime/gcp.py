"""Read a key from Google Secret Manager (extra ``runtime-gcp``: google-cloud-secret-manager)."""

from typing import Any, Callable

from ._decode import decode_utf8
from ._imports import require
from .errors import SecretAccessDeniedError, SecretNotFoundError, SecretReadError, SecretUnavailableError
from .refs import GcpSecretRef

__all__ = ["new_client", "open_client", "read"]

CLOUD = "gcp"


def new_client() -> Any:
    """A ``SecretManagerServiceClient`` with Application Default Credentials."""
    return require("google.cloud.secretmanager", CLOUD).SecretManagerServiceClient()


def open_client(get_client: Callable[[], Any], ref: GcpSecretRef) -> Any:
    """``get_client()``, with missing Application Default Credentials reported like a denied read.

    The client library looks for credentials when the client is built, not when it reads, so without
    this the error would escape as a raw ``DefaultCredentialsError``.
    """
    auth = require("google.auth.exceptions", CLOUD)
    try:
        return get_client()
    except auth.DefaultCredentialsError as exc:
        raise _no_credentials(ref, exc) from exc


def read(client: Any, ref: GcpSecretRef, *, timeout_seconds: float) -> str:
    """Return the payload of the version ``ref`` names (``latest`` unless pinned), decoded as UTF-8.

    ``retry=None`` turns off the client library's own retries: the cache retries.
    """
    api = require("google.api_core.exceptions", CLOUD)
    auth = require("google.auth.exceptions", CLOUD)
    transient = (
        api.TooManyRequests,
        api.InternalServerError,
        api.BadGateway,
        api.ServiceUnavailable,
        api.GatewayTimeout,
        api.Aborted,
        *_requests_errors(),
    )
    try:
        response = client.access_secret_version(name=ref.version_name, retry=None, timeout=timeout_seconds)
    except api.NotFound as exc:
        raise SecretNotFoundError(ref.raw, CLOUD, _code(exc)) from exc
    except (api.Forbidden, api.Unauthorized) as exc:  # PermissionDenied and Unauthenticated included
        raise _denied(ref, exc) from exc
    except transient as exc:
        raise SecretUnavailableError(ref.raw, CLOUD, _code(exc), retryable=True) from exc
    except api.FailedPrecondition as exc:
        # gRPC's answer for a disabled or destroyed version (REST answers 400 BadRequest, below).
        raise SecretNotFoundError(ref.raw, CLOUD, _code(exc), hint="the version is disabled or destroyed") from exc
    except api.GoogleAPICallError as exc:
        raise SecretReadError(ref.raw, CLOUD, _code(exc)) from exc
    except auth.TransportError as exc:  # e.g. the metadata server did not answer
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
    except auth.RefreshError as exc:
        if exc.retryable:
            raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
        raise _denied(ref, exc) from exc
    except auth.DefaultCredentialsError as exc:
        raise _no_credentials(ref, exc) from exc
    return decode_utf8(bytes(response.payload.data), ref.raw, CLOUD)


def _requests_errors() -> "tuple[type[BaseException], ...]":
    # The REST transport lets `requests` connection errors through unwrapped.
    try:
        exceptions = require("requests.exceptions", CLOUD)
    except ImportError:
        return ()
    return (exceptions.ConnectionError, exceptions.Timeout)


def _no_credentials(ref: GcpSecretRef, exc: Any) -> SecretAccessDeniedError:
    return SecretAccessDeniedError(ref.raw, CLOUD, type(exc).__name__, hint="no Application Default Credentials were found")


def _denied(ref: GcpSecretRef, exc: Any) -> SecretAccessDeniedError:
    return SecretAccessDeniedError(
        ref.raw,
        CLOUD,
        _code(exc),
        hint="the app's identity needs roles/secretmanager.secretAccessor on this secret",
    )


def _code(exc: Any) -> str:
    code = getattr(exc, "code", None)
    name = type(exc).__name__
    return f"{int(code)} {name}" if isinstance(code, int) else name
