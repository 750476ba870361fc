"""Azure API Management subscription keys in plaintext: 32 hex digits, recognised by the name they are kept under.

32 hex digits alone are not distinctive (an MD5 checksum, a Key Vault secret version, an Azure AI Services key have
that shape), so the rule needs a name that speaks of API Management: a word starting with ``apim`` (``APIM_KEY``,
``Ocp-Apim-Subscription-Key``, the header clients send the key in) or the words ``api management``, together with a
credential word. Names that only say "subscription key" are left to the Azure AI and entropy rules: Cognitive
Services keys go in the same header and are called subscription keys too.
"""

from __future__ import annotations

import random

import pytest
from ai_keys_policy.detectors import KeyKind, find_key_by_name
from corpus import HEX, innocent_values

KEY = "".join(random.Random(7).choice(HEX) for _ in range(32))


@pytest.mark.parametrize(
    "name",
    [
        "APIM_SUBSCRIPTION_KEY",
        "Ocp-Apim-Subscription-Key",
        "apimKey",
        "ApimSettings__SubscriptionKey",
        "API_MANAGEMENT_KEY",
        "AZURE_APIM_API_KEY",
        "apim_primary_key",
    ],
)
def test_32_hex_digits_under_an_api_management_credential_name(name: str) -> None:
    found = find_key_by_name(name, KEY)
    assert found is not None
    assert found.kind is KeyKind.AZURE_APIM_KEY
    assert found.hint == ""  # no part of the key


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("APIM_SUBSCRIPTION_ID", KEY),  # an id, by its name
        ("APIM_SERVICE_NAME", KEY),
        ("APIM_GATEWAY_URL", KEY),
        ("SUBSCRIPTION_KEY", KEY),  # no vendor named: Cognitive Services keys are "subscription keys" too
        ("CAPIMAGE_KEY", KEY),  # "apim" inside another word
        ("RAPID_IMAGE_TOKEN", KEY),
        ("APIM_SUBSCRIPTION_KEY", KEY[:31]),  # not API Management's shape
        ("APIM_SUBSCRIPTION_KEY", KEY[:31] + "g"),
        ("APIM_KEY", KEY + "0"),
    ],
)
def test_other_names_and_shapes_are_not_api_management_keys(name: str, value: str) -> None:
    found = find_key_by_name(name, value)
    assert found is None or found.kind is not KeyKind.AZURE_APIM_KEY


def test_an_azure_ai_name_keeps_its_own_kind() -> None:
    found = find_key_by_name("AZURE_OPENAI_API_KEY", KEY)
    assert found is not None
    assert found.kind is KeyKind.AZURE_AI_KEY


def test_no_innocent_value_of_the_corpus_is_taken_for_an_api_management_key() -> None:
    """Precision on the corpus: every innocent value, under its own name and under an API Management name that
    says it is public (``APIM_SUBSCRIPTION_ID``), is never reported as a subscription key."""
    samples = innocent_values()
    hex32 = [s for s in samples if len(s.value) == 32 and all(c in HEX for c in s.value.lower())]
    assert hex32  # the corpus holds MD5-like values, the shape at stake
    for sample in samples:
        for name in (sample.name, "APIM_SUBSCRIPTION_ID", "APIM_ETAG"):
            found = find_key_by_name(name, sample.value)
            assert found is None or found.kind is not KeyKind.AZURE_APIM_KEY, (sample.label, name)
