"""Policies on the keys that the AI services themselves issue: Google API keys, Bedrock API keys, Azure AI account keys.

Advisory:

* :data:`google_api_key_api_targets` — every Google API key (``gcp:projects/apiKey:ApiKey``) names the APIs it
  may call (``restrictions.apiTargets``).
* :data:`bedrock_api_key_expiry` — every Bedrock API key (an IAM service-specific credential for
  ``bedrock.amazonaws.com``) expires (``credentialAgeDays``).

Mandatory:

* :data:`no_plaintext_azure_ai_account_keys` — no stack output and no non-secret property holds an Azure AI
  Services account key (what ``listAccountKeys`` returns unmarked); see :mod:`ai_keys_policy.azure_ai_keys`.

The two advisory checks judge a key's scope and lifetime, like the pack's other advisory checks judge a secret
store's: nothing has leaked yet. The mandatory one, like the pack's other mandatory checks, stops a key being
deployed in plaintext, after which it must be treated as compromised.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .azure_ai_keys import StackValues, find_azure_ai_account_keys
from .props import UNKNOWN, get, reveal, to_plain
from .reporting import ALLOW_BY_NAME_SCHEMA, resource_validator, string_list

__all__ = [
    "BEDROCK_SERVICE",
    "GOOGLE_API_KEY",
    "SERVICE_SPECIFIC_CREDENTIAL",
    "bedrock_api_key_expiry",
    "bedrock_expiry_problems",
    "google_api_key_api_targets",
    "google_api_key_problems",
    "no_plaintext_azure_ai_account_keys",
]

GOOGLE_API_KEY = "gcp:projects/apiKey:ApiKey"
SERVICE_SPECIFIC_CREDENTIAL = "aws:iam/serviceSpecificCredential:ServiceSpecificCredential"
BEDROCK_SERVICE = "bedrock.amazonaws.com"


# --------------------------------------------------------------------------------------------------
# Advisory: Google API keys name the APIs they may call
# --------------------------------------------------------------------------------------------------


def google_api_key_problems(resource_type: str, props: Any) -> list[str]:
    """Return why a Google API key may call any API of its project (empty when it names its APIs)."""
    if resource_type != GOOGLE_API_KEY:
        return []
    restrictions = get(props, "restrictions", reveal_secrets=True)
    if restrictions is UNKNOWN:
        return []  # known at deploy time, judged then
    targets = get(restrictions, "apiTargets", reveal_secrets=True)
    if targets is UNKNOWN:
        return []
    if not isinstance(targets, list) or not targets:
        where = "restrictions" if not isinstance(restrictions, dict) else "restrictions.apiTargets"
        return [f"has no {where}: it can call every API enabled in its project, the Gemini API included"]
    return []


google_api_key_api_targets = ResourceValidationPolicy(
    name="google-api-key-api-targets",
    display_name="Google API keys name the APIs they may call",
    description=(
        "Every Google API key (gcp:projects/apiKey:ApiKey, of any project) should be restricted by "
        "restrictions.apiTargets: a key without it can call every API enabled in its project, so a key made "
        "for Maps becomes a Gemini key the day the Generative Language API is enabled. Advisory, like the "
        "pack's other checks of how keys are scoped: it does not mean a key has leaked."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    config_schema=ALLOW_BY_NAME_SCHEMA,
    tags=["keys", "access", "ai-keys"],
    validate=resource_validator(google_api_key_problems, "Google API key", allow_by_name=True),
    remediation_steps=(
        "Set restrictions.apiTargets to the services the key is for (service: "
        "generativelanguage.googleapis.com for Gemini), and if you can an application restriction (allowed IPs, "
        "referrers, Android or iOS apps). ai_keys.SecureApiKey with issuer={'gemini': {...}} makes such a key, "
        "bound to a service account. To accept a key as it is, list its Pulumi name in allowedResourceNames."
    ),
)
"""Advisory: every Google API key names the APIs it may call."""


# --------------------------------------------------------------------------------------------------
# Advisory: Bedrock API keys expire
# --------------------------------------------------------------------------------------------------


def bedrock_expiry_problems(resource_type: str, props: Any) -> list[str]:
    """Return why a Bedrock API key never expires (empty when it expires, or is not a Bedrock key)."""
    if resource_type != SERVICE_SPECIFIC_CREDENTIAL:
        return []
    service = reveal(get(props, "serviceName", reveal_secrets=True))
    if not isinstance(service, str) or service.strip().lower() != BEDROCK_SERVICE:
        return []  # CodeCommit, Keyspaces, or not known yet
    age = get(props, "credentialAgeDays", reveal_secrets=True)
    if age is None:
        return ["has no credentialAgeDays: the Bedrock API key never expires"]
    return []


bedrock_api_key_expiry = ResourceValidationPolicy(
    name="bedrock-api-key-expiry",
    display_name="Bedrock API keys expire",
    description=(
        "Every Amazon Bedrock long-term API key (an IAM service-specific credential for bedrock.amazonaws.com) "
        "should set credentialAgeDays: without it the key never expires. Advisory, like the pack's rotation "
        "check (secret-store-rotation): a key that lives long is a risk, not a leak."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    config_schema=ALLOW_BY_NAME_SCHEMA,
    tags=["keys", "rotation", "ai-keys"],
    validate=resource_validator(bedrock_expiry_problems, "Bedrock API key", allow_by_name=True),
    remediation_steps=(
        "Set credentialAgeDays (1 to 36600) on the aws.iam.ServiceSpecificCredential, and make a new key before "
        "it expires (IAM allows two per user and service, so the old one can stay live meanwhile). For "
        "production, AWS recommends short-term keys (at most 12 hours, made by the app with "
        "aws-bedrock-token-generator from its own role). ai_keys.SecureApiKey with issuer={'bedrock': {...}} "
        "sets an expiry of 90 days unless told otherwise. To accept a key as it is, list its Pulumi name in "
        "allowedResourceNames."
    ),
)
"""Advisory: every Bedrock API key expires."""


# --------------------------------------------------------------------------------------------------
# Mandatory: no Azure AI Services account key in plaintext
# --------------------------------------------------------------------------------------------------


def _validate_azure_ai_account_keys(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    allowed = string_list(args.get_config(), "allowedPaths")
    resources = [StackValues(r.resource_type, r.name, r.urn, to_plain(r.props)) for r in args.resources]
    for finding in find_azure_ai_account_keys(resources, allowed):
        if finding.resource_type == "pulumi:pulumi:Stack":
            where = f"Stack output '{finding.path}'"
        else:
            where = f"Resource '{finding.resource}' ({finding.resource_type}) property {finding.path}"
        report_violation(
            f"{where} holds what looks like a plaintext Azure OpenAI / AI services account key: it {finding.reason} "
            "(value redacted). azure-native returns listAccountKeys' key1 and key2 unmarked: wrap the key in "
            "pulumi.Output.secret(...) where it is read, or store it with ai_keys.SecureApiKey "
            "(issuer={'azure_ai_services': {...}}) and export its secret_ref instead.",
            finding.urn,
        )


no_plaintext_azure_ai_account_keys = StackValidationPolicy(
    name="no-plaintext-azure-ai-account-keys",
    display_name="No plaintext Azure AI Services account keys",
    description=(
        "No stack output and no resource property may hold an Azure OpenAI / AI Services (Cognitive Services) "
        "account key unmarked, as azure-native's listAccountKeys returns it: keys of the current 84-character "
        "format anywhere, 32-hex keys under key1/key2 or a name that says whose key it is, and unmarked copies "
        "of a key the stack holds as a secret. Mandatory, like the pack's other plaintext-key checks."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedPaths": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": (
                    "Places never reported: a stack output's path (keys.key1) or <resource name>:<property path> "
                    "(legacy-app:tags.key1); shell-style wildcards allowed."
                ),
            }
        }
    ),
    tags=["secrets", "ai-keys"],
    validate=_validate_azure_ai_account_keys,
    remediation_steps=(
        "Wrap what listAccountKeys returns in pulumi.Output.secret(...) before anything else uses it "
        "(pulumi.Output.secret(keys.key1)), or let ai_keys.SecureApiKey with issuer={'azure_ai_services': {...}} "
        "read and store it, and export a reference to the stored key (secret_ref) rather than the key. Better "
        "still, call the account with Entra ID (DefaultAzureCredential and the Cognitive Services OpenAI User "
        "role) and disable local auth. Regenerate any key that was exported or deployed in plaintext. For a "
        "false positive, list the output path or <resource name>:<property path> in allowedPaths."
    ),
)
"""Mandatory: no Azure AI Services account key in plaintext."""
