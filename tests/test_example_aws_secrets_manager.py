"""The aws-secrets-manager example runs offline under the mock engine and creates what its README says."""

import json
from pathlib import Path

from ai_keys.testing import MockEngine, run_program, unwrap_secrets

from .conftest import CANARY

EXAMPLE = Path(__file__).parent.parent / "examples" / "aws-secrets-manager"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate-openai"


def run_example(config: dict[str, str]) -> tuple[MockEngine, list[str]]:
    engine = run_program(EXAMPLE, config=config, secret_keys=["openai_api_key"])
    return engine, [r.type for r in engine.resources]


def test_example_stores_the_key_with_customer_key_readers_rotation_and_replica() -> None:
    engine, types = run_example({"openai_api_key": CANARY, "rotation_lambda_arn": LAMBDA})
    assert types.count("aws:kms/key:Key") == 2  # primary + eu-west-1 replica
    for expected in (
        "aws:iam/role:Role",
        "ai-keys:index:SecureApiKey",
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "aws:lambda/permission:Permission",
    ):
        assert expected in types
    role = engine.one("aws:iam/role:Role", "summarizer")
    policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
    assert policy["Statement"][0]["Principal"]["AWS"] == [role.outputs["arn"]]
    secret = engine.one("aws:secretsmanager/secret:Secret")
    assert secret.plain("replicas")[0]["region"] == "eu-west-1"
    assert secret.plain("tags") == {"team": "ml", "app": "summarizer"}
    outputs = engine.stack_outputs
    assert outputs["openai_key_ref"] == secret.outputs["arn"]
    assert set(outputs) == {"openai_key_ref", "openai_key_kms_key", "summarizer_role_arn"}
    assert CANARY not in json.dumps(unwrap_secrets(outputs))


def test_example_without_a_rotation_lambda_skips_rotation() -> None:
    _, types = run_example({"openai_api_key": CANARY})
    assert "aws:secretsmanager/secretRotation:SecretRotation" not in types
    assert "aws:secretsmanager/secret:Secret" in types
