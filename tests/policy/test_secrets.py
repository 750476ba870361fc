"""Values marked secret must reach the validations marked, and must not be flagged.

The end-to-end tests drive the SDK's analyzer servicer (``_PolicyAnalyzerServicer``, private API of
pulumi-policy) with the protobuf requests the engine sends, secrets encoded as the engine encodes
them. They pin both the SDK behaviour that makes the shim necessary and the shim's effect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from ai_keys_policy import POLICIES
from ai_keys_policy.secrets import deserialize_keeping_secrets, install_secret_preserving_deserializer
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, Secret
from pulumi_policy import policy as sdk_policy
from pulumi_policy.deserialize import (
    SPECIAL_ASSET_SIG,
    SPECIAL_SECRET_SIG,
    SPECIAL_SIG_KEY,
    deserialize_properties,
)

LAMBDA = "aws:lambda/function:Function"


def secret_envelope(value: Any) -> dict[str, Any]:
    """A secret as the engine marshals it for a policy pack (KeepSecrets)."""
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}


@pytest.fixture
def shim() -> Iterator[None]:
    """Install the secret-preserving deserializer for one test, then restore the SDK's."""
    uninstall = install_secret_preserving_deserializer()
    try:
        yield
    finally:
        uninstall()


def analyze(resource_type: str, props: dict[str, Any], name: str = "fn") -> list[Any]:
    """Run every policy of the pack on one resource through the SDK's analyzer; return the diagnostics."""
    servicer = sdk_policy._PolicyAnalyzerServicer("ai-keys", "0.1.0", list(POLICIES), EnforcementLevel.ADVISORY)
    properties = struct_pb2.Struct()
    properties.update(props)
    request = proto.AnalyzeRequest(
        type=resource_type,
        urn=f"urn:pulumi:dev::proj::{resource_type}::{name}",
        name=name,
        properties=properties,
    )
    return list(servicer.Analyze(request, None).diagnostics)


def analyze_stack(resources: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """Run the pack's stack policies through the SDK's analyzer; return the diagnostics."""
    servicer = sdk_policy._PolicyAnalyzerServicer("ai-keys", "0.1.0", list(POLICIES), EnforcementLevel.ADVISORY)
    protos = []
    for resource_type, name, props in resources:
        properties = struct_pb2.Struct()
        properties.update(props)
        protos.append(
            proto.AnalyzerResource(
                type=resource_type,
                urn=f"urn:pulumi:dev::proj::{resource_type}::{name}",
                name=name,
                properties=properties,
            )
        )
    return list(servicer.AnalyzeStack(proto.AnalyzeStackRequest(resources=protos), None).diagnostics)


class TestSdkBehaviour:
    def test_stock_deserializer_drops_the_secret_marker(self, keys):
        """Why the shim exists: out of the box a secret arrives as its bare plaintext."""
        decoded = deserialize_properties({"v": secret_envelope(keys.OPENAI)})
        assert decoded == {"v": keys.OPENAI}

    def test_without_the_shim_a_secret_value_would_be_flagged(self, keys):
        props = {"environment": {"variables": {"OPENAI_API_KEY": secret_envelope(keys.OPENAI)}}}
        diagnostics = analyze(LAMBDA, props)
        assert [d.policyName for d in diagnostics] == ["no-plaintext-api-keys"]


class TestDeserializer:
    def test_keeps_secrets_as_secret_objects(self, keys):
        decoded = deserialize_keeping_secrets(
            {"env": {"A": secret_envelope(keys.OPENAI), "B": "plain"}, "list": [secret_envelope({"x": 1})]}
        )
        assert isinstance(decoded["env"]["A"], Secret)
        assert decoded["env"]["A"].value == keys.OPENAI
        assert decoded["env"]["B"] == "plain"
        assert isinstance(decoded["list"][0], Secret)
        assert decoded["list"][0].value == {"x": 1}

    def test_assets_are_still_built_by_the_sdk(self):
        decoded = deserialize_keeping_secrets({"code": {SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG, "text": "print(1)"}})
        assert isinstance(decoded["code"], pulumi.StringAsset)
        assert decoded["code"].text == "print(1)"

    def test_unknown_signature_is_still_rejected(self):
        with pytest.raises(AssertionError):
            deserialize_keeping_secrets({"x": {SPECIAL_SIG_KEY: "not-a-signature"}})

    def test_remediation_path_is_unchanged(self, keys):
        props = {"a": secret_envelope(keys.OPENAI)}
        ours = deserialize_keeping_secrets(props, True)
        theirs = deserialize_properties(props, True)
        assert ours["a"] == theirs["a"] == keys.OPENAI
        assert isinstance(ours["__target"]["a"], Secret)

    def test_install_is_reversible(self):
        original = sdk_policy.deserialize_properties
        uninstall = install_secret_preserving_deserializer()
        assert sdk_policy.deserialize_properties is deserialize_keeping_secrets
        uninstall()
        assert sdk_policy.deserialize_properties is original


@pytest.mark.usefixtures("shim")
class TestEndToEnd:
    def test_secret_env_value_is_not_flagged(self, keys):
        props = {"environment": {"variables": {"OPENAI_API_KEY": secret_envelope(keys.OPENAI)}}}
        assert analyze(LAMBDA, props) == []

    def test_whole_secret_env_map_is_not_flagged(self, keys):
        props = {"environment": {"variables": secret_envelope({"A": keys.OPENAI, "B": keys.HIGH_ENTROPY})}}
        assert analyze(LAMBDA, props) == []

    def test_plaintext_value_next_to_a_secret_is_flagged(self, keys):
        props = {"environment": {"variables": {"SECRET_ONE": secret_envelope(keys.OPENAI), "PLAIN_ONE": keys.ANTHROPIC}}}
        diagnostics = analyze(LAMBDA, props)
        assert len(diagnostics) == 1
        message = diagnostics[0].message
        assert diagnostics[0].policyName == "no-plaintext-api-keys"
        assert diagnostics[0].enforcementLevel == proto.MANDATORY
        assert "environment variable PLAIN_ONE" in message
        assert "SECRET_ONE" not in message
        assert keys.ANTHROPIC not in message
        assert keys.ANTHROPIC[:5] not in message

    def test_unknown_value_during_preview_does_not_stop_the_check(self, keys):
        from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

        props = {
            "role": UNKNOWN_STRING_VALUE,
            "environment": {"variables": {"LATER": UNKNOWN_STRING_VALUE, "KEY": keys.GOOGLE}},
        }
        diagnostics = analyze(LAMBDA, props)
        assert [d.policyName for d in diagnostics] == ["no-plaintext-api-keys"]
        assert "Google API key" in diagnostics[0].message
        assert "can't run" not in diagnostics[0].message

    def test_secret_stack_output_is_not_flagged_and_plain_one_is(self, keys):
        outputs = {"hidden": secret_envelope(keys.OPENAI), "leaked": keys.AWS_KEY_ID}
        diagnostics = [
            d
            for d in analyze_stack([("pulumi:pulumi:Stack", "proj-dev", outputs)])
            if d.policyName == "no-plaintext-api-keys-in-outputs"
        ]
        assert len(diagnostics) == 1
        assert "Stack output 'leaked'" in diagnostics[0].message
        assert keys.AWS_KEY_ID not in diagnostics[0].message

    def test_an_unmarked_copy_of_a_secret_azure_key_is_flagged_through_the_analyzer(self):
        """The stack check compares the values the engine sends marked secret with the unmarked ones."""
        azure_key = "0123456789abcdef" * 2
        stored = {"properties": secret_envelope({"value": azure_key})}
        outputs = {"ref": "https://vault-1.vault.azure.net/secrets/aoai", "primary": azure_key}
        stack = [("azure-native:keyvault:Secret", "aoai", stored), ("pulumi:pulumi:Stack", "proj-dev", outputs)]
        diagnostics = [d for d in analyze_stack(stack) if d.policyName == "no-plaintext-azure-ai-account-keys"]
        assert len(diagnostics) == 1
        assert "Stack output 'primary'" in diagnostics[0].message
        assert "marked secret in aoai:properties.value" in diagnostics[0].message
        assert azure_key not in diagnostics[0].message

    def test_secret_policy_document_is_still_inspected_by_advisory_checks(self):
        """Advisory checks read secret values (without reporting them)."""
        document = '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*"}]}'
        diagnostics = analyze(
            "aws:secretsmanager/secretPolicy:SecretPolicy",
            {"secretArn": "arn", "policy": secret_envelope(document)},
            name="pol",
        )
        assert [d.policyName for d in diagnostics] == ["secret-store-no-public-read"]
