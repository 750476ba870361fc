"""What the ``gcp-secret-manager`` backend accepts (limits from the Secret Manager and Cloud KMS APIs).

Also home of :func:`gcp_labels`, the deterministic mapping from the common ``tags`` to GCP labels.
"""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Optional

from ...errors import SecureApiKeyError
from ...rules import KeySpec
from ...rules import _checks as check
from ...rules.common import (
    CommonSpec,
    refuse_given,
    refuse_other_blocks,
    refuse_rotation_fields,
    refuse_unnamed_output_readers,
    require_value,
    utf8_size,
)
from ...rules.deploy_time import now_or_at_deploy

GCP_FIELDS = (
    "project",
    "annotations",
    "version_destroy_ttl",
    "audit_data_access",
    "iam_propagation_seconds",
    "readers_authoritative",
)
DEFAULT_IAM_PROPAGATION_SECONDS = 120
"""Google: an access change "typically" takes effect in 2 minutes, and can take 7 minutes or longer
(https://cloud.google.com/iam/docs/access-change-propagation). 120 s covers the typical case on every first deploy;
``gcp.iam_propagation_seconds`` goes up to 600 for projects that see the long tail."""
MAX_IAM_PROPAGATION_SECONDS = 600
MAX_VALUE_BYTES = 65_536
SECRET_ID_PATTERN = r"[A-Za-z0-9_-]{1,255}"
LOCATION_PATTERN = r"[a-z]+-[a-z]+[0-9]{1,2}"
"""A Secret Manager replica location: a GCP region such as ``us-central1`` or ``europe-west1``."""
PROJECT_PATTERN = r"([a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]"
GLOBAL = "global"
"""The only location a key for an automatically replicated secret may be in."""

LABEL_KEY_PATTERN = r"[a-z][a-z0-9_-]{0,62}"
LABEL_VALUE_PATTERN = r"[a-z0-9_-]{0,63}"
MAX_LABELS = 64
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_LABEL_RULE = "1-63 characters of a-z, 0-9, _ and -, starting with a letter (upper case is lowered, anything else becomes _)"

ANNOTATION_KEY_PATTERN = r"[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?"
MAX_ANNOTATIONS_BYTES = 16 * 1024
DESCRIPTION_ANNOTATION = "description"
"""Secret Manager has no description field: the common ``description`` is stored as this annotation."""

KEY_RING_NAME_MAX = 63
"""Cloud KMS key ring names: 1-63 characters of ``A-Za-z0-9_-``."""
AUTONAME_SUFFIX = 8
"""What Pulumi's auto-naming appends to a logical name: ``-`` and 7 random characters."""
TOPIC_NAME_MAX = 255
TOPIC_NAME_PATTERN = r"(?![Gg][Oo][Oo][Gg])[A-Za-z][A-Za-z0-9._~+%-]{2,254}"
"""Pub/Sub topic names: 3-255 characters, a letter first, not starting with ``goog``."""

MIN_DESTROY_TTL_SECONDS = 86_400
MAX_DESTROY_TTL_SECONDS = 1000 * 86_400
DEFAULT_KEY_ROTATION_DAYS = 90
MIN_KEY_ROTATION_DAYS = 2  # Cloud KMS: the rotation period must be longer than one day
SECONDS_PER_DAY = 86_400

KEY_ID_PATTERN = re.compile(r"projects/[^/]+/locations/(?P<location>[^/]+)/keyRings/[^/]+/cryptoKeys/[^/]+")
MEMBER_PREFIXES = ("user:", "serviceAccount:", "group:", "domain:", "principal://", "principalSet://")
_MEMBER = re.compile(
    r"(user|serviceAccount|group):[^@\s:]+@[^@\s]+\.[^@\s]+"
    r"|domain:[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+"
    r"|principal(Set)?://iam\.googleapis\.com/\S+"
)
_MEMBERS_ALLOWED = (
    "an IAM member: user:EMAIL, serviceAccount:EMAIL, group:EMAIL, domain:DOMAIN, principal://iam.googleapis.com/... "
    "or principalSet://iam.googleapis.com/..."
)
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
CONSUMER_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "qq.com",
        "163.com",
        "126.com",
    }
)
"""Mail domains anyone can get an account in: a ``domain:`` reader of one is a reader for anyone."""
# principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/* (or a workforce
# pool's /*): every identity the pool will ever federate, from any repository, cluster or tenant it trusts.
_WHOLE_POOL = re.compile(r"principalSet://iam\.googleapis\.com/.*(workloadIdentityPools|workforcePools)/[^/]+/\*")


@dataclass(frozen=True)
class GcpEncryption:
    """Customer-managed encryption: one Cloud KMS key per location the secret lives in."""

    locations: tuple[str, ...]
    """``("global",)`` for automatic replication, else the replica locations in order."""
    create_key: bool
    brought_keys: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Location -> CryptoKey id (``Input[str]``) of keys the user brings."""
    key_rotation_period: Optional[str] = None
    """Rotation period of created keys, as Cloud KMS wants it (``"7776000s"``)."""


@dataclass(frozen=True)
class GcpRotation:
    """Rotation notices: Secret Manager publishes to a Pub/Sub topic every ``period_seconds``."""

    period_seconds: int
    topic_id: Optional[Any] = None
    """An existing topic (``Input[str]``); None to create one."""


@dataclass(frozen=True)
class GcpSecretManagerOptions:
    """Resolved Secret Manager settings that are not common to every backend."""

    project: Optional[Any]
    """Project id (``Input[str]``); None for the provider's project."""
    secret_id: Optional[str]
    """Explicit secret id; None to let the provider auto-name the secret."""
    locations: tuple[str, ...]
    """User-managed replication locations; empty for automatic replication."""
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    version_destroy_ttl: Optional[str]
    encryption: Optional[GcpEncryption]
    rotation: Optional[GcpRotation]
    audit_data_access: bool = False
    """Whether to turn on Secret Manager's Data Access audit logs in the project."""
    iam_propagation_seconds: int = DEFAULT_IAM_PROPAGATION_SECONDS
    """How long each IAM wait lasts: after the service agent is first created, and after its grants are made."""
    readers_authoritative: bool = False
    """One authoritative ``SecretIamBinding`` for all readers instead of one additive grant per reader."""


def options_of(spec: KeySpec) -> GcpSecretManagerOptions:
    """This store's options in ``spec``: what :func:`validate` returned."""
    options = spec.store_options
    assert isinstance(options, GcpSecretManagerOptions)  # build_spec pairs every spec with its own store's options
    return options


def gcp_labels(tags: Mapping[str, str]) -> dict[str, str]:
    """Map ``tags`` to GCP labels deterministically, or refuse what cannot be mapped.

    Keys and values are lower-cased and every character outside ``a-z 0-9 _ -`` becomes ``_``
    (``{"Cost Center": "ML Team"}`` -> ``{"cost_center": "ml_team"}``). A key that does not then start with a
    letter, a key or value longer than 63 characters, more than 64 labels, and two tags that map to the same
    key are refused with an error naming the tag.
    """
    if len(tags) > MAX_LABELS:
        raise SecureApiKeyError("tags", f"has {len(tags)} entries", f"at most {MAX_LABELS} labels on GCP")
    labels: dict[str, str] = {}
    origin: dict[str, str] = {}
    for key, value in tags.items():
        label_key = _label_text(key)
        if not 1 <= len(label_key) <= 63:
            raise SecureApiKeyError(f"tags.{key}", f"becomes a GCP label key of {len(label_key)} characters", _LABEL_RULE)
        if not "a" <= label_key[0] <= "z":
            raise SecureApiKeyError(
                f"tags.{key}", f"becomes GCP label key {label_key!r}, which does not start with a letter", _LABEL_RULE
            )
        if label_key in origin:
            raise SecureApiKeyError(
                f"tags.{key}",
                f"becomes GCP label key {label_key!r}, the same as tags.{origin[label_key]}",
                "tag keys that stay distinct once lower-cased (GCP label keys are lower case)",
            )
        label_value = _label_text(value)
        if len(label_value) > 63:
            raise SecureApiKeyError(
                f"tags.{key}", f"becomes a GCP label value of {len(label_value)} characters", "label values of 0-63 characters"
            )
        origin[label_key] = key
        labels[label_key] = label_value
    return labels


def _label_text(text: str) -> str:
    return "".join(ch if ch in _LABEL_CHARS else "_" for ch in text.lower())


def checked_member(path: str, reader: Any) -> str:
    """A reader as an IAM member Secret Manager may grant read access to; public members are refused.

    Runs on plain readers before anything is registered, and on readers given as Outputs once they resolve.
    """
    if not isinstance(reader, str):
        raise SecureApiKeyError(path, f"resolved to {check.type_name(reader)}", _MEMBERS_ALLOWED)
    if reader in _PUBLIC_MEMBERS:
        raise SecureApiKeyError(path, f"is {reader}, which would make the key readable by anyone", _MEMBERS_ALLOWED)
    if not reader.startswith(MEMBER_PREFIXES):
        raise SecureApiKeyError(path, f"is not an IAM member this backend grants (got {check.shown(reader)})", _MEMBERS_ALLOWED)
    if _MEMBER.fullmatch(reader) is None:
        raise SecureApiKeyError(path, f"is not a well-formed IAM member (got {check.shown(reader)})", _MEMBERS_ALLOWED)
    if reader.startswith("domain:") and reader.removeprefix("domain:").lower() in CONSUMER_MAIL_DOMAINS:
        raise SecureApiKeyError(
            path,
            f"is {reader}, a mail domain anyone can sign up to, so anyone could read the key",
            "your organization's Google Workspace or Cloud Identity domain, a group:, or a serviceAccount:",
        )
    if _WHOLE_POOL.fullmatch(reader):
        raise SecureApiKeyError(
            path,
            "is every identity of a whole identity pool",
            "a principalSet:// narrowed by an attribute (e.g. .../attribute.repository/OWNER/REPO) or one principal://",
        )
    return reader


_CASE_SENSITIVE_MEMBERS = ("principal:", "principalSet:", "principalHierarchy:")


def normalized_member(member: str) -> str:
    """``member`` as IAM compares it: the part after the type is case-insensitive (``user:Jane@Example.com`` is
    ``user:jane@example.com``) except for ``principal://`` and ``principalSet://`` identities. The provider diffs
    and removes members the same way (magic-modules ``normalizeIamMemberCasing``)."""
    if member.startswith(_CASE_SENSITIVE_MEMBERS):
        return member
    kind, separator, rest = member.partition(":")
    return f"{kind}{separator}{rest.lower()}"


def check_reader_set(common: CommonSpec) -> None:
    """Rules over all readers together; run on the known ones now, and on all once Outputs resolve."""
    seen: dict[str, str] = {}
    for index, reader in enumerate(common.readers):
        if isinstance(reader, str):  # an Output is checked once it resolves
            checked_member(common.reader_path(index), reader)
            # IAM compares member emails without case: two spellings would be one binding, which removing
            # either reader would revoke for both.
            if reader.lower() in seen:
                raise SecureApiKeyError(
                    common.reader_path(index), f"is {seen[reader.lower()]} in another case", "each member once"
                )
            seen[reader.lower()] = common.reader_path(index)


def _locations(common: CommonSpec) -> tuple[str, ...]:
    for index, location in enumerate(common.replica_regions):
        check.text(
            f"replica_regions[{index}]",
            location,
            pattern=LOCATION_PATTERN,
            max_len=32,
            allowed="a GCP region such as us-central1 or europe-west1 (leave replica_regions out for automatic replication)",
        )
    return tuple(common.replica_regions)


def _key_in(path: str, key_id: Any, location: str) -> Any:
    """A brought key id: a CryptoKey id in ``location``, checked now when known and once it resolves when not (the
    secret waits for that check)."""
    return now_or_at_deploy(key_id, functools.partial(_crypto_key_in, path, location))


def _crypto_key_in(path: str, location: str, key_id: Any) -> str:
    allowed = f"a Cloud KMS CryptoKey id projects/P/locations/{location}/keyRings/R/cryptoKeys/K"
    text = check.text(path, key_id, allowed=allowed)
    match = KEY_ID_PATTERN.fullmatch(text)
    if match is None:
        raise SecureApiKeyError(path, f"is not a CryptoKey id (got {check.shown(text)})", allowed)
    if match["location"] != location:
        raise SecureApiKeyError(
            path,
            f"is in location {match['location']}, but the secret's data there is in {location}: "
            "Secret Manager needs a key in the same location as each replica",
            allowed,
        )
    return text


def _encryption(common: CommonSpec, locations: tuple[str, ...]) -> Optional[GcpEncryption]:
    encryption = common.encryption
    if encryption is None:
        return None
    key_locations = locations or (GLOBAL,)
    if encryption.create_key:
        days = encryption.key_rotation_days or DEFAULT_KEY_ROTATION_DAYS
        if days < MIN_KEY_ROTATION_DAYS:
            raise SecureApiKeyError(
                "encryption.key_rotation_days",
                f"is out of range (got {days})",
                f"an integer from {MIN_KEY_ROTATION_DAYS} to 2560 (Cloud KMS rotates no more often than daily)",
            )
        return GcpEncryption(key_locations, create_key=True, key_rotation_period=f"{days * SECONDS_PER_DAY}s")
    replica_keys = encryption.replica_key_ids
    brought: dict[str, Any] = {}
    if not locations:
        if replica_keys:
            raise SecureApiKeyError(
                f"encryption.replica_key_ids.{next(iter(replica_keys))}",
                "applies to user-managed replication only, and this secret is replicated automatically",
                "encryption.key_id (a key in location global), or set replica_regions",
            )
        brought[GLOBAL] = _key_in("encryption.key_id", encryption.key_id, GLOBAL)
        return GcpEncryption(key_locations, create_key=False, brought_keys=MappingProxyType(brought))
    for location in replica_keys:
        if location not in locations:
            raise SecureApiKeyError(
                f"encryption.replica_key_ids.{location}", "is not one of replica_regions", ", ".join(locations)
            )
    if encryption.key_id is not None:
        first = locations[0]
        if first in replica_keys:
            raise SecureApiKeyError(
                "encryption.key_id",
                f"names a second key for {first}, which encryption.replica_key_ids.{first} already names",
                "one key per location",
            )
        brought[first] = _key_in("encryption.key_id", encryption.key_id, first)
    for location in locations:
        if location in brought:
            continue
        path = f"encryption.replica_key_ids.{location}"
        if location not in replica_keys:
            raise SecureApiKeyError(
                path,
                "is required: with user-managed replication each location needs a Cloud KMS key in that location",
                f"a CryptoKey id projects/P/locations/{location}/keyRings/R/cryptoKeys/K, or encryption.create_key: true",
            )
        brought[location] = _key_in(path, replica_keys[location], location)
    return GcpEncryption(key_locations, create_key=False, brought_keys=MappingProxyType(brought))


def _rotation(common: CommonSpec) -> Optional[GcpRotation]:
    rotation = common.rotation
    if rotation is None:
        return None
    topic_instead = "rotation.gcp_topic_id (a Pub/Sub topic your rotator subscribes to), or leave it out to get one created"
    refuse_rotation_fields(
        common,
        {
            "schedule_expression": "rotation.every_days (Secret Manager sends a rotation notice every N days)",
            "duration": "rotation.every_days (Secret Manager has no rotation window)",
            "rotate_immediately": "rotation.every_days (the first notice comes one period after the schedule's anchor)",
            "aws_lambda_arn": topic_instead,
            "azure_webhook_url": topic_instead,
            "azure_function_id": topic_instead,
            "azure_rotator_principal_id": "grant your Pub/Sub subscriber roles/secretmanager.secretVersionAdder on the secret",
        },
    )
    if rotation.every_days is None:  # pragma: no cover - common parsing plus the refusals above make this unreachable
        raise SecureApiKeyError("rotation.every_days", "is required", "an integer from 1 to 1000")
    return GcpRotation(period_seconds=rotation.every_days * SECONDS_PER_DAY, topic_id=rotation.gcp_topic_id)


def _check_derived_names(common: CommonSpec, encryption: Optional[GcpEncryption], rotation: Optional[GcpRotation]) -> None:
    """Created key rings and rotation topics are auto-named from the component's name
    (``<component>-keyring-<location>-<random>``, ``<component>-rotation-topic-<random>``): refuse now a component
    name that would make a name Cloud KMS or Pub/Sub refuses at deploy time."""
    component = common.resource_name
    if not component:
        return
    if encryption is not None and encryption.create_key:
        longest = max(encryption.locations, key=len)
        ring = f"{component}-keyring-{longest}"
        if re.fullmatch(r"[A-Za-z0-9_-]+", component) is None or len(ring) + AUTONAME_SUFFIX > KEY_RING_NAME_MAX:
            room = KEY_RING_NAME_MAX - AUTONAME_SUFFIX - len(f"-keyring-{longest}")
            raise SecureApiKeyError(
                "encryption.create_key",
                f"would name a key ring after the component {check.shown(component)}, which Cloud KMS refuses "
                f"(key ring names are 1-{KEY_RING_NAME_MAX} characters of A-Za-z0-9_-)",
                f"a component name of at most {room} characters of A-Za-z0-9_- (with location {longest}), "
                "or encryption.key_id / replica_key_ids with your own keys",
            )
    if rotation is not None and rotation.topic_id is None:
        topic = f"{component}-rotation-topic-{'x' * (AUTONAME_SUFFIX - 1)}"
        if re.fullmatch(TOPIC_NAME_PATTERN, topic) is None:
            room = TOPIC_NAME_MAX - (len(topic) - len(component))
            raise SecureApiKeyError(
                "rotation",
                f"would name a Pub/Sub topic after the component {check.shown(component)}, which Pub/Sub refuses",
                f"a component name of at most {room} characters of A-Za-z0-9._~+%- that starts with a letter (not "
                "with 'goog'), or rotation.gcp_topic_id with your own topic",
            )


def _annotations(common: CommonSpec, raw: Any) -> Mapping[str, str]:
    block = check.mapping("gcp.annotations", raw)
    annotations: dict[str, str] = {}
    size = 0
    for key, value in block.items():
        check.text(
            "gcp.annotations",
            key,
            pattern=ANNOTATION_KEY_PATTERN,
            max_len=63,
            allowed="annotation keys of 1-63 characters of A-Za-z0-9._- that begin and end with a letter or digit",
        )
        path = f"gcp.annotations.{key}"
        if key == DESCRIPTION_ANNOTATION and common.description is not None:
            raise SecureApiKeyError(
                path, "collides with description, which is stored as the 'description' annotation", "another key"
            )
        if not isinstance(value, str):
            raise SecureApiKeyError(path, f"must be a string (got {check.type_name(value)})", "a string")
        size += len(key) + utf8_size(value, path)  # keys are ASCII: checked above
        annotations[key] = value
    # A description known only at deploy time is counted once it resolves: see description_checked_at_deploy.
    _annotations_fit(size, common.description if isinstance(common.description, str) else "")
    return MappingProxyType(annotations)


def _annotations_size(annotations: Mapping[str, str]) -> int:
    return sum(len(key) + len(value.encode("utf-8")) for key, value in annotations.items())


def _annotations_fit(size: int, description: str) -> str:
    """Secret Manager's limit on all annotations together, the ``description`` annotation included."""
    if description:
        size += utf8_size(description, "description") + len(DESCRIPTION_ANNOTATION)
    if size >= MAX_ANNOTATIONS_BYTES:
        raise SecureApiKeyError(
            "gcp.annotations", f"hold {size} bytes with the description", f"less than {MAX_ANNOTATIONS_BYTES} bytes in total"
        )
    return description


def description_checked_at_deploy(common: CommonSpec, options: GcpSecretManagerOptions) -> Any:
    """``common.description``; one known only at deploy time waits for the annotation-size rule a known one passed."""
    if common.description is None:
        return None
    return now_or_at_deploy(common.description, functools.partial(_annotations_fit, _annotations_size(options.annotations)))


def _destroy_ttl(raw: Any) -> str:
    allowed = f"seconds as '<N>s', from {MIN_DESTROY_TTL_SECONDS}s (1 day) to {MAX_DESTROY_TTL_SECONDS}s (1000 days)"
    ttl = check.text("gcp.version_destroy_ttl", raw, pattern=r"[0-9]{1,12}s", max_len=13, allowed=allowed)
    seconds = int(ttl[:-1])
    if not MIN_DESTROY_TTL_SECONDS <= seconds <= MAX_DESTROY_TTL_SECONDS:
        raise SecureApiKeyError("gcp.version_destroy_ttl", f"is out of range (got {ttl})", allowed)
    return f"{seconds}s"


def validate(common: CommonSpec, args: Mapping[str, Any]) -> GcpSecretManagerOptions:
    """Judge ``common`` and the ``gcp`` block by Secret Manager's rules."""
    refuse_other_blocks(common, args, accepted=("gcp",))
    refuse_given(
        common,
        {"recovery_window_days": "GCP has no recovery window; use gcp.version_destroy_ttl for delayed destruction of versions"},
    )
    require_value(common, MAX_VALUE_BYTES, example_key="gemini_api_key")
    if common.name is not None:
        check.text("name", common.name, pattern=SECRET_ID_PATTERN, max_len=255, allowed="1-255 characters of A-Za-z0-9_-")
    elif common.resource_name and not re.fullmatch(r"[A-Za-z0-9_-]{1,230}", common.resource_name):
        # The provider derives the secret id from the component's name: refuse now what GCP would refuse later.
        raise SecureApiKeyError(
            "name",
            f"is required: the component name {common.resource_name!r} cannot be part of a GCP secret id",
            "a name of 1-255 characters of A-Za-z0-9_-, or a component name of A-Za-z0-9_- only",
        )
    check_reader_set(common)
    block = check.mapping("gcp", args.get("gcp") or {})
    check.known_keys("gcp", block, GCP_FIELDS)
    readers_authoritative = check.boolean("gcp.readers_authoritative", block.get("readers_authoritative", False))
    if not readers_authoritative:
        # One additive grant per reader, keyed by its member or its name: never by a list position.
        refuse_unnamed_output_readers(common, "each reader gets a grant of its own (a SecretIamMember)")
    project = block.get("project")
    checked_project = (
        check.input_str("gcp.project", project, pattern=PROJECT_PATTERN, max_len=100, allowed="a GCP project id")
        if project is not None
        else None
    )
    locations = _locations(common)
    labels = MappingProxyType(gcp_labels(common.tags))
    annotations = _annotations(common, block["annotations"] if block.get("annotations") is not None else {})
    destroy_ttl = _destroy_ttl(block["version_destroy_ttl"]) if block.get("version_destroy_ttl") is not None else None
    encryption = _encryption(common, locations)
    rotation = _rotation(common)
    _check_derived_names(common, encryption, rotation)
    return GcpSecretManagerOptions(
        project=checked_project,
        secret_id=common.name,
        locations=locations,
        labels=labels,
        annotations=annotations,
        version_destroy_ttl=destroy_ttl,
        encryption=encryption,
        rotation=rotation,
        audit_data_access=check.boolean("gcp.audit_data_access", block.get("audit_data_access", False)),
        iam_propagation_seconds=check.integer(
            "gcp.iam_propagation_seconds",
            block.get("iam_propagation_seconds", DEFAULT_IAM_PROPAGATION_SECONDS),
            0,
            MAX_IAM_PROPAGATION_SECONDS,
        ),
        readers_authoritative=readers_authoritative,
    )
