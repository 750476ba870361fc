"""The policies of the ai-keys policy pack.

Mandatory:

* :data:`no_plaintext_api_keys` — no resource input holds a plaintext API key (fixed-prefix vendor
  patterns on every string input, base64 decoded; name-based vendor rules and the entropy rule on
  the value slots of the types in :data:`ai_keys_policy.envvars.SUPPORTED_TYPES`).
* :data:`no_plaintext_api_keys_in_outputs` — no stack output holds a plaintext API key (the same
  rules, each output a value slot).

Advisory:

* :data:`secret_store_customer_managed_key` — secrets are encrypted with a customer-managed key.
* :data:`secret_store_rotation` — secrets are rotated (AWS, GCP) or expire (Azure).
* :data:`secret_store_no_public_read` — no secret is readable by everyone.

The policies on the keys AI services issue (Google API keys, Bedrock API keys, Azure AI account keys) live
in :mod:`ai_keys_policy.service_keys`; :data:`POLICIES` lists them too.

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
)
from .envvars import SECURE_ALTERNATIVES, env_vars
from .iam import public_read_statements
from .props import UNKNOWN, get, is_present, parse_json, reveal, to_plain
from .reporting import resource_validator, string_list
from .scan import EntropySettings, Finding, output_slots, scan
from .service_keys import bedrock_api_key_expiry, google_api_key_api_targets, no_plaintext_azure_ai_account_keys

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
    """Configuration of :data:`no_plaintext_api_keys` and :data:`no_plaintext_api_keys_in_outputs`."""

    entropy_threshold: float = DEFAULT_ENTROPY_THRESHOLD
    """Minimum Shannon entropy (bits per character) of a flagged non-hex value."""

    hex_entropy_threshold: float = DEFAULT_HEX_ENTROPY_THRESHOLD
    """Minimum Shannon entropy (bits per character) of a flagged hex value."""

    min_entropy_length: int = DEFAULT_MIN_ENTROPY_LENGTH
    """Values shorter than this are never checked for entropy."""

    check_entropy: bool = True
    """Whether values are checked for entropy at all."""

    allowed_env_var_names: tuple[str, ...] = ()
    """Names of variables, settings, data keys and outputs (shell-style wildcards allowed) whose
    values are never checked for entropy."""

    allowed_values: tuple[str, ...] = ()
    """Values (shell-style wildcards allowed) never checked for entropy."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeyCheckConfig:
        """Build the configuration from the policy's config mapping (camelCase keys)."""
        default = cls()
        return cls(
            entropy_threshold=float(config.get("entropyThreshold", default.entropy_threshold)),
            hex_entropy_threshold=float(config.get("hexEntropyThreshold", default.hex_entropy_threshold)),
            min_entropy_length=int(config.get("minEntropyLength", default.min_entropy_length)),
            check_entropy=bool(config.get("checkEntropy", default.check_entropy)),
            allowed_env_var_names=string_list(config, "allowedEnvVarNames", default.allowed_env_var_names),
            allowed_values=string_list(config, "allowedValues", default.allowed_values),
        )

    def allows(self, env_var_name: str) -> bool:
        """True when ``env_var_name`` matches one of :attr:`allowed_env_var_names`."""
        return any(fnmatch.fnmatchcase(env_var_name, pattern) for pattern in self.allowed_env_var_names)

    def entropy_settings(self) -> EntropySettings:
        """The settings of the entropy rule."""
        return EntropySettings(
            enabled=self.check_entropy,
            threshold=self.entropy_threshold,
            hex_threshold=self.hex_entropy_threshold,
            min_length=self.min_entropy_length,
            allowed_names=self.allowed_env_var_names,
            allowed_values=self.allowed_values,
        )


KEY_CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "entropyThreshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 8,
            "default": DEFAULT_ENTROPY_THRESHOLD,
            "description": "Minimum Shannon entropy (bits per character) of a flagged value.",
        },
        "hexEntropyThreshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 4,
            "default": DEFAULT_HEX_ENTROPY_THRESHOLD,
            "description": "Minimum Shannon entropy of a flagged value made of hex digits only.",
        },
        "minEntropyLength": {
            "type": "integer",
            "minimum": 1,
            "default": DEFAULT_MIN_ENTROPY_LENGTH,
            "description": "Values shorter than this are never checked for entropy.",
        },
        "checkEntropy": {
            "type": "boolean",
            "default": True,
            "description": "Set to false to check values for vendor key patterns only.",
        },
        "allowedEnvVarNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                "Names of environment variables, settings, data keys and outputs whose values are never "
                "checked for entropy; shell-style wildcards such as GIT_* are allowed. Vendor key patterns "
                "are still reported."
            ),
        },
        "allowedValues": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                "Values never checked for entropy; shell-style wildcards such as build-* are allowed. "
                "Vendor key patterns are still reported."
            ),
        },
    }
)
"""Configuration schema of the two mandatory policies."""


def find_plaintext_keys(resource_type: str, props: Any, config: KeyCheckConfig | None = None) -> list[Finding]:
    """Return the plaintext keys in a resource's input properties.

    ``props`` must be a :func:`ai_keys_policy.props.to_plain` structure. Vendor key patterns are
    searched in every string (and in what base64 strings encode); the value slots of supported
    types are also judged by the name-based vendor rules and the entropy rule (see
    :mod:`ai_keys_policy.scan`). Values marked secret and unknown values are skipped.
    """
    config = config or KeyCheckConfig()
    return scan(props, env_vars(resource_type, props), config.entropy_settings())


def _redaction(finding: Finding) -> str:
    decoded = " (base64-encoded)" if finding.decoded else ""
    return decoded + (f" (value starts with '{finding.hint}', rest redacted)" if finding.hint else "")


def _where(finding: Finding) -> str:
    return finding.path if finding.env_var is None else f"{finding.what} {finding.env_var} ({finding.path})"


def describe_finding(resource_type: str, resource_name: str, finding: Finding) -> str:
    """Return the violation message for ``finding``: resource, property path and rule, never the value."""
    message = (
        f"Resource '{resource_name}' ({resource_type}) has what looks like a plaintext "
        f"{finding.kind.label} in {_where(finding)}{_redaction(finding)} [rule {finding.kind.rule}]. {_SECRET_FIX}."
    )
    alternative = SECURE_ALTERNATIVES.get(resource_type) if finding.env_var is not None else None
    if alternative:
        message += f" For this resource type: {alternative}."
    if finding.kind is KeyKind.HIGH_ENTROPY:
        message += _allow_hint(finding)
    return message


def _allow_hint(finding: Finding) -> str:
    name = f"{finding.env_var} in the policy's allowedEnvVarNames or " if finding.env_var else ""
    return f" If it is not a secret, list {name}the value (or a wildcard pattern) in allowedValues."


def _validate_no_plaintext_keys(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    config = KeyCheckConfig.from_config(args.get_config())
    for finding in find_plaintext_keys(args.resource_type, to_plain(args.props), config):
        report_violation(describe_finding(args.resource_type, args.name, finding), None)


no_plaintext_api_keys = ResourceValidationPolicy(
    name="no-plaintext-api-keys",
    display_name="No plaintext API keys in resource inputs",
    description=(
        "Resource inputs must not hold plaintext API keys (OpenAI, Anthropic, Google, AWS, Amazon Bedrock, "
        "AWS API Gateway, Azure OpenAI, Mistral, Cohere, Hugging Face, Groq, Together, Perplexity, xAI, DeepSeek, "
        "OpenRouter, Replicate), "
        "also base64-encoded, or, in environment variables, settings, Kubernetes Secrets and ConfigMaps, "
        "SSM parameters and user data, other high-entropy secrets."
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
        "false positive of the entropy rule, add the variable name to allowedEnvVarNames or the "
        "value (wildcards allowed) to allowedValues."
    ),
)
"""Mandatory: no plaintext API keys in any resource's inputs."""


# --------------------------------------------------------------------------------------------------
# Mandatory: no plaintext API keys in stack outputs
# --------------------------------------------------------------------------------------------------


def find_plaintext_keys_in_outputs(outputs: Any, config: KeyCheckConfig | None = None) -> list[Finding]:
    """Return the plaintext keys in a stack's outputs.

    ``outputs`` must be a :func:`ai_keys_policy.props.to_plain` structure; secret outputs are
    skipped. Each output is a value slot named by its output name.
    """
    config = config or KeyCheckConfig()
    return scan(outputs, list(output_slots(outputs)), config.entropy_settings())


def _validate_no_plaintext_keys_in_outputs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = KeyCheckConfig.from_config(args.get_config())
    for resource in args.resources:
        if resource.resource_type != STACK:
            continue
        for finding in find_plaintext_keys_in_outputs(to_plain(resource.props), config):
            message = (
                f"Stack output '{finding.path}' holds what looks like a plaintext {finding.kind.label}"
                f"{_redaction(finding)} [rule {finding.kind.rule}]. Export it wrapped in pulumi.Output.secret(...), "
                "or export a reference to the key (such as SecureApiKey.secret_ref) instead of the key."
            )
            if finding.kind is KeyKind.HIGH_ENTROPY:
                message += _allow_hint(finding)
            report_violation(message, resource.urn)


no_plaintext_api_keys_in_outputs = StackValidationPolicy(
    name="no-plaintext-api-keys-in-outputs",
    display_name="No plaintext API keys in stack outputs",
    description="Stack outputs must not hold plaintext API keys: they are shown by `pulumi stack output`.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=KEY_CONFIG_SCHEMA,
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
    validate=resource_validator(cmk_problems, "Secret"),
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


def _aws_policy_problems(document: Any) -> list[str]:
    return [f"has a policy statement ({st.label}) that {st.reason}" for st in public_read_statements(document)]


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


secret_store_no_public_read = ResourceValidationPolicy(
    name="secret-store-no-public-read",
    display_name="Secrets are not readable by everyone",
    description=(
        "Secret-store access policies must not let anyone read a secret: no AWS resource policy that "
        "allows a wildcard principal (or everyone but a NotPrincipal) to call secretsmanager:GetSecretValue "
        "without a Condition that restricts the principal, no GCP IAM grant to allUsers or allAuthenticatedUsers."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    tags=["secrets", "access", "ai-keys"],
    validate=resource_validator(public_read_problems),
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
    no_plaintext_azure_ai_account_keys,
    google_api_key_api_targets,
    bedrock_api_key_expiry,
)
"""Every policy of the pack, in the order the pack lists them."""
