"""The gemini-key-on-aws example runs offline under the mock engine and creates what its README says."""

import json
from pathlib import Path

import pytest

from ai_keys.runtime.refs import AwsSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program

from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "gemini-key-on-aws"
PROJECT = "my-project"
API_KEY = "gcp:projects/apiKey:ApiKey"
ACCOUNT = "gcp:serviceaccount/account:Account"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return run_program(EXAMPLE, config={"gcp:project": PROJECT})


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == "name: ai-keys-gemini-key-on-aws"
    requirements = (EXAMPLE / "requirements.txt").read_text()
    assert "ai-keys[aws,gcp]" in requirements
    assert "pulumi-aws" in requirements
    assert "pulumi-gcp" in requirements
    readme = (EXAMPLE / "README.md").read_text()
    assert "python -m ai_keys preview examples/gemini-key-on-aws --config gcp:project=my-project" in readme


def test_google_makes_a_restricted_bound_key_and_nothing_else_in_gcp(engine: MockEngine) -> None:
    key = engine.one(API_KEY)
    assert key.plain("project") == PROJECT
    assert key.plain("restrictions") == {"apiTargets": [{"service": "generativelanguage.googleapis.com"}]}
    caller = engine.one(ACCOUNT)
    assert key.plain("serviceAccountEmail") == caller.outputs["email"]
    # In GCP: the caller with no roles and its key; no secret, no grant.
    assert sorted(r.type for r in engine.resources if r.type.startswith("gcp:")) == sorted([ACCOUNT, API_KEY])


def test_the_key_is_kept_in_aws_and_only_the_app_role_reads_it(engine: MockEngine) -> None:
    key_string = engine.one(API_KEY).outputs["keyString"]
    secret = engine.one(SECRET)
    version = engine.one(VERSION)
    assert version.is_secret("secretString")
    assert version.plain("secretString") == key_string
    assert version.plain("secretId") == secret.id
    assert secret.plain("kmsKeyId") == engine.one("aws:kms/key:Key").outputs["arn"]
    role = engine.one("aws:iam/role:Role", "summarizer")
    [read] = json.loads(engine.one(SECRET_POLICY).plain("policy"))["Statement"]
    assert read["Principal"] == {"AWS": [role.outputs["arn"]]}
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert read["Resource"] == [secret.outputs["arn"]]
    decrypt = json.loads(engine.one("aws:kms/keyPolicy:KeyPolicy").plain("policy"))["Statement"][1]
    assert (decrypt["Principal"], decrypt["Action"]) == ({"AWS": [role.outputs["arn"]]}, "kms:Decrypt")


def test_outputs_name_the_secret_and_the_key_never_its_value(engine: MockEngine) -> None:
    key = engine.one(API_KEY)
    outputs = engine.stack_outputs
    assert set(outputs) == {"secret_ref", "issued_key_id", "summarizer_role_arn"}
    assert isinstance(parse_secret_ref(outputs["secret_ref"]), AwsSecretRef)
    assert outputs["secret_ref"] == engine.one(SECRET).outputs["arn"]
    assert outputs["issued_key_id"] == key.id
    assert leaks(engine, key.outputs["keyString"]) == []
