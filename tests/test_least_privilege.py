"""Least privilege, per backend: every read grant is scoped to exactly this secret (and its key), with no
wildcard principal or resource."""

import json
from typing import Any

from ai_keys import SecureApiKey
from ai_keys.testing import MockEngine, resolve_output

from .conftest import ROLE_ARN
from .scenarios import API_GATEWAY, AWS_SM, AZURE, AZURE_PRINCIPAL, GCP, GCP_MEMBER, args_for, supported

KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"


def build(engine: MockEngine, backend: str) -> SecureApiKey:
    component: SecureApiKey = engine.run(lambda: SecureApiKey("assistant", args_for(backend, *supported(backend))))  # type: ignore[arg-type]
    return component


def no_wildcards(principals: Any) -> None:
    items = principals if isinstance(principals, list) else [principals]
    assert items
    for item in items:
        assert "*" not in item


def assert_aws_grants_cover_this_secret_only(engine: MockEngine, key: SecureApiKey) -> None:
    secret_arn = resolve_output(key.secret_ref).value
    replica_arn = secret_arn.replace(":us-east-1:", ":eu-west-1:")
    (policy,) = engine.find("aws:secretsmanager/secretPolicy:SecretPolicy")
    assert policy.plain("blockPublicPolicy") is True
    (statement,) = json.loads(policy.plain("policy"))["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Resource"] == [secret_arn, replica_arn]
    assert statement["Principal"] == {"AWS": [ROLE_ARN]}
    key_policies = engine.find("aws:kms/keyPolicy:KeyPolicy")
    assert len(key_policies) == 2  # the primary key and the replica's
    for key_policy in key_policies:
        reader_statement = json.loads(key_policy.plain("policy"))["Statement"][1]
        assert reader_statement["Action"] == "kms:Decrypt"
        no_wildcards(reader_statement["Principal"]["AWS"])
        condition = reader_statement["Condition"]["StringEquals"]
        assert condition["kms:EncryptionContext:SecretARN"] in (secret_arn, replica_arn)
        assert condition["kms:ViaService"].startswith("secretsmanager.")


def test_aws_secrets_manager(engine: MockEngine) -> None:
    assert_aws_grants_cover_this_secret_only(engine, build(engine, AWS_SM))


def test_aws_api_gateway_stored_in_secrets_manager(engine: MockEngine) -> None:
    assert_aws_grants_cover_this_secret_only(engine, build(engine, API_GATEWAY))


def test_azure_key_vault(engine: MockEngine) -> None:
    key = build(engine, AZURE)
    secret_id = resolve_output(key.secret_id).value
    (assignment,) = engine.find("azure-native:authorization:RoleAssignment")
    assert assignment.plain("scope") == secret_id  # this secret, not the vault
    assert assignment.plain("scope").split("/secrets/")[1]
    assert assignment.plain("principalId") == AZURE_PRINCIPAL
    assert assignment.plain("roleDefinitionId").endswith(f"/roleDefinitions/{KEY_VAULT_SECRETS_USER}")
    assert assignment.plain("roleDefinitionId").startswith("/subscriptions/00000000-0000-0000-0000-000000000000/")


def test_gcp_secret_manager(engine: MockEngine) -> None:
    key = build(engine, GCP)
    secret_id = resolve_output(key.secret_id).value
    (member,) = engine.find("gcp:secretmanager/secretIamMember:SecretIamMember")
    assert member.plain("secretId") == secret_id
    assert member.plain("role") == "roles/secretmanager.secretAccessor"
    assert member.plain("member") == GCP_MEMBER
    # CMEK grants go to the Secret Manager service agent only, on this secret's own keys.
    key_ids = {k.id for k in engine.find("gcp:kms/cryptoKey:CryptoKey")}
    assert len(key_ids) == 2
    for grant in engine.find("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"):
        assert grant.plain("cryptoKeyId") in key_ids
        assert grant.plain("member").endswith("@gcp-sa-secretmanager.iam.gserviceaccount.com")
        assert grant.plain("role") == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert not [r for r in engine.resources if r.type.startswith("gcp:projects/iam")]
