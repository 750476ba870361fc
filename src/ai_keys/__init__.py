"""ai-keys: store API keys for AI services in AWS, Azure or GCP secret stores, secure by default.

The package root exports the public API only. It loads lazily: ``import ai_keys.runtime`` in an app that
only reads keys never loads the Pulumi SDK, and nothing here ever loads a cloud SDK.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import AiKeysError, BackendNotInstalledError, SecureApiKeyError

if TYPE_CHECKING:
    from .args import (
        ApiStageArgs,
        AwsArgs,
        AzureArgs,
        AzureNetworkArgs,
        AzureVaultArgs,
        Backend,
        EncryptionArgs,
        GcpArgs,
        MethodThrottleArgs,
        QuotaArgs,
        RotationArgs,
        SecureApiKeyArgs,
        ThrottleArgs,
        UsagePlanArgs,
    )
    from .component import SecureApiKey
    from .rules.deploy_time import DeployTimeError

__all__ = [
    "AiKeysError",
    "ApiStageArgs",
    "AwsArgs",
    "AzureArgs",
    "AzureNetworkArgs",
    "AzureVaultArgs",
    "Backend",
    "BackendNotInstalledError",
    "DeployTimeError",
    "EncryptionArgs",
    "GcpArgs",
    "MethodThrottleArgs",
    "QuotaArgs",
    "RotationArgs",
    "SecureApiKey",
    "SecureApiKeyArgs",
    "SecureApiKeyError",
    "ThrottleArgs",
    "UsagePlanArgs",
    "__version__",
]

_LAZY = {name: ".args" for name in __all__ if name.endswith("Args") or name == "Backend"} | {
    "SecureApiKey": ".component",
    "DeployTimeError": ".rules.deploy_time",
}


def __getattr__(name: str) -> Any:
    # PEP 562: import the Pulumi-dependent parts on first use only.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ai_keys' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
