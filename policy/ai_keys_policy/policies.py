"""The policies of the ai-keys policy pack.

Mandatory:

* :data:`no_plaintext_api_keys` — no resource input holds a plaintext API key (pattern detection on
  every string input; entropy detection on environment variables of the types in
  :data:`ai_keys_policy.envvars.SUPPORTED_TYPES`).
* :data:`no_plaintext_api_keys_in_outputs` — no stack output holds a plaintext API key.

Advisory:

* :data:`secret_store_customer_managed_key` — secrets are encrypted with a customer-managed key.
* :data:`secret_store_rotation` — secrets are rotated (AWS, GCP) or expire (Azure).
* :data:`secret_store_no_public_read` — no secret is readable by everyone.

Each validation has a pure core (``find_*`` / ``*_problems``) that takes plain properties, so it can be
tested and reused without the policy SDK's argument objects. Violation messages never contain a
property value, only at most the fixed prefix of a key's kind (``sk-…``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .detectors import (
    DEFAULT_ENTROPY_THRESHOLD,
    DEFAULT_HEX_ENTROPY_THRESHOLD,
    DEFAULT_MIN_ENTROPY_LENGTH,
    KeyKind,
    find_keys,
    looks_high_entropy,
)
from .envvars import SECURE_ALTERNATIVES, env_vars
from .props import UNKNOWN, get, is_present, iter_strings, parse_json, reveal, to_plain

__all__ = [
    "POLICIES",
    "Finding",
    "KeyCheckConfig",
    "cmk_problems",
    "describe_finding",
    "find_plaintext_keys",
    "find_plaintext_keys_in_outputs",
    "no_plaintext_api_keys",
    "no_plaintext_api_keys_in_outputs",
    "public_read_problems",
    "rotation_problems",
    "secret_store_customer_managed_key",
    "secret_store_no_public_read",
    "secret_store_rotation",
]

AWS_SECRET = "aws:secretsmanager/secret:Secret"
AWS_SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
AWS_SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_REGIONAL_SECRET = "gcp:secretmanager/regionalSecret:RegionalSecret"
AZURE_KEY_VAULT_SECRET = "azure-native:keyvault:Secret"
STACK = "pulumi:pulumi:Stack"

GCP_IAM_MEMBER_TYPES = frozenset(
    {
        "gcp:secretmanager/secretIamMember:SecretIamMember",
        "gcp:secretmanager/regionalSecretIamMember:RegionalSecretIamMember",
    }
)
GCP_IAM_BINDING_TYPES = frozenset(
    {
        "gcp:secretmanager/secretIamBinding:SecretIamBinding",
        "gcp:secretmanager/regionalSecretIamBinding:RegionalSecretIamBinding",
    }
)
GCP_IAM_POLICY_TYPES = frozenset(
    {
        "gcp:secretmanager/secretIamPolicy:SecretIamPolicy",
        "gcp:secretmanager/regionalSecretIamPolicy:RegionalSecretIamPolicy",
    }
)
GCP_PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})

_SECRET_FIX = (
    "Pass the key as a Pulumi secret (config.require_secret(...) or pulumi.Output.secret(...)), "
    "or better, store it in a secret store (for example with ai_keys.SecureApiKey) and hand the "
    "workload a reference to it"
)


# --------------------------------------------------------------------------------------------------
# Mandatory: no plaintext API keys in resource inputs
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyCheckConfig:
    """Configuration of :data:`no_plaintext_api_keys` (see its ``config_schema``)."""

    entropy_threshold: float = DEFAULT_ENTROPY_THRESHOLD
    """Minimum Shannon entropy (bits per character) of a flagged non-hex environment value."""

    hex_entropy_threshold: float = DEFAULT_HEX_ENTROPY_THRESHOLD
    """Minimum Shannon entropy (bits per character) of a flagged hex environment value."""

    min_entropy_length: int = DEFAULT_MIN_ENTROPY_LENGTH
    """Environment values shorter than this are never checked for entropy."""

    check_entropy: bool = True
    """Whether environment values are checked for entropy at all."""

    allowed_env_var_names: tuple[str, ...] = ()
    """Environment variable names (shell-style wildcards allowed) never checked for entropy."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeyCheckConfig:
        """Build the configuration from the policy's config mapping (camelCase keys)."""
        default = cls()
        allowed = config.get("allowedEnvVarNames", default.allowed_env_var_names)
        if isinstance(allowed, str) or not isinstance(allowed, Sequence):
            msg = "allowedEnvVarNames must be a list of strings"
            raise TypeError(msg)
        return cls(
            entropy_threshold=float(config.get("entropyThreshold", default.entropy_threshold)),
            hex_entropy_threshold=float(config.get("hexEntropyThreshold", default.hex_entropy_threshold)),
            min_entropy_length=int(config.get("minEntropyLength", default.min_entropy_length)),
            check_entropy=bool(config.get("checkEntropy", default.check_entropy)),
            allowed_env_var_names=tuple(str(name) for name in allowed),
        )

    def allows(self, env_var_name: str) -> bool:
        """True when ``env_var_name`` matches one of :attr:`allowed_env_var_names`."""
        return any(fnmatch.fnmatchcase(env_var_name, pattern) for pattern in self.allowed_env_var_names)


KEY_CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "entropyThreshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 8,
            "default": DEFAULT_ENTROPY_THRESHOLD,
            "description": "Minimum Shannon entropy (bits per character) of a flagged environment value.",
        },
        "hexEntropyThreshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 4,
            "default": DEFAULT_HEX_ENTROPY_THRESHOLD,
            "description": "Minimum Shannon entropy of a flagged environment value made of hex digits only.",
        },
        "minEntropyLength": {
            "type": "integer",
            "minimum": 1,
            "default": DEFAULT_MIN_ENTROPY_LENGTH,
            "description": "Environment values shorter than this are never checked for entropy.",
        },
        "checkEntropy": {
            "type": "boolean",
            "default": True,
            "description": "Set to false to check environment values for known key patterns only.",
        },
        "allowedEnvVarNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                "Environment variable names whose values are never checked for entropy; shell-style "
                "wildcards such as GIT_* are allowed. Known key patterns are still reported."
            ),
        },
    }
)
"""Configuration schema of :data:`no_plaintext_api_keys`."""


@dataclass(frozen=True)
class Finding:
    """A plaintext key found in a resource's properties. Holds no part of the value."""

    path: str
    """Property path of the value, e.g. ``environment.variables.OPENAI_API_KEY``."""

    kind: KeyKind
    """What was found."""

    hint: str
    """The fixed prefix of the key's kind followed by ``…`` (empty for high-entropy values)."""

    env_var: str | None = None
    """The environment variable's name when the value is one."""


def find_plaintext_keys(resource_type: str, props: Any, config: KeyCheckConfig | None = None) -> list[Finding]:
    """Return the plaintext keys in a resource's input properties.

    ``props`` must be a :func:`ai_keys_policy.props.to_plain` structure. Known key patterns are
    searched in every string; environment variables of supported types are also checked for
    entropy. Values marked secret and unknown values are skipped.
    """
    config = config or KeyCheckConfig()
    env = {var.path: var for var in env_vars(resource_type, props)}
    findings: list[Finding] = []
    for path, text in iter_strings(props):
        var = env.get(path)
        findings += [Finding(path, m.kind, m.hint, var.name if var else None) for m in find_keys(text)]
    if config.check_entropy:
        flagged = {f.path for f in findings}
        for var in env.values():
            if (
                var.path not in flagged
                and isinstance(var.value, str)
                and not config.allows(var.name)
                and looks_high_entropy(
                    var.value,
                    threshold=config.entropy_threshold,
                    hex_threshold=config.hex_entropy_threshold,
                    min_length=config.min_entropy_length,
                )
            ):
                findings.append(Finding(var.path, KeyKind.HIGH_ENTROPY, "", var.name))
    return findings


def _redaction(finding: Finding) -> str:
    return f" (value starts with '{finding.hint}', rest redacted)" if finding.hint else ""


def describe_finding(resource_type: str, resource_name: str, finding: Finding) -> str:
    """Return the violation message for ``finding``; it never contains the value."""
    where = finding.path if finding.env_var is None else f"environment variable {finding.env_var} ({finding.path})"
    message = (
        f"Resource '{resource_name}' ({resource_type}) has what looks like a plaintext "
        f"{finding.kind.label} in {where}{_redaction(finding)}. {_SECRET_FIX}."
    )
    alternative = SECURE_ALTERNATIVES.get(resource_type) if finding.env_var is not None else None
    if alternative:
        message += f" For this resource type: {alternative}."
    if finding.kind is KeyKind.HIGH_ENTROPY:
        message += f" If it is not a secret, list {finding.env_var} in the policy's allowedEnvVarNames."
    return message


def _validate_no_plaintext_keys(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    config = KeyCheckConfig.from_config(args.get_config())
    for finding in find_plaintext_keys(args.resource_type, to_plain(args.props), config):
        report_violation(describe_finding(args.resource_type, args.name, finding), None)


no_plaintext_api_keys = ResourceValidationPolicy(
    name="no-plaintext-api-keys",
    display_name="No plaintext API keys in resource inputs",
    description=(
        "Resource inputs must not hold plaintext API keys (OpenAI, Anthropic, AWS access key ids, "
        "Google API keys) or, in workload environment variables, other high-entropy secrets."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=KEY_CONFIG_SCHEMA,
    tags=["secrets", "ai-keys"],
    validate=_validate_no_plaintext_keys,
    remediation_steps=(
        "Do not put API keys in resource inputs as plain strings. Store the key in a secret store "
        "(AWS Secrets Manager, Azure Key Vault, GCP Secret Manager; ai_keys.SecureApiKey does this) and "
        "give the workload a reference: ECS container 'secrets' with valueFrom, Container Apps "
        "secretRef, App Service Key Vault references, Cloud Run secretKeyRef, Cloud Functions "
        "secretEnvironmentVariables, or the secret's ARN for Lambda. Where a value has to be passed "
        "directly, read it with config.require_secret(...) or wrap it in pulumi.Output.secret(...) so "
        "Pulumi encrypts it. Rotate any key that was committed or deployed in plaintext. For a "
        "false positive on a high-entropy environment value, add the variable name to "
        "allowedEnvVarNames."
    ),
)
"""Mandatory: no plaintext API keys in any resource's inputs."""


# --------------------------------------------------------------------------------------------------
# Mandatory: no plaintext API keys in stack outputs
# --------------------------------------------------------------------------------------------------


def find_plaintext_keys_in_outputs(outputs: Any) -> list[Finding]:
    """Return the plaintext keys (known patterns only) in a stack's outputs.

    ``outputs`` must be a :func:`ai_keys_policy.props.to_plain` structure; secret outputs are
    skipped.
    """
    return [Finding(path, m.kind, m.hint) for path, text in iter_strings(outputs) for m in find_keys(text)]


def _validate_no_plaintext_keys_in_outputs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource in args.resources:
        if resource.resource_type != STACK:
            continue
        for finding in find_plaintext_keys_in_outputs(to_plain(resource.props)):
            report_violation(
                f"Stack output '{finding.path}' holds what looks like a plaintext {finding.kind.label}"
                f"{_redaction(finding)}. Export it wrapped in pulumi.Output.secret(...), or export a "
                "reference to the key (such as SecureApiKey.secret_ref) instead of the key.",
                resource.urn,
            )


no_plaintext_api_keys_in_outputs = StackValidationPolicy(
    name="no-plaintext-api-keys-in-outputs",
    display_name="No plaintext API keys in stack outputs",
    description="Stack outputs must not hold plaintext API keys: they are shown by `pulumi stack output`.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    tags=["secrets", "ai-keys"],
    validate=_validate_no_plaintext_keys_in_outputs,
    remediation_steps=(
        "Export a reference to the key (a secret ARN, Key Vault URI or Secret Manager name) instead "
        "of the key, or wrap the exported value in pulumi.Output.secret(...). Rotate any key that "
        "was exported in plaintext."
    ),
)
"""Mandatory: no plaintext API keys in stack outputs."""


# --------------------------------------------------------------------------------------------------
# Advisory: customer-managed encryption keys
# --------------------------------------------------------------------------------------------------


def _gcp_replication_problems(replication: Any) -> list[str]:
    if replication is UNKNOWN:
        return []
    if not isinstance(replication, dict) or not ({"auto", "userManaged"} & replication.keys()):
        return ["has no replication.auto.customerManagedEncryption (it uses a Google-managed key)"]
    if "userManaged" in replication:
        replicas = get(replication, "userManaged", "replicas", reveal_secrets=True)
        if not isinstance(replicas, list):
            return []
        return [
            f"replica replication.userManaged.replicas[{i}] has no customerManagedEncryption"
            for i, replica in enumerate(replicas)
            if not is_present(get(replica, "customerManagedEncryption", "kmsKeyName", reveal_secrets=True))
        ]
    if not is_present(get(replication, "auto", "customerManagedEncryption", "kmsKeyName", reveal_secrets=True)):
        return ["has no replication.auto.customerManagedEncryption (it uses a Google-managed key)"]
    return []


def cmk_problems(resource_type: str, props: Any) -> list[str]:
    """Return why a secret is not encrypted with a customer-managed key (empty when it is)."""
    if resource_type == AWS_SECRET:
        key = get(props, "kmsKeyId", reveal_secrets=True)
        if not is_present(key):
            return ["has no kmsKeyId (it uses the AWS managed key aws/secretsmanager)"]
        if isinstance(key, str) and key.endswith("alias/aws/secretsmanager"):
            return ["uses the AWS managed key alias/aws/secretsmanager"]
        return []
    if resource_type == GCP_SECRET:
        return _gcp_replication_problems(get(props, "replication", reveal_secrets=True))
    if resource_type == GCP_REGIONAL_SECRET and not is_present(
        get(props, "customerManagedEncryption", "kmsKeyName", reveal_secrets=True)
    ):
        return ["has no customerManagedEncryption (it uses a Google-managed key)"]
    return []


def _validate_cmk(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for problem in cmk_problems(args.resource_type, to_plain(args.props)):
        report_violation(f"Secret '{args.name}' ({args.resource_type}) {problem}.", None)


secret_store_customer_managed_key = ResourceValidationPolicy(
    name="secret-store-customer-managed-key",
    display_name="Secrets use a customer-managed encryption key",
    description=(
        "AWS Secrets Manager and GCP Secret Manager secrets should be encrypted with a customer-managed "
        "KMS key, so that access to the key can be audited and revoked separately."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=["secrets", "encryption", "ai-keys"],
    validate=_validate_cmk,
    remediation_steps=(
        "AWS: set kmsKeyId on the secret to a customer-managed KMS key (with key rotation on) and grant "
        "readers kms:Decrypt through secretsmanager (kms:ViaService). GCP: set "
        "replication.auto.customerManagedEncryption.kmsKeyName, or customerManagedEncryption on every "
        "user-managed replica, after granting the Secret Manager service agent "
        "roles/cloudkms.cryptoKeyEncrypterDecrypter on the key. ai_keys.SecureApiKey does this with "
        "encryption={'create_key': True}."
    ),
)
"""Advisory: secrets are encrypted with a customer-managed key."""


# --------------------------------------------------------------------------------------------------
# Advisory: rotation / expiry
# --------------------------------------------------------------------------------------------------


def _rotates(rotation: PolicyResource, secret: PolicyResource, secret_props: Any) -> bool:
    """True when the SecretRotation ``rotation`` targets ``secret``."""
    if any(dep.urn == secret.urn for dep in rotation.property_dependencies.get("secretId", [])):
        return True
    target = get(to_plain(rotation.props), "secretId", reveal_secrets=True)
    if not isinstance(target, str):
        return False
    return any(target == get(secret_props, key, reveal_secrets=True) for key in ("arn", "id", "name"))


def rotation_problems(resources: Sequence[PolicyResource]) -> list[tuple[PolicyResource, str]]:
    """Return ``(secret, problem)`` for every secret in the stack that is neither rotated nor expiring."""
    rotations = [r for r in resources if r.resource_type == AWS_SECRET_ROTATION]
    problems: list[tuple[PolicyResource, str]] = []
    for resource in resources:
        props = to_plain(resource.props)
        if resource.resource_type == AWS_SECRET:
            if not any(_rotates(rotation, resource, props) for rotation in rotations):
                problems.append((resource, f"has no {AWS_SECRET_ROTATION} in this stack"))
        elif resource.resource_type in (GCP_SECRET, GCP_REGIONAL_SECRET):
            if not is_present(get(props, "rotation", reveal_secrets=True)):
                problems.append((resource, "has no rotation schedule (rotation.rotationPeriod)"))
        elif resource.resource_type == AZURE_KEY_VAULT_SECRET and not is_present(
            get(props, "properties", "attributes", "expires", reveal_secrets=True)
        ):
            problems.append((resource, "has no expiry date (properties.attributes.expires)"))
    return problems


def _validate_rotation(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource, problem in rotation_problems(args.resources):
        report_violation(f"Secret '{resource.name}' ({resource.resource_type}) {problem}.", resource.urn)


secret_store_rotation = StackValidationPolicy(
    name="secret-store-rotation",
    display_name="Secrets are rotated or expire",
    description=(
        "Secrets should be rotated on a schedule: an AWS secret needs a SecretRotation, a GCP secret a "
        "rotation period, an Azure Key Vault secret an expiry date."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=["secrets", "rotation", "ai-keys"],
    validate=_validate_rotation,
    remediation_steps=(
        "AWS: add an aws.secretsmanager.SecretRotation with a rotation Lambda and rotationRules. GCP: "
        "set rotation.rotationPeriod and topics (a Pub/Sub topic the Secret Manager service agent may "
        "publish to) and rotate the key when notified. Azure: set properties.attributes.expires and "
        "react to the Event Grid SecretNearExpiry event. ai_keys.SecureApiKey does this with "
        "rotation={'every_days': N, ...}."
    ),
)
"""Advisory: secrets are rotated or expire."""


# --------------------------------------------------------------------------------------------------
# Advisory: no public read access
# --------------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    value = reveal(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_wildcard_principal(principal: Any) -> bool:
    principal = reveal(principal)
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def _grants_read(statement: dict[str, Any]) -> bool:
    """True when the statement's actions include secretsmanager:GetSecretValue."""

    def covers(pattern: Any) -> bool:
        pattern = reveal(pattern)
        return isinstance(pattern, str) and fnmatch.fnmatchcase("secretsmanager:getsecretvalue", pattern.lower())

    if "NotAction" in statement:
        return not any(covers(p) for p in _as_list(statement["NotAction"]))
    return any(covers(p) for p in _as_list(statement.get("Action")))


def _aws_policy_problems(document: Any) -> list[str]:
    document = reveal(document)
    if isinstance(document, str):
        document = parse_json(document)
    if not isinstance(document, dict):
        return []
    problems = []
    for i, statement in enumerate(_as_list(document.get("Statement"))):
        statement = reveal(statement)
        if (
            isinstance(statement, dict)
            and reveal(statement.get("Effect")) == "Allow"
            and _is_wildcard_principal(statement.get("Principal"))
            and not is_present(statement.get("Condition"))
            and _grants_read(statement)
        ):
            label = reveal(statement.get("Sid")) or f"#{i}"
            problems.append(
                f"has a policy statement ({label}) that lets any principal ('*') read the secret "
                "(secretsmanager:GetSecretValue) without a Condition"
            )
    return problems


def public_read_problems(resource_type: str, props: Any) -> list[str]:
    """Return why a secret-store resource makes a secret readable by everyone (empty when it does not)."""
    if resource_type in (AWS_SECRET, AWS_SECRET_POLICY):
        return _aws_policy_problems(get(props, "policy", reveal_secrets=True))
    if resource_type in GCP_IAM_MEMBER_TYPES:
        members = _as_list(get(props, "member", reveal_secrets=True))
    elif resource_type in GCP_IAM_BINDING_TYPES:
        members = _as_list(get(props, "members", reveal_secrets=True))
    elif resource_type in GCP_IAM_POLICY_TYPES:
        policy = get(props, "policyData", reveal_secrets=True)
        policy = parse_json(policy) if isinstance(policy, str) else policy
        members = [m for b in _as_list(get(policy, "bindings")) for m in _as_list(get(b, "members"))]
    else:
        return []
    public = sorted({m for m in members if m in GCP_PUBLIC_MEMBERS})
    return [f"grants access to {member}" for member in public]


def _validate_no_public_read(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for problem in public_read_problems(args.resource_type, to_plain(args.props)):
        report_violation(f"'{args.name}' ({args.resource_type}) {problem}.", None)


secret_store_no_public_read = ResourceValidationPolicy(
    name="secret-store-no-public-read",
    display_name="Secrets are not readable by everyone",
    description=(
        "Secret-store access policies must not let anyone read a secret: no AWS resource policy that "
        "allows principal '*' to call secretsmanager:GetSecretValue without a Condition, no GCP IAM "
        "grant to allUsers or allAuthenticatedUsers."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    tags=["secrets", "access", "ai-keys"],
    validate=_validate_no_public_read,
    remediation_steps=(
        "Grant read access to the identities of the workloads that need the key only: AWS principal ARNs "
        "in the secret's resource policy (and set blockPublicPolicy on the SecretPolicy), GCP members such "
        "as serviceAccount:app@project.iam.gserviceaccount.com with roles/secretmanager.secretAccessor. "
        "ai_keys.SecureApiKey does this with readers=[...]."
    ),
)
"""Advisory: no secret is readable by everyone."""


POLICIES: tuple[ResourceValidationPolicy | StackValidationPolicy, ...] = (
    no_plaintext_api_keys,
    no_plaintext_api_keys_in_outputs,
    secret_store_customer_managed_key,
    secret_store_rotation,
    secret_store_no_public_read,
)
"""Every policy of the pack, in the order the pack lists them."""
