"""What the ``azure-key-vault`` backend accepts (limits from the Key Vault REST spec 2024-11-01 and the
Azure Resource Manager naming and tagging rules).

The secret goes into exactly one vault: an existing one (``azure.vault_id``, or ``azure.vault_name`` with
``azure.resource_group_name``) or one the component creates (``azure.create_vault`` with
``azure.resource_group_name``). Options Key Vault cannot honour are refused, naming the alternative.
"""

import dataclasses
import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from ...errors import SecureApiKeyError
from ...rules import KeySpec, common
from ...rules import _checks as check
from ...rules.common import (
    CommonSpec,
    refuse_given,
    refuse_other_blocks,
    refuse_rotation_fields,
    refuse_unnamed_output_readers,
    require_value,
)
from ...rules.deploy_time import now_or_at_deploy, together_now_or_at_deploy

BLOCK = "azure"
BLOCK_FIELDS = (
    "resource_group_name",
    "vault_id",
    "vault_name",
    "create_vault",
    "content_type",
    "expires",
    "not_before",
    "principal_type",
    "reader_principal_types",
)
VAULT_FIELDS = ("name", "location", "sku", "soft_delete_retention_days", "tenant_id", "network", "audit")
AUDIT_FIELDS = ("workspace_id", "storage_account_id")
_WORKSPACE_ID = r"/subscriptions/[^/]+/resource[gG]roups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+"
_STORAGE_ACCOUNT_ID = r"/subscriptions/[^/]+/resource[gG]roups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[^/]+"
NETWORK_FIELDS = ("default_action", "ip_rules", "subnet_ids", "bypass")

MAX_VALUE_BYTES = 25 * 1024
"""Key Vault stores at most 25 KB per secret value; we read "KB" as 1024 bytes (25,600 bytes)."""
MAX_CONTENT_TYPE = 255
SECRET_NAME_PATTERN = r"[a-zA-Z0-9-]{1,127}"
# 3-24 characters, a letter first, a letter or digit last, no "--" (the vault's DNS label).
VAULT_NAME_PATTERN = r"(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]"
VAULT_NAME_RULE = "3-24 characters of a-z, A-Z, 0-9 and '-', a letter first, a letter or digit last, no '--'"
# Resource group names: 1-90 word characters, '-', '_', '.', '(' or ')', not ending in '.'.
RESOURCE_GROUP_PATTERN = r"[\w.()-]{0,89}[\w()-]"
GUID_PATTERN = common.GUID_PATTERN
VAULT_ID_RE = re.compile(
    r"/subscriptions/(?P<subscription>" + GUID_PATTERN + r")/resourceGroups/(?P<resource_group>" + RESOURCE_GROUP_PATTERN + r")"
    r"/providers/Microsoft\.KeyVault/vaults/(?P<vault>" + VAULT_NAME_PATTERN + r")",
    re.IGNORECASE,
)
VAULT_ID_RULE = "a vault resource id /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/NAME"
SUBNET_ID_PATTERN = (
    r"/subscriptions/" + GUID_PATTERN + r"/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+"
)
SKUS = ("standard", "premium")
NETWORK_ACTIONS = ("Deny", "Allow")
BYPASS_OPTIONS = ("AzureServices", "None")
PRINCIPAL_TYPES = ("ServicePrincipal", "User", "Group")
SOFT_DELETE_MIN, SOFT_DELETE_MAX = 7, 90
MAX_IP_RULES = 1000
MAX_SUBNET_RULES = 200
# Azure Resource Manager tags: at most 50, names up to 512 and values up to 256 characters, and these
# characters are not allowed in names.
FORBIDDEN_TAG_CHARS = "<>%&\\?/"
MAX_TAG_VALUE = 256
MAX_SECRET_TAGS = 15
"""Key Vault keeps at most 15 tags on a secret (fewer than the 50 of an ARM resource) and refuses more."""
DESCRIPTION_TAG = "description"
"""Key Vault secrets have no description field: ``description`` becomes this tag on the secret."""
NEAR_EXPIRY_NOTICE_DAYS = 30
"""Key Vault publishes ``SecretNearExpiry`` this many days before a version expires."""
MANAGED_SECRET_NAME_MAX = 127 - len("-admin-key")
"""The longest ``name`` with a managed rotator, which may keep an admin key in ``<name>-admin-key``."""
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_RFC3339_RULE = "an RFC 3339 time with a UTC offset, e.g. 2027-01-01T00:00:00Z"

_REFUSALS = {
    "encryption": "Key Vault protects secrets with its own HSM-backed keys; use azure.create_vault.sku: premium "
    "for HSM-backed keys",
    "recovery_window_days": "use azure.create_vault.soft_delete_retention_days (a vault you bring keeps its own retention)",
}
_ROTATION_REFUSALS = {
    "schedule_expression": "rotation.every_days (Key Vault sets an expiry N days ahead; it has no schedules)",
    "duration": "rotation.every_days (Key Vault has no rotation window)",
    "rotate_immediately": "rotation.every_days; rotate right away by writing a new version from your rotator",
    "aws_lambda_arn": "rotation.azure_function_id or rotation.azure_webhook_url",
    "gcp_topic_id": "rotation.azure_function_id or rotation.azure_webhook_url",
}


@dataclass(frozen=True)
class AzureNetworkOptions:
    """Firewall of a created vault."""

    default_action: str
    bypass: str
    ip_rules: tuple[str, ...]
    subnet_ids: tuple[Any, ...]


@dataclass(frozen=True)
class AzureAuditOptions:
    """Destinations of the created vault's audit log; at least one is set."""

    workspace_id: Optional[Any]
    storage_account_id: Optional[Any]


@dataclass(frozen=True)
class AzureVaultOptions:
    """A vault the component creates."""

    name: Optional[str]
    """Explicit vault name; None means auto-named by the backend."""
    location: Optional[Any]
    sku: str
    soft_delete_retention_days: int
    purge_protection: bool
    tenant_id: Optional[Any]
    network: AzureNetworkOptions
    audit: Optional[AzureAuditOptions] = None


@dataclass(frozen=True)
class AzureKeyVaultOptions:
    """Resolved settings of the ``azure-key-vault`` backend. Exactly one of ``vault_id``, ``vault_name``
    and ``create_vault`` is set."""

    resource_group_name: Optional[Any]
    vault_id: Optional[Any]
    vault_name: Optional[Any]
    create_vault: Optional[AzureVaultOptions]
    content_type: Optional[str]
    expires: Optional[int]
    """Expiry of the version the component writes, in seconds since the epoch (as Key Vault stores it):
    ``azure.expires``, else ``rotation.every_days`` from now, else None."""
    not_before: Optional[int]
    """Not-before time in seconds since the epoch."""
    principal_type: str
    reader_principal_types: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Principal type per reader id (lower case), for readers whose type is not ``principal_type``."""

    def type_of(self, reader: Any) -> str:
        """The principal type to grant ``reader`` as."""
        if isinstance(reader, str):
            return self.reader_principal_types.get(reader.lower(), self.principal_type)
        return self.principal_type


def options_of(spec: KeySpec) -> AzureKeyVaultOptions:
    """This store's options in ``spec``: what :func:`validate` returned."""
    options = spec.store_options
    assert isinstance(options, AzureKeyVaultOptions)  # build_spec pairs every spec with its own store's options
    return options


def utc_now() -> datetime:
    """The current time; the anchor of an expiry derived from ``rotation.every_days`` (tests replace it)."""
    return datetime.now(timezone.utc)


def parse_vault_id(vault_id: str, field: str = "azure.vault_id") -> tuple[str, str, str]:
    """``(subscription, resource group, vault name)`` of a vault resource id, or a field-naming error."""
    match = VAULT_ID_RE.fullmatch(vault_id.rstrip("/"))
    if match is None:
        raise SecureApiKeyError(field, f"is not a Key Vault resource id (got {check.shown(vault_id)})", VAULT_ID_RULE)
    return match.group("subscription"), match.group("resource_group"), match.group("vault")


def rfc3339_to_epoch(field: str, value: Any) -> int:
    """Seconds since the epoch of an RFC 3339 time (sub-seconds dropped, as Key Vault keeps whole seconds)."""
    text = check.text(field, value, max_len=40, allowed=_RFC3339_RULE)
    if _RFC3339.fullmatch(text) is None:
        raise SecureApiKeyError(field, f"is not an RFC 3339 time (got {check.shown(text)})", _RFC3339_RULE)
    # Python 3.10's fromisoformat knows neither "Z" nor more than 6 fraction digits: normalize first.
    normalized = re.sub(r"\.\d+", "", text.upper().replace(" ", "T").replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(normalized)
    except ValueError:
        raise SecureApiKeyError(field, f"is not a valid date and time (got {check.shown(text)})", _RFC3339_RULE) from None
    return int(moment.timestamp())


def _check_names(common: CommonSpec) -> None:
    if common.name is not None:
        check.text(
            "name", common.name, pattern=SECRET_NAME_PATTERN, max_len=127, allowed="1-127 characters of a-z, A-Z, 0-9 and '-'"
        )
        if common.rotation is not None and common.rotation.managed and len(common.name) > MANAGED_SECRET_NAME_MAX:
            raise SecureApiKeyError(
                "name",
                f"is {len(common.name)} characters: a managed rotator may keep an admin key beside the key, in a secret "
                "named <name>-admin-key, and Key Vault secret names are at most 127 characters",
                f"a name of at most {MANAGED_SECRET_NAME_MAX} characters",
            )
    refuse_unnamed_output_readers(common, "each reader gets a role assignment of its own")
    for index, reader in enumerate(common.readers):
        if check.is_known_str(reader):
            checked_reader(common.reader_path(index), reader)
    check_reader_set(common)


def check_reader_set(common: CommonSpec) -> None:
    """Rules over all readers together; run on the known ones now, and on all once Outputs resolve."""
    lowered = [r.lower() for r in common.readers if isinstance(r, str)]
    for index, reader in enumerate(lowered):
        if reader in lowered[:index]:
            raise SecureApiKeyError("readers", f"names principal {reader} twice", "each principal once")


def _check_tags(common: CommonSpec) -> None:
    seen: dict[str, str] = {}
    for key in common.tags:
        # Azure tag names are case-insensitive: two such keys would be one tag, holding either value.
        if key.lower() in seen:
            raise SecureApiKeyError(
                f"tags.{key}",
                f"is the same Azure tag name as {seen[key.lower()]!r} (tag names ignore case)",
                "each tag name once",
            )
        seen[key.lower()] = key
        bad = sorted({c for c in key if c in FORBIDDEN_TAG_CHARS})
        if bad:
            raise SecureApiKeyError(
                f"tags.{key}", f"contains {''.join(bad)!r}, which Azure tag names may not contain", "tag names without <>%&\\?/"
            )
    if DESCRIPTION_TAG in {k.lower() for k in common.tags} and common.description is not None:
        raise SecureApiKeyError(
            "description",
            f"would be stored as the secret's {DESCRIPTION_TAG!r} tag, which tags already sets",
            "either description or tags.description",
        )
    secret_tags = len(common.tags) + (1 if common.description is not None else 0)
    if secret_tags > MAX_SECRET_TAGS:
        with_description = f" ({secret_tags} with the {DESCRIPTION_TAG!r} tag)" if common.description is not None else ""
        raise SecureApiKeyError(
            "tags",
            f"has {len(common.tags)} entries{with_description}; a Key Vault secret holds at most {MAX_SECRET_TAGS} tags",
            f"at most {MAX_SECRET_TAGS} tags on this backend, including the description",
        )
    if isinstance(common.description, str):  # an Output is checked once it resolves: see description_checked_at_deploy
        _description_as_tag(common.description)


def _description_as_tag(description: str) -> str:
    if len(description) > MAX_TAG_VALUE:
        raise SecureApiKeyError(
            "description",
            f"has {len(description)} characters; Key Vault keeps it as a tag value",
            f"at most {MAX_TAG_VALUE} characters on this backend",
        )
    return description


def description_checked_at_deploy(common: CommonSpec) -> Any:
    """``common.description``; one known only at deploy time waits for the tag-value rule a known one passed."""
    return now_or_at_deploy(common.description, _description_as_tag) if common.description is not None else None


def _check_rotation(common: CommonSpec) -> None:
    rotation = common.rotation
    if rotation is None:
        return
    refuse_rotation_fields(common, _ROTATION_REFUSALS)
    if rotation.azure_webhook_url is not None and rotation.azure_function_id is not None:
        raise SecureApiKeyError(
            "rotation.azure_webhook_url",
            "cannot be combined with rotation.azure_function_id",
            "one SecretNearExpiry destination: a webhook or an Azure Function",
        )
    handler = rotation.azure_webhook_url is not None or rotation.azure_function_id is not None
    every = rotation.every_days
    if handler and every is not None and every <= NEAR_EXPIRY_NOTICE_DAYS:
        raise SecureApiKeyError(
            "rotation.every_days",
            f"is {every}: Key Vault sends SecretNearExpiry {NEAR_EXPIRY_NOTICE_DAYS} days before expiry, so every "
            "new version would be announced as near expiry at once",
            f"{NEAR_EXPIRY_NOTICE_DAYS + 1} days or more when a rotation handler is set",
        )


def _network(raw: Any) -> AzureNetworkOptions:
    path = "azure.create_vault.network"
    block = check.mapping(path, raw if raw is not None else {})
    check.known_keys(path, block, NETWORK_FIELDS)
    ip_rules = check.sequence(f"{path}.ip_rules", block.get("ip_rules", []), max_items=MAX_IP_RULES)
    normalized: list[str] = []
    for index, rule in enumerate(ip_rules):
        field = f"{path}.ip_rules[{index}]"
        text = check.text(field, rule, max_len=18, allowed="an IPv4 address or CIDR range, e.g. 203.0.113.7 or 203.0.113.0/24")
        try:
            network = ipaddress.IPv4Network(text, strict=True)
        except ValueError:
            raise SecureApiKeyError(
                field,
                f"is not an IPv4 address or CIDR range with its host bits clear (got {check.shown(text)})",
                "an IPv4 address or CIDR range, e.g. 203.0.113.7 or 203.0.113.0/24 (Key Vault rules are IPv4 only)",
            ) from None
        if network.prefixlen == 0:
            raise SecureApiKeyError(
                field,
                "admits every IPv4 address, which turns the firewall off while looking like a rule",
                "the addresses or ranges that need the vault; to open it on purpose, set default_action: Allow",
            )
        normalized.append(str(network.network_address) if network.prefixlen == 32 else str(network))
    check.no_duplicates(f"{path}.ip_rules", normalized)
    raw_subnets = check.sequence(f"{path}.subnet_ids", block.get("subnet_ids", []), max_items=MAX_SUBNET_RULES)
    # The checked entries are the ones the vault gets, so a subnet known only at deploy time waits for its rules.
    subnets = [
        check.input_str(
            f"{path}.subnet_ids[{index}]",
            subnet,
            pattern=SUBNET_ID_PATTERN,
            allowed="a subnet resource id .../providers/Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET",
        )
        for index, subnet in enumerate(raw_subnets)
    ]
    subnets = list(together_now_or_at_deploy(subnets, functools.partial(check.no_duplicates, f"{path}.subnet_ids")))
    return AzureNetworkOptions(
        default_action=check.choice(f"{path}.default_action", block.get("default_action", "Deny"), NETWORK_ACTIONS),
        bypass=check.choice(f"{path}.bypass", block.get("bypass", "AzureServices"), BYPASS_OPTIONS),
        ip_rules=tuple(normalized),
        subnet_ids=tuple(subnets),
    )


def _create_vault(common: CommonSpec, raw: Any) -> AzureVaultOptions:
    path = "azure.create_vault"
    block = check.mapping(path, raw)
    check.known_keys(path, block, VAULT_FIELDS)
    name = block.get("name")
    tenant = block.get("tenant_id")
    location = block.get("location")
    retention = block.get("soft_delete_retention_days", SOFT_DELETE_MAX)
    return AzureVaultOptions(
        name=check.text(f"{path}.name", name, pattern=VAULT_NAME_PATTERN, max_len=24, allowed=VAULT_NAME_RULE)
        if name is not None
        else None,
        location=check.input_str(f"{path}.location", location, max_len=64, pattern=r"[A-Za-z0-9 ]+", allowed="an Azure region")
        if location is not None
        else None,
        sku=check.choice(f"{path}.sku", block.get("sku", "standard"), SKUS),
        soft_delete_retention_days=check.integer(
            f"{path}.soft_delete_retention_days", retention, SOFT_DELETE_MIN, SOFT_DELETE_MAX
        ),
        # Purge protection cannot be turned off once on, so it follows deletion_protection only at creation.
        purge_protection=common.deletion_protection,
        tenant_id=check.input_str(f"{path}.tenant_id", tenant, pattern=GUID_PATTERN, allowed="an Entra tenant id (a GUID)")
        if tenant is not None
        else None,
        network=_network(block.get("network")),
        audit=_audit(block["audit"]) if block.get("audit") is not None else None,
    )


def _audit(raw: Any) -> AzureAuditOptions:
    path = "azure.create_vault.audit"
    block = check.mapping(path, raw)
    check.known_keys(path, block, AUDIT_FIELDS)
    workspace, storage = block.get("workspace_id"), block.get("storage_account_id")
    if workspace is None and storage is None:
        raise SecureApiKeyError(path, "names no destination", f"{path}.workspace_id and/or {path}.storage_account_id")
    return AzureAuditOptions(
        workspace_id=check.input_str(
            f"{path}.workspace_id", workspace, pattern=_WORKSPACE_ID, allowed="the ARM id of a Log Analytics workspace"
        )
        if workspace is not None
        else None,
        storage_account_id=check.input_str(
            f"{path}.storage_account_id", storage, pattern=_STORAGE_ACCOUNT_ID, allowed="the ARM id of a storage account"
        )
        if storage is not None
        else None,
    )


def _choose_vault(block: Mapping[str, Any]) -> str:
    """Which of the three ways of choosing a vault the block uses; refuse none or several."""
    ways = [way for way in ("vault_id", "vault_name", "create_vault") if block.get(way) is not None]
    if not ways:
        raise SecureApiKeyError(
            "azure",
            "names no vault",
            "azure.vault_id, or azure.vault_name with azure.resource_group_name, or azure.create_vault with "
            "azure.resource_group_name",
        )
    if len(ways) > 1:
        raise SecureApiKeyError(
            f"azure.{ways[1]}",
            f"cannot be combined with azure.{ways[0]}",
            "exactly one of azure.vault_id, azure.vault_name or azure.create_vault",
        )
    way = ways[0]
    has_group = block.get("resource_group_name") is not None
    if way == "vault_id" and has_group:
        raise SecureApiKeyError(
            "azure.resource_group_name",
            "cannot be combined with azure.vault_id, which already names the vault's resource group",
            "azure.vault_id alone, or azure.vault_name with azure.resource_group_name",
        )
    if way != "vault_id" and not has_group:
        raise SecureApiKeyError("azure.resource_group_name", f"is required with azure.{way}", "the vault's resource group name")
    return way


def _check_expiry(common: CommonSpec, expires: int) -> None:
    """An expiry in the past, or within the notice window of a rotation handler, would be announced at once."""
    now = int(utc_now().timestamp())
    if expires <= now:
        raise SecureApiKeyError("azure.expires", "is in the past", "a time after now (RFC 3339, e.g. 2027-01-01T00:00:00Z)")
    rotation = common.rotation
    handler = rotation is not None and (rotation.azure_webhook_url is not None or rotation.azure_function_id is not None)
    if handler and expires - now <= NEAR_EXPIRY_NOTICE_DAYS * 86_400:
        raise SecureApiKeyError(
            "azure.expires",
            f"is within {NEAR_EXPIRY_NOTICE_DAYS} days, so Key Vault would send SecretNearExpiry to the rotation handler at once",
            f"a time more than {NEAR_EXPIRY_NOTICE_DAYS} days ahead, or leave it out and let rotation.every_days set it",
        )


def checked_reader(path: str, reader: Any) -> str:
    """A reader as an Entra object id; the same rule for a known value and for an Output once it resolves."""
    return check.text(
        path,
        reader,
        pattern=GUID_PATTERN,
        max_len=36,
        allowed="the object (principal) id of a managed identity, service principal, user or group, a GUID",
    )


def _check_rotator_reach(common: CommonSpec, vault: "Optional[AzureVaultOptions]") -> None:
    """A rotation handler writes through the data plane, which a created vault's firewall guards: Azure
    Functions and webhooks are not trusted services that may bypass it, so they need a rule of their own."""
    rotator = common.rotation.azure_rotator_principal_id if common.rotation is not None else None
    if vault is None:
        return
    network = vault.network
    denies_all = network.default_action == "Deny" and not network.ip_rules and not network.subnet_ids
    if common.rotation is not None and common.rotation.managed and network.default_action == "Deny":
        # The managed rotator runs on Flex Consumption with no fixed outbound address and no virtual network.
        raise SecureApiKeyError(
            "azure.create_vault.network.default_action",
            "would keep the managed rotator out: its Function App (Flex Consumption) has no fixed outbound address "
            "and no virtual network, and Azure Functions are not among the trusted services the firewall lets in",
            "default_action: Allow (data access stays limited by Azure RBAC to this secret's readers and the "
            "rotator), or a vault of your own the rotator can reach (azure.vault_id or azure.vault_name)",
        )
    if rotator is None:
        return
    if denies_all:
        raise SecureApiKeyError(
            "rotation.azure_rotator_principal_id",
            "could never write a new version: the created vault's firewall denies every address by default and "
            "lists no ip_rules or subnet_ids",
            "add the handler's outbound IP addresses to azure.create_vault.network.ip_rules, or its VNet integration "
            "subnet to azure.create_vault.network.subnet_ids",
        )


def validate(common: CommonSpec, args: Mapping[str, Any]) -> AzureKeyVaultOptions:
    """Judge ``common`` and the ``azure`` block by Key Vault's rules."""
    refuse_other_blocks(common, args, accepted=(BLOCK,))
    refuse_given(common, _REFUSALS)
    if common.replica_regions:
        raise SecureApiKeyError(
            "replica_regions",
            f"is not supported by backend {common.backend.value}",
            "leave it out: Key Vault replicates to the paired region by itself",
        )
    require_value(common, MAX_VALUE_BYTES, example_key="anthropic_api_key")
    _check_names(common)
    _check_tags(common)
    _check_rotation(common)
    block = check.mapping(BLOCK, args.get(BLOCK) or {})
    check.known_keys(BLOCK, block, BLOCK_FIELDS)
    way = _choose_vault(block)
    group = block.get("resource_group_name")
    vault_id = block.get("vault_id")
    vault_name = block.get("vault_name")
    if way == "vault_id" and check.is_known_str(vault_id):
        parse_vault_id(check.text("azure.vault_id", vault_id, max_len=512, allowed=VAULT_ID_RULE))
    elif vault_id is not None:
        check.input_str("azure.vault_id", vault_id, allowed=VAULT_ID_RULE)
    expires = rfc3339_to_epoch("azure.expires", block["expires"]) if block.get("expires") is not None else None
    not_before = rfc3339_to_epoch("azure.not_before", block["not_before"]) if block.get("not_before") is not None else None
    managed = common.rotation is not None and common.rotation.managed
    if expires is not None and managed:
        raise SecureApiKeyError(
            "azure.expires",
            "is set by the managed rotator: each version it writes expires rotation.every_days + "
            f"{NEAR_EXPIRY_NOTICE_DAYS} days after it is written, so SecretNearExpiry comes every_days later",
            "leave azure.expires out",
        )
    if expires is not None:
        _check_expiry(common, expires)
    if expires is None and common.rotation is not None and common.rotation.every_days is not None:
        # Written once: with rotation on, the secret's properties are ignored after creation, so a later run
        # (with a later clock) does not move the expiry; the rotator sets the next one. A managed rotator's
        # versions expire every_days + the notice window out, so SecretNearExpiry (the notice window before the
        # expiry) comes every_days after each write; the first version follows the same rule.
        days = common.rotation.every_days + (NEAR_EXPIRY_NOTICE_DAYS if managed else 0)
        expires = int(utc_now().timestamp()) + days * 86_400
    if expires is not None and not_before is not None and not_before >= expires:
        raise SecureApiKeyError(
            "azure.not_before",
            "is not before the expiry (azure.expires, or rotation.every_days from now)",
            "a not_before time earlier than the expiry",
        )
    content_type = block.get("content_type")
    create_vault = _create_vault(common, block["create_vault"]) if way == "create_vault" else None
    _check_rotator_reach(common, create_vault)
    return AzureKeyVaultOptions(
        resource_group_name=check.input_str(
            "azure.resource_group_name",
            group,
            max_len=90,
            pattern=RESOURCE_GROUP_PATTERN,
            allowed="a resource group name: 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
        )
        if group is not None
        else None,
        vault_id=vault_id,
        vault_name=check.input_str(
            "azure.vault_name", vault_name, max_len=24, pattern=VAULT_NAME_PATTERN, allowed=VAULT_NAME_RULE
        )
        if vault_name is not None
        else None,
        create_vault=create_vault,
        content_type=check.text("azure.content_type", content_type, max_len=MAX_CONTENT_TYPE)
        if content_type is not None
        else None,
        expires=expires,
        not_before=not_before,
        principal_type=check.choice("azure.principal_type", block.get("principal_type", "ServicePrincipal"), PRINCIPAL_TYPES),
        reader_principal_types=_reader_principal_types(common, block.get("reader_principal_types")),
    )


def _reader_principal_types(common: CommonSpec, raw: Any) -> dict[str, str]:
    """Validate ``azure.reader_principal_types``: every key one of ``readers`` (given as a string), every value a type."""
    field_name = f"{BLOCK}.reader_principal_types"
    if raw is None:
        return {}
    types = check.mapping(field_name, raw)
    known = {r.lower() for r in common.readers if isinstance(r, str)}
    result: dict[str, str] = {}
    for reader, kind in types.items():
        if not isinstance(reader, str) or reader.lower() not in known:
            raise SecureApiKeyError(
                f"{field_name}.{reader}", "is not one of readers", "principal ids listed in readers (as plain strings)"
            )
        result[reader.lower()] = check.choice(f"{field_name}.{reader}", kind, PRINCIPAL_TYPES)
    return result
