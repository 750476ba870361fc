"""What a change to a managed rotation does on Google Cloud and Azure (AWS: test_deploy_aws.py): the period, the
issuer, turning it on and off. The engine's plan, offline."""

from collections.abc import Callable
from typing import Any

import pulumi

from ai_keys import SecureApiKey
from ai_keys.testing import plan_update

PROJECT = "my-project-123"
VAULT = {"vault_name": "kv-team", "resource_group_name": "rg-keys"}
AZURE_AI = {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}}


def gemini(every_days: int = 30) -> Callable[[], None]:
    args = {
        "backend": "gcp-secret-manager",
        "issuer": {"gemini": {"project": PROJECT}},
        "gcp": {"project": PROJECT},
        "rotation": {"every_days": every_days},
    }
    return lambda: SecureApiKey("ai", args)  # type: ignore[arg-type]


def azure(every_days: int = 30, issuer: str = "azure_ai_services", rotation: bool = True) -> Callable[[], None]:
    def program() -> None:
        block: dict[str, Any] = AZURE_AI
        if issuer == "openai":  # an Output made inside the program, as config.require_secret gives it
            block = {"openai": {"project_id": "proj_abc123", "admin_key": pulumi.Output.secret("admin-key-value")}}
        args: dict[str, Any] = {"backend": "azure-key-vault", "issuer": block, "azure": VAULT}
        if rotation:
            args["rotation"] = {"every_days": every_days}
        SecureApiKey("ai", args)  # type: ignore[arg-type]

    return program


def changed(plan: Any) -> dict[str, str]:
    return {name: op for name, op in plan.touched().items() if op != "same"}


def test_gcp_a_new_period_updates_the_schedule_and_the_rotators_setting_in_place() -> None:
    plan = plan_update(gemini(30), gemini(60))
    assert not plan.refused
    assert changed(plan) == {"ai-secret": "update", "ai-rotator-function": "update"}
    assert plan.changed[plan.urn_of("ai-secret")] == {"rotation.rotationPeriod", "rotation.nextRotationTime"}
    assert plan.changed[plan.urn_of("ai-rotator-function")] == {"serviceConfig.environmentVariables.AIKEYS_EVERY_DAYS"}


def test_azure_a_new_period_changes_one_app_setting_and_leaves_the_current_version_alone() -> None:
    plan = plan_update(azure(30), azure(60))
    assert not plan.refused
    assert changed(plan) == {"ai-rotator-app": "update"}
    # Not the secret: an update would write the state's first value over the rotated key. The next version the
    # rotator writes carries the new period.
    assert plan.op("ai-secret") == "same"


def test_azure_a_new_issuer_keeps_the_secret_and_the_app() -> None:
    plan = plan_update(azure(issuer="azure_ai_services"), azure(issuer="openai"))
    assert not plan.refused
    ops = changed(plan)
    assert "ai-secret" not in ops
    assert ops["ai-rotator-app"] == "update"  # new settings, same app
    assert ops["ai-admin-key"] == ops["ai-admin-key-reader"] == "create"
    assert ops["ai-near-expiry"] == "update"  # openai's first key also comes on SecretNewVersionCreated
    assert not [name for name, op in ops.items() if op == "replace"]


def test_azure_turning_rotation_on_leaves_the_version_to_the_daily_check() -> None:
    plan = plan_update(azure(rotation=False), azure())
    assert not plan.refused
    # The version stays (without an expiry, so Key Vault never sends SecretNearExpiry for it): the rotator's daily
    # check rotates it once it is a period old (tests/rotation/test_rotator_azure.py).
    assert plan.op("ai-secret") == "same"
    assert plan.op("ai-rotator-app") == "create"
    assert plan.op("ai-near-expiry") == "create"


def test_azure_turning_rotation_off_clears_the_expiry_after_event_grid_stops_calling() -> None:
    plan = plan_update(azure(), azure(rotation=False))
    assert not plan.refused
    assert plan.op("ai-secret") == "update"
    assert plan.changed[plan.urn_of("ai-secret")] == {"properties.attributes.expires"}  # no rotator: no expiry
    assert plan.op("ai-rotator-app") == "delete"
    assert plan.index("delete", "ai-near-expiry") < plan.index("delete", "ai-rotator-app")
