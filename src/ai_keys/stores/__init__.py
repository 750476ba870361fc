"""Stores: where a key is kept (the ``backend`` arg). The registry of every store.

Each store is one package, ``stores/<store>/``: its entry (``__init__.py``, what :class:`StoreModule` asks for),
its rules (``rules.py``), its resources (``resources.py``, with private helpers such as ``_kms.py``), and its mock
outputs (``mock.py``). Only the resources import the cloud SDK, when a key is stored there: importing this package,
a store's entry or its rules loads none. Adding a store is a package and one line in :data:`STORES`; what every
store shares lives in :mod:`ai_keys.rules` (the common args and checks) and here (:class:`BackendResult`).
"""

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from typing import Any, Callable, Optional, Protocol

import pulumi

from ..errors import BackendNotInstalledError
from ..rotation import RotatorNeeds
from ..rules import KeySpec, StoreRules
from ..rules.common import StoreName
from .result import BackendResult

__all__ = [
    "STORES",
    "BackendResult",
    "StoreModule",
    "load_backend",
    "mock_tables",
    "store_module",
    "stores_for_issued_keys",
]

STORES: dict[StoreName, str] = {
    StoreName.AWS_SECRETS_MANAGER: "aws_secrets_manager",
    StoreName.AWS_API_GATEWAY: "aws_api_gateway",
    StoreName.AZURE_KEY_VAULT: "azure_key_vault",
    StoreName.GCP_SECRET_MANAGER: "gcp_secret_manager",
}
"""Store (a ``backend`` value, or the API Gateway store behind ``issuer.aws_api_gateway``) -> the store's package in
this package: one line per store."""


class StoreModule(StoreRules, Protocol):
    """What every store's entry (``stores/<store>/__init__.py``) provides: its rules, as :func:`ai_keys.rules.build_spec`
    asks for them (:class:`~ai_keys.rules.StoreRules`: ``KEEPS_ISSUED_KEYS``, ``validate``, ``checked_at_deploy``,
    ``checked_reader``, ``check_reader_set``), and the rest below."""

    EXTRA: str
    """The pip extra that installs the store's cloud SDK (``pip install 'ai-keys[EXTRA]'``)."""
    SDK: str
    """The cloud SDK module the store's resources import."""

    def create(
        self,
        name: str,
        spec: KeySpec,
        parent: pulumi.Resource,
        value: "Optional[pulumi.Output[str]]" = None,
        *,
        rotator: "Optional[RotatorNeeds]" = None,
    ) -> BackendResult:
        """Register the store's child resources under ``parent`` and return the uniform outputs. ``value`` is
        the issued key when an issuer made it (a Pulumi secret); otherwise the store takes ``spec.value``. With a
        managed rotation (``spec.rotation.managed``), ``rotator`` is what the issuer asks of the rotator the store
        deploys beside the secret (:mod:`ai_keys.rotation.deploy`). The entry gives its ``resources.create`` itself,
        imported on first use (it loads the cloud SDK)."""
        ...

    MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any], dict[str, dict[str, Any]]], tuple[str, dict[str, Any]]]]
    """Mock outputs of the resource types the store creates: ``(name, inputs, states by id) -> (id, state)``."""
    MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]]
    """Mock results of invokes only the store makes, by token."""


def store_module(backend: StoreName) -> StoreModule:
    """The entry of the store for ``backend``: its rules and tables, no cloud SDK."""
    module: StoreModule = importlib.import_module(f"{__name__}.{STORES[backend]}")
    return module


def load_backend(backend: StoreName) -> StoreModule:
    """The store for ``backend``, ready to create resources; a missing SDK raises an error naming the pip extra."""
    module = store_module(backend)
    # An SDK already imported needs no search of sys.path (the common case: every key after the first).
    if sys.modules.get(module.SDK) is None and importlib.util.find_spec(module.SDK) is None:
        # The API Gateway store is named as users write it, like an issuer ("issuer gemini").
        named = "issuer aws_api_gateway" if backend is StoreName.AWS_API_GATEWAY else backend.value
        raise BackendNotInstalledError(named, module.EXTRA, module.SDK)
    return module


def stores_for_issued_keys() -> list[str]:
    """The backends that keep a key an issuer made, in registry order."""
    return [backend.value for backend in STORES if store_module(backend).KEEPS_ISSUED_KEYS]


def mock_tables() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every store's mock outputs (by resource type) and mock invokes (by token), merged. The mock engine loads
    them once, when it is imported, so no registration waits for a store's module to import."""
    outputs: dict[str, Any] = {}
    calls: dict[str, Any] = {}
    for backend in STORES:
        module = store_module(backend)
        outputs.update(module.MOCK_OUTPUTS)
        calls.update(module.MOCK_CALLS)
    return outputs, calls
