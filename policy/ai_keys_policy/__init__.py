"""Pulumi CrossGuard policies that keep AI API keys out of plaintext.

The policy objects live in :mod:`ai_keys_policy.policies` and :mod:`ai_keys_policy.service_keys`;
:data:`POLICIES` lists all of them.
The pack itself is built in the pack's ``__main__.py``, which is the only module that constructs a
``PolicyPack`` (doing so starts the analyzer server and never returns).
"""

from .policies import (
    POLICIES,
    no_plaintext_api_keys,
    no_plaintext_api_keys_in_outputs,
    secret_store_customer_managed_key,
    secret_store_no_public_read,
    secret_store_rotation,
)
from .service_keys import bedrock_api_key_expiry, google_api_key_api_targets, no_plaintext_azure_ai_account_keys

__all__ = [
    "POLICIES",
    "bedrock_api_key_expiry",
    "google_api_key_api_targets",
    "no_plaintext_api_keys",
    "no_plaintext_api_keys_in_outputs",
    "no_plaintext_azure_ai_account_keys",
    "secret_store_customer_managed_key",
    "secret_store_no_public_read",
    "secret_store_rotation",
]
