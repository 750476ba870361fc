"""Cloud KMS keys (CMEK) for a Secret Manager secret: one key per location the secret's data lives in,
each usable by the Secret Manager service agent before the secret exists."""

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from ..spec.gcp_secret_manager import GcpEncryption

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
    keep_keys: bool,
    parent: pulumi.Resource,
) -> LocationKeys:
    """Create (or take the user's) key in every location and grant the Secret Manager agent each of them."""
    key_ids: dict[str, pulumi.Output[str]] = {}
    grants: list[gcp.kms.CryptoKeyIAMMember] = []
    for location in encryption.locations:
        if encryption.create_key:
            key_ids[location] = _created_key(name, location, encryption, project, labels, keep_keys, parent)
        else:
            key_ids[location] = pulumi.Output.from_input(encryption.brought_keys[location])
        grants.append(
            gcp.kms.CryptoKeyIAMMember(
                f"{name}-key-grant-{location}",
                crypto_key_id=key_ids[location],
                role=ENCRYPTER_DECRYPTER,
                member=agent_member,
                # A key you bring is often shared by other secrets of the project, which rely on this same
                # (non-authoritative) binding of the project's Secret Manager agent, and versions written before a
                # switch to another key stay encrypted with it: deleting the grant would make those secrets
                # unreadable. So the grant on your key is left in place when the component stops using it.
                opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True if not encryption.create_key else None),
            )
        )
    return LocationKeys(key_ids, grants)


def _created_key(
    name: str,
    location: str,
    encryption: GcpEncryption,
    project: "Optional[pulumi.Input[str]]",
    labels: dict[str, str],
    keep_keys: bool,
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
        # Versions already written stay encrypted with this key even after the secret moves to another one:
        # with deletion protection on, a key the program stops using is left in GCP, never destroyed.
        deletion_policy="ABANDON" if keep_keys else "DELETE",
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key.id
