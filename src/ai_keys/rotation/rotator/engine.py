"""Two live keys: one rotation, idempotent and safe to crash at any step.

One rotation (:func:`rotate`) reads the store's current and previous versions and then:

a) revokes every key the rotator made that is neither current nor previous (left by a crash or a failed store
   write), unless it is younger than ``orphan_grace`` (another run may be about to store it);
b) revokes the previous key (it has been previous for one whole period); its label in the store goes when the
   version stops being previous, at the write, so a run that dies before writing still knows which key it was;
c) stops with :class:`RotationInProgress` if two keys are still live (another run is under way);
d) mints a key and waits until the vendor accepts it (API Gateway keys work only after a delay);
e) writes it as the current version: the old current becomes previous.

A vendor with key *slots* (Azure AI Services: key1 and key2) skips a) to c): minting regenerates the slot that is
not current, which is the revoke of the previous key, and both slots are always live.

A run that finds the current version written less than half a period ago (and not the placeholder) does nothing:
that is a duplicate delivery of the same event. Runs in one process are serialised per secret.

AWS Secrets Manager drives its own four steps (:func:`create_secret`, :func:`set_secret`, :func:`test_secret`,
:func:`finish_secret`), built on the same pieces: the key is written as AWSPENDING first and becomes AWSCURRENT only
once the vendor accepts it. Secrets Manager also starts a rotation at once whenever the rotation rules change (the
AWS provider calls ``RotateSecret`` with ``RotateImmediately`` on every update of the schedule, e.g. a new
``every_days``): while the current key is younger than half a period, ``createSecret`` writes nothing and the other
steps finish cleanly on the empty version, so the previous key is not revoked early.

Only key ids and step names are logged, never a value.
"""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Optional, Protocol

from . import logsafe

__all__ = [
    "MAX_LIVE",
    "ORPHAN_GRACE",
    "PLACEHOLDER",
    "PROBE_DELAYS",
    "STEPS",
    "LiveKey",
    "Minted",
    "Outcome",
    "RetryLater",
    "RotationError",
    "RotationInProgress",
    "StagedStore",
    "Vendor",
    "Version",
    "VersionStore",
    "create_secret",
    "due",
    "finish_secret",
    "rotate",
    "set_secret",
    "settled",
    "test_secret",
]

PLACEHOLDER = "ai-keys:first-key-pending"
"""The first version's value when the rotator makes the first key: never a key, and readers are told so."""

MAX_LIVE = 2
"""The most keys live at once: the current one and the previous one."""

ORPHAN_GRACE = timedelta(minutes=30)
"""How old an unstored key must be before a run revokes it as left over. Younger, it may belong to a run still in
progress (between minting and storing): no run lasts this long (Lambda stops a function at 15 minutes, an
event-driven Cloud Run function at 9, and an Azure Flex Consumption function at 30 by default)."""

PROBE_DELAYS: tuple[float, ...] = (2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0)
"""Seconds between probes of a new key (about 3.5 minutes in all): API Gateway gives no figure for how long a new
key takes to work ("always a brief delay ... no workaround", awsdocs/aws-secrets-manager-docs#5)."""

STEPS = ("read", "orphans", "revoke-previous", "guard", "mint", "probe", "write")
"""The steps of one rotation, in order, as passed to ``on_step`` (a test may raise there to crash the run)."""

log = logging.getLogger("aikeys_rotator")

OnStep = Callable[[str], None]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Version:
    """One version of the secret as the store keeps it."""

    ref: str
    """The store's id of the version (AWS VersionId, GCP version name, Key Vault version id)."""
    value: Optional[str] = field(repr=False)
    """The stored value (``None`` where the store will not give it back, e.g. an expired Key Vault version)."""
    key_id: Optional[str] = None
    """The vendor's id of the key, from the version's metadata (``None`` where the store keeps none)."""
    written_at: Optional[datetime] = None
    """When the version was written."""

    @property
    def is_placeholder(self) -> bool:
        """Whether this is the first version written before the rotator made the first key."""
        return self.value == PLACEHOLDER


@dataclass(frozen=True)
class Minted:
    """A key the vendor just made."""

    key_id: str
    """The vendor's id of the key (never secret)."""
    value: str = field(repr=False)
    """The key itself."""


@dataclass(frozen=True)
class LiveKey:
    """A key of the rotator's own that the vendor still accepts."""

    key_id: str
    created_at: Optional[datetime] = None
    """When the vendor made it (``None`` if the vendor does not say)."""


@dataclass(frozen=True)
class Outcome:
    """What one run (or one AWS step) did."""

    action: str
    """``rotated``, ``not-due``, ``not-placeholder``, ``pending-written``, ``pending-exists``, ``already-current``,
    ``set``, ``tested`` or ``finished`` (or ``ignored``, from an entry given an event that is not its own)."""
    key_id: Optional[str] = None
    """The key the run made (``rotated``, ``pending-written``) or found current."""
    revoked: tuple[str, ...] = ()
    """The keys the run revoked."""


class RotationError(Exception):
    """A rotation could not finish; the store still holds a key that works."""


class RetryLater(RotationError):  # noqa: N818 - the design's name: "retry later" is the whole message
    """The rotation should be retried later (the platform's retry does that)."""


class RotationInProgress(RetryLater):
    """Two keys are live besides the one a run would make: another rotation is under way."""


class VersionStore(Protocol):
    """The store's side of a rotation: versions of one secret."""

    @property
    def ref(self) -> str:
        """The secret's reference (runs on one secret are serialised on it)."""
        ...

    def current(self) -> Optional[Version]:
        """The version readers get, or ``None`` if the secret has none."""
        ...

    def previous(self) -> Optional[Version]:
        """The version before the current one that readers may still hold, or ``None``."""
        ...

    def write_current(self, value: str, key_id: Optional[str]) -> None:
        """Write ``value`` as the current version (the old current becomes previous), labelled with ``key_id``."""
        ...

    def forget(self, key_id: str) -> None:
        """Drop the label of a left-over key from whatever version carries it (a no-op where there are none).

        A store with labels also drops them from every version older than the previous one when it writes.
        """
        ...


class StagedStore(VersionStore, Protocol):
    """A store that stages a version before promoting it (AWS Secrets Manager's AWSPENDING)."""

    def pending(self, token: str) -> Optional[Version]:
        """The staged version of this rotation, or ``None`` if it holds no value yet."""
        ...

    def write_pending(self, token: str, value: str, key_id: str) -> None:
        """Stage ``value`` as this rotation's pending version."""
        ...

    def promote(self, token: str) -> None:
        """Make this rotation's pending version current (idempotent)."""
        ...

    def abandon(self, token: str) -> None:
        """End this rotation without a new key: its version (which holds no value) stops being pending."""
        ...


class Vendor(Protocol):
    """The issuer's side of a rotation: the keys of one parent (an IAM user, a usage plan, a project, an account)."""

    slots: bool
    """Whether keys are fixed slots (Azure's key1/key2) rather than keys made and deleted."""
    identifies: bool
    """Whether :meth:`identify` finds any live key of the rotator's from its value (so ``None`` means "not live")."""

    def live_keys(self) -> Sequence[LiveKey]:
        """The rotator's own keys the vendor accepts now."""
        ...

    def identify(self, value: str) -> Optional[str]:
        """The id of the key whose value is ``value``, or ``None`` if the vendor cannot tell."""
        ...

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Make a key (a slot vendor regenerates the slot that is not ``current_key_id``)."""
        ...

    def revoke(self, key_id: str) -> None:
        """Make the key stop working for good (idempotent: a key already gone is fine)."""
        ...

    def probe(self, value: str) -> bool:
        """Whether the vendor accepts the key yet (``True`` where there is nothing to probe)."""
        ...


_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def _run_lock(ref: str) -> threading.Lock:
    """One lock per secret: two runs in one process (a function instance serving two events) never overlap."""
    with _locks_guard:
        return _locks.setdefault(ref, threading.Lock())


def _stepper(on_step: Optional[OnStep]) -> OnStep:
    def step(name: str) -> None:
        log.debug("step %s", name)
        if on_step is not None:
            on_step(name)

    return step


def due(current: Optional[Version], every_days: int, now: datetime) -> bool:
    """Whether a rotation is due: no key yet, or the current one written at least half a period ago.

    Half, not a whole period: the platform's schedule is not tied to when the rotator wrote, so the next event may
    come a little before a whole period has passed since the write; a duplicate delivery comes much sooner.
    """
    if current is None or current.is_placeholder or current.written_at is None:
        return True
    return now - current.written_at >= timedelta(days=every_days) / 2


def settled(current: Optional[Version], every_days: int, now: datetime) -> bool:
    """Whether the current version holds a key (not the placeholder) that is not due: a run now must not rotate."""
    return _is_key(current) and not due(current, every_days, now)


def _is_key(version: Optional[Version]) -> bool:
    return version is not None and not version.is_placeholder


def _key_id(vendor: Vendor, version: Optional[Version]) -> Optional[str]:
    """The vendor's id of the key a version holds: its label, else asked of the vendor."""
    if version is None or version.is_placeholder:
        return None
    if version.key_id:
        return version.key_id
    if version.value is None:
        return None
    return vendor.identify(version.value)


def _prepare(
    store: VersionStore,
    vendor: Vendor,
    current: Optional[Version],
    previous: Optional[Version],
    now: datetime,
    orphan_grace: timedelta,
    step: OnStep,
) -> tuple[Optional[str], list[str]]:
    """Steps a) to c): returns the current key's id and the keys revoked."""
    current_id = _key_id(vendor, current)
    previous_id = _key_id(vendor, previous)
    if previous_id is not None and previous_id == current_id:
        previous_id = None  # one key stored twice: revoking "previous" would revoke the current key
    log.info("current key %s, previous key %s", current_id or "-", previous_id or "-")
    revoked: list[str] = []
    if vendor.slots:
        return current_id, revoked
    step("orphans")
    unknown = (_is_key(current) and current_id is None) or (_is_key(previous) and previous_id is None)
    if unknown and not vendor.identifies:
        # Without the ids of both stored keys, any other key might be one of them: revoke nothing.
        log.warning("cannot tell which keys the store holds: left-over keys are kept")
    else:
        keep = {current_id, previous_id} - {None}
        for key in vendor.live_keys():
            if key.key_id in keep:
                continue
            if key.created_at is not None and now - key.created_at < orphan_grace:
                log.info("key %s is not stored but new: another run may be storing it", key.key_id)
                continue
            log.info("revoking left-over key %s", key.key_id)
            vendor.revoke(key.key_id)
            store.forget(key.key_id)
            revoked.append(key.key_id)
    step("revoke-previous")
    if previous_id is not None:
        log.info("revoking previous key %s", previous_id)
        vendor.revoke(previous_id)
        revoked.append(previous_id)
    step("guard")
    live = vendor.live_keys()
    if len(live) >= MAX_LIVE:
        ids = ", ".join(key.key_id for key in live)
        raise RotationInProgress(f"{len(live)} keys are live ({ids}): another rotation may be under way")
    return current_id, revoked


def _discard(vendor: Vendor, new: Minted) -> None:
    """Revoke a key that was made but will not be stored (best effort: a failure leaves it for the next run)."""
    if vendor.slots:
        return
    try:
        vendor.revoke(new.key_id)
        log.info("revoked unstored key %s", new.key_id)
    except Exception as error:  # the next run revokes it as left over
        log.warning("could not revoke unstored key %s: %s", new.key_id, type(error).__name__)


def _mint(vendor: Vendor, current_id: Optional[str], step: OnStep) -> Minted:
    """Step d), first half: make the key; if a concurrent run made one too, back off."""
    step("mint")
    new = vendor.mint(current_id)
    logsafe.hide(new.value)
    log.info("minted key %s", new.key_id)
    if not vendor.slots:
        live = vendor.live_keys()
        if len(live) > MAX_LIVE:
            _discard(vendor, new)
            raise RotationInProgress(f"{len(live)} keys were live after minting: another rotation is under way")
    return new


def _probe(vendor: Vendor, new: Minted, sleep: Sleep, delays: Sequence[float], step: OnStep, discard: bool) -> None:
    """Step d), second half: wait (bounded) until the vendor accepts the new key."""
    step("probe")
    try:
        for delay in (0.0, *delays):
            if delay:
                sleep(delay)
            if vendor.probe(new.value):
                log.info("key %s accepted", new.key_id)
                return
    except Exception:
        if discard:
            _discard(vendor, new)
        raise
    if discard:
        _discard(vendor, new)
    raise RetryLater(f"key {new.key_id} was not accepted after {len(delays) + 1} probes")


def _write(vendor: Vendor, new: Minted, write: Callable[[], None], holds: Callable[[], Optional[bool]]) -> None:
    """Step e): store the key; if the write fails and the store did not take it, revoke the key."""
    try:
        write()
    except Exception:
        try:
            taken = holds()
        except Exception:
            taken = None  # cannot tell: keep the key (the next run revokes it if it is not stored)
        if taken is False:
            _discard(vendor, new)
        raise
    log.info("stored key %s", new.key_id)


def rotate(
    store: VersionStore,
    vendor: Vendor,
    every_days: int,
    now: datetime,
    force: bool = False,
    *,
    first_key_only: bool = False,
    sleep: Sleep = time.sleep,
    probe_delays: Sequence[float] = PROBE_DELAYS,
    orphan_grace: timedelta = ORPHAN_GRACE,
    on_step: Optional[OnStep] = None,
) -> Outcome:
    """One rotation of ``store``'s key (steps a to e above); see the module docstring.

    ``force`` rotates even when not due; ``first_key_only`` rotates only while the current version is the
    placeholder (an event about a new version). ``now`` is the current time (aware, UTC).
    """
    logsafe.install()
    step = _stepper(on_step)
    with _run_lock(store.ref):
        step("read")
        current = store.current()
        if current is not None and current.value is not None:
            logsafe.hide(current.value)
        if first_key_only and current is not None and not current.is_placeholder:
            log.info("current version holds a key already: nothing to do")
            return Outcome("not-placeholder", current.key_id)
        if not force and not due(current, every_days, now):
            log.info("current version written less than half a period ago: nothing to do")
            return Outcome("not-due", current.key_id if current else None)
        previous = store.previous()
        if previous is not None and previous.value is not None:
            logsafe.hide(previous.value)
        current_id, revoked = _prepare(store, vendor, current, previous, now, orphan_grace, step)
        new = _mint(vendor, current_id, step)
        _probe(vendor, new, sleep, probe_delays, step, discard=True)
        step("write")

        def holds() -> Optional[bool]:
            stored = store.current()
            return stored is not None and (stored.key_id == new.key_id or stored.value == new.value)

        _write(vendor, new, lambda: store.write_current(new.value, new.key_id), holds)
        return Outcome("rotated", new.key_id, tuple(revoked))


def create_secret(
    store: StagedStore,
    vendor: Vendor,
    token: str,
    now: datetime,
    *,
    every_days: int,
    on_step: Optional[OnStep] = None,
) -> Outcome:
    """AWS ``createSecret``: steps a) to c), mint, and stage the key as this rotation's AWSPENDING version.

    Secrets Manager retries a step with the same token: a pending version already written makes this a no-op.
    It runs one rotation of a secret at a time, so a key on a pending version of another token is left over from
    a failed rotation and is revoked at once (no grace).

    A current key younger than half a period (:func:`settled`) makes it a no-op too: Secrets Manager rotates at
    once whenever the rotation rules change, and revoking the previous key then would cut its period short. The
    other steps then finish on the empty version (:func:`test_secret`, :func:`finish_secret`).
    """
    logsafe.install()
    step = _stepper(on_step)
    with _run_lock(store.ref):
        step("read")
        pending = store.pending(token)
        if pending is not None:
            log.info("pending version of this rotation exists (key %s): nothing to do", pending.key_id or "-")
            return Outcome("pending-exists", pending.key_id)
        current = store.current()
        if current is not None and current.ref == token:
            return Outcome("already-current", current.key_id)
        if settled(current, every_days, now):
            assert current is not None
            log.info("current key %s written less than half a period ago: nothing to do", current.key_id or "-")
            return Outcome("not-due", current.key_id)
        previous = store.previous()
        current_id, revoked = _prepare(store, vendor, current, previous, now, timedelta(0), step)
        new = _mint(vendor, current_id, step)
        step("write")

        def holds() -> Optional[bool]:
            staged = store.pending(token)
            return staged is not None and (staged.key_id == new.key_id or staged.value == new.value)

        _write(vendor, new, lambda: store.write_pending(token, new.value, new.key_id), holds)
        return Outcome("pending-written", new.key_id, tuple(revoked))


def set_secret(store: StagedStore, token: str) -> Outcome:
    """AWS ``setSecret``: nothing to do, the vendor made the key itself in ``createSecret``."""
    log.info("set_secret: the vendor holds the key already")
    return Outcome("set")


def test_secret(
    store: StagedStore,
    vendor: Vendor,
    token: str,
    *,
    every_days: int,
    now: datetime,
    sleep: Sleep = time.sleep,  # noqa: PT028 - not a test: AWS names this step testSecret
    probe_delays: Sequence[float] = PROBE_DELAYS,  # noqa: PT028
    on_step: Optional[OnStep] = None,  # noqa: PT028
) -> Outcome:
    """AWS ``testSecret``: probe the pending key (with retries) until the vendor accepts it.

    A key never accepted fails the step; Secrets Manager then fails the rotation and the next ``createSecret``
    revokes the key as left over. A rotation whose ``createSecret`` wrote nothing (the current key is not due) has
    nothing to test.
    """
    logsafe.install()
    step = _stepper(on_step)
    pending = store.pending(token)
    if pending is None or pending.value is None:
        current = store.current()
        if current is not None and current.ref == token:
            return Outcome("already-current", current.key_id)
        if settled(current, every_days, now):
            assert current is not None
            log.info("test_secret: no new key in this rotation, key %s stays current", current.key_id or "-")
            return Outcome("not-due", current.key_id)
        raise RetryLater("this rotation has no pending value to test")
    logsafe.hide(pending.value)
    _probe(vendor, Minted(pending.key_id or "-", pending.value), sleep, probe_delays, step, discard=False)
    return Outcome("tested", pending.key_id)


def finish_secret(store: StagedStore, token: str, *, every_days: int, now: datetime, on_step: Optional[OnStep] = None) -> Outcome:
    """AWS ``finishSecret``: make the pending version current (its old current becomes AWSPREVIOUS).

    A rotation whose ``createSecret`` wrote nothing (the current key is not due) ends without a new key: its empty
    version stops being pending, so the next rotation may start. An empty version never becomes current.
    """
    step = _stepper(on_step)
    step("write")
    pending = store.pending(token)
    current = store.current()
    if (pending is None or pending.value is None) and not (current is not None and current.ref == token):
        if not settled(current, every_days, now):
            raise RetryLater("this rotation has no pending value to make current")
        assert current is not None
        store.abandon(token)
        log.info("finished without a new key: key %s stays current", current.key_id or "-")
        return Outcome("not-due", current.key_id)
    store.promote(token)
    current = store.current()
    log.info("finished: key %s is current", current.key_id if current and current.key_id else "-")
    return Outcome("finished", current.key_id if current else None)
