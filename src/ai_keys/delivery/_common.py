"""What both delivery blocks share: which cloud the key is read from, and an ``Input[str]`` checked by one rule now
when it is known and at deploy time when it is not, with the same message."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import SecureApiKeyError
from ..rules import _checks as check
from ..rules.common import StoreName
from ..rules.deploy_time import at_deploy

GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# An IAM role (a workload identity is a role: IRSA and ESC's aws-login both assume one), with its path.
ROLE_ARN_PATTERN = r"arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role/([A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]{1,64}"
ROLE_ARN_RULE = "an IAM role ARN such as arn:aws:iam::123456789012:role/app"
GSA_EMAIL_PATTERN = r"[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com"
GSA_EMAIL_RULE = "a Google service account email such as app@my-project.iam.gserviceaccount.com"

CLOUDS: dict[StoreName, str] = {
    StoreName.AWS_SECRETS_MANAGER: "aws",
    StoreName.AZURE_KEY_VAULT: "azure",
    StoreName.GCP_SECRET_MANAGER: "gcp",
}
"""The store a delivery block reads from -> its cloud. The API Gateway store alone is not here: none of ESO, the
Secrets Store CSI driver or ESC has a provider for API Gateway keys (its copy in Secrets Manager is read instead)."""

NO_API_GATEWAY_PROVIDER = (
    "does not apply to a key kept in API Gateway alone: neither the External Secrets Operator, the Secrets Store "
    "CSI driver nor Pulumi ESC can read an API Gateway key"
)
KEEP_A_COPY = "set backend: aws-secrets-manager to keep a copy in Secrets Manager, which all three read"


def cloud_of(block: str, kept_in: Optional[StoreName]) -> str:
    """The cloud ``block`` reads the key from: that of the store the user named (``kept_in``, their ``backend``).
    None is a key kept in API Gateway alone, which is refused."""
    if kept_in is None or kept_in not in CLOUDS:
        raise SecureApiKeyError(block, NO_API_GATEWAY_PROVIDER, KEEP_A_COPY)
    return CLOUDS[kept_in]


def checked_input(field: str, value: Any, rule: Callable[[str], str], allowed: str) -> Any:
    """``value`` (an ``Input[str]``) judged by ``rule``: now when it is a plain string, once it resolves when it is
    an Output (a refusal then is a :class:`~ai_keys.rules.deploy_time.DeployTimeError` with the same message)."""

    def judged(resolved: Any) -> str:
        return rule(check.text(field, resolved, max_len=2048, allowed=allowed))

    if isinstance(value, str):
        return judged(value)
    if check.is_input(value):
        return at_deploy(value, judged)
    raise SecureApiKeyError(field, f"must be a string or a Pulumi Output (got {check.type_name(value)})", allowed)


def pattern_input(field: str, value: Any, pattern: str, allowed: str) -> Any:
    """An ``Input[str]`` that must match ``pattern`` (whole), now or once it resolves."""

    def rule(text: str) -> str:
        return check.text(field, text, pattern=pattern, max_len=2048, allowed=allowed)

    return checked_input(field, value, rule, allowed)


def identity_fields(
    path: str, block: Mapping[str, Any], cloud: str, fields_by_cloud: Mapping[str, tuple[str, ...]], backend: str
) -> None:
    """Refuse a field of another cloud's identity in ``block`` (at ``path``), naming the fields this cloud takes."""
    own = fields_by_cloud[cloud]
    for name, value in block.items():
        if value is None or name in own:
            continue
        if any(name in fields for fields in fields_by_cloud.values()):
            raise SecureApiKeyError(
                f"{path}.{name}", f"does not apply to backend {backend}", ", ".join(f"{path}.{f}" for f in own)
            )
    for name in own:
        if block.get(name) is None and name not in OPTIONAL_IDENTITY_FIELDS:
            raise SecureApiKeyError(
                f"{path}.{name}", f"is required with backend {backend}", ", ".join(f"{path}.{f}" for f in own)
            )


OPTIONAL_IDENTITY_FIELDS = frozenset({"session_name"})
"""Identity fields a cloud takes but does not require."""


@dataclass(frozen=True)
class Located:
    """Where the key is, read from the store's ``secret_ref`` once it is known: what ESO, the CSI providers and ESC
    each name it by. Always the versionless secret, so every reader follows rotation."""

    cloud: str
    ref: str
    """The ``secret_ref``: a secret ARN, ``projects/P/secrets/S/versions/latest``, or a versionless Key Vault URL."""
    name: str
    """The secret as the cloud's API names it: the ARN (AWS, naming this secret alone), or the secret's own name."""
    region: str = ""
    """AWS: the secret's region."""
    project: str = ""
    """GCP: the project id."""
    vault: str = ""
    """Azure: the vault's name."""
    vault_url: str = ""
    """Azure: ``https://VAULT.vault.azure.net``."""


def locate(cloud: str, ref: str) -> Located:
    """The coordinates of the secret ``ref`` names (the store's ``secret_ref``)."""
    if cloud == "aws":
        # arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX
        parts = ref.split(":", 6)
        if len(parts) != 7 or parts[2] != "secretsmanager":
            raise ValueError(f"not a Secrets Manager secret ARN: {ref!r}")
        return Located(cloud, ref, name=ref, region=parts[3])
    if cloud == "gcp":
        parts = ref.split("/")  # projects/P/secrets/S/versions/latest
        if len(parts) != 6 or parts[0] != "projects" or parts[2] != "secrets":
            raise ValueError(f"not a Secret Manager version name: {ref!r}")
        return Located(cloud, ref, name=parts[3], project=parts[1])
    scheme, _, rest = ref.partition("://")  # https://VAULT.vault.azure.net/secrets/NAME
    host, _, path = rest.partition("/")
    segments = path.split("/")
    if scheme != "https" or len(segments) < 2 or segments[0] != "secrets":
        raise ValueError(f"not a Key Vault secret URL: {ref!r}")
    return Located(cloud, ref, name=segments[1], vault=host.split(".", 1)[0], vault_url=f"https://{host}")
