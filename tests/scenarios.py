"""The same scenarios for every backend: what each option looks like on each cloud, and what each refuses."""

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pulumi

from ai_keys.testing import MockEngine, RegisteredResource, unwrap_secrets

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN

AWS_SM = "aws-secrets-manager"
API_GATEWAY = "aws-api-gateway"
"""An API Gateway key with a copy in Secrets Manager: ``issuer.aws_api_gateway`` with ``backend:
aws-secrets-manager``. A column of the tables below named after the store behind it (what the ``backend`` output
says), not a ``backend`` users may write."""
AZURE = "azure-key-vault"
GCP = "gcp-secret-manager"
BACKENDS = (AWS_SM, API_GATEWAY, AZURE, GCP)

API_GATEWAY_ONLY = "aws-api-gateway/no-copy"
"""An API Gateway key in API Gateway alone: ``issuer.aws_api_gateway`` with no ``backend``. A column of the tables
below: ``backend_of`` maps it to ``aws-api-gateway``, the store behind it."""
MODES = (*BACKENDS, API_GATEWAY_ONLY)
"""Every store, and API Gateway in both its modes (``API_GATEWAY`` keeps a Secrets Manager copy)."""
API_GATEWAY_MODES = (API_GATEWAY, API_GATEWAY_ONLY)

AZURE_PRINCIPAL = "6f1c2a9e-1111-4222-8333-444455556666"
GCP_MEMBER = "serviceAccount:assistant@mock-project.iam.gserviceaccount.com"
GCP_TOPIC_ID = "projects/ops-rotation/topics/rotations"
AZURE_FUNCTION_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai"
    "/providers/Microsoft.Web/sites/rotator/functions/rotate"
)
AZURE_WEBHOOK_URL = "https://hooks.example.com/rotate"
USAGE_PLAN: dict[str, Any] = {
    "quota": {"limit": 1000, "period": "MONTH"},
    "api_stages": [{"api_id": "a1b2c3d4e5", "stage": "prod"}],
}


def backend_of(mode: str) -> str:
    """The store behind ``mode``: what the component's ``backend`` output says."""
    return API_GATEWAY if mode == API_GATEWAY_ONLY else mode


BASE: dict[str, dict[str, Any]] = {
    AWS_SM: {},
    API_GATEWAY: {"backend": AWS_SM, "issuer": {"aws_api_gateway": {"usage_plan": USAGE_PLAN}}},
    AZURE: {"azure": {"resource_group_name": "rg-ml", "create_vault": {}}},
    GCP: {"gcp": {"project": "mock-project"}},
    API_GATEWAY_ONLY: {"issuer": {"aws_api_gateway": {"usage_plan": USAGE_PLAN}}},
}
"""The least each mode needs."""

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
        AZURE: {"rotation": {"every_days": 90, "azure_webhook_url": AZURE_WEBHOOK_URL}},
        GCP: {"rotation": {"every_days": 90}},
    },
    "replicas": {
        AWS_SM: {"replica_regions": ["eu-west-1"]},
        API_GATEWAY: {"replica_regions": ["eu-west-1"]},
        GCP: {"replica_regions": ["europe-west1", "us-central1"]},
    },
    "tags": {mode: {"tags": {"team": "ml", "app": "assistant"}} for mode in MODES},
    "description": {mode: {"description": "OpenAI key for the assistant"} for mode in MODES},
    "no_deletion_protection": {mode: {"deletion_protection": False} for mode in MODES},
}
"""Each option as the mode that supports it spells it; a mode missing from an option refuses it."""


@dataclass(frozen=True)
class Refusal:
    """Args a mode must refuse, and what its ``SecureApiKeyError`` must say."""

    override: dict[str, Any]
    """Merged over the mode's ``BASE``."""
    field: str
    """The field path the error names (``SecureApiKeyError.field``, and the message's first words)."""
    allowed: str
    """A regex the error's ``allowed`` part must match: the alternative it points to."""


KEEP_A_COPY = "set backend: aws-secrets-manager"
AWS_HANDLER = "rotation.aws_lambda_arn"
AZURE_HANDLER = "rotation.azure_function_id or rotation.azure_webhook_url"
GCP_HANDLER = "rotation.gcp_topic_id"
EVERY_DAYS = "rotation.every_days"
_LAMBDA_ROTATION = {"rotation": {"every_days": 90, "aws_lambda_arn": LAMBDA_ARN}}


def _use_backend(backend: str) -> str:
    return f"remove it, or set backend: {backend}"


MISPLACED: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    # field path: (args setting it to a value its own backend accepts, {mode that refuses it: the alternative named})
    "encryption": (
        {"encryption": {"create_key": True}},
        {API_GATEWAY_ONLY: KEEP_A_COPY, AZURE: "azure.create_vault.sku: premium"},
    ),
    "rotation": (_LAMBDA_ROTATION, {API_GATEWAY_ONLY: KEEP_A_COPY}),
    "recovery_window_days": (
        {"recovery_window_days": 7},
        {
            API_GATEWAY_ONLY: KEEP_A_COPY,
            AZURE: "azure.create_vault.soft_delete_retention_days",
            GCP: "gcp.version_destroy_ttl",
        },
    ),
    "readers": ({"readers": [ROLE_ARN]}, {API_GATEWAY_ONLY: KEEP_A_COPY}),
    "replica_regions": ({"replica_regions": ["eu-west-1"]}, {API_GATEWAY_ONLY: KEEP_A_COPY, AZURE: "leave it out"}),
    "deletion_protection": ({"deletion_protection": True}, {API_GATEWAY_ONLY: KEEP_A_COPY}),
    "aws": (
        {"aws": {"force_overwrite_replica_secret": True}},
        {API_GATEWAY_ONLY: KEEP_A_COPY, AZURE: _use_backend(AWS_SM), GCP: _use_backend(AWS_SM)},
    ),
    "azure": (
        {"azure": {"content_type": "text/plain"}},
        dict.fromkeys((AWS_SM, API_GATEWAY, API_GATEWAY_ONLY, GCP), _use_backend(AZURE)),
    ),
    "gcp": (
        {"gcp": {"project": "ops-project"}},
        dict.fromkeys((AWS_SM, API_GATEWAY, API_GATEWAY_ONLY, AZURE), _use_backend(GCP)),
    ),
    "rotation.aws_lambda_arn": (_LAMBDA_ROTATION, {AZURE: AZURE_HANDLER, GCP: GCP_HANDLER}),
    "rotation.gcp_topic_id": (
        {"rotation": {"every_days": 90, "gcp_topic_id": GCP_TOPIC_ID}},
        {AWS_SM: AWS_HANDLER, API_GATEWAY: AWS_HANDLER, AZURE: AZURE_HANDLER},
    ),
    "rotation.azure_function_id": (
        {"rotation": {"every_days": 90, "azure_function_id": AZURE_FUNCTION_ID}},
        {AWS_SM: AWS_HANDLER, API_GATEWAY: AWS_HANDLER, GCP: GCP_HANDLER},
    ),
    "rotation.azure_webhook_url": (
        {"rotation": {"every_days": 90, "azure_webhook_url": AZURE_WEBHOOK_URL}},
        {AWS_SM: AWS_HANDLER, API_GATEWAY: AWS_HANDLER, GCP: GCP_HANDLER},
    ),
    "rotation.schedule_expression": (
        {"rotation": {"schedule_expression": "rate(10 days)", "aws_lambda_arn": LAMBDA_ARN}},
        {AZURE: EVERY_DAYS, GCP: EVERY_DAYS},
    ),
    "rotation.duration": (
        {"rotation": {"every_days": 90, "duration": "3h", "aws_lambda_arn": LAMBDA_ARN}},
        {AZURE: EVERY_DAYS, GCP: EVERY_DAYS},
    ),
}
"""Field x mode: each field, in a form its own backend accepts, and the modes that must refuse it."""

READER_FORMS: dict[str, tuple[str, str]] = {
    "aws": (ROLE_ARN, "an IAM principal ARN"),
    "azure": (AZURE_PRINCIPAL, r"the object \(principal\) id"),
    "gcp": (GCP_MEMBER, "an IAM member"),
}
"""Per cloud: a reader as that cloud names it, and (a regex for) how its backends describe the form they want."""
READER_CLOUD = {AWS_SM: "aws", API_GATEWAY: "aws", AZURE: "azure", GCP: "gcp"}


def _refusals() -> dict[str, dict[str, Refusal]]:
    refused: dict[str, dict[str, Refusal]] = {mode: {} for mode in MODES}
    for field, (override, modes) in MISPLACED.items():
        for mode, alternative in modes.items():
            refused[mode][field] = Refusal(override, field, re.escape(alternative))
    for mode, cloud in READER_CLOUD.items():
        for other, (reader, _) in READER_FORMS.items():
            if other != cloud:
                refused[mode][f"{other} reader"] = Refusal({"readers": [reader]}, "readers[0]", READER_FORMS[cloud][1])
    return refused


REFUSED = _refusals()
"""Per mode: args it cannot honour, with the field path its error names and the alternative it offers."""


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


def args_for(mode: str, *options: str, value: Any = CANARY) -> dict[str, Any]:
    """Args for ``mode`` (a store, or ``API_GATEWAY_ONLY``) with the named options switched on. An API Gateway
    key is written ``issuer.aws_api_gateway``, the value brought in ``issuer.aws_api_gateway.value``."""
    if mode in API_GATEWAY_MODES:
        head: dict[str, Any] = {"issuer": {"aws_api_gateway": {"value": value}}}
    else:
        head = {"backend": mode, "value": value}
    return merge(head, BASE[mode], *(OPTIONS[o][mode] for o in options))


def supported(mode: str) -> list[str]:
    return [option for option, per_mode in OPTIONS.items() if mode in per_mode]


def combinations() -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every backend (API Gateway as in ``BASE``, with its copy) with every subset of the options it supports."""
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


class Out:
    """A value known only at deploy time: becomes an Output when the program runs (see :func:`with_outputs`)."""

    def __init__(self, value: str) -> None:
        self.value = value


def with_outputs(value: Any) -> Any:
    """``value`` with every :class:`Out` in it made an Output."""
    if isinstance(value, Out):
        return pulumi.Output.from_input(value.value)
    if isinstance(value, dict):
        return {k: with_outputs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_outputs(v) for v in value]
    return value


def strings(value: Any) -> list[str]:
    """Every string in JSON data, mapping keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []
