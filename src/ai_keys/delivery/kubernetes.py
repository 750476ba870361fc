"""The ``kubernetes`` block: the key delivered to pods through the External Secrets Operator (ESO) or the Secrets Store
CSI driver, read from the store with the workload's own cloud identity.

Three parts, each usable on its own:

- **rules** (:func:`parse`): pure, no SDK: the block judged by Kubernetes' and the projects' own rules, before any
  resource is registered;
- **manifests** (:func:`manifests` and the builders it calls): pure dicts, exactly what is registered, so tests
  validate them against the projects' released CRD schemas (``tests/fleet/``);
- **resources** (:func:`register`): registered with ``pulumi_kubernetes`` (the ``k8s`` extra), imported only when
  the block is used.

Sources of the shapes (ESO v2.9.0, CSI driver v1.6.0 and its providers; see ``tests/fleet/schemas/SOURCES.md``):
ESO's SecretStore providers ``aws`` (``auth.jwt.serviceAccountRef``), ``gcpsm`` (``auth.workloadIdentity``) and
``azurekv`` (``authType: WorkloadIdentity``) from its CRDs and ``docs/provider/*.md``; the CSI providers' parameters
from secrets-store-csi-driver-provider-aws 3.1.1 ``README.md``, -azure v1.8.2 ``pkg/provider/types`` and -gcp v1.15.0
``config/config.go``; Kubernetes' name rules from apimachinery ``pkg/api/validation/generic.go``
(``ValidateNamespaceName`` is a DNS label, ``ValidateServiceAccountName`` a DNS subdomain) and
``pkg/apis/core/validation`` (``ValidateSecretName``, a DNS subdomain).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rules import _checks as check
from ..rules.common import RotationSpec, StoreName
from ._common import (
    GSA_EMAIL_PATTERN,
    GUID_PATTERN,
    ROLE_ARN_PATTERN,
    ROLE_ARN_RULE,
    Located,
    checked_input,
    cloud_of,
    identity_fields,
    locate,
    pattern_input,
)

__all__ = [
    "DEFAULT_REFRESH_INTERVAL",
    "DEFAULT_SECRET_KEY",
    "DELIVERIES",
    "EXTRA",
    "SDK",
    "KubernetesIdentity",
    "KubernetesSpec",
    "external_secret",
    "go_duration_ns",
    "manifests",
    "parse",
    "register",
    "secret_provider_class",
    "secret_store",
    "service_account",
]

EXTRA, SDK = "k8s", "pulumi_kubernetes"
BLOCK = "kubernetes"

# --- rules -----------------------------------------------------------------------------------------------------

DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = rf"{DNS_LABEL}(\.{DNS_LABEL})*"
MAX_LABEL, MAX_SUBDOMAIN = 63, 253
LABEL_RULE = "an RFC 1123 label: 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit"
SUBDOMAIN_RULE = (
    "an RFC 1123 subdomain: 1-253 of a-z, 0-9, '-' and '.', each dot-separated part starting and ending with a letter or digit"
)
# ESO's pattern for data[].secretKey; as a CSI file name "." and ".." would name a directory, so they are refused too.
SECRET_KEY_PATTERN = r"[-._a-zA-Z0-9]+"
SECRET_KEY_RULE = "1-253 of a-z, A-Z, 0-9, '-', '.' and '_' (not '.' or '..')"
DELIVERIES = ("eso", "csi")
DEFAULT_REFRESH_INTERVAL = "1h"
"""ESO's own default (``1h0m0s``)."""
DEFAULT_SECRET_KEY = "api-key"
STORE_SUFFIX = "-store"
"""The SecretStore of ``secret_name`` is ``<secret_name>-store``."""
FIELDS = (
    "namespace",
    "secret_name",
    "service_account",
    "identity",
    "delivery",
    "refresh_interval",
    "secret_key",
    "create_service_account",
)
IDENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "aws": ("role_arn",),
    "gcp": ("member",),
    "azure": ("client_id", "principal_id", "tenant_id"),
}
"""The identity fields each cloud takes (all required)."""
READER_FIELD = {"aws": "role_arn", "gcp": "member", "azure": "principal_id"}
"""The identity field that is granted read on the key, per cloud."""

# time.ParseDuration (golang/go src/time/format.go): [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, or a bare 0. No "d" unit.
_GO_DURATION = re.compile(r"[-+]?(?:0|(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)")
_GO_TERM = re.compile(r"([0-9]*\.?[0-9]*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX_GO_DURATION_NS = 2**63 - 1
"""A Go ``time.Duration`` is an int64 of nanoseconds (about 2562047h); ParseDuration refuses more."""
DURATION_RULE = "a positive Go duration such as 1h, 15m or 1h30m (units ns, us, ms, s, m, h; no d)"
# GKE Workload Identity Federation principal of a Kubernetes service account (ESO docs/provider/google-secrets-manager.md).
_KSA_PRINCIPAL = re.compile(
    r"principal://iam\.googleapis\.com/projects/[0-9]+/locations/global/workloadIdentityPools/"
    r"(?P<pool>[a-z0-9.-]+)/subject/ns/(?P<namespace>[^/]+)/sa/(?P<sa>[^/]+)"
)
MEMBER_RULE = (
    "principal://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/PROJECT.svc.id.goog/"
    "subject/ns/NAMESPACE/sa/NAME for this block's service account, or serviceAccount:EMAIL of a Google service "
    "account it impersonates"
)
GUID_RULE = "a GUID"


def go_duration_ns(text: str) -> Optional[int]:
    """The nanoseconds a Go duration string stands for, as ``time.ParseDuration`` reads it; None when Go would refuse
    it (bad syntax or beyond an int64). Fractions are truncated, as Go does."""
    if _GO_DURATION.fullmatch(text) is None:
        return None
    negative = text.startswith("-")
    body = text.lstrip("+-")
    if body == "0":
        return 0
    total = Fraction(0)
    for number, unit in _GO_TERM.findall(body):
        total += Fraction(number if not number.endswith(".") else number[:-1] or "0") * _NANOSECONDS[unit]
    nanoseconds = int(total)
    if nanoseconds > _MAX_GO_DURATION_NS + (1 if negative else 0):
        return None
    return -nanoseconds if negative else nanoseconds


@dataclass(frozen=True)
class KubernetesIdentity:
    """The workload's cloud identity, checked (each value a plain string, or an Output checked once it resolves)."""

    cloud: str
    """``aws``, ``gcp`` or ``azure``: the cloud of the store."""
    role_arn: Optional[Any] = None
    """AWS: the IRSA role."""
    member: Optional[Any] = None
    """GCP: the IAM member the cluster reads as."""
    client_id: Optional[Any] = None
    """Azure: the managed identity's client id."""
    principal_id: Optional[Any] = None
    """Azure: its object id, the reader."""
    tenant_id: Optional[Any] = None
    """Azure: its tenant."""

    def values(self) -> dict[str, Any]:
        """The fields of this cloud, by name."""
        return {name: getattr(self, name) for name in IDENTITY_FIELDS[self.cloud]}

    @property
    def reader(self) -> tuple[str, Any]:
        """``(field path, principal)``: the identity that gets read access on the key, as a reader."""
        name = READER_FIELD[self.cloud]
        return f"{BLOCK}.identity.{name}", getattr(self, name)


@dataclass(frozen=True)
class KubernetesSpec:
    """A validated ``kubernetes`` block."""

    namespace: str
    """The pods' namespace, where every object goes."""
    secret_name: str
    """The Kubernetes Secret and ExternalSecret (ESO), or the SecretProviderClass (CSI)."""
    service_account: str
    """The service account the cluster reads the key as."""
    identity: KubernetesIdentity
    """Its cloud identity."""
    delivery: str
    """``eso`` or ``csi``."""
    refresh_interval: Optional[str]
    """ESO's refresh interval; None with ``csi`` (the driver's own flag decides)."""
    secret_key: str
    """The key inside the Secret, or the mounted file's name."""
    create_service_account: bool
    """Whether the service account is registered too."""

    @property
    def cloud(self) -> str:
        """``aws``, ``gcp`` or ``azure``."""
        return self.identity.cloud

    @property
    def store_name(self) -> str:
        """The SecretStore's name (ESO)."""
        return f"{self.secret_name}{STORE_SUFFIX}"

    @property
    def reference(self) -> str:
        """``namespace/name`` of what pods use: the Kubernetes Secret (ESO) or the SecretProviderClass (CSI)."""
        return f"{self.namespace}/{self.secret_name}"


def _name(path: str, value: Any, *, label: bool, max_len: Optional[int] = None) -> str:
    limit = max_len if max_len is not None else (MAX_LABEL if label else MAX_SUBDOMAIN)
    rule = LABEL_RULE if label else SUBDOMAIN_RULE
    if max_len is not None:
        rule = f"{rule}, at most {limit} characters"
    return check.text(path, value, pattern=DNS_LABEL if label else DNS_SUBDOMAIN, max_len=limit, allowed=rule)


def _identity(block: Mapping[str, Any], cloud: str, backend: str, namespace: str, service_account: str) -> KubernetesIdentity:
    path = f"{BLOCK}.identity"
    every = sorted({name for names in IDENTITY_FIELDS.values() for name in names})
    check.known_keys(path, block, every)
    identity_fields(path, block, cloud, IDENTITY_FIELDS, backend)
    if cloud == "aws":
        return KubernetesIdentity(
            cloud, role_arn=pattern_input(f"{path}.role_arn", block["role_arn"], ROLE_ARN_PATTERN, ROLE_ARN_RULE)
        )
    if cloud == "gcp":
        field = f"{path}.member"

        def member(text: str) -> str:
            if text.startswith("serviceAccount:"):
                return "serviceAccount:" + check.text(
                    field, text.removeprefix("serviceAccount:"), pattern=GSA_EMAIL_PATTERN, allowed=MEMBER_RULE
                )
            match = _KSA_PRINCIPAL.fullmatch(text)
            if match is None:
                raise SecureApiKeyError(
                    field, f"is not a principal ESO or the CSI driver can read as (got {check.shown(text)})", MEMBER_RULE
                )
            # Another namespace or service account's principal would be granted, while the pods read as this one.
            if (match["namespace"], match["sa"]) != (namespace, service_account):
                raise SecureApiKeyError(
                    field,
                    f"is the principal of service account {match['namespace']}/{match['sa']}, not of "
                    f"{namespace}/{service_account} (kubernetes.namespace/kubernetes.service_account)",
                    MEMBER_RULE,
                )
            return text

        return KubernetesIdentity(cloud, member=checked_input(field, block["member"], member, MEMBER_RULE))
    return KubernetesIdentity(
        cloud,
        **{name: pattern_input(f"{path}.{name}", block[name], GUID_PATTERN, GUID_RULE) for name in IDENTITY_FIELDS["azure"]},
    )


def _refresh_interval(block: Mapping[str, Any], delivery: str, rotation: Optional[RotationSpec]) -> Optional[str]:
    field = f"{BLOCK}.refresh_interval"
    given = block.get("refresh_interval")
    if delivery == "csi":
        if given is not None:
            raise SecureApiKeyError(
                field,
                "does not apply to delivery csi: the Secrets Store CSI driver re-reads mounted secrets by a flag of the "
                "driver itself (--enable-secret-rotation, --rotation-poll-interval, default 2m), not per secret",
                "leave refresh_interval out with delivery csi, or use delivery eso",
            )
        return None
    interval = check.text(field, given if given is not None else DEFAULT_REFRESH_INTERVAL, max_len=64, allowed=DURATION_RULE)
    nanoseconds = go_duration_ns(interval)
    if nanoseconds is None:
        raise SecureApiKeyError(field, f"is not a Go duration (got {check.shown(interval)})", DURATION_RULE)
    if nanoseconds <= 0:
        # 0s makes ESO sync once and never again: a rotated key would never reach the pods.
        raise SecureApiKeyError(
            field, f"is not positive (got {check.shown(interval)}): ESO would never read a new key", DURATION_RULE
        )
    if rotation is not None and rotation.managed and rotation.every_days is not None:
        # The previous key stays valid for one rotation period: a refresh must land well inside it.
        overlap_ns = rotation.every_days * 86_400 * 10**9
        if nanoseconds >= overlap_ns:
            raise SecureApiKeyError(
                field,
                f"is not shorter than the rotation period ({rotation.every_days} days), for which the previous key stays "
                "valid: a pod could still hold a revoked key",
                f"a Go duration shorter than {rotation.every_days * 24}h (refresh interval + your app's cache TTL < "
                "rotation.every_days)",
            )
    return interval


def parse(raw: Any, kept_in: Optional[StoreName], rotation: Optional[RotationSpec]) -> KubernetesSpec:
    """The ``kubernetes`` block, judged for a key kept in ``kept_in`` (the ``backend`` the user named; None for an API
    Gateway key kept in API Gateway alone) with ``rotation`` (already validated)."""
    block = check.mapping(BLOCK, raw)
    check.known_keys(BLOCK, block, FIELDS)
    cloud = cloud_of(BLOCK, kept_in)
    assert kept_in is not None  # cloud_of refused the rest
    for required in ("namespace", "secret_name", "service_account", "identity"):
        if block.get(required) is None:
            raise SecureApiKeyError(f"{BLOCK}.{required}", "is required", _REQUIRED[required])
    delivery = check.choice(f"{BLOCK}.delivery", block.get("delivery", "eso"), DELIVERIES)
    namespace = _name(f"{BLOCK}.namespace", block["namespace"], label=True)
    # ESO's SecretStore is named <secret_name>-store, which must be a subdomain of at most 253 characters too.
    max_name = MAX_SUBDOMAIN - len(STORE_SUFFIX) if delivery == "eso" else MAX_SUBDOMAIN
    secret_name = _name(f"{BLOCK}.secret_name", block["secret_name"], label=False, max_len=max_name)
    service_account = _name(f"{BLOCK}.service_account", block["service_account"], label=False)
    secret_key = check.text(
        f"{BLOCK}.secret_key",
        block.get("secret_key", DEFAULT_SECRET_KEY),
        pattern=SECRET_KEY_PATTERN,
        max_len=253,
        allowed=SECRET_KEY_RULE,
    )
    if secret_key in (".", ".."):
        raise SecureApiKeyError(f"{BLOCK}.secret_key", f"is {secret_key!r}, which names a directory", SECRET_KEY_RULE)
    identity = _identity(check.mapping(f"{BLOCK}.identity", block["identity"]), cloud, kept_in.value, namespace, service_account)
    return KubernetesSpec(
        namespace=namespace,
        secret_name=secret_name,
        service_account=service_account,
        identity=identity,
        delivery=delivery,
        refresh_interval=_refresh_interval(block, delivery, rotation),
        secret_key=secret_key,
        create_service_account=check.boolean(f"{BLOCK}.create_service_account", block.get("create_service_account", False)),
    )


_REQUIRED = {
    "namespace": "the namespace the pods run in, e.g. inference",
    "secret_name": "the name pods refer to, e.g. openai",
    "service_account": "the Kubernetes service account with the workload identity, e.g. summarizer",
    "identity": "the workload's cloud identity: role_arn (AWS), member (GCP), or client_id, principal_id and tenant_id (Azure)",
}


# --- manifests -------------------------------------------------------------------------------------------------

ESO_API_VERSION = "external-secrets.io/v1"
CSI_API_VERSION = "secrets-store.csi.x-k8s.io/v1"
CSI_PROVIDERS = {"aws": "aws", "gcp": "gcp", "azure": "azure"}


def _metadata(spec: KubernetesSpec, name: str, annotations: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": spec.namespace}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return metadata


def secret_store(spec: KubernetesSpec, where: Located, identity: Mapping[str, str]) -> dict[str, Any]:
    """ESO: a namespaced SecretStore reading ``where``'s store as ``spec.service_account`` (workload identity)."""
    account = {"name": spec.service_account}
    provider: dict[str, Any]
    if spec.cloud == "aws":
        # IRSA: ESO requests a token for the service account and assumes the role of its annotation.
        provider = {"aws": {"service": "SecretsManager", "region": where.region, "auth": {"jwt": {"serviceAccountRef": account}}}}
    elif spec.cloud == "gcp":
        # The cluster's location, name and project are read from the metadata server when left out.
        provider = {"gcpsm": {"projectID": where.project, "auth": {"workloadIdentity": {"serviceAccountRef": account}}}}
    else:
        provider = {
            "azurekv": {
                "vaultUrl": where.vault_url,
                "authType": "WorkloadIdentity",
                "serviceAccountRef": account,
                "tenantId": identity["tenant_id"],
            }
        }
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "SecretStore",
        "metadata": _metadata(spec, spec.store_name),
        "spec": {"provider": provider},
    }


def external_secret(spec: KubernetesSpec, where: Located) -> dict[str, Any]:
    """ESO: the ExternalSecret that keeps the Kubernetes Secret ``spec.secret_name`` in sync with the versionless secret.

    ``creationPolicy: Owner``: the Secret is owned by the ExternalSecret, so removing the block (or replacing the
    ExternalSecret) garbage-collects it: no copy of the key is left behind in the cluster. ``deletionPolicy: Retain``
    (ESO's default, written out): should the store's secret be unreadable as deleted (a replacement in progress, a
    revoked grant), the Kubernetes Secret keeps its last value, so pods that start meanwhile still get a key, instead
    of a Secret deleted under them (``Delete``).
    """
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "ExternalSecret",
        "metadata": _metadata(spec, spec.secret_name),
        "spec": {
            "refreshInterval": spec.refresh_interval,
            "secretStoreRef": {"kind": "SecretStore", "name": spec.store_name},
            "target": {"name": spec.secret_name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [{"secretKey": spec.secret_key, "remoteRef": {"key": where.name}}],
        },
    }


def _yaml(value: Any) -> str:
    import yaml  # PyYAML comes with pulumi

    text: str = yaml.safe_dump(value, sort_keys=False, default_flow_style=False)
    return text


def secret_provider_class(spec: KubernetesSpec, where: Located, identity: Mapping[str, str]) -> dict[str, Any]:
    """CSI: the SecretProviderClass a pod's volume names; the provider reads the versionless secret as the mounting
    pod's service account. Every parameter is a string (``spec.parameters`` is ``map[string]string``)."""
    parameters: dict[str, str]
    if spec.cloud == "aws":
        # objectName may be the ARN; objectAlias names the file (an ARN would not make one).
        objects = [{"objectName": where.name, "objectType": "secretsmanager", "objectAlias": spec.secret_key}]
        # region given: otherwise the provider looks up the node's region label on each mount.
        parameters = {"objects": _yaml(objects), "region": where.region}
    elif spec.cloud == "gcp":
        secrets = [{"resourceName": where.ref, "path": spec.secret_key}]
        parameters = {"secrets": _yaml(secrets), "auth": "pod-adc"}  # pod-adc: the pod's workload identity
    else:
        # "objects" is "array:" of items that are YAML documents themselves (provider-azure pkg/provider/types).
        item = _yaml({"objectName": where.name, "objectType": "secret", "objectAlias": spec.secret_key})
        parameters = {
            "keyvaultName": where.vault,
            "clientID": identity["client_id"],  # Azure Workload Identity
            "tenantID": identity["tenant_id"],  # tenantID: the key provider-azure v1.8 reads (tenantId is deprecated)
            "objects": "array:\n  - |\n" + "".join(f"    {line}\n" for line in item.splitlines()),
        }
    return {
        "apiVersion": CSI_API_VERSION,
        "kind": "SecretProviderClass",
        "metadata": _metadata(spec, spec.secret_name),
        "spec": {"provider": CSI_PROVIDERS[spec.cloud], "parameters": parameters},
    }


def service_account(spec: KubernetesSpec, identity: Mapping[str, str]) -> dict[str, Any]:
    """The Kubernetes service account (``create_service_account``), with the annotation that binds it to the cloud
    identity."""
    annotations: dict[str, str] = {}
    if spec.cloud == "aws":
        annotations["eks.amazonaws.com/role-arn"] = identity["role_arn"]
    elif spec.cloud == "gcp":
        member = identity["member"]
        if member.startswith("serviceAccount:"):  # a principal:// needs no annotation: IAM names the KSA itself
            annotations["iam.gke.io/gcp-service-account"] = member.removeprefix("serviceAccount:")
    else:
        annotations["azure.workload.identity/client-id"] = identity["client_id"]
        annotations["azure.workload.identity/tenant-id"] = identity["tenant_id"]
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(spec, spec.service_account, annotations)}


def manifests(spec: KubernetesSpec, ref: str, identity: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every object :func:`register` registers, in order, for the store's ``secret_ref`` ``ref`` and the resolved
    identity values."""
    where = locate(spec.cloud, ref)
    objects = [service_account(spec, identity)] if spec.create_service_account else []
    if spec.delivery == "eso":
        objects += [secret_store(spec, where, identity), external_secret(spec, where)]
    else:
        objects.append(secret_provider_class(spec, where, identity))
    return objects


# --- resources -------------------------------------------------------------------------------------------------


def register(name: str, spec: KubernetesSpec, parent: pulumi.Resource, secret_ref: "pulumi.Output[str]") -> "pulumi.Output[str]":
    """Register the block's objects under ``parent``, with the Kubernetes provider ``parent`` hands down (its
    ``providers`` option); return ``namespace/name`` of what pods use, known once it exists.

    Logical names do not depend on the object names: changing ``secret_name`` or ``namespace`` keeps the URNs, and
    pulumi-kubernetes replaces an object whose name or namespace changes, creating the new one before deleting the old
    (it deletes first only when both stay the same). Switching ``delivery`` deletes one set and creates the other.
    Names and namespaces are plain values, never Outputs: a replaced store secret updates the objects' specs in
    place rather than making their identity unknown.
    """
    import pulumi_kubernetes as k8s

    # Each identity value is a plain string or an Output that checks it when it resolves (the rules made it so).
    resolved = pulumi.Output.all(ref=secret_ref, **spec.identity.values())

    def part(kind: str, key: str) -> "pulumi.Output[Any]":
        def pick(values: dict[str, Any]) -> Any:
            identity = {k: v for k, v in values.items() if k != "ref"}
            return next(obj for obj in manifests(spec, values["ref"], identity) if obj["kind"] == kind)[key]

        return resolved.apply(pick)

    opts = pulumi.ResourceOptions(parent=parent)
    if spec.create_service_account:
        # The annotation names the identity only: the account does not wait for the store's secret.
        annotations = pulumi.Output.all(**spec.identity.values()).apply(
            lambda identity: service_account(spec, identity)["metadata"].get("annotations", {})
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.service_account, namespace=spec.namespace, annotations=annotations),
            opts=opts,
        )
        opts = pulumi.ResourceOptions(parent=parent, depends_on=[account])
    used: pulumi.Resource
    if spec.delivery == "eso":
        store = k8s.apiextensions.CustomResource(
            f"{name}-secret-store",
            api_version=ESO_API_VERSION,
            kind="SecretStore",
            metadata=_metadata(spec, spec.store_name),
            spec=part("SecretStore", "spec"),
            opts=opts,
        )
        used = k8s.apiextensions.CustomResource(
            f"{name}-external-secret",
            api_version=ESO_API_VERSION,
            kind="ExternalSecret",
            metadata=_metadata(spec, spec.secret_name),
            spec=part("ExternalSecret", "spec"),
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[store])),
        )
    else:
        used = k8s.apiextensions.CustomResource(
            f"{name}-secret-provider-class",
            api_version=CSI_API_VERSION,
            kind="SecretProviderClass",
            metadata=_metadata(spec, spec.secret_name),
            spec=part("SecretProviderClass", "spec"),
            opts=opts,
        )
    reference = spec.reference
    return used.id.apply(lambda _: reference)
