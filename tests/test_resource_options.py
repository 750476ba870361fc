"""Resource options given to the component reach every child, on every backend, with every option on."""

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest

from ai_keys import SecureApiKey
from ai_keys.testing import MockEngine, RegisteredResource

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN

COMPONENT = "ai-keys:index:SecureApiKey"
STAGES = [{"api_id": "a1b2c3d4e5", "stage": "prod"}]

# Each backend with the options that add the most children, and the provider package those children use.
FULL: dict[str, tuple[dict[str, Any], str, Callable[[], pulumi.ProviderResource]]] = {
    "aws-secrets-manager": (
        {
            "readers": [ROLE_ARN],
            "encryption": {"create_key": True},
            "rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN},
            "replica_regions": ["eu-west-1"],
        },
        "aws",
        lambda: aws.Provider("other", region="eu-central-1"),
    ),
    "aws-api-gateway": (
        {
            "backend": "aws-secrets-manager",  # the copy of the API Gateway key
            "readers": [ROLE_ARN],
            "encryption": {"create_key": True},
            "issuer": {"aws_api_gateway": {"value": "clientKey0123456789abcdefXYZ", "usage_plan": {"api_stages": STAGES}}},
        },
        "aws",
        lambda: aws.Provider("other", region="eu-central-1"),
    ),
    "azure-key-vault": (
        {
            "readers": ["6f1c2a9e-1111-4222-8333-444455556666"],
            "rotation": {"every_days": 90, "azure_webhook_url": "https://hooks.example.com/rotate"},
            "azure": {"resource_group_name": "rg-ml", "create_vault": {}},
        },
        "azure-native",
        lambda: azure_native.Provider("other"),
    ),
    "gcp-secret-manager": (
        {
            "readers": ["serviceAccount:assistant@mock-project.iam.gserviceaccount.com"],
            "encryption": {"create_key": True},
            "rotation": {"every_days": 90},
            "replica_regions": ["europe-west1", "us-central1"],
            "gcp": {"project": "mock-project"},
        },
        "gcp",
        lambda: gcp.Provider("other", project="mock-project"),
    ),
}


def children(engine: MockEngine) -> list[RegisteredResource]:
    kids = [r for r in engine.resources if r.type != COMPONENT and not r.type.startswith("pulumi:")]
    assert len(kids) >= 3, "every full configuration registers several children"
    return kids


def full_args(backend: str) -> dict[str, Any]:
    """``FULL[backend]``'s args; an API Gateway key (``issuer.aws_api_gateway``) brings its value in the issuer block."""
    extra = FULL[backend][0]
    return {"backend": backend, **({} if "issuer" in extra else {"value": CANARY}), **extra}


@pytest.mark.parametrize("backend", FULL)
def test_providers_reach_every_child(engine: MockEngine, backend: str) -> None:
    _, package, make_provider = FULL[backend]

    def program() -> None:
        provider = make_provider()
        args = full_args(backend)
        SecureApiKey("key", args, pulumi.ResourceOptions(providers={package: provider}))  # type: ignore[arg-type]

    engine.run(program)
    provider = engine.one(f"pulumi:providers:{package}", "other")
    for child in children(engine):
        if child.type.startswith("time:"):
            continue  # waits and timestamps run locally: the time provider has nothing to configure
        assert child.type.split(":")[0] == package, child.type
        assert child.provider.startswith(f"{provider.urn}::"), (child.name, child.provider)


@pytest.mark.parametrize("backend", FULL)
def test_protect_and_retain_on_delete_reach_every_child(engine: MockEngine, backend: str) -> None:
    args = full_args(backend)
    engine.run(lambda: SecureApiKey("key", args, pulumi.ResourceOptions(protect=True, retain_on_delete=True)))  # type: ignore[arg-type]
    for child in children(engine):
        assert child.protect is True, child.name
        assert child.retain_on_delete is True, child.name
