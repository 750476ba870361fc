"""The lifecycle harness follows the engine's rules, on plain resources whose behaviour is documented."""

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest

from ai_keys import SecureApiKey
from ai_keys.testing import plan_destroy, plan_update
from ai_keys.testing.replacements import REPLACEMENTS, forces_replacement

from .conftest import CANARY
from .scenarios import BACKENDS, OPTIONS, args_for


def secret_and_version(
    *, name: str = "a", value: str = "v1", opts: Callable[[], pulumi.ResourceOptions] = pulumi.ResourceOptions
) -> Callable[[], None]:
    def program() -> None:
        secret = aws.secretsmanager.Secret("secret", name=name, opts=opts())
        aws.secretsmanager.SecretVersion("version", secret_id=secret.id, secret_string=value)

    return program


def test_an_in_place_input_is_an_update() -> None:
    def before() -> None:
        aws.secretsmanager.Secret("secret", name="a", description="one")

    def after() -> None:
        aws.secretsmanager.Secret("secret", name="a", description="two")

    plan = plan_update(before, after)
    assert plan.touched() == {"secret": "update"}
    assert plan.changed[plan.urn_of("secret")] == {"description"}


def test_a_force_new_input_replaces_and_the_dependents_that_read_it_follow() -> None:
    plan = plan_update(secret_and_version(name="a"), secret_and_version(name="b"))
    assert plan.touched() == {"secret": "replace", "version": "replace"}
    # Create-before-delete: both new objects first, then the old ones, dependents before what they depend on.
    assert [(s.action, s.name) for s in plan.steps] == [
        ("create-replacement", "secret"),
        ("create-replacement", "version"),
        ("delete-replaced", "version"),
        ("delete-replaced", "secret"),
    ]


def test_ignore_changes_keeps_the_state_value_even_in_a_replacement() -> None:
    def program(name: str, value: str) -> Callable[[], None]:
        def run() -> None:
            secret = aws.secretsmanager.Secret("secret", name=name)
            aws.secretsmanager.SecretVersion(
                "version", secret_id=secret.id, secret_string=value, opts=pulumi.ResourceOptions(ignore_changes=["secret_string"])
            )

        return run

    assert plan_update(program("a", "v1"), program("a", "v2")).touched() == {}
    plan = plan_update(program("a", "v1"), program("b", "v2"))
    assert plan.op("version") == "replace"
    assert plan.kept_from_state[plan.urn_of("version")] == {"secretString"}  # seeded with v1, not v2


def test_delete_before_replace_deletes_the_old_object_first() -> None:
    def program(principal: str) -> Callable[[], None]:
        return lambda: aws.kms.Grant(
            "grant",
            key_id="k",
            grantee_principal=principal,
            operations=["Decrypt"],
            opts=pulumi.ResourceOptions(delete_before_replace=True),
        )

    plan = plan_update(program("arn:aws:iam::1:role/a"), program("arn:aws:iam::1:role/b"))
    assert plan.op("grant") == "replace-delete-first"
    assert [s.action for s in plan.steps] == ["delete", "create-replacement"]


def test_removed_resources_are_deleted_last_dependents_first() -> None:
    def before() -> None:
        secret = aws.secretsmanager.Secret("secret", name="a")
        aws.secretsmanager.SecretVersion("version", secret_id=secret.id, secret_string="v")
        aws.secretsmanager.Secret("other", name="o", description="one")

    def after() -> None:
        aws.secretsmanager.Secret("other", name="o", description="two")

    plan = plan_update(before, after)
    assert [(s.action, s.name) for s in plan.steps] == [("update", "other"), ("delete", "version"), ("delete", "secret")]


def test_protect_refuses_the_whole_plan_before_any_step() -> None:
    protected = secret_and_version(opts=lambda: pulumi.ResourceOptions(protect=True))
    destroy = plan_destroy(protected)
    assert destroy.steps == []
    assert [r.urn for r in destroy.refused] == [destroy.urn_of("secret")]
    assert "marked for protection" in destroy.refused[0].message
    assert "pulumi state unprotect" in destroy.refused[0].message
    # A replacement is refused only when the resource is protected in both programs (pulumi/pulumi#8873).
    renamed = secret_and_version(name="b", opts=lambda: pulumi.ResourceOptions(protect=True))
    assert plan_update(protected, renamed).refused
    unprotected_rename = secret_and_version(name="b")
    assert not plan_update(protected, unprotected_rename).refused


def test_retain_on_delete_drops_the_resource_from_the_state_only() -> None:
    retained = secret_and_version(opts=lambda: pulumi.ResourceOptions(retain_on_delete=True))
    plan = plan_destroy(retained)
    assert [(s.action, s.name) for s in plan.steps] == [("delete", "version"), ("retain", "secret")]


def test_replace_on_changes_adds_to_the_providers_rules() -> None:
    def program(description: str) -> Callable[[], None]:
        return lambda: aws.secretsmanager.Secret(
            "secret", name="a", description=description, opts=pulumi.ResourceOptions(replace_on_changes=["description"])
        )

    assert plan_update(program("one"), program("two")).op("secret") == "replace"


def test_nested_paths_may_update_in_place_under_a_force_new_field() -> None:
    secret = "gcp:secretmanager/secret:Secret"
    assert not forces_replacement(secret, {"replication.auto.customerManagedEncryption.kmsKeyName"}, [])
    assert not forces_replacement(secret, {"replication.userManaged.replicas[1].customerManagedEncryption.kmsKeyName"}, [])
    assert forces_replacement(secret, {"replication.userManaged.replicas[1].location"}, [])
    assert forces_replacement(secret, {"replication.auto"}, [])


def test_an_unknown_type_is_an_error_not_an_update() -> None:
    with pytest.raises(KeyError, match="no replacement rule for resource type"):
        forces_replacement("aws:s3/bucket:Bucket", {"bucket"}, [])


def test_a_config_change_between_deploys() -> None:
    def program() -> None:
        gcp.secretmanager.Secret("secret", secret_id=pulumi.Config().require("secret_id"), replication={"auto": {}}, project="p")

    plan = plan_update(program, program, config={"secret_id": "a"}, after_config={"secret_id": "b"})
    assert plan.op("secret") == "replace"


WORKSPACE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops"
    "/providers/Microsoft.OperationalInsights/workspaces/ops"
)


def _full_configuration(backend: str) -> dict[str, Any]:
    """Every option ``backend`` supports (an API Gateway key as ``issuer.aws_api_gateway``, with its copy)."""
    return args_for(backend, *(name for name, per_mode in OPTIONS.items() if backend in per_mode), value=CANARY)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_type_the_component_creates_has_a_replacement_rule(backend: str) -> None:
    args = _full_configuration(backend)
    if backend == "azure-key-vault":
        args["rotation"] = {**args["rotation"], "azure_rotator_principal_id": "0b6f7d5e-1c2a-4b9e-8f3d-6a5c4b3a2f10"}
        args["azure"] = {
            **args["azure"],
            "create_vault": {"network": {"ip_rules": ["203.0.113.7"]}, "audit": {"workspace_id": WORKSPACE}},
        }
    if backend == "gcp-secret-manager":
        args["gcp"] = {**args["gcp"], "audit_data_access": True}
    plan = plan_destroy(lambda: SecureApiKey("key", args))  # type: ignore[arg-type]
    custom = {r.type for r in plan.before if r.custom}
    assert len(custom) >= 5
    assert custom <= set(REPLACEMENTS), custom - set(REPLACEMENTS)
