"""Least privilege, per backend: every read grant is scoped to exactly this secret (and its key), with no
wildcard principal or resource."""

import json
import re
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
    key_arns = {k.outputs["arn"] for k in engine.find("aws:kms/key:Key")}
    assert len(key_arns) == 2  # the component's primary key and its replica's
    assert resolve_output(key.kms_key_id).value in key_arns
    key_policies = engine.find("aws:kms/keyPolicy:KeyPolicy")
    assert len(key_policies) == 2  # the primary key and the replica's
    # Each policy is attached to exactly one of the component's own keys, a different one each.
    assert sorted(p.plain("keyId") for p in key_policies) == sorted(key_arns)
    # The primary's key: only the primary. The replica's key: the replica or the primary, both this one secret (which
    # ARN a replica's reads carry is not documented).
    secrets_by_region: dict[str, Any] = {"us-east-1": secret_arn, "eu-west-1": [replica_arn, secret_arn]}
    for key_policy in key_policies:
        key_region = key_policy.plain("keyId").split(":")[3]
        statements = {s["Sid"]: s for s in json.loads(key_policy.plain("policy"))["Statement"]}
        assert set(statements) == {"AccountAdministersKeyThroughIam", "ReadersDecryptThisSecretViaSecretsManager"}
        admin_statement = statements["AccountAdministersKeyThroughIam"]
        # The account itself (so IAM policies decide who administers the key), not any principal.
        assert admin_statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert admin_statement["Resource"] == "*"  # this key (see below)
        reader_statement = statements["ReadersDecryptThisSecretViaSecretsManager"]
        assert reader_statement["Effect"] == "Allow"
        assert reader_statement["Action"] == "kms:Decrypt"
        # In a key policy "Resource": "*" means "this KMS key" (the one the policy is attached to, checked above
        # through keyId), not every key: a key policy cannot name any other resource.
        assert reader_statement["Resource"] == "*"
        assert reader_statement["Principal"] == {"AWS": [ROLE_ARN]}
        no_wildcards(reader_statement["Principal"]["AWS"])
        condition = reader_statement["Condition"]["StringEquals"]
        assert condition == {
            "kms:EncryptionContext:SecretARN": secrets_by_region[key_region],
            "kms:ViaService": f"secretsmanager.{key_region}.amazonaws.com",
        }


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
    # One additive grant per reader on this secret; no authoritative binding (which would drop others' grants).
    assert engine.find("gcp:secretmanager/secretIamBinding:SecretIamBinding") == []
    (grant,) = engine.find("gcp:secretmanager/secretIamMember:SecretIamMember")
    assert grant.plain("secretId") == secret_id
    assert grant.plain("role") == "roles/secretmanager.secretAccessor"
    assert grant.plain("member") == GCP_MEMBER
    no_wildcards(grant.plain("member"))
    # CMEK grants go to the Secret Manager service agent only, on this secret's own keys.
    key_ids = {k.id for k in engine.find("gcp:kms/cryptoKey:CryptoKey")}
    assert len(key_ids) == 2  # one key per replica region
    grants = engine.find("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    assert len(grants) == 2  # exactly one grant per key: none missing, none extra
    assert sorted(grant.plain("cryptoKeyId") for grant in grants) == sorted(key_ids)
    for grant in grants:
        assert re.fullmatch(r"serviceAccount:service-\d+@gcp-sa-secretmanager\.iam\.gserviceaccount\.com", grant.plain("member"))
        assert grant.plain("role") == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert not [r for r in engine.resources if r.type.startswith("gcp:projects/iam")]
