"""Vendors and cloud APIs on 127.0.0.1, for testing managed rotation offline.

Each stand-in is an HTTP server in a daemon thread (``.url``; stop it with ``.stop()`` or use it as a context
manager) that enforces the real service's limits and counts what a rotation test needs through its
:class:`KeyLedger` (``.keys``): the keys live now, the most ever live at once, every key ever valid and each key's
validity window. Every one injects faults on request (``.faults.fail_next(n, 500 | 429, retry_after=...)``) and
serves the same app API for its live keys (``/v1/models``, ``/v1/chat/completions``, ``/v1/messages``), so one
openai or anthropic SDK client can call any of them with ``base_url``. Give them one :class:`SimClock` (``clock=``)
and its ``sleep`` to the rotator so activation delays and 30-day soft deletes pass at once.

* :class:`OpenAIStandIn`: OpenAI's admin API for project service accounts, and their keys.
* :class:`IamStandIn`: IAM service-specific credentials (Bedrock API keys) in the IAM Query protocol.
* :class:`GoogleApiKeysStandIn`, :class:`MetadataStandIn`: Google's API Keys API (soft deletes held 30 days) and
  the metadata server's token.
* :class:`AzureAiServicesStandIn`, :class:`KeyVaultStandIn`, :class:`IdentityStandIn`: an AI Services account's
  key1/key2 over ARM, Key Vault's secrets, and the managed identity token endpoint.
* :class:`AzureApiManagementStandIn`: an API Management subscription's primary/secondary keys over ARM, and the
  gateway, which takes the key in ``Ocp-Apim-Subscription-Key`` only.
* :class:`ApiGatewayDataPlane`: API Gateway's data plane over moto's control plane, with the activation delay.
"""

from ._keys import AppCall, KeyLedger, KeyRecord, digest
from ._server import Faults, Reply, Request, SimClock, StandIn
from .apigateway import ApiGatewayDataPlane
from .azure import AzureAiServicesStandIn, AzureApiManagementStandIn, IdentityStandIn, KeyVaultStandIn
from .google import GoogleApiKeysStandIn, MetadataStandIn
from .iam import IamStandIn
from .openai import OpenAIStandIn

__all__ = [
    "ApiGatewayDataPlane",
    "AppCall",
    "AzureAiServicesStandIn",
    "AzureApiManagementStandIn",
    "Faults",
    "GoogleApiKeysStandIn",
    "IamStandIn",
    "IdentityStandIn",
    "KeyLedger",
    "KeyRecord",
    "KeyVaultStandIn",
    "MetadataStandIn",
    "OpenAIStandIn",
    "Reply",
    "Request",
    "SimClock",
    "StandIn",
    "digest",
]
