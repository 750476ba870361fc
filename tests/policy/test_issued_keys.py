"""Every key this project mints is reported by the pack, in every placement the pack covers, by vendor rules alone.

Each issuer of ``ai_keys.issuers.ISSUERS`` makes a key under the mock engine (the key its mock cloud returns, as
``SecureApiKey.value`` carries it); the key is then put, in plaintext, in every value slot of every supported type
(the cases of ``test_coverage`` and ``test_no_plaintext_keys``), in a property of an arbitrary resource and in a
stack output, and the pack must report it with the entropy rule off. A new issuer fails
:func:`test_every_issuer_is_covered` until it has a row here, and a row whose key the pack misses fails the rest.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from ai_keys_policy import no_plaintext_api_keys, no_plaintext_api_keys_in_outputs
from ai_keys_policy.detectors import KeyKind
from ai_keys_policy.envvars import SUPPORTED_TYPES
from test_coverage import SLOT_CASES
from test_no_plaintext_keys import ENV_CASES, ENV_NAME

from ai_keys import SecureApiKey
from ai_keys.issuers import ISSUERS
from ai_keys.testing import mock_pulumi, resolve_output
from ai_keys.testing.stand_ins import OpenAIStandIn

MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
PLAN = {"usage_plan": {"api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}]}}
ADMIN_KEY = "admin-key-of-the-policy-tests"
OPENAI = {"project_id": "proj_policy", "admin_key": ADMIN_KEY}
VENDOR_RULES_ONLY = {"checkEntropy": False}


class Issued(NamedTuple):
    """How to make one issuer's key, the name an app keeps it under, and the kind the pack must report."""

    args: dict[str, Any]
    name: str
    kind: KeyKind


ISSUED: dict[str, Issued] = {
    "gemini": Issued(
        {
            "backend": "gcp-secret-manager",
            "gcp": {"project": "my-project-123"},
            "issuer": {"gemini": {"project": "my-project-123"}},
        },
        "GEMINI_API_KEY",
        KeyKind.GOOGLE_AUTH_KEY,
    ),
    "bedrock": Issued(
        {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": [MODEL]}}},
        "AWS_BEARER_TOKEN_BEDROCK",
        KeyKind.BEDROCK_API_KEY,
    ),
    "azure_ai_services": Issued(
        {
            "backend": "azure-key-vault",
            "azure": {"resource_group_name": "rg-ai", "create_vault": {}},
            "issuer": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}},
        },
        "AZURE_OPENAI_API_KEY",
        KeyKind.AZURE_AI_KEY,
    ),
    "aws_api_gateway": Issued({"issuer": {"aws_api_gateway": PLAN}}, "API_GATEWAY_KEY", KeyKind.AWS_API_GATEWAY_KEY),
    "gcp_api_key": Issued(
        {
            "backend": "aws-secrets-manager",
            "issuer": {
                "gcp_api_key": {"project": "my-project-123", "service": "inference-0abc.apigateway.my-project-123.cloud.goog"}
            },
        },
        "INFERENCE_API_KEY",
        KeyKind.GOOGLE_API_KEY,
    ),
    # 32 hex digits, as API Management generates them: recognised by the name it is kept under.
    "azure_api_management": Issued(
        {
            "backend": "aws-secrets-manager",
            "issuer": {
                "azure_api_management": {
                    "service_name": "apim-ai",
                    "resource_group_name": "rg-ai",
                    "product": {"name": "free", "token_limit": {"tokens_per_minute": 5000}},
                }
            },
        },
        "APIM_SUBSCRIPTION_KEY",
        KeyKind.AZURE_APIM_KEY,
    ),
    # Made by the rotator, never at deploy time: the key is the one OpenAI's admin API answers with (a stand-in's).
    "openai": Issued(
        {"backend": "aws-secrets-manager", "issuer": {"openai": OPENAI}, "rotation": {"every_days": 30}},
        "OPENAI_API_KEY",
        KeyKind.OPENAI,
    ),
}


def _minted_by_the_rotator() -> str:
    """A project service account's key, as OpenAI's admin API makes it for the rotator."""
    with OpenAIStandIn(ADMIN_KEY, projects=(OPENAI["project_id"],)) as vendor:
        request = urllib.request.Request(  # noqa: S310 (the stand-in on 127.0.0.1)
            f"{vendor.url}/v1/organization/projects/{OPENAI['project_id']}/service_accounts",
            data=json.dumps({"name": "ai-keys-policy"}).encode(),
            headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            value: str = json.load(answer)["api_key"]["value"]
    return value


def _minted(issuer: str) -> str:
    if issuer == "openai":
        return _minted_by_the_rotator()
    with mock_pulumi() as engine:
        key = engine.run(lambda: SecureApiKey("ai", ISSUED[issuer].args))  # type: ignore[arg-type]
        resolved = resolve_output(key.value)
    assert resolved.is_secret
    assert isinstance(resolved.value, str)
    return resolved.value


@pytest.fixture(scope="module")
def minted() -> dict[str, str]:
    """Each issuer's key, made once."""
    return {issuer: _minted(issuer) for issuer in ISSUED}


def _named(build: Callable[[Any], dict[str, Any]]) -> Callable[[str, Any], dict[str, Any]]:
    """An ENV_CASES builder, which stores the value under ENV_NAME, storing it under a name of the caller's: the
    name-based vendor rules need the vendor's name."""
    return lambda name, value: json.loads(json.dumps(build(value)).replace(ENV_NAME, name))


Placement = tuple[str, Callable[[str, Any], dict[str, Any]]]

PLACEMENTS: list[Placement] = [
    *((case.resource_type, _named(case.build)) for case in ENV_CASES),
    *((case.resource_type, case.build) for case in SLOT_CASES),
    ("pulumi:providers:custom", lambda n, v: {n: v}),  # any property of any resource
]
PLACEMENT_IDS = [f"{i}-{t.split(':', 1)[1]}" for i, (t, _) in enumerate(PLACEMENTS)]


NO_VENDOR_FORM = {
    "apigee": "an Apigee consumer key is letters and digits with no prefix: a shape rule for it would flag 0.4% of "
    "the corpus's innocent values (docs/issuers/google-client-keys.md); the entropy rule covers it",
}
"""Issuers whose keys have no form a vendor rule could claim, and why."""
APIGEE = {
    "backend": "aws-secrets-manager",
    "issuer": {
        "apigee": {
            "org_id": "organizations/my-project-123",
            "developer_email": "ops@acme.example",
            "app_name": "acme",
            "product_name": "free",
        }
    },
}


def test_every_issuer_is_covered():
    assert set(ISSUED) | set(NO_VENDOR_FORM) == set(ISSUERS)
    assert not set(ISSUED) & set(NO_VENDOR_FORM)


@pytest.mark.parametrize("placement", PLACEMENTS[:3], ids=PLACEMENT_IDS[:3])
def test_a_plaintext_apigee_key_is_left_to_the_entropy_rule(run_resource_policy, placement):
    with mock_pulumi() as engine:
        key = str(resolve_output(engine.run(lambda: SecureApiKey("ai", APIGEE)).value).value)  # type: ignore[arg-type]
    resource_type, build = placement
    assert run_resource_policy(no_plaintext_api_keys, resource_type, build("APIGEE_KEY", key), config=VENDOR_RULES_ONLY) == []
    violations = run_resource_policy(no_plaintext_api_keys, resource_type, build("APIGEE_KEY", key))
    assert len(violations) == 1, [v.message for v in violations]
    assert key[4:16] not in violations[0].message


def test_every_supported_type_is_a_placement():
    assert {t for t, _ in PLACEMENTS} >= SUPPORTED_TYPES


@pytest.mark.parametrize("issuer", sorted(ISSUED))
def test_each_issuer_mints_a_key(minted, issuer):
    assert len(minted[issuer]) >= 20


@pytest.mark.parametrize("issuer", sorted(ISSUED))
@pytest.mark.parametrize("placement", PLACEMENTS, ids=PLACEMENT_IDS)
def test_the_pack_reports_the_minted_key(run_resource_policy, minted, issuer, placement):
    resource_type, build = placement
    issued = ISSUED[issuer]
    key = minted[issuer]
    violations = run_resource_policy(no_plaintext_api_keys, resource_type, build(issued.name, key), config=VENDOR_RULES_ONLY)
    assert len(violations) == 1, [v.message for v in violations]
    message = violations[0].message
    assert f"plaintext {issued.kind.label} in " in message
    assert f"[rule {issued.kind.rule}]" in message
    assert key not in message
    assert key[4:16] not in message


@pytest.mark.parametrize("issuer", sorted(ISSUED))
def test_the_pack_reports_the_minted_key_in_a_stack_output(run_stack_policy, stack_resource, minted, issuer):
    issued = ISSUED[issuer]
    key = minted[issuer]
    stack = stack_resource("pulumi:pulumi:Stack", {issued.name: key, "region": "eu-west-1"})
    violations = run_stack_policy(no_plaintext_api_keys_in_outputs, [stack], config=VENDOR_RULES_ONLY)
    assert len(violations) == 1, [v.message for v in violations]
    assert f"Stack output '{issued.name}' holds what looks like a plaintext {issued.kind.label}" in violations[0].message
    assert key[4:16] not in violations[0].message
