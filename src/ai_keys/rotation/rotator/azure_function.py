"""The Azure entry: an Event Grid event from the vault, as a dict (``eventType``, ``subject``, ``data``).

Handled (learn.microsoft.com/azure/event-grid/event-schema-key-vault): ``Microsoft.KeyVault.SecretNearExpiry``
(published 30 days before the current version expires: a rotation is due) and
``Microsoft.KeyVault.SecretNewVersionCreated`` (only while the current version is the placeholder: the rotator
makes the first key; its own writes then do nothing). ``data`` carries ``ObjectName`` and ``Version`` (PascalCase in
Event Grid's own schema, camelCase in some SDKs: both are read). A near-expiry notice for a version that is no
longer current is ignored.

:func:`check` runs once a day (a timer): it rotates a key whose near-expiry notice never came, because rotation was
turned on for a secret written before (a version without an expiry, which Key Vault never announces) or because Event
Grid gave up on a delivery. It rotates only what is due a whole period after its write, so the schedule the notices
keep stays the same, and the previous key still lives at least one period.
"""

import logging
import os
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from . import engine, logsafe
from .assemble import build
from .settings import Settings

__all__ = ["NEAR_EXPIRY", "NEW_VERSION", "check", "rotate"]

NEAR_EXPIRY = "Microsoft.KeyVault.SecretNearExpiry"
NEW_VERSION = "Microsoft.KeyVault.SecretNewVersionCreated"
log = logging.getLogger("aikeys_rotator")


def _field(data: Mapping[str, Any], name: str) -> Optional[str]:
    for key in (name, name[0].lower() + name[1:], name.lower()):
        value = data.get(key)
        if value is not None:
            return str(value)
    return None


def rotate(
    event: Mapping[str, Any],
    *,
    env: Optional[Mapping[str, str]] = None,
    now: Optional[datetime] = None,
    sleep: Callable[[float], None] = time.sleep,
    on_step: Optional[Callable[[str], None]] = None,
) -> str:
    """Handle one Key Vault event; returns what was done. ``env``, ``now``, ``sleep``, ``on_step``: tests."""
    logsafe.install()
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    settings = Settings.from_env(os.environ if env is None else env)
    event_type = str(event.get("eventType") or event.get("type") or "")
    data = event.get("data") or {}
    if not isinstance(data, Mapping):
        data = {}
    if event_type not in (NEAR_EXPIRY, NEW_VERSION):
        log.info("event %s: ignored", event_type or "-")
        return "ignored"
    name = _field(data, "ObjectName") or str(event.get("subject") or "")
    at = now or datetime.now(timezone.utc)
    parts = build(settings, now=lambda: at, sleep=sleep)
    store_name = parts.store.ref.rstrip("/").rsplit("/", 1)[-1]
    if name and name != store_name:
        log.info("event %s for another secret: ignored", event_type)
        return "ignored"
    version = _field(data, "Version")
    if event_type == NEAR_EXPIRY and version:
        current = parts.store.current()
        if current is not None and current.ref != version:
            log.info("near-expiry notice for version %s, which is no longer current: ignored", version)
            return "ignored"
    log.info("event %s", event_type)
    outcome = engine.rotate(
        parts.store,
        parts.vendor,
        settings.every_days,
        at,
        first_key_only=event_type == NEW_VERSION,
        sleep=sleep,
        on_step=on_step,
    )
    return outcome.action


def check(
    *,
    env: Optional[Mapping[str, str]] = None,
    now: Optional[datetime] = None,
    sleep: Callable[[float], None] = time.sleep,
    on_step: Optional[Callable[[str], None]] = None,
) -> str:
    """The daily check; returns what was done. ``env``, ``now``, ``sleep``, ``on_step``: tests."""
    logsafe.install()
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    settings = Settings.from_env(os.environ if env is None else env)
    at = now or datetime.now(timezone.utc)
    parts = build(settings, now=lambda: at, sleep=sleep)
    current = parts.store.current()
    if current is not None and current.value is not None:
        logsafe.hide(current.value)
    # A whole period, not the engine's half: the notices rotate a whole period after each write, and this check
    # must not run ahead of them.
    written = current.written_at if current is not None and not current.is_placeholder else None
    if written is not None and at - written < timedelta(days=settings.every_days):
        log.info("daily check: current version written less than a period ago: nothing to do")
        return "not-due"
    log.info("daily check: a rotation is due")
    outcome = engine.rotate(parts.store, parts.vendor, settings.every_days, at, sleep=sleep, on_step=on_step)
    return outcome.action
