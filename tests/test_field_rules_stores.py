"""Store fields a rule judges once their Outputs resolve: brought encryption keys, the description where a store keeps
it as a tag or an annotation, and lists whose entries must each appear once. Outputs that pass reach the resources
unchanged; the refusals of the same values are the deploy-time twins of the bad-input corpus."""

from typing import Any

import pytest

from ai_keys import DeployTimeError, SecureApiKey
from ai_keys.testing import MockEngine, mock_pulumi

from .conftest import CANARY, ROLE_ARN
from .scenarios import Out, with_outputs

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KMS_REPLICA_KEY = "arn:aws:kms:eu-west-1:123456789012:key/5678abcd-12ab-34cd-56ef-1234567890ab"
GCP_KEY = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
SUBNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
    "/subnets/{}"
)
VAULT = {"azure": {"resource_group_name": "rg-ml", "create_vault": {}}}


def deployed(args: dict[str, Any]) -> MockEngine:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("k", with_outputs(args)))
    return engine


def test_brought_aws_keys_known_at_deploy_encrypt_the_secret_and_its_replica() -> None:
    engine = deployed(
        {
            "backend": "aws-secrets-manager",
            "value": CANARY,
            "replica_regions": ["eu-west-1"],
            "encryption": {"key_id": Out(KMS_KEY), "replica_key_ids": {"eu-west-1": Out(KMS_REPLICA_KEY)}},
        }
    )
    secret = engine.one("aws:secretsmanager/secret:Secret")
    assert secret.plain("kmsKeyId") == KMS_KEY
    assert secret.plain("replicas") == [{"region": "eu-west-1", "kmsKeyId": KMS_REPLICA_KEY}]


def test_an_aws_key_alias_known_at_deploy_is_refused_only_when_readers_get_grants() -> None:
    alias = {"backend": "aws-secrets-manager", "value": CANARY, "encryption": {"key_id": Out("alias/ml-secrets")}}
    assert deployed(alias).one("aws:secretsmanager/secret:Secret").plain("kmsKeyId") == "alias/ml-secrets"
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(lambda: SecureApiKey("k", with_outputs({**alias, "readers_by_name": {"app": ROLE_ARN}})))
    assert refused.value.field == "encryption.key_id"
    assert "is a key alias, but readers are given" in str(refused.value)
    assert engine.find("aws:secretsmanager/secret:Secret") == []


def test_a_brought_gcp_key_known_at_deploy_encrypts_the_replica() -> None:
    engine = deployed(
        {
            "backend": "gcp-secret-manager",
            "value": CANARY,
            "gcp": {"project": "mock-project"},
            "replica_regions": ["us-central1"],
            "encryption": {"key_id": Out(GCP_KEY)},
        }
    )
    replicas = engine.one("gcp:secretmanager/secret:Secret").plain("replication", "userManaged", "replicas")
    assert replicas == [{"location": "us-central1", "customerManagedEncryption": {"kmsKeyName": GCP_KEY}}]


@pytest.mark.parametrize(
    ("backend", "store", "kept_as"),
    [
        pytest.param("azure-key-vault", VAULT, ("azure-native:keyvault:Secret", "tags"), id="azure tag"),
        pytest.param(
            "gcp-secret-manager",
            {"gcp": {"project": "mock-project"}},
            ("gcp:secretmanager/secret:Secret", "annotations"),
            id="gcp",
        ),
    ],
)
def test_a_description_known_at_deploy_is_kept_where_the_store_keeps_it(
    backend: str, store: dict[str, Any], kept_as: tuple[str, str]
) -> None:
    description = "d" * 256
    engine = deployed({"backend": backend, "value": CANARY, "description": Out(description), **store})
    resource, field = kept_as
    assert engine.one(resource).plain(field)["description"] == description


def test_distinct_stages_known_at_deploy_reach_the_usage_plan() -> None:
    stages = [{"api_id": Out("a1b2c3"), "stage": "prod"}, {"api_id": "a1b2c3", "stage": Out("dev")}]
    engine = deployed({"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": stages}}}})
    plan = engine.one("aws:apigateway/usagePlan:UsagePlan")
    assert plan.plain("apiStages") == [{"apiId": "a1b2c3", "stage": "prod"}, {"apiId": "a1b2c3", "stage": "dev"}]


def test_a_stage_repeated_at_deploy_is_refused_at_its_own_position() -> None:
    stages = [
        {"api_id": "a1b2c3", "stage": "prod"},
        {"api_id": Out("a1b2c3"), "stage": "dev"},
        {"api_id": Out("a1b2c3"), "stage": "prod"},
    ]
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(
            lambda: SecureApiKey("k", with_outputs({"issuer": {"aws_api_gateway": {"usage_plan": {"api_stages": stages}}}}))
        )
    assert refused.value.field == "issuer.aws_api_gateway.usage_plan.api_stages[2]"
    assert "repeats stage 'prod' of API 'a1b2c3'" in str(refused.value)
    assert engine.find("aws:apigateway/usagePlan:UsagePlan") == []


def test_distinct_subnets_known_at_deploy_reach_the_vaults_firewall() -> None:
    subnets = [SUBNET.format("a"), Out(SUBNET.format("b"))]
    engine = deployed(
        {
            "backend": "azure-key-vault",
            "value": CANARY,
            "azure": {"resource_group_name": "rg-ml", "create_vault": {"network": {"subnet_ids": subnets}}},
        }
    )
    rules = engine.one("azure-native:keyvault:Vault").plain("properties", "networkAcls", "virtualNetworkRules")
    assert rules == [{"id": SUBNET.format("a")}, {"id": SUBNET.format("b")}]
