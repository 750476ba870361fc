"""The GCP and Azure rotators on the simulated cloud: deploy (the first run only once the rotator can act), 92 days
later, a second stack of the same program in the same project or subscription, destroy then deploy again (no name
still held), and the order in which a destroy takes the rotator away."""

from datetime import timedelta
from typing import Any

import pulumi
import pytest

from ai_keys import SecureApiKey
from ai_keys.stores.azure_key_vault import rules as azure_rules
from ai_keys.testing.simulation import Cloud, Scenario

PROJECT = "my-project-123"
FUNCTION = "gcp:cloudfunctionsv2/function:Function"
BUCKET = "gcp:storage/bucket:Bucket"
ACCOUNT = "gcp:serviceaccount/account:Account"
STORAGE = "azure-native:storage:StorageAccount"
APP = "azure-native:web:WebApp"
KV_SECRET = "azure-native:keyvault:Secret"


def gemini(rotation: bool = True) -> Any:
    args: dict[str, Any] = {
        "backend": "gcp-secret-manager",
        "issuer": {"gemini": {"project": PROJECT}},
        "gcp": {"project": PROJECT},
        "deletion_protection": False,
    }
    if rotation:
        args["rotation"] = {"every_days": 30}
    return lambda: SecureApiKey("gemini", args)  # type: ignore[arg-type]


def names(cloud: Cloud, type_: str) -> set[tuple[str, ...]]:
    return {o.key for o in cloud.live(type_)}


# ------------------------------------------------------------------------------------------------ Google Cloud


def test_gcp_the_first_run_comes_once_the_rotator_can_act_and_later_deploys_leave_it_alone() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini())
    # The placeholder's SECRET_VERSION_ADD ran the function: its two grants on the secret and the trigger's right
    # to invoke it had propagated.
    assert cloud.checks["gcp.function.grants-not-yet"] == 3
    assert len(cloud.live(FUNCTION)) == 1
    cloud.advance(days=92)
    plan = scenario.deploy(gemini())
    assert not plan.refused
    assert not {name for name in plan.touched() if "rotator" in name}
    assert cloud.checks["gcp.function.grants-not-yet"] == 3  # no new version, no new run


def test_gcp_a_second_stack_in_the_same_project_gets_its_own_rotator() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini(), stack="dev")
    scenario.deploy(gemini(), stack="prod")
    assert len(names(cloud, FUNCTION)) == len(names(cloud, BUCKET)) == 2
    assert len({key for key in names(cloud, ACCOUNT) if key[-1].startswith("rot-")}) == 2
    assert cloud.checks["gcp.cloud-function.name-unique"] == cloud.checks["gcp.bucket.name-unique"] == 2
    assert cloud.checks["gcp.function.grants-not-yet"] == 6


def test_gcp_destroy_then_deploy_asks_for_no_name_still_held() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini())
    (first,) = names(cloud, BUCKET)
    scenario.destroy(unprotect=True)
    assert [o.key for o in cloud.objects if o.type == BUCKET and o.status == "held"] == [first]
    scenario.deploy(gemini())  # the same day: the old bucket's name is still held
    (second,) = names(cloud, BUCKET)
    assert second != first
    assert cloud.checks["gcp.bucket.name-held-after-delete"] == 2


def test_gcp_the_rotator_goes_only_after_nothing_calls_it() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini())
    # Turning rotation off: the secret stops notifying its topic (an update) before the function is deleted.
    off = scenario.deploy(gemini(rotation=False))
    assert off.op("gemini-secret") == "update"
    assert off.index("update", "gemini-secret") < off.index("delete", "gemini-rotator-function")
    scenario.deploy(gemini())
    # A destroy takes the function, and with it its trigger (the topic's only subscription), before the topic and
    # before the grants the function runs with.
    plan = scenario.destroy(unprotect=True)
    function = plan.index("delete", "gemini-rotator-function")
    assert function < plan.index("delete", "gemini-rotation-topic")
    assert function < plan.index("delete", "gemini-rotator")
    assert plan.index("delete", "gemini-version") < function  # no placeholder version outlives its rotator


# ------------------------------------------------------------------------------------------------------ Azure


@pytest.fixture
def azure_clock(monkeypatch: pytest.MonkeyPatch) -> Cloud:
    """A cloud whose clock the Key Vault rules read too (the first version's expiry is set from it)."""
    cloud = Cloud()
    monkeypatch.setattr(azure_rules, "utc_now", lambda: cloud.now)
    return cloud


def azure_ai(vault: dict[str, Any], every_days: int = 30) -> Any:
    args = {
        "backend": "azure-key-vault",
        "issuer": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}},
        "rotation": {"every_days": every_days},
        "azure": vault,
        "deletion_protection": False,
    }
    return lambda: SecureApiKey("aoai", args)  # type: ignore[arg-type]


def openai(vault: dict[str, Any]) -> Any:
    def program() -> None:
        issuer = {"openai": {"project_id": "proj_abc123", "admin_key": pulumi.Output.secret("admin-key-value")}}
        args = {"backend": "azure-key-vault", "issuer": issuer, "rotation": {"every_days": 30}, "azure": vault}
        SecureApiKey("openai", {**args, "deletion_protection": False})  # type: ignore[arg-type]

    return program


BROUGHT = {"vault_name": "kv-team", "resource_group_name": "rg-keys"}
CREATED = {"resource_group_name": "rg-keys", "create_vault": {"network": {"default_action": "Allow"}}}


@pytest.mark.parametrize("vault", [BROUGHT, CREATED], ids=["brought-vault", "created-vault"])
def test_azure_92_days_later_and_a_second_stack_in_the_same_subscription(azure_clock: Cloud, vault: dict[str, Any]) -> None:
    cloud = azure_clock
    scenario = Scenario(cloud)
    scenario.deploy(azure_ai(vault))
    cloud.advance(days=92)
    plan = scenario.deploy(azure_ai(vault))
    assert not plan.refused
    assert not {name for name in plan.touched() if "rotator" in name}
    scenario.deploy(azure_ai(vault), stack="prod")
    assert len(names(cloud, APP)) == len(names(cloud, STORAGE)) == 2
    assert cloud.checks["azure.storage-account.name-unique"] == cloud.checks["azure.function-app.name-unique"] == 2


def test_azure_destroy_then_deploy_asks_for_no_name_still_held(azure_clock: Cloud) -> None:
    """With a vault of its own, a stack can be destroyed and deployed again at once (in a vault you bring, the key's
    own secret name stays held by Key Vault's soft delete: that is the store's rule, not the rotator's)."""
    cloud = azure_clock
    scenario = Scenario(cloud)
    scenario.deploy(azure_ai(CREATED))
    (first,) = names(cloud, STORAGE)
    scenario.destroy(unprotect=True)
    assert [o.key for o in cloud.objects if o.type == STORAGE and o.status == "held"] == [first]
    scenario.deploy(azure_ai(CREATED))  # the same day
    (again,) = names(cloud, STORAGE)
    assert again != first
    assert cloud.checks["azure.storage-account.name-held-after-delete"] == 2
    assert len(names(cloud, APP)) == 1  # the app's name is free again at once, and stays the same


def test_azure_with_an_admin_key_two_stacks_share_a_vault(azure_clock: Cloud) -> None:
    scenario = Scenario(azure_clock)
    scenario.deploy(openai(BROUGHT), stack="dev")
    scenario.deploy(openai(BROUGHT), stack="prod")
    secrets = [o.key[-1] for o in azure_clock.live(KV_SECRET)]
    assert len(secrets) == len(set(secrets)) == 4  # each stack's key and admin key
    assert sum(name.endswith("-admin-key") for name in secrets) == 2


def test_azure_the_app_goes_only_after_event_grid_stops_calling_it(azure_clock: Cloud) -> None:
    scenario = Scenario(azure_clock)
    scenario.deploy(openai(BROUGHT))
    plan = scenario.destroy(unprotect=True)
    app = plan.index("delete", "openai-rotator-app")
    assert plan.index("delete", "openai-near-expiry") < app
    assert plan.index("delete", "openai-rotator-secret-officer") < app


def test_azure_the_key_never_expires_while_rotations_run(azure_clock: Cloud) -> None:
    """Key Vault sends SecretNearExpiry 30 days before a version's expiry; the rotator then writes a version that
    expires every_days + 30 days out. With the first version under the same rule, one rotation lands every
    every_days, and the current version never expires (checked hourly over 92 days)."""
    cloud = azure_clock
    scenario = Scenario(cloud)
    scenario.deploy(azure_ai(BROUGHT, every_days=30))
    (secret,) = [r for r in scenario.stacks["dev"].resources if r.type == KV_SECRET]
    deployed = cloud.now
    expires = secret.plain("properties")["attributes"]["expires"]
    rotations: list[float] = []
    notice, every = timedelta(days=30), timedelta(days=30)
    now = deployed
    while now <= deployed + timedelta(days=92):
        if now.timestamp() >= expires - notice.total_seconds():  # SecretNearExpiry: the rotator runs
            expires = (now + every + notice).timestamp()
            rotations.append((now - deployed) / timedelta(days=1))
        assert expires > now.timestamp(), f"the current version expired on day {(now - deployed).days}"
        now += timedelta(hours=1)
    assert [round(day) for day in rotations] == [30, 60, 90]
