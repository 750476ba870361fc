"""The rotator's settings: the ``AIKEYS_*`` environment the deploy sets, read into one frozen value.

Common: ``AIKEYS_ISSUER``, ``AIKEYS_STORE`` (aws | gcp | azure), ``AIKEYS_SECRET`` (AWS secret ARN, GCP
``projects/P/secrets/S``, Azure ``https://VAULT.vault.azure.net/secrets/NAME``), ``AIKEYS_EVERY_DAYS`` (1..365) and
``AIKEYS_KEY_PREFIX`` (the name prefix of every key the rotator makes, so it can list its own). Per issuer:

* bedrock: ``AIKEYS_IAM_USER``, ``AIKEYS_CREDENTIAL_AGE_DAYS`` (optional: how many days each credential lives, 1 to
  36,600; the deploy sets two periods and 30 days, or the key's ``expires_in_days``);
* aws_api_gateway: ``AIKEYS_USAGE_PLAN_ID``, ``AIKEYS_PROBE_URL``;
* gemini: ``AIKEYS_PROJECT``, ``AIKEYS_API_TARGETS`` (comma list, default generativelanguage.googleapis.com),
  ``AIKEYS_PROBE_URL`` (optional);
* azure_ai_services: ``AIKEYS_ACCOUNT_ID`` (the account's ARM id), ``AIKEYS_PROBE_URL`` (optional);
* azure_api_management: ``AIKEYS_APIM_SUBSCRIPTION_ID`` (the API Management subscription's ARM id,
  ``/subscriptions/S/resourceGroups/G/providers/Microsoft.ApiManagement/service/SVC/subscriptions/SID``),
  ``AIKEYS_PROBE_URL`` (optional: a gateway route the key may call);
* openai: ``AIKEYS_OPENAI_PROJECT``, ``AIKEYS_ADMIN_KEY_REF`` (the admin key's secret in the same store),
  ``AIKEYS_OPENAI_SERVICE_ACCOUNT`` (optional: a name put before the prefix of each service account).

Endpoints default to the real hosts; ``AIKEYS_ENDPOINT_<NAME>`` overrides one (tests): OPENAI, APIKEYS,
GENERATIVELANGUAGE, SECRETMANAGER, METADATA, ARM, KEYVAULT. AWS clients honour ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` as boto3 does. Azure's managed identity comes from ``IDENTITY_ENDPOINT`` and
``IDENTITY_HEADER``, set by the platform.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

__all__ = ["DEFAULT_ENDPOINTS", "ISSUERS", "STORES", "Settings", "SettingsError"]

ISSUERS = ("bedrock", "aws_api_gateway", "gemini", "azure_ai_services", "azure_api_management", "openai")
STORES = ("aws", "gcp", "azure")
MAX_EVERY_DAYS = 365
MAX_CREDENTIAL_AGE_DAYS = 36_600
"""IAM's limit for ``CredentialAgeDays`` (CreateServiceSpecificCredential, botocore's IAM model)."""

DEFAULT_ENDPOINTS: Mapping[str, str] = {
    "OPENAI": "https://api.openai.com",
    "APIKEYS": "https://apikeys.googleapis.com",
    "GENERATIVELANGUAGE": "https://generativelanguage.googleapis.com",
    "SECRETMANAGER": "https://secretmanager.googleapis.com",
    "METADATA": "http://metadata.google.internal",
    "ARM": "https://management.azure.com",
    "KEYVAULT": "",  # the vault's own URL, from AIKEYS_SECRET
}

# The store each issuer's managed rotation runs beside (the deploy refuses the rest).
_PAIRS = {
    "bedrock": ("aws",),
    "aws_api_gateway": ("aws",),
    "gemini": ("gcp",),
    "azure_ai_services": ("azure",),
    "azure_api_management": ("azure",),
    "openai": ("aws", "azure"),
}
_REQUIRED = {
    "bedrock": ("AIKEYS_IAM_USER",),
    "aws_api_gateway": ("AIKEYS_USAGE_PLAN_ID", "AIKEYS_PROBE_URL"),
    "gemini": ("AIKEYS_PROJECT",),
    "azure_ai_services": ("AIKEYS_ACCOUNT_ID",),
    "azure_api_management": ("AIKEYS_APIM_SUBSCRIPTION_ID",),
    "openai": ("AIKEYS_OPENAI_PROJECT", "AIKEYS_ADMIN_KEY_REF"),
}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs from its environment."""

    issuer: str
    store: str
    secret: str
    every_days: int
    key_prefix: str
    iam_user: Optional[str] = None
    credential_age_days: Optional[int] = None
    """How long each Bedrock credential lives (``None``: IAM's default, no expiry)."""
    usage_plan_id: Optional[str] = None
    probe_url: Optional[str] = None
    project: Optional[str] = None
    api_targets: tuple[str, ...] = ("generativelanguage.googleapis.com",)
    account_id: Optional[str] = None
    apim_subscription_id: Optional[str] = None
    openai_project: Optional[str] = None
    admin_key_ref: Optional[str] = None
    openai_service_account: Optional[str] = None
    endpoints: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENDPOINTS))
    aws_endpoints: Mapping[str, str] = field(default_factory=dict)
    """``AWS_ENDPOINT_URL`` (key ``""``) and ``AWS_ENDPOINT_URL_<SERVICE>`` (key ``SERVICE``), as boto3 reads them."""
    aws_region: Optional[str] = None
    identity_endpoint: Optional[str] = None
    identity_header: Optional[str] = field(default=None, repr=False)

    def endpoint(self, name: str) -> str:
        """The base URL of one API (``OPENAI``, ``APIKEYS``...), overridden or the real host."""
        return self.endpoints.get(name) or DEFAULT_ENDPOINTS[name]

    def keyvault_url(self, ref: str) -> str:
        """A Key Vault URL (a secret, a version, a nextLink), on ``AIKEYS_ENDPOINT_KEYVAULT`` when set (path and
        query kept)."""
        override = self.endpoints.get("KEYVAULT")
        if not override:
            return ref
        parts = urlsplit(ref)
        return override.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """Read the settings; raises :class:`SettingsError` naming the first missing or malformed variable."""

        def need(name: str) -> str:
            value = (env.get(name) or "").strip()
            if not value:
                raise SettingsError(f"{name} is not set: the rotator's deploy sets it")
            return value

        def optional(name: str) -> Optional[str]:
            value = (env.get(name) or "").strip()
            return value or None

        issuer = need("AIKEYS_ISSUER")
        if issuer not in ISSUERS:
            raise SettingsError(f"AIKEYS_ISSUER is {issuer!r}: expected one of {', '.join(ISSUERS)}")
        store = need("AIKEYS_STORE")
        if store not in STORES:
            raise SettingsError(f"AIKEYS_STORE is {store!r}: expected one of {', '.join(STORES)}")
        if store not in _PAIRS[issuer]:
            an = "an" if issuer[0] in "aeiou" else "a"
            raise SettingsError(f"AIKEYS_STORE is {store!r}: {an} {issuer} key rotates in {' or '.join(_PAIRS[issuer])}")
        secret = need("AIKEYS_SECRET")
        _check_secret(store, secret)
        raw_days = need("AIKEYS_EVERY_DAYS")
        try:
            every_days = int(raw_days)
        except ValueError:
            raise SettingsError(f"AIKEYS_EVERY_DAYS is {raw_days!r}: expected a whole number of days") from None
        if not 1 <= every_days <= MAX_EVERY_DAYS:
            raise SettingsError(f"AIKEYS_EVERY_DAYS is {every_days}: expected 1 to {MAX_EVERY_DAYS}")
        key_prefix = need("AIKEYS_KEY_PREFIX")
        for name in _REQUIRED[issuer]:
            need(name)
        apim_subscription = optional("AIKEYS_APIM_SUBSCRIPTION_ID")
        if issuer == "azure_api_management":
            _check_apim_subscription(str(apim_subscription))
        age = _credential_age(optional("AIKEYS_CREDENTIAL_AGE_DAYS"))
        targets = tuple(t.strip() for t in (optional("AIKEYS_API_TARGETS") or "").split(",") if t.strip())
        endpoints = dict(DEFAULT_ENDPOINTS)
        for name in DEFAULT_ENDPOINTS:
            override = optional(f"AIKEYS_ENDPOINT_{name}")
            if override:
                endpoints[name] = override.rstrip("/")
        aws_endpoints = {
            name[len("AWS_ENDPOINT_URL_") :] if name != "AWS_ENDPOINT_URL" else "": value
            for name, value in env.items()
            if (name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_")) and value
        }
        if store == "azure":
            need("IDENTITY_ENDPOINT")
            need("IDENTITY_HEADER")
        return cls(
            issuer=issuer,
            store=store,
            secret=secret,
            every_days=every_days,
            key_prefix=key_prefix,
            iam_user=optional("AIKEYS_IAM_USER"),
            credential_age_days=age,
            usage_plan_id=optional("AIKEYS_USAGE_PLAN_ID"),
            probe_url=optional("AIKEYS_PROBE_URL"),
            project=optional("AIKEYS_PROJECT"),
            api_targets=targets or ("generativelanguage.googleapis.com",),
            account_id=optional("AIKEYS_ACCOUNT_ID"),
            apim_subscription_id=apim_subscription,
            openai_project=optional("AIKEYS_OPENAI_PROJECT"),
            admin_key_ref=optional("AIKEYS_ADMIN_KEY_REF"),
            openai_service_account=optional("AIKEYS_OPENAI_SERVICE_ACCOUNT"),
            endpoints=endpoints,
            aws_endpoints=aws_endpoints,
            aws_region=optional("AWS_REGION") or optional("AWS_DEFAULT_REGION"),
            identity_endpoint=optional("IDENTITY_ENDPOINT"),
            identity_header=optional("IDENTITY_HEADER"),
        )


def _credential_age(raw: Optional[str]) -> Optional[int]:
    if raw is None:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise SettingsError(f"AIKEYS_CREDENTIAL_AGE_DAYS is {raw!r}: expected a whole number of days") from None
    if not 1 <= days <= MAX_CREDENTIAL_AGE_DAYS:
        raise SettingsError(f"AIKEYS_CREDENTIAL_AGE_DAYS is {days}: expected 1 to {MAX_CREDENTIAL_AGE_DAYS}")
    return days


def _check_apim_subscription(ref: str) -> None:
    """An API Management subscription's ARM id: the rotator acts on nothing else, so a malformed one stops it early."""
    parts = [p for p in ref.split("/") if p]
    shape = ["subscriptions", "*", "resourceGroups", "*", "providers", "Microsoft.ApiManagement", "service", "*"]
    shape += ["subscriptions", "*"]
    if len(parts) != len(shape) or any(
        want != "*" and got.lower() != want.lower() for want, got in zip(shape, parts, strict=True)
    ):
        raise SettingsError(
            f"AIKEYS_APIM_SUBSCRIPTION_ID is {ref!r}: expected /subscriptions/S/resourceGroups/G/providers/"
            "Microsoft.ApiManagement/service/SERVICE/subscriptions/SID"
        )


def _check_secret(store: str, secret: str) -> None:
    if store == "aws" and not secret.startswith("arn:"):
        raise SettingsError(f"AIKEYS_SECRET is {secret!r}: expected the secret's ARN")
    if store == "gcp":
        parts = secret.split("/")
        if len(parts) != 4 or parts[0] != "projects" or parts[2] != "secrets" or not parts[1] or not parts[3]:
            raise SettingsError(f"AIKEYS_SECRET is {secret!r}: expected projects/PROJECT/secrets/SECRET")
    if store == "azure":
        url = urlsplit(secret)
        path = [p for p in url.path.split("/") if p]
        if url.scheme != "https" or len(path) != 2 or path[0] != "secrets":
            raise SettingsError(f"AIKEYS_SECRET is {secret!r}: expected https://VAULT.vault.azure.net/secrets/NAME")
