"""The fleet tests' shared cases: a key in each store with a ``kubernetes`` and an ``esc`` block, the identities they
read as, and the vendored CRD schemas in strict mode."""

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s
from jsonschema import Draft7Validator

from ai_keys import SecureApiKey

from ..conftest import CANARY

SCHEMAS = Path(__file__).parent / "schemas"
AWS_SM, AZURE, GCP = "aws-secrets-manager", "azure-key-vault", "gcp-secret-manager"
STORES = (AWS_SM, GCP, AZURE)
DELIVERIES = ("eso", "csi")

ROLE = "arn:aws:iam::123456789012:role/summarizer"
ESC_ROLE = "arn:aws:iam::123456789012:role/esc"
KSA_PRINCIPAL = (
    "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/"
    "mock-project.svc.id.goog/subject/ns/inference/sa/summarizer"
)
GSA = "summarizer@mock-project.iam.gserviceaccount.com"
CLIENT_ID = "0e1d2c3b-4a59-4687-8796-a5b4c3d2e1f0"
PRINCIPAL_ID = "1f2e3d4c-5b6a-4798-8a9b-c0d1e2f3a4b5"
TENANT_ID = "2a3b4c5d-6e7f-4081-9203-a4b5c6d7e8f9"
ESC_CLIENT_ID = "3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0"
SUBSCRIPTION_ID = "4c5d6e7f-8091-42a3-b4c5-d6e7f8a9b0c1"
ESC_PRINCIPAL_ID = "5d6e7f80-91a2-43b4-85d6-e7f8a9b0c1d2"
ESC_GSA = "esc@mock-project.iam.gserviceaccount.com"
VAULT = "kv-ai-keys"

STORE_ARGS: dict[str, dict[str, Any]] = {
    AWS_SM: {},
    GCP: {"gcp": {"project": "mock-project"}},
    AZURE: {"azure": {"resource_group_name": "rg-ml", "vault_name": VAULT}},
}
IDENTITY: dict[str, dict[str, str]] = {
    AWS_SM: {"role_arn": ROLE},
    GCP: {"member": KSA_PRINCIPAL},
    AZURE: {"client_id": CLIENT_ID, "principal_id": PRINCIPAL_ID, "tenant_id": TENANT_ID},
}
LOGIN: dict[str, dict[str, str]] = {
    AWS_SM: {"role_arn": ESC_ROLE},
    GCP: {
        "project_number": "123456789012",
        "workload_pool_id": "pulumi-esc",
        "provider_id": "pulumi-esc",
        "service_account": ESC_GSA,
    },
    AZURE: {
        "client_id": ESC_CLIENT_ID,
        "tenant_id": TENANT_ID,
        "subscription_id": SUBSCRIPTION_ID,
        "principal_id": ESC_PRINCIPAL_ID,
    },
}
READER: dict[str, str] = {AWS_SM: ROLE, GCP: KSA_PRINCIPAL, AZURE: PRINCIPAL_ID}
"""What each store grants the workload identity: the principal as its reader rules know it."""
ESC_READER: dict[str, str] = {AWS_SM: ESC_ROLE, GCP: f"serviceAccount:{ESC_GSA}", AZURE: ESC_PRINCIPAL_ID}

CR_TYPES = {
    "SecretStore": "kubernetes:external-secrets.io/v1:SecretStore",
    "ExternalSecret": "kubernetes:external-secrets.io/v1:ExternalSecret",
    "SecretProviderClass": "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
}
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
ENVIRONMENT = "pulumiservice:index:Environment"


def kubernetes_block(store: str, delivery: str = "eso", **fields: Any) -> dict[str, Any]:
    """A ``kubernetes`` block for ``store``: namespace inference, Secret openai, service account summarizer."""
    block: dict[str, Any] = {
        "namespace": "inference",
        "secret_name": "openai",
        "service_account": "summarizer",
        "identity": dict(IDENTITY[store]),
        "delivery": delivery,
    }
    return {**block, **fields}


def esc_block(store: str, **fields: Any) -> dict[str, Any]:
    """An ``esc`` block for ``store``: environment acme/ai/prod."""
    return {"environment": "acme/ai/prod", "login": dict(LOGIN[store]), **fields}


def key_args(
    store: str, *, kubernetes: Optional[dict[str, Any]] = None, esc: Optional[dict[str, Any]] = None, **more: Any
) -> dict[str, Any]:
    """Args of a key in ``store`` holding the canary, with the blocks given."""
    args: dict[str, Any] = {"backend": store, "value": CANARY, **copy.deepcopy(STORE_ARGS[store]), **more}
    if kubernetes is not None:
        args["kubernetes"] = kubernetes
    if esc is not None:
        args["esc"] = esc
    return args


def with_provider(args: Callable[[], dict[str, Any]], name: str = "openai") -> Callable[[], SecureApiKey]:
    """A program: a Kubernetes provider, and the key with it in ``providers`` (as the issue's example passes it)."""

    def program() -> SecureApiKey:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        key = SecureApiKey(name, args(), opts=pulumi.ResourceOptions(providers=[cluster]))  # type: ignore[arg-type]
        pulumi.export("kubernetes_secret", key.kubernetes_secret)
        pulumi.export("esc_environment", key.esc_environment)
        pulumi.export("secret_ref", key.secret_ref)
        return key

    return program


def manifest(inputs: dict[str, Any]) -> dict[str, Any]:
    """The object a registered Kubernetes resource sends to the API server: its apiVersion, kind, metadata, spec."""
    return {key: inputs[key] for key in ("apiVersion", "kind", "metadata", "spec") if key in inputs}


# --- The vendored CRD schemas, strict


def strict(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` on every object schema that lists ``properties`` and does not
    keep unknown fields (``x-kubernetes-preserve-unknown-fields``): the API server prunes an unknown field silently,
    so a misspelled one would pass both the plain schema and a deploy, and do nothing."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    if "properties" in result and not result.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


def crd_schema(kind: str) -> dict[str, Any]:
    """The vendored openAPIV3Schema of ``kind`` (``external-secrets.io/v1`` or ``secrets-store.csi.x-k8s.io/v1``)."""
    group = "secrets-store.csi.x-k8s.io" if kind == "SecretProviderClass" else "external-secrets.io"
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{group}_v1_{kind}.json").read_text(encoding="utf-8"))
    return loaded


def validator(kind: str, *, strict_mode: bool = True) -> Draft7Validator:
    schema = crd_schema(kind)
    return Draft7Validator(strict(schema) if strict_mode else schema)


def schema_errors(obj: dict[str, Any], *, strict_mode: bool = True) -> list[str]:
    """Every way ``obj`` breaks its kind's schema, as ``path: message``."""
    found = validator(obj["kind"], strict_mode=strict_mode).iter_errors(obj)
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in found]


def all_strings(value: Any) -> Iterator[str]:
    """Every string inside ``value`` (dict keys included), assets' text too."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from all_strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, pulumi.StringAsset):
        yield value.text
    elif isinstance(value, str):
        yield value
