"""Errors raised by ai-keys.

Every message names the offending field by its path in the args (``rotation.every_days``) and says
what is allowed. No message ever contains a key's value.
"""

from typing import Optional

__all__ = ["AiKeysError", "BackendNotInstalledError", "SecureApiKeyError"]


class AiKeysError(Exception):
    """Base class of every error ai-keys raises on purpose."""


class SecureApiKeyError(AiKeysError, ValueError):
    """Bad input to :class:`ai_keys.SecureApiKey`, refused before any resource is registered.

    ``field`` is the dotted path of the offending arg (``"rotation.every_days"``) and ``allowed``
    describes what would have been accepted.
    """

    field: str
    """Dotted path of the arg that was refused, e.g. ``"issuer.aws_api_gateway.usage_plan.quota.period"``."""

    allowed: str
    """What the field accepts, in words."""

    def __init__(self, field: str, problem: str, allowed: Optional[str] = None) -> None:
        self.field = field
        self.allowed = allowed or ""
        message = f"SecureApiKey args.{field}: {problem}" if field else f"SecureApiKey args: {problem}"
        if allowed:
            message += f"; allowed: {allowed}"
        super().__init__(message)


class BackendNotInstalledError(AiKeysError, ImportError):
    """The chosen backend (or a block of the args that registers resources of another provider, such as
    ``kubernetes``) needs an SDK that is not installed; the message names the extra."""

    def __init__(self, backend: str, extra: str, missing_module: str, *, field: Optional[str] = None) -> None:
        self.backend = backend
        self.extra = extra
        needs = f"args.{field}" if field is not None else f"backend {backend!r}"
        super().__init__(
            f"SecureApiKey {needs} needs the {missing_module!r} package, which is not "
            f"installed: run `pip install 'ai-keys[{extra}]'`",
            name=missing_module,
        )
