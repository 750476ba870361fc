"""What the `gcp-secret-manager` backend accepts."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SecureApiKeyError
from .common import CommonSpec


@dataclass(frozen=True)
class GcpSecretManagerOptions:
    """Resolved settings of this backend."""


def validate(common: CommonSpec, args: Mapping[str, Any]) -> GcpSecretManagerOptions:
    raise SecureApiKeyError("backend", "is not implemented yet", "aws-secrets-manager")
