"""Backend-neutral parts of the spec: the shape checks every store shares.

Each store's rules (``stores/<store>/rules.py``) then decide what that store accepts; this module never knows
about one cloud. It knows the args' per-store blocks only by name (:data:`BACKEND_BLOCKS`), to refuse a block
given with another store.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Optional

import pulumi

from ..args import Backend
from ..errors import SecureApiKeyError
from ..key_patterns import find_keys
from . import _checks as check
from .deploy_time import at_deploy, declared


class StoreName(str, Enum):
    """Every store, by the name the store registry knows it by: the ``backend`` values users may write
    (:class:`~ai_keys.Backend`), and the API Gateway store, reached only through ``issuer.aws_api_gateway``
    (whose translation gives this member itself, never a string a user could write)."""

    AWS_SECRETS_MANAGER = Backend.AWS_SECRETS_MANAGER.value
    AWS_API_GATEWAY = "aws-api-gateway"
    AZURE_KEY_VAULT = Backend.AZURE_KEY_VAULT.value
    GCP_SECRET_MANAGER = Backend.GCP_SECRET_MANAGER.value

    @property
    def spoken(self) -> str:
        """How refusals name the store, as users write it: ``backend <name>``, or ``issuer.aws_api_gateway``."""
        return "issuer.aws_api_gateway" if self is StoreName.AWS_API_GATEWAY else f"backend {self.value}"


TOP_LEVEL_FIELDS = (
    "backend",
    "value",
    "issuer",
    "description",
    "name",
    "readers",
    "readers_by_name",
    "rotation",
    "encryption",
    "replica_regions",
    "tags",
    "deletion_protection",
    "recovery_window_days",
    "aws",
    "azure",
    "gcp",
    "kubernetes",
    "esc",
)
"""The fields users may write at the top level of the args."""
TRANSLATED_FIELDS = ("api_gateway",)
"""Top-level fields only a translation writes (``issuer.aws_api_gateway``'s, for the API Gateway store's rules), never
the user: a user's ``api_gateway`` is refused before these rules run, pointing to ``issuer.aws_api_gateway``."""
BACKEND_BLOCKS = {
    "aws": StoreName.AWS_SECRETS_MANAGER,
    "api_gateway": StoreName.AWS_API_GATEWAY,  # internal: the translation of issuer.aws_api_gateway
    "azure": StoreName.AZURE_KEY_VAULT,
    "gcp": StoreName.GCP_SECRET_MANAGER,
}
ROTATION_FIELDS = (
    "every_days",
    "schedule_expression",
    "duration",
    "rotate_immediately",
    "aws_lambda_arn",
    "azure_webhook_url",
    "azure_function_id",
    "gcp_topic_id",
    "azure_rotator_principal_id",
)
ENCRYPTION_FIELDS = ("create_key", "key_id", "replica_key_ids", "key_rotation_days")
MAX_READERS = 50
GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
READER_NAME_PATTERN = r"[a-z0-9][a-z0-9-]{0,39}"
_REGION = r"[a-z]+(-[a-z]+)*\d?(-[a-z0-9]+)*"


@dataclass(frozen=True)
class RotationSpec:
    """Validated rotation block. Cloud-specific fields are checked by each backend's rules."""

    every_days: Optional[int] = None
    schedule_expression: Optional[str] = None
    duration: Optional[str] = None
    rotate_immediately: bool = False
    aws_lambda_arn: Optional[Any] = None
    azure_webhook_url: Optional[Any] = field(default=None, repr=False)  # often carries an access code
    azure_function_id: Optional[Any] = None
    gcp_topic_id: Optional[Any] = None
    azure_rotator_principal_id: Optional[Any] = None
    managed: bool = False
    """Whether the component deploys the rotator (an issued key with ``rotation``): the store then gets the
    issuer's :class:`~ai_keys.rotation.RotatorNeeds` and takes ``every_days`` alone (:mod:`.rotation`)."""


@dataclass(frozen=True)
class EncryptionSpec:
    """Validated encryption block: either a created key or a key brought by the user."""

    create_key: bool = False
    key_id: Optional[Any] = None
    replica_key_ids: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    key_rotation_days: Optional[int] = None

    @property
    def customer_managed(self) -> bool:
        return self.create_key or self.key_id is not None or bool(self.replica_key_ids)


@dataclass(frozen=True)
class CommonSpec:
    """The backend-neutral fields, shape-checked but not yet judged by a backend's rules."""

    backend: StoreName
    value: Optional[Any] = field(repr=False)  # never shown, even in a debugger's repr
    description: Optional[Any]
    name: Optional[str]
    readers: tuple[Any, ...]
    """Every reader: those of ``readers`` first, then those of ``readers_by_name``."""
    rotation: Optional[RotationSpec]
    encryption: Optional[EncryptionSpec]
    replica_regions: tuple[str, ...]
    tags: Mapping[str, str]
    deletion_protection: bool
    recovery_window_days: Optional[int]
    given: frozenset[str]
    """Top-level fields the user set, so backends can refuse options they cannot honour."""
    resource_name: str = ""
    """The component's Pulumi name, which auto-named cloud names are derived from."""
    has_issuer: bool = False
    """Whether an ``issuer`` makes the value."""
    reader_names: tuple[Optional[str], ...] = ()
    """Per entry of ``readers``: the name given in ``readers_by_name``, or None for an entry of ``readers``."""
    reader_fields: tuple[Optional[str], ...] = ()
    """Per entry of ``readers``: the field a reader the component adds came from (a delivery block's identity, e.g.
    ``kubernetes.identity.role_arn``), so its refusals name that field; None for a reader the user listed."""

    @property
    def store_protected(self) -> bool:
        """Whether the store's secret is ``protect``ed, so the engine refuses its deletion or replacement before any
        step runs: with deletion protection on, and always with rotation on (a replacement would seed the new secret
        with the initial value the state keeps, not the one the rotator wrote since)."""
        return self.deletion_protection or self.rotation is not None

    def reader_path(self, index: int) -> str:
        """The field path of ``readers[index]`` as the user wrote it."""
        written = self.reader_fields[index] if index < len(self.reader_fields) else None
        if written is not None:
            return written
        name = self.reader_names[index] if index < len(self.reader_names) else None
        if name is not None:
            return f"readers_by_name.{name}"
        return f"readers[{index}]"

    def reader_key(self, index: int) -> Optional[str]:
        """What keys the reader's own child resources across deploys: the name the user gave it, or the
        principal itself when it is known now. None for an entry of ``readers`` known only at deploy time,
        which must not be keyed by its list position (removing or reordering readers would move a grant)."""
        name = self.reader_names[index] if index < len(self.reader_names) else None
        if name is not None:
            return name
        reader = self.readers[index]
        return reader if isinstance(reader, str) else None


def parse_backend(value: Any) -> StoreName:
    """The store ``backend`` names: one of :class:`~ai_keys.Backend`, or the API Gateway store when the
    ``issuer.aws_api_gateway`` translation gives it (as a :class:`StoreName`, which no user spelling is)."""
    if isinstance(value, StoreName):
        return value
    if isinstance(value, Backend):
        return StoreName(value.value)
    if isinstance(value, str):
        try:
            return StoreName(Backend(value).value)
        except ValueError:
            pass
    names = [b.value for b in Backend]
    hint = check.did_you_mean(value, names)
    raise SecureApiKeyError("backend", f"is not a known backend (got {check.shown(value)}){hint}", ", ".join(names))


def parse_value(raw: Any, field_name: str = "value") -> Any:
    """A key value's shape (``field_name`` is where the user wrote it). The value itself is never shown: only its
    type or size."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raise SecureApiKeyError(field_name, "must be text, not bytes", "a string or a Pulumi secret Output")
    if isinstance(raw, str):
        if raw == "" or raw.strip() == "":
            raise SecureApiKeyError(field_name, "is empty", "a non-empty string or a Pulumi secret Output")
        utf8_size(raw, field_name)
        _warn_if_vendor_key(raw, field_name)
        return raw
    if check.is_input(raw):
        return raw
    raise SecureApiKeyError(
        field_name,
        f"must be a string or a Pulumi Output (got {check.type_name(raw)})",
        "a string or a Pulumi secret Output",
    )


def _warn_if_vendor_key(value: str, field_name: str = "value") -> None:
    """Warn when a plain-string value has the shape of a vendor's key, by the policy pack's own patterns: written
    into the program, it is in the program's source and history. Only a plain string can be judged here (an Output
    is the right way to pass a key); the warning names the vendor and the declaring line, never the value."""
    vendors = sorted({match.kind.label for match in find_keys(value)})
    if not vendors:
        return
    # The line shown is the one a deploy-time refusal of this key would show.
    component, site = declared()
    pulumi.log.warn(
        f"SecureApiKey {component!r} (declared at {site}): args.{field_name} is a plain string that looks like a "
        f"plaintext {' / '.join(vendors)}. A key written into the program is kept in its source and history: pass a "
        "Pulumi secret instead, e.g. value=config.require_secret('<config key>'), and rotate this key."
    )


def _rotation(raw: Any) -> RotationSpec:
    block = check.mapping("rotation", raw)
    check.known_keys("rotation", block, ROTATION_FIELDS)
    every = block.get("every_days")
    schedule = block.get("schedule_expression")
    if every is not None and schedule is not None:
        raise SecureApiKeyError(
            "rotation.schedule_expression",
            "cannot be combined with rotation.every_days",
            "one of every_days or schedule_expression",
        )
    if every is None and schedule is None:
        raise SecureApiKeyError("rotation", "needs a schedule", "rotation.every_days (or rotation.schedule_expression on AWS)")
    return RotationSpec(
        every_days=check.integer("rotation.every_days", every, 1, 1000) if every is not None else None,
        schedule_expression=check.text("rotation.schedule_expression", schedule, max_len=256) if schedule is not None else None,
        duration=check.text(
            "rotation.duration", block["duration"], pattern=r"[0-9]{1,2}h", max_len=3, allowed="hours as 'Nh', e.g. '3h'"
        )
        if "duration" in block
        else None,
        rotate_immediately=check.boolean("rotation.rotate_immediately", block.get("rotate_immediately", False)),
        aws_lambda_arn=_optional_input(
            "rotation.aws_lambda_arn",
            block.get("aws_lambda_arn"),
            pattern=r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?",
            allowed="a Lambda function ARN",
        ),
        azure_webhook_url=_optional_input(
            "rotation.azure_webhook_url",
            block.get("azure_webhook_url"),
            pattern=r"https://\S+",
            allowed="an https:// URL",
            reveal=False,  # webhook URLs often carry an access code
        ),
        azure_function_id=_optional_input(
            "rotation.azure_function_id",
            block.get("azure_function_id"),
            pattern=r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Web/sites/[^/]+/functions/[^/]+",
            allowed="an Azure Function resource id (.../providers/Microsoft.Web/sites/APP/functions/NAME)",
        ),
        azure_rotator_principal_id=_optional_input(
            "rotation.azure_rotator_principal_id",
            block.get("azure_rotator_principal_id"),
            pattern=GUID_PATTERN,
            allowed="the object (principal) id of the identity your rotation handler runs as, a GUID",
        ),
        gcp_topic_id=_optional_input(
            "rotation.gcp_topic_id",
            block.get("gcp_topic_id"),
            pattern=r"projects/[a-z0-9-:.]+/topics/[A-Za-z][A-Za-z0-9._~+%-]{2,254}",
            allowed="a Pub/Sub topic id projects/P/topics/T",
        ),
    )


def _optional_input(field_name: str, value: Any, *, pattern: str, allowed: str, reveal: bool = True) -> Any:
    if value is None:
        return None
    return check.input_str(field_name, value, pattern=pattern, allowed=allowed, reveal=reveal)


def _encryption(raw: Any) -> EncryptionSpec:
    block = check.mapping("encryption", raw)
    check.known_keys("encryption", block, ENCRYPTION_FIELDS)
    create = check.boolean("encryption.create_key", block.get("create_key", False))
    key_id = block.get("key_id")
    replica_keys_raw = check.mapping("encryption.replica_key_ids", block.get("replica_key_ids", {}))
    if create and (key_id is not None or replica_keys_raw):
        raise SecureApiKeyError(
            "encryption.create_key",
            "cannot be combined with encryption.key_id or encryption.replica_key_ids",
            "either create_key: true or your own key ids",
        )
    replica_keys: dict[str, Any] = {}
    for location, key in replica_keys_raw.items():
        path = f"encryption.replica_key_ids.{location}"
        check.text(path, location, pattern=_REGION, max_len=64, allowed="a region or location name, e.g. eu-west-1")
        replica_keys[location] = check.input_str(path, key, allowed="a key id")
    rotation_days = block.get("key_rotation_days")
    if rotation_days is not None and not create:
        raise SecureApiKeyError(
            "encryption.key_rotation_days",
            "only applies to a key the component creates",
            "set encryption.create_key: true, or rotate your own key yourself",
        )
    if not create and key_id is None and not replica_keys:
        raise SecureApiKeyError("encryption", "names no key", "create_key: true, or key_id / replica_key_ids")
    return EncryptionSpec(
        create_key=create,
        key_id=check.input_str("encryption.key_id", key_id, allowed="a key id, ARN or alias") if key_id is not None else None,
        replica_key_ids=MappingProxyType(replica_keys),
        key_rotation_days=check.integer("encryption.key_rotation_days", rotation_days, 1, 2560)
        if rotation_days is not None
        else None,
    )


def _tags(raw: Any) -> Mapping[str, str]:
    block = check.mapping("tags", raw)
    if len(block) > 50:
        raise SecureApiKeyError("tags", f"has {len(block)} entries", "at most 50 tags")
    tags: dict[str, str] = {}
    for key, val in block.items():
        check.text("tags", key, max_len=128, allowed="tag keys of 1-128 characters")
        if not isinstance(val, str):
            raise SecureApiKeyError(
                f"tags.{key}", f"must be a string (got {check.type_name(val)})", "a string of 0-256 characters"
            )
        check.text(f"tags.{key}", val, min_len=0, max_len=256)
        tags[key] = val
    return MappingProxyType(tags)


def parse_common(args: Mapping[str, Any], resource_name: str = "") -> CommonSpec:
    """Check the shape of every backend-neutral field."""
    check.known_keys("", {k: v for k, v in args.items() if k not in TRANSLATED_FIELDS}, TOP_LEVEL_FIELDS)
    if "backend" not in args:
        raise SecureApiKeyError(
            "backend",
            "is required: where the key is kept",
            ", ".join(b.value for b in Backend) + " (or issuer.aws_api_gateway alone, for a key kept in API Gateway only)",
        )
    backend = parse_backend(args["backend"])
    for block_name in BACKEND_BLOCKS:
        if block_name in args and args[block_name] is not None:
            check.mapping(block_name, args[block_name])
    readers = check.sequence("readers", args.get("readers", []), max_items=MAX_READERS)
    readers = [
        check.input_str(f"readers[{index}]", reader, max_len=2048, allowed="a principal identifier string")
        for index, reader in enumerate(readers)
    ]
    named: dict[str, Any] = {}
    for reader_name, reader in check.mapping("readers_by_name", args.get("readers_by_name") or {}).items():
        check.text(
            "readers_by_name",
            reader_name,
            pattern=READER_NAME_PATTERN,
            max_len=40,
            allowed="names of 1-40 lower-case letters, digits and '-', starting with a letter or digit",
        )
        named[reader_name] = check.input_str(
            f"readers_by_name.{reader_name}", reader, max_len=2048, allowed="a principal identifier string"
        )
    if len(readers) + len(named) > MAX_READERS:
        raise SecureApiKeyError(
            "readers_by_name", f"brings the readers to {len(readers) + len(named)}", f"at most {MAX_READERS} readers in all"
        )
    all_readers = [*readers, *named.values()]
    reader_names = tuple([None] * len(readers) + list(named))
    refuse_repeated_readers(all_readers, reader_names)
    regions = check.sequence("replica_regions", args.get("replica_regions", []), max_items=20)
    for index, region in enumerate(regions):
        check.text(
            f"replica_regions[{index}]",
            region,
            pattern=_REGION,
            max_len=64,
            allowed="a region or location name, e.g. eu-west-1 or europe-west1",
        )
    check.no_duplicates("replica_regions", regions)
    name = args.get("name")
    if name is not None and not isinstance(name, str):
        raise SecureApiKeyError("name", f"must be a string (got {check.type_name(name)})", "a string")
    recovery = args.get("recovery_window_days")
    return CommonSpec(
        backend=backend,
        value=parse_value(args.get("value")),
        description=check.input_str("description", args["description"], max_len=2048)
        if args.get("description") is not None
        else None,
        name=name,
        readers=tuple(all_readers),
        reader_names=reader_names,
        rotation=_rotation(args["rotation"]) if args.get("rotation") is not None else None,
        encryption=_encryption(args["encryption"]) if args.get("encryption") is not None else None,
        replica_regions=tuple(regions),
        tags=_tags(args.get("tags", {})),
        deletion_protection=check.boolean("deletion_protection", args.get("deletion_protection", True)),
        recovery_window_days=check.integer("recovery_window_days", recovery, 0, 30) if recovery is not None else None,
        # An empty list is what other languages send for "none": it asks for nothing a backend could refuse.
        given=frozenset(k for k, v in args.items() if v is not None and not (isinstance(v, (list, tuple)) and not v)),
        resource_name=resource_name,
        has_issuer=args.get("issuer") is not None,
    )


def checked_value(value: Any, *, max_bytes: int, field_name: str = "value") -> pulumi.Output[str]:
    """The value as a Pulumi secret, with its size checked now when known and at deploy time when not.

    The deploy-time check runs inside ``apply`` on a secret Output, so its result stays secret and its
    error never contains the value.
    """

    def checked(text: Any) -> str:
        if not isinstance(text, str):
            problem = f"must be a string or a Pulumi Output (got {check.type_name(text)})"
            raise SecureApiKeyError(field_name, problem, "a string or a Pulumi secret Output")
        if text.strip() == "":
            raise SecureApiKeyError(field_name, "is empty", "a non-empty string or a Pulumi secret Output")
        check_value_size(text, max_bytes, field_name)
        return text

    if isinstance(value, str):  # known now: checked now, no deploy-time step needed
        return pulumi.Output.secret(checked(value))
    return pulumi.Output.secret(at_deploy(value, checked))


def utf8_size(value: str, field_name: str) -> int:
    """The UTF-8 size of ``value``; text that has no UTF-8 form (lone surrogates) is refused, never shown."""
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise SecureApiKeyError(field_name, "is not valid Unicode text (it holds lone surrogates)", "UTF-8 text") from None


def require_value(common: CommonSpec, max_bytes: int, example_key: str) -> None:
    """Refuse a missing value, and a known value over ``max_bytes``; ``example_key`` names a config key in the hint."""
    if common.value is None and not common.has_issuer:
        raise SecureApiKeyError(
            "value",
            f"is required for {common.backend.spoken}",
            f"a string or a Pulumi secret, e.g. config.require_secret('{example_key}')",
        )
    if isinstance(common.value, str):
        check_value_size(common.value, max_bytes)


def check_value_size(value: str, max_bytes: int, field_name: str = "value") -> None:
    """Refuse a value over ``max_bytes`` of UTF-8 (or with no UTF-8 form); the message gives the size, never the value."""
    size = utf8_size(value, field_name)
    if size > max_bytes:
        raise SecureApiKeyError(field_name, f"is {size} bytes long", f"at most {max_bytes} bytes")


def refuse_given(common: CommonSpec, refusals: Mapping[str, str]) -> None:
    """Refuse each top-level field the backend cannot honour; the value of ``refusals`` names the alternative."""
    for field_name, alternative in refusals.items():
        if field_name in common.given:
            raise SecureApiKeyError(field_name, f"is not supported by {common.backend.spoken}", alternative)


def refuse_other_blocks(common: CommonSpec, args: Mapping[str, Any], accepted: tuple[str, ...]) -> None:
    """Refuse per-backend blocks (``aws``, ``azure``...) that belong to another backend."""
    for block_name, owner in BACKEND_BLOCKS.items():
        if block_name not in accepted and args.get(block_name) is not None:
            raise SecureApiKeyError(
                block_name,
                f"only applies to backend {owner.value}, not {common.backend.spoken.removeprefix('backend ')}",
                f"remove it, or set backend: {owner.value}",
            )


def refuse_repeated_readers(readers: "Sequence[Any]", names: "Sequence[Optional[str]]") -> None:
    """A principal listed twice; run on the known readers now, and on all of them once Outputs resolve."""
    listed = [reader for reader, name in zip(readers, names, strict=True) if name is None]
    check.no_duplicates("readers", listed)
    seen = {reader: f"readers[{index}]" for index, reader in enumerate(listed) if isinstance(reader, str)}
    for reader, name in zip(readers, names, strict=True):
        if name is not None and isinstance(reader, str):
            if reader in seen:
                raise SecureApiKeyError(f"readers_by_name.{name}", f"is {seen[reader]} again", "each principal once")
            seen[reader] = f"readers_by_name.{name}"


def refuse_unnamed_output_readers(common: CommonSpec, why: str) -> None:
    """Refuse a reader of ``readers`` known only at deploy time where the backend makes a child per reader.

    Such a child can only be keyed by the reader's list position, so removing or reordering readers would hand
    one principal's grant to another (and on Azure fail outright): the user names the reader instead.
    """
    for index in range(len(common.readers)):
        if common.reader_key(index) is None:
            raise SecureApiKeyError(
                common.reader_path(index),
                f"is known only at deploy time, and on {common.backend.value} {why}, which must be named by something "
                "that stays the same when readers are added, removed or reordered",
                'give it a name of your choosing in readers_by_name instead, e.g. readers_by_name: {"app": <the output>}',
            )


def refuse_rotation_fields(common: CommonSpec, fields: Mapping[str, str]) -> None:
    """Refuse rotation sub-fields of other clouds; the value names the field to use instead."""
    if common.rotation is None:
        return
    for field_name, alternative in fields.items():
        if getattr(common.rotation, field_name) not in (None, False):
            raise SecureApiKeyError(f"rotation.{field_name}", f"does not apply to {common.backend.spoken}", alternative)
