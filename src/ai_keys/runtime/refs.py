"""Parse the ``secret_ref`` a stack exports into what each cloud's client needs.

Pure string handling: no SDK imports, no I/O. The accepted forms are exactly what the backends'
``secret_ref`` output produces (plus the sovereign-cloud and version-pinned variants of each).
"""

import re
from dataclasses import dataclass
from typing import Optional, Union

from .errors import UnknownSecretRefError

__all__ = [
    "ACCEPTED_FORMS",
    "AZURE_VAULT_DOMAINS",
    "AwsSecretRef",
    "AzureSecretRef",
    "GcpSecretRef",
    "SecretRef",
    "parse_secret_ref",
]

ACCEPTED_FORMS = (
    "an AWS Secrets Manager ARN 'arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX'",
    "an Azure Key Vault secret URI 'https://VAULT.vault.azure.net/secrets/NAME[/VERSION]' (or a sovereign-cloud vault domain)",
    "a Google Secret Manager name 'projects/PROJECT/secrets/SECRET[/versions/VERSION]'",
)

_AWS = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):secretsmanager:"
    r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}):(?P<account>\d{12}):secret:(?P<name>[A-Za-z0-9/_+=.@-]{1,512})"
)
# Key Vault data-plane domains of the public, China and US Government clouds (and the retired German one).
AZURE_VAULT_DOMAINS = ("vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de")
_AZURE = re.compile(
    r"https://(?i:(?P<vault>[a-z][a-z0-9-]{1,22}[a-z0-9])\.(?P<domain>"
    + "|".join(re.escape(domain) for domain in AZURE_VAULT_DOMAINS)
    + r"))(?::443)?/secrets/(?P<name>[A-Za-z0-9-]{1,127})(?:/(?P<version>[A-Za-z0-9]{1,64}))?/?"
)
_GCP = re.compile(
    r"projects/(?P<project>(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{1,20})"
    r"/secrets/(?P<secret>[A-Za-z0-9_-]{1,255})(?:/versions/(?P<version>[A-Za-z0-9_-]{1,63}))?"
)
# Strings with these prefixes are clearly references, so an error may quote them; anything else might
# be a key value passed by mistake and is never echoed. URLs are quoted only when they point at a Key
# Vault: other URLs can be secrets themselves (webhook URLs, URLs with credentials or tokens in them).
_REF_PREFIXES = ("arn:", "projects/")
_URL_PREFIXES = ("https://", "http://")
# An API Gateway API key id (what an issuer.aws_api_gateway key's secret_ref is with no backend).
_API_GATEWAY_KEY_ID = re.compile(r"[a-z0-9]{10}")
_VAULT_URL = re.compile(
    r"https?://[a-z0-9-]+\.(?:" + "|".join(re.escape(domain) for domain in AZURE_VAULT_DOMAINS) + r")(?::\d+)?(?:/[^@]*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AwsSecretRef:
    """An AWS Secrets Manager secret, read with ``GetSecretValue`` in the ARN's region."""

    raw: str
    partition: str
    region: str
    account: str
    name: str

    @property
    def arn(self) -> str:
        """The full ARN, passed as ``SecretId`` (works across accounts, unlike a bare name)."""
        return self.raw


@dataclass(frozen=True)
class AzureSecretRef:
    """An Azure Key Vault secret; ``version`` is None for the current version."""

    raw: str
    vault_url: str
    name: str
    version: Optional[str]


@dataclass(frozen=True)
class GcpSecretRef:
    """A Google Secret Manager secret version (``latest`` unless the reference pins one)."""

    raw: str
    project: str
    secret: str
    version: str

    @property
    def version_name(self) -> str:
        """The resource name ``access_secret_version`` takes."""
        return f"projects/{self.project}/secrets/{self.secret}/versions/{self.version}"


SecretRef = Union[AwsSecretRef, AzureSecretRef, GcpSecretRef]


def parse_secret_ref(secret_ref: str) -> SecretRef:
    """Parse a ``secret_ref`` into the cloud-specific reference it denotes.

    Raises :class:`UnknownSecretRefError` (naming the accepted forms) for anything else.
    """
    if not isinstance(secret_ref, str):
        raise UnknownSecretRefError(f"secret_ref must be a str, got {type(secret_ref).__name__}; expected {_forms()}")
    match = _AWS.fullmatch(secret_ref)
    if match:
        return AwsSecretRef(secret_ref, match["partition"], match["region"], match["account"], match["name"])
    match = _AZURE.fullmatch(secret_ref)
    if match:
        vault_url = f"https://{match['vault'].lower()}.{match['domain'].lower()}"
        return AzureSecretRef(secret_ref, vault_url, match["name"], match["version"])
    match = _GCP.fullmatch(secret_ref)
    if match:
        return GcpSecretRef(secret_ref, match["project"], match["secret"], match["version"] or "latest")
    raise UnknownSecretRefError(_refusal(secret_ref))


def _refusal(secret_ref: str) -> str:
    """Why ``secret_ref`` is refused, with the specific fix for the common mistakes."""
    stripped = secret_ref.strip()
    if stripped != secret_ref and stripped and _parses(stripped):
        where = "a trailing newline" if secret_ref.rstrip(" \t") != secret_ref.rstrip() else "spaces around it"
        return (
            f"{_describe(stripped)} has {where} (read from a file or `echo` output?); strip the whitespace "
            "before passing it, e.g. resolve(os.environ['KEY_REF'].strip())"
        )
    if _API_GATEWAY_KEY_ID.fullmatch(secret_ref):
        return (
            "the secret_ref given (10 characters) looks like an API Gateway API key id: an issuer.aws_api_gateway key "
            "with no backend has no stored copy to read. Keep a copy (backend: aws-secrets-manager with "
            "issuer.aws_api_gateway) and pass the new secret_ref (the secret's ARN), or read the key with "
            "`aws apigateway get-api-key --api-key <api_key_id> --include-value`"
        )
    return f"{_describe(secret_ref)} is not a secret reference; expected {_forms()}"


def _parses(secret_ref: str) -> bool:
    return any(pattern.fullmatch(secret_ref) for pattern in (_AWS, _AZURE, _GCP))


def _describe(secret_ref: str) -> str:
    if not any(ch.isspace() for ch in secret_ref) and (
        secret_ref.startswith(_REF_PREFIXES) or (secret_ref.startswith(_URL_PREFIXES) and _VAULT_URL.fullmatch(secret_ref))
    ):
        return f"secret_ref {secret_ref!r}"
    return f"the secret_ref given ({len(secret_ref)} characters, not shown in case it is a key value)"


def _forms() -> str:
    return "; ".join(ACCEPTED_FORMS)
