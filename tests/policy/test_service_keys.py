"""The policies on keys that AI services issue: Google API keys, Bedrock API keys, Azure AI Services account keys."""

from __future__ import annotations

from collections import Counter
from typing import Any

import corpus
import pytest
from ai_keys_policy import (
    POLICIES,
    bedrock_api_key_expiry,
    google_api_key_api_targets,
    no_plaintext_azure_ai_account_keys,
)
from ai_keys_policy.azure_ai_keys import is_annotated_key, looks_like_account_key
from conftest import random_token
from pulumi_policy import Secret
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE

GOOGLE_API_KEY = "gcp:projects/apiKey:ApiKey"
CREDENTIAL = "aws:iam/serviceSpecificCredential:ServiceSpecificCredential"
STACK = "pulumi:pulumi:Stack"
KEY_VAULT_SECRET = "azure-native:keyvault:Secret"
NAMED_VALUE = "azure-native:apimanagement:NamedValue"
ACCOUNT = "azure-native:cognitiveservices:Account"

HEX = "0123456789abcdef"
AZURE_KEY = random_token(15, HEX, 32)
AZURE_KEY2 = random_token(16, HEX, 32)
# The current format: 52 random, JQQJ99, version and [A-L], 12 platform and 4 provider characters, ACOG, 4 random.
ANNOTATED_KEY = "FAKE" * 13 + "JQQJ99" + "BA" + "FAKEFAKEFAKE" + "AAAA" + "ACOG" + "FAKE"
SERVICE_KEYS = (google_api_key_api_targets, bedrock_api_key_expiry, no_plaintext_azure_ai_account_keys)


def messages(violations: list[Any]) -> list[str]:
    return [v.message for v in violations]


def assert_no_value(violations: list[Any], *values: str) -> None:
    assert violations
    for message in messages(violations):
        for value in values:
            assert value not in message


def test_every_service_key_policy_is_in_the_pack() -> None:
    assert set(SERVICE_KEYS) <= set(POLICIES)


# --------------------------------------------------------------------------------------------------
# Google API keys name the APIs they may call
# --------------------------------------------------------------------------------------------------


class TestGoogleApiKeyApiTargets:
    @pytest.mark.parametrize(
        ("props", "where"),
        [
            ({}, "has no restrictions:"),
            ({"restrictions": {"browserKeyRestrictions": {"allowedReferrers": ["https://app.example.com/*"]}}}, "apiTargets"),
            ({"restrictions": {"apiTargets": []}}, "apiTargets"),
            ({"restrictions": Secret({"serverKeyRestrictions": {"allowedIps": ["203.0.113.7"]}})}, "apiTargets"),
        ],
        ids=["no-restrictions", "referrers-only", "empty-targets", "secret-restrictions-without-targets"],
    )
    def test_a_key_that_can_call_any_api_is_reported(self, run_resource_policy, keys, props, where) -> None:
        props = {"project": "maps-team-123", "keyString": keys.GOOGLE, **props}
        violations = run_resource_policy(google_api_key_api_targets, GOOGLE_API_KEY, props, name="maps-key")
        assert len(violations) == 1
        assert "Google API key 'maps-key'" in violations[0].message
        assert where in violations[0].message
        assert "Gemini API" in violations[0].message
        assert_no_value(violations, keys.GOOGLE)

    @pytest.mark.parametrize(
        "restrictions",
        [
            {"apiTargets": [{"service": "generativelanguage.googleapis.com"}]},
            {"apiTargets": [{"service": "maps-backend.googleapis.com", "methods": ["*"]}]},  # another project's key
            UNKNOWN_OBJECT_VALUE,  # preview: judged at deploy time
            {"apiTargets": UNKNOWN_OBJECT_VALUE},
        ],
        ids=["gemini", "maps", "unknown-restrictions", "unknown-targets"],
    )
    def test_a_key_with_api_targets_is_compliant(self, run_resource_policy, restrictions) -> None:
        assert run_resource_policy(google_api_key_api_targets, GOOGLE_API_KEY, {"restrictions": restrictions}) == []

    def test_other_types_are_not_judged(self, run_resource_policy) -> None:
        assert run_resource_policy(google_api_key_api_targets, "gcp:apikeys/key:Key", {}) == []

    def test_allowed_resource_names(self, run_resource_policy) -> None:
        config = {"allowedResourceNames": ["legacy-*"]}
        run = run_resource_policy
        assert run(google_api_key_api_targets, GOOGLE_API_KEY, {}, name="legacy-maps", config=config) == []
        assert len(run(google_api_key_api_targets, GOOGLE_API_KEY, {}, name="maps", config=config)) == 1


# --------------------------------------------------------------------------------------------------
# Bedrock API keys expire
# --------------------------------------------------------------------------------------------------


class TestBedrockApiKeyExpiry:
    @pytest.mark.parametrize("service", ["bedrock.amazonaws.com", "Bedrock.AmazonAWS.com", Secret("bedrock.amazonaws.com")])
    def test_a_key_that_never_expires_is_reported(self, run_resource_policy, service) -> None:
        props = {"serviceName": service, "userName": "bedrock-caller", "serviceCredentialSecret": Secret("ABSK" + "FAKE" * 15)}
        violations = run_resource_policy(bedrock_api_key_expiry, CREDENTIAL, props, name="bedrock-key")
        assert messages(violations) == [
            f"Bedrock API key 'bedrock-key' ({CREDENTIAL}) has no credentialAgeDays: the Bedrock API key never expires."
        ]

    @pytest.mark.parametrize(
        "props",
        [
            {"serviceName": "bedrock.amazonaws.com", "credentialAgeDays": 90},
            {"serviceName": "bedrock.amazonaws.com", "credentialAgeDays": UNKNOWN_NUMBER_VALUE},
            {"serviceName": "codecommit.amazonaws.com"},  # not a Bedrock key: passwords for Git have no expiry setting
            {"serviceName": UNKNOWN_STRING_VALUE},
        ],
        ids=["expires", "unknown-age", "codecommit", "unknown-service"],
    )
    def test_compliant_or_not_a_bedrock_key(self, run_resource_policy, props) -> None:
        assert run_resource_policy(bedrock_api_key_expiry, CREDENTIAL, props) == []

    def test_allowed_resource_names(self, run_resource_policy) -> None:
        props = {"serviceName": "bedrock.amazonaws.com"}
        config = {"allowedResourceNames": ["break-glass"]}
        assert run_resource_policy(bedrock_api_key_expiry, CREDENTIAL, props, name="break-glass", config=config) == []
        assert len(run_resource_policy(bedrock_api_key_expiry, CREDENTIAL, props, name="app", config=config)) == 1


# --------------------------------------------------------------------------------------------------
# No plaintext Azure AI Services account keys
# --------------------------------------------------------------------------------------------------


class TestAzureAccountKeyShapes:
    def test_the_current_format_is_recognised_by_its_signature(self) -> None:
        assert len(ANNOTATED_KEY) == 84
        assert is_annotated_key(ANNOTATED_KEY)
        assert is_annotated_key(ANNOTATED_KEY + "AA==")  # the long form
        assert is_annotated_key(f"api-key: {ANNOTATED_KEY}")

    @pytest.mark.parametrize(
        "text",
        [
            "FAKE" * 21,  # 84 characters, no signature
            ANNOTATED_KEY.replace("ACOG", "AZEG"),  # Event Grid's key, not Cognitive Services'
            ANNOTATED_KEY.replace("JQQJ99", "JQQJ9D"),  # a derived key, not an access key
            "X" + ANNOTATED_KEY,  # the signature is at the wrong offset
            ANNOTATED_KEY[1:],
        ],
        ids=["no-signature", "other-provider", "derived", "too-long", "too-short"],
    )
    def test_near_misses_are_not_keys(self, text) -> None:
        assert not is_annotated_key(text)

    @pytest.mark.parametrize(
        "path",
        ["key1", "keys.key2", "aoai.primary.apiKey", "openaiKey", "cognitiveServices.key", "AZURE_OPENAI_API_KEY"],
    )
    def test_32_hex_under_the_names_of_an_account_key(self, path) -> None:
        assert looks_like_account_key(path, AZURE_KEY) is not None

    @pytest.mark.parametrize("path", ["apiKey", "checksum", "openai.etag", "aoai.version", "keys.key1Id", "primary"])
    def test_32_hex_under_other_names_is_not_judged_an_account_key(self, path) -> None:
        assert looks_like_account_key(path, AZURE_KEY) is None

    def test_a_credential_name_is_enough_where_the_stack_holds_an_account(self) -> None:
        assert looks_like_account_key("apiKey", AZURE_KEY, azure_context=True) is not None
        assert looks_like_account_key("checksum", AZURE_KEY, azure_context=True) is None


class TestOnTheCorpus:
    """The Azure account key rules on the labelled corpus of the other policies (fixed seed): rates, not timings."""

    def test_no_innocent_value_is_judged_an_account_key(self) -> None:
        innocents = corpus.innocent_values()
        for azure_context in (False, True):  # True: the most permissive reading, a stack with an account
            judged = [s.label for s in innocents if looks_like_account_key(s.name, s.value, azure_context=azure_context)]
            assert judged == [], azure_context

    def test_every_azure_key_of_the_corpus_and_no_other_vendors_key_is_recognised(self) -> None:
        samples = corpus.vendor_keys()
        judged = Counter(s.kind for s in samples if looks_like_account_key(s.name, s.value))
        assert judged == {"AZURE_AI_KEY": sum(1 for s in samples if s.kind == "AZURE_AI_KEY")}
        assert judged["AZURE_AI_KEY"] >= 1000


class TestNoPlaintextAzureAiAccountKeys:
    def run(self, run_stack_policy, stack_resource, outputs: dict[str, Any], *others: Any, config=None) -> list[Any]:
        resources = [*others, stack_resource(STACK, outputs, "proj-dev")]
        return run_stack_policy(no_plaintext_azure_ai_account_keys, resources, config)

    @pytest.mark.parametrize(
        ("outputs", "paths"),
        [
            ({"keys": {"key1": AZURE_KEY, "key2": AZURE_KEY2}}, ["keys.key1", "keys.key2"]),
            ({"key1": AZURE_KEY}, ["key1"]),
            ({"aoaiKey": AZURE_KEY}, ["aoaiKey"]),
            ({"openai": {"endpoint": "https://my-aoai.openai.azure.com/", "apiKey": AZURE_KEY}}, ["openai.apiKey"]),
            ({"primary": ANNOTATED_KEY}, ["primary"]),
        ],
        ids=["whole-result", "key1", "aoai-name", "next-to-endpoint", "current-format-any-name"],
    )
    def test_a_key_in_a_stack_output_is_reported(self, run_stack_policy, stack_resource, outputs, paths) -> None:
        violations = self.run(run_stack_policy, stack_resource, outputs)
        assert [m.split("'")[1] for m in messages(violations)] == paths
        assert all("Azure OpenAI / AI services account key" in m for m in messages(violations))
        assert all(v.urn is not None and v.urn.endswith("::proj-dev") for v in violations)
        assert_no_value(violations, AZURE_KEY, AZURE_KEY2, ANNOTATED_KEY)

    def test_a_credential_name_counts_in_a_stack_that_holds_an_account(self, run_stack_policy, stack_resource) -> None:
        outputs = {"apiKey": AZURE_KEY}
        assert self.run(run_stack_policy, stack_resource, outputs) == []  # no sign of Azure AI: maybe a checksum
        account = stack_resource(ACCOUNT, {"kind": "OpenAI", "properties": {}}, "aoai")
        violations = self.run(run_stack_policy, stack_resource, outputs, account)
        assert len(violations) == 1
        assert "holds an Azure AI Services account" in violations[0].message

    def test_an_unmarked_copy_of_a_stored_key_is_reported_under_any_name(self, run_stack_policy, stack_resource) -> None:
        stored = stack_resource(KEY_VAULT_SECRET, {"properties": Secret({"value": AZURE_KEY})}, "aoai-secret")
        violations = self.run(run_stack_policy, stack_resource, {"primary": AZURE_KEY}, stored)
        assert len(violations) == 1
        assert f"marked secret in aoai-secret:properties.value ({KEY_VAULT_SECRET})" in violations[0].message
        assert_no_value(violations, AZURE_KEY)

    def test_a_key_in_a_resource_property_is_reported(self, run_stack_policy, stack_resource) -> None:
        named = stack_resource(NAMED_VALUE, {"displayName": "aoai", "value": ANNOTATED_KEY, "secret": False}, "aoai-nv")
        stored = stack_resource(KEY_VAULT_SECRET, {"properties": Secret({"value": AZURE_KEY})}, "aoai-secret")
        copy = stack_resource(NAMED_VALUE, {"value": AZURE_KEY}, "copy-nv")
        violations = self.run(run_stack_policy, stack_resource, {}, named, stored, copy)
        assert [m.split(" holds")[0] for m in messages(violations)] == [
            f"Resource 'aoai-nv' ({NAMED_VALUE}) property value",
            f"Resource 'copy-nv' ({NAMED_VALUE}) property value",
        ]
        assert [v.urn for v in violations] == [named.urn, copy.urn]
        assert_no_value(violations, AZURE_KEY, ANNOTATED_KEY)

    @pytest.mark.parametrize(
        "outputs",
        [
            {"keys": Secret({"key1": AZURE_KEY, "key2": AZURE_KEY2})},
            {"key1": Secret(AZURE_KEY)},
            {"key1": UNKNOWN_STRING_VALUE},
            {"checksum": AZURE_KEY, "etag": AZURE_KEY2, "openaiVersion": AZURE_KEY},
            {"secretUriWithVersion": f"https://vault-1.vault.azure.net/secrets/aoai/{AZURE_KEY}"},
            {"apiKey": AZURE_KEY},  # no sign of Azure AI in the stack: no-plaintext-api-keys-in-outputs judges it
            {"aoaiKey": AZURE_KEY.upper()[:31]},
        ],
        ids=["secret-result", "secret-key1", "unknown", "public-names", "vault-uri", "neutral-stack", "too-short"],
    )
    def test_compliant_outputs(self, run_stack_policy, stack_resource, outputs) -> None:
        assert self.run(run_stack_policy, stack_resource, outputs) == []

    def test_a_copy_under_a_public_name_is_not_a_leak(self, run_stack_policy, stack_resource) -> None:
        stored = stack_resource(KEY_VAULT_SECRET, {"properties": Secret({"value": AZURE_KEY})}, "aoai-secret")
        assert self.run(run_stack_policy, stack_resource, {"versionId": AZURE_KEY}, stored) == []

    def test_allowed_paths(self, run_stack_policy, stack_resource) -> None:
        named = stack_resource(NAMED_VALUE, {"tags": {"key1": AZURE_KEY}}, "legacy")
        outputs = {"keys": {"key1": AZURE_KEY, "key2": AZURE_KEY2}}
        config = {"allowedPaths": ["keys.key2", "legacy:tags.*"]}
        violations = self.run(run_stack_policy, stack_resource, outputs, named, config=config)
        assert [m.split("'")[1] for m in messages(violations)] == ["keys.key1"]


# --------------------------------------------------------------------------------------------------
# SecureApiKey with each issuer: its own resources are compliant; what the program adds beside it is not
# --------------------------------------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/app"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
ISSUED: dict[str, dict[str, Any]] = {
    "gemini": {
        "backend": "gcp-secret-manager",
        "issuer": {"gemini": {"project": "my-project-123"}},
        "gcp": {"project": "my-project-123"},
        "readers": ["serviceAccount:app@my-project-123.iam.gserviceaccount.com"],
    },
    "bedrock": {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": [MODEL]}}, "readers": [ROLE]},
    "azure_ai_services": {
        "backend": "azure-key-vault",
        "issuer": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}},
        "azure": {"resource_group_name": "rg-ai", "create_vault": {}},
        "readers": ["5f0c6a1e-8a0b-4f4e-9d53-2f1e0c7b9a11"],
    },
}


def run_issued(issuer: str, extra: Any = None) -> Any:
    """Run SecureApiKey with ``issuer`` (and ``extra(key)``) under the mock engine; return the engine."""
    import pulumi

    from ai_keys import SecureApiKey
    from ai_keys.testing import mock_pulumi

    with mock_pulumi() as engine:

        def program() -> None:
            key = SecureApiKey("ai", ISSUED[issuer])  # type: ignore[arg-type]
            pulumi.export("ref", key.secret_ref)
            pulumi.export("issuedKeyId", key.issued_key_id)
            pulumi.export("key", key.value)  # secret: compliant
            if extra is not None:
                extra(key)

        engine.run(program)
    return engine


@pytest.mark.parametrize("issuer", list(ISSUED))
def test_the_components_own_resources_are_compliant(issuer, engine_stack, run_pack) -> None:
    stack = engine_stack(run_issued(issuer))
    issued_types = {"gemini": GOOGLE_API_KEY, "bedrock": CREDENTIAL, "azure_ai_services": KEY_VAULT_SECRET}
    assert issued_types[issuer] in {r.resource_type for r in stack}  # the policies had something to judge
    assert run_pack(SERVICE_KEYS, stack) == []


def test_an_unrestricted_key_beside_the_component_is_reported(engine_stack, run_pack) -> None:
    def unrestricted(_key: Any) -> None:
        import pulumi_gcp as gcp

        gcp.projects.ApiKey("maps", name="maps-key", project="my-project-123")

    violations = run_pack(SERVICE_KEYS, engine_stack(run_issued("gemini", unrestricted)))
    assert [v.message.split(" has")[0] for v in violations] == [f"Google API key 'maps' ({GOOGLE_API_KEY})"]


def test_a_bedrock_key_that_never_expires_beside_the_component_is_reported(engine_stack, run_pack) -> None:
    def forever(_key: Any) -> None:
        import pulumi_aws as aws

        aws.iam.ServiceSpecificCredential("forever", service_name="bedrock.amazonaws.com", user_name="someone")

    violations = run_pack(SERVICE_KEYS, engine_stack(run_issued("bedrock", forever)))
    assert [v.message.split(" has")[0] for v in violations] == [f"Bedrock API key 'forever' ({CREDENTIAL})"]


def test_account_keys_read_into_plain_outputs_are_reported(engine_stack, run_pack) -> None:
    def leak(key: Any) -> None:
        import pulumi
        import pulumi_azure_native as azure_native

        keys = azure_native.cognitiveservices.list_account_keys_output(account_name="my-aoai", resource_group_name="rg-ai")
        pulumi.export("key1", keys.key1)  # the name listAccountKeys gives it
        aoai = {"endpoint": "https://my-aoai.openai.azure.com/", "apiKey": keys.key2}
        pulumi.export("aoai", pulumi.Output.from_input(aoai))
        pulumi.export("copy", pulumi.Output.unsecret(key.value))  # the stored key, unmarked, under a neutral name

    violations = run_pack(SERVICE_KEYS, engine_stack(run_issued("azure_ai_services", leak)))
    assert [v.message.split("'")[1] for v in violations] == ["key1", "aoai.apiKey", "copy"]
    assert "marked secret in ai-secret:properties.value" in violations[2].message
