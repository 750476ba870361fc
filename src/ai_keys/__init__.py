"""ai-keys: store API keys for AI services in AWS, Azure or GCP secret stores, secure by default.

The package root exports the public API only; importing it loads no cloud SDK.
"""

from ._version import __version__
from .args import (
    ApiGatewayArgs,
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
from .errors import AiKeysError, BackendNotInstalledError, SecureApiKeyError

__all__ = [
    "AiKeysError",
    "ApiGatewayArgs",
    "ApiStageArgs",
    "AwsArgs",
    "AzureArgs",
    "AzureNetworkArgs",
    "AzureVaultArgs",
    "Backend",
    "BackendNotInstalledError",
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
