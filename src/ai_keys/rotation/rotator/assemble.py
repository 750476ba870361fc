"""Builds the store and the vendor a run needs from its :class:`~.settings.Settings`."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional, Union

from .engine import Vendor
from .http import HttpClient
from .settings import Settings
from .store_aws import AwsStore
from .store_azure import AzureStore
from .store_gcp import GcpStore
from .tokens import AzureIdentity, GcpMetadata
from .vendor_aws_api_gateway import ApiGatewayVendor
from .vendor_azure_ai_services import AzureAiServicesVendor
from .vendor_azure_api_management import AzureApiManagementVendor
from .vendor_bedrock import BedrockVendor
from .vendor_gemini import GeminiVendor
from .vendor_openai import OpenAIVendor

__all__ = ["ARM", "KEYVAULT", "Parts", "build"]

KEYVAULT = "https://vault.azure.net"
ARM = "https://management.azure.com"

Store = Union[AwsStore, GcpStore, AzureStore]


@dataclass(frozen=True)
class Parts:
    """The store and the vendor of one run."""

    store: Store
    vendor: Vendor


class _Once:
    """A value read at most once per run (the admin key), on first use."""

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._value: Optional[str] = None

    def __call__(self) -> str:
        with self._lock:
            if self._value is None:
                self._value = self._read()
            return self._value

    def __repr__(self) -> str:
        return "_Once(<hidden>)"


def build(
    settings: Settings,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    rotation_token: Optional[str] = None,
) -> Parts:
    """The store of ``AIKEYS_STORE`` and the vendor of ``AIKEYS_ISSUER``."""
    http = HttpClient(sleep=sleep)
    clock = lambda: now().timestamp()  # noqa: E731 - tokens expire on the run's clock
    store: Store
    arm_token: Callable[[], str] = _no_token
    gcp_token: Callable[[], str] = _no_token
    if settings.store == "aws":
        store = AwsStore.from_settings(settings, rotation_token)
    elif settings.store == "gcp":
        gcp_token = GcpMetadata(settings.endpoint("METADATA"), http, clock)
        store = GcpStore.from_settings(settings, gcp_token, http)
    else:
        assert settings.identity_endpoint is not None
        assert settings.identity_header is not None
        identity = AzureIdentity(settings.identity_endpoint, settings.identity_header, http, clock)
        arm_token = identity.source(ARM)
        store = AzureStore.from_settings(settings, identity.source(KEYVAULT), http, now)
    return Parts(store, _vendor(settings, store, http, sleep, gcp_token, arm_token))


def _vendor(
    settings: Settings,
    store: Store,
    http: HttpClient,
    sleep: Callable[[float], None],
    gcp_token: Callable[[], str],
    arm_token: Callable[[], str],
) -> Vendor:
    if settings.issuer == "bedrock":
        return BedrockVendor.from_settings(settings, sleep)
    if settings.issuer == "aws_api_gateway":
        return ApiGatewayVendor.from_settings(settings, http, sleep)
    if settings.issuer == "gemini":
        return GeminiVendor.from_settings(settings, gcp_token, http, sleep)
    if settings.issuer == "azure_ai_services":
        return AzureAiServicesVendor.from_settings(settings, arm_token, http)
    if settings.issuer == "azure_api_management":
        return AzureApiManagementVendor.from_settings(settings, arm_token, http)
    ref = settings.admin_key_ref
    assert ref is not None
    if isinstance(store, GcpStore):  # refused at deploy: a GCP version carries no key id, and OpenAI shows a key once
        raise ValueError("an OpenAI key rotates in aws or azure only")
    return OpenAIVendor.from_settings(settings, _Once(lambda: store.read_secret(ref)), http)


def _no_token() -> str:
    raise RuntimeError("no token source for this cloud")
