"""The bedrock-key example runs offline under the mock engine and creates what its README says."""

import json
from pathlib import Path

import pytest

from ai_keys.runtime.refs import AwsSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program

from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "bedrock-key"
USER = "aws:iam/user:User"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
CREDENTIAL = "aws:iam/serviceSpecificCredential:ServiceSpecificCredential"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
DEFAULT_MODELS = [
    "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
]


def run_example(**config: str) -> MockEngine:
    return run_program(EXAMPLE, config=config)


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return run_example()


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == "name: ai-keys-bedrock-key"
    assert "../..[aws]" in (EXAMPLE / "requirements.txt").read_text().splitlines()  # the checkout, with its extra
    readme = (EXAMPLE / "README.md").read_text()
    assert "python -m ai_keys preview examples/bedrock-key" in readme
    assert "aws-bedrock-token-generator" in readme  # when a short-term key is the better choice


def test_the_user_may_only_invoke_the_named_models(engine: MockEngine) -> None:
    user = engine.one(USER)
    assert user.plain("path") == "/ai-keys/bedrock/"
    policy = engine.one(USER_POLICY)
    assert policy.plain("user") == user.outputs["name"]
    statements = json.loads(policy.plain("policy"))["Statement"]
    assert statements == [
        {
            "Sid": "InvokeTheseModelsOnly",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": DEFAULT_MODELS,
        },
        {"Sid": "UseTheKey", "Effect": "Allow", "Action": "bedrock:CallWithBearerToken", "Resource": "*"},
    ]
    # No other policy reaches the user: no managed policy, no group.
    iam_types = {r.type for r in engine.resources if r.type.startswith("aws:iam/")}
    assert iam_types == {"aws:iam/role:Role", USER, USER_POLICY, CREDENTIAL}


def test_the_key_expires_after_90_days_and_is_made_after_the_policy(engine: MockEngine) -> None:
    credential = engine.one(CREDENTIAL)
    assert credential.plain("serviceName") == "bedrock.amazonaws.com"
    assert credential.plain("userName") == engine.one(USER).outputs["name"]
    assert credential.plain("credentialAgeDays") == 90
    assert "serviceCredentialSecret" in credential.additional_secret_outputs
    assert engine.one(USER_POLICY).urn in credential.dependencies


def test_the_key_is_stored_encrypted_and_only_the_assistant_role_reads_it(engine: MockEngine) -> None:
    key = engine.one(CREDENTIAL).outputs["serviceCredentialSecret"]
    secret = engine.one(SECRET)
    version = engine.one(VERSION)
    assert version.is_secret("secretString")
    assert version.plain("secretString") == key
    assert version.plain("secretId") == secret.id
    kms_key = engine.one("aws:kms/key:Key")
    assert secret.plain("kmsKeyId") == kms_key.outputs["arn"]
    assert kms_key.plain("enableKeyRotation") is True
    role = engine.one("aws:iam/role:Role", "assistant")
    [read] = json.loads(engine.one(SECRET_POLICY).plain("policy"))["Statement"]
    assert read["Principal"] == {"AWS": [role.outputs["arn"]]}
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert read["Resource"] == [secret.outputs["arn"]]
    assert engine.one(SECRET_POLICY).plain("blockPublicPolicy") is True
    decrypt = json.loads(engine.one(KEY_POLICY).plain("policy"))["Statement"][1]
    assert decrypt["Principal"] == {"AWS": [role.outputs["arn"]]}
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Condition"]["StringEquals"]["kms:EncryptionContext:SecretARN"] == secret.outputs["arn"]


def test_outputs_name_the_secret_and_the_alias_never_the_key(engine: MockEngine) -> None:
    credential = engine.one(CREDENTIAL)
    outputs = engine.stack_outputs
    assert set(outputs) == {"secret_ref", "issued_key_id", "assistant_role_arn"}
    assert isinstance(parse_secret_ref(outputs["secret_ref"]), AwsSecretRef)
    assert outputs["secret_ref"] == engine.one(SECRET).outputs["arn"]
    assert outputs["issued_key_id"] == credential.outputs["serviceCredentialAlias"]
    assert leaks(engine, credential.outputs["serviceCredentialSecret"]) == []


def test_models_and_expiry_come_from_config() -> None:
    models = ["arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0"]
    engine = run_example(**{"models": json.dumps(models), "expires_in_days": "30"})
    statements = json.loads(engine.one(USER_POLICY).plain("policy"))["Statement"]
    assert statements[0]["Resource"] == models
    assert engine.one(CREDENTIAL).plain("credentialAgeDays") == 30
