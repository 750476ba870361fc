"""Customer-managed KMS keys for a Secrets Manager secret: one per region the secret lives in."""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from ...rules import EncryptionSpec, KeySpec
from .._inputs import str_input

DEFAULT_KEY_ROTATION_DAYS = 365


@dataclass(frozen=True)
class RegionalKey:
    """A key for one region; ``created`` is False for a key the user brought."""

    region: Optional[str]
    """None for the primary (provider) region."""
    key_arn: "pulumi.Output[str]"
    created: bool


def _alias_prefix(name: str) -> str:
    # Alias names are at most 256 characters and the provider appends 26 to a prefix: keep the prefix short.
    return "alias/ai-keys/" + re.sub(r"[^A-Za-z0-9/_-]", "-", name)[:200] + "-"


def create_keys(
    name: str,
    encryption: EncryptionSpec,
    replica_regions: Sequence[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
    *,
    keep: bool = False,
) -> tuple[RegionalKey, dict[str, RegionalKey]]:
    """The primary key and one key per replica region, created or brought by the user. With ``keep``, a created
    key the program stops using is left in AWS (``retain_on_delete``) instead of being scheduled for deletion."""
    if not encryption.create_key:
        primary = RegionalKey(None, pulumi.Output.from_input(str_input(encryption.key_id)), created=False)
        replicas = {
            r: RegionalKey(r, pulumi.Output.from_input(encryption.replica_key_ids[r]), created=False) for r in replica_regions
        }
        return primary, replicas
    rotation_days = encryption.key_rotation_days or DEFAULT_KEY_ROTATION_DAYS
    primary = _created_key(f"{name}-key", None, name, rotation_days, tags, parent, keep)
    replicas = {r: _created_key(f"{name}-key-{r}", r, name, rotation_days, tags, parent, keep) for r in replica_regions}
    return primary, replicas


def _created_key(
    resource_name: str,
    region: Optional[str],
    name: str,
    rotation_days: int,
    tags: dict[str, str],
    parent: pulumi.Resource,
    keep: bool,
) -> RegionalKey:
    key = aws.kms.Key(
        resource_name,
        description=f"Encrypts the {name} API key in Secrets Manager",
        enable_key_rotation=True,
        rotation_period_in_days=rotation_days,
        deletion_window_in_days=30,
        region=region,
        tags=tags or None,
        opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True if keep else None),
    )
    aws.kms.Alias(
        f"{resource_name}-alias",
        name_prefix=_alias_prefix(name),
        target_key_id=key.key_id,
        region=region,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return RegionalKey(region, key.arn, created=True)


def reader_grants(name: str, key: RegionalKey, spec: KeySpec, secret_arn: "pulumi.Output[str]", parent: pulumi.Resource) -> None:
    """A user's own key: grant each reader Decrypt, constrained to this secret's encryption context. Each grant
    is keyed by the reader's name or principal (never its list position), so editing readers leaves the grants
    of the readers that stay untouched."""
    suffix = f"-{key.region}" if key.region else ""
    for index, reader in enumerate(spec.readers):
        aws.kms.Grant(
            f"{name}-reader-{grant_label(spec, index)}-key-grant{suffix}",
            key_id=key.key_arn,
            grantee_principal=reader,
            operations=["Decrypt"],
            constraints=[aws.kms.GrantConstraintArgs(encryption_context_subset={"SecretARN": secret_arn})],
            region=key.region,
            opts=pulumi.ResourceOptions(parent=parent),
        )


def grant_label(spec: KeySpec, index: int) -> str:
    """The name given in ``readers_by_name``, or a short digest of a principal ARN (ARNs hold ``::``, which a
    URN cannot)."""
    if spec.reader_names[index] is not None:
        return str(spec.reader_names[index])
    key = spec.reader_key(index)
    if key is None:  # refused by the rules before anything is registered
        raise ValueError(f"{spec.reader_path(index)} has no stable key")
    return hashlib.sha256(key.encode()).hexdigest()[:12]
