"""Rotation notices for a Secret Manager secret: a schedule that does not drift between deploys, and a
Pub/Sub topic the Secret Manager service agent may publish to.

Secret Manager only *notifies*: at ``next_rotation_time`` it publishes to the secret's topics and moves
``next_rotation_time`` on by ``rotation_period``. So the schedule is anchored, not relative to "now": the
notices fall on ``ANCHOR + offset + k * period``, with ``offset`` a stable hash of the component, and every
deploy computes the first such time that is at least ``MARGIN`` ahead. Between two notices every deploy sends
the same time (no diff), and the value equals the one Secret Manager itself moves to after each notice.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from .rules import GcpRotation

ANCHOR = datetime(2025, 1, 1, tzinfo=timezone.utc)
"""The fixed origin of every rotation schedule."""
MARGIN = timedelta(minutes=15)
"""Secret Manager wants the next rotation at least 5 minutes ahead when the secret is written; the rest covers
the time a deploy takes to reach the secret."""
PUBLISHER = "roles/pubsub.publisher"


def utc_now() -> datetime:
    """The current time (a seam for tests)."""
    return datetime.now(timezone.utc)


def schedule_offset(component: str, period_seconds: int, *, project: str, stack: str) -> int:
    """Where in each period this component's notices fall: whole hours, stable per project/stack/component,
    so many keys with the same period do not all notify at the same instant."""
    hours = max(period_seconds // 3600, 1)
    digest = hashlib.sha256("\x00".join((project, stack, component)).encode()).digest()
    return (int.from_bytes(digest[:8], "big") % hours) * 3600


def next_rotation_time(period_seconds: int, offset_seconds: int, now: datetime) -> str:
    """The first ``ANCHOR + offset + k * period`` at least ``MARGIN`` after ``now``, as RFC 3339 UTC."""
    earliest = now + MARGIN
    first = ANCHOR + timedelta(seconds=offset_seconds)
    elapsed = (earliest - first).total_seconds()
    periods = max(0, -(-int(elapsed) // period_seconds))  # ceiling division, never before the anchor
    when = first + timedelta(seconds=periods * period_seconds)
    if when < earliest:  # sub-second remainder of ``elapsed``
        when += timedelta(seconds=period_seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RotationNotices:
    """What the secret needs for rotation."""

    args: gcp.secretmanager.SecretRotationArgs
    topic_id: "pulumi.Output[str]"
    publisher: gcp.pubsub.TopicIAMMember
    """The grant the secret must wait for."""


def notices(
    name: str,
    rotation: GcpRotation,
    project: "Optional[pulumi.Input[str]]",
    agent_member: "pulumi.Output[str]",
    labels: dict[str, str],
    parent: pulumi.Resource,
    *,
    after: "Sequence[pulumi.Resource]" = (),
) -> RotationNotices:
    """The topic (created unless given), the agent's publish grant on it, and the secret's rotation args.

    ``after``: what the grant waits for (the wait after the agent is first created, so IAM knows the account).
    """
    if rotation.topic_id is not None:
        topic_id: pulumi.Output[str] = pulumi.Output.from_input(rotation.topic_id)
    else:
        topic_id = gcp.pubsub.Topic(
            f"{name}-rotation-topic", project=project, labels=labels or None, opts=pulumi.ResourceOptions(parent=parent)
        ).id
    publisher = gcp.pubsub.TopicIAMMember(
        f"{name}-rotation-publisher",
        topic=topic_id,
        role=PUBLISHER,
        member=agent_member,
        # A topic you bring is typically shared by the rotation notices of many secrets, which rely on this same
        # (non-authoritative) binding of the project's Secret Manager agent: deleting it would silently stop their
        # notices. So the grant on your topic is left in place when the component stops using it.
        opts=pulumi.ResourceOptions(
            parent=parent,
            retain_on_delete=True if rotation.topic_id is not None else None,
            depends_on=list(after),
        ),
    )
    offset = schedule_offset(name, rotation.period_seconds, project=pulumi.get_project(), stack=pulumi.get_stack())
    args = gcp.secretmanager.SecretRotationArgs(
        rotation_period=f"{rotation.period_seconds}s",
        next_rotation_time=next_rotation_time(rotation.period_seconds, offset, utc_now()),
    )
    return RotationNotices(args, topic_id, publisher)
