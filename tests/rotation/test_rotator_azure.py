"""The Azure entry against the Key Vault, ARM (AI Services keys, API Management subscription keys), managed
identity and OpenAI stand-ins, fed the Event Grid events the vault publishes (SecretNearExpiry 30 days before a
version expires, SecretNewVersionCreated)."""

import threading
from datetime import timedelta
from typing import Any, Callable, Optional

import pytest

from ai_keys.rotation.rotator import azure_function
from ai_keys.rotation.rotator.engine import PLACEHOLDER, STEPS, RetryLater
from ai_keys.rotation.rotator.http import HttpError
from ai_keys.rotation.rotator.store_azure import KEY_ID_TAG
from ai_keys.testing.stand_ins import (
    AzureAiServicesStandIn,
    AzureApiManagementStandIn,
    IdentityStandIn,
    KeyVaultStandIn,
    OpenAIStandIn,
    SimClock,
)

from .conftest import ADMIN_KEY, EVERY_DAYS, OPENAI_PROJECT, PREFIX

PERIOD = timedelta(days=EVERY_DAYS)
NEAR = timedelta(days=30)
VAULT = "https://ai-keys-test.vault.azure.net"


class CrashError(Exception):
    """The function instance dying between two steps."""


class Rotated:
    """One secret in the vault stand-in and the rotator's entry for it."""

    def __init__(self, name: str, keyvault: KeyVaultStandIn, clock: SimClock, env: dict[str, str]) -> None:
        self.name, self.keyvault, self.clock, self.env = name, keyvault, clock, env

    def event(self, event_type: str, version: Optional[str] = None) -> dict[str, Any]:
        current = self.keyvault.versions(self.name)[-1]
        data = {
            "Id": f"{VAULT}/secrets/{self.name}/{version or current.version}",
            "VaultName": "ai-keys-test",
            "ObjectType": "Secret",
            "ObjectName": self.name,
            "Version": version or current.version,
            "NBF": None,
            "EXP": current.exp,
        }
        return {"id": "e1", "eventType": event_type, "subject": self.name, "data": data, "dataVersion": "1"}

    def deliver(self, event: dict[str, Any], on_step: Optional[Callable[[str], None]] = None) -> str:
        return azure_function.rotate(event, env=self.env, now=self.clock.now(), sleep=self.clock.sleep, on_step=on_step)

    def near_expiry(self, on_step: Optional[Callable[[str], None]] = None) -> str:
        """Wait until Key Vault would publish SecretNearExpiry for the current version, and deliver it."""
        exp = self.keyvault.versions(self.name)[-1].exp
        assert exp is not None
        self.clock.advance(max(0.0, exp - NEAR.total_seconds() - self.clock()))
        return self.deliver(self.event(azure_function.NEAR_EXPIRY), on_step)

    def new_version(self) -> str:
        return self.deliver(self.event(azure_function.NEW_VERSION))

    def values(self) -> list[str]:
        return [v.value for v in self.keyvault.versions(self.name)]


def azure_env(
    env_for: Callable[..., dict[str, str]],
    issuer: str,
    name: str,
    keyvault: KeyVaultStandIn,
    identity: IdentityStandIn,
    **extra: str,
) -> dict[str, str]:
    return env_for(
        issuer,
        "azure",
        f"{VAULT}/secrets/{name}",
        AIKEYS_ENDPOINT_KEYVAULT=keyvault.url,
        IDENTITY_ENDPOINT=identity.endpoint,
        IDENTITY_HEADER=identity.header,
        **extra,
    )


@pytest.fixture
def ai_key(
    keyvault: KeyVaultStandIn,
    ai_services: AzureAiServicesStandIn,
    identity: IdentityStandIn,
    clock: SimClock,
    env_for: Callable[..., dict[str, str]],
) -> Rotated:
    """An AI Services key in the vault as the deploy leaves it: key1, expiring a period and 30 days on, no tag."""
    name = "ai-services-key"
    keyvault.set_secret(name, ai_services.slots["key1"], exp=clock() + (PERIOD + NEAR).total_seconds())
    environment = azure_env(
        env_for,
        "azure_ai_services",
        name,
        keyvault,
        identity,
        AIKEYS_ACCOUNT_ID=ai_services.account_id,
        AIKEYS_ENDPOINT_ARM=ai_services.url,
        AIKEYS_PROBE_URL=ai_services.url + "/v1/models",
    )
    return Rotated(name, keyvault, clock, environment)


@pytest.fixture
def openai_key(
    keyvault: KeyVaultStandIn,
    openai_api: OpenAIStandIn,
    identity: IdentityStandIn,
    clock: SimClock,
    env_for: Callable[..., dict[str, str]],
) -> Rotated:
    """An OpenAI key in the vault as the deploy leaves it: the placeholder, and the admin key in its own secret."""
    name = "openai-key"
    keyvault.set_secret(name, PLACEHOLDER, exp=clock() + (PERIOD + NEAR).total_seconds())
    keyvault.set_secret(f"{name}-admin-key", ADMIN_KEY)
    environment = azure_env(
        env_for,
        "openai",
        name,
        keyvault,
        identity,
        AIKEYS_OPENAI_PROJECT=OPENAI_PROJECT,
        AIKEYS_ADMIN_KEY_REF=f"{VAULT}/secrets/{name}-admin-key",
        AIKEYS_ENDPOINT_OPENAI=openai_api.url,
    )
    return Rotated(name, keyvault, clock, environment)


def test_ai_services_120_rotations_alternate_the_slots(
    ai_key: Rotated, ai_services: AzureAiServicesStandIn, clock: SimClock
) -> None:
    slots: list[str] = []
    for _ in range(120):
        assert ai_key.near_expiry() == "rotated"
        assert ai_key.new_version() == "not-placeholder"  # the rotator's own write
        current, previous = ai_key.keyvault.versions(ai_key.name)[-1], ai_key.keyvault.versions(ai_key.name)[-2]
        assert ai_services.keys.is_live(current.value)
        assert ai_services.keys.is_live(previous.value), "clients on the previous key keep working until the next rotation"
        assert current.exp == int(clock() + (PERIOD + NEAR).total_seconds())
        slots.append(current.tags[KEY_ID_TAG])
        assert ai_services.keys.live_count == 2
    assert slots[:4] == ["key2", "key1", "key2", "key1"]
    assert ai_services.regenerated == {"key1": 60, "key2": 60}
    # With a 30-day period the previous version expires just as the next rotation runs (written + period + 30
    # days): Key Vault refuses its value (403) and the rotator goes by its tag instead.
    assert ai_key.keyvault.statuses[403] >= 100
    assert ai_key.keyvault.errors == []
    assert ai_services.keys.max_live == 2
    assert len(ai_key.keyvault.versions(ai_key.name)) == 121


def test_a_stale_near_expiry_notice_is_ignored(ai_key: Rotated, ai_services: AzureAiServicesStandIn) -> None:
    first = ai_key.keyvault.versions(ai_key.name)[-1].version
    assert ai_key.near_expiry() == "rotated"
    assert ai_key.deliver(ai_key.event(azure_function.NEAR_EXPIRY, version=first)) == "ignored"
    assert ai_key.deliver(ai_key.event(azure_function.NEAR_EXPIRY)) == "not-due"  # the same notice twice
    assert ai_key.deliver({"eventType": "Microsoft.KeyVault.SecretExpired", "data": {}}) == "ignored"
    other = ai_key.event(azure_function.NEAR_EXPIRY)
    other["data"]["ObjectName"] = other["subject"] = "another-secret"
    assert ai_key.deliver(other) == "ignored"
    assert ai_services.regenerated == {"key1": 0, "key2": 1}


def test_concurrent_deliveries_rotate_once(ai_key: Rotated, ai_services: AzureAiServicesStandIn) -> None:
    exp = ai_key.keyvault.versions(ai_key.name)[-1].exp
    assert exp is not None
    ai_key.clock.advance(exp - NEAR.total_seconds() - ai_key.clock())
    event = ai_key.event(azure_function.NEAR_EXPIRY)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(ai_key.deliver(event))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["not-due", "rotated"]
    assert ai_services.regenerated == {"key1": 0, "key2": 1}


@pytest.mark.parametrize("step", ["read", "mint", "probe", "write"])
def test_ai_services_crash_between_steps_converges(
    step: str, ai_key: Rotated, ai_services: AzureAiServicesStandIn, clock: SimClock
) -> None:
    for _ in range(3):
        ai_key.near_expiry()
    before = ai_key.values()[-1]

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    with pytest.raises(CrashError):
        ai_key.near_expiry(on_step=crash)
    assert ai_key.values()[-1] == before
    assert ai_services.keys.is_live(before)  # the current slot was never touched
    clock.advance(timedelta(hours=1))
    assert ai_key.deliver(ai_key.event(azure_function.NEAR_EXPIRY)) == "rotated"  # Event Grid redelivers
    assert ai_services.keys.is_live(ai_key.values()[-1])
    assert ai_services.keys.is_live(before)
    assert ai_key.values()[-2] == before


@pytest.mark.parametrize("status", [429, 503])
def test_arm_errors_are_retried_within_the_run(
    status: int, ai_key: Rotated, ai_services: AzureAiServicesStandIn, clock: SimClock
) -> None:
    ai_services.faults.fail_next(2, status, match="/regenerateKey", retry_after=3)
    assert ai_key.near_expiry() == "rotated"
    assert ai_services.faults.injected == 2
    assert ai_services.regenerated["key2"] == 1
    if status == 429:
        assert [round(s) for s in clock.slept].count(3) == 2


def test_a_failed_vault_write_loses_no_key(ai_key: Rotated, ai_services: AzureAiServicesStandIn, clock: SimClock) -> None:
    ai_key.near_expiry()
    before = ai_key.values()[-1]
    ai_key.keyvault.faults.fail_next(5, 500, match="PUT /secrets")  # every attempt of the run
    with pytest.raises(HttpError, match="500"):
        ai_key.near_expiry()
    assert ai_key.values()[-1] == before
    assert ai_services.keys.is_live(before)
    clock.advance(timedelta(minutes=30))
    assert ai_key.deliver(ai_key.event(azure_function.NEAR_EXPIRY)) == "rotated"
    assert ai_services.keys.is_live(ai_key.values()[-1])
    assert ai_key.values()[-2] == before


def test_openai_first_key_then_rotations(openai_key: Rotated, openai_api: OpenAIStandIn, identity: IdentityStandIn) -> None:
    assert openai_key.new_version() == "rotated"
    assert openai_key.new_version() == "not-placeholder"
    for _ in range(10):
        assert openai_key.near_expiry() == "rotated"
        current = openai_key.keyvault.versions(openai_key.name)[-1]
        assert openai_api.keys.is_live(current.value)
        assert current.tags[KEY_ID_TAG] in openai_api.accounts
        assert openai_api.keys.live_count <= 2
    assert openai_api.keys.max_live == 2
    assert len(openai_api.live_accounts(PREFIX)) == 2
    assert len(openai_api.keys.records) == 11
    assert identity.issued == {"https://vault.azure.net": 12}  # one token per run (12 runs), reused for each call


@pytest.mark.parametrize("step", STEPS)
def test_openai_crash_between_steps_converges(step: str, openai_key: Rotated, openai_api: OpenAIStandIn, clock: SimClock) -> None:
    openai_key.new_version()
    for _ in range(2):
        openai_key.near_expiry()
    before = openai_key.values()[-1]

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    with pytest.raises(CrashError):
        openai_key.near_expiry(on_step=crash)
    assert openai_api.keys.is_live(before)
    assert openai_api.keys.live_count <= 2
    clock.advance(timedelta(hours=1))
    assert openai_key.deliver(openai_key.event(azure_function.NEAR_EXPIRY)) == "rotated"
    assert openai_api.keys.is_live(openai_key.values()[-1])
    assert openai_api.keys.live_count == 2
    assert openai_api.keys.max_live == 2


def test_openai_failed_vault_write_deletes_the_new_account(
    openai_key: Rotated, openai_api: OpenAIStandIn, clock: SimClock
) -> None:
    openai_key.new_version()
    openai_key.near_expiry()
    before = openai_key.values()[-1]
    openai_key.keyvault.faults.fail_next(5, 500, match="PUT /secrets")
    with pytest.raises(HttpError):
        openai_key.near_expiry()
    assert openai_key.values()[-1] == before
    assert openai_api.keys.live_count == 1
    assert openai_key.deliver(openai_key.event(azure_function.NEAR_EXPIRY)) == "rotated"
    assert openai_api.keys.live_count == 2


@pytest.mark.parametrize("status", [500, 429])
def test_openai_errors_mid_rotation_converge(
    status: int, openai_key: Rotated, openai_api: OpenAIStandIn, clock: SimClock
) -> None:
    openai_key.new_version()
    openai_key.near_expiry()
    before = openai_key.values()[-1]
    openai_api.faults.fail_next(1, status, match="POST /v1/organization")
    try:
        openai_key.near_expiry()
    except HttpError:
        assert status == 500  # a create that may have gone through is not sent again
        assert openai_key.values()[-1] == before
        clock.advance(timedelta(minutes=10))
        assert openai_key.deliver(openai_key.event(azure_function.NEAR_EXPIRY)) == "rotated"
    assert openai_api.faults.injected == 1
    assert openai_key.values()[-2] == before
    assert openai_api.keys.max_live == 2


# --- The daily check: a rotation whose near-expiry notice never came


def check(key: Rotated) -> str:
    return azure_function.check(env=key.env, now=key.clock.now(), sleep=key.clock.sleep)


def test_rotation_turned_on_for_a_version_without_expiry_starts_at_the_next_daily_check(
    keyvault: KeyVaultStandIn,
    ai_services: AzureAiServicesStandIn,
    ai_key: Rotated,
    clock: SimClock,
) -> None:
    # The secret was written before rotation was on: no expiry, so Key Vault never sends SecretNearExpiry for it.
    keyvault.set_secret(ai_key.name, ai_services.slots["key1"], exp=None)
    clock.advance(timedelta(days=400).total_seconds())
    assert check(ai_key) == "rotated"
    current = ai_key.keyvault.versions(ai_key.name)[-1]
    assert current.exp == int(clock() + (PERIOD + NEAR).total_seconds())  # the notices take over from here
    assert ai_services.keys.is_live(current.value)
    assert check(ai_key) == "not-due"


def test_the_daily_check_never_runs_ahead_of_the_notices(
    ai_key: Rotated, ai_services: AzureAiServicesStandIn, clock: SimClock
) -> None:
    assert ai_key.near_expiry() == "rotated"
    rotated_at = clock()
    days: list[int] = []
    for day in range(1, 3 * EVERY_DAYS + 1):
        clock.advance(timedelta(days=1).total_seconds())
        if check(ai_key) == "rotated":
            days.append(day)
            # The previous key lived a whole period after the one before it was replaced.
            assert clock() - rotated_at >= PERIOD.total_seconds()
            rotated_at = clock()
    assert days == [EVERY_DAYS, 2 * EVERY_DAYS, 3 * EVERY_DAYS]
    assert ai_services.keys.max_live == 2


def test_a_missed_notice_is_made_up_by_the_check_and_the_late_notice_then_does_nothing(
    openai_key: Rotated, openai_api: OpenAIStandIn, clock: SimClock
) -> None:
    assert check(openai_key) == "rotated"  # the placeholder: the first key, even if SecretNewVersionCreated was lost
    clock.advance(PERIOD.total_seconds())
    stale = openai_key.event(azure_function.NEAR_EXPIRY)
    assert check(openai_key) == "rotated"
    assert openai_key.deliver(stale) == "ignored"  # the notice was for the version the check replaced
    assert openai_api.keys.max_live == 2


# --- Azure API Management: the subscription's primary and secondary keys


@pytest.fixture
def apim_key(
    keyvault: KeyVaultStandIn,
    apim: AzureApiManagementStandIn,
    identity: IdentityStandIn,
    clock: SimClock,
    env_for: Callable[..., dict[str, str]],
) -> Rotated:
    """An API Management key in the vault as the deploy leaves it: the primary, expiring a period and 30 days on."""
    name = "apim-key"
    keyvault.set_secret(name, apim.slots["primary"], exp=clock() + (PERIOD + NEAR).total_seconds())
    environment = azure_env(
        env_for,
        "azure_api_management",
        name,
        keyvault,
        identity,
        AIKEYS_APIM_SUBSCRIPTION_ID=apim.subscription_id,
        AIKEYS_ENDPOINT_ARM=apim.url,
        AIKEYS_PROBE_URL=apim.url + "/v1/models",
    )
    return Rotated(name, keyvault, clock, environment)


def test_apim_120_rotations_alternate_primary_and_secondary(
    apim_key: Rotated, apim: AzureApiManagementStandIn, clock: SimClock
) -> None:
    slots: list[str] = []
    for _ in range(120):
        assert apim_key.near_expiry() == "rotated"
        assert apim_key.new_version() == "not-placeholder"  # the rotator's own write
        current, previous = apim_key.keyvault.versions(apim_key.name)[-1], apim_key.keyvault.versions(apim_key.name)[-2]
        assert apim.keys.is_live(current.value)
        assert apim.keys.is_live(previous.value), "clients on the previous key keep working until the next rotation"
        assert current.exp == int(clock() + (PERIOD + NEAR).total_seconds())
        slots.append(current.tags[KEY_ID_TAG])
        assert apim.keys.live_count == 2
    assert slots[:4] == ["secondary", "primary", "secondary", "primary"]
    assert apim.regenerated == {"primary": 60, "secondary": 60}
    assert apim.keys.max_live == 2
    assert len(apim_key.keyvault.versions(apim_key.name)) == 121
    # Each run probed its new key through the gateway, in the subscription key header.
    probes = [c for c in apim.app.calls if c.path == "/v1/models"]
    assert len(probes) == 120
    assert all(c.status == 200 for c in probes)
    assert apim.errors == []


def test_apim_a_stale_near_expiry_notice_is_ignored(apim_key: Rotated, apim: AzureApiManagementStandIn) -> None:
    first = apim_key.keyvault.versions(apim_key.name)[-1].version
    assert apim_key.near_expiry() == "rotated"
    assert apim_key.deliver(apim_key.event(azure_function.NEAR_EXPIRY, version=first)) == "ignored"
    assert apim_key.deliver(apim_key.event(azure_function.NEAR_EXPIRY)) == "not-due"  # the same notice twice
    assert apim.regenerated == {"primary": 0, "secondary": 1}


def test_apim_concurrent_deliveries_rotate_once(apim_key: Rotated, apim: AzureApiManagementStandIn) -> None:
    exp = apim_key.keyvault.versions(apim_key.name)[-1].exp
    assert exp is not None
    apim_key.clock.advance(exp - NEAR.total_seconds() - apim_key.clock())
    event = apim_key.event(azure_function.NEAR_EXPIRY)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(apim_key.deliver(event))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["not-due", "rotated"]
    assert apim.regenerated == {"primary": 0, "secondary": 1}


@pytest.mark.parametrize("step", ["read", "mint", "probe", "write"])
def test_apim_crash_between_steps_converges(
    step: str, apim_key: Rotated, apim: AzureApiManagementStandIn, clock: SimClock
) -> None:
    for _ in range(3):
        apim_key.near_expiry()
    before = apim_key.values()[-1]

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    with pytest.raises(CrashError):
        apim_key.near_expiry(on_step=crash)
    assert apim_key.values()[-1] == before
    assert apim.keys.is_live(before)  # the current key was never touched
    clock.advance(timedelta(hours=1))
    assert apim_key.deliver(apim_key.event(azure_function.NEAR_EXPIRY)) == "rotated"  # Event Grid redelivers
    assert apim.keys.is_live(apim_key.values()[-1])
    assert apim.keys.is_live(before)
    assert apim_key.values()[-2] == before
    assert apim.keys.max_live == 2


@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize("call", ["/regenerate", "/listSecrets"])
def test_apim_arm_errors_are_retried_within_the_run(
    status: int, call: str, apim_key: Rotated, apim: AzureApiManagementStandIn, clock: SimClock
) -> None:
    apim.faults.fail_next(2, status, match=call, retry_after=3)
    assert apim_key.near_expiry() == "rotated"
    assert apim.faults.injected == 2
    assert apim.regenerated["secondary"] == 1  # each retried regenerate left one new key, the one stored
    assert apim.keys.is_live(apim_key.values()[-1])
    if status == 429:
        assert [round(s) for s in clock.slept].count(3) == 2


def test_apim_a_failed_vault_write_loses_no_key(apim_key: Rotated, apim: AzureApiManagementStandIn, clock: SimClock) -> None:
    apim_key.near_expiry()
    before = apim_key.values()[-1]
    apim_key.keyvault.faults.fail_next(5, 500, match="PUT /secrets")  # every attempt of the run
    with pytest.raises(HttpError, match="500"):
        apim_key.near_expiry()
    assert apim_key.values()[-1] == before
    assert apim.keys.is_live(before)
    clock.advance(timedelta(minutes=30))
    assert apim_key.deliver(apim_key.event(azure_function.NEAR_EXPIRY)) == "rotated"
    assert apim.keys.is_live(apim_key.values()[-1])
    assert apim_key.values()[-2] == before
    assert apim.keys.max_live == 2


def test_apim_a_key_the_gateway_refuses_is_not_stored(apim_key: Rotated, apim: AzureApiManagementStandIn) -> None:
    before = apim_key.values()[-1]
    apim.faults.fail_next(11, 401, match="GET /v1/models")  # every probe of the run
    with pytest.raises(RetryLater, match="not accepted after 11 probes"):
        apim_key.near_expiry()
    assert apim_key.values()[-1] == before
    assert apim.keys.is_live(before)
    assert apim_key.deliver(apim_key.event(azure_function.NEAR_EXPIRY)) == "rotated"
    assert apim_key.values()[-2] == before


def test_apim_a_stored_value_of_neither_key_regenerates_the_primary(
    keyvault: KeyVaultStandIn, apim_key: Rotated, apim: AzureApiManagementStandIn, clock: SimClock
) -> None:
    # A key regenerated by hand: the stored value is neither key any more, and carries no tag.
    keyvault.set_secret(apim_key.name, "0" * 32, exp=clock() + (PERIOD + NEAR).total_seconds())
    assert apim_key.near_expiry() == "rotated"
    current = apim_key.keyvault.versions(apim_key.name)[-1]
    assert current.tags[KEY_ID_TAG] == "primary"
    assert current.value == apim.slots["primary"]
    assert apim.regenerated == {"primary": 1, "secondary": 0}


def test_apim_daily_check_rotates_a_version_without_expiry_and_never_runs_ahead(
    keyvault: KeyVaultStandIn, apim: AzureApiManagementStandIn, apim_key: Rotated, clock: SimClock
) -> None:
    keyvault.set_secret(apim_key.name, apim.slots["primary"], exp=None)  # written before rotation was on
    clock.advance(timedelta(days=400).total_seconds())
    assert check(apim_key) == "rotated"
    current = apim_key.keyvault.versions(apim_key.name)[-1]
    assert current.exp == int(clock() + (PERIOD + NEAR).total_seconds())
    assert (current.tags[KEY_ID_TAG], current.value) == ("secondary", apim.slots["secondary"])
    days = []
    for day in range(1, 2 * EVERY_DAYS + 1):
        clock.advance(timedelta(days=1).total_seconds())
        if check(apim_key) == "rotated":
            days.append(day)
    assert days == [EVERY_DAYS, 2 * EVERY_DAYS]
    assert apim.keys.max_live == 2


def test_apim_a_regenerated_key_listsecrets_leaves_out_stops_the_run() -> None:
    from ai_keys.rotation.rotator.http import Response
    from ai_keys.rotation.rotator.vendor_azure_api_management import AzureApiManagementVendor

    class Http:
        def request(self, method: str, url: str, **kwargs: Any) -> Response:
            return Response(200, {}, {"primaryKey": "k" * 32} if url.endswith("/listSecrets") else None)

    vendor = AzureApiManagementVendor("/subscriptions/s/x", lambda: "token", Http())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="no secondary key after regenerating it"):
        vendor.mint("primary")
    assert vendor.mint("secondary").key_id == "primary"


def test_apim_a_new_subscription_gets_its_key_stored_at_the_next_daily_check(
    keyvault: KeyVaultStandIn, apim_key: Rotated, identity: IdentityStandIn, clock: SimClock
) -> None:
    """A product move makes a new subscription; the store keeps what the rotator wrote (the old subscription's key,
    deleted with it): the check stores the new subscription's key at once, not a period later."""
    assert apim_key.near_expiry() == "rotated"
    assert check(apim_key) == "not-due"  # a live key a day old: nothing to do
    moved = AzureApiManagementStandIn(AzureApiManagementStandIn.SUBSCRIPTION + "-moved", clock=clock, identity=identity)
    with moved:
        apim_key.env |= {"AIKEYS_APIM_SUBSCRIPTION_ID": moved.subscription_id, "AIKEYS_ENDPOINT_ARM": moved.url}
        apim_key.env |= {"AIKEYS_PROBE_URL": moved.url + "/v1/models"}
        clock.advance(timedelta(days=1))
        assert check(apim_key) == "rotated"
        current = keyvault.versions(apim_key.name)[-1]
        assert moved.keys.is_live(current.value)
        # The old version was tagged "secondary": the other key, the primary, is the one regenerated and stored.
        assert (current.tags[KEY_ID_TAG], moved.regenerated) == ("primary", {"primary": 1, "secondary": 0})
        clock.advance(timedelta(days=1))
        assert check(apim_key) == "not-due"
        assert moved.keys.max_live == 2


def test_ai_services_a_key_regenerated_by_hand_is_replaced_at_the_next_daily_check(
    ai_key: Rotated, ai_services: AzureAiServicesStandIn, clock: SimClock
) -> None:
    assert ai_key.near_expiry() == "rotated"
    stored = ai_key.values()[-1]
    with ai_services.lock:
        ai_services._regenerate("key2")  # someone regenerated the current key in the portal
    assert not ai_services.keys.is_live(stored)
    clock.advance(timedelta(days=1))
    assert check(ai_key) == "rotated"
    assert ai_services.keys.is_live(ai_key.values()[-1])
