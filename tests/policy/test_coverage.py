"""Value slots beyond workload environment variables: Kubernetes, SSM, CodeBuild, EC2 user data, outputs.

Also the misses of the earlier pack, each pinned by a test: keys without a fixed prefix or with one
it did not know, keys outside the types with an entropy check, and keys inside base64 values.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from ai_keys_policy import no_plaintext_api_keys, no_plaintext_api_keys_in_outputs
from ai_keys_policy.envvars import SECURE_ALTERNATIVES, SUPPORTED_TYPES
from corpus import AZURERM_APPS
from pulumi_policy import Secret
from test_no_plaintext_keys import ENV_CASES

NAME = "LLM_API_KEY"


def random_token(seed: int, alphabet: str, length: int) -> str:
    """A random-looking token, the same on every run."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# Synthetic keys in the shapes the earlier pack missed, built from fixed seeds.
OPENAI_NONE = "sk-None-" + random_token(11, ALNUM + "-_", 48) + "T3BlbkFJ" + random_token(12, ALNUM, 20)
HUGGING_FACE = "hf_" + random_token(13, ALNUM[:52], 34)
MISTRAL = random_token(14, ALNUM, 32)
GROQ = "gsk_" + random_token(15, ALNUM, 52)
DEEPSEEK = "sk-" + random_token(16, "0123456789abcdef", 32)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class SlotCase(NamedTuple):
    """How one resource type holds a value under a name."""

    resource_type: str
    build: Callable[[str, Any], dict[str, Any]]
    path: str
    what: str


def _pod(name: str, value: Any) -> dict[str, Any]:
    return {"containers": [{"name": "app", "image": "nginx", "env": [{"name": name, "value": value}]}]}


def _user_data(name: str, value: Any) -> str:
    return f"#!/bin/bash\nexport {name}={value}\n/opt/app/run\n"


_WORKLOADS = ["apps/v1:Deployment", "apps/v1:StatefulSet", "apps/v1:DaemonSet", "apps/v1:ReplicaSet", "batch/v1:Job"]

SLOT_CASES = [
    SlotCase("kubernetes:core/v1:Secret", lambda n, v: {"stringData": {n: v}}, f"stringData.{NAME}", "key"),
    SlotCase("kubernetes:core/v1:ConfigMap", lambda n, v: {"data": {n: v}, "binaryData": {}}, f"data.{NAME}", "key"),
    SlotCase(
        "kubernetes:core/v1:Pod", lambda n, v: {"spec": _pod(n, v)}, "spec.containers[0].env[0].value", "environment variable"
    ),
    *(
        SlotCase(
            f"kubernetes:{token}",
            lambda n, v: {"spec": {"template": {"spec": _pod(n, v)}}},
            "spec.template.spec.containers[0].env[0].value",
            "environment variable",
        )
        for token in _WORKLOADS
    ),
    SlotCase(
        "kubernetes:batch/v1:CronJob",
        lambda n, v: {"spec": {"jobTemplate": {"spec": {"template": {"spec": _pod(n, v)}}}}},
        "spec.jobTemplate.spec.template.spec.containers[0].env[0].value",
        "environment variable",
    ),
    SlotCase(
        "aws:ssm/parameter:Parameter",
        lambda n, v: {"name": f"/app/{n}", "type": "String", "insecureValue": v},
        "insecureValue",
        "parameter",
    ),
    SlotCase(
        "aws:codebuild/project:Project",
        lambda n, v: {"environment": {"environmentVariables": [{"name": n, "value": v, "type": "PLAINTEXT"}]}},
        "environment.environmentVariables[0].value",
        "environment variable",
    ),
    SlotCase("aws:ec2/instance:Instance", lambda n, v: {"userData": _user_data(n, v)}, "userData", "variable"),
    SlotCase(
        "aws:ec2/launchConfiguration:LaunchConfiguration",
        lambda n, v: {"userDataBase64": _b64(_user_data(n, v))},
        "userDataBase64",
        "variable",
    ),
    SlotCase("aws:ec2/launchTemplate:LaunchTemplate", lambda n, v: {"userData": _b64(_user_data(n, v))}, "userData", "variable"),
    SlotCase(
        "azure:containerapp/app:App",
        lambda n, v: {"template": {"containers": [{"name": "app", "envs": [{"name": n, "value": v}]}]}},
        "template.containers[0].envs[0].value",
        "environment variable",
    ),
    *(
        SlotCase(f"azure:appservice/{t}", lambda n, v: {"appSettings": {n: v}}, f"appSettings.{NAME}", "app setting")
        for t in AZURERM_APPS
    ),
    *(
        SlotCase(
            f"azure-native:containerinstance:{token}",
            lambda n, v: {"containers": [{"name": "app", "image": "nginx", "environmentVariables": [{"name": n, "value": v}]}]},
            "containers[0].environmentVariables[0].value",
            "environment variable",
        )
        for token in ("ContainerGroup", "ContainerGroupProfile", "CGProfile")
    ),
    SlotCase(
        "azure-native:containerinstance:ContainerGroup",
        lambda n, v: {"initContainers": [{"name": "init", "environmentVariables": [{"name": n, "secureValue": v}]}]},
        "initContainers[0].environmentVariables[0].secureValue",
        "environment variable",
    ),
    SlotCase(
        "azure:containerservice/group:Group",
        lambda n, v: {"containers": [{"name": "app", "environmentVariables": {n: v}}]},
        f"containers[0].environmentVariables.{NAME}",
        "environment variable",
    ),
    SlotCase(
        "aws:apprunner/service:Service",
        lambda n, v: {
            "sourceConfiguration": {"imageRepository": {"imageConfiguration": {"runtimeEnvironmentVariables": {n: v}}}}
        },
        f"sourceConfiguration.imageRepository.imageConfiguration.runtimeEnvironmentVariables.{NAME}",
        "environment variable",
    ),
]
SLOT_IDS = [c.resource_type.split(":", 1)[1] for c in SLOT_CASES]


def test_every_supported_type_has_a_case():
    assert {c.resource_type for c in SLOT_CASES} | {c.resource_type for c in ENV_CASES} == SUPPORTED_TYPES
    assert SECURE_ALTERNATIVES.keys() >= SUPPORTED_TYPES


@pytest.mark.parametrize("case", SLOT_CASES, ids=SLOT_IDS)
class TestSlots:
    @pytest.mark.parametrize(
        ("key", "label", "rule"),
        [
            (OPENAI_NONE, "OpenAI API key", "vendor-pattern:openai"),
            (HUGGING_FACE, "Hugging Face token", "vendor-pattern:hugging-face"),
            (GROQ, "Groq API key", "vendor-pattern:groq"),
            (DEEPSEEK, "DeepSeek API key", "vendor-pattern:deepseek"),
        ],
        ids=["openai-none", "hugging-face", "groq", "deepseek"],
    )
    def test_vendor_key_is_reported_with_resource_path_and_rule(self, run_resource_policy, case, key, label, rule):
        violations = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(NAME, key), name="svc")
        assert len(violations) == 1, [v.message for v in violations]
        message = violations[0].message
        assert message.startswith(f"Resource 'svc' ({case.resource_type}) has what looks like a plaintext {label} in ")
        assert f"({case.path})" in message
        assert f"[rule {rule}]" in message
        assert key not in message
        assert key[4:12] not in message

    def test_mistral_key_is_reported_by_its_name(self, run_resource_policy, case):
        violations = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build("MISTRAL_API_KEY", MISTRAL))
        assert len(violations) == 1
        assert "Mistral API key" in violations[0].message
        assert "[rule vendor-pattern:mistral]" in violations[0].message
        assert MISTRAL[:6] not in violations[0].message

    def test_high_entropy_value_is_reported(self, run_resource_policy, keys, case):
        violations = run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build(NAME, keys.HIGH_ENTROPY))
        assert len(violations) == 1
        assert "[rule entropy]" in violations[0].message
        assert "allowedEnvVarNames" in violations[0].message

    @pytest.mark.parametrize("value", ["user-uploads-70e2e61", "vpc-0a1b2c3d4e5f67890", "info", "https://api.example.com/v1"])
    def test_ordinary_value_is_compliant(self, run_resource_policy, case, value):
        assert run_resource_policy(no_plaintext_api_keys, case.resource_type, case.build("BUCKET", value)) == []

    def test_value_marked_secret_is_compliant(self, run_resource_policy, case):
        if case.what in ("variable",):
            props = {key: Secret(text) for key, text in case.build(NAME, HUGGING_FACE).items()}
        else:
            props = case.build(NAME, Secret(HUGGING_FACE))
        assert run_resource_policy(no_plaintext_api_keys, case.resource_type, props) == []


class TestMisses:
    """Keys the earlier pack let through."""

    @pytest.mark.parametrize("prop", ["insecureValue", "value"])
    def test_openai_none_key_in_an_ssm_parameter(self, run_resource_policy, prop):
        props = {"name": "/app/openai", "type": "String", prop: OPENAI_NONE}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:ssm/parameter:Parameter", props)
        assert len(violations) == 1
        message = violations[0].message
        assert f"OpenAI API key in parameter /app/openai ({prop}) (value starts with 'sk-…', rest redacted)" in message

    def test_openai_none_key_in_a_stack_output(self, run_stack_policy, stack_resource):
        stack = stack_resource("pulumi:pulumi:Stack", {"openaiKey": OPENAI_NONE})
        violations = run_stack_policy(no_plaintext_api_keys_in_outputs, [stack])
        assert len(violations) == 1
        assert violations[0].message.startswith("Stack output 'openaiKey' holds what looks like a plaintext OpenAI API key")
        assert OPENAI_NONE[3:12] not in violations[0].message

    @pytest.mark.parametrize(
        ("name", "key", "label"),
        [("HF_TOKEN", HUGGING_FACE, "Hugging Face"), ("MISTRAL_API_KEY", MISTRAL, "Mistral")],
        ids=["hugging-face", "mistral"],
    )
    @pytest.mark.parametrize(
        ("resource_type", "build"),
        [
            ("aws:ssm/parameter:Parameter", lambda n, v: {"name": n, "type": "String", "value": v}),
            ("kubernetes:core/v1:ConfigMap", lambda n, v: {"data": {n: v}}),
            ("aws:s3/bucketObject:BucketObject", lambda n, v: {"content": json.dumps({n: v})}),
            ("pulumi:providers:custom", lambda n, v: {n: v}),
        ],
        ids=["ssm", "configmap", "s3-object", "provider"],
    )
    def test_hugging_face_and_mistral_keys_outside_environment_variables(
        self, run_resource_policy, name, key, label, resource_type, build
    ):
        violations = run_resource_policy(no_plaintext_api_keys, resource_type, build(name, key))
        assert len(violations) == 1, [v.message for v in violations]
        assert label in violations[0].message

    @pytest.mark.parametrize(
        ("name", "key", "label"),
        [("HF_TOKEN", HUGGING_FACE, "Hugging Face"), ("MISTRAL_API_KEY", MISTRAL, "Mistral")],
        ids=["hugging-face", "mistral"],
    )
    def test_hugging_face_and_mistral_keys_in_outputs(self, run_stack_policy, stack_resource, name, key, label):
        stack = stack_resource("pulumi:pulumi:Stack", {name: key, "cfg": json.dumps({name: key})})
        violations = run_stack_policy(no_plaintext_api_keys_in_outputs, [stack])
        assert len(violations) == 2
        assert all(label in v.message for v in violations)

    def test_key_in_ec2_user_data_base64(self, run_resource_policy, keys):
        props = {"instanceType": "t3.micro", "userDataBase64": _b64(f"#!/bin/bash\nexport OPENAI_API_KEY={keys.OPENAI}\n")}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:ec2/instance:Instance", props)
        assert len(violations) == 1
        message = violations[0].message
        assert "OpenAI API key in variable OPENAI_API_KEY (userDataBase64) (base64-encoded)" in message
        assert keys.OPENAI[:5] not in message

    def test_key_in_configmap_binary_data(self, run_resource_policy, keys):
        props = {"binaryData": {"credentials": _b64(json.dumps({"anthropic": {"apiKey": keys.ANTHROPIC}}))}}
        violations = run_resource_policy(no_plaintext_api_keys, "kubernetes:core/v1:ConfigMap", props)
        assert len(violations) == 1
        assert (
            "Anthropic API key in key apiKey (binaryData.credentials.anthropic.apiKey) (base64-encoded)" in violations[0].message
        )

    def test_base64_key_in_any_property_is_decoded(self, run_resource_policy, keys):
        props = {"tags": {"note": _b64(keys.GOOGLE)}}
        violations = run_resource_policy(no_plaintext_api_keys, "aws:s3/bucket:Bucket", props)
        assert len(violations) == 1
        assert "Google API key in tags.note (base64-encoded)" in violations[0].message

    def test_codebuild_reference_variables_are_not_values(self, run_resource_policy, keys):
        env = [
            {"name": "OPENAI_API_KEY", "value": "prod/openai:key", "type": "SECRETS_MANAGER"},
            {"name": "TOKEN", "value": keys.HIGH_ENTROPY, "type": "PARAMETER_STORE"},
        ]
        props = {"environment": {"environmentVariables": env}}
        assert run_resource_policy(no_plaintext_api_keys, "aws:codebuild/project:Project", props) == []

    def test_kubernetes_secret_data_is_base64(self, run_resource_policy, keys):
        props = {"data": {"token": _b64(keys.HIGH_ENTROPY), "bucket": _b64("user-uploads-70e2e61")}}
        violations = run_resource_policy(no_plaintext_api_keys, "kubernetes:core/v1:Secret", props)
        assert len(violations) == 1
        assert "high-entropy string (possible secret) in key token (data.token) (base64-encoded)" in violations[0].message


class TestKeysThisProjectMints:
    """Bedrock and Gemini keys, and a Mistral key in Azure Container Instances, with vendor rules only."""

    VENDOR_RULES_ONLY = {"checkEntropy": False}

    def test_bedrock_key_in_app_runner_environment(self, run_resource_policy, keys):
        image = {"imageConfiguration": {"runtimeEnvironmentVariables": {"AWS_BEARER_TOKEN_BEDROCK": keys.BEDROCK}}}
        props = {"sourceConfiguration": {"imageRepository": image}}
        violations = run_resource_policy(
            no_plaintext_api_keys, "aws:apprunner/service:Service", props, config=self.VENDOR_RULES_ONLY
        )
        assert len(violations) == 1
        message = violations[0].message
        assert "Amazon Bedrock API key in environment variable AWS_BEARER_TOKEN_BEDROCK" in message
        assert "(value starts with 'ABSK…', rest redacted) [rule vendor-pattern:bedrock-api-key]" in message
        assert "runtimeEnvironmentSecrets" in message  # the type's secure alternative
        assert keys.BEDROCK[4:16] not in message

    @pytest.mark.parametrize("key", ["BEDROCK", "BEDROCK_SHORT_TERM", "GOOGLE_AUTH"])
    def test_bedrock_and_gemini_keys_in_lambda_variables_and_outputs(
        self, run_resource_policy, run_stack_policy, stack_resource, keys, key
    ):
        value = getattr(keys, key)
        props = {"environment": {"variables": {"LLM_KEY": value}}}
        found = run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", props, config=self.VENDOR_RULES_ONLY)
        stack = stack_resource("pulumi:pulumi:Stack", {"llmKey": value})
        exported = run_stack_policy(no_plaintext_api_keys_in_outputs, [stack], config=self.VENDOR_RULES_ONLY)
        assert len(found) == 1
        assert len(exported) == 1
        for violation in (*found, *exported):
            assert (
                "Amazon Bedrock API key" if key.startswith("BEDROCK") else "Google API authorization key"
            ) in violation.message
            assert value[4:16] not in violation.message

    @pytest.mark.parametrize("slot", ["value", "secureValue"])
    def test_mistral_key_in_container_instances_environment_variables(self, run_resource_policy, slot):
        variables = [{"name": "LOG_LEVEL", "value": "info"}, {"name": "MISTRAL_API_KEY", slot: MISTRAL}]
        props = {"containers": [{"name": "app", "image": "nginx", "environmentVariables": variables}]}
        violations = run_resource_policy(
            no_plaintext_api_keys, "azure-native:containerinstance:ContainerGroup", props, config=self.VENDOR_RULES_ONLY
        )
        assert len(violations) == 1
        message = violations[0].message
        assert (
            f"Mistral API key in environment variable MISTRAL_API_KEY (containers[0].environmentVariables[1].{slot})" in message
        )
        assert MISTRAL[:6] not in message

    def test_mistral_key_in_azurerm_container_group(self, run_resource_policy):
        props = {"containers": [{"name": "app", "environmentVariables": {"MISTRAL_API_KEY": MISTRAL}}]}
        violations = run_resource_policy(
            no_plaintext_api_keys, "azure:containerservice/group:Group", props, config=self.VENDOR_RULES_ONLY
        )
        assert len(violations) == 1
        assert "Mistral API key" in violations[0].message

    def test_a_secret_secure_value_and_a_reference_are_compliant(self, run_resource_policy):
        variables = [
            {"name": "MISTRAL_API_KEY", "secureValue": Secret(MISTRAL)},
            {"name": "OTHER_KEY", "secureValueReference": "mistral-key"},
        ]
        props = {"containers": [{"name": "app", "environmentVariables": variables}]}
        assert run_resource_policy(no_plaintext_api_keys, "azure-native:containerinstance:ContainerGroup", props) == []


class TestAzureOpenAiContext:
    HEX = random_token(17, "0123456789abcdef", 32)

    def test_32_hex_next_to_an_azure_openai_endpoint_is_an_azure_key(self, run_resource_policy):
        env = {"OPENAI_ENDPOINT": "https://contoso.openai.azure.com/", "API_KEY": self.HEX}
        violations = run_resource_policy(
            no_plaintext_api_keys, "aws:lambda/function:Function", {"environment": {"variables": env}}
        )
        assert len(violations) == 1
        assert "Azure OpenAI / AI services key in environment variable API_KEY" in violations[0].message
        assert "[rule vendor-pattern:azure-ai-key]" in violations[0].message

    def test_32_hex_under_a_neutral_name_is_a_checksum(self, run_resource_policy):
        env = {"OPENAI_ENDPOINT": "https://contoso.openai.azure.com/", "BUNDLE_MD5": self.HEX}
        assert (
            run_resource_policy(no_plaintext_api_keys, "aws:lambda/function:Function", {"environment": {"variables": env}}) == []
        )
