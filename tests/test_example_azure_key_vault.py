"""The azure-key-vault example runs offline under the mock engine and creates what its README says."""

from pathlib import Path

from pulumi.runtime import rpc

from ai_keys.runtime.refs import AzureSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program
from ai_keys.testing.mock_clouds import azure as azure_mock

from .conftest import CANARY

EXAMPLE = Path(__file__).parent.parent / "examples" / "azure-key-vault"
PROJECT = "ai-keys-azure-key-vault"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
APP_IDENTITY = "8d2f6c1a-3b4e-4f5a-9c7d-1e2f3a4b5c6d"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"


def run_example(config: dict[str, str]) -> MockEngine:
    return run_program(EXAMPLE, config=config, secret_keys=["anthropic_api_key"])


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == f"name: {PROJECT}"
    assert "../..[azure]" in (EXAMPLE / "requirements.txt").read_text().splitlines()  # the checkout, with its extra
    readme = (EXAMPLE / "README.md").read_text()
    assert "pulumi config set --secret anthropic_api_key" in readme
    assert "pulumi up" in readme


def test_example_creates_a_secure_vault_the_secret_and_one_reader() -> None:
    engine = run_example({"anthropic_api_key": CANARY, "app_principal_id": APP_IDENTITY})
    assert sorted(r.type for r in engine.resources) == sorted(
        [RESOURCE_GROUP, "ai-keys:index:SecureApiKey", "time:index/static:Static", VAULT, SECRET, ROLE_ASSIGNMENT]
    )
    group = engine.one(RESOURCE_GROUP)
    vault = engine.one(VAULT)
    properties = vault.plain("properties")
    assert vault.plain("resourceGroupName") == group.outputs["name"]
    assert properties["enableRbacAuthorization"] is True
    assert properties["enablePurgeProtection"] is True
    assert properties["softDeleteRetentionInDays"] == 90
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    assert properties["tenantId"] == azure_mock.TENANT_ID

    secret = engine.one(SECRET)
    assert secret.is_secret("properties", "value")
    assert secret.plain("properties")["value"] == CANARY
    assert secret.plain("properties")["contentType"] == "text/plain"
    # No rotator given: no rotation, so no expiry that nothing would act on, and later deploys keep the value.
    assert "attributes" not in secret.plain("properties")
    assert "properties" not in secret.ignore_changes
    assert secret.plain("tags") == {"team": "ml", "app": "assistant", "description": "Anthropic key for the assistant"}

    reader = engine.one(ROLE_ASSIGNMENT)
    assert reader.plain("principalId") == APP_IDENTITY
    assert reader.plain("scope") == secret.id
    assert reader.plain("roleDefinitionId").endswith(f"/roleDefinitions/{SECRETS_USER}")

    outputs = engine.stack_outputs
    assert set(outputs) == {"secret_ref", "secret_id"}
    assert not any(rpc.is_rpc_secret(v) for v in outputs.values())
    ref = parse_secret_ref(outputs["secret_ref"])
    assert isinstance(ref, AzureSecretRef)
    assert ref.vault_url == f"https://{vault.outputs['name']}.vault.azure.net"
    assert ref.name == secret.outputs["name"]
    assert outputs["secret_id"] == secret.id
    assert CANARY not in str(outputs)


def test_example_defaults_the_reader_and_takes_allowed_ips_from_config() -> None:
    engine = run_example({"anthropic_api_key": CANARY, "allowed_ips": '["203.0.113.7", "198.51.100.0/24"]'})
    assert engine.one(ROLE_ASSIGNMENT).plain("principalId") == "00000000-0000-0000-0000-00000000a11c"
    rules = engine.one(VAULT).plain("properties")["networkAcls"]["ipRules"]
    assert rules == [{"value": "203.0.113.7"}, {"value": "198.51.100.0/24"}]


def test_example_with_a_rotator_function_sets_the_expiry_and_keeps_the_first_version_only() -> None:
    function_id = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rotators"
        "/providers/Microsoft.Web/sites/rotator/functions/rotate"
    )
    engine = run_example({"anthropic_api_key": CANARY, "rotation_function_id": function_id})
    secret = engine.one(SECRET)
    assert isinstance(secret.plain("properties")["attributes"]["expires"], (int, float))  # 90 days ahead
    assert secret.ignore_changes == ["properties", "tags"]  # rotation on: the first version only
    subscription = engine.one("azure-native:eventgrid:EventSubscription")
    assert subscription.plain("destination")["resourceId"] == function_id
