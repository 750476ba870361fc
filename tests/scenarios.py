"""The same scenarios for every backend: what each option looks like on each cloud, and what each refuses."""

import itertools
from collections.abc import Iterator
from typing import Any

from ai_keys.testing import MockEngine, RegisteredResource, unwrap_secrets

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN

AWS_SM = "aws-secrets-manager"
API_GATEWAY = "aws-api-gateway"
AZURE = "azure-key-vault"
GCP = "gcp-secret-manager"
BACKENDS = (AWS_SM, API_GATEWAY, AZURE, GCP)

AZURE_PRINCIPAL = "6f1c2a9e-1111-4222-8333-444455556666"
GCP_MEMBER = "serviceAccount:assistant@mock-project.iam.gserviceaccount.com"

BASE: dict[str, dict[str, Any]] = {
    AWS_SM: {},
    API_GATEWAY: {
        "api_gateway": {
            "usage_plan": {
                "quota": {"limit": 1000, "period": "MONTH"},
                "api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}],
            },
            "store_in_secrets_manager": True,
        }
    },
    AZURE: {"azure": {"resource_group_name": "rg-ml", "create_vault": {}}},
    GCP: {"gcp": {"project": "mock-project"}},
}
"""The least each backend needs."""

OPTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "readers": {
        AWS_SM: {"readers": [ROLE_ARN]},
        API_GATEWAY: {"readers": [ROLE_ARN]},
        AZURE: {"readers": [AZURE_PRINCIPAL]},
        GCP: {"readers": [GCP_MEMBER]},
    },
    "customer_key": {
        AWS_SM: {"encryption": {"create_key": True}},
        API_GATEWAY: {"encryption": {"create_key": True}},
        GCP: {"encryption": {"create_key": True}},
    },
    "rotation": {
        AWS_SM: {"rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}},
        API_GATEWAY: {"rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}},
        AZURE: {"rotation": {"every_days": 90, "azure_webhook_url": "https://hooks.example.com/rotate"}},
        GCP: {"rotation": {"every_days": 90}},
    },
    "replicas": {
        AWS_SM: {"replica_regions": ["eu-west-1"]},
        API_GATEWAY: {"replica_regions": ["eu-west-1"]},
        GCP: {"replica_regions": ["europe-west1", "us-central1"]},
    },
    "tags": {backend: {"tags": {"team": "ml", "app": "assistant"}} for backend in BACKENDS},
    "description": {backend: {"description": "OpenAI key for the assistant"} for backend in BACKENDS},
    "no_deletion_protection": {backend: {"deletion_protection": False} for backend in BACKENDS},
}
"""Each option as the backend that supports it spells it; a backend missing from an option refuses it."""

REFUSED: dict[str, dict[str, tuple[dict[str, Any], str]]] = {
    AWS_SM: {
        "azure block": ({"azure": {"content_type": "text/plain"}}, r"args\.azure: only applies to backend azure-key-vault"),
        "gcp block": ({"gcp": {"project": "p"}}, r"args\.gcp: only applies to backend gcp-secret-manager"),
        "gcp reader": ({"readers": [GCP_MEMBER]}, r"args\.readers\[0\]: .*IAM principal ARN"),
    },
    API_GATEWAY: {
        "replicas without Secrets Manager": (
            {"api_gateway": {"store_in_secrets_manager": False}, "replica_regions": ["eu-west-1"]},
            r"args\.replica_regions: .*store_in_secrets_manager",
        ),
        "readers without Secrets Manager": (
            {"api_gateway": {"store_in_secrets_manager": False}, "readers": [ROLE_ARN]},
            r"args\.readers: .*store_in_secrets_manager",
        ),
        "gcp block": ({"gcp": {"project": "p"}}, r"args\.gcp: only applies to backend gcp-secret-manager"),
    },
    AZURE: {
        "customer key": ({"encryption": {"create_key": True}}, r"args\.encryption: .*premium"),
        "replicas": ({"replica_regions": ["westeurope"]}, r"args\.replica_regions: "),
        "recovery window": ({"recovery_window_days": 7}, r"args\.recovery_window_days: .*soft_delete_retention_days"),
        "aws reader": ({"readers": [ROLE_ARN]}, r"args\.readers\[0\]: "),
        "aws rotation lambda": (
            {"rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}},
            r"args\.rotation\.aws_lambda_arn: does not apply to backend azure-key-vault",
        ),
    },
    GCP: {
        "recovery window": ({"recovery_window_days": 7}, r"args\.recovery_window_days: .*version_destroy_ttl"),
        "aws reader": ({"readers": [ROLE_ARN]}, r"args\.readers\[0\]: "),
        "azure block": ({"azure": {"content_type": "text/plain"}}, r"args\.azure: only applies to backend azure-key-vault"),
        "schedule expression": (
            {"rotation": {"schedule_expression": "rate(10 days)"}},
            r"args\.rotation\.schedule_expression: does not apply to backend gcp-secret-manager",
        ),
    },
}
"""Per backend: options it cannot honour, with the error expected (field path first)."""


def merge(*parts: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge arg fragments (later ones win)."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
    return merged


def args_for(backend: str, *options: str, value: Any = CANARY) -> dict[str, Any]:
    """Args for ``backend`` with the named options switched on."""
    return merge({"backend": backend, "value": value}, BASE[backend], *(OPTIONS[o][backend] for o in options))


def supported(backend: str) -> list[str]:
    return [option for option, per_backend in OPTIONS.items() if backend in per_backend]


def combinations() -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every backend with every subset of the options it supports."""
    for backend in BACKENDS:
        options = supported(backend)
        for size in range(len(options) + 1):
            for combo in itertools.combinations(options, size):
                yield backend, combo


def secret_output_names(resource: RegisteredResource) -> set[str]:
    return set(resource.additional_secret_outputs)


def leaks(engine: MockEngine, canary: str = CANARY) -> list[str]:
    """Every place the canary shows in plaintext: non-secret inputs and outputs, names, URNs, logs."""
    found: list[str] = []
    for resource in engine.resources:
        if canary in resource.name or canary in resource.urn:
            found.append(f"{resource.urn}: name")
        found += [f"{resource.urn}: input {p}" for p in _plain_paths(resource.inputs, canary)]
        secret_outputs = secret_output_names(resource)
        outputs = {k: v for k, v in resource.outputs.items() if k not in secret_outputs}
        found += [f"{resource.urn}: output {p}" for p in _plain_paths(outputs, canary)]
    found += [f"log: {line[:60]}" for line in engine.logs if canary in line]
    found += [f"stack output {p}" for p in _plain_paths(engine.stack_outputs, canary)]
    return found


def _plain_paths(value: Any, canary: str, path: str = "") -> Iterator[str]:
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _plain_paths(item, canary, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _plain_paths(item, canary, f"{path}[{index}]")
    elif canary in str(unwrap_secrets(value)):
        yield path or "<root>"
