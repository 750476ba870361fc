"""Cloud KMS keys (CMEK) for a Secret Manager secret: one key per location the secret's data lives in,
each usable by the Secret Manager service agent before the secret exists."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from .rules import GcpEncryption

ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
CRYPTO_KEY_NAME = "api-key"


@dataclass(frozen=True)
class LocationKeys:
    """The key per location and the grants the secret must wait for."""

    key_ids: dict[str, "pulumi.Output[str]"]
    """Location (``global`` or a replica location) -> CryptoKey id."""
    grants: list[gcp.kms.CryptoKeyIAMMember]


def keys(
    name: str,
    encryption: GcpEncryption,
    project: "Optional[pulumi.Input[str]]",
    agent_member: "pulumi.Output[str]",
    labels: dict[str, str],
    parent: pulumi.Resource,
    *,
    after: "Sequence[pulumi.Resource]" = (),
) -> LocationKeys:
    """Create (or take the user's) key in every location and grant the Secret Manager agent each of them.

    ``after``: what the grants wait for (the wait after the agent is first created, so IAM knows the account).
    """
    key_ids: dict[str, pulumi.Output[str]] = {}
    grants: list[gcp.kms.CryptoKeyIAMMember] = []
    for location in encryption.locations:
        if encryption.create_key:
            key_ids[location] = _created_key(name, location, encryption, project, labels, parent)
        else:
            key_ids[location] = pulumi.Output.from_input(encryption.brought_keys[location])
        grants.append(
            gcp.kms.CryptoKeyIAMMember(
                f"{name}-key-grant-{location}",
                crypto_key_id=key_ids[location],
                role=ENCRYPTER_DECRYPTER,
                member=agent_member,
                # Versions written before a switch to another key (or to Google's keys) stay encrypted with this
                # one: Secret Manager applies a key change to new versions only. A key you bring is also often
                # shared by other secrets, which rely on this same (non-authoritative) binding of the project's
                # agent. Deleting the grant would make those versions unreadable, so it is always left in place.
                opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True, depends_on=list(after)),
            )
        )
    return LocationKeys(key_ids, grants)


def _created_key(
    name: str,
    location: str,
    encryption: GcpEncryption,
    project: "Optional[pulumi.Input[str]]",
    labels: dict[str, str],
    parent: pulumi.Resource,
) -> "pulumi.Output[str]":
    ring = gcp.kms.KeyRing(
        f"{name}-keyring-{location}",
        # Key rings can never be deleted, so their names can never be reused: leave the name to Pulumi's
        # auto-naming (a random suffix per creation), so a destroyed and re-created stack never collides.
        location=location,
        project=project,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    key = gcp.kms.CryptoKey(
        f"{name}-key-{location}",
        name=CRYPTO_KEY_NAME,
        key_ring=ring.id,
        purpose="ENCRYPT_DECRYPT",
        rotation_period=encryption.key_rotation_period,
        labels=labels or None,
        # Versions already written stay encrypted with this key even after the secret moves to another one, so
        # a key the program stops using is left in GCP, never destroyed (key rings cannot be deleted anyway).
        deletion_policy="ABANDON",
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key.id
