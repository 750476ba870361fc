"""Stores: one module per cloud secret store (the `backend` arg), imported only when chosen so no unused cloud SDK loads."""

import importlib
import importlib.util
import sys
from typing import Optional, Protocol

import pulumi

from ..args import Backend
from ..errors import BackendNotInstalledError
from ..rules import KeySpec
from .result import BackendResult

__all__ = ["BackendModule", "BackendResult", "load_backend"]

# backend -> (module in this package, pip extra, the SDK module it needs)
_BACKENDS: dict[Backend, tuple[str, str, str]] = {
    Backend.AWS_SECRETS_MANAGER: ("aws_secrets_manager", "aws", "pulumi_aws"),
    Backend.AWS_API_GATEWAY: ("aws_api_gateway", "aws", "pulumi_aws"),
    Backend.AZURE_KEY_VAULT: ("azure_key_vault", "azure", "pulumi_azure_native"),
    Backend.GCP_SECRET_MANAGER: ("gcp_secret_manager", "gcp", "pulumi_gcp"),
}


class BackendModule(Protocol):
    """What every store module provides."""

    def create(
        self, name: str, spec: KeySpec, parent: pulumi.Resource, value: "Optional[pulumi.Output[str]]" = None
    ) -> BackendResult:
        """Register the backend's child resources under ``parent`` and return the uniform outputs. ``value`` is
        the issued key when an issuer made it (a Pulumi secret); otherwise the store takes ``spec.value``."""
        ...


def load_backend(backend: Backend) -> BackendModule:
    """Import the module for ``backend``; a missing SDK raises an error naming the pip extra."""
    module_name, extra, sdk = _BACKENDS[backend]
    # An SDK already imported needs no search of sys.path (the common case: every key after the first).
    if sys.modules.get(sdk) is None and importlib.util.find_spec(sdk) is None:
        raise BackendNotInstalledError(backend.value, extra, sdk)
    module: BackendModule = importlib.import_module(f"{__name__}.{module_name}")
    return module
