"""Read a key from AWS Secrets Manager (extra ``runtime-aws``: boto3)."""

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
from .refs import AwsSecretRef

__all__ = ["error_for", "new_client", "open_client", "read"]

CLOUD = "aws"
_NOT_FOUND = frozenset({"ResourceNotFoundException"})
# DecryptionFailure is what a reader without kms:Decrypt on the secret's customer key gets.
_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "DecryptionFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
    }
)


def new_client(region: str, *, timeout_seconds: float) -> Any:
    """A Secrets Manager client for ``region`` using boto3's default credential chain.

    Each client gets its own session: boto3's shared default session is not safe to use from several
    threads. botocore's own retries are off because the cache retries every cloud the same way.
    """
    boto3 = require("boto3", CLOUD)
    config = require("botocore.config", CLOUD).Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        user_agent_extra="ai-keys-runtime",
    )
    return boto3.session.Session().client("secretsmanager", region_name=region, config=config)


def open_client(get_client: Callable[[], Any], ref: AwsSecretRef) -> Any:
    """``get_client()``, with a credential provider failing at build time reported as missing credentials.

    boto3 resolves credentials when the client is built: a container credentials endpoint that fails
    raises ``CredentialRetrievalError`` there, not at the read.
    """
    exceptions = require("botocore.exceptions", CLOUD)
    try:
        return get_client()
    except (exceptions.NoCredentialsError, exceptions.PartialCredentialsError, exceptions.CredentialRetrievalError) as exc:
        raise missing_credentials(ref.raw, CLOUD, type(exc).__name__) from exc
    except exceptions.BotoCoreError as exc:
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc


def read(client: Any, ref: AwsSecretRef) -> str:
    """Return the AWSCURRENT value of the secret ``ref`` names.

    The stage is passed explicitly: it is the documented default, and some emulators only honour a
    rotation's stage move when asked for the stage by name.

    Only the service's own answers "not found", "access denied" and "cannot decrypt" are definitive.
    Anything else (throttling, 5xx, network, a body cut short or not JSON, an unexpected SDK error) is
    transient. ``NoCredentialsError`` means the client was built without credentials (e.g. the instance
    metadata service was down): it is reported as :class:`MissingCredentialsError`, so the caller can
    rebuild the client.
    """
    exceptions = require("botocore.exceptions", CLOUD)
    failure: Optional[SecretReadError] = None
    try:
        response = client.get_secret_value(SecretId=ref.arn, VersionStage="AWSCURRENT")
    except exceptions.ClientError as exc:
        raise _from_client_error(ref, exc) from exc
    except (exceptions.NoCredentialsError, exceptions.PartialCredentialsError, exceptions.CredentialRetrievalError) as exc:
        raise missing_credentials(ref.raw, CLOUD, type(exc).__name__) from exc
    except exceptions.BotoCoreError as exc:  # connection, read timeout, a stream cut short, a parser error
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
    except Exception as exc:
        failure = SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True)
    if failure is not None:
        raise failure  # outside the except block: the SDK's exception must not become its __context__
    return _text(ref, response)


def _from_client_error(ref: AwsSecretRef, exc: Any) -> SecretReadError:
    error = exc.response.get("Error", {})
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return error_for(ref, str(error.get("Code") or status or "ClientError"), status)


def error_for(ref: AwsSecretRef, code: str, status: int, *, reader: str = "the app's identity") -> SecretReadError:
    """The error Secrets Manager's answer ``code`` (HTTP ``status``) stands for, read directly or through an agent.

    ``reader`` names who needs the permissions in an access-denied hint.
    """
    if code in _NOT_FOUND:
        return SecretNotFoundError(ref.raw, CLOUD, code, hint=f"no such secret in {ref.region}")
    if code in _DENIED or status in (401, 403):
        return SecretAccessDeniedError(
            ref.raw,
            CLOUD,
            code,
            hint=f"{reader} needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its customer key)",
        )
    if code == "InvalidRequestException":
        # GetSecretValue answers this for a secret scheduled for deletion.
        return SecretNotFoundError(ref.raw, CLOUD, code, hint="the secret may be scheduled for deletion")
    # Not one of the service's definitive answers: an error page, a proxy's answer, a code this reader
    # does not know. Retried, and the last good value is served meanwhile.
    return SecretUnavailableError(ref.raw, CLOUD, code, retryable=True)


def _text(ref: AwsSecretRef, response: Any) -> str:
    text = response.get("SecretString")
    if isinstance(text, str):
        return text
    binary = response.get("SecretBinary")
    if isinstance(binary, (bytes, bytearray)):
        return decode_utf8(bytes(binary), ref.raw, CLOUD)
    # GetSecretValue always answers a value or an error: a 200 without one is a body cut short or not
    # JSON (an HTML page from a proxy), which botocore parses into an empty response.
    raise SecretUnavailableError(ref.raw, CLOUD, "MalformedResponse", retryable=True, hint="the response held no value")
