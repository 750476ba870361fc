"""The GCP entry: a Cloud Run function (2nd gen) on the secret's Pub/Sub topic.

Secret Manager publishes a message per event on the secret's topics; its attribute ``eventType`` says which
(cloud.google.com/secret-manager/docs/event-notifications): ``SECRET_ROTATE`` when a rotation is due, and
``SECRET_VERSION_ADD`` when a version is added -- handled only while the current version is the placeholder (the
deploy's first version: the rotator makes the first key); the rotator's own writes then do nothing. Every other
event type is ignored. The function is deployed with ``max_instance_count=1``, so runs do not overlap, and with
retries on failure.

``main`` takes the CloudEvent functions-framework passes (``.data`` or ``["data"]`` holding the Pub/Sub
``{"message": {"attributes", "data"}, "subscription"}``), or the same as a plain dict.
"""

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from . import engine
from .assemble import build
from .begin import begin
from .store_gcp import GcpStore

__all__ = ["main", "message_attributes"]

log = logging.getLogger("aikeys_rotator")


def _data(cloud_event: Any) -> Any:
    data = getattr(cloud_event, "data", None)
    if data is None:
        try:
            data = cloud_event["data"]
        except (KeyError, TypeError, IndexError):
            data = None
    if data is None and isinstance(cloud_event, Mapping) and "message" in cloud_event:
        data = cloud_event
    return data


def message_attributes(cloud_event: Any) -> dict[str, str]:
    """The Pub/Sub message's attributes (``eventType``, ``secretId``...), ``{}`` if there are none."""
    data = _data(cloud_event)
    if not isinstance(data, Mapping):
        return {}
    message = data.get("message")
    if not isinstance(message, Mapping):
        return {}
    attributes = message.get("attributes") or {}
    return {str(k): str(v) for k, v in attributes.items()} if isinstance(attributes, Mapping) else {}


def main(
    cloud_event: Any,
    *,
    env: Optional[Mapping[str, str]] = None,
    now: Optional[datetime] = None,
    sleep: Callable[[float], None] = time.sleep,
    on_step: Optional[Callable[[str], None]] = None,
) -> str:
    """Handle one Secret Manager event; returns what was done. ``env``, ``now``, ``sleep``, ``on_step``: tests."""
    settings = begin(env)
    attributes = message_attributes(cloud_event)
    event_type = attributes.get("eventType", "")
    secret = attributes.get("secretId")
    if secret and secret != settings.secret:
        log.info("event %s for another secret: ignored", event_type)
        return "ignored"
    if event_type not in ("SECRET_ROTATE", "SECRET_VERSION_ADD"):
        log.info("event %s: ignored", event_type or "-")
        return "ignored"
    at = now or datetime.now(timezone.utc)
    parts = build(settings, now=lambda: at, sleep=sleep)
    log.info("event %s", event_type)
    outcome = engine.rotate(
        parts.store,
        parts.vendor,
        settings.every_days,
        at,
        first_key_only=event_type == "SECRET_VERSION_ADD",
        sleep=sleep,
        on_step=on_step,
    )
    if isinstance(parts.store, GcpStore):
        # Also after a run that wrote nothing: a crash between a write and its clean-up leaves a third version.
        parts.store.destroy_old()
    return outcome.action
