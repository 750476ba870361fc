"""Errors raised when an app reads a key at run time.

Messages name the ``secret_ref`` and the backend's error code, never the key's value. The backend's
own exception is kept as ``__cause__`` for debugging (it never carries the value either: a failed read
returns none).
"""

from typing import Optional

from ..errors import AiKeysError, BackendNotInstalledError

__all__ = [
    "KeyPendingError",
    "MissingCredentialsError",
    "MissingExtraError",
    "SecretAccessDeniedError",
    "SecretNotFoundError",
    "SecretReadError",
    "SecretUnavailableError",
    "UnknownSecretRefError",
]


class SecretReadError(AiKeysError):
    """A key could not be read from its backend.

    ``secret_ref`` is the reference that was read, ``cloud`` is ``"aws"``, ``"azure"`` or ``"gcp"``
    and ``code`` is the backend's error code (``"ResourceNotFoundException"``, ``"403"``, ...).
    ``retryable`` tells the cache whether trying again may help (throttling, 5xx, network).
    """

    reason = "could not read secret"

    def __init__(self, secret_ref: str, cloud: str, code: str, *, retryable: bool = False, hint: Optional[str] = None) -> None:
        self.secret_ref = secret_ref
        self.cloud = cloud
        self.code = code
        self.retryable = retryable
        self.hint = hint
        message = f"{self.reason} {secret_ref} ({cloud}: {code})"
        if hint:
            message += f"; {hint}"
        super().__init__(message)

    def __reduce__(self) -> "tuple[object, ...]":
        # Keeps the error picklable (multiprocessing, task queues) despite the keyword-only args.
        return (_rebuild, (type(self), self.secret_ref, self.cloud, self.code, self.retryable, self.args, self.hint))


def _rebuild(
    cls: "type[SecretReadError]",
    secret_ref: str,
    cloud: str,
    code: str,
    retryable: bool,
    args: "tuple[object, ...]",
    hint: Optional[str] = None,
) -> SecretReadError:
    error = cls.__new__(cls)
    error.secret_ref, error.cloud, error.code, error.retryable, error.hint = secret_ref, cloud, code, retryable, hint
    error.args = args
    return error


class SecretNotFoundError(SecretReadError):
    """The secret (or the requested version) does not exist, or is deleted or disabled. Not retried."""

    reason = "secret not found:"


class SecretAccessDeniedError(SecretReadError):
    """The app's identity may not read the secret (or decrypt its key). Not retried."""

    reason = "access denied reading"


class SecretUnavailableError(SecretReadError):
    """The backend failed transiently (throttling, 5xx, network) and no last good value could be served."""

    reason = "secret backend unavailable for"


class KeyPendingError(SecretReadError):
    """The store holds no key yet: its only version is the placeholder a managed rotation writes first
    (``ai_keys.rotation.PLACEHOLDER``), and the rotator the component deployed is issuing the first key. It runs
    at deploy time (AWS: the rotation starts at once; GCP and Azure: on the first version's event), so the key is
    there within minutes of the deploy. Not retried and never cached: the next read asks the store again. The
    placeholder itself is never returned, so an app never sends it to a vendor as a key."""

    reason = "no key yet in"

    def __init__(self, secret_ref: str, cloud: str, code: str = "FirstKeyPending", *, hint: Optional[str] = None) -> None:
        super().__init__(
            secret_ref,
            cloud,
            code,
            retryable=False,
            hint=hint or "the rotator is issuing the first key (it runs once the deploy is done); read it again shortly",
        )


class MissingCredentialsError(SecretUnavailableError):
    """The app has no credentials for the cloud (none configured, or the metadata or token service did not
    answer). Not "access denied": retried, the last good value is served meanwhile, and the SDK client is
    rebuilt on the next attempt so it recovers once the credentials are there. The message says how to fix it.
    """

    reason = "no credentials to read"


CREDENTIALS_FIX = {
    "aws": "give the app AWS credentials: an IAM role (EC2 instance profile, ECS task role, Lambda role, EKS "
    "pod identity or IRSA), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; check that the "
    "instance metadata or container credentials endpoint answers",
    "azure": "give the app an Azure identity DefaultAzureCredential finds: a managed identity, workload "
    "identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or `az login` on a developer machine",
    "gcp": "give the app Application Default Credentials: an attached service account (GCE, Cloud Run, GKE "
    "Workload Identity), GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`",
}
"""What to do when a cloud's default credential chain finds nothing, per cloud."""


def missing_credentials(secret_ref: str, cloud: str, code: str) -> MissingCredentialsError:
    """A :class:`MissingCredentialsError` for ``cloud`` whose hint is that cloud's fix."""
    return MissingCredentialsError(secret_ref, cloud, code, retryable=True, hint=CREDENTIALS_FIX[cloud])


class UnknownSecretRefError(AiKeysError, ValueError):
    """The string passed to ``resolve`` is not a reference any backend produces."""


class MissingExtraError(BackendNotInstalledError):
    """Reading from a cloud needs an SDK that is not installed; the message names the extra to install.

    A :class:`~ai_keys.errors.BackendNotInstalledError`, so one ``except`` covers the deploy-time and
    the run-time case; ``backend`` and ``cloud`` are both the cloud (``"aws"``, ``"azure"``, ``"gcp"``).
    """

    def __init__(self, cloud: str, extra: str, missing_module: str) -> None:
        # The parent's attributes, with a message about reading a key rather than deploying one.
        self.backend = self.cloud = cloud
        self.extra = extra
        ImportError.__init__(
            self,
            f"reading a key from {cloud} needs the {missing_module!r} package, which is not installed: "
            f"run `pip install 'ai-keys[{extra}]'`",
            name=missing_module,
        )
