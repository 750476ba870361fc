"""The azure-openai-key example runs offline under the mock engine and creates what its README says."""

from pathlib import Path

import pytest

from ai_keys.runtime.refs import AzureSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program
from ai_keys.testing.mock_clouds import azure as azure_mock
from ai_keys.testing.mock_clouds import fill_call

from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "azure-openai-key"
ACCOUNT, ACCOUNT_GROUP = "my-aoai", "rg-ai"
ACCOUNT_ID = (
    f"/subscriptions/{azure_mock.SUBSCRIPTION_ID}/resourceGroups/{ACCOUNT_GROUP}"
    f"/providers/Microsoft.CognitiveServices/accounts/{ACCOUNT}"
)
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
KEYS = fill_call("azure-native:cognitiveservices:listAccountKeys", {"accountName": ACCOUNT, "resourceGroupName": ACCOUNT_GROUP})


def run_example(**config: str) -> MockEngine:
    return run_program(EXAMPLE, config={"account_name": ACCOUNT, "account_resource_group": ACCOUNT_GROUP, **config})


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return run_example()


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == "name: ai-keys-azure-openai-key"
    assert "../..[azure]" in (EXAMPLE / "requirements.txt").read_text().splitlines()  # the checkout, with its extra
    readme = (EXAMPLE / "README.md").read_text()
    command = (
        "python -m ai_keys preview examples/azure-openai-key "
        + f"--config account_name={ACCOUNT} --config account_resource_group={ACCOUNT_GROUP}"
    )
    assert command in readme
    assert "readers_by_name" in readme


def test_the_existing_accounts_key1_is_read_not_created(engine: MockEngine) -> None:
    calls = {call.token: dict(call.args) for call in engine.mocks.calls}
    for token in ("azure-native:cognitiveservices:getAccount", "azure-native:cognitiveservices:listAccountKeys"):
        assert calls[token]["accountName"] == ACCOUNT
        assert calls[token]["resourceGroupName"] == ACCOUNT_GROUP
    # The account is read, never registered or changed.
    assert not [r for r in engine.resources if "cognitiveservices" in r.type]
    assert sorted(r.type for r in engine.resources) == sorted(
        [
            "azure-native:resources:ResourceGroup",
            IDENTITY,
            "ai-keys:index:SecureApiKey",
            "time:index/static:Static",
            VAULT,
            SECRET,
            ROLE_ASSIGNMENT,
        ]
    )


def test_the_key_is_kept_in_a_created_secure_vault(engine: MockEngine) -> None:
    group = engine.one("azure-native:resources:ResourceGroup", "assistant")
    vault = engine.one(VAULT)
    assert vault.plain("resourceGroupName") == group.outputs["name"]
    properties = vault.plain("properties")
    assert properties["enableRbacAuthorization"] is True
    assert properties["enablePurgeProtection"] is True
    assert properties["softDeleteRetentionInDays"] == 90
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    secret = engine.one(SECRET)
    assert secret.is_secret("properties", "value")
    assert secret.plain("properties")["value"] == KEYS["key1"]
    assert secret.plain("properties")["contentType"] == "text/plain"
    assert secret.plain("vaultName") == vault.outputs["name"]


def test_only_the_apps_managed_identity_reads_the_secret(engine: MockEngine) -> None:
    identity = engine.one(IDENTITY, "assistant")
    assert identity.plain("resourceGroupName") == engine.one("azure-native:resources:ResourceGroup").outputs["name"]
    reader = engine.one(ROLE_ASSIGNMENT)
    assert reader.name == "azure-openai-reader-assistant"  # keyed by its readers_by_name entry
    assert reader.plain("principalId") == identity.outputs["principalId"]
    assert reader.plain("principalType") == "ServicePrincipal"
    assert reader.plain("scope") == engine.one(SECRET).id
    assert reader.plain("roleDefinitionId").endswith(f"/roleDefinitions/{SECRETS_USER}")


def test_outputs_name_the_secret_and_which_key_never_its_value(engine: MockEngine) -> None:
    outputs = engine.stack_outputs
    assert set(outputs) == {"secret_ref", "issued_key_id", "app_identity_client_id"}
    ref = parse_secret_ref(outputs["secret_ref"])
    assert isinstance(ref, AzureSecretRef)
    assert ref.vault_url == f"https://{engine.one(VAULT).outputs['name']}.vault.azure.net"
    assert outputs["issued_key_id"] == f"{ACCOUNT_ID}#key1"
    assert outputs["app_identity_client_id"] == engine.one(IDENTITY).outputs["clientId"]
    for key in KEYS.values():
        assert leaks(engine, key) == []


def test_key2_is_stored_when_asked_for() -> None:
    engine = run_example(key="key2")
    assert engine.one(SECRET).plain("properties")["value"] == KEYS["key2"]
    assert engine.stack_outputs["issued_key_id"] == f"{ACCOUNT_ID}#key2"
    assert leaks(engine, KEYS["key2"]) == []
