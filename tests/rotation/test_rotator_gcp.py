"""The GCP entry against drongo's Secret Manager (REST), the Google API Keys stand-in and the metadata server's token,
fed the Pub/Sub messages Secret Manager publishes (``eventType`` SECRET_ROTATE / SECRET_VERSION_ADD)."""

import base64
import json
import threading
import uuid
from datetime import timedelta
from typing import Any, Callable, Optional

import pytest
from drongo.services.secretmanager.models import secretmanager_backends

from ai_keys.rotation.rotator import gcp_function
from ai_keys.rotation.rotator.engine import PLACEHOLDER, STEPS
from ai_keys.rotation.rotator.http import HttpError
from ai_keys.testing.stand_ins import GoogleApiKeysStandIn, MetadataStandIn, SimClock

from .conftest import EVERY_DAYS, GCP_PROJECT, PREFIX, Drongo

PERIOD = timedelta(days=EVERY_DAYS)


class CrashError(Exception):
    """The function instance dying between two steps."""


class CloudEvent:
    """What functions-framework hands ``main``: the Pub/Sub envelope in ``.data``, CloudEvent attributes by key."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._attributes = {"type": "google.cloud.pubsub.topic.v1.messagePublished", "id": uuid.uuid4().hex}

    def __getitem__(self, name: str) -> str:
        return self._attributes[name]


def message(event_type: str, secret: str, *, as_object: bool = True) -> Any:
    """A Secret Manager notification as Eventarc delivers it."""
    payload = base64.b64encode(json.dumps({"name": secret}).encode()).decode()
    envelope = {
        "message": {
            "attributes": {"eventType": event_type, "secretId": secret, "dataFormat": "JSON_API_V1"},
            "data": payload,
            "messageId": uuid.uuid4().hex,
        },
        "subscription": f"projects/{GCP_PROJECT}/subscriptions/rotator",
    }
    return CloudEvent(envelope) if as_object else {"data": envelope}


@pytest.fixture
def gemini(
    drongo: Drongo,
    google_keys: GoogleApiKeysStandIn,
    metadata: MetadataStandIn,
    clock: SimClock,
    env_for: Callable[..., dict[str, str]],
) -> "Gemini":
    return Gemini(drongo, google_keys, metadata, clock, env_for)


class Gemini:
    """One Gemini key kept in a Secret Manager secret, and its rotator."""

    def __init__(
        self,
        drongo: Drongo,
        keys: GoogleApiKeysStandIn,
        metadata: MetadataStandIn,
        clock: SimClock,
        env_for: Callable[..., dict[str, str]],
    ) -> None:
        self.drongo, self.keys, self.metadata, self.clock = drongo, keys, metadata, clock
        self.secret = drongo.secret(PLACEHOLDER)
        self.env = env_for(
            "gemini",
            "gcp",
            self.secret,
            AIKEYS_PROJECT=GCP_PROJECT,
            AIKEYS_ENDPOINT_SECRETMANAGER=drongo.url,
            AIKEYS_ENDPOINT_APIKEYS=keys.url,
            AIKEYS_ENDPOINT_METADATA=metadata.url,
            AIKEYS_ENDPOINT_GENERATIVELANGUAGE=keys.url,
        )

    def deliver(self, event_type: str, *, as_object: bool = True, on_step: Optional[Callable[[str], None]] = None) -> str:
        return gcp_function.main(
            message(event_type, self.secret, as_object=as_object),
            env=self.env,
            now=self.clock.now(),
            sleep=self.clock.sleep,
            on_step=on_step,
        )

    def enabled(self) -> list[str]:
        return [data.decode() for _, state, data in self.drongo.versions(self.secret) if state == "ENABLED"]

    def check(self) -> None:
        """The current and previous keys work, nothing else is readable, never more than two keys live."""
        enabled = self.enabled()
        assert len(enabled) <= 2
        assert self.keys.keys.is_live(enabled[-1])
        if len(enabled) == 2 and enabled[0] != PLACEHOLDER:
            assert self.keys.keys.is_live(enabled[0])
        assert self.keys.keys.live_count <= 2
        assert self.keys.keys.max_live <= 2

    def rotate_once(self) -> str:
        """A due rotation, then the SECRET_VERSION_ADD its own write causes."""
        action = self.deliver("SECRET_ROTATE")
        assert self.deliver("SECRET_VERSION_ADD") == "not-placeholder"
        return action


def test_first_key_then_120_rotations(gemini: Gemini, clock: SimClock) -> None:
    assert gemini.deliver("SECRET_VERSION_ADD", as_object=False) == "rotated"  # the deploy's placeholder version
    gemini.check()
    held_most = 0
    for _ in range(120):
        clock.advance(PERIOD)
        assert gemini.rotate_once() == "rotated"
        gemini.check()
        held_most = max(held_most, len(gemini.keys.held()))
    assert len(gemini.keys.keys.records) == 121
    assert gemini.keys.keys.max_live == 2
    assert 1 <= held_most <= 2  # soft-deleted keys are held 30 days: about one per 30-day period
    versions = gemini.drongo.versions(gemini.secret)
    assert len(versions) == 122
    assert [state for _, state, _ in versions].count("ENABLED") == 2
    key = gemini.keys.api_keys[gemini.keys.keys.key_id(gemini.enabled()[-1]) or ""]
    assert key.key_id.startswith(PREFIX)
    assert key.targets == ("generativelanguage.googleapis.com",)
    assert gemini.metadata.issued == 1 + 2 * 120  # one token per run, reused for all its requests


def test_versions_older_than_the_previous_one_are_destroyed(gemini: Gemini, clock: SimClock) -> None:
    """Secret Manager bills every version that is not destroyed, disabled ones too ($0.06 per active version per
    location per month, cloud.google.com/secret-manager/pricing): disabling old versions would cost one more version
    with each rotation. Their keys are revoked already; destroying them loses nothing."""

    def kept() -> int:
        return sum(1 for _, state, _ in gemini.drongo.versions(gemini.secret) if state != "DESTROYED")

    most = 0

    def watch() -> None:
        nonlocal most
        most = max(most, kept())

    gemini.drongo.observe = watch
    gemini.deliver("SECRET_VERSION_ADD")
    for _ in range(120):
        clock.advance(PERIOD)
        assert gemini.rotate_once() == "rotated"
        assert kept() <= 2
    gemini.drongo.observe = None
    assert most == 3  # between a write and its clean-up
    versions = gemini.drongo.versions(gemini.secret)
    assert len(versions) == 122
    assert [state for _, state, _ in versions] == ["DESTROYED"] * 120 + ["ENABLED"] * 2
    assert all(data == b"" for _, state, data in versions if state == "DESTROYED")
    assert gemini.drongo.served.count(f"POST /v1/{gemini.secret}/versions/1:destroy") == 1
    assert not [line for line in gemini.drongo.served if line.endswith(":disable")]


def test_versions_an_earlier_release_disabled_are_destroyed_too(gemini: Gemini, clock: SimClock) -> None:
    gemini.deliver("SECRET_VERSION_ADD")
    backend = secretmanager_backends[GCP_PROJECT]
    secret_id = gemini.secret.rsplit("/", 1)[-1]
    for _ in range(3):
        clock.advance(PERIOD)
        gemini.rotate_once()
        for version in backend.secrets[secret_id].versions[:-2]:
            if version.state == "DESTROYED":
                version.state = "DISABLED"  # what the rotator did before: kept, and billed
                version.data = b"revoked"
    clock.advance(PERIOD)
    gemini.rotate_once()
    assert [state for _, state, _ in gemini.drongo.versions(gemini.secret)] == ["DESTROYED"] * 4 + ["ENABLED"] * 2
    gemini.check()


def test_duplicate_and_unrelated_events_do_nothing(gemini: Gemini, clock: SimClock) -> None:
    gemini.deliver("SECRET_VERSION_ADD")
    clock.advance(PERIOD)
    assert gemini.deliver("SECRET_ROTATE") == "rotated"
    records = len(gemini.keys.keys.records)
    assert gemini.deliver("SECRET_ROTATE") == "not-due"  # Pub/Sub delivered it twice
    clock.advance(timedelta(days=3))
    assert gemini.deliver("SECRET_ROTATE", as_object=False) == "not-due"
    for event_type in ("TOPIC_CONFIGURED", "SECRET_UPDATE", "SECRET_VERSION_DISABLE", ""):
        assert gemini.deliver(event_type) == "ignored"
    other = gcp_function.main(message("SECRET_ROTATE", f"projects/{GCP_PROJECT}/secrets/other"), env=gemini.env, now=clock.now())
    assert other == "ignored"
    assert len(gemini.keys.keys.records) == records


def test_concurrent_deliveries_rotate_once(gemini: Gemini, clock: SimClock) -> None:
    gemini.deliver("SECRET_VERSION_ADD")
    clock.advance(PERIOD)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(gemini.deliver("SECRET_ROTATE"))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["not-due", "not-due", "rotated"]
    gemini.check()
    assert len(gemini.keys.keys.records) == 2


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_between_steps_converges_on_the_retry(step: str, gemini: Gemini, clock: SimClock) -> None:
    gemini.deliver("SECRET_VERSION_ADD")
    for _ in range(3):
        clock.advance(PERIOD)
        gemini.rotate_once()
    before = gemini.enabled()[-1]

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    clock.advance(PERIOD)
    with pytest.raises(CrashError):
        gemini.deliver("SECRET_ROTATE", on_step=crash)
    assert gemini.enabled()[-1] == before
    assert gemini.keys.keys.is_live(before)
    assert gemini.keys.keys.live_count <= 2
    clock.advance(timedelta(hours=1))  # Pub/Sub redelivers (the function is deployed with retries)
    assert gemini.rotate_once() == "rotated"
    gemini.check()
    assert gemini.keys.keys.live_count == 2
    assert gemini.enabled()[0] == before


@pytest.mark.parametrize(
    ("status", "match", "count"),
    [
        (500, "POST /v2/projects", 1),  # keys.create names its keyId: a retry cannot make a second key
        (503, "GET /v2/projects", 1),
        (429, "POST /v2/projects", 1),
        (500, "DELETE /v2/projects", 1),
        (500, "POST /v2/projects", 5),  # every attempt of the run fails: the next run converges
    ],
)
def test_api_keys_errors_mid_rotation_converge(status: int, match: str, count: int, gemini: Gemini, clock: SimClock) -> None:
    gemini.deliver("SECRET_VERSION_ADD")
    for _ in range(2):
        clock.advance(PERIOD)
        gemini.rotate_once()
    before = gemini.enabled()[-1]
    clock.advance(PERIOD)
    gemini.keys.faults.fail_next(count, status, match=match, retry_after=2)
    if count > 1:
        with pytest.raises(HttpError, match=str(status)):
            gemini.deliver("SECRET_ROTATE")
        assert gemini.enabled()[-1] == before
        assert gemini.keys.keys.is_live(before)
        clock.advance(timedelta(minutes=10))
    assert gemini.deliver("SECRET_ROTATE") == "rotated"
    assert gemini.keys.faults.injected == count
    if status == 429:
        assert 2.0 in [round(s) for s in clock.slept]  # Retry-After honoured
    gemini.check()
    assert gemini.enabled()[0] == before


def test_a_failed_version_write_loses_no_key(gemini: Gemini, clock: SimClock) -> None:
    gemini.deliver("SECRET_VERSION_ADD")
    for _ in range(2):
        clock.advance(PERIOD)
        gemini.rotate_once()
    before = gemini.enabled()[-1]
    clock.advance(PERIOD)
    gemini.drongo.faults.fail_next(1, 500, match=":addVersion")
    with pytest.raises(HttpError, match="500"):
        gemini.deliver("SECRET_ROTATE")
    assert gemini.drongo.faults.injected >= 1
    assert gemini.enabled()[-1] == before
    assert gemini.keys.keys.live_count == 1  # the key the store refused was deleted again
    assert gemini.deliver("SECRET_ROTATE") == "rotated"
    gemini.check()
    assert gemini.keys.keys.live_count == 2
