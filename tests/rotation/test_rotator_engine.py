"""The rotation engine against in-memory fakes: two live keys, idempotence, and every crash converging.

The fakes keep a key's whole life (made, stored current, superseded, revoked) on one simulated clock, so each test
checks the rules of issue 25 directly: never more than two live keys, the previous key valid for at least one
period after it stops being current, the current key always valid (no key lost).
"""

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

import pytest

from ai_keys.rotation.rotator import engine, logsafe
from ai_keys.rotation.rotator.engine import (
    MAX_LIVE,
    ORPHAN_GRACE,
    PLACEHOLDER,
    PROBE_DELAYS,
    STEPS,
    LiveKey,
    Minted,
    RetryLater,
    RotationInProgress,
    Version,
)
from ai_keys.testing.stand_ins import SimClock

EVERY = 30
PERIOD = timedelta(days=EVERY)


class CrashError(Exception):
    """A run dying between two steps."""


class FakeVendor:
    """Keys (or two slots) with their whole life recorded; ``fail`` makes the next calls of an operation raise."""

    def __init__(self, clock: SimClock, *, slots: bool = False, dated: bool = True, identifies: bool = True) -> None:
        self.clock = clock
        self.slots = slots
        self.identifies = identifies
        self.dated = dated
        self.live: dict[str, str] = {}  # key id -> value
        self.created: dict[str, float] = {}
        self.revoked_at: dict[str, float] = {}  # value -> when it stopped working
        self.max_live = 0
        self.calls: Counter[str] = Counter()
        self.fail: Counter[str] = Counter()
        self.accept_after = 0.0  # seconds a new key takes to work
        self.mint_pause = 0.0
        self._n = 0
        self._lock = threading.Lock()
        if slots:
            for slot in ("key1", "key2"):
                self._make(slot)

    def _make(self, key_id: str) -> str:
        self._n += 1
        value = f"value-{self._n}-MUST-NOT-LEAK"
        old = self.live.get(key_id)
        if old is not None:
            self.revoked_at[old] = self.clock()
        self.live[key_id] = value
        self.created[key_id] = self.clock()
        self.max_live = max(self.max_live, len(self.live))
        return value

    def _call(self, name: str) -> None:
        self.calls[name] += 1
        if self.fail[name] > 0:
            self.fail[name] -= 1
            raise RuntimeError(f"vendor {name} failed (500)")

    def valid(self, value: Optional[str]) -> bool:
        return value is not None and value in self.live.values()

    def live_keys(self) -> list[LiveKey]:
        self._call("live_keys")
        with self._lock:
            return [
                LiveKey(k, self.clock.now() - timedelta(seconds=self.clock() - self.created[k]) if self.dated else None)
                for k in self.live
            ]

    def identify(self, value: str) -> Optional[str]:
        self._call("identify")
        if not self.identifies:  # IAM and OpenAI never show a key again
            return None
        return next((k for k, v in self.live.items() if v == value), None)

    def mint(self, current_key_id: Optional[str]) -> Minted:
        self._call("mint")
        if self.mint_pause:
            time.sleep(self.mint_pause)
        with self._lock:
            if self.slots:
                slot = "key2" if current_key_id == "key1" else "key1"
                return Minted(slot, self._make(slot))
            return Minted(f"k{self._n + 1}", self._make(f"k{self._n + 1}"))

    def revoke(self, key_id: str) -> None:
        self._call("revoke")
        with self._lock:
            value = self.live.pop(key_id, None)
            if value is not None:
                self.revoked_at[value] = self.clock()

    def probe(self, value: str) -> bool:
        self._call("probe")
        key_id = next((k for k, v in self.live.items() if v == value), None)
        return key_id is not None and self.clock() - self.created[key_id] >= self.accept_after


@dataclass
class FakeStore:
    """Versions, newest last; ``labels`` off makes it a store without metadata (GCP)."""

    clock: SimClock
    labels: bool = True
    ref: str = field(default_factory=lambda: f"fake://{time.monotonic_ns()}")
    versions: list[Version] = field(default_factory=list)
    fail_writes: int = 0
    ambiguous: bool = False
    current_since: dict[str, float] = field(default_factory=dict)  # value -> when it became current
    superseded_at: dict[str, float] = field(default_factory=dict)  # value -> when it stopped being current
    forgotten: list[str] = field(default_factory=list)

    def seed(self, value: str, key_id: Optional[str] = None) -> None:
        self.versions.append(Version(f"v{len(self.versions)}", value, key_id if self.labels else None, self.clock.now()))
        self.current_since[value] = self.clock()

    def current(self) -> Optional[Version]:
        return self.versions[-1] if self.versions else None

    def previous(self) -> Optional[Version]:
        return self.versions[-2] if len(self.versions) > 1 else None

    def write_current(self, value: str, key_id: Optional[str]) -> None:
        if self.fail_writes > 0:
            self.fail_writes -= 1
            if self.ambiguous:
                self._append(value, key_id)
            raise RuntimeError("store write failed (500)")
        self._append(value, key_id)

    def _append(self, value: str, key_id: Optional[str]) -> None:
        old = self.current()
        if old is not None and old.value is not None:
            self.superseded_at[old.value] = self.clock()
        self.seed(value, key_id)
        self.prune()

    def prune(self) -> None:
        """Labels stay on the current and previous versions only (as the AWS store keeps them)."""
        self.versions = [
            v if n >= len(self.versions) - 2 else Version(v.ref, v.value, None, v.written_at) for n, v in enumerate(self.versions)
        ]

    def forget(self, key_id: str) -> None:
        self.forgotten.append(key_id)
        self.versions = [Version(v.ref, v.value, None if v.key_id == key_id else v.key_id, v.written_at) for v in self.versions]


class StagedFakeStore(FakeStore):
    """AWS's staging: a pending version per token, promoted by finish."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__(clock)
        self.pending_versions: dict[str, Version] = {}
        self.abandoned: list[str] = []

    def pending(self, token: str) -> Optional[Version]:
        return self.pending_versions.get(token)

    def write_pending(self, token: str, value: str, key_id: str) -> None:
        if self.fail_writes > 0:
            self.fail_writes -= 1
            raise RuntimeError("store write failed (500)")
        self.pending_versions = {token: Version(token, value, key_id, self.clock.now())}

    def promote(self, token: str) -> None:
        current = self.current()
        if current is not None and current.ref == token:
            return
        staged = self.pending_versions.pop(token)
        if current is not None and current.value is not None:
            self.superseded_at[current.value] = self.clock()
        self.versions.append(staged)
        self.current_since[str(staged.value)] = self.clock()
        self.prune()

    def abandon(self, token: str) -> None:
        self.abandoned.append(token)
        self.pending_versions.pop(token, None)


class Checks:
    """Counts the checks a test made, so a test that checked nothing fails."""

    def __init__(self) -> None:
        self.count = 0

    def that(self, condition: bool, message: str) -> None:
        self.count += 1
        assert condition, message


def check_state(checks: Checks, store: FakeStore, vendor: FakeVendor) -> None:
    """No key lost, never more than two live."""
    current, previous = store.current(), store.previous()
    checks.that(current is not None and (current.is_placeholder or vendor.valid(current.value)), "current key works")
    if previous is not None and not previous.is_placeholder and previous.value in store.superseded_at:
        since = store.superseded_at[previous.value]
        if vendor.clock() - since < PERIOD.total_seconds():
            checks.that(vendor.valid(previous.value), "previous key works for a period after it stopped being current")
    checks.that(len(vendor.live) <= MAX_LIVE, f"{len(vendor.live)} keys live")
    checks.that(vendor.max_live <= MAX_LIVE, f"{vendor.max_live} keys were live at once")


def check_previous_lived_a_period(checks: Checks, store: FakeStore, vendor: FakeVendor) -> int:
    """Every key revoked after it stopped being current stayed valid at least one period after that."""
    seen = 0
    for value, superseded in store.superseded_at.items():
        revoked = vendor.revoked_at.get(value)
        if revoked is not None:
            checks.that(revoked - superseded >= PERIOD.total_seconds(), "previous key revoked before a whole period")
            seen += 1
    return seen


KINDS = {
    # keys labelled in the store, a vendor that never shows a key again (Bedrock or OpenAI on AWS / Azure)
    "labelled": {"labels": True, "identifies": False},
    # keys the vendor finds by value, a store without metadata (Gemini on GCP)
    "identified": {"labels": False, "identifies": True},
    # two fixed slots (Azure AI Services)
    "slots": {"labels": True, "identifies": True},
}


def setup(kind: str, clock: SimClock) -> tuple[FakeStore, FakeVendor]:
    vendor = FakeVendor(clock, slots=kind == "slots", identifies=KINDS[kind]["identifies"])
    store = FakeStore(clock, labels=KINDS[kind]["labels"])
    if kind == "slots":
        store.seed(vendor.live["key1"], "key1")  # Azure keeps today's first key: key1
    else:
        store.seed(PLACEHOLDER)
    return store, vendor


def rotate(store: FakeStore, vendor: FakeVendor, clock: SimClock, **kwargs: object) -> engine.Outcome:
    return engine.rotate(store, vendor, EVERY, clock.now(), sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(KINDS))
def test_two_live_keys_over_120_rotations(kind: str, clock: SimClock) -> None:
    store, vendor = setup(kind, clock)
    checks = Checks()
    rotated = 0
    for _ in range(120):
        clock.advance(PERIOD)
        outcome = rotate(store, vendor, clock)
        rotated += outcome.action == "rotated"
        check_state(checks, store, vendor)
    assert rotated == 120
    revoked = check_previous_lived_a_period(checks, store, vendor)
    assert revoked >= 118  # every key but the last two was revoked, each a period or more after it was superseded
    assert vendor.max_live == MAX_LIVE
    assert checks.count >= 120 * 4


def test_first_key_replaces_the_placeholder(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    assert engine.due(store.current(), EVERY, clock.now())
    outcome = rotate(store, vendor, clock, first_key_only=True)
    assert outcome.action == "rotated"
    current = store.current()
    assert current is not None
    assert vendor.valid(current.value)
    assert current.key_id == outcome.key_id
    # The rotator's own write is a new version too: with a key current, the same event does nothing.
    clock.advance(timedelta(days=EVERY))
    assert rotate(store, vendor, clock, first_key_only=True).action == "not-placeholder"
    assert vendor.calls["mint"] == 1


def test_duplicate_delivery_is_a_no_op(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    assert rotate(store, vendor, clock).action == "rotated"
    calls = sum(vendor.calls.values())
    clock.advance(timedelta(hours=1))
    assert rotate(store, vendor, clock).action == "not-due"
    clock.advance(PERIOD / 2 - timedelta(hours=2))
    assert rotate(store, vendor, clock).action == "not-due"
    assert sum(vendor.calls.values()) == calls  # a no-op asks nothing of the vendor
    clock.advance(timedelta(hours=1))
    assert rotate(store, vendor, clock).action == "rotated"  # half a period after the write: due
    assert rotate(store, vendor, clock, force=True).action == "rotated"


def test_concurrent_runs_in_one_process_rotate_once(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    vendor.mint_pause = 0.2
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda: outcomes.append(rotate(store, vendor, clock).action)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["not-due", "rotated"]
    assert vendor.max_live <= MAX_LIVE
    assert vendor.calls["mint"] == 2


def test_orphans_are_revoked_once_old_and_kept_while_new(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    orphan = vendor.mint(None).key_id  # made by a run that died before storing it
    clock.advance(timedelta(minutes=5))
    # Young: perhaps another run is about to store it. With it and the current key live, the guard stops.
    with pytest.raises(RotationInProgress):
        rotate(store, vendor, clock)
    assert orphan in vendor.live
    clock.advance(ORPHAN_GRACE)
    outcome = rotate(store, vendor, clock)
    assert outcome.action == "rotated"
    assert orphan in outcome.revoked
    assert orphan not in vendor.live
    assert orphan in store.forgotten
    assert len(vendor.live) == MAX_LIVE


def test_undated_orphans_are_revoked_at_once(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    vendor.dated = False
    rotate(store, vendor, clock)
    orphan = vendor.mint(None).key_id
    clock.advance(PERIOD)
    assert orphan in rotate(store, vendor, clock).revoked


def test_keys_of_unknown_stored_versions_are_never_revoked(clock: SimClock, caplog: pytest.LogCaptureFixture) -> None:
    vendor = FakeVendor(clock, identifies=False)
    store = FakeStore(clock, labels=False)
    stray = vendor.mint(None)
    store.seed("a value no vendor key has")  # e.g. written by hand: which key is it?
    caplog.set_level(logging.WARNING, "aikeys_rotator")
    clock.advance(PERIOD)
    outcome = rotate(store, vendor, clock)
    assert stray.key_id in vendor.live
    assert stray.key_id not in outcome.revoked
    assert "cannot tell which keys the store holds" in caplog.text


def test_guard_stops_a_run_while_two_keys_are_live(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    vendor.fail["revoke"] = 10  # the previous key cannot be revoked, but that needs a previous key first
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    with pytest.raises(RuntimeError):  # revoking the previous key fails: nothing is minted
        rotate(store, vendor, clock)
    assert vendor.calls["mint"] == 2
    assert len(vendor.live) == MAX_LIVE
    vendor.fail.clear()
    assert rotate(store, vendor, clock).action == "rotated"
    assert len(vendor.live) == MAX_LIVE


def test_a_key_the_vendor_never_accepts_is_revoked(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    vendor.accept_after = 10**9
    with pytest.raises(RetryLater, match="not accepted"):
        rotate(store, vendor, clock)
    assert vendor.calls["probe"] == len(PROBE_DELAYS) + 1
    assert clock.slept == list(PROBE_DELAYS)
    assert vendor.live == {}
    assert store.current() is not None
    assert store.current().is_placeholder  # type: ignore[union-attr]


def test_a_key_is_stored_only_once_the_vendor_accepts_it(clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    vendor.accept_after = 20.0  # API Gateway's activation delay
    outcome = rotate(store, vendor, clock)
    assert outcome.action == "rotated"
    assert sum(clock.slept) >= 20.0
    current = store.current()
    assert current is not None
    assert current.written_at is not None
    assert current.written_at.timestamp() - vendor.created[str(outcome.key_id)] >= 20.0


@pytest.mark.parametrize("ambiguous", [False, True], ids=["write-refused", "write-taken-then-failed"])
def test_a_failed_store_write_loses_no_key(ambiguous: bool, clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    rotate(store, vendor, clock)
    clock.advance(PERIOD)
    store.fail_writes, store.ambiguous = 1, ambiguous
    with pytest.raises(RuntimeError, match="store write failed"):
        rotate(store, vendor, clock)
    current = store.current()
    assert current is not None
    assert vendor.valid(current.value)
    assert len(vendor.live) <= MAX_LIVE
    if ambiguous:
        assert len(vendor.live) == 2  # the store holds the new key: it was kept
        assert rotate(store, vendor, clock).action == "not-due"
    else:
        assert len(vendor.live) == 1  # the new key was revoked; the next run makes another
        assert rotate(store, vendor, clock).action == "rotated"
    assert vendor.max_live <= MAX_LIVE


@pytest.mark.parametrize("operation", ["live_keys", "mint", "revoke"])
def test_vendor_failures_mid_rotation_converge_on_the_next_run(operation: str, clock: SimClock) -> None:
    store, vendor = setup("labelled", clock)
    for _ in range(3):
        rotate(store, vendor, clock)
        clock.advance(PERIOD)
    vendor.fail[operation] = 1
    with pytest.raises(RuntimeError, match="failed"):
        rotate(store, vendor, clock)
    checks = Checks()
    check_state(checks, store, vendor)
    clock.advance(timedelta(minutes=10))
    assert rotate(store, vendor, clock).action == "rotated"
    check_state(checks, store, vendor)
    assert len(vendor.live) == MAX_LIVE
    assert checks.count >= 6


CRASHES = [(kind, step) for kind in ("labelled", "identified") for step in STEPS] + [
    ("slots", step) for step in ("read", "mint", "probe", "write")
]


@pytest.mark.parametrize(("kind", "step"), CRASHES, ids=[f"{k}-{s}" for k, s in CRASHES])
def test_a_crash_between_steps_converges_on_the_next_run(kind: str, step: str, clock: SimClock) -> None:
    store, vendor = setup(kind, clock)
    for _ in range(3):
        rotate(store, vendor, clock)
        clock.advance(PERIOD)
    checks = Checks()

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    with pytest.raises(CrashError):
        rotate(store, vendor, clock, on_step=crash)
    check_state(checks, store, vendor)
    clock.advance(timedelta(hours=1))  # the platform retries later (past the orphan grace)
    assert rotate(store, vendor, clock).action == "rotated"
    check_state(checks, store, vendor)
    assert len(vendor.live) == MAX_LIVE  # exactly the current and the previous key: nothing left over
    assert set(vendor.live.values()) == {store.current().value, store.previous().value}  # type: ignore[union-attr]
    assert checks.count >= 6


def test_slots_rotate_by_regenerating_the_slot_not_current(clock: SimClock) -> None:
    # Both slots are always live: no guard, and regenerating is the revoke.
    store, vendor = setup("slots", clock)
    first = vendor.live["key2"]
    clock.advance(PERIOD)
    assert rotate(store, vendor, clock).key_id == "key2"
    assert first in vendor.revoked_at
    clock.advance(PERIOD)
    assert rotate(store, vendor, clock).key_id == "key1"
    assert vendor.calls["revoke"] == 0
    assert vendor.calls["live_keys"] == 0


def test_aws_steps_are_idempotent_per_token(clock: SimClock) -> None:
    store = StagedFakeStore(clock)
    vendor = FakeVendor(clock)
    store.seed(PLACEHOLDER)
    checks = Checks()
    for n in range(5):
        token = f"token-{n}"
        first = engine.create_secret(store, vendor, token, clock.now(), every_days=EVERY)
        again = engine.create_secret(store, vendor, token, clock.now(), every_days=EVERY)  # Secrets Manager retried the step
        checks.that(first.action == "pending-written" and again.action == "pending-exists", "create once per token")
        checks.that(again.key_id == first.key_id, "the retry sees the same key")
        checks.that(engine.set_secret(store, token).action == "set", "set does nothing")
        checks.that(
            engine.test_secret(store, vendor, token, every_days=EVERY, now=clock.now(), sleep=clock.sleep).action == "tested",
            "tested",
        )
        engine.finish_secret(store, token, every_days=EVERY, now=clock.now())
        engine.finish_secret(store, token, every_days=EVERY, now=clock.now())
        checks.that(store.current().ref == token, "finished")  # type: ignore[union-attr]
        check_state(checks, store, vendor)
        clock.advance(PERIOD)
    assert vendor.calls["mint"] == 5
    assert checks.count >= 5 * 8


@pytest.mark.parametrize("step", ["read", "orphans", "revoke-previous", "guard", "mint", "write"])
def test_aws_create_crash_converges_when_secrets_manager_retries(step: str, clock: SimClock) -> None:
    store = StagedFakeStore(clock)
    vendor = FakeVendor(clock)
    store.seed(PLACEHOLDER)
    for n in range(3):
        engine.create_secret(store, vendor, f"t{n}", clock.now(), every_days=EVERY)
        engine.finish_secret(store, f"t{n}", every_days=EVERY, now=clock.now())
        clock.advance(PERIOD)

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    with pytest.raises(CrashError):
        engine.create_secret(store, vendor, "t3", clock.now(), every_days=EVERY, on_step=crash)
    assert len(vendor.live) <= MAX_LIVE
    # Secrets Manager runs the same rotation again: no grace is needed, one rotation runs at a time.
    assert engine.create_secret(store, vendor, "t3", clock.now(), every_days=EVERY).action == "pending-written"
    engine.test_secret(store, vendor, "t3", every_days=EVERY, now=clock.now(), sleep=clock.sleep)
    engine.finish_secret(store, "t3", every_days=EVERY, now=clock.now())
    assert store.current().ref == "t3"  # type: ignore[union-attr]
    assert len(vendor.live) == MAX_LIVE
    assert vendor.max_live <= MAX_LIVE


def test_aws_test_step_fails_until_the_key_is_accepted(clock: SimClock) -> None:
    store = StagedFakeStore(clock)
    vendor = FakeVendor(clock)
    store.seed(PLACEHOLDER)
    vendor.accept_after = 10**6
    engine.create_secret(store, vendor, "t0", clock.now(), every_days=EVERY)
    with pytest.raises(RetryLater):
        engine.test_secret(store, vendor, "t0", every_days=EVERY, now=clock.now(), sleep=clock.sleep, probe_delays=(1.0, 1.0))
    assert len(vendor.live) == 1  # kept: Secrets Manager retries the rotation, the key may work by then
    vendor.accept_after = 0.0
    assert engine.test_secret(store, vendor, "t0", every_days=EVERY, now=clock.now(), sleep=clock.sleep).action == "tested"
    with pytest.raises(RetryLater, match="no pending value"):
        engine.test_secret(store, vendor, "never-created", every_days=EVERY, now=clock.now(), sleep=clock.sleep)


def aws_rotation(store: StagedFakeStore, vendor: FakeVendor, clock: SimClock, token: str) -> list[str]:
    """The four steps, as Secrets Manager runs them; returns each step's action."""
    now = clock.now()
    return [
        engine.create_secret(store, vendor, token, now, every_days=EVERY).action,
        engine.set_secret(store, token).action,
        engine.test_secret(store, vendor, token, every_days=EVERY, now=now, sleep=clock.sleep).action,
        engine.finish_secret(store, token, every_days=EVERY, now=now).action,
    ]


def test_aws_rotation_of_a_key_not_due_revokes_nothing(clock: SimClock) -> None:
    """Secrets Manager rotates at once whenever the rotation rules change (a new every_days): with the current key
    younger than half a period, the rotation makes no key, revokes nothing and ends cleanly."""
    store = StagedFakeStore(clock)
    vendor = FakeVendor(clock)
    store.seed(PLACEHOLDER)
    for n in range(3):
        assert aws_rotation(store, vendor, clock, f"t{n}") == ["pending-written", "set", "tested", "finished"]
        if n < 2:
            clock.advance(PERIOD)
    live, minted = dict(vendor.live), vendor.calls["mint"]
    for days in (0.0, 3.0, 11.5):  # 14.5 days after the write at most: less than half a period
        clock.advance(timedelta(days=days))
        assert aws_rotation(store, vendor, clock, f"rules-changed-{days}") == ["not-due", "set", "not-due", "not-due"]
    assert vendor.live == live, "no key made or revoked"
    assert vendor.calls["mint"] == minted
    assert store.current().ref == "t2"  # type: ignore[union-attr]
    assert len(store.abandoned) == 3  # each empty version stopped being pending, so the next rotation may start
    clock.advance(timedelta(days=16))  # a whole period after the write: the scheduled rotation
    assert aws_rotation(store, vendor, clock, "t3") == ["pending-written", "set", "tested", "finished"]
    checks = Checks()
    assert check_previous_lived_a_period(checks, store, vendor) >= 2
    check_state(checks, store, vendor)


def test_aws_finish_never_makes_an_empty_version_current(clock: SimClock) -> None:
    store = StagedFakeStore(clock)
    store.seed(PLACEHOLDER)
    with pytest.raises(RetryLater, match="no pending value"):
        engine.finish_secret(store, "never-created", every_days=EVERY, now=clock.now())
    assert store.current().is_placeholder  # type: ignore[union-attr]
    assert store.abandoned == []


def test_values_stay_out_of_reprs() -> None:
    version = Version("v1", "sk-VALUE-IN-REPR", "k1", None)
    minted = Minted("k1", "sk-VALUE-IN-REPR")
    assert "sk-VALUE" not in repr(version)
    assert "sk-VALUE" not in repr(minted)
    assert "k1" in repr(minted)


def test_log_records_are_cleaned(caplog: pytest.LogCaptureFixture) -> None:
    logsafe.install()
    logsafe.hide("sk-HIDDEN-BY-NAME-123456")
    log = logging.getLogger("botocore.parsers")
    with caplog.at_level(logging.DEBUG):
        log.debug("Response body:\n%r", b"<X><ServiceCredentialSecret>ABSKc2VjcmV0</ServiceCredentialSecret></X>")
        log.debug("Response body:\n%r", b'{"ARN": "a", "SecretString": "sk-json-value", "Name": "n"}')
        log.debug("params: %s", {"body": {"value": "sk-dict-value"}})
        log.debug("a key: %s", "sk-HIDDEN-BY-NAME-123456")
        try:
            raise ValueError("sk-HIDDEN-BY-NAME-123456")
        except ValueError:
            log.exception("failed")
    text = caplog.text
    for secret in ("ABSKc2VjcmV0", "sk-json-value", "sk-dict-value", "sk-HIDDEN-BY-NAME-123456"):
        assert secret not in text
    assert text.count(logsafe.HIDDEN) >= 5
