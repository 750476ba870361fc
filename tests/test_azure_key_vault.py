"""The ``azure-key-vault`` backend under the mock engine: resources, inputs, outputs, secrecy, refusals."""

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import pulumi
import pytest
from pulumi.runtime import rpc

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.stores.azure_key_vault import _names as _azure_names
from ai_keys.stores.azure_key_vault import rules as azure_spec
from ai_keys.testing import MockEngine, Plan, RegisteredResource, mock_pulumi, plan_update, resolve_output
from ai_keys.testing.mock_clouds import azure as azure_mock

from .conftest import CANARY

COMPONENT = "ai-keys:index:SecureApiKey"
CREATED_AT = "time:index/static:Static"
"""When a created vault was made: part of its name."""
VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
EVENT_SUBSCRIPTION = "azure-native:eventgrid:EventSubscription"
SUB = azure_mock.SUBSCRIPTION_ID
RG = "rg-ai"
APP = "5f0c6a1e-8a0b-4f4e-9d53-2f1e0c7b9a11"
OTHER_APP = "0b6f7d5e-1c2a-4b9e-8f3d-6a5c4b3a2f10"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
EXISTING_VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared-01"
WEBHOOK = "https://rotator.example.com/api/rotate?code=WEBHOOK-CODE-9f8e7d"
FUNCTION_ID = f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.Web/sites/rotator/functions/rotate"
SUBNET_ID = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps"
FIXED_NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
DAY = 86_400
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def args(**overrides: Any) -> dict[str, Any]:
    """Minimal valid args (a created vault); ``azure`` overrides replace the whole block."""
    base: dict[str, Any] = {
        "backend": "azure-key-vault",
        "value": CANARY,
        "azure": {"resource_group_name": RG, "create_vault": {}},
    }
    base.update(overrides)
    return base


def deploy(engine: MockEngine, component: str = "openai", **overrides: Any) -> SecureApiKey:
    key: SecureApiKey = engine.run(lambda: SecureApiKey(component, args(**overrides)))  # type: ignore[arg-type]
    return key


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(azure_spec, "utc_now", lambda: FIXED_NOW)
    return FIXED_NOW


def secret_of(engine: MockEngine) -> RegisteredResource:
    return engine.one(SECRET)


def vault_of(engine: MockEngine) -> RegisteredResource:
    return engine.one(VAULT)


def error_in_chain(exc: BaseException) -> Optional[SecureApiKeyError]:
    """The SecureApiKeyError among ``exc``'s causes and contexts (the chain may loop back on itself)."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, SecureApiKeyError):
            return current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


# --- a vault the component creates -------------------------------------------------------------------


def test_created_vault_is_secure_by_default(engine: MockEngine) -> None:
    deploy(engine)
    vault = vault_of(engine)
    properties = vault.plain("properties")
    assert vault.plain("resourceGroupName") == RG
    assert properties["enableRbacAuthorization"] is True
    assert properties["enableSoftDelete"] is True
    assert properties["softDeleteRetentionInDays"] == 90
    assert properties["enablePurgeProtection"] is True
    assert properties["sku"] == {"family": "A", "name": "standard"}
    assert properties["tenantId"] == azure_mock.TENANT_ID  # from the client config
    assert properties["networkAcls"] == {
        "defaultAction": "Deny",
        "bypass": "AzureServices",
        "ipRules": [],
        "virtualNetworkRules": [],
    }
    assert "accessPolicies" not in properties  # RBAC only
    assert vault.outputs["properties"]["vaultUri"] == f"https://{vault.outputs['name']}.vault.azure.net/"


def test_client_config_is_invoked_for_tenant_and_subscription(engine: MockEngine) -> None:
    deploy(engine)
    assert [c.token for c in engine.mocks.calls] == ["azure-native:authorization:getClientConfig"]


def test_auto_vault_name_is_a_valid_stable_dns_label() -> None:
    names = []
    for stack, component in (("dev", "openai"), ("dev", "openai"), ("prod", "openai"), ("dev", "anthropic")):
        with mock_pulumi(stack=stack) as engine:
            deploy(engine, component)
            names.append(vault_of(engine).plain("vaultName"))
    assert names[0] == names[1]  # same stack, fresh engine: same name, so no replacement on the next run
    assert len(set(names)) == 3  # another stack or component: another globally unique name
    for name in names:
        assert re.fullmatch(azure_spec.VAULT_NAME_PATTERN, name), name
        assert len(name) <= 24
    assert names[0].startswith("openai-")
    assert names[3].startswith("anthropic-")


def test_auto_vault_name_of_an_awkward_component_name(engine: MockEngine) -> None:
    deploy(engine, "42__Very.Long_Component--Name_For_The_Summarizer")
    name = vault_of(engine).plain("vaultName")
    assert re.fullmatch(azure_spec.VAULT_NAME_PATTERN, name), name
    assert re.fullmatch(r"very-long-compo-[0-9a-f]{8}", name), name


def test_created_vault_options(engine: MockEngine) -> None:
    deploy(
        engine,
        azure={
            "resource_group_name": RG,
            "create_vault": {
                "name": "kv-openai-prod",
                "location": "westeurope",
                "sku": "premium",
                "soft_delete_retention_days": 7.0,  # integral floats arrive from other languages
                "tenant_id": "44444444-4444-4444-4444-444444444444",
                "network": {
                    "default_action": "Allow",
                    "bypass": "None",
                    "ip_rules": ["203.0.113.7", "198.51.100.0/24"],
                    "subnet_ids": [SUBNET_ID],
                },
            },
        },
    )
    vault = vault_of(engine)
    properties = vault.plain("properties")
    assert vault.plain("vaultName") == "kv-openai-prod"
    assert vault.plain("location") == "westeurope"
    assert properties["sku"] == {"family": "A", "name": "premium"}
    assert properties["softDeleteRetentionInDays"] == 7
    assert properties["tenantId"] == "44444444-4444-4444-4444-444444444444"
    assert properties["networkAcls"] == {
        "defaultAction": "Allow",
        "bypass": "None",
        "ipRules": [{"value": "203.0.113.7"}, {"value": "198.51.100.0/24"}],
        "virtualNetworkRules": [{"id": SUBNET_ID}],
    }
    assert secret_of(engine).plain("vaultName") == "kv-openai-prod"


def test_without_deletion_protection_purge_protection_stays_off(engine: MockEngine) -> None:
    deploy(engine, deletion_protection=False)
    properties = vault_of(engine).plain("properties")
    # Azure accepts only `true` for purge protection (irreversible): "off" means the field is not sent.
    assert "enablePurgeProtection" not in properties
    assert properties["enableSoftDelete"] is True


def test_a_secret_takes_up_to_15_tags_with_the_description(engine: MockEngine) -> None:
    # Key Vault refuses a 16th tag on a secret (an ARM resource would take 50).
    tags = {f"t{i}": "x" for i in range(14)}
    deploy(engine, tags=tags, description="Summarizer key")
    assert len(secret_of(engine).plain("tags")) == 15


def test_vault_gets_the_tags_and_the_secret_also_the_description(engine: MockEngine) -> None:
    deploy(engine, tags={"team": "ml", "env": "prod"}, description="Summarizer key")
    assert vault_of(engine).plain("tags") == {"team": "ml", "env": "prod"}
    assert secret_of(engine).plain("tags") == {"team": "ml", "env": "prod", "description": "Summarizer key"}


# --- the secret --------------------------------------------------------------------------------------


def test_secret_inputs(engine: MockEngine) -> None:
    deploy(engine, azure={"resource_group_name": RG, "create_vault": {}, "content_type": "text/plain"})
    secret = secret_of(engine)
    vault = vault_of(engine)
    assert secret.plain("resourceGroupName") == RG
    assert secret.plain("vaultName") == vault.outputs["name"]
    assert secret.plain("properties") == {"value": CANARY, "contentType": "text/plain"}
    assert secret.ignore_changes == []  # without rotation the component owns the value: changes are applied
    assert secret.additional_secret_outputs == ["properties"]
    assert vault.urn in secret.dependencies
    assert "tags" not in secret.inputs


def test_value_is_secret_in_inputs_and_every_output_that_carries_it(engine: MockEngine) -> None:
    key = deploy(engine, readers=[APP])
    secret = secret_of(engine)
    assert secret.is_secret("properties", "value")
    assert rpc.is_rpc_secret(secret.outputs["properties"])  # what the engine keeps in state
    resolved = resolve_output(key.value)
    assert resolved.value == CANARY
    assert resolved.is_secret
    for output in (key.secret_id, key.secret_ref, key.version_id, key.backend):
        plain = resolve_output(output)
        assert CANARY not in str(plain.value)
    for resource in engine.resources:
        if resource.type != SECRET:
            assert CANARY not in str(resource.inputs), resource.type
            assert CANARY not in str(resource.outputs), resource.type
    assert not any(CANARY in line for line in engine.logs)


def test_uniform_outputs_resolve_to_realistic_non_secret_values(engine: MockEngine) -> None:
    key = deploy(engine)
    secret = secret_of(engine)
    vault_name = vault_of(engine).outputs["name"]
    secret_name = secret.outputs["name"]
    secret_id = resolve_output(key.secret_id)
    secret_ref = resolve_output(key.secret_ref)
    version_id = resolve_output(key.version_id)
    assert secret_id.value == (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/{vault_name}/secrets/{secret_name}"
    )
    assert secret_ref.value == f"https://{vault_name}.vault.azure.net/secrets/{secret_name}"
    assert re.fullmatch(r"[0-9a-f]{32}", version_id.value)
    with_version = rpc.unwrap_rpc_secret(secret.outputs["properties"])["secretUriWithVersion"]
    assert with_version == f"{secret_ref.value}/{version_id.value}"
    assert [secret_id.is_secret, secret_ref.is_secret, version_id.is_secret] == [False, False, False]
    assert resolve_output(key.backend).value == "azure-key-vault"
    assert resolve_output(key.kms_key_id).value is None
    assert resolve_output(key.api_key_id).value is None


def test_secret_ref_is_what_the_runtime_reader_accepts(engine: MockEngine) -> None:
    from ai_keys.runtime.refs import AzureSecretRef, parse_secret_ref

    key = deploy(engine)
    ref = parse_secret_ref(resolve_output(key.secret_ref).value)
    assert isinstance(ref, AzureSecretRef)
    assert ref.version is None  # versionless: the app always reads the current version
    assert ref.name == secret_of(engine).outputs["name"]


def test_every_child_is_parented_to_the_component(engine: MockEngine) -> None:
    deploy(engine, readers=[APP], rotation={"every_days": 90, "azure_webhook_url": WEBHOOK})
    component = engine.one(COMPONENT)
    children = [r for r in engine.resources if r is not component]
    assert sorted(r.type for r in children) == sorted([CREATED_AT, VAULT, SECRET, ROLE_ASSIGNMENT, EVENT_SUBSCRIPTION])
    for child in children:
        assert child.parent_urn == component.urn, child.name
        assert child.name.startswith("openai-")


def test_auto_secret_name_is_sanitized_stable_and_unique_per_stack() -> None:
    names = []
    for stack in ("dev", "dev", "prod"):
        with mock_pulumi(stack=stack) as engine:
            deploy(engine, "summarizer_key.v2")
            names.append(secret_of(engine).plain("secretName"))
    assert names[0] == names[1]
    assert names[0] != names[2]
    assert re.fullmatch(r"summarizer-key-v2-[0-9a-f]{8}", names[0]), names[0]


def test_auto_secret_name_of_a_very_long_component_name(engine: MockEngine) -> None:
    deploy(engine, "k" * 200)
    name = secret_of(engine).plain("secretName")
    assert len(name) == 127
    assert re.fullmatch(azure_spec.SECRET_NAME_PATTERN, name)


def test_explicit_secret_name(engine: MockEngine) -> None:
    key = deploy(engine, name="openai-api-key")
    assert secret_of(engine).plain("secretName") == "openai-api-key"
    assert resolve_output(key.secret_ref).value.endswith("/secrets/openai-api-key")


def test_expiry_and_not_before_become_epoch_seconds(engine: MockEngine) -> None:
    deploy(
        engine,
        azure={
            "resource_group_name": RG,
            "create_vault": {},
            "expires": "2027-01-01T00:00:00Z",
            "not_before": "2026-06-01T02:00:00.123456789+02:00",
        },
    )
    attributes = secret_of(engine).plain("properties")["attributes"]
    assert attributes == {"expires": 1_798_761_600, "notBefore": 1_780_272_000}


def test_value_of_exactly_25_kb_is_accepted(engine: MockEngine) -> None:
    deploy(engine, value="k" * (25 * 1024))
    assert len(secret_of(engine).plain("properties")["value"]) == 25_600


def test_value_too_large_at_deploy_time_is_refused_without_showing_it(engine: MockEngine) -> None:
    big = CANARY + "x" * (25 * 1024)
    with pytest.raises(Exception) as caught:  # the engine wraps the deploy-time error
        deploy(engine, value=pulumi.Output.secret(big))
    error = error_in_chain(caught.value)
    assert error is not None
    assert error.field == "value"
    assert "25600 bytes" in str(error)
    assert CANARY not in str(error)
    assert engine.find(SECRET) == []


# --- existing vaults ---------------------------------------------------------------------------------


def test_existing_vault_by_id(engine: MockEngine) -> None:
    key = deploy(engine, azure={"vault_id": EXISTING_VAULT_ID}, rotation={"every_days": 90, "azure_function_id": FUNCTION_ID})
    assert engine.find(VAULT) == []
    assert engine.one(EVENT_SUBSCRIPTION).plain("scope") == EXISTING_VAULT_ID
    secret = secret_of(engine)
    assert secret.plain("vaultName") == "kv-shared-01"
    assert secret.plain("resourceGroupName") == "rg-shared"
    assert resolve_output(key.secret_ref).value.startswith("https://kv-shared-01.vault.azure.net/secrets/openai-")


def test_existing_vault_by_id_output(engine: MockEngine) -> None:
    deploy(engine, azure={"vault_id": pulumi.Output.from_input(EXISTING_VAULT_ID)})
    secret = secret_of(engine)
    assert (secret.plain("vaultName"), secret.plain("resourceGroupName")) == ("kv-shared-01", "rg-shared")


def test_existing_vault_in_another_subscription_fails_at_deploy(engine: MockEngine) -> None:
    other = EXISTING_VAULT_ID.replace(SUB, "99999999-9999-9999-9999-999999999999")
    with pytest.raises(Exception) as caught:  # the engine wraps the deploy-time error
        deploy(
            engine,
            azure={"vault_id": pulumi.Output.from_input(other)},
            readers=[APP],
            rotation={"every_days": 90, "azure_function_id": FUNCTION_ID},
        )
    error = error_in_chain(caught.value)
    assert error is not None
    assert error.field == "azure.vault_id"
    assert "providers" in error.allowed
    assert [r.type for r in engine.resources] == [COMPONENT]  # nothing touched the other subscription


def test_readers_in_an_existing_vault_wait_for_the_check_that_it_honours_role_assignments(engine: MockEngine) -> None:
    deploy(engine, azure={"vault_id": EXISTING_VAULT_ID}, readers=[APP])
    (lookup,) = [c for c in engine.mocks.calls if c.token == "azure-native:keyvault:getVault"]
    assert (lookup.args["resourceGroupName"], lookup.args["vaultName"]) == ("rg-shared", "kv-shared-01")
    assert engine.one(ROLE_ASSIGNMENT).plain("scope") == secret_of(engine).id


def test_no_vault_lookup_without_readers_or_for_a_created_vault(engine: MockEngine) -> None:
    def program() -> None:
        SecureApiKey("existing", args(azure={"vault_id": EXISTING_VAULT_ID}))  # type: ignore[arg-type]
        SecureApiKey("created", args(readers=[APP]))  # type: ignore[arg-type]

    engine.run(program)
    assert "azure-native:keyvault:getVault" not in [c.token for c in engine.mocks.calls]
    assert len(engine.find(ROLE_ASSIGNMENT)) == 1


@pytest.mark.parametrize("rbac", [False, None], ids=["access policies", "flag absent"])
def test_readers_in_an_access_policy_vault_fail_at_deploy_without_a_grant(monkeypatch: pytest.MonkeyPatch, rbac: Any) -> None:
    # Such a vault ignores role assignments: the grant would deploy and the app would still be refused.
    original = azure_mock.call

    def call(token: str, call_args: dict[str, Any]) -> Optional[dict[str, Any]]:
        result = original(token, call_args)
        if token == "azure-native:keyvault:getVault" and result is not None:
            result["properties"]["enableRbacAuthorization"] = rbac
        return result

    monkeypatch.setattr(azure_mock, "call", call)
    with mock_pulumi() as engine, pytest.raises(Exception) as caught:  # the engine wraps the deploy-time error
        deploy(engine, azure={"vault_name": "kv-shared-01", "resource_group_name": "rg-shared"}, readers=[APP])
    error = error_in_chain(caught.value)
    assert error is not None
    assert error.field == "readers"
    assert "access policies" in str(error)
    assert engine.find(ROLE_ASSIGNMENT) == []


def test_existing_vault_by_name(engine: MockEngine) -> None:
    key = deploy(
        engine,
        azure={"vault_name": "kv-shared-01", "resource_group_name": "rg-shared"},
        rotation={"every_days": 60, "azure_function_id": FUNCTION_ID},
    )
    assert engine.find(VAULT) == []
    assert secret_of(engine).plain("vaultName") == "kv-shared-01"
    assert engine.one(EVENT_SUBSCRIPTION).plain("scope") == EXISTING_VAULT_ID  # built from the client config
    assert resolve_output(key.secret_id).value.startswith(EXISTING_VAULT_ID + "/secrets/")


# --- readers -----------------------------------------------------------------------------------------


def test_readers_get_secrets_user_on_this_secret_only(engine: MockEngine) -> None:
    key = deploy(engine, readers=[APP, OTHER_APP])
    secret_id = resolve_output(key.secret_id).value
    secret = secret_of(engine)
    assignments = engine.find(ROLE_ASSIGNMENT)
    assert sorted(a.plain("principalId") for a in assignments) == sorted([APP, OTHER_APP])
    for assignment in assignments:
        assert assignment.plain("scope") == secret_id  # the secret, not the vault
        assert assignment.plain("roleDefinitionId") == (
            f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}"
        )
        assert assignment.plain("principalType") == "ServicePrincipal"
        assert GUID.fullmatch(assignment.plain("roleAssignmentName"))
        assert assignment.delete_before_replace is True
        assert secret.urn in assignment.dependencies
        assert assignment.name == f"openai-reader-{assignment.plain('principalId')}"
        assert (
            assignment.id
            == f"{secret_id}/providers/Microsoft.Authorization/roleAssignments/{assignment.plain('roleAssignmentName')}"
        )


def test_role_definition_follows_the_provider_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    other = "77777777-7777-7777-7777-777777777777"
    original = azure_mock.call

    def call(token: str, call_args: dict[str, Any]) -> Optional[dict[str, Any]]:
        result = original(token, call_args)
        return {**result, "subscriptionId": other} if result else result

    monkeypatch.setattr(azure_mock, "call", call)
    with mock_pulumi() as engine:
        deploy(engine, readers=[APP], azure={"vault_name": "kv-shared-01", "resource_group_name": "rg-shared"})
        assignment = engine.one(ROLE_ASSIGNMENT)
    assert (
        assignment.plain("roleDefinitionId")
        == f"/subscriptions/{other}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}"
    )


def test_principal_type_is_passed_through(engine: MockEngine) -> None:
    deploy(engine, readers=[APP], azure={"resource_group_name": RG, "create_vault": {}, "principal_type": "Group"})
    assert engine.one(ROLE_ASSIGNMENT).plain("principalType") == "Group"


WORKSPACE = f"/subscriptions/{SUB}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/ops-logs"
STORAGE = f"/subscriptions/{SUB}/resourceGroups/rg-ops/providers/Microsoft.Storage/storageAccounts/opsaudit"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"


@pytest.mark.parametrize(
    "audit",
    [{"workspace_id": WORKSPACE}, {"storage_account_id": STORAGE}, {"workspace_id": WORKSPACE, "storage_account_id": STORAGE}],
)
def test_a_created_vault_sends_its_audit_log_where_asked(engine: MockEngine, audit: dict[str, str]) -> None:
    deploy(engine, azure={**_AZ, "create_vault": {"audit": audit}})
    setting = engine.one(DIAGNOSTIC)
    assert setting.plain("resourceUri") == engine.one(VAULT).id
    destinations = {key: setting.plain(key) for key in ("workspaceId", "storageAccountId") if key in setting.inputs}
    expected = {"workspace_id": "workspaceId", "storage_account_id": "storageAccountId"}
    assert destinations == {expected[field]: value for field, value in audit.items()}
    assert setting.plain("logs") == [{"categoryGroup": "audit", "enabled": True}]
    assert setting.parent_urn == engine.one("ai-keys:index:SecureApiKey").urn


def test_no_audit_destination_no_diagnostic_setting(engine: MockEngine) -> None:
    deploy(engine, azure=_AZ)
    assert engine.find(DIAGNOSTIC) == []


def test_readers_of_mixed_kinds_each_get_their_own_type(engine: MockEngine) -> None:
    group, user = "0a1b2c3d-0000-4000-8000-00000000000a", "0a1b2c3d-0000-4000-8000-00000000000b"
    deploy(
        engine,
        readers=[APP, group, user],
        azure={**_AZ, "reader_principal_types": {group.upper(): "Group", user: "User"}},
    )
    types = {a.plain("principalId"): a.plain("principalType") for a in engine.find(ROLE_ASSIGNMENT)}
    assert types == {APP: "ServicePrincipal", group: "Group", user: "User"}


def test_role_assignment_names_are_deterministic_across_runs_and_distinct_per_principal() -> None:
    runs: list[dict[str, str]] = []
    for _ in range(2):
        with mock_pulumi() as engine:
            deploy(engine, readers=[APP, OTHER_APP])
            runs.append({a.plain("principalId"): a.plain("roleAssignmentName") for a in engine.find(ROLE_ASSIGNMENT)})
    assert runs[0] == runs[1]
    assert runs[0][APP] != runs[0][OTHER_APP]
    for name in runs[0].values():
        assert uuid.UUID(name).version == 5
    with mock_pulumi() as engine:  # another scope (another secret): another name for the same principal
        deploy(engine, name="another-key", readers=[APP])
        assert engine.one(ROLE_ASSIGNMENT).plain("roleAssignmentName") != runs[0][APP]


def test_reader_given_as_output_is_named_by_the_user(engine: MockEngine) -> None:
    deploy(engine, readers_by_name={"summarizer": pulumi.Output.from_input(APP)})
    assignment = engine.one(ROLE_ASSIGNMENT)
    assert assignment.name == "openai-reader-summarizer"  # the name given, never a list position
    assert assignment.plain("principalId") == APP
    assert GUID.fullmatch(assignment.plain("roleAssignmentName"))


def test_reader_given_as_output_in_the_list_is_refused_before_registration() -> None:
    with mock_pulumi() as engine:
        with pytest.raises(SecureApiKeyError) as refused:
            deploy(engine, readers=[APP, pulumi.Output.from_input(OTHER_APP)])
        assert refused.value.field == "readers[1]"
        assert "readers_by_name" in str(refused.value)
        assert [r for r in engine.resources if r.type != "ai-keys:index:SecureApiKey"] == []


def test_no_readers_no_role_assignments(engine: MockEngine) -> None:
    deploy(engine)
    assert engine.find(ROLE_ASSIGNMENT) == []


# --- rotation ----------------------------------------------------------------------------------------


def test_rotation_without_a_handler_is_refused_as_the_key_would_expire_with_no_successor(engine: MockEngine) -> None:
    with pytest.raises(SecureApiKeyError) as refused:
        deploy(engine, rotation={"every_days": 90})
    assert refused.value.field == "rotation.azure_function_id"
    assert "rotation.azure_function_id or rotation.azure_webhook_url" in refused.value.allowed
    assert engine.resources == []


def test_rotation_sets_the_expiry_and_owns_only_the_first_version(engine: MockEngine, fixed_clock: datetime) -> None:
    deploy(engine, rotation={"every_days": 90, "azure_function_id": FUNCTION_ID})
    secret = secret_of(engine)
    expected = int((fixed_clock + timedelta(days=90)).timestamp())
    assert secret.plain("properties")["attributes"] == {"expires": expected}
    assert secret.ignore_changes == ["properties", "tags"]


def test_expiry_does_not_drift_on_a_later_run(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = []
    for now in (FIXED_NOW, FIXED_NOW + timedelta(days=10)):
        monkeypatch.setattr(azure_spec, "utc_now", lambda now=now: now)
        with mock_pulumi() as engine:
            deploy(engine, rotation={"every_days": 90, "azure_function_id": FUNCTION_ID})
            secret = secret_of(engine)
            recorded.append((secret.plain("properties")["attributes"]["expires"], secret.ignore_changes))
    (first_expiry, first_ignores), (second_expiry, second_ignores) = recorded
    # The later run computes a later expiry, and the engine is told to ignore it: the registered one stays.
    assert second_expiry - first_expiry == 10 * DAY
    assert "properties" in first_ignores
    assert "properties" in second_ignores


def test_explicit_expiry_anchors_a_rotating_secret(engine: MockEngine, fixed_clock: datetime) -> None:
    deploy(
        engine,
        rotation={"every_days": 90, "azure_function_id": FUNCTION_ID},
        azure={"resource_group_name": RG, "create_vault": {}, "expires": "2026-05-01T00:00:00Z"},
    )
    assert secret_of(engine).plain("properties")["attributes"]["expires"] == 1_777_593_600


def test_rotation_webhook_subscribes_to_near_expiry_of_this_secret(engine: MockEngine) -> None:
    deploy(engine, rotation={"every_days": 90, "azure_webhook_url": WEBHOOK})
    subscription = engine.one(EVENT_SUBSCRIPTION)
    secret = secret_of(engine)
    vault = vault_of(engine)
    assert subscription.plain("scope") == vault.id
    event_filter = subscription.plain("filter")
    assert event_filter["includedEventTypes"] == ["Microsoft.KeyVault.SecretNearExpiry"]
    assert event_filter["advancedFilters"] == [
        {"key": "subject", "operatorType": "StringIn", "values": [secret.plain("secretName")]}
    ]
    assert subscription.plain("destination")["endpointType"] == "WebHook"
    assert subscription.plain("destination")["endpointUrl"] == WEBHOOK
    assert subscription.is_secret("destination", "endpointUrl")
    assert subscription.additional_secret_outputs == ["destination"]
    assert re.fullmatch(r"[A-Za-z0-9-]{3,64}", subscription.plain("eventSubscriptionName"))
    # Key Vault announces expiry only for versions written after the subscription exists.
    assert subscription.urn in secret.dependencies
    assert secret.ignore_changes == ["properties", "tags"]
    assert not any("WEBHOOK-CODE" in line for line in engine.logs)


def test_rotation_function_destination(engine: MockEngine) -> None:
    deploy(engine, rotation={"every_days": 45.0, "azure_function_id": FUNCTION_ID})
    subscription = engine.one(EVENT_SUBSCRIPTION)
    destination = subscription.plain("destination")
    assert (destination["endpointType"], destination["resourceId"]) == ("AzureFunction", FUNCTION_ID)
    assert subscription.additional_secret_outputs == []


# --- refusals ----------------------------------------------------------------------------------------

_AZ = {"resource_group_name": RG, "create_vault": {}}
REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("encryption", {"encryption": {"create_key": True}}, "encryption", "premium"),
    ("replica regions", {"replica_regions": ["westeurope"]}, "replica_regions", "paired region"),
    ("recovery window", {"recovery_window_days": 7}, "recovery_window_days", "soft_delete_retention_days"),
    ("aws block", {"aws": {}}, "aws", "backend: aws-secrets-manager"),
    ("the earlier api gateway block", {"api_gateway": {}}, "api_gateway", "issuer.aws_api_gateway, here: issuer="),
    ("gcp block", {"gcp": {}}, "gcp", "backend: gcp-secret-manager"),
    ("schedule", {"rotation": {"schedule_expression": "rate(30 days)"}}, "rotation.schedule_expression", "every_days"),
    ("duration", {"rotation": {"every_days": 90, "duration": "3h"}}, "rotation.duration", "every_days"),
    (
        "rotate immediately",
        {"rotation": {"every_days": 90, "rotate_immediately": True}},
        "rotation.rotate_immediately",
        "rotator",
    ),
    (
        "lambda",
        {"rotation": {"every_days": 90, "aws_lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:rotate"}},
        "rotation.aws_lambda_arn",
        "azure_function_id",
    ),
    (
        "pubsub",
        {"rotation": {"every_days": 90, "gcp_topic_id": "projects/p-123456/topics/rotate"}},
        "rotation.gcp_topic_id",
        "azure_webhook_url",
    ),
    (
        "two handlers",
        {"rotation": {"every_days": 90, "azure_webhook_url": WEBHOOK, "azure_function_id": FUNCTION_ID}},
        "rotation.azure_webhook_url",
        "one SecretNearExpiry destination",
    ),
    ("short rotation with handler", {"rotation": {"every_days": 30, "azure_webhook_url": WEBHOOK}}, "rotation.every_days", "31"),
    ("no value", {"value": None}, "value", "require_secret"),
    ("value too large", {"value": "k" * (25 * 1024 + 1)}, "value", "25600 bytes"),
    ("no azure block", {"azure": None}, "azure", "vault_id"),
    ("no vault", {"azure": {"resource_group_name": RG}}, "azure", "create_vault"),
    ("id and name", {"azure": {"vault_id": EXISTING_VAULT_ID, "vault_name": "kv-x1"}}, "azure.vault_name", "exactly one"),
    ("id and create", {"azure": {"vault_id": EXISTING_VAULT_ID, "create_vault": {}}}, "azure.create_vault", "exactly one"),
    (
        "name and create",
        {"azure": {"vault_name": "kv-x1", "resource_group_name": RG, "create_vault": {}}},
        "azure.create_vault",
        "exactly one",
    ),
    (
        "id and group",
        {"azure": {"vault_id": EXISTING_VAULT_ID, "resource_group_name": RG}},
        "azure.resource_group_name",
        "vault_id alone",
    ),
    ("name without group", {"azure": {"vault_name": "kv-x1"}}, "azure.resource_group_name", "resource group"),
    ("create without group", {"azure": {"create_vault": {}}}, "azure.resource_group_name", "resource group"),
    ("bad vault id", {"azure": {"vault_id": "/subscriptions/x/vaults/kv"}}, "azure.vault_id", "Microsoft.KeyVault/vaults"),
    ("underscore in name", {"name": "openai_key"}, "name", "1-127"),
    ("name too long", {"name": "k" * 128}, "name", "1-127"),
    ("vault name digit first", {"azure": {**_AZ, "create_vault": {"name": "1vault"}}}, "azure.create_vault.name", "letter first"),
    ("vault name short", {"azure": {**_AZ, "create_vault": {"name": "kv"}}}, "azure.create_vault.name", "3-24"),
    ("vault name double hyphen", {"azure": {**_AZ, "create_vault": {"name": "kv--one"}}}, "azure.create_vault.name", "no '--'"),
    ("vault name trailing hyphen", {"azure": {**_AZ, "create_vault": {"name": "kv-one-"}}}, "azure.create_vault.name", "last"),
    ("vault name long", {"azure": {**_AZ, "create_vault": {"name": "k" * 25}}}, "azure.create_vault.name", "3-24"),
    (
        "existing vault name",
        {"azure": {"vault_name": "kv_shared", "resource_group_name": RG}},
        "azure.vault_name",
        "3-24",
    ),
    ("bad group", {"azure": {"resource_group_name": "rg/ai", "create_vault": {}}}, "azure.resource_group_name", "1-90"),
    ("reader not a guid", {"readers": ["arn:aws:iam::123456789012:role/app"]}, "readers[0]", "GUID"),
    ("reader twice", {"readers": [APP, APP.upper()]}, "readers", "each principal once"),
    ("principal type", {"azure": {**_AZ, "principal_type": "Robot"}}, "azure.principal_type", "ServicePrincipal"),
    (
        "reader principal type of someone not a reader",
        {"readers": [APP], "azure": {**_AZ, "reader_principal_types": {"0a1b2c3d-0000-4000-8000-00000000000a": "Group"}}},
        "azure.reader_principal_types.0a1b2c3d-0000-4000-8000-00000000000a",
        "principal ids listed in readers",
    ),
    ("audit without destination", {"azure": {**_AZ, "create_vault": {"audit": {}}}}, "azure.create_vault.audit", "workspace_id"),
    (
        "audit workspace not a workspace id",
        {"azure": {**_AZ, "create_vault": {"audit": {"workspace_id": STORAGE}}}},
        "azure.create_vault.audit.workspace_id",
        "Log Analytics workspace",
    ),
    (
        "reader principal type unknown",
        {"readers": [APP], "azure": {**_AZ, "reader_principal_types": {APP: "Robot"}}},
        f"azure.reader_principal_types.{APP}",
        "ServicePrincipal, User, Group",
    ),
    ("content type", {"azure": {**_AZ, "content_type": "x" * 256}}, "azure.content_type", "1-255"),
    ("expires not rfc3339", {"azure": {**_AZ, "expires": "2027-01-01"}}, "azure.expires", "RFC 3339"),
    ("expires without offset", {"azure": {**_AZ, "expires": "2027-01-01T00:00:00"}}, "azure.expires", "RFC 3339"),
    ("expires impossible date", {"azure": {**_AZ, "expires": "2027-02-30T00:00:00Z"}}, "azure.expires", "RFC 3339"),
    (
        "not before after expiry",
        {"azure": {**_AZ, "expires": "2027-01-01T00:00:00Z", "not_before": "2027-01-01T00:00:00Z"}},
        "azure.not_before",
        "earlier",
    ),
    (
        "not before after rotation expiry",
        {"rotation": {"every_days": 40, "azure_webhook_url": WEBHOOK}, "azure": {**_AZ, "not_before": "2099-01-01T00:00:00Z"}},
        "azure.not_before",
        "earlier",
    ),
    ("tag name characters", {"tags": {"team/ml": "x"}}, "tags.team/ml", "<>%&"),
    ("description and tag", {"description": "d", "tags": {"Description": "x"}}, "description", "tags.description"),
    ("description too long", {"description": "d" * 257}, "description", "256"),
    ("too many secret tags", {"tags": {f"t{i}": "x" for i in range(16)}}, "tags", "at most 15 tags"),
    (
        "tags and description over the secret's limit",
        {"tags": {f"t{i}": "x" for i in range(15)}, "description": "d"},
        "tags",
        "including the description",
    ),
    (
        "retention short",
        {"azure": {**_AZ, "create_vault": {"soft_delete_retention_days": 6}}},
        "azure.create_vault.soft_delete_retention_days",
        "7 to 90",
    ),
    (
        "retention long",
        {"azure": {**_AZ, "create_vault": {"soft_delete_retention_days": 91}}},
        "azure.create_vault.soft_delete_retention_days",
        "7 to 90",
    ),
    ("sku", {"azure": {**_AZ, "create_vault": {"sku": "basic"}}}, "azure.create_vault.sku", "premium"),
    ("tenant", {"azure": {**_AZ, "create_vault": {"tenant_id": "contoso"}}}, "azure.create_vault.tenant_id", "GUID"),
    (
        "default action",
        {"azure": {**_AZ, "create_vault": {"network": {"default_action": "deny"}}}},
        "azure.create_vault.network.default_action",
        "Deny",
    ),
    (
        "bypass",
        {"azure": {**_AZ, "create_vault": {"network": {"bypass": "All"}}}},
        "azure.create_vault.network.bypass",
        "AzureServices",
    ),
    (
        "ip rule",
        {"azure": {**_AZ, "create_vault": {"network": {"ip_rules": ["2001:db8::1"]}}}},
        "azure.create_vault.network.ip_rules[0]",
        "IPv4",
    ),
    (
        "ip rule host bits",
        {"azure": {**_AZ, "create_vault": {"network": {"ip_rules": ["203.0.113.7/24"]}}}},
        "azure.create_vault.network.ip_rules[0]",
        "CIDR",
    ),
    (
        "ip rule twice",
        {"azure": {**_AZ, "create_vault": {"network": {"ip_rules": ["203.0.113.7", "203.0.113.7/32"]}}}},
        "azure.create_vault.network.ip_rules[1]",
        "each entry once",
    ),
    (
        "subnet id",
        {"azure": {**_AZ, "create_vault": {"network": {"subnet_ids": ["vnet/apps"]}}}},
        "azure.create_vault.network.subnet_ids[0]",
        "subnets/SUBNET",
    ),
    ("unknown azure option", {"azure": {**_AZ, "sku": "premium"}}, "azure.sku", "create_vault"),
    ("unknown vault option", {"azure": {**_AZ, "create_vault": {"purge": True}}}, "azure.create_vault.purge", "soft_delete"),
    (
        "unknown network option",
        {"azure": {**_AZ, "create_vault": {"network": {"allow": ["1.2.3.4"]}}}},
        "azure.create_vault.network.allow",
        "ip_rules",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "alternative"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals_name_the_field_and_the_alternative_and_register_nothing(
    engine: MockEngine, overrides: dict[str, Any], field: str, alternative: str
) -> None:
    with pytest.raises(SecureApiKeyError) as caught:
        deploy(engine, **overrides)
    assert caught.value.field == field
    assert alternative in str(caught.value)
    assert CANARY not in str(caught.value)
    assert engine.resources == []


def test_refused_webhook_url_is_never_echoed(engine: MockEngine) -> None:
    with pytest.raises(SecureApiKeyError) as caught:
        deploy(engine, rotation={"every_days": 7, "azure_webhook_url": WEBHOOK})
    assert "WEBHOOK-CODE" not in str(caught.value)


def test_empty_replica_regions_are_accepted(engine: MockEngine) -> None:
    deploy(engine, replica_regions=[])
    assert secret_of(engine).plain("vaultName")


def test_preview_registers_the_same_resources(preview_engine: MockEngine) -> None:
    deploy(preview_engine, readers=[APP], rotation={"every_days": 90, "azure_webhook_url": WEBHOOK})
    assert sorted(r.type for r in preview_engine.resources) == sorted(
        [COMPONENT, CREATED_AT, VAULT, EVENT_SUBSCRIPTION, SECRET, ROLE_ASSIGNMENT]
    )


# --- what a rename does to the old secret (the Azure Key Vault page's "What a change does" and "Renaming the secret")

_BROUGHT = {"resource_group_name": "rg-shared", "vault_name": "kv-shared-01"}
PAGE = (Path(__file__).parent.parent / "docs" / "stores" / "azure-key-vault.md").read_text(encoding="utf-8")


def _program(secret_name: str, azure: dict[str, Any], **extra: Any) -> Callable[[], None]:
    def program() -> None:
        SecureApiKey("openai", args(name=secret_name, deletion_protection=False, readers=[APP], azure=azure, **extra))  # type: ignore[arg-type]

    return program


def _steps(plan: Plan) -> list[tuple[str, str]]:
    return [(step.action, step.name) for step in plan.steps]


@pytest.mark.parametrize(
    ("azure", "old_secret"),
    [(_AZ, "retain"), (_BROUGHT, "delete-replaced")],
    ids=["created vault: the old secret stays live", "your vault: the old secret is deleted (soft delete)"],
)
def test_a_rename_creates_the_new_secret_first_and_then_keeps_or_deletes_the_old_one(
    azure: dict[str, Any], old_secret: str
) -> None:
    plan = plan_update(_program("openai-a", azure), _program("openai-b", azure))
    assert not plan.refused
    assert plan.op("openai-secret") == "replace"
    steps = _steps(plan)
    # The old secret's own step comes last: after the new secret and the grant on it exist.
    assert steps[-1] == (old_secret, "openai-secret")
    assert plan.index("create-replacement", "openai-secret") < plan.index(old_secret, "openai-secret")
    # The reader's grant on the old secret goes (delete first: its Azure name is derived), a grant on the new one comes:
    # only roles at vault scope or above can still read a secret left live.
    reader = f"openai-reader-{APP}"
    assert plan.op(reader) == "replace-delete-first"
    assert plan.index("delete", reader) < plan.index("create-replacement", reader)
    (old_secret_state,) = [r for r in plan.before if r.type == SECRET]
    assert old_secret_state.retain_on_delete is (True if "create_vault" in azure else None)


def test_a_rename_that_only_changes_case_is_planned_as_a_new_secret_beside_the_old_one() -> None:
    # Key Vault names ignore case, so the create step meets the old secret itself: azure-native refuses it
    # ("cannot create already existing resource") before anything is deleted. The Azure Key Vault page says so.
    plan = plan_update(_program("openai-key", _BROUGHT), _program("OpenAI-Key", _BROUGHT))
    assert plan.op("openai-secret") == "replace"
    assert plan.index("create-replacement", "openai-secret") < plan.index("delete-replaced", "openai-secret")


def test_the_manual_says_what_a_rename_leaves_behind_and_how_to_free_the_name() -> None:
    row = next(line for line in PAGE.splitlines() if line.startswith("| `name`, another vault"))
    assert "stays live" in row
    assert "soft-deleted" in row
    for command in ("az keyvault secret delete", "az keyvault secret purge", "az keyvault secret recover"):
        assert command in PAGE
    assert "ObjectIsDeletedButRecoverable" in PAGE
    assert "ignore case" in PAGE


# --- role assignments: no create-before-delete can meet an assignment of the same name --------------------


GRANT_SETUPS: dict[str, Callable[[], dict[str, Any]]] = {
    "readers": lambda: {"readers": [APP, OTHER_APP]},
    "readers_by_name": lambda: {"readers_by_name": {"app": pulumi.Output.from_input(APP)}},
    "principal types": lambda: {"readers": [APP], "azure": {**_AZ, "reader_principal_types": {APP: "User"}}},
    "your vault": lambda: {"readers": [APP], "azure": _BROUGHT},
    "rotator": lambda: {
        "readers": [APP],
        "rotation": {"every_days": 90, "azure_webhook_url": WEBHOOK, "azure_rotator_principal_id": OTHER_APP},
        "azure": {**_AZ, "create_vault": {"network": {"ip_rules": ["203.0.113.7"]}}},
    },
}


@pytest.mark.parametrize("setup", list(GRANT_SETUPS))
def test_every_role_assignment_is_named_from_scope_principal_and_role_and_deleted_before_it_is_replaced(
    engine: MockEngine, setup: str
) -> None:
    deploy(engine, **GRANT_SETUPS[setup]())
    assignments = engine.find(ROLE_ASSIGNMENT)
    assert assignments, "no role assignment to check"
    for assignment in assignments:
        role = assignment.plain("roleDefinitionId").rsplit("/", 1)[-1]
        expected = _azure_names.role_assignment_name(assignment.plain("scope"), assignment.plain("principalId"), role)
        assert assignment.plain("roleAssignmentName") == expected, assignment.name
        assert assignment.delete_before_replace is True, assignment.name


def test_a_grant_replaced_under_the_same_azure_name_is_deleted_first() -> None:
    # A new principal type keeps scope, principal and role, so the name too: create-before-delete would collide.
    before = _program("openai-a", _AZ)
    after = _program("openai-a", {**_AZ, "reader_principal_types": {APP: "Group"}})
    plan = plan_update(before, after)
    reader = f"openai-reader-{APP}"
    (old,) = [r.plain("roleAssignmentName") for r in plan.before if r.name == reader]
    (new,) = [r.plain("roleAssignmentName") for r in plan.after if r.name == reader]
    assert old == new
    assert plan.op(reader) == "replace-delete-first"
    assert plan.index("delete", reader) < plan.index("create-replacement", reader)


def test_moving_a_reader_to_readers_by_name_is_a_new_resource_for_the_same_assignment() -> None:
    # Not a replacement: two URNs for one Azure name, created before the old URN is deleted. The Azure page's readers
    # section gives the state rename that makes it a no-op.
    before = _program("openai-a", _AZ)

    def after() -> None:
        SecureApiKey("openai", args(name="openai-a", deletion_protection=False, readers_by_name={"app": APP}))  # type: ignore[arg-type]

    plan = plan_update(before, after)
    old, new = f"openai-reader-{APP}", "openai-reader-app"
    assert plan.of_type(ROLE_ASSIGNMENT) == {old: "delete", new: "create"}
    (old_name,) = [r.plain("roleAssignmentName") for r in plan.before if r.name == old]
    (new_name,) = [r.plain("roleAssignmentName") for r in plan.after if r.name == new]
    assert old_name == new_name
    assert "pulumi state rename" in PAGE


# --- expiry -------------------------------------------------------------------------------------------


def test_the_secret_is_never_disabled_and_expires_only_when_asked(engine: MockEngine, fixed_clock: datetime) -> None:
    deploy(engine)
    assert "attributes" not in secret_of(engine).plain("properties")  # no expiry, and `enabled` left to Key Vault


def test_a_passed_expiry_is_refused_at_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    azure = {**_AZ, "expires": "2026-05-01T00:00:00Z"}
    monkeypatch.setattr(azure_spec, "utc_now", lambda: datetime(2026, 5, 2, tzinfo=timezone.utc))
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        deploy(engine, azure=azure)
    assert refused.value.field == "azure.expires"
    assert "in the past" in str(refused.value)
    assert engine.resources == []


def test_with_rotation_dropping_a_passed_expiry_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # With rotation, azure.expires only anchors the first version: once it has passed, leaving it out is the way
    # on (the Azure Key Vault page says so), and it touches nothing, since the rotator owns the expiry by then.
    clock = {"now": FIXED_NOW}
    monkeypatch.setattr(azure_spec, "utc_now", lambda: clock["now"])

    def at(now: datetime, azure: dict[str, Any]) -> Callable[[], None]:
        def program() -> None:
            clock["now"] = now
            SecureApiKey("openai", args(rotation={"every_days": 90, "azure_function_id": FUNCTION_ID}, azure=azure))  # type: ignore[arg-type]

        return program

    first = at(FIXED_NOW, {**_AZ, "expires": "2026-05-01T00:00:00Z"})
    plan = plan_update(first, at(FIXED_NOW + timedelta(days=120), _AZ))
    assert plan.op("openai-secret") == "same"
    # The later run computes another expiry; the engine keeps the state's.
    assert plan.kept_from_state == {plan.urn_of("openai-secret"): {"properties.attributes.expires"}}
    assert not plan.refused
