"""The bad-input corpus: named cases across every backend. Each must be refused with a SecureApiKeyError whose
message names the field path, never shows the value, and registers nothing."""

import copy
import json
import re
import typing
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyArgs, SecureApiKeyError
from ai_keys.testing import MockEngine, mock_pulumi, unwrap_secrets

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN
from .scenarios import API_GATEWAY, AWS_SM, AZURE, AZURE_PRINCIPAL, BASE, GCP, GCP_MEMBER, args_for, merge

PLAN = {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}]}}}}
VAULT = {"azure": {"resource_group_name": "rg-ml", "create_vault": {}}}

_SOON = (datetime.now(timezone.utc) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
KMS_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KMS_KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KMS_KEY_ID}"
GCP_KEY = "projects/p/locations/{}/keyRings/r/cryptoKeys/k"
SUBNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
    "/subnets/s"
)
SHA1 = "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09"
MODEL_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def _issuer(name: str, **options: Any) -> dict[str, Any]:
    """An issued key (no ``value``) with these issuer options."""
    return {"value": None, "issuer": {name: options}}


def _gemini(**options: Any) -> dict[str, Any]:
    return _issuer("gemini", **{"project": "my-project-123", **options})


def _gcp_api_key(**options: Any) -> dict[str, Any]:
    service = "inference-0abc.apigateway.my-project-123.cloud.goog"
    return _issuer("gcp_api_key", **{"project": "my-project-123", "service": service, **options})


def _apigee(**options: Any) -> dict[str, Any]:
    block = {"org_id": "organizations/my-project-123", "developer_email": "ops@acme.example", "app_name": "acme"}
    return _issuer("apigee", **{**block, "product_name": "free", **options})


def _apim(**options: Any) -> dict[str, Any]:
    product = {"name": "inference-free", "token_limit": {"tokens_per_minute": 5000}}
    block = {"service_name": "apim-ai", "resource_group_name": "rg-ai", "product": product}
    return _issuer("azure_api_management", **{**block, **options})


def _apim_product(**product: Any) -> dict[str, Any]:
    return _apim(product={"name": "inference-free", "token_limit": {"tokens_per_minute": 5000}, **product})


def _openai(**options: Any) -> dict[str, Any]:
    """An OpenAI key, which only a managed rotation makes."""
    block = {"project_id": "proj_abc123", "admin_key": "admin-key-from-config", **options}
    return {**_issuer("openai", **block), "rotation": {"every_days": 30}}


K8S_IDENTITY: dict[str, dict[str, Any]] = {
    AWS_SM: {"role_arn": "arn:aws:iam::123456789012:role/summarizer"},
    API_GATEWAY: {"role_arn": "arn:aws:iam::123456789012:role/summarizer"},
    GCP: {
        "member": "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/"
        "mock-project.svc.id.goog/subject/ns/inference/sa/summarizer"
    },
    AZURE: {
        "client_id": "0e1d2c3b-4a59-4687-8796-a5b4c3d2e1f0",
        "principal_id": "1f2e3d4c-5b6a-4798-8a9b-c0d1e2f3a4b5",
        "tenant_id": "2a3b4c5d-6e7f-4081-9203-a4b5c6d7e8f9",
    },
}
ESC_LOGIN: dict[str, dict[str, Any]] = {
    AWS_SM: {"role_arn": "arn:aws:iam::123456789012:role/esc"},
    API_GATEWAY: {"role_arn": "arn:aws:iam::123456789012:role/esc"},
    GCP: {
        "project_number": "123456789012",
        "workload_pool_id": "pulumi-esc",
        "provider_id": "pulumi-esc",
        "service_account": "esc@mock-project.iam.gserviceaccount.com",
    },
    AZURE: {
        "client_id": "3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0",
        "tenant_id": "2a3b4c5d-6e7f-4081-9203-a4b5c6d7e8f9",
        "subscription_id": "4c5d6e7f-8091-42a3-b4c5-d6e7f8a9b0c1",
        "principal_id": "5d6e7f80-91a2-43b4-85d6-e7f8a9b0c1d2",
    },
}


def _k8s(backend: str, identity: Optional[dict[str, Any]] = None, **fields: Any) -> dict[str, Any]:
    """A ``kubernetes`` block ``backend`` accepts, with ``fields`` (and identity fields) changed."""
    block = {"namespace": "inference", "secret_name": "openai", "service_account": "summarizer", **fields}
    return {"kubernetes": {**block, "identity": {**K8S_IDENTITY[backend], **(identity or {})}}}


def _esc(backend: str, login: Optional[dict[str, Any]] = None, **fields: Any) -> dict[str, Any]:
    """An ``esc`` block ``backend`` accepts, with ``fields`` (and login fields) changed."""
    return {"esc": {"environment": "acme/ai/prod", **fields, "login": {**ESC_LOGIN[backend], **(login or {})}}}


_LONG_PATH_ROLE = "arn:aws:iam::123456789012:role/" + "team/" * 80 + "reader-{}"
_WEBHOOK = {"every_days": 90, "azure_webhook_url": "https://hooks.example.com/rotate"}

# (name, backend, args override, field path the message must name)
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # Any backend
    ("unknown backend", AWS_SM, {"backend": "aws-ssm"}, "backend"),
    ("backend of wrong type", AWS_SM, {"backend": 3}, "backend"),
    ("unknown top-level option", AWS_SM, {"colour": "blue"}, "colour"),
    ("tags not a mapping", GCP, {"tags": ["team"]}, "tags"),
    ("readers not a list", AZURE, {"readers": AZURE_PRINCIPAL}, "readers"),
    ("description of wrong type", AWS_SM, {"description": 42}, "description"),
    ("name of wrong type", GCP, {"name": 42}, "name"),
    ("deletion protection not a bool", AZURE, {"deletion_protection": "yes"}, "deletion_protection"),
    ("value as bytes", AWS_SM, {"value": b"sk-bytes"}, "value"),
    ("value only whitespace", GCP, {"value": "   "}, "value"),
    ("value of wrong type", AZURE, {"value": 12345}, "value"),
    ("azure tag names differing only in case", AZURE, {"tags": {"Team": "ml", "team": "ai"}}, "tags.team"),
    ("gcp reader twice in two cases", GCP, {"readers": ["user:Alice@example.com", "user:alice@example.com"]}, "readers[1]"),
    (
        "aws rotation cron every hour",
        AWS_SM,
        {"rotation": {"schedule_expression": "cron(0 * * * ? *)", "aws_lambda_arn": LAMBDA_ARN}},
        "rotation.schedule_expression",
    ),
    (
        "apigw deletion protection without a stored copy",
        API_GATEWAY,
        {"backend": None, "deletion_protection": True},
        "deletion_protection",
    ),
    ("rotation not a mapping", AWS_SM, {"rotation": 30}, "rotation"),
    ("rotation without a schedule", GCP, {"rotation": {}}, "rotation"),
    ("rotation days negative", GCP, {"rotation": {"every_days": -1}}, "rotation.every_days"),
    ("rotation days as text", AZURE, {"rotation": {"every_days": "90"}}, "rotation.every_days"),
    ("encryption names no key", GCP, {"encryption": {}}, "encryption"),
    ("create and bring a key", GCP, {"encryption": {"create_key": True, "key_id": "k"}}, "encryption.create_key"),
    ("duplicate replica regions", GCP, {"replica_regions": ["us-central1", "us-central1"]}, "replica_regions[1]"),
    # AWS Secrets Manager
    ("aws: value over 64 KiB", AWS_SM, {"value": "x" * 65_537}, "value"),
    ("aws: name with a space", AWS_SM, {"name": "open ai"}, "name"),
    ("aws: name over 512", AWS_SM, {"name": "a" * 513}, "name"),
    ("aws: name like an ARN suffix", AWS_SM, {"name": "openai-AbC123"}, "name"),
    ("aws: wildcard reader", AWS_SM, {"readers": ["*"]}, "readers[0]"),
    ("aws: GCP member as reader", AWS_SM, {"readers": [GCP_MEMBER]}, "readers[0]"),
    ("aws: Azure principal as reader", AWS_SM, {"readers": [AZURE_PRINCIPAL]}, "readers[0]"),
    ("aws: rotation without Lambda", AWS_SM, {"rotation": {"every_days": 30}}, "rotation.aws_lambda_arn"),
    ("aws: role name as reader", AWS_SM, {"readers": ["summarizer"]}, "readers[0]"),
    (
        "aws: role name as reader with a created key",
        AWS_SM,
        {"readers": ["summarizer"], "encryption": {"create_key": True}},
        "readers[0]",
    ),
    ("aws: wildcard reader with a created key", AWS_SM, {"readers": ["*"], "encryption": {"create_key": True}}, "readers[0]"),
    ("aws: every account's root as reader", AWS_SM, {"readers": ["arn:aws:iam::*:root"]}, "readers[0]"),
    ("aws: S3 bucket as reader", AWS_SM, {"readers": ["arn:aws:s3:::my-bucket"]}, "readers[0]"),
    ("aws: role name over 64", AWS_SM, {"readers": ["arn:aws:iam::123456789012:role/" + "r" * 65]}, "readers[0]"),
    ("aws: user name over 64", AWS_SM, {"readers": ["arn:aws:iam::123456789012:user/ops/" + "u" * 65]}, "readers[0]"),
    (
        "aws: named reader that is a role name",
        AWS_SM,
        {"readers_by_name": {"app": "summarizer"}},
        "readers_by_name.app",
    ),
    ("aws: policy over 20,480 characters", AWS_SM, {"readers": [_LONG_PATH_ROLE.format(i) for i in range(50)]}, "readers"),
    ("gcp: a consumer mail domain as reader", GCP, {"readers": ["domain:gmail.com"]}, "readers[0]"),
    (
        "gcp: a whole identity pool as reader",
        GCP,
        {"readers": ["principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/*"]},
        "readers[0]",
    ),
    (
        "azure: firewall rule for every address",
        AZURE,
        {"azure": {"create_vault": {"network": {"ip_rules": ["0.0.0.0/0"]}}}},
        "azure.create_vault.network.ip_rules[0]",
    ),
    ("azure: expiry in the past", AZURE, {"azure": {"expires": "2020-01-01T00:00:00Z"}}, "azure.expires"),
    ("azure: expiry inside the notice window", AZURE, {"azure": {"expires": _SOON}, "rotation": _WEBHOOK}, "azure.expires"),
    ("azure: reader that is not a GUID", AZURE, {"readers_by_name": {"app": "/subscriptions/s/id"}}, "readers_by_name.app"),
    (
        "apigw: a burst of 0",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"throttle": {"rate_limit": 10, "burst_limit": 0}}}}},
        "issuer.aws_api_gateway.usage_plan.throttle.burst_limit",
    ),
    (
        "apigw: a rate of 0",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"throttle": {"rate_limit": 0, "burst_limit": 10}}}}},
        "issuer.aws_api_gateway.usage_plan.throttle.rate_limit",
    ),
    (
        "aws: rotation every 1001 days",
        AWS_SM,
        {"rotation": {"every_days": 1001, "aws_lambda_arn": LAMBDA_ARN}},
        "rotation.every_days",
    ),
    (
        "aws: rotation every 2 hours",
        AWS_SM,
        {"rotation": {"schedule_expression": "rate(2 hours)", "aws_lambda_arn": LAMBDA_ARN}},
        "rotation.schedule_expression",
    ),
    (
        "aws: rotation window malformed",
        AWS_SM,
        {"rotation": {"every_days": 3, "duration": "3 hours", "aws_lambda_arn": LAMBDA_ARN}},
        "rotation.duration",
    ),
    (
        "aws: Azure webhook for rotation",
        AWS_SM,
        {"rotation": {"every_days": 3, "aws_lambda_arn": LAMBDA_ARN, "azure_webhook_url": "https://x.example.com"}},
        "rotation.azure_webhook_url",
    ),
    ("aws: recovery window 3", AWS_SM, {"recovery_window_days": 3}, "recovery_window_days"),
    ("aws: recovery window 0 while protected", AWS_SM, {"recovery_window_days": 0}, "recovery_window_days"),
    (
        "aws: key rotation 10 days",
        AWS_SM,
        {"encryption": {"create_key": True, "key_rotation_days": 10}},
        "encryption.key_rotation_days",
    ),
    (
        "aws: own key without replica key",
        AWS_SM,
        {"encryption": {"key_id": "alias/k"}, "replica_regions": ["eu-west-1"]},
        "encryption.replica_key_ids.eu-west-1",
    ),
    ("aws: GCP location as replica", AWS_SM, {"replica_regions": ["europe-west1x"]}, "replica_regions[0]"),
    ("aws: reserved tag prefix", AWS_SM, {"tags": {"aws:team": "ml"}}, "tags.aws:team"),
    ("aws: tag value too long", AWS_SM, {"tags": {"team": "x" * 257}}, "tags.team"),
    ("aws: 51 tags", AWS_SM, {"tags": {f"t{i}": "v" for i in range(51)}}, "tags"),
    ("aws: unknown aws option", AWS_SM, {"aws": {"region": "eu-west-1"}}, "aws.region"),
    ("aws: azure block", AWS_SM, {"azure": {"content_type": "text/plain"}}, "azure"),
    # AWS API Gateway
    ("apigw: value too short", API_GATEWAY, {"issuer": {"aws_api_gateway": {"value": "abc123"}}}, "issuer.aws_api_gateway.value"),
    (
        "apigw: value not alphanumeric",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"value": "sk-proj-" + "a" * 30}}},
        "issuer.aws_api_gateway.value",
    ),
    ("apigw: value at the top level", API_GATEWAY, {"value": CANARY}, "value"),
    ("apigw: no usage plan", API_GATEWAY, {"issuer": {"aws_api_gateway": {"usage_plan": None}}}, "issuer.aws_api_gateway"),
    (
        "apigw: plan id and new plan",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan_id": "abc123"}}},
        "issuer.aws_api_gateway",
    ),
    ("apigw: the earlier backend", API_GATEWAY, {"backend": "aws-api-gateway", "issuer": None}, "backend"),
    (
        "apigw: quota period YEAR",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"quota": {"limit": 5, "period": "YEAR"}}}}},
        "issuer.aws_api_gateway.usage_plan.quota.period",
    ),
    (
        "apigw: quota limit 0",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"quota": {"limit": 0, "period": "DAY"}}}}},
        "issuer.aws_api_gateway.usage_plan.quota.limit",
    ),
    (
        "apigw: quota offset past limit",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"quota": {"limit": 10, "period": "WEEK", "offset": 10}}}}},
        "issuer.aws_api_gateway.usage_plan.quota.offset",
    ),
    (
        "apigw: throttle rate negative",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"throttle": {"rate_limit": -1, "burst_limit": 5}}}}},
        "issuer.aws_api_gateway.usage_plan.throttle.rate_limit",
    ),
    (
        "apigw: throttle burst past a 32-bit integer",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"throttle": {"rate_limit": 5, "burst_limit": 2**31}}}}},
        "issuer.aws_api_gateway.usage_plan.throttle.burst_limit",
    ),
    (
        "apigw: stage without api id",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"stage": "prod"}]}}}},
        "issuer.aws_api_gateway.usage_plan.api_stages[0].api_id",
    ),
    (
        "apigw: method throttle path",
        API_GATEWAY,
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {
                        "api_stages": [
                            {
                                "api_id": "a1b2c3",
                                "stage": "prod",
                                "throttles": [{"path": "completions", "rate_limit": 1, "burst_limit": 1}],
                            }
                        ]
                    }
                }
            }
        },
        "issuer.aws_api_gateway.usage_plan.api_stages[0].throttles[0].path",
    ),
    (
        "apigw: readers without Secrets Manager",
        API_GATEWAY,
        {"backend": None, "readers": [ROLE_ARN]},
        "readers",
    ),
    (
        "apigw: replicas without Secrets Manager",
        API_GATEWAY,
        {"backend": None, "replica_regions": ["eu-west-1"]},
        "replica_regions",
    ),
    (
        "apigw: enabled not a bool",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"enabled": "no"}}},
        "issuer.aws_api_gateway.enabled",
    ),
    ("apigw: gcp block", API_GATEWAY, {"gcp": {"project": "p"}}, "gcp"),
    # Azure Key Vault
    ("azure: vault name too short", AZURE, {"azure": {"create_vault": {"name": "kv"}}}, "azure.create_vault.name"),
    ("azure: vault name starts with a digit", AZURE, {"azure": {"create_vault": {"name": "1vault"}}}, "azure.create_vault.name"),
    ("azure: vault name with double hyphen", AZURE, {"azure": {"create_vault": {"name": "kv--ml"}}}, "azure.create_vault.name"),
    ("azure: secret name with underscore", AZURE, {"name": "openai_key"}, "name"),
    ("azure: secret name over 127", AZURE, {"name": "a" * 128}, "name"),
    ("azure: value over 25 KB", AZURE, {"value": "x" * 26_000}, "value"),
    (
        "azure: soft delete 5 days",
        AZURE,
        {"azure": {"create_vault": {"soft_delete_retention_days": 5}}},
        "azure.create_vault.soft_delete_retention_days",
    ),
    ("azure: sku basic", AZURE, {"azure": {"create_vault": {"sku": "basic"}}}, "azure.create_vault.sku"),
    (
        "azure: network default Block",
        AZURE,
        {"azure": {"create_vault": {"network": {"default_action": "Block"}}}},
        "azure.create_vault.network.default_action",
    ),
    (
        "azure: ip rule not an address",
        AZURE,
        {"azure": {"create_vault": {"network": {"ip_rules": ["office"]}}}},
        "azure.create_vault.network.ip_rules[0]",
    ),
    ("azure: no vault chosen", AZURE, {"azure": {"create_vault": None, "resource_group_name": None}}, "azure"),
    (
        "azure: vault id and new vault",
        AZURE,
        {"azure": {"vault_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1"}},
        "azure",
    ),
    ("azure: content type too long", AZURE, {"azure": {"content_type": "t" * 256}}, "azure.content_type"),
    ("azure: expires not a time", AZURE, {"azure": {"expires": "next year"}}, "azure.expires"),
    ("azure: AWS ARN as reader", AZURE, {"readers": [ROLE_ARN]}, "readers[0]"),
    ("azure: customer key", AZURE, {"encryption": {"create_key": True}}, "encryption"),
    ("azure: replicas", AZURE, {"replica_regions": ["westeurope"]}, "replica_regions"),
    ("azure: recovery window", AZURE, {"recovery_window_days": 7}, "recovery_window_days"),
    ("azure: principal type Robot", AZURE, {"azure": {"principal_type": "Robot"}}, "azure.principal_type"),
    (
        "azure: rotation schedule expression",
        AZURE,
        {"rotation": {"schedule_expression": "rate(7 days)"}},
        "rotation.schedule_expression",
    ),
    # GCP Secret Manager
    ("gcp: secret id with a dot", GCP, {"name": "openai.key"}, "name"),
    ("gcp: secret id over 255", GCP, {"name": "a" * 256}, "name"),
    ("gcp: value over 64 KiB", GCP, {"value": "x" * 65_537}, "value"),
    ("gcp: label key starting with a digit", GCP, {"tags": {"1team": "ml"}}, "tags.1team"),
    ("gcp: two tags, one label", GCP, {"tags": {"Team": "ml", "team": "ai"}}, "tags"),
    ("gcp: bad replica location", GCP, {"replica_regions": ["Europe West"]}, "replica_regions[0]"),
    ("gcp: allUsers as reader", GCP, {"readers": ["allUsers"]}, "readers[0]"),
    ("gcp: bare email as reader", GCP, {"readers": ["bob@example.com"]}, "readers[0]"),
    ("gcp: version destroy ttl as days", GCP, {"gcp": {"version_destroy_ttl": "1d"}}, "gcp.version_destroy_ttl"),
    ("gcp: annotation key with a slash", GCP, {"gcp": {"annotations": {"a/b": "c"}}}, "gcp.annotations"),
    ("gcp: AWS rotation lambda", GCP, {"rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}}, "rotation.aws_lambda_arn"),
    ("gcp: recovery window", GCP, {"recovery_window_days": 7}, "recovery_window_days"),
    ("gcp: the earlier api_gateway block", GCP, {"api_gateway": {"enabled": True}}, "api_gateway"),
    (
        "gcp: own key missing for a location",
        GCP,
        {"replica_regions": ["us-central1"], "encryption": {"replica_key_ids": {"europe-west1": "k"}, "key_id": "k"}},
        "encryption",
    ),
    # Brought keys, descriptions and lists a store judges: the same rules once an Output resolves.
    ("aws: key id of another cloud", AWS_SM, {"encryption": {"key_id": GCP_KEY.format("global")}}, "encryption.key_id"),
    (
        "aws: replica key in another region",
        AWS_SM,
        {"replica_regions": ["eu-west-1"], "encryption": {"key_id": KMS_KEY_ID, "replica_key_ids": {"eu-west-1": KMS_KEY_ARN}}},
        "encryption.replica_key_ids.eu-west-1",
    ),
    (
        "aws: key alias with readers",
        AWS_SM,
        {"readers_by_name": {"app": ROLE_ARN}, "encryption": {"key_id": "alias/ml-secrets"}},
        "encryption.key_id",
    ),
    ("gcp: key id of another cloud", GCP, {"encryption": {"key_id": "alias/ml-secrets"}}, "encryption.key_id"),
    (
        "gcp: key in another location",
        GCP,
        {"replica_regions": ["us-central1"], "encryption": {"key_id": GCP_KEY.format("europe-west1")}},
        "encryption.key_id",
    ),
    ("azure: description over a tag value", AZURE, {"description": "d" * 257}, "description"),
    (
        "gcp: annotations over 16 KiB with the description",
        GCP,
        {"description": "d" * 100, "gcp": {"annotations": {"notes": "n" * 16_280}}},
        "gcp.annotations",
    ),
    (
        "azure: a subnet that is not a subnet id",
        AZURE,
        {"azure": {"create_vault": {"network": {"subnet_ids": ["vnet-1"]}}}},
        ("azure.create_vault.network.subnet_ids[0]"),
    ),
    (
        "azure: a subnet listed twice",
        AZURE,
        {"azure": {"create_vault": {"network": {"subnet_ids": [SUBNET, SUBNET]}}}},
        "azure.create_vault.network.subnet_ids[1]",
    ),
    (
        "apigw: a stage listed twice",
        API_GATEWAY,
        {
            "issuer": {
                "aws_api_gateway": {
                    "usage_plan": {"api_stages": [{"api_id": "a1b2c3", "stage": "prod"}, {"api_id": "a1b2c3", "stage": "prod"}]}
                }
            }
        },
        "issuer.aws_api_gateway.usage_plan.api_stages[1]",
    ),
    # Every other field a Pulumi Output may hold, so each has a deploy-time twin refused for its own value.
    ("description over 2048", AWS_SM, {"description": "d" * 2049}, "description"),
    (
        "aws: rotation lambda that is a function name",
        AWS_SM,
        {"rotation": {"every_days": 30, "aws_lambda_arn": "rotate-openai"}},
        "rotation.aws_lambda_arn",
    ),
    (
        "azure: rotation webhook over plain http",
        AZURE,
        {"rotation": {"every_days": 40, "azure_webhook_url": "http://hooks.example.com/rotate"}},
        "rotation.azure_webhook_url",
    ),
    (
        "azure: rotation function that is an app id",
        AZURE,
        {
            "rotation": {
                "every_days": 40,
                "azure_function_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a",
            }
        },
        "rotation.azure_function_id",
    ),
    (
        "azure: rotator that is not a GUID",
        AZURE,
        {
            "rotation": {
                "every_days": 40,
                "azure_webhook_url": "https://hooks.example.com/rotate",
                "azure_rotator_principal_id": "rotator",
            },
            "azure": {"create_vault": {"network": {"ip_rules": ["203.0.113.7"]}}},
        },
        "rotation.azure_rotator_principal_id",
    ),
    (
        "gcp: rotation topic without its project",
        GCP,
        {"rotation": {"every_days": 30, "gcp_topic_id": "topics/rotations"}},
        "rotation.gcp_topic_id",
    ),
    (
        "gcp: replica key in another location",
        GCP,
        {
            "replica_regions": ["us-central1", "europe-west1"],
            "encryption": {
                "key_id": GCP_KEY.format("us-central1"),
                "replica_key_ids": {"europe-west1": GCP_KEY.format("us-east1")},
            },
        },
        "encryption.replica_key_ids.europe-west1",
    ),
    ("gcp: project id with a space", GCP, {"gcp": {"project": "my project"}}, "gcp.project"),
    (
        "apigw: customer id over 1024",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"customer_id": "c" * 1025}}},
        "issuer.aws_api_gateway.customer_id",
    ),
    (
        "apigw: usage plan id with a hyphen",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": None, "usage_plan_id": "plan-1"}}},
        "issuer.aws_api_gateway.usage_plan_id",
    ),
    (
        "apigw: api id with an underscore",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": "api_1", "stage": "prod"}]}}}},
        "issuer.aws_api_gateway.usage_plan.api_stages[0].api_id",
    ),
    (
        "apigw: stage with a space",
        API_GATEWAY,
        {"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": "a1b2c3", "stage": "prod stage"}]}}}},
        "issuer.aws_api_gateway.usage_plan.api_stages[0].stage",
    ),
    (
        "apigw issuer: usage plan id with a hyphen",
        AWS_SM,
        {"value": None, "issuer": {"aws_api_gateway": {"usage_plan_id": "plan-1"}}},
        "issuer.aws_api_gateway.usage_plan_id",
    ),
    (
        "apigw issuer: customer id over 1024",
        AWS_SM,
        {"value": None, "issuer": {"aws_api_gateway": {"usage_plan_id": "a1b2c3", "customer_id": "c" * 1025}}},
        "issuer.aws_api_gateway.customer_id",
    ),
    (
        "apigw issuer: api id with an underscore",
        AWS_SM,
        {"value": None, "issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": "api_1", "stage": "prod"}]}}}},
        "issuer.aws_api_gateway.usage_plan.api_stages[0].api_id",
    ),
    (
        "apigw issuer: stage with a space",
        AWS_SM,
        {"value": None, "issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": [{"api_id": "a1b2c3", "stage": "a b"}]}}}},
        "issuer.aws_api_gateway.usage_plan.api_stages[0].stage",
    ),
    (
        "azure: resource group ending in a period",
        AZURE,
        {"azure": {"resource_group_name": "rg-ml."}},
        "azure.resource_group_name",
    ),
    (
        "azure: vault id that is not a resource id",
        AZURE,
        {"azure": {"create_vault": None, "resource_group_name": None, "vault_id": "/subscriptions/s/vaults/kv1"}},
        "azure.vault_id",
    ),
    (
        "azure: existing vault name with double hyphen",
        AZURE,
        {"azure": {"create_vault": None, "vault_name": "kv--ml"}},
        "azure.vault_name",
    ),
    (
        "azure: vault location with punctuation",
        AZURE,
        {"azure": {"create_vault": {"location": "west-europe"}}},
        "azure.create_vault.location",
    ),
    (
        "azure: vault tenant that is not a GUID",
        AZURE,
        {"azure": {"create_vault": {"tenant_id": "contoso"}}},
        "azure.create_vault.tenant_id",
    ),
    (
        "azure: audit workspace that is a name",
        AZURE,
        {"azure": {"create_vault": {"audit": {"workspace_id": "logs"}}}},
        "azure.create_vault.audit.workspace_id",
    ),
    (
        "azure: audit storage that is a name",
        AZURE,
        {"azure": {"create_vault": {"audit": {"storage_account_id": "auditlogs"}}}},
        "azure.create_vault.audit.storage_account_id",
    ),
    # Issuers: every field, kept in any store.
    ("gcp_api_key: project id with capitals", AWS_SM, _gcp_api_key(project="My-Project-123"), "issuer.gcp_api_key.project"),
    (
        "gcp_api_key: the Gemini API",
        AWS_SM,
        _gcp_api_key(service="generativelanguage.googleapis.com"),
        "issuer.gcp_api_key.service",
    ),
    ("apigee: org without its prefix", AWS_SM, _apigee(org_id="my-project-123"), "issuer.apigee.org_id"),
    ("apigee: developer email in capitals", AWS_SM, _apigee(developer_email="Ops@Acme.example"), "issuer.apigee.developer_email"),
    ("apigee: product name starting with a digit", AWS_SM, _apigee(product_name="1st-tier"), "issuer.apigee.product_name"),
    ("gemini: project id with capitals", AWS_SM, _gemini(project="My-Project-123"), "issuer.gemini.project"),
    ("gemini: project id too short", AWS_SM, _gemini(project="proj"), "issuer.gemini.project"),
    (
        "gemini: service account email of no project",
        AWS_SM,
        _gemini(service_account_email="caller@gmail.com"),
        "issuer.gemini.service_account_email",
    ),
    (
        "gemini: service account of another project",
        AWS_SM,
        _gemini(service_account_email="caller@other-project-1.iam.gserviceaccount.com"),
        "issuer.gemini.service_account_email",
    ),
    ("gemini: display name over 63", AWS_SM, _gemini(display_name="k" * 64), "issuer.gemini.display_name"),
    ("gemini: allowed ip that is a word", AWS_SM, _gemini(allowed_ips=["abc"]), "issuer.gemini.allowed_ips[0]"),
    ("gemini: allowed ip out of range", AWS_SM, _gemini(allowed_ips=["999.1.1.1"]), "issuer.gemini.allowed_ips[0]"),
    ("gemini: allowed prefix over 32", AWS_SM, _gemini(allowed_ips=["1.2.3.4/99"]), "issuer.gemini.allowed_ips[0]"),
    ("gemini: allowed ip with host bits", AWS_SM, _gemini(allowed_ips=["10.0.0.5/8"]), "issuer.gemini.allowed_ips[0]"),
    ("gemini: every IPv4 address", AWS_SM, _gemini(allowed_ips=["203.0.113.7", "0.0.0.0/0"]), "issuer.gemini.allowed_ips[1]"),
    ("gemini: every IPv6 address", AWS_SM, _gemini(allowed_ips=["::/0"]), "issuer.gemini.allowed_ips[0]"),
    ("gemini: allowed ip with an IPv6 zone", AWS_SM, _gemini(allowed_ips=["fe80::1%eth0"]), "issuer.gemini.allowed_ips[0]"),
    ("gemini: referrer over 255", AWS_SM, _gemini(allowed_referrers=["x" * 256]), "issuer.gemini.allowed_referrers[0]"),
    (
        "gemini: android package with a hyphen",
        AWS_SM,
        _gemini(android_apps=[{"package_name": "com.example.my-app", "sha1_fingerprint": SHA1}]),
        "issuer.gemini.android_apps[0].package_name",
    ),
    (
        "gemini: android fingerprint of 19 pairs",
        AWS_SM,
        _gemini(android_apps=[{"package_name": "com.example.app", "sha1_fingerprint": SHA1[3:]}]),
        "issuer.gemini.android_apps[0].sha1_fingerprint",
    ),
    (
        "gemini: ios bundle id with an underscore",
        AWS_SM,
        _gemini(ios_bundle_ids=["com.example_app"]),
        "issuer.gemini.ios_bundle_ids[0]",
    ),
    (
        "gemini: ios bundle id with an empty segment",
        AWS_SM,
        _gemini(ios_bundle_ids=["com..app"]),
        "issuer.gemini.ios_bundle_ids[0]",
    ),
    ("bedrock: model that is not an ARN", AWS_SM, _issuer("bedrock", models=["claude"]), "issuer.bedrock.models[0]"),
    (
        "bedrock: models of two partitions",
        GCP,
        _issuer(
            "bedrock",
            models=[
                f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL_ID}",
                f"arn:aws-cn:bedrock:cn-north-1::foundation-model/{MODEL_ID}",
            ],
        ),
        "issuer.bedrock.models",
    ),
    (
        "bedrock: expiry of 0 days",
        AZURE,
        _issuer("bedrock", models=[f"arn:aws:bedrock:::foundation-model/{MODEL_ID}"], expires_in_days=0),
        ("issuer.bedrock.expires_in_days"),
    ),
    (
        "azure ai: account name starting with a hyphen",
        AZURE,
        _issuer("azure_ai_services", account_name="-aoai", resource_group_name="rg-ai"),
        "issuer.azure_ai_services.account_name",
    ),
    (
        "azure ai: resource group ending in a period",
        GCP,
        _issuer("azure_ai_services", account_name="my-aoai", resource_group_name="rg-ai."),
        "issuer.azure_ai_services.resource_group_name",
    ),
    ("openai: project id without proj_", AWS_SM, _openai(project_id="project-1"), "issuer.openai.project_id"),
    ("openai: admin key only whitespace", AZURE, _openai(admin_key="   "), "issuer.openai.admin_key"),
    (
        "azure ai: key3",
        AWS_SM,
        _issuer("azure_ai_services", account_name="my-aoai", resource_group_name="rg-ai", key="key3"),
        "issuer.azure_ai_services.key",
    ),
    ("apim: service name with a dot", AZURE, _apim(service_name="apim.ai"), "issuer.azure_api_management.service_name"),
    (
        "apim: resource group ending in a period",
        AWS_SM,
        _apim(resource_group_name="rg-ai."),
        "issuer.azure_api_management.resource_group_name",
    ),
    (
        "apim: existing product id with a colon",
        GCP,
        _apim(product=None, product_id="free:tier"),
        "issuer.azure_api_management.product_id",
    ),
    ("apim: product and product_id", AZURE, _apim(product_id="free"), "issuer.azure_api_management.product"),
    (
        "apim: tokens per minute of zero",
        AZURE,
        _apim_product(token_limit={"tokens_per_minute": 0}),
        "issuer.azure_api_management.product.token_limit.tokens_per_minute",
    ),
    (
        "apim: token quota with no period",
        AWS_SM,
        _apim_product(token_limit={"token_quota": 1000}),
        "issuer.azure_api_management.product.token_limit.token_quota_period",
    ),
    (
        "apim: rate limit window over 300 seconds",
        GCP,
        _apim_product(rate_limit={"calls": 60, "renewal_period_seconds": 301}),
        "issuer.azure_api_management.product.rate_limit.renewal_period_seconds",
    ),
    (
        "apim: quota window under 300 seconds",
        AZURE,
        _apim_product(quota={"calls": 1000, "renewal_period_seconds": 60}),
        "issuer.azure_api_management.product.quota.renewal_period_seconds",
    ),
    (
        "apim: metric namespace that is a policy expression",
        AZURE,
        _apim(emit_token_metric=True, metric_namespace="@(context.Request.Body)"),
        "issuer.azure_api_management.metric_namespace",
    ),
    # The kubernetes block (ESO / Secrets Store CSI)
    ("k8s: block not a mapping", AWS_SM, {"kubernetes": "inference/openai"}, "kubernetes"),
    ("k8s: unknown field", GCP, merge(_k8s(GCP), {"kubernetes": {"refresh": "1h"}}), "kubernetes.refresh"),
    ("k8s: no namespace", AZURE, merge(_k8s(AZURE), {"kubernetes": {"namespace": None}}), "kubernetes.namespace"),
    ("k8s: namespace with upper case", AWS_SM, _k8s(AWS_SM, namespace="Inference"), "kubernetes.namespace"),
    ("k8s: namespace with a dot (a label)", GCP, _k8s(GCP, namespace="ml.inference"), "kubernetes.namespace"),
    ("k8s: namespace of 64 characters", AZURE, _k8s(AZURE, namespace="n" * 64), "kubernetes.namespace"),
    ("k8s: secret name with an underscore", AWS_SM, _k8s(AWS_SM, secret_name="openai_key"), "kubernetes.secret_name"),
    ("k8s: secret name leaves no room for its store", GCP, _k8s(GCP, secret_name="s" * 248), "kubernetes.secret_name"),
    ("k8s: service account ending in a hyphen", AZURE, _k8s(AZURE, service_account="app-"), "kubernetes.service_account"),
    ("k8s: unknown delivery", AWS_SM, _k8s(AWS_SM, delivery="vault-agent"), "kubernetes.delivery"),
    ("k8s: refresh in days (no Go unit)", GCP, _k8s(GCP, refresh_interval="1d"), "kubernetes.refresh_interval"),
    ("k8s: refresh as a bare number", AZURE, _k8s(AZURE, refresh_interval="3600"), "kubernetes.refresh_interval"),
    ("k8s: refresh of 0s (sync once)", AWS_SM, _k8s(AWS_SM, refresh_interval="0s"), "kubernetes.refresh_interval"),
    ("k8s: negative refresh", GCP, _k8s(GCP, refresh_interval="-1h"), "kubernetes.refresh_interval"),
    ("k8s: refresh beyond a Go duration", AZURE, _k8s(AZURE, refresh_interval="3000000h"), "kubernetes.refresh_interval"),
    ("k8s: refresh with csi", AWS_SM, _k8s(AWS_SM, delivery="csi", refresh_interval="5m"), "kubernetes.refresh_interval"),
    ("k8s: secret key with a slash", GCP, _k8s(GCP, secret_key="keys/openai"), "kubernetes.secret_key"),
    ("k8s: secret key '..'", AZURE, _k8s(AZURE, delivery="csi", secret_key=".."), "kubernetes.secret_key"),
    (
        "k8s: create_service_account not a bool",
        AWS_SM,
        _k8s(AWS_SM, create_service_account="yes"),
        "kubernetes.create_service_account",
    ),
    ("k8s: no identity", GCP, merge(_k8s(GCP), {"kubernetes": {"identity": None}}), "kubernetes.identity"),
    (
        "k8s: identity of another cloud",
        AWS_SM,
        _k8s(AWS_SM, identity={"member": K8S_IDENTITY[GCP]["member"]}),
        "kubernetes.identity.member",
    ),
    ("k8s: azure identity without tenant", AZURE, _k8s(AZURE, identity={"tenant_id": None}), "kubernetes.identity.tenant_id"),
    (
        "k8s: role ARN of a user",
        AWS_SM,
        _k8s(AWS_SM, identity={"role_arn": ROLE_ARN.replace(":role/", ":user/")}),
        "kubernetes.identity.role_arn",
    ),
    (
        "k8s: role ARN on a copy of an API Gateway key",
        API_GATEWAY,
        _k8s(API_GATEWAY, identity={"role_arn": "summarizer"}),
        "kubernetes.identity.role_arn",
    ),
    ("k8s: member of a user", GCP, _k8s(GCP, identity={"member": "user:jane@example.com"}), "kubernetes.identity.member"),
    (
        "k8s: principal of another service account",
        GCP,
        _k8s(GCP, identity={"member": K8S_IDENTITY[GCP]["member"].replace("/sa/summarizer", "/sa/indexer")}),
        "kubernetes.identity.member",
    ),
    ("k8s: client id not a GUID", AZURE, _k8s(AZURE, identity={"client_id": "summarizer"}), "kubernetes.identity.client_id"),
    ("k8s: principal id not a GUID", AZURE, _k8s(AZURE, identity={"principal_id": "0000"}), "kubernetes.identity.principal_id"),
    (
        "k8s: tenant as a domain",
        AZURE,
        _k8s(AZURE, identity={"tenant_id": "contoso.onmicrosoft.com"}),
        "kubernetes.identity.tenant_id",
    ),
    (
        "k8s: an API Gateway key kept in API Gateway alone",
        API_GATEWAY,
        {"backend": None, **_k8s(AWS_SM)},
        "kubernetes",
    ),
    (
        "k8s: refresh not shorter than a managed rotation",
        AWS_SM,
        {**_issuer("bedrock", allow_all_models=True), "rotation": {"every_days": 1}, **_k8s(AWS_SM, refresh_interval="24h")},
        "kubernetes.refresh_interval",
    ),
    # The esc block (a Pulumi ESC environment)
    ("esc: block not a mapping", GCP, {"esc": "acme/ai/prod"}, "esc"),
    ("esc: unknown field", AWS_SM, merge(_esc(AWS_SM), {"esc": {"project": "ai"}}), "esc.project"),
    ("esc: no environment", AZURE, merge(_esc(AZURE), {"esc": {"environment": None}}), "esc.environment"),
    ("esc: environment without an org", AWS_SM, _esc(AWS_SM, environment="prod"), "esc.environment"),
    ("esc: environment of four parts", GCP, _esc(GCP, environment="acme/ai/prod/v2"), "esc.environment"),
    ("esc: environment with a space", AZURE, _esc(AZURE, environment="acme/ai prod"), "esc.environment"),
    ("esc: variable in lower case", AWS_SM, _esc(AWS_SM, variable="openai_api_key"), "esc.variable"),
    ("esc: variable starting with a digit", GCP, _esc(GCP, variable="1KEY"), "esc.variable"),
    ("esc: no login", AZURE, merge(_esc(AZURE), {"esc": {"login": None}}), "esc.login"),
    ("esc: login of another cloud", GCP, _esc(GCP, login={"role_arn": ROLE_ARN}), "esc.login.role_arn"),
    ("esc: aws session name of one character", AWS_SM, _esc(AWS_SM, login={"session_name": "x"}), "esc.login.session_name"),
    (
        "esc: role ARN of an account root",
        AWS_SM,
        _esc(AWS_SM, login={"role_arn": "arn:aws:iam::123456789012:root"}),
        "esc.login.role_arn",
    ),
    ("esc: project id for its number", GCP, _esc(GCP, login={"project_number": "my-esc-proj"}), "esc.login.project_number"),
    ("esc: pool id too short", GCP, _esc(GCP, login={"workload_pool_id": "p1"}), "esc.login.workload_pool_id"),
    ("esc: provider id with upper case", GCP, _esc(GCP, login={"provider_id": "Pulumi-ESC"}), "esc.login.provider_id"),
    (
        "esc: service account as a member",
        GCP,
        _esc(GCP, login={"service_account": "serviceAccount:esc@x.iam.gserviceaccount.com"}),
        "esc.login.service_account",
    ),
    ("esc: client id not a GUID", AZURE, _esc(AZURE, login={"client_id": "esc-app"}), "esc.login.client_id"),
    ("esc: tenant id not a GUID", AZURE, _esc(AZURE, login={"tenant_id": "contoso"}), "esc.login.tenant_id"),
    (
        "esc: subscription as a resource id",
        AZURE,
        _esc(AZURE, login={"subscription_id": "/subscriptions/4c5d6e7f-8091-42a3-b4c5-d6e7f8a9b0c1"}),
        "esc.login.subscription_id",
    ),
    ("esc: principal id not a GUID", AZURE, _esc(AZURE, login={"principal_id": "esc-app"}), "esc.login.principal_id"),
    (
        "esc: an API Gateway key kept in API Gateway alone",
        API_GATEWAY,
        {"backend": None, **_esc(AWS_SM)},
        "esc",
    ),
]


def _base(backend: str) -> dict[str, Any]:
    """Args ``backend`` accepts: for API Gateway, ``issuer.aws_api_gateway`` (the key brought as its ``value``) with
    a copy in Secrets Manager."""
    if backend == API_GATEWAY:
        return merge(args_for(API_GATEWAY), PLAN)
    return merge({"backend": backend, "value": CANARY}, BASE[backend])


def test_the_corpus_is_large_and_covers_every_backend() -> None:
    assert len(CASES) >= 60
    assert {backend for _, backend, _, _ in CASES} == {AWS_SM, API_GATEWAY, AZURE, GCP}
    assert len({name for name, _, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "backend", "override", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused(engine: MockEngine, name: str, backend: str, override: dict[str, Any], field: str) -> None:
    args = merge(_base(backend), override)
    with pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("bad", args))  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.startswith(f"SecureApiKey args.{field}"), message
    assert refused.value.field.startswith(field)
    assert CANARY not in message
    assert engine.resources == []


def test_a_refused_webhook_url_is_not_echoed(engine: MockEngine) -> None:
    hook = "http://hooks.example.com/rotate?code=WEBHOOKCODE123"
    args = merge({"backend": AZURE, "value": CANARY}, BASE[AZURE], {"rotation": {"every_days": 40, "azure_webhook_url": hook}})
    with pytest.raises(SecureApiKeyError, match=r"args\.rotation\.azure_webhook_url: ") as refused:
        engine.run(lambda: SecureApiKey("bad", args))  # type: ignore[arg-type]
    assert "WEBHOOKCODE123" not in str(refused.value)
    assert engine.resources == []


def test_gcp_refuses_a_component_name_it_cannot_derive_a_secret_id_from(engine: MockEngine) -> None:
    args = merge({"backend": GCP, "value": CANARY}, BASE[GCP])
    with pytest.raises(SecureApiKeyError, match=r"args\.name: is required: the component name 'gemini key\.v2'"):
        engine.run(lambda: SecureApiKey("gemini key.v2", args))  # type: ignore[arg-type]
    assert engine.resources == []


# --- The deploy-time twin of every rule: the same input given as an Output gets the same refusal once it resolves.


def _input_paths(hints_of: Any, prefix: str = "") -> set[str]:
    """Dotted arg paths whose values may be Outputs (``pulumi.Input``), ``[]`` marking list items."""
    paths: set[str] = set()
    for key, annotation in hints_of.__annotations__.items():
        hint = typing.get_args(annotation)[0] if "NotRequired" in str(annotation) else annotation
        text = str(hint)
        path = f"{prefix}{key}"
        inner = [a for a in typing.get_args(hint) if typing.is_typeddict(a)] or ([hint] if typing.is_typeddict(hint) else [])
        if inner:
            paths |= _input_paths(inner[0], f"{path}.")
        elif "Output" in text or "Awaitable" in text:
            paths.add(f"{path}[]" if text.startswith(("typing.Sequence", "collections.abc.Sequence")) else path)
            if "Mapping" in text:
                paths.add(f"{path}.*")
    return paths


INPUT_PATHS = _input_paths(SecureApiKeyArgs)


def _twins() -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(case, backend, override, field, path of the leaf to give as an Output) for every Output-capable leaf."""
    twins = []
    for name, backend, override, field in CASES:
        for path, leaf_path in _leaves(override):
            if path in INPUT_PATHS and isinstance(leaf_path, str):
                twins.append((name, backend, override, field, leaf_path))
    return twins


def _leaves(value: Any, schema_path: str = "", real_path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if schema_path and f"{schema_path}.*" in INPUT_PATHS and not isinstance(item, dict):
                found.append((f"{schema_path}.*", f"{real_path}.{key}"))
                continue
            found += _leaves(item, f"{schema_path}.{key}" if schema_path else key, f"{real_path}.{key}" if real_path else key)
        return found
    if isinstance(value, list):
        found = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                found.append((f"{schema_path}[]", f"{real_path}[{i}]"))
            elif isinstance(item, dict):  # e.g. api_stages[1].api_id: the schema path has no index
                found += _leaves(item, schema_path, f"{real_path}[{i}]")
        return found
    return [(schema_path, real_path)] if isinstance(value, str) else []


def _as_output(args: dict[str, Any], real_path: str) -> dict[str, Any]:
    """``args`` with the leaf at ``real_path`` made an Output (call inside a program)."""
    result = copy.deepcopy(args)
    container, key = _leaf(result, real_path)
    container[key] = pulumi.Output.from_input(container[key])
    return result


def _leaf(args: dict[str, Any], real_path: str) -> tuple[Any, Any]:
    """The container holding the leaf at ``real_path``, and its key or index there."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", real_path)
    container: Any = args
    for part in parts[:-1]:
        container = container[int(part[1:-1])] if part.startswith("[") else container[part]
    last = parts[-1]
    return container, int(last[1:-1]) if last.startswith("[") else last


TWINS = _twins()


def test_the_corpus_has_a_deploy_time_twin_for_every_output_capable_rule() -> None:
    assert len(TWINS) >= 20
    assert {backend for _, backend, _, _, _ in TWINS} == {AWS_SM, API_GATEWAY, AZURE, GCP}


MAPPINGS_OF_INPUTS = {"readers_by_name", "encryption.replica_key_ids"}
"""Input paths that name a mapping whose entries (``.*``) are the Outputs."""


def test_every_field_an_output_may_hold_has_a_twin_refused_for_its_own_value() -> None:
    """Each Output-capable field has a case whose refusal names that very field, so its twin shows the rule runs at
    deploy time; a new Input field without one fails here."""
    judged = {
        schema
        for _, _, override, field in CASES
        for schema, leaf in _leaves(override)
        if schema in INPUT_PATHS and (leaf.startswith(field) or field.startswith(leaf))
    }
    assert INPUT_PATHS - MAPPINGS_OF_INPUTS - judged == set()


@pytest.mark.parametrize(("name", "backend", "override", "field", "leaf"), TWINS, ids=[f"{t[0]} @ {t[4]}" for t in TWINS])
def test_the_same_input_as_an_output_gets_the_same_refusal_at_deploy(
    name: str, backend: str, override: dict[str, Any], field: str, leaf: str
) -> None:
    args = merge(_base(backend), override)
    with mock_pulumi() as known_engine, pytest.raises(SecureApiKeyError) as known:
        known_engine.run(lambda: SecureApiKey("bad", args))  # type: ignore[arg-type]
    with mock_pulumi() as engine, pytest.raises((SecureApiKeyError, DeployTimeError)) as at_deploy:
        engine.run(lambda: SecureApiKey("bad", _as_output(args, leaf)))  # type: ignore[arg-type]
    refused = at_deploy.value
    if isinstance(refused, DeployTimeError):
        assert str(refused).startswith(str(known.value).replace("SecureApiKey args", "SecureApiKey 'bad' args", 1))
        assert re.search(r"declared at tests[/\\]test_bad_input_corpus\.py:\d+\)$", str(refused)), str(refused)
        assert "\n" not in str(refused)
        # The refused value waited for its rule: no resource was registered with it.
        container, key = _leaf(args, leaf)
        assert [r.urn for r in engine.resources if container[key] in json.dumps(unwrap_secrets(r.inputs))] == []
    else:  # another rule, independent of this leaf, refused it before registration
        assert engine.resources == []
    assert refused.field == known.value.field
    assert CANARY not in str(refused)
