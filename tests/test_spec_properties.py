"""Property: whatever args a user writes, validation either accepts them or raises SecureApiKeyError —
never a TypeError, KeyError or AttributeError — and nothing is registered before it decides."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.args import Backend
from ai_keys.delivery import esc, kubernetes
from ai_keys.issuers import azure_ai_services, bedrock, gemini
from ai_keys.rules import build_spec
from ai_keys.rules.common import ENCRYPTION_FIELDS, ROTATION_FIELDS, TOP_LEVEL_FIELDS
from ai_keys.stores.aws_api_gateway import rules as aws_api_gateway
from ai_keys.stores.azure_key_vault import rules as azure_key_vault
from ai_keys.stores.gcp_secret_manager import rules as gcp_secret_manager
from ai_keys.testing import mock_pulumi

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "eu-west-1",
            "us-central1",
            "DAY",
            "arn:aws:iam::123456789012:role/app",
            "serviceAccount:a@b.iam.gserviceaccount.com",
            "my-project-123",
            "caller@my-project-123.iam.gserviceaccount.com",
            "203.0.113.0/24",
            "::/0",
            "10.0.0.5/8",
            "com.example.my-app",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4",
            "key1",
            "inference",
            "1h",
            "csi",
            "acme/ai/prod",
            "6f1c2a9e-1111-4222-8333-444455556666",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
BLOCK_FIELDS = {
    "rotation": ROTATION_FIELDS,
    "encryption": ENCRYPTION_FIELDS,
    "aws": ("force_overwrite_replica_secret",),
    "azure": azure_key_vault.BLOCK_FIELDS,
    "gcp": gcp_secret_manager.GCP_FIELDS,
    "api_gateway": (*aws_api_gateway.BLOCK_FIELDS, "store_in_secrets_manager"),  # the earlier spelling, refused
    "kubernetes": kubernetes.FIELDS,
    "esc": esc.FIELDS,
}
ISSUER_FIELDS = {
    "gemini": gemini.FIELDS,
    "bedrock": bedrock.FIELDS,
    "azure_ai_services": azure_ai_services.FIELDS,
    "aws_api_gateway": aws_api_gateway.BLOCK_FIELDS,
}


@st.composite
def issuer_blocks(draw: st.DrawFn) -> dict[str, Any]:
    """An ``issuer`` naming one issuer, with some of that issuer's own fields set to anything."""
    name = draw(st.sampled_from(sorted(ISSUER_FIELDS)))
    keys = draw(st.lists(st.sampled_from(ISSUER_FIELDS[name]), unique=True, max_size=4))
    return {name: draw(st.fixed_dictionaries(dict.fromkeys(keys, values)))}


@st.composite
def user_args(draw: st.DrawFn) -> dict[str, Any]:
    # The earlier API Gateway spelling too: its refusal shows whatever block it was given in the issuer spelling.
    backends = [*(b.value for b in Backend), "aws-api-gateway"]
    args: dict[str, Any] = {"backend": draw(st.one_of(st.sampled_from(backends), values))}
    for field in draw(st.lists(st.sampled_from([*TOP_LEVEL_FIELDS, "api_gateway"]), unique=True, max_size=6)):
        if field in BLOCK_FIELDS:
            keys = draw(st.lists(st.sampled_from(BLOCK_FIELDS[field]), unique=True, max_size=4))
            args[field] = draw(st.one_of(values, st.fixed_dictionaries(dict.fromkeys(keys, values))))
        elif field == "issuer":
            args[field] = draw(st.one_of(values, issuer_blocks()))
        elif field != "backend":
            args[field] = draw(values)
    return args


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user_args())
def test_validation_only_ever_raises_secure_api_key_error(args: dict[str, Any]) -> None:
    try:
        build_spec(args)
    except SecureApiKeyError as error:
        message = str(error)
    else:
        return
    assert message.startswith("SecureApiKey args")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user_args())
def test_a_refused_component_registers_nothing(args: dict[str, Any]) -> None:
    try:
        build_spec(args)
    except SecureApiKeyError:
        with mock_pulumi() as engine, pytest.raises(SecureApiKeyError):
            engine.run(lambda: SecureApiKey("fuzzed", args))  # type: ignore[arg-type]
        assert engine.resources == []
