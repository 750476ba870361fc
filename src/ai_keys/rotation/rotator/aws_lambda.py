"""The AWS Lambda entry: Secrets Manager's rotation steps.

Secrets Manager invokes the function with ``{"Step", "SecretId", "ClientRequestToken", "RotationToken"}`` once per
step, ``create_secret``, ``set_secret``, ``test_secret``, ``finish_secret`` (AWS's template spells them
``createSecret``...; both are accepted). ``ClientRequestToken`` is the new version's id; ``RotationToken`` is passed
to every ``PutSecretValue`` (docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html). A step
retried with the same token does nothing twice.

While the current key is younger than half a period, every step is a no-op (``not-due``): Secrets Manager rotates at
once whenever the rotation rules change (a new ``every_days``), and that rotation must not revoke the previous key
early. ``createSecret`` then writes no value, and the later steps finish cleanly whether the token names an empty
version or none at all.
"""

import logging
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from . import engine
from .assemble import build
from .begin import begin
from .store_aws import AwsStore, TokenError

__all__ = ["STEPS", "UnknownStepError", "handler"]

STEPS = ("create_secret", "set_secret", "test_secret", "finish_secret")
log = logging.getLogger("aikeys_rotator")


class UnknownStepError(ValueError):
    """The event's ``Step`` is none of the four."""


def _step_name(raw: Any) -> str:
    """``createSecret`` or ``create_secret`` -> ``create_secret``."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", str(raw or "")).lower()
    if name not in STEPS:
        raise UnknownStepError(f"unknown rotation step {raw!r}: expected one of {', '.join(STEPS)}")
    return name


def handler(
    event: Mapping[str, Any],
    context: Any = None,
    *,
    env: Optional[Mapping[str, str]] = None,
    now: Optional[datetime] = None,
    sleep: Callable[[float], None] = time.sleep,
    on_step: Optional[Callable[[str], None]] = None,
) -> dict[str, Any]:
    """Run one rotation step. ``env``, ``now``, ``sleep`` and ``on_step`` are for tests (default: the real ones)."""
    step = _step_name(event.get("Step"))
    token = str(event["ClientRequestToken"])
    settings = begin(env)
    at = now or datetime.now(timezone.utc)
    parts = build(settings, now=lambda: at, sleep=sleep, rotation_token=event.get("RotationToken"))
    store = parts.store
    assert isinstance(store, AwsStore)
    secret = str(event.get("SecretId") or "")
    if secret and secret != settings.secret:
        raise ValueError("the event names another secret than AIKEYS_SECRET")
    log.info("step %s of rotation %s", step, token)
    try:
        state = store.check_token(token)
    except TokenError:
        current = store.current()
        if not engine.settled(current, settings.every_days, at):
            raise
        assert current is not None
        log.info("no pending version %s and key %s is not due: nothing to do", token, current.key_id or "-")
        return {"step": step, "action": "not-due", "key_id": current.key_id, "revoked": []}
    if state == "current":
        log.info("version %s is AWSCURRENT already: nothing to do", token)
        return {"step": step, "action": "already-current"}
    days = settings.every_days
    if step == "create_secret":
        outcome = engine.create_secret(store, parts.vendor, token, at, every_days=days, on_step=on_step)
    elif step == "set_secret":
        outcome = engine.set_secret(store, token)
    elif step == "test_secret":
        outcome = engine.test_secret(store, parts.vendor, token, every_days=days, now=at, sleep=sleep, on_step=on_step)
    else:
        outcome = engine.finish_secret(store, token, every_days=days, now=at, on_step=on_step)
    return {"step": step, "action": outcome.action, "key_id": outcome.key_id, "revoked": list(outcome.revoked)}
