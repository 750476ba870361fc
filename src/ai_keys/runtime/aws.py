"""Read a key from AWS Secrets Manager (extra ``runtime-aws``: boto3)."""

from typing import Any

from ._decode import decode_utf8
from ._imports import require
from .errors import SecretAccessDeniedError, SecretNotFoundError, SecretReadError, SecretUnavailableError
from .refs import AwsSecretRef

__all__ = ["new_client", "read"]

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
_THROTTLED = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "InternalServiceError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
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


def read(client: Any, ref: AwsSecretRef) -> str:
    """Return the AWSCURRENT value of the secret ``ref`` names.

    The stage is passed explicitly: it is the documented default, and some emulators only honour a
    rotation's stage move when asked for the stage by name.
    """
    exceptions = require("botocore.exceptions", CLOUD)
    try:
        response = client.get_secret_value(SecretId=ref.arn, VersionStage="AWSCURRENT")
    except exceptions.ClientError as exc:
        raise _from_client_error(ref, exc) from exc
    except (exceptions.ConnectionError, exceptions.HTTPClientError, exceptions.CredentialRetrievalError) as exc:
        raise SecretUnavailableError(ref.raw, CLOUD, type(exc).__name__, retryable=True) from exc
    except (exceptions.NoCredentialsError, exceptions.PartialCredentialsError) as exc:
        raise SecretAccessDeniedError(
            ref.raw, CLOUD, type(exc).__name__, hint="no AWS credentials were found by the default chain"
        ) from exc
    return _text(ref, response)


def _from_client_error(ref: AwsSecretRef, exc: Any) -> SecretReadError:
    error = exc.response.get("Error", {})
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    code = str(error.get("Code") or status or "ClientError")
    if code in _NOT_FOUND:
        return SecretNotFoundError(ref.raw, CLOUD, code, hint=f"no such secret in {ref.region}")
    if code in _DENIED or status in (401, 403):
        return SecretAccessDeniedError(
            ref.raw,
            CLOUD,
            code,
            hint="the app's identity needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its customer key)",
        )
    if code in _THROTTLED or status == 429 or status >= 500:
        return SecretUnavailableError(ref.raw, CLOUD, code, retryable=True)
    if code == "InvalidRequestException":
        # GetSecretValue answers this for a secret scheduled for deletion.
        return SecretNotFoundError(ref.raw, CLOUD, code, hint="the secret may be scheduled for deletion")
    return SecretReadError(ref.raw, CLOUD, code)


def _text(ref: AwsSecretRef, response: Any) -> str:
    text = response.get("SecretString")
    if isinstance(text, str):
        return text
    binary = response.get("SecretBinary")
    if isinstance(binary, (bytes, bytearray)):
        return decode_utf8(bytes(binary), ref.raw, CLOUD)
    raise SecretNotFoundError(ref.raw, CLOUD, "NoValue", hint="the current version holds no value")
