"""Read a key from Google Secret Manager (extra ``runtime-gcp``: google-cloud-secret-manager, google-crc32c)."""

from typing import Any, Callable, Optional

from ._decode import decode_utf8
from ._imports import require
from .errors import (
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
    missing_credentials,
)
from .refs import GcpSecretRef

__all__ = ["new_client", "open_client", "read"]

CLOUD = "gcp"
# HTTP statuses that are the service's definitive answer; every other status is transient.
_DEFINITIVE_STATUS = frozenset({400, 401, 403, 404})


def new_client() -> Any:
    """A ``SecretManagerServiceClient`` with Application Default Credentials."""
    return require("google.cloud.secretmanager", CLOUD).SecretManagerServiceClient()


def open_client(get_client: Callable[[], Any], ref: GcpSecretRef) -> Any:
    """``get_client()``, with missing Application Default Credentials reported as :class:`MissingCredentialsError`.

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

    ``retry=None`` turns off the client library's own retries: the cache retries. Only "not found",
    "permission denied" / "unauthenticated" and "disabled or destroyed" (400 / FAILED_PRECONDITION) are
    definitive; every other status (429, any 5xx including 507, 520 or 599), a network error, a body cut
    short or not JSON, and a payload whose ``data_crc32c`` does not match are transient.
    """
    api = require("google.api_core.exceptions", CLOUD)
    auth = require("google.auth.exceptions", CLOUD)
    failure: Optional[SecretReadError] = None
    try:
        response = client.access_secret_version(name=ref.version_name, retry=None, timeout=timeout_seconds)
    except api.NotFound as exc:
        raise SecretNotFoundError(ref.raw, CLOUD, _code(exc)) from exc
    except (api.Forbidden, api.Unauthorized) as exc:  # PermissionDenied and Unauthenticated included
        raise _denied(ref, exc) from exc
    except (api.FailedPrecondition, api.BadRequest) as exc:
        # gRPC answers FAILED_PRECONDITION for a disabled or destroyed version, REST answers 400.
        raise SecretNotFoundError(ref.raw, CLOUD, _code(exc), hint="the version is disabled or destroyed") from exc
    except api.GoogleAPICallError as exc:
        status = exc.code if isinstance(exc.code, int) else 0
        if status in _DEFINITIVE_STATUS:
            raise SecretReadError(ref.raw, CLOUD, _code(exc)) from exc
        raise SecretUnavailableError(ref.raw, CLOUD, _code(exc), retryable=True) from exc
    except auth.TransportError as exc:  # e.g. the metadata server did not answer
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
    except auth.RefreshError as exc:
        if exc.retryable:
            raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
        raise _denied(ref, exc) from exc
    except auth.DefaultCredentialsError as exc:
        raise _no_credentials(ref, exc) from exc
    except _requests_errors() as exc:  # the REST transport lets these through: reset, timeout, body cut short
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
    except Exception as exc:
        failure = SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True)
    if failure is not None:
        raise failure  # outside the except block: the SDK's exception must not become its __context__
    payload = response.payload
    data = bytes(payload.data)
    if _crc_mismatch(payload, data):
        raise SecretUnavailableError(ref.raw, CLOUD, "ChecksumMismatch", retryable=True, hint="payload.data_crc32c did not match")
    return decode_utf8(data, ref.raw, CLOUD)


def _crc_mismatch(payload: Any, data: bytes) -> bool:
    """Whether the payload carries a CRC32C checksum that ``data`` does not match.

    Secret Manager sets ``data_crc32c`` on every version added with one (the field is optional, and
    versions added without it carry none); a mismatch means the bytes were damaged on the way.
    """
    if "data_crc32c" not in payload:
        return False
    crc32c = require("google_crc32c", CLOUD)
    return bool(int(crc32c.value(data)) != int(payload.data_crc32c))


def _requests_errors() -> "tuple[type[BaseException], ...]":
    # The REST transport lets `requests` errors through unwrapped (ChunkedEncodingError for a cut body).
    try:
        exceptions = require("requests.exceptions", CLOUD)
    except ImportError:
        return ()
    return (exceptions.RequestException,)


def _no_credentials(ref: GcpSecretRef, exc: Any) -> SecretReadError:
    return missing_credentials(ref.raw, CLOUD, type(exc).__name__)


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
