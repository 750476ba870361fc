"""The kubernetes example runs offline under the mock engine and creates what its README says, with ESO and CSI."""

import json
from pathlib import Path

import yaml

from ai_keys.testing import MockEngine, run_program, unwrap_secrets

from .conftest import CANARY
from .fleet.cases import manifest, schema_errors
from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "kubernetes"


def run_example(**config: str) -> MockEngine:
    return run_program(EXAMPLE, config={"openai_api_key": CANARY, **config}, secret_keys=["openai_api_key"])


def test_eso_keeps_the_secret_the_pods_read_in_sync_as_the_irsa_role() -> None:
    engine = run_example()
    role = engine.one("aws:iam/role:Role", "summarizer")
    trust = json.loads(role.plain("assumeRolePolicy"))["Statement"][0]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(trust["Condition"]["StringEquals"].values()) == {"system:serviceaccount:inference:summarizer", "sts.amazonaws.com"}
    policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
    assert policy["Statement"][0]["Principal"] == {"AWS": [role.outputs["arn"]]}  # the one reader
    account = engine.one("kubernetes:core/v1:ServiceAccount")
    assert account.plain("metadata")["annotations"] == {"eks.amazonaws.com/role-arn": role.outputs["arn"]}
    external = engine.one("kubernetes:external-secrets.io/v1:ExternalSecret")
    assert external.plain("spec")["refreshInterval"] == "15m"
    for kind in ("SecretStore", "ExternalSecret"):
        assert schema_errors(manifest(unwrap_secrets(engine.one(f"kubernetes:external-secrets.io/v1:{kind}").inputs))) == []
    env = engine.one("kubernetes:apps/v1:Deployment").plain("spec")["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"name": "openai", "key": "api-key"}}}]
    cluster = engine.one("pulumi:providers:kubernetes", "cluster")
    assert {r.provider for r in engine.resources if r.type.startswith("kubernetes:")} == {f"{cluster.urn}::{cluster.id}"}
    assert engine.stack_outputs["kubernetes_secret"] == "inference/openai"
    assert set(engine.stack_outputs) == {"openai_key_ref", "kubernetes_secret", "summarizer_role_arn"}
    assert leaks(engine) == []


def test_csi_mounts_the_key_as_a_file_instead() -> None:
    engine = run_example(delivery="csi")
    spc = engine.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
    assert schema_errors(manifest(unwrap_secrets(spc.inputs))) == []
    assert yaml.safe_load(spc.plain("spec")["parameters"]["objects"])[0]["objectAlias"] == "api-key"
    assert engine.find("kubernetes:external-secrets.io/v1:ExternalSecret") == []
    pod = engine.one("kubernetes:apps/v1:Deployment").plain("spec")["template"]["spec"]
    assert pod["volumes"][0]["csi"]["volumeAttributes"] == {"secretProviderClass": "openai"}
    assert pod["containers"][0]["volumeMounts"][0]["mountPath"] == "/mnt/secrets"
    assert leaks(engine) == []


def test_the_pods_wait_for_the_key_s_objects() -> None:
    engine = run_example()
    deployment = engine.one("kubernetes:apps/v1:Deployment")
    # depends_on the component is depends_on each of its children: the Secret's ExternalSecret among them.
    assert engine.one("kubernetes:external-secrets.io/v1:ExternalSecret").urn in deployment.dependencies
