"""The mandatory policies: no plaintext API keys in resource inputs or stack outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import pulumi
import pytest
from ai_keys_policy import no_plaintext_api_keys, no_plaintext_api_keys_in_outputs
from ai_keys_policy.envvars import SECURE_ALTERNATIVES, SUPPORTED_TYPES
from ai_keys_policy.policies import KeyCheckConfig
from pulumi_policy import EnforcementLevel, Secret
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

ENV_NAME = "API_TOKEN"


class EnvCase(NamedTuple):
    """How one resource type holds an environment variable."""

    resource_type: str
    build: Callable[[Any], dict[str, Any]]
    """Props with ``ENV_NAME`` set to the given value."""
    path: str
    """Expected property path of the value."""
    secure: dict[str, Any]
    """Props that pass the key by reference, the way the type supports."""


def _ecs(value: Any) -> dict[str, Any]:
    return {
        "family": "app",
        "containerDefinitions": json.dumps(
            [
                {
                    "name": "app",
                    "image": "nginx",
                    "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": ENV_NAME, "value": value}],
                }
            ]
        ),
    }


def _name_value(value: Any) -> list[dict[str, Any]]:
    return [{"name": ENV_NAME, "value": value}]


ENV_CASES = [
    EnvCase(
        "aws:lambda/function:Function",
        lambda v: {"runtime": "python3.12", "environment": {"variables": {"LOG_LEVEL": "info", ENV_NAME: v}}},
        f"environment.variables.{ENV_NAME}",
        {"environment": {"variables": {"KEY_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"}}},
    ),
    EnvCase(
        "aws:ecs/taskDefinition:TaskDefinition",
        _ecs,
        "containerDefinitions[0].environment[1].value",
        {
            "containerDefinitions": json.dumps(
                [{"name": "app", "secrets": [{"name": ENV_NAME, "valueFrom": "arn:aws:secretsmanager:x"}]}]
            )
        },
    ),
    EnvCase(
        "azure-native:app:ContainerApp",
        lambda v: {"template": {"containers": [{"name": "app", "env": _name_value(v)}]}},
        "template.containers[0].env[0].value",
        {
            "configuration": {"secrets": [{"name": "openai", "keyVaultUrl": "https://v.vault.azure.net/secrets/k"}]},
            "template": {"containers": [{"name": "app", "env": [{"name": ENV_NAME, "secretRef": "openai"}]}]},
        },
    ),
    EnvCase(
        "azure-native:app:Job",
        lambda v: {"template": {"initContainers": [{"name": "init", "env": _name_value(v)}]}},
        "template.initContainers[0].env[0].value",
        {"template": {"containers": [{"name": "app", "env": [{"name": ENV_NAME, "secretRef": "openai"}]}]}},
    ),
    EnvCase(
        "azure-native:web:WebApp",
        lambda v: {"siteConfig": {"appSettings": _name_value(v)}},
        "siteConfig.appSettings[0].value",
        {
            "siteConfig": {
                "appSettings": [
                    {"name": ENV_NAME, "value": "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/k/)"}
                ]
            }
        },
    ),
    EnvCase(
        "azure-native:web:WebAppSlot",
        lambda v: {"siteConfig": {"appSettings": _name_value(v)}},
        "siteConfig.appSettings[0].value",
        {"siteConfig": {"appSettings": [{"name": ENV_NAME, "value": "@Microsoft.KeyVault(VaultName=v;SecretName=k)"}]}},
    ),
    EnvCase(
        "azure-native:web:WebAppApplicationSettings",
        lambda v: {"name": "app", "resourceGroupName": "rg", "properties": {ENV_NAME: v}},
        f"properties.{ENV_NAME}",
        {"properties": {ENV_NAME: "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/k/)"}},
    ),
    EnvCase(
        "azure-native:web:WebAppApplicationSettingsSlot",
        lambda v: {"properties": {ENV_NAME: v}},
        f"properties.{ENV_NAME}",
        {"properties": {ENV_NAME: "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/k/)"}},
    ),
    EnvCase(
        "gcp:cloudrun/service:Service",
        lambda v: {"template": {"spec": {"containers": [{"image": "gcr.io/p/app", "envs": _name_value(v)}]}}},
        "template.spec.containers[0].envs[0].value",
        {
            "template": {
                "spec": {
                    "containers": [{"envs": [{"name": ENV_NAME, "valueFrom": {"secretKeyRef": {"name": "k", "key": "latest"}}}]}]
                }
            }
        },
    ),
    EnvCase(
        "gcp:cloudrunv2/service:Service",
        lambda v: {"template": {"containers": [{"image": "gcr.io/p/app", "envs": _name_value(v)}]}},
        "template.containers[0].envs[0].value",
        {
            "template": {
                "containers": [{"envs": [{"name": ENV_NAME, "valueSource": {"secretKeyRef": {"secret": "k", "version": "1"}}}]}]
            }
        },
    ),
    EnvCase(
        "gcp:cloudrunv2/job:Job",
        lambda v: {"template": {"template": {"containers": [{"envs": _name_value(v)}]}}},
        "template.template.containers[0].envs[0].value",
        {"template": {"template": {"containers": [{"envs": [{"name": ENV_NAME, "valueSource": {}}]}]}}},
    ),
    EnvCase(
        "gcp:cloudfunctions/function:Function",
        lambda v: {"runtime": "python312", "environmentVariables": {ENV_NAME: v}},
        f"environmentVariables.{ENV_NAME}",
        {"secretEnvironmentVariables": [{"key": ENV_NAME, "secret": "k", "version": "latest"}]},
    ),
    EnvCase(
        "gcp:cloudfunctionsv2/function:Function",
        lambda v: {"serviceConfig": {"environmentVariables": {ENV_NAME: v}}},
        f"serviceConfig.environmentVariables.{ENV_NAME}",
        {"serviceConfig": {"secretEnvironmentVariables": [{"key": ENV_NAME, "secret": "k", "version": "1"}]}},
    ),
]
CASE_IDS = [c.resource_type.split(":")[-2] + ":" + c.resource_type.split(":")[-1] for c in ENV_CASES]


def test_cases_are_supported_types():
    """The other supported types are covered in test_coverage.py."""
    assert {c.resource_type for c in ENV_CASES} <= SUPPORTED_TYPES


def test_policy_metadata():
    assert no_plaintext_api_keys.name == "no-plaintext-api-keys"
    assert no_plaintext_api_keys.enforcement_level is EnforcementLevel.MANDATORY
    assert no_plaintext_api_keys_in_outputs.enforcement_level is EnforcementLevel.MANDATORY


@pytest.mark.parametrize("case", ENV_CASES, ids=CASE_IDS)
class TestEnvironmentVariables:
    @pytest.mark.parametrize(
        ("attr", "label", "hint"),
        [
            ("OPENAI", "OpenAI API key", "sk-…"),
            ("ANTHROPIC", "Anthropic API key", "sk-a…"),
            ("AWS_KEY_ID", "AWS access key id", "AKIA…"),
            ("GOOGLE", "Google API key", "AIza…"),
        ],
    )
    def test_key_pattern_is_reported(self, run_resource_policy, keys, case, attr, label, hint):
        key = getattr(keys, attr)
        violations = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(key), name="svc")
        assert len(violations) == 1
        message = violations[0].message
        assert message.startswith(f"Resource 'svc' ({case.resource_type}) has what looks like a plaintext {label}")
        assert f"environment variable {ENV_NAME} ({case.path})" in message
        assert f"value starts with '{hint}', rest redacted" in message
        assert SECURE_ALTERNATIVES[case.resource_type] in message
        assert key not in message
        assert key[: len(hint)] not in message  # nothing past the fixed prefix

    def test_high_entropy_value_is_reported(self, run_resource_policy, keys, case):
        violations = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(keys.HIGH_ENTROPY))
        assert len(violations) == 1
        message = violations[0].message
        assert "plaintext high-entropy string (possible secret)" in message
        assert f"({case.path})" in message
        assert "allowedEnvVarNames" in message
        assert keys.HIGH_ENTROPY[:4] not in message

    def test_hex_key_is_reported(self, run_resource_policy, keys, case):
        assert len(run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(keys.HEX))) == 1

    @pytest.mark.parametrize("value", ["info", "gpt-4o-mini-2024-07-18", "https://api.openai.com/v1", "", 42, None])
    def test_ordinary_value_is_compliant(self, run_resource_policy, case, value):
        assert run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(value)) == []

    def test_value_marked_secret_is_compliant(self, run_resource_policy, keys, case):
        for value in (keys.OPENAI, keys.HIGH_ENTROPY):
            if case.resource_type == "aws:ecs/taskDefinition:TaskDefinition":
                # A JSON string built from a secret (Output.json_dumps) is secret as a whole.
                props = {"containerDefinitions": Secret(case.build(value)["containerDefinitions"])}
            else:
                props = case.build(Secret(value))
            assert run_resource_policy(no_plaintext_api_keys, case.resource_type, props) == []
            assert len(run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(value))) == 1

    def test_unknown_value_is_compliant(self, run_resource_policy, case):
        props = case.build(UNKNOWN_STRING_VALUE)
        assert run_resource_policy(no_plaintext_api_keys, case.resource_type, props) == []

    def test_missing_properties_are_compliant(self, run_resource_policy, case):
        assert run_resource_policy(no_plaintext_api_keys, case.resource_type, {}) == []

    def test_secret_reference_is_compliant(self, run_resource_policy, case):
        assert run_resource_policy(no_plaintext_api_keys, case.resource_type, case.secure) == []

    def test_allow_listed_name_skips_entropy_but_not_patterns(self, run_resource_policy, keys, case):
        config = {"allowedEnvVarNames": ["API_*"]}
        entropy = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(keys.HIGH_ENTROPY), config=config)
        assert entropy == []
        pattern = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(keys.OPENAI), config=config)
        assert len(pattern) == 1


class TestAnyResource:
    def test_key_in_any_string_input_is_reported(self, run_resource_policy, keys):
        props = {"bucket": "b", "key": "config.json", "content": json.dumps({"openai": {"apiKey": keys.OPENAI_PROJECT}})}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:s3/bucketObject:BucketObject", props, name="cfg")
        assert len(violations) == 1
        message = violations[0].message
        assert "Resource 'cfg' (aws:s3/bucketObject:BucketObject)" in message
        assert "OpenAI API key in content.openai.apiKey " in message
        assert "environment variable" not in message
        assert keys.OPENAI_PROJECT[:9] not in message

    def test_provider_credentials_are_reported(self, run_resource_policy, keys):
        props = {"region": "us-east-1", "accessKey": keys.AWS_KEY_ID, "secretKey": keys.HIGH_ENTROPY}
        violations = run_resource_policy(no_plaintext_api_keys, "pulumi:providers:aws", props)
        assert len(violations) == 2
        assert "AWS access key id in accessKey " in violations[0].message
        assert "AWS secret access key in secretKey [rule vendor-pattern:aws-secret-access-key]" in violations[1].message

    def test_entropy_is_not_checked_outside_environment_variables(self, run_resource_policy, keys):
        props = {"tags": {"build": keys.HIGH_ENTROPY}, "description": keys.HEX}
        assert run_resource_policy(no_plaintext_api_keys, "aws:s3/bucket:Bucket", props) == []

    def test_inline_code_is_scanned(self, run_resource_policy, keys):
        code = pulumi.AssetArchive({"index.py": pulumi.StringAsset(f'KEY = "{keys.ANTHROPIC}"\n')})
        violations = run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", {"code": code})
        assert len(violations) == 1
        assert 'Anthropic API key in code["index.py"]' in violations[0].message

    def test_secret_values_anywhere_are_compliant(self, run_resource_policy, keys):
        props = {"value": Secret(keys.OPENAI), "tags": Secret({"k": keys.GOOGLE})}
        assert run_resource_policy(no_plaintext_api_keys, "aws:ssm/parameter:Parameter", props) == []

    def test_every_finding_is_reported_once(self, run_resource_policy, keys):
        props = {
            "environment": {
                "variables": {
                    "OPENAI_API_KEY": keys.OPENAI,
                    "BOTH": f"{keys.AWS_KEY_ID}:{keys.GOOGLE}",
                    "TOKEN": keys.HIGH_ENTROPY,
                    "MODEL": "gpt-4o-mini",
                }
            },
            "description": keys.ANTHROPIC,
        }
        violations = run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", props)
        kinds = sorted(v.message.split("plaintext ")[1].split(" in ")[0] for v in violations)
        assert kinds == [
            "AWS access key id",
            "Anthropic API key",
            "Google API key",
            "OpenAI API key",
            "high-entropy string (possible secret)",
        ]

    def test_key_used_as_a_name_is_redacted_from_the_path(self, run_resource_policy, keys):
        props = {
            "environment": {"variables": {keys.OPENAI: keys.GOOGLE}},
            "tags": {keys.ANTHROPIC: keys.AWS_KEY_ID},
        }
        violations = run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", props)
        assert len(violations) == 2
        joined = "\n".join(v.message for v in violations)
        assert 'environment variable <redacted> (environment.variables["<redacted>"])' in joined
        assert 'tags["<redacted>"]' in joined
        for key in (keys.OPENAI, keys.GOOGLE, keys.ANTHROPIC, keys.AWS_KEY_ID):
            assert key[:5] not in joined

    def test_pattern_match_is_not_also_reported_as_entropy(self, run_resource_policy, keys):
        key = "sk-" + keys.HIGH_ENTROPY  # matches the OpenAI pattern and is random-looking too
        props = {"environment": {"variables": {"K": key}}}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", props)
        assert len(violations) == 1
        assert "OpenAI API key" in violations[0].message


class TestEcsDetails:
    def test_unknown_container_definitions_are_compliant(self, run_resource_policy):
        props = {"containerDefinitions": UNKNOWN_STRING_VALUE}
        assert run_resource_policy(no_plaintext_api_keys, "aws:ecs/taskDefinition:TaskDefinition", props) == []

    def test_unparsable_container_definitions_are_still_scanned_for_patterns(self, run_resource_policy, keys):
        props = {"containerDefinitions": f'[{{"environment": [{{"value": "{keys.OPENAI}"'}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:ecs/taskDefinition:TaskDefinition", props)
        assert len(violations) == 1
        assert "OpenAI API key in containerDefinitions " in violations[0].message


class TestConfig:
    def test_defaults(self):
        config = KeyCheckConfig.from_config({})
        assert config == KeyCheckConfig()
        assert config.entropy_threshold == 3.5
        assert config.hex_entropy_threshold == 3.0
        assert config.min_entropy_length == 20
        assert config.check_entropy is True
        assert config.allowed_env_var_names == ()

    def test_schema_lists_every_setting(self):
        schema = no_plaintext_api_keys.config_schema
        assert schema is not None
        assert set(schema.properties) == {
            "entropyThreshold",
            "hexEntropyThreshold",
            "minEntropyLength",
            "checkEntropy",
            "allowedEnvVarNames",
            "allowedValues",
        }

    def test_invalid_allow_list_is_rejected(self):
        with pytest.raises(TypeError, match="allowedEnvVarNames"):
            KeyCheckConfig.from_config({"allowedEnvVarNames": "GIT_SHA"})

    @pytest.mark.parametrize(
        ("config", "expected"),
        [
            ({}, 1),
            ({"entropyThreshold": 7.5}, 0),
            ({"minEntropyLength": 41}, 0),
            ({"checkEntropy": False}, 0),
            ({"allowedEnvVarNames": ["TOKEN"]}, 0),
            ({"allowedEnvVarNames": ["token"]}, 1),  # names are case-sensitive
            ({"allowedEnvVarNames": ["OTHER", "TOK*"]}, 0),
        ],
    )
    def test_entropy_settings(self, run_resource_policy, keys, config, expected):
        props = {"environment": {"variables": {"TOKEN": keys.HIGH_ENTROPY}}}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", props, config=config)
        assert len(violations) == expected

    def test_hex_threshold(self, run_resource_policy, keys):
        props = {"environment": {"variables": {"TOKEN": keys.HEX}}}
        run = run_resource_policy
        assert len(run(no_plaintext_api_keys, "aws:lambda/function:Function", props)) == 1
        config = {"hexEntropyThreshold": 4.0}
        assert run(no_plaintext_api_keys, "aws:lambda/function:Function", props, config=config) == []

    def test_disabling_entropy_keeps_pattern_checks(self, run_resource_policy, keys):
        props = {"environment": {"variables": {"TOKEN": keys.GOOGLE}}}
        config = {"checkEntropy": False}
        assert len(run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", props, config=config)) == 1


class TestStackOutputs:
    def test_plain_key_in_an_output_is_reported(self, run_stack_policy, stack_resource, keys):
        stack = stack_resource("pulumi:pulumi:Stack", {"endpoint": "https://x", "cfg": {"openai": keys.OPENAI}}, "p-dev")
        violations = run_stack_policy(no_plaintext_api_keys_in_outputs, [stack])
        assert len(violations) == 1
        assert violations[0].urn == stack.urn
        assert violations[0].message.startswith("Stack output 'cfg.openai' holds what looks like a plaintext OpenAI")
        assert keys.OPENAI not in violations[0].message
        assert keys.OPENAI[:4] not in violations[0].message

    def test_secret_output_is_compliant(self, run_stack_policy, stack_resource, keys):
        stack = stack_resource("pulumi:pulumi:Stack", {"key": Secret(keys.OPENAI)})
        assert run_stack_policy(no_plaintext_api_keys_in_outputs, [stack]) == []

    def test_only_stack_outputs_are_checked(self, run_stack_policy, stack_resource, keys):
        fn = stack_resource("aws:lambda/function:Function", {"environment": {"variables": {"K": keys.OPENAI}}})
        stack = stack_resource("pulumi:pulumi:Stack", {"bucket": "user-uploads-70e2e61"})
        assert run_stack_policy(no_plaintext_api_keys_in_outputs, [fn, stack]) == []

    def test_high_entropy_output_is_reported_and_can_be_allow_listed(self, run_stack_policy, stack_resource, keys):
        stack = stack_resource("pulumi:pulumi:Stack", {"token": keys.HIGH_ENTROPY})
        violations = run_stack_policy(no_plaintext_api_keys_in_outputs, [stack])
        assert len(violations) == 1
        assert "Stack output 'token' holds what looks like a plaintext high-entropy string" in violations[0].message
        assert "[rule entropy]" in violations[0].message
        assert keys.HIGH_ENTROPY[:4] not in violations[0].message
        assert run_stack_policy(no_plaintext_api_keys_in_outputs, [stack], config={"allowedEnvVarNames": ["tok*"]}) == []
        assert run_stack_policy(no_plaintext_api_keys_in_outputs, [stack], config={"allowedValues": [keys.HIGH_ENTROPY]}) == []

    def test_empty_stack_is_compliant(self, run_stack_policy, stack_resource):
        assert run_stack_policy(no_plaintext_api_keys_in_outputs, []) == []
        assert run_stack_policy(no_plaintext_api_keys_in_outputs, [stack_resource("pulumi:pulumi:Stack", {})]) == []
